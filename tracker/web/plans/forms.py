"""Forms for plans, stages, goals, sections, indicators and indicator values."""

from __future__ import annotations

from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, NumberRange, Optional

from tracker.vocab import ReportKind, TargetDirection
from tracker.web.forms import NumberField, RecordForm, TextDateField, VocabField, int_or_none, length, required


def _year(label: str, optional: bool = True) -> IntegerField:
    return IntegerField(
        label, validators=[Optional() if optional else required(), NumberRange(1949, 2100, message="请填写四位年份")]
    )


def _ordinal(label: str = "序号") -> IntegerField:
    return IntegerField(label, validators=[required(), NumberRange(min=1, message="序号从 1 开始")])


def _sort_key(label: str = "排序") -> IntegerField:
    """A sort position; 0 (the default of records made without one) is a valid position."""
    return IntegerField(label, validators=[InputRequired(message="此项必填"), NumberRange(min=0, message="不能为负数")])


class PlanForm(RecordForm):
    model_fields = (
        "code",
        "name",
        "region",
        "issuing_body",
        "start_year",
        "end_year",
        "description",
        "report_cadence",
        "guiding_thought",
        "principles",
        "basis",
        "objectives",
    )
    code = StringField("代码", validators=[required(), length(32)], description="简短英文或拼音，如 szwz")
    name = StringField("规划名称", validators=[required(), length(200)])
    region = StringField("地区", validators=[Optional(), length(100)])
    issuing_body = StringField("发布机关", validators=[Optional(), length(200)])
    start_year = _year("起始年")
    end_year = _year("截止年")
    description = TextAreaField("说明")
    report_cadence = VocabField(
        "报送周期", ReportKind, blank=None, description="各单位按月（月报）还是按季度（季报）报送进度"
    )
    guiding_thought = TextAreaField("指导思想", description="照录规划原文；原文没有的留空")
    principles = TextAreaField("建设原则")
    basis = TextAreaField("依据", description="规划依据的法规、上级规划和文件")
    objectives = TextAreaField("总体目标与具体目标")

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.start_year.data and self.end_year.data and self.end_year.data < self.start_year.data:
            self.end_year.errors = [*self.end_year.errors, "不能早于起始年"]
            ok = False
        return ok


class PhaseForm(RecordForm):
    model_fields = ("ordinal", "name", "planned_start_on", "planned_end_on", "summary")
    ordinal = _ordinal("第几阶段")
    name = StringField("阶段名称", validators=[required(), length(200)])
    planned_start_on = TextDateField("计划开始")
    planned_end_on = TextDateField("计划结束")
    summary = TextAreaField("概述")

    def validate(self, extra_validators=None) -> bool:
        return super().validate(extra_validators) & self.check_window("planned_start_on", "planned_end_on")


class GoalForm(RecordForm):
    model_fields = ("ordinal", "text")
    ordinal = _ordinal("目标序号")
    text = TextAreaField("目标", validators=[required()])


class SectionForm(RecordForm):
    model_fields = ("parent_id", "code", "title", "ordinal", "description")
    parent_id = SelectField("上级", coerce=int_or_none)
    code = StringField("编号", validators=[Optional(), length(32)], description="按原文，如 1.1、（一）")
    title = StringField("名称", validators=[required(), length(200)])
    ordinal = _sort_key()
    description = TextAreaField("说明")


class IndicatorForm(RecordForm):
    model_fields = (
        "ordinal",
        "name",
        "unit",
        "baseline_value",
        "baseline_year",
        "target_value",
        "target_year",
        "target_direction",
        "target_text",
        "section_id",
        "goal_id",
    )
    ordinal = _sort_key()
    name = StringField("指标", validators=[required(), length(200)])
    unit = StringField("单位", validators=[Optional(), length(20)])
    baseline_value = NumberField("基期值")
    baseline_year = _year("基期年")
    target_value = NumberField("目标值")
    target_year = _year("目标年")
    target_direction = VocabField(
        "达成条件",
        TargetDirection,
        description="规划原文怎么说：以上/达到 → 不低于目标值；超过 → 高于；以内 → 不超过；近 → 达到目标值的 95% 即算",
    )
    target_text = TextAreaField("目标原文")
    section_id = SelectField("衡量的工程/任务", coerce=int_or_none)
    goal_id = SelectField("衡量的阶段目标", coerce=int_or_none)


class PlanEventForm(RecordForm):
    model_fields = ("occurred_on", "text", "source")
    precision_fields = ("occurred_precision",)
    occurred_on = TextDateField("日期", description="照原文写：2001年7月、2006年、2003-05-12")
    text = TextAreaField("大事", validators=[required()])
    source = StringField("出处", validators=[Optional(), length(200)], description="文件名称及段落")


class IndicatorValueForm(RecordForm):
    model_fields = ("year", "value", "note")
    year = _year("年份", optional=False)
    value = NumberField("实际值", validators=[InputRequired(message="此项必填")])
    note = TextAreaField("说明")
