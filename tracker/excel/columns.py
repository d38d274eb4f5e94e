"""The workbook format contract: sheets, columns and the header spellings departments use.

Who may change which field is not here: auth.permissions.editable_fields decides, for forms and
workbooks alike.

Headers here are constants of the format, not UI strings: the importer recognises a column by any
of its `aliases`, wherever it stands and whichever header row (of a two-level header) names it.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from enum import Enum

FORMAT_NAME = "tracker-plan-workbook"
FORMAT_VERSION = 1
META_SHEET = "_tracker"

PROJECTS_SHEET = "项目进度"
MILESTONES_SHEET = "里程碑"
INVESTMENTS_SHEET = "投资"
FUNDINGS_SHEET = "资金来源"
EVENTS_SHEET = "大事记"
GOALS_SHEET = "阶段目标"
HELP_SHEET = "填表说明"


class Kind(Enum):
    TEXT = "text"
    INT = "int"
    YEAR = "year"
    AMOUNT = "amount"  # 万元
    DATE = "date"
    PERCENT = "percent"
    PROJECT_STATUS = "project_status"
    MILESTONE_STATUS = "milestone_status"
    NATURE = "nature"
    FUNDING = "funding"
    DEPARTMENT = "department"
    DEPARTMENTS = "departments"


@dataclass(frozen=True)
class Column:
    key: str  # model attribute (or a derived value's name)
    header: str  # the header tracker writes (lower level when grouped)
    kind: Kind = Kind.TEXT
    group: str | None = None  # upper header of a two-level header
    width: float = 12
    aliases: tuple[str, ...] = field(default=())

    @property
    def names(self) -> tuple[str, ...]:
        return (self.header, *self.aliases)


def _c(*args, **kwargs) -> Column:
    return Column(*args, **kwargs)


PROJECT_COLUMNS: tuple[Column, ...] = (
    _c("seq", "序号", Kind.INT, width=6),
    _c("code", "项目编号", Kind.TEXT, width=10, aliases=("编号", "项目代码")),
    _c(
        "name",
        "项目名称",
        Kind.TEXT,
        width=28,
        aliases=("项目", "名称", "建设项目", "工程名称", "项目(工程)名称", "项目（工程）名称"),
    ),
    _c("section", "所属工程/任务", Kind.TEXT, width=18, aliases=("所属工程", "所属任务", "工程")),
    _c("phases", "阶段", Kind.TEXT, width=12, aliases=("所属阶段",)),
    _c(
        "content",
        "建设内容",
        Kind.TEXT,
        width=40,
        aliases=("建设内容及规模", "主要建设内容", "项目规模", "建设规模及内容", "主要建设内容及规模"),
    ),
    _c(
        "lead_department",
        "责任单位",
        Kind.DEPARTMENT,
        width=16,
        aliases=(
            "牵头单位",
            "主办单位",
            "建设单位",
            "责任部门",
            "牵头部门",
            "项目法人",
            "投资主体",
            "承办单位",
            "项目单位",
            "实施单位",
        ),
    ),
    _c("cooperators", "配合单位", Kind.DEPARTMENTS, width=18, aliases=("协办单位", "配合部门", "协作单位")),
    _c("supporters", "支持单位", Kind.DEPARTMENTS, width=14, aliases=("技术支持单位", "支持部门")),
    _c("reviewers", "审查单位", Kind.DEPARTMENTS, width=14, aliases=("审核单位", "联合审查单位", "审查部门")),
    _c("nature", "建设性质", Kind.NATURE, width=9, aliases=("性质",)),
    _c(
        "planned_start_on",
        "开始",
        Kind.DATE,
        group="建设起止年限",
        width=11,
        aliases=("计划开始", "开工时间", "开始时间", "计划开工时间", "计划开工年", "计划开工日期"),
    ),
    _c(
        "planned_end_on",
        "完成",
        Kind.DATE,
        group="建设起止年限",
        width=11,
        aliases=(
            "计划完成",
            "完工时间",
            "完成时限",
            "计划完成时间",
            "计划完成日期",
            "计划完工时间",
            "计划完工年",
            "计划竣工时间",
        ),
    ),
    _c("funding_source", "资金来源", Kind.FUNDING, width=10, aliases=("资金渠道",)),
    _c(
        "total_budget",
        "总投资",
        Kind.AMOUNT,
        group="投资情况",
        width=12,
        aliases=("总投资（万元）", "总投资(万元)", "计划总投资", "项目总投资"),
    ),
    _c(
        "year_planned",
        "年度计划投资",
        Kind.AMOUNT,
        group="投资情况",
        width=12,
        aliases=("年度计划", "本年计划投资", "年计划投资"),
    ),
    _c(
        "completed_total",
        "累计完成投资",
        Kind.AMOUNT,
        group="投资情况",
        width=12,
        aliases=("累计完成", "自开始累计完成投资", "开工至本月底累计完成投资", "开工累计完成投资"),
    ),
    # Says what it is a share of: the cumulative completed investment of the 总投资 (0.368 shown as 36.8%).
    _c(
        "completion_rate", "累计完成÷总投资", Kind.PERCENT, group="投资情况", width=10, aliases=("完成率", "投资完成率")
    ),
    _c("status", "状态", Kind.PROJECT_STATUS, width=9, aliases=("项目状态", "进展状态", "开工状态")),
    _c(
        "progress_note",
        "形象进度",
        Kind.TEXT,
        width=28,
        aliases=("工程形象进度", "进展情况", "完成情况", "项目进展情况", "目前进展", "建设进度"),
    ),
    _c("issues", "存在问题", Kind.TEXT, width=24, aliases=("存在的问题", "问题及建议", "主要问题", "存在问题及建议")),
    _c("contact", "联系人", Kind.TEXT, width=10, aliases=("联系人及电话", "联系人及联系电话")),
    _c("remarks", "备注", Kind.TEXT, width=16, aliases=("说明",)),
)

MILESTONE_COLUMNS: tuple[Column, ...] = (
    _c("project_code", "项目编号", Kind.TEXT, width=10, aliases=("编号",)),
    _c("project_name", "项目名称", Kind.TEXT, width=28, aliases=("项目", "工程名称")),
    _c("ordinal", "序号", Kind.INT, width=6, aliases=("节点序号", "里程碑序号")),
    _c("name", "里程碑", Kind.TEXT, width=28, aliases=("里程碑名称", "节点", "关键节点")),
    _c("planned_on", "计划完成日期", Kind.DATE, width=13, aliases=("计划完成时间", "完成时限", "计划时间", "计划日期")),
    _c("actual_on", "实际完成日期", Kind.DATE, width=13, aliases=("实际完成时间", "实际日期")),
    _c("status", "状态", Kind.MILESTONE_STATUS, width=9, aliases=("完成情况", "进展", "完成状态")),
    _c("note", "说明", Kind.TEXT, width=30, aliases=("备注", "情况说明")),
)

# The 投资 sheet: two key columns, then 计划 / 完成 under one header per year ("2026年").
INVESTMENT_KEY_COLUMNS: tuple[Column, ...] = (
    _c("project_code", "项目编号", Kind.TEXT, width=10, aliases=("编号",)),
    _c("project_name", "项目名称", Kind.TEXT, width=28, aliases=("项目", "工程名称")),
)
INVESTMENT_PLANNED = Column("planned_amount", "计划", Kind.AMOUNT, width=11, aliases=("计划投资", "年度计划"))
INVESTMENT_COMPLETED = Column("completed_amount", "完成", Kind.AMOUNT, width=11, aliases=("完成投资", "实际完成"))

# The 资金来源 sheet: one row per source of a project-year's money (a year may have several).
FUNDING_COLUMNS: tuple[Column, ...] = (
    _c("project_code", "项目编号", Kind.TEXT, width=10, aliases=("编号",)),
    _c("project_name", "项目名称", Kind.TEXT, width=28, aliases=("项目", "工程名称")),
    _c("year", "年度", Kind.YEAR, width=8, aliases=("年份", "投资年度")),
    _c("source", "资金来源", Kind.FUNDING, width=12, aliases=("来源类别", "资金渠道")),
    _c("amount", "金额", Kind.AMOUNT, width=12, aliases=("资金数额", "资金额", "来源金额")),
    _c("note", "原文写法", Kind.TEXT, width=24, aliases=("说明", "备注")),
)


def funding_key(project_code: str, year: int, funding) -> str:
    """How the hidden sheet names a 资金来源 row: its project-year, its source and the source as written."""
    return f"{project_code}@{year}/{funding.source.value}/{funding.note or ''}"


EVENT_COLUMNS: tuple[Column, ...] = (
    _c("occurred", "日期", Kind.DATE, width=14),
    _c("text", "事件", Kind.TEXT, width=60),
    _c("source", "出处", Kind.TEXT, width=30),
)

GOAL_COLUMNS: tuple[Column, ...] = (
    _c("phase", "阶段", Kind.TEXT, width=36),
    _c("ordinal", "序号", Kind.INT, width=6),
    _c("text", "目标", Kind.TEXT, width=60),
    _c("projects", "相关项目", Kind.TEXT, width=30),
)

# -- Reading workbooks that tracker did not write --------------------------------------------------

# One column holding both ends: "2013-2015", "2013.3—2015.12".
DATE_RANGE_HEADERS = (
    "建设起止年限",
    "建设年限",
    "起止年限",
    "建设期限",
    "建设周期",
    "建设起止时间",
    "起止时间",
    "建设工期",
)
# Under such a group header (or 建设起止年限 over 开始/完成, as tracker writes it), the two ends.
RANGE_START_WORDS = ("开始", "开工", "起", "开工年", "开工年份", "开始年份", "计划开工")
RANGE_END_WORDS = ("完成", "完工", "止", "结束", "竣工", "完工年", "完工年份", "计划完工", "计划竣工")
# Amount columns under a year ("2027年" over 计划/完成) or named by it ("2027年计划投资").
YEAR_PLANNED_WORDS = ("计划", "计划投资", "年度计划", "年度计划投资", "投资")
YEAR_COMPLETED_WORDS = ("完成", "完成投资", "实际完成", "实际完成投资")
# 序号 means an ordinal on a milestone sheet; on a project sheet it only numbers the rows.
ROW_NUMBER_HEADERS = ("序号", "编号序号")
# Words of rows that are not data, matched against a whole cell (after spaces are removed).
TOTAL_WORDS = ("合计", "总计", "小计", "累计", "总合计", "全市合计", "全县合计", "全区合计")
NOTE_PREFIXES = (
    "注：",
    "注:",
    "备注：",
    "备注:",
    "说明：",
    "说明:",
    "填报人",
    "审核人",
    "填表人",
    "联系电话",
    "填报日期",
    "统计负责人",
    "报送日期",
    "单位负责人",
    "制表人",
    "制表",
    "负责人：",
    "负责人:",
)

AMOUNT_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
PERCENT_FORMAT = "0.0%"


def normalise_header(text: object) -> str:
    """A header cell as compared: no spaces or line breaks, full-width folded, units kept."""
    text = str(text or "")
    if not text.isascii():  # NFKC only where there is something to fold (most cells are codes and numbers)
        text = unicodedata.normalize("NFKC", text)
    return "".join(text.split())


def header_index(columns) -> dict[str, Column]:
    """Every accepted spelling (normalised) → its column."""
    index: dict[str, Column] = {}
    for column in columns:
        for name in column.names:
            index[normalise_header(name)] = column
    return index
