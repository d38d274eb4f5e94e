"""The workbook format contract: sheets, columns, header spellings departments use, who may edit what.

Headers here are constants of the format, not UI strings: the importer recognises a column by any
of its `aliases`, wherever it stands and whichever header row (of a two-level header) names it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

FORMAT_NAME = "tracker-plan-workbook"
FORMAT_VERSION = 1
META_SHEET = "_tracker"

PROJECTS_SHEET = "项目进度"
MILESTONES_SHEET = "里程碑"
INVESTMENTS_SHEET = "投资"
GOALS_SHEET = "阶段目标"
HELP_SHEET = "填表说明"


class Kind(Enum):
    TEXT = "text"
    INT = "int"
    AMOUNT = "amount"  # 万元
    DATE = "date"
    PERCENT = "percent"
    PROJECT_STATUS = "project_status"
    MILESTONE_STATUS = "milestone_status"
    NATURE = "nature"
    FUNDING = "funding"
    DEPARTMENT = "department"
    DEPARTMENTS = "departments"


class Edit(Enum):
    """Who may change a column through a returned workbook."""

    NOBODY = 0  # derived or informational: never read back
    KEY = 1  # identifies the row; not changed by import
    OFFICE = 2  # 信息办 (and admin)
    DEPARTMENT = 3  # also the department that leads the project


@dataclass(frozen=True)
class Column:
    key: str  # model attribute (or a derived value's name)
    header: str  # the header tracker writes (lower level when grouped)
    kind: Kind = Kind.TEXT
    edit: Edit = Edit.OFFICE
    group: str | None = None  # upper header of a two-level header
    width: float = 12
    aliases: tuple[str, ...] = field(default=())

    @property
    def names(self) -> tuple[str, ...]:
        return (self.header, *self.aliases)


def _c(*args, **kwargs) -> Column:
    return Column(*args, **kwargs)


PROJECT_COLUMNS: tuple[Column, ...] = (
    _c("seq", "序号", Kind.INT, Edit.NOBODY, width=6),
    _c("code", "项目编号", Kind.TEXT, Edit.KEY, width=10, aliases=("编号", "项目代码")),
    _c("name", "项目名称", Kind.TEXT, Edit.OFFICE, width=28, aliases=("项目", "名称", "建设项目")),
    _c("section", "所属工程/任务", Kind.TEXT, Edit.NOBODY, width=18, aliases=("所属工程", "所属任务", "工程")),
    _c("phases", "阶段", Kind.TEXT, Edit.NOBODY, width=12, aliases=("所属阶段",)),
    _c("content", "建设内容", Kind.TEXT, Edit.OFFICE, width=40, aliases=("建设内容及规模", "主要建设内容")),
    _c("lead_department", "责任单位", Kind.DEPARTMENT, Edit.OFFICE, width=16,
       aliases=("牵头单位", "主办单位", "建设单位", "责任部门", "牵头部门")),
    _c("cooperators", "配合单位", Kind.DEPARTMENTS, Edit.OFFICE, width=18, aliases=("协办单位", "配合部门")),
    _c("nature", "建设性质", Kind.NATURE, Edit.OFFICE, width=9, aliases=("性质",)),
    _c("planned_start_on", "开始", Kind.DATE, Edit.OFFICE, group="建设起止年限", width=11,
       aliases=("计划开始", "开工时间", "开始时间", "计划开工时间")),
    _c("planned_end_on", "完成", Kind.DATE, Edit.OFFICE, group="建设起止年限", width=11,
       aliases=("计划完成", "完工时间", "完成时限", "计划完成时间", "计划完成日期")),
    _c("funding_source", "资金来源", Kind.FUNDING, Edit.OFFICE, width=10),
    _c("total_budget", "总投资", Kind.AMOUNT, Edit.OFFICE, group="投资情况", width=12,
       aliases=("总投资（万元）", "总投资(万元)", "计划总投资", "项目总投资")),
    _c("year_planned", "年度计划投资", Kind.AMOUNT, Edit.NOBODY, group="投资情况", width=12,
       aliases=("年度计划", "本年计划投资")),
    _c("completed_total", "累计完成投资", Kind.AMOUNT, Edit.NOBODY, group="投资情况", width=12,
       aliases=("累计完成", "累计完成投资（万元）")),
    _c("completion_rate", "完成率", Kind.PERCENT, Edit.NOBODY, group="投资情况", width=8, aliases=("投资完成率",)),
    _c("status", "状态", Kind.PROJECT_STATUS, Edit.DEPARTMENT, width=9, aliases=("项目状态", "进展状态")),
    _c("progress_note", "形象进度", Kind.TEXT, Edit.DEPARTMENT, width=28, aliases=("工程形象进度", "进展情况")),
    _c("issues", "存在问题", Kind.TEXT, Edit.DEPARTMENT, width=24, aliases=("存在的问题", "问题及建议")),
    _c("contact", "联系人", Kind.TEXT, Edit.OFFICE, width=10, aliases=("联系人及电话",)),
    _c("remarks", "备注", Kind.TEXT, Edit.DEPARTMENT, width=16, aliases=("说明",)),
)

MILESTONE_COLUMNS: tuple[Column, ...] = (
    _c("project_code", "项目编号", Kind.TEXT, Edit.KEY, width=10, aliases=("编号",)),
    _c("project_name", "项目名称", Kind.TEXT, Edit.NOBODY, width=28, aliases=("项目",)),
    _c("ordinal", "序号", Kind.INT, Edit.KEY, width=6),
    _c("name", "里程碑", Kind.TEXT, Edit.OFFICE, width=28, aliases=("里程碑名称", "节点", "关键节点")),
    _c("planned_on", "计划完成日期", Kind.DATE, Edit.OFFICE, width=13,
       aliases=("计划完成时间", "完成时限", "计划时间", "计划日期")),
    _c("actual_on", "实际完成日期", Kind.DATE, Edit.DEPARTMENT, width=13, aliases=("实际完成时间", "实际日期")),
    _c("status", "状态", Kind.MILESTONE_STATUS, Edit.DEPARTMENT, width=9, aliases=("完成情况", "进展")),
    _c("note", "说明", Kind.TEXT, Edit.DEPARTMENT, width=30, aliases=("备注", "情况说明")),
)

# The 投资 sheet: two key columns, then 计划 / 完成 under one header per year ("2026年").
INVESTMENT_KEY_COLUMNS: tuple[Column, ...] = (
    _c("project_code", "项目编号", Kind.TEXT, Edit.KEY, width=10, aliases=("编号",)),
    _c("project_name", "项目名称", Kind.TEXT, Edit.NOBODY, width=28, aliases=("项目",)),
)
INVESTMENT_PLANNED = Column("planned_amount", "计划", Kind.AMOUNT, Edit.OFFICE, width=11,
                            aliases=("计划投资", "年度计划"))
INVESTMENT_COMPLETED = Column("completed_amount", "完成", Kind.AMOUNT, Edit.DEPARTMENT, width=11,
                              aliases=("完成投资", "实际完成"))

GOAL_COLUMNS: tuple[Column, ...] = (
    _c("phase", "阶段", Kind.TEXT, Edit.NOBODY, width=36),
    _c("ordinal", "序号", Kind.INT, Edit.NOBODY, width=6),
    _c("text", "目标", Kind.TEXT, Edit.NOBODY, width=60),
    _c("projects", "相关项目", Kind.TEXT, Edit.NOBODY, width=30),
)

# Words that mark a row as a total rather than data.
TOTAL_WORDS = ("合计", "小计", "总计")

AMOUNT_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
PERCENT_FORMAT = "0.0%"


def normalise_header(text: object) -> str:
    """A header cell as compared: no spaces or line breaks, full-width folded, units kept."""
    import unicodedata

    return "".join(unicodedata.normalize("NFKC", str(text or "")).split())


def header_index(columns) -> dict[str, Column]:
    """Every accepted spelling (normalised) → its column."""
    index: dict[str, Column] = {}
    for column in columns:
        for name in column.names:
            index[normalise_header(name)] = column
    return index
