"""Forms for projects, milestones and investments, and the quick progress updates."""

from __future__ import annotations

from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import NumberRange, Optional

from tracker.models import Phase
from tracker.vocab import FundingSource, MilestoneStatus, ProjectNature, ProjectRoleKind, ProjectStage, ProjectStatus
from tracker.web.forms import (
    AmountField,
    DepartmentField,
    DepartmentsField,
    RecordForm,
    RecordsField,
    TextDateField,
    VocabField,
    int_or_none,
    length,
    required,
)


class ProjectForm(RecordForm):
    precision_fields = ("planned_start_precision", "planned_end_precision")
    model_fields = (
        "section_id",
        "code",
        "name",
        "content",
        "lead_department_id",
        "cooperators",
        "phases",
        "nature",
        "stage",
        "status",
        "planned_start_on",
        "planned_end_on",
        "total_budget",
        "funding_source",
        "progress_note",
        "issues",
        "contact",
        "remarks",
    )
    section_id = SelectField("所属工程/任务", coerce=int_or_none)
    code = StringField("项目编号", validators=[required(), length(32)])
    name = StringField("项目名称", validators=[required(), length(200)])
    content = TextAreaField("建设内容")
    lead_department_id = DepartmentField("责任单位")
    cooperators = DepartmentsField("配合单位")
    phases = RecordsField("所属阶段", model=Phase)
    nature = VocabField("建设性质", ProjectNature)
    stage = VocabField("项目阶段", ProjectStage)
    status = VocabField("状态", ProjectStatus)
    planned_start_on = TextDateField("计划开始")
    planned_end_on = TextDateField("计划完成")
    total_budget = AmountField("总投资（万元）")
    funding_source = VocabField("资金来源", FundingSource)
    progress_note = TextAreaField("形象进度")
    issues = TextAreaField("存在问题")
    contact = StringField("联系人", validators=[Optional(), length(100)])
    remarks = TextAreaField("备注")

    def validate(self, extra_validators=None) -> bool:
        return super().validate(extra_validators) & self.check_window("planned_start_on", "planned_end_on")


class ProjectProgressForm(RecordForm):
    """What a department reports on a project it leads (the same cells its workbook leaves open)."""

    model_fields = ("status", "progress_note", "issues", "remarks")
    status = VocabField("状态", ProjectStatus)
    progress_note = TextAreaField("形象进度")
    issues = TextAreaField("存在问题")
    remarks = TextAreaField("备注")


class MilestoneForm(RecordForm):
    precision_fields = ("planned_precision", "actual_precision")
    model_fields = ("ordinal", "name", "planned_on", "actual_on", "status", "weight", "note")
    ordinal = IntegerField("序号", validators=[required(), NumberRange(min=1, message="序号从 1 开始")])
    name = StringField("里程碑", validators=[required(), length(200)])
    planned_on = TextDateField("计划完成日期")
    actual_on = TextDateField("实际完成日期")
    status = VocabField("状态", MilestoneStatus, blank=None)
    weight = IntegerField("权重", default=1, validators=[required(), NumberRange(min=1, message="权重至少为 1")])
    note = TextAreaField("说明")


class MilestoneProgressForm(RecordForm):
    """What a department may change on its own milestones."""

    precision_fields = ("actual_precision",)
    model_fields = ("status", "actual_on", "note")
    status = VocabField("状态", MilestoneStatus, blank=None)
    actual_on = TextDateField("实际完成日期")
    note = TextAreaField("说明")


class InvestmentForm(RecordForm):
    model_fields = ("year", "planned_amount", "completed_amount", "funding_source")
    year = IntegerField("年度", validators=[required(), NumberRange(1949, 2100, message="请填写四位年份")])
    planned_amount = AmountField("计划投资（万元）")
    completed_amount = AmountField("完成投资（万元）")
    funding_source = VocabField("资金来源", FundingSource)


class FundingForm(RecordForm):
    """One source of a project-year's money (a year may have several: 政府投资、部门联建、电信支持)."""

    model_fields = ("source", "amount", "note")
    source = VocabField("来源类别", FundingSource, blank=None)
    amount = AmountField("金额（万元）", description="原文没有金额的留空")
    note = StringField("原文写法", validators=[Optional(), length(200)], description="如：运营商投资、电信支持")


class ProjectRoleForm(RecordForm):
    """A department's part beyond 牵头 and 配合."""

    model_fields = ("department_id", "role", "note")
    department_id = DepartmentField("单位", blank=None)
    role = VocabField("角色", ProjectRoleKind, blank=None)
    note = StringField("说明", validators=[Optional(), length(200)], description="如：电信支持、立项联合审查")


class InvestmentProgressForm(RecordForm):
    """What a department may change on its own investments."""

    model_fields = ("completed_amount",)
    completed_amount = AmountField("完成投资（万元）")
