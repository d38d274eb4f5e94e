"""Every controlled vocabulary: stored value, Chinese label, and the words people use for it."""

from __future__ import annotations

import enum


class Vocab(enum.StrEnum):
    """A stored ASCII value with its Chinese label and the synonyms accepted on input."""

    label: str
    synonyms: tuple[str, ...]

    def __new__(cls, value: str, label: str, *synonyms: str):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        member.synonyms = synonyms
        return member

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, m.label) for m in cls]

    @classmethod
    def from_text(cls, text: str) -> Vocab | None:
        """The member whose value, label or synonym is `text` (spaces ignored), else None."""
        words = cls.__dict__.get("_words")
        if words is None:  # built once per vocabulary: imports look up thousands of cells
            words = {word: m for m in reversed(list(cls)) for word in (m.value, m.label, *m.synonyms)}
            type.__setattr__(cls, "_words", words)
        return words.get("".join(str(text).split()))


class DepartmentKind(Vocab):
    CITY = "city", "市级部门"
    COUNTY = "county", "县市区"
    ENTERPRISE = "enterprise", "企业或运营商"
    OTHER = "other", "其他"


class ProjectNature(Vocab):
    NEW = "new", "新建"
    CONTINUED = "continued", "续建"
    EXPANSION = "expansion", "改扩建", "扩建", "改建"
    UPGRADE = "upgrade", "升级", "升级改造"


class ProjectStage(Vocab):
    """Where a project is in the government IT project lifecycle."""

    RESERVE = "reserve", "储备"
    PREPARATION = "preparation", "前期（建议书·可研·初设）", "前期", "建议书", "可研", "初设"
    APPROVED = "approved", "立项", "已立项"
    PROCUREMENT = "procurement", "招标采购", "招标", "采购"
    IMPLEMENTATION = "implementation", "实施", "实施中"
    PRELIMINARY_ACCEPTANCE = "preliminary_acceptance", "初验"
    TRIAL_RUN = "trial_run", "试运行"
    FINAL_ACCEPTANCE = "final_acceptance", "终验", "验收"
    EVALUATION = "evaluation", "绩效评价"


class ProjectStatus(Vocab):
    NOT_STARTED = "not_started", "未开工", "未开始"
    IN_PROGRESS = "in_progress", "在建", "建设中", "进行中", "实施中", "已开工", "开工", "续建中"
    COMPLETED = "completed", "已完工", "完工", "完成", "已完成", "建成", "已建成", "已竣工", "竣工"
    SUSPENDED = "suspended", "暂缓", "缓建", "暂停"
    CANCELLED = "cancelled", "取消", "已取消"


class MilestoneStatus(Vocab):
    NOT_STARTED = "not_started", "未开始", "未开工"
    IN_PROGRESS = "in_progress", "进行中", "在建", "实施中"
    DONE = "done", "已完成", "完成", "已完工", "完工"
    DELAYED = "delayed", "已延期", "延期", "滞后"
    CANCELLED = "cancelled", "已取消", "取消"


class FundingSource(Vocab):
    FISCAL = "fiscal", "财政", "财政资金", "政府投资"
    SUPERIOR = "superior", "上级专项", "上级补助", "专项资金"
    SELF = "self", "自筹", "自筹资金"
    SOCIAL = "social", "社会资金", "社会投资", "运营商投资"
    OTHER = "other", "其他"


class Role(Vocab):
    ADMIN = "admin", "系统管理员"
    OFFICE = "office", "信息办"
    DEPARTMENT = "department", "部门用户"
    LEADER = "leader", "领导"


class ProjectRoleKind(Vocab):
    """What a department does for a project beside leading it (牵头) and cooperating (配合)."""

    SUPPORT = "support", "支持", "技术支持"
    REVIEW = "review", "审查", "联合审查", "审核"


class ChangeSource(Vocab):
    WEB = "web", "网页"
    IMPORT = "import", "导入"
    CLI = "cli", "命令行"
    SEED = "seed", "种子数据"


class ChangeAction(Vocab):
    INSERT = "insert", "新增"
    UPDATE = "update", "修改"
    DELETE = "delete", "删除"


class ImportStatus(Vocab):
    PREVIEWED = "previewed", "已预览"
    APPLYING = "applying", "正在导入"
    APPLIED = "applied", "已导入"
    REFUSED = "refused", "未导入"


class DatePrecision(Vocab):
    """How precisely a date was written: '2007年6月' is a month, not the 30th of June."""

    DAY = "day", "日"
    MONTH = "month", "月"
    QUARTER = "quarter", "季度"
    HALF = "half", "半年"
    YEAR = "year", "年"


class ImportOutcome(Vocab):
    """What became of one row of an imported workbook."""

    NEW = "new", "新增"
    CHANGED = "changed", "修改"
    UNCHANGED = "unchanged", "未变"
    ERROR = "error", "错误"
    CONFLICT = "conflict", "冲突"
    SKIPPED = "skipped", "跳过"


class ReportKind(Vocab):
    """How often a plan's departments report (a plan's cadence)."""

    MONTH = "month", "月报", "月"
    QUARTER = "quarter", "季报", "季度", "季"


class PeriodStatus(Vocab):
    OPEN = "open", "填报中"
    CLOSED = "closed", "已关闭"


class SubmissionStatus(Vocab):
    """未报 → 已报 → 已确认; 已报 → 退回 → 已报."""

    PENDING = "pending", "未报"
    SUBMITTED = "submitted", "已报"
    RETURNED = "returned", "退回"
    CONFIRMED = "confirmed", "已确认"


class TargetDirection(Vocab):
    """How a plan words an indicator's target: which side of the number counts as 达成."""

    AT_LEAST = "at_least", "达到（不低于）", "以上", "达到", "不低于", "不少于"
    ABOVE = "above", "超过", "突破", "高于", "多于"
    AT_MOST = "at_most", "以内（不超过）", "以内", "不超过", "低于", "控制在"
    NEAR = "near", "接近（达到目标的95%即算）", "近", "接近", "约"


class Verdict(Vocab):
    MET = "met", "已达成"
    NOT_MET = "not_met", "未达成"
    NO_DATA = "no_data", "无数据"


class SecurityEvent(Vocab):
    """What the security log records (tracker.services.security_log)."""

    LOGIN = "login", "登录"
    LOGIN_FAILED = "login_failed", "登录失败"
    LOCKOUT = "lockout", "登录被暂停"
    LOGOUT = "logout", "退出"
    FORBIDDEN = "forbidden", "拒绝访问（403）"
    PASSWORD_CHANGED = "password_changed", "修改本人密码"
    PASSWORD_RESET = "password_reset", "管理员重设密码"
    ROLE_CHANGED = "role_changed", "角色变更"
    USER_CREATED = "user_created", "创建用户"
    USER_DEACTIVATED = "user_deactivated", "停用用户"
    USER_REACTIVATED = "user_reactivated", "启用用户"
    USER_UNLOCKED = "user_unlocked", "解除登录限制"
    REAUTHENTICATED = "reauthenticated", "再次验证密码"
    REAUTH_FAILED = "reauth_failed", "再次验证失败"
    IMPORT_APPLIED = "import_applied", "导入生效"
