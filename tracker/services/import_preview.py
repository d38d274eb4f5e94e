"""What an imported workbook would do: every row matched to its record by its own key, diffed,
checked against the user's rights — the preview, before anything is written.

excel/sheets.py has turned the file into typed rows; here they meet the database. A row is matched
by its own key — 项目编号, else (项目名称, 责任单位) by any of the department's names within the plan's
region; a milestone by (project, 序号) or (project, 名称) — and the hidden map of tracker's own export
only confirms a match and says which version was exported. services/imports.py keeps the preview
with its batch and applies it.

Memory stays about the same however long the file: sheets are read one at a time (projects first),
their rows typed as the file gives them and matched CHUNK at a time with only those rows' projects
and records held, and each result goes to a RowSink as it is made (stored, counted or kept).
"""

from __future__ import annotations

import datetime as dt
import difflib
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from typing import Any, NamedTuple, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from tracker.auth.permissions import editable_fields, may_create
from tracker.excel import columns as C
from tracker.excel.reader import Workbook, WorkbookError, open_workbook
from tracker.excel.sheets import (
    FUNDINGS,
    INVESTMENTS,
    MILESTONES,
    PROJECTS,
    READ_ONLY_SHEETS,
    Meta,
    Row,
    SheetData,
    each_sheet,
    read_meta,
)
from tracker.models import Department, Investment, InvestmentFunding, Milestone, Plan, Project, User, ids_in
from tracker.parse import DateValue, format_date
from tracker.services import ServiceError, bulk
from tracker.services.departments import DepartmentId, DepartmentNames, name_key
from tracker.vocab import (
    DatePrecision,
    FundingSource,
    ImportOutcome,
    MilestoneStatus,
    ProjectNature,
    ProjectStatus,
    Role,
)

OUTCOMES = tuple(o.value for o in ImportOutcome)
OUTCOME_LABELS = {o.value: o.label for o in ImportOutcome}
APPLICABLE = ("new", "changed")  # what 确认导入 writes
PROBLEMS = ("error", "conflict")  # what stops it, unless only the valid rows are applied
MODELS = {"project": Project, "milestone": Milestone, "investment": Investment, "funding": InvestmentFunding}
# A project's 配合单位 and role lists, read with the projects whose lists are compared or replaced.
WITH_DEPARTMENT_LISTS = (selectinload(Project.cooperators), selectinload(Project.roles))

# Field → (label, kind) for what an import may write; kinds say how a value is stored in the preview.
FIELDS: dict[str, dict[str, tuple[str, str]]] = {
    "project": {
        "code": ("项目编号", "text"),
        "name": ("项目名称", "text"),
        "content": ("建设内容", "text"),
        "lead_department_id": ("责任单位", "department"),
        "cooperators": ("配合单位", "departments"),
        "supporters": ("支持单位", "departments"),
        "reviewers": ("审查单位", "departments"),
        "nature": ("建设性质", "nature"),
        "funding_source": ("资金来源", "funding"),
        "planned_start_on": ("计划开始", "date"),
        "planned_start_precision": ("计划开始（精度）", "precision"),
        "planned_end_on": ("计划完成", "date"),
        "planned_end_precision": ("计划完成（精度）", "precision"),
        "total_budget": ("总投资", "amount"),
        "status": ("状态", "project_status"),
        "progress_note": ("形象进度", "text"),
        "issues": ("存在问题", "text"),
        "contact": ("联系人", "text"),
        "remarks": ("备注", "text"),
    },
    "milestone": {
        "name": ("里程碑", "text"),
        "planned_on": ("计划完成日期", "date"),
        "planned_precision": ("计划完成日期（精度）", "precision"),
        "actual_on": ("实际完成日期", "date"),
        "actual_precision": ("实际完成日期（精度）", "precision"),
        "status": ("状态", "milestone_status"),
        "note": ("说明", "text"),
    },
    "investment": {"planned_amount": ("计划投资", "amount"), "completed_amount": ("完成投资", "amount")},
    "funding": {"source": ("资金来源", "funding"), "amount": ("金额", "amount"), "note": ("原文写法", "text")},
}
# Date fields and how they read a date as written: a start is its span's first day, a deadline its last.
DATE_FIELDS = {
    "planned_start_on": ("first", "planned_start_precision"),
    "planned_end_on": ("last", "planned_end_precision"),
    "planned_on": ("last", "planned_precision"),
    "actual_on": ("last", "actual_precision"),
}
VOCABS = {
    "nature": ProjectNature,
    "funding": FundingSource,
    "project_status": ProjectStatus,
    "milestone_status": MilestoneStatus,
    "precision": DatePrecision,
}
PROBLEM_LIMIT = 20
# Fields compared as they are (no dates with precision, no department names, no ☆ in names).
SIMPLE_FIELDS = frozenset(
    {
        "content",
        "nature",
        "funding_source",
        "total_budget",
        "status",
        "progress_note",
        "issues",
        "contact",
        "remarks",
        "note",
        "planned_amount",
        "completed_amount",
        "amount",
    }
)
# Fields holding a list of departments (配合 and the roles beyond it), compared as sorted ids.
DEPARTMENT_LISTS = frozenset({"cooperators", *Project.ROLE_LISTS})
# Fields a record cannot be without: a blank cell there is an error, never a clearing.
REQUIRED = {"project": {"code", "name"}, "milestone": {"name", "status"}}


class ImportRefused(ServiceError):
    """The workbook as a whole cannot be imported by this user; nothing was read into the database."""


class StalePreview(ServiceError):
    def __init__(self) -> None:
        super().__init__("预览之后系统中的数据已有变化（或文件不同），请重新预览后再确认导入。")


# -- The preview ---------------------------------------------------------------------------------


@dataclass(slots=True)
class FieldChange:
    field: str
    label: str
    old: str | None
    new: str | None
    cell: str


@dataclass(slots=True)
class Operation:
    """One record a row creates or changes."""

    entity: str
    id: int | None  # None: a new record
    version: int | None = None  # the version the preview compared with
    values: dict[str, Any] = field(default_factory=dict)  # new record: every field; else the changed ones
    changes: list[FieldChange] = field(default_factory=list)
    parent: dict[str, Any] = field(default_factory=dict)  # {"project_id": n} or {"project_row": "sheet!row"}

    def as_dict(self) -> dict:
        return {
            "entity": self.entity,
            "id": self.id,
            "version": self.version,
            "values": self.values,
            "changes": [[c.field, c.label, c.old, c.new, c.cell] for c in self.changes],
            "parent": self.parent,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Operation:
        return cls(
            data["entity"],
            data["id"],
            data["version"],
            data["values"],
            [FieldChange(*c) for c in data["changes"]],
            data["parent"],
        )


@dataclass(slots=True)  # one per row of every sheet
class RowResult:
    sheet: str
    row: int
    outcome: str
    key: str
    messages: list[str] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)  # worth reading, not errors
    operations: list[Operation] = field(default_factory=list)
    entity: str | None = None
    entity_id: int | None = None
    conflict: bool = False
    project_id: int | None = None  # the project the row belongs to (set for new ones when applied)
    applied: bool = False
    position: int | None = None  # its place among the batch's stored rows (ImportRow.position), once stored

    @property
    def ref(self) -> str:
        return f"{self.sheet}!{self.row}"

    @property
    def changes(self) -> list[FieldChange]:
        return [c for op in self.operations for c in op.changes]

    def stored(self) -> dict | list:
        """As kept in the batch: most rows are unchanged or skipped, and those are kept as a short list."""
        if self.outcome in ("unchanged", "skipped") and not self.hints and not self.applied:
            return [
                self.sheet,
                self.row,
                self.outcome,
                self.key,
                self.entity,
                self.entity_id,
                self.project_id,
                self.messages,
            ]
        return self.as_dict()

    def as_dict(self) -> dict:
        data = {
            "sheet": self.sheet,
            "row": self.row,
            "outcome": self.outcome,
            "key": self.key,
            "entity": self.entity,
            "id": self.entity_id,
        }
        if self.project_id:
            data["project_id"] = self.project_id
        if self.applied:
            data["applied"] = True
        if self.messages:
            data["messages"] = self.messages
        if self.hints:
            data["hints"] = self.hints
        if self.operations and self.outcome in ("new", "changed", "conflict", "error"):
            data["operations"] = [op.as_dict() for op in self.operations]
        return data

    @classmethod
    def from_dict(cls, data: dict | list, position: int | None = None) -> RowResult:
        if isinstance(data, list):
            sheet, row, outcome, key, entity, entity_id, project_id, messages = data
            return cls(
                sheet,
                row,
                outcome,
                key,
                messages,
                entity=entity,
                entity_id=entity_id,
                project_id=project_id,
                position=position,
            )
        return cls(
            data["sheet"],
            data["row"],
            data["outcome"],
            data["key"],
            data.get("messages", []),
            data.get("hints", []),
            [Operation.from_dict(o) for o in data.get("operations", [])],
            data.get("entity"),
            data.get("id"),
            project_id=data.get("project_id"),
            applied=data.get("applied", False),
            position=position,
        )

    def report(self) -> dict:
        """For --report-json and people: what happened to the row, with each change."""
        return {
            **{k: v for k, v in self.as_dict().items() if k != "operations"},
            "changes": [
                {"field": c.field, "label": c.label, "old": c.old, "new": c.new, "cell": c.cell} for c in self.changes
            ],
        }


@dataclass
class Preview:
    """A workbook's preview. Made from a file it holds every row; read back from its batch
    (services/imports.load_preview) it holds the rows asked for — a page, the rows to apply, the rejected
    ones — and the counts of all."""

    plan: Plan
    department: Department | None
    rows: list[RowResult]
    notes: list[str]
    sheets: list[str]  # one line per sheet
    columns: dict[str, list[str]]  # sheet → one line per column
    seen_versions: dict[str, dict[int, int]]  # entity → id → version (from a batch: ids as text)
    from_tracker: bool
    counts: dict[str, int] = field(default_factory=dict)  # outcome → rows, of every row

    def __post_init__(self) -> None:
        if not self.counts:
            counter = Counter(r.outcome for r in self.rows)
            self.counts = {outcome: counter.get(outcome, 0) for outcome in OUTCOMES}

    @property
    def blocked(self) -> bool:
        """Rows in error or conflict: the whole workbook waits unless only the valid rows are applied."""
        return any(self.counts[outcome] for outcome in PROBLEMS)

    @property
    def applicable(self) -> list[RowResult]:
        return [r for r in self.rows if r.outcome in APPLICABLE]

    @property
    def applicable_count(self) -> int:
        """Rows 确认导入 writes, of every row (loaded or not)."""
        return sum(self.counts[outcome] for outcome in APPLICABLE)

    @property
    def problems(self) -> list[str]:
        return self.problem_lines(self.rows)

    @staticmethod
    def problem_lines(rows: list[RowResult]) -> list[str]:
        return [
            f"[{OUTCOME_LABELS[r.outcome]}] {r.ref}{' ' + r.key if r.key else ''}：{'；'.join(r.messages)}"
            for r in rows
            if r.outcome in PROBLEMS
        ]

    def to_json(self) -> dict:
        """All but the rows, which are kept one by one (ImportRow), and the versions seen, which the batch
        keeps in a column of their own (read only by 确认导入: 120,000 of them for a whole plan)."""
        return {
            "plan_id": self.plan.id,
            "department_id": self.department.id if self.department else None,
            "notes": self.notes,
            "sheets": self.sheets,
            "columns": self.columns,
            "from_tracker": self.from_tracker,
        }

    @classmethod
    def from_json(
        cls, session: Session, data: dict, rows: list[RowResult], counts: dict[str, int], seen_versions: dict
    ) -> Preview:
        return cls(
            session.get(Plan, data["plan_id"]),
            session.get(Department, data["department_id"]) if data["department_id"] else None,
            rows,
            data["notes"],
            data["sheets"],
            data["columns"],
            seen_versions,
            data["from_tracker"],
            {outcome: counts.get(outcome, 0) for outcome in OUTCOMES},
        )


# -- Values: shown, stored, compared ---------------------------------------------------------------


def _show(kind: str, value: Any, names: dict[int, str]) -> str | None:
    if value is None or value == []:
        return None
    if kind == "department":
        return names.get(value, f"#{value}")
    if kind == "departments":
        return "、".join(names.get(v, f"#{v}") for v in value)
    if kind in VOCABS:
        return VOCABS[kind](value).label
    if kind == "amount":
        return f"{Decimal(value):.2f}"
    return str(value)


def _store(value: Any) -> Any:
    """A value as the preview keeps it (JSON)."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if hasattr(value, "value") and not isinstance(value, (int, str)):
        return value.value
    if isinstance(value, str) and hasattr(value, "label"):  # a Vocab member (a str subclass)
        return str(value.value)
    return value


def value_from_preview(
    session: Session, entity: str, field_name: str, value: Any, departments: dict[int, Department]
) -> Any:
    """A stored preview value back as the model takes it."""
    kind = FIELDS[entity][field_name][1]
    if value is None:
        return [] if kind == "departments" else None
    if kind == "amount":
        return Decimal(value)
    if kind == "date":
        return dt.date.fromisoformat(value)
    if kind in VOCABS:
        return VOCABS[kind](value)
    if kind == "departments":
        return [departments[v] for v in value]
    return value


# -- Reading a workbook against the database -------------------------------------------------------


@bulk
def preview_workbook(
    session: Session,
    data: bytes,
    *,
    user: User | None,
    plan_code: str | None = None,
    filename: str = "",
    today: dt.date | None = None,
    opened: Callable[[], Workbook] | None = None,
    rows: RowSink | None = None,
) -> Preview:
    """Read the workbook and compare it with the database; writes nothing. `opened`: the workbook
    already being read from `data` (excel.reader.open_in_background); `rows`: where the rows go as they
    are made (default: kept in the preview)."""
    try:
        book = opened() if opened is not None else open_workbook(data, filename, lazy=True)
        names = book.names or list(book.sheets)
        meta = read_meta(book.sheet_rows(C.META_SHEET)[0]) if C.META_SHEET in names else None
    except WorkbookError as exc:
        raise ImportRefused(str(exc)) from None
    code = meta.plan_code if meta else None
    if plan_code and code and plan_code != code:
        raise ImportRefused(f"这个工作簿属于规划 {code}，不是所选的 {plan_code}")
    code = code or plan_code
    if not code:
        raise ImportRefused("这个工作簿不是从 tracker 导出的：请选择它属于哪个规划")
    plan = session.scalar(select(Plan).where(Plan.code == code))
    if plan is None:
        raise ImportRefused(f"系统中没有规划 {code}")
    department = _department_scope(session, user, meta)
    shown = [name for name in names if name != C.META_SHEET]
    out = rows if rows is not None else RowList()
    matcher = _Matcher(session, plan, user, department, meta, today or dt.date.today(), out)
    # Sheets are read one at a time and their rows matched as they are read, projects first: a row of
    # another sheet may belong to a project a project sheet creates. A sheet that might hold projects
    # comes first; a sheet of milestones or money read while such a sheet may still follow waits, held.
    cannot_hold_projects = {*book.hidden, *READ_ONLY_SHEETS}
    if meta is not None:  # tracker's own export: its sheets are known by their names
        cannot_hold_projects |= {C.MILESTONES_SHEET, C.INVESTMENTS_SHEET, C.FUNDINGS_SHEET}
    order = sorted(shown, key=lambda name: name in cannot_hold_projects)
    sheets: list[SheetData] = []
    waiting: list[SheetData] = []
    try:
        for done, sheet in enumerate(each_sheet(book, order, from_tracker=meta is not None, meta=meta), start=1):
            sheets.append(sheet)
            if not sheet.kind:
                continue
            if sheet.kind == PROJECTS or all(name in cannot_hold_projects for name in order[done:]):
                matcher.read(sheet, shown.index(sheet.name))
            else:
                sheet.hold()
                waiting.append(sheet)
        if not any(s.kind for s in sheets):
            sheets.sort(key=lambda s: shown.index(s.name))
            raise ImportRefused(
                "没有找到可以识别的表头（如“项目编号”“项目名称”“责任单位”“里程碑”）："
                + "；".join(s.line() for s in sheets)
            )
        kind_order = {MILESTONES: 0, INVESTMENTS: 1, FUNDINGS: 2}
        for sheet in sorted(waiting, key=lambda s: kind_order[s.kind]):
            matcher.read(sheet, shown.index(sheet.name))
    except WorkbookError as exc:
        raise ImportRefused(str(exc)) from None
    book.sheets.clear()
    if meta is not None:
        meta.rows.clear()  # every sheet is read: the versions seen are made room for
    matcher.settle()
    sheets.sort(key=lambda s: shown.index(s.name))
    return Preview(
        plan=plan,
        department=department,
        rows=sorted(out.rows, key=lambda r: r.position),  # read projects first, shown in the file's order
        notes=list(book.notes) + [note for s in sheets for note in s.notes],
        sheets=[s.line() for s in sheets],
        columns={s.name: [c.text() for c in s.columns] for s in sheets if s.kind},
        seen_versions=matcher.versions_seen(),
        from_tracker=meta is not None,
        counts=out.counts(),
    )


class RowSink(Protocol):
    """Where a preview's rows go as they are made: kept in memory (RowList) or stored with their batch
    (services/imports.StoredRows), so a 100,000-row workbook's results are never all held at once."""

    rows: list[RowResult]

    def add(self, result: RowResult) -> None: ...

    def amend(self, messages: dict[int, list[str]]) -> None:
        """Rows found wrong once every row was read (two rows for one record): these messages added to
        the rows at these positions, which become errors."""

    def counts(self) -> dict[str, int]: ...


class RowList:
    """Every row of a preview, kept in memory."""

    def __init__(self) -> None:
        self.rows: list[RowResult] = []

    def add(self, result: RowResult) -> None:
        self.rows.append(result)

    def amend(self, messages: dict[int, list[str]]) -> None:
        for result in self.rows:
            if result.position in messages:
                amend_row(result, messages[result.position])

    def counts(self) -> dict[str, int]:
        counter = Counter(r.outcome for r in self.rows)
        return {outcome: counter.get(outcome, 0) for outcome in OUTCOMES}


def amend_row(result: RowResult, messages: list[str]) -> None:
    result.messages.extend(messages)
    if result.outcome != "skipped":
        result.outcome = "error"


# A row's place among a preview's rows (ImportRow.position): its sheet's place in the workbook, then its
# row number, so rows are stored as they are read (projects first) and still shown in the file's order.
SHEET_STRIDE = 1_000_000
# Rows matched together: their projects and records are read at once, each kind in one statement of at
# most CHUNK ids (within SQLite's 32,766 parameters to a statement), and only theirs are held — 5,000
# rows' worth whatever the file's size (20,000 held 16 MB more at the peak of a whole plan's dry run, for
# no measurable speed).
CHUNK = 5_000
# Versions are looked up by id, and the ids of a chunk's rows still as exported come in runs broken
# where a row was edited: asked for as ranges over such gaps (reading a few rows more), not as a list.
LOOKUP_GAPS = 16


def _one_by_one(rows: list[Row]) -> Iterator[Row]:
    """Each row, let go of (with its cells) once read."""
    rows.reverse()
    while rows:
        yield rows.pop()


def _batched(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
    while chunk := list(islice(rows, size)):
        yield chunk


def chunks(items: list, size: int):
    """`items` a slice of `size` at a time."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def closest_projects(name: str, projects) -> str:
    """ "；最接近的是 “…”（code）…" for a project name nobody has: what the clerk probably meant."""
    pool = {p.name: p for p in projects}
    close = difflib.get_close_matches(name, list(pool), n=3, cutoff=0.5)
    return ("；最接近的是 " + "、".join(f"“{n}”（{pool[n].code}）" for n in close)) if close else ""


def _department_scope(session: Session, user: User | None, meta: Meta | None) -> Department | None:
    """None for office staff (everything editable); the user's department for a department user."""
    if user is None or user.role in (Role.ADMIN, Role.OFFICE):
        return None
    if user.role is not Role.DEPARTMENT:
        raise ImportRefused("只有信息办和部门填报人员可以导入工作簿")
    if meta is None or not meta.department:
        raise ImportRefused("部门用户只能导入系统为本单位导出的填报表（含隐藏的 _tracker 工作表）")
    if meta.department not in (user.department.name, user.department.short_name):
        raise ImportRefused(f"这是“{meta.department}”的填报表，不是本单位（{user.department.name}）的")
    return user.department


@dataclass
class PlanProjects:
    """Every project of a plan, lightly (id, code, name, version, lead), by code and by compared name."""

    rows: list
    by_code: dict[str, int]
    by_name: dict[str, list[int]]


_KEPT_PLANS: dict[int, tuple[tuple, PlanProjects]] = {}


def plan_projects(session: Session, plan_id: int) -> PlanProjects:
    """The plan's projects, read again only when they have changed since this process last read them:
    (count, sum of versions, newest id, last update) moves with every creation, edit and deletion, since
    a version only grows (and the time tells apart a creation rolled back from a later one of that id).
    A department's upload of its 50 projects would otherwise read and key all 10,000 of the plan (50 ms
    of its 200); the mark costs one indexed aggregate (4 ms)."""
    mark = tuple(
        session.execute(
            select(
                func.count(Project.id), func.sum(Project.version), func.max(Project.id), func.max(Project.updated_at)
            ).where(Project.plan_id == plan_id)
        ).one()
    )
    kept = _KEPT_PLANS.get(plan_id)
    if kept is not None and kept[0] == mark:
        return kept[1]
    rows = session.execute(
        select(Project.id, Project.code, Project.name, Project.version, Project.lead_department_id).where(
            Project.plan_id == plan_id
        )
    ).all()
    by_name: dict[str, list[int]] = defaultdict(list)
    for p in rows:
        by_name[name_key(p.name)].append(p.id)
    known = PlanProjects(rows, {p.code: p.id for p in rows}, dict(by_name))
    if len(_KEPT_PLANS) >= 8:  # a few plans per process at most: a city's plans, not every one ever read
        _KEPT_PLANS.clear()
    _KEPT_PLANS[plan_id] = (mark, known)
    return known


class _Matcher:
    """Holds what every sheet needs (plan, user, lookups) and turns typed rows into RowResults."""

    def __init__(
        self,
        session: Session,
        plan: Plan,
        user: User | None,
        department: Department | None,
        meta: Meta | None,
        today: dt.date,
        out: RowSink,
    ) -> None:
        self.session, self.plan, self.user, self.department, self.meta = session, plan, user, department, meta
        self.today = today
        self.from_tracker = meta is not None
        self.out = out
        self.seen = {entity: _Marks() for entity in MODELS}  # entity → its ids, each with row and version
        self.departments = DepartmentNames(session, plan.region, records=False)
        self.department_names = {d.id: d.name for d in self.departments.by_name.values()}
        # Every project of the plan, lightly; in full only those the rows read so far can mean (read chunk
        # by chunk): a department's 50 projects in a plan of 10,000 cost 50.
        self.known = plan_projects(session, plan.id)
        self.projects_by_id: dict[int, Project] = {}
        self.projects_by_code: dict[str, Project] = {}
        self.projects_by_name: dict[str, list[Project]] = defaultdict(list)
        self.with_department_lists: set[int] = set()
        self.new_projects: dict[str, str] = {}  # code or name key → the ref of the row creating it
        self.creators: dict[str, _Creator] = {}  # ref → a row creating a project (not the row: 10,000 of them)
        self.failed_creators: set[str] = set()  # refs of rows creating a project that two rows create
        self.new_project_claims: dict[str, int] = {}  # a project the file creates → the row creating it
        self.claims = _Marks()  # the other records the file creates (their names hashed), each with its row
        self.duplicates: dict[Any, list[int]] = {}  # a new project → every row that creates it, if several
        self.sheet_names: dict[int, str] = {}
        self.new_ordinals: dict[Any, set[int]] = defaultdict(set)
        self.allowed_cache: dict[tuple, frozenset[str]] = {}
        # The records of the projects the current chunk of rows means, read when first asked for.
        self.chunk_projects: list[int] = []
        self.milestones: dict[int, dict[int, Any]] | None = None
        self.milestone_names: dict[int, dict[str, Any]] = {}
        self.milestones_by_id: dict[int, Any] | None = None
        self.investments: dict[tuple[int, int], Any] | None = None
        self.fundings: dict[tuple[int, int, str], list[Any]] | None = None

    def _projects_meant(self, rows: list[Row]) -> set[int]:
        """Ids of the projects these rows can be matched to, by the keys _find_project and
        _still_as_exported use. A row still as exported names its record; any other row (and one whose
        record has moved since, which will be read cell by cell) is typed here and named by its code
        and name."""
        session = self.session
        exported: dict[str, list[int]] = {"project": [], "milestone": []}
        for row in rows:
            if not row.skip and row.as_exported:
                exported[row.as_exported[0]].append(row.as_exported[1])
        versions: dict[int, int] = {}
        milestone_facts: dict[int, tuple[int, int]] = {}  # id → (project id, version)
        if exported["project"]:
            versions.update(
                session.execute(
                    select(Project.id, Project.version).where(
                        ids_in(session, Project.id, exported["project"], gaps=LOOKUP_GAPS),
                        Project.plan_id == self.plan.id,
                    )
                ).all()
            )
        if exported["milestone"]:
            milestone_facts.update(
                (record_id, (project_id, version))
                for record_id, project_id, version in session.execute(
                    select(Milestone.id, Milestone.project_id, Milestone.version).where(
                        ids_in(session, Milestone.id, exported["milestone"], gaps=LOOKUP_GAPS)
                    )
                )
            )
        wanted: set[int] = set()
        for row in rows:
            if row.skip:
                continue
            if row.as_exported:
                entity, record_id, version, _at = row.as_exported
                if entity == "project":
                    project_id, current = record_id, versions.get(record_id)
                else:
                    project_id, current = milestone_facts.get(record_id, (-1, None))
                wanted.add(project_id)
                if current == version:
                    continue
            row.ensure_cells()
            by_code, by_name = self.known.by_code, self.known.by_name
            for code_key, name_key_ in (("code", "name"), ("project_code", "project_name")):
                code, name = row.value(code_key), row.value(name_key_)
                if code is not None and str(code).strip() in by_code:
                    wanted.add(by_code[str(code).strip()])
                if name:
                    wanted.update(by_name.get(name_key(name), ()))
        wanted.discard(-1)
        return wanted

    def _prepare(self, rows: list[Row]) -> None:
        """Hold the projects a chunk of rows means. Those held already stay while all together are no
        more than a chunk's worth (a small plan's sheets then read each project once); past that, the
        last chunk's others are let go of (read again if a later chunk asks). The records of the last
        chunk's projects are let go of either way."""
        wanted = self._projects_meant(rows)
        kept = self.projects_by_id
        if len(kept.keys() | wanted) > CHUNK:
            kept = {i: p for i, p in kept.items() if i in wanted}
        missing = [i for i in wanted if i not in kept]
        for chunk in chunks(missing, 5000):
            kept.update(
                (p.id, p)
                for p in self.session.scalars(
                    select(Project).where(Project.plan_id == self.plan.id, ids_in(self.session, Project.id, chunk))
                )
            )
        self.projects_by_id = kept
        self.projects_by_code = {p.code: p for p in kept.values()}
        self.projects_by_name = defaultdict(list)
        for project in kept.values():
            self.projects_by_name[name_key(project.name)].append(project)
        self.with_department_lists &= kept.keys()
        self.chunk_projects = sorted(wanted)
        self.milestones = self.milestones_by_id = self.investments = self.fundings = None
        self.milestone_names = {}

    def read(self, sheet: SheetData, place: int) -> None:
        """Match the sheet's rows as they are read, a chunk at a time; each result goes out when made."""
        reader = {
            PROJECTS: self._project_row,
            MILESTONES: self._milestone_row,
            INVESTMENTS: self._investment_row,
            FUNDINGS: self._funding_row,
        }[sheet.kind]
        base = place * SHEET_STRIDE
        self.sheet_names[place] = sheet.name
        for chunk in _batched(sheet.rows, CHUNK):
            self._prepare(chunk)
            for row in _one_by_one(chunk):
                if row.skip:
                    result = RowResult(sheet.name, row.number, "skipped", "", [row.skip], position=base + row.number)
                    self.out.add(result)
                    continue
                result = RowResult(sheet.name, row.number, "unchanged", "", [], position=base + row.number)
                if row.as_exported is not None and self._still_as_exported(row, result):
                    self.out.add(result)
                    continue
                row.ensure_cells()
                result.messages = list(row.errors)
                reader(sheet, row, result)
                self._finish(result)

    def _finish(self, result: RowResult) -> None:
        """The row's outcome, now that it is read: a row for a project this file creates stands or falls
        with the row creating it (read before it: project sheets come first)."""
        if result.outcome != "skipped":
            creators = {op.parent["project_row"] for op in result.operations if "project_row" in op.parent}
            for ref in creators - {result.ref}:
                creator = self.creators.get(ref)
                if creator is not None and (creator.failed or ref in self.failed_creators):
                    result.messages.append(
                        f"{result.ref}：所属的新项目（{creator.sheet} 第 {creator.row} 行）有错误，请先修正那一行"
                    )
            if result.messages:
                result.outcome = (
                    "conflict" if result.conflict and all("导出后" in m for m in result.messages) else "error"
                )
            elif result.operations and result.operations[0].id is None:
                result.outcome = "new"
            elif any(op.changes or op.id is None for op in result.operations):
                result.outcome = "changed"
            else:
                result.outcome = "unchanged"
            if result.ref in self.creators:  # read in full now: what the rows of its project need of it
                self.creators[result.ref] = _Creator(result.sheet, result.row, result.ref, bool(result.messages))
        self.out.add(result)

    def _ref_at(self, position: int) -> str:
        return f"{self.sheet_names[position // SHEET_STRIDE]}!{position % SHEET_STRIDE}"

    def _still_as_exported(self, row: Row, result: RowResult) -> bool:
        """A row whose cells are exactly as exported, for a record still at the exported version: unchanged,
        decided without reading its cells one by one. It still claims its record (a pasted copy is caught)."""
        entity, record_id, version, at = row.as_exported
        if entity == "project":
            project = self.projects_by_id.get(record_id)
            if project is None or project.version != version or self._not_ours(project):
                return False
            result.key = project.code
        else:
            milestone = self._milestone_by_id().get(record_id)
            project = self.projects_by_id.get(milestone.project_id) if milestone is not None else None
            if (
                project is None
                or milestone.version != version
                or (self.department is not None and self._not_ours(project))
            ):
                return False
            result.key = f"{project.code} 第{milestone.ordinal}项 {milestone.name}"
        result.entity, result.entity_id, result.project_id = entity, record_id, project.id
        self._saw(entity, record_id, version, result)
        # Its entry in the hidden map has told all it can: let go of it, so the map shrinks as the versions
        # seen grow (a copy of the row further down is no longer "as exported": read in full, it claims
        # the same record and both are errors).
        self.meta.rows[result.sheet].let_go(at)
        return True

    def _milestone_by_id(self) -> dict[int, Any]:
        if self.milestones_by_id is None:
            self.milestones_by_id = {
                m.id: m for ordinals in self._load_milestones().values() for m in ordinals.values()
            }
        return self.milestones_by_id

    # -- finding projects
    def _lead(self, row: Row, result: RowResult) -> tuple[str | None, DepartmentId | None]:
        lead_name = row.value("lead_department")
        if not lead_name:
            return None, None
        lead = self.departments.find(lead_name)
        if lead is None:
            result.messages.append(
                f"{row.ref('lead_department')}：未知单位“{lead_name}”（{self._region()}请使用全称、"
                f"简称或在单位页登记的别名）"
            )
        return lead_name, lead

    def _region(self) -> str:
        return f"在{self.plan.region}的单位中没有找到；" if self.plan.region else ""

    def _find_project(
        self, row: Row, result: RowResult, code_key: str, name_key_: str, creating: bool
    ) -> tuple[Project | None, RowResult | None]:
        """(existing project, row of this file creating it) for a row; errors go on `result`."""
        code = row.value(code_key)
        code = str(code).strip() if code is not None else None
        name = row.value(name_key_)
        lead_name, lead = self._lead(row, result)
        if code:
            project = self.projects_by_code.get(code)
            if project is not None:
                if name and name != project.name and name_key(name) != name_key(project.name):
                    others = [p for p in self.projects_by_name.get(name_key(name), []) if p is not project]
                    if others:
                        result.messages.append(
                            f"{row.ref(name_key_)}：项目编号 {code} 是“{project.name}”，而名称“{name}”是另一个项目"
                            f"（{others[0].code}）：请核对编号与名称是否错行"
                        )
                        return None, None
                return project, None
            if code in self.new_projects and not creating:
                return None, self.creators[self.new_projects[code]]
            if not creating:
                result.messages.append(f"{row.ref(code_key)}：系统中没有项目编号“{code}”{self._closest(name, lead)}")
            return None, None
        if not name:
            if not creating:
                result.messages.append(
                    f"{row.ref(code_key) or row.ref(name_key_) or result.ref}：缺少项目编号或项目名称"
                )
            return None, None
        candidates = self.projects_by_name.get(name_key(name), [])
        if lead is not None:  # a project with no 责任单位 yet is found by its name alone
            candidates = [p for p in candidates if p.lead_department_id in (lead.id, None)]
        if len(candidates) == 1:
            return candidates[0], None
        if len(candidates) > 1:
            result.messages.append(
                f"{row.ref(name_key_)}：有 {len(candidates)} 个名为“{name}”的项目，请填写项目编号或责任单位"
            )
            return None, None
        if name_key(name) in self.new_projects and not creating:
            return None, self.creators[self.new_projects[name_key(name)]]
        if not creating:
            who = f"（责任单位 {lead_name}）" if lead_name else ""
            result.messages.append(
                f"{row.ref(name_key_)}：系统中没有名为“{name}”{who}的项目{self._closest(name, lead)}"
            )
        return None, None

    def _closest(self, name: str | None, lead: DepartmentId | None) -> str:
        if not name:
            return ""
        return closest_projects(name, [p for p in self.known.rows if lead is None or p.lead_department_id == lead.id])

    def _not_ours(self, project: Project | None) -> bool:
        return self.department is not None and project is not None and project.lead_department_id != self.department.id

    def _confirm(self, result: RowResult, sheet: str, key: str, entity: str, record_id: int) -> int | None:
        """The exported version of a record when tracker's hidden map agrees with the row's own key."""
        if self.meta is None:
            return None
        entry = self.meta.entry(sheet, key)
        if entry is None:
            return None
        if entry[0] != entity or entry[1] != record_id:
            result.conflict = True
            result.messages.append(
                f"{result.ref}：导出时编号“{key}”对应的是另一条记录，系统中的数据在导出后已调整：请重新导出后再填"
            )
            return None
        return entry[2]

    # -- comparing
    def _compare(
        self,
        result: RowResult,
        op: Operation,
        record: Any,
        row: Row,
        keys: dict[str, str],
        exported_version: int | None = None,
        blanks_clear: bool | None = None,
    ) -> None:
        """Diff the row's cells named in `keys` (cell key → field) against `record` (None: new)."""
        entity = op.entity
        allowed = self._allowed(record) if record is not None else None
        for cell_key, field_name in keys.items():
            cell = row.cells.get(cell_key)
            if cell is None or cell.error:
                continue
            if (
                cell.value is None
                and not (self.from_tracker if blanks_clear is None else blanks_clear)
                and record is not None
            ):
                continue  # a blank in a workbook tracker did not write never clears a stored value
            if record is not None and _unchanged_at_a_glance(record, field_name, cell.value):
                continue  # most cells of most rows: decided without the general path below
            if cell.value is None and field_name in REQUIRED.get(entity, ()):
                if record is not None:
                    result.messages.append(f"{cell.ref}：“{FIELDS[entity][field_name][0]}”不能为空")
                continue
            pairs = self._stored_values(field_name, cell.value, row, result)
            if pairs is None:
                continue
            if field_name in DEPARTMENT_LISTS and record is not None:
                old_pairs = [(field_name, self._department_ids(record, field_name))]
            else:
                old_pairs = [(name, getattr(record, name) if record is not None else None) for name, _v in pairs]
            if (
                all(_same(old, new) for (_n, old), (_m, new) in zip(old_pairs, pairs, strict=False))
                or (
                    field_name == "name" and record is not None and name_key(record.name) == name_key(pairs[0][1] or "")
                )
                or (field_name in DATE_FIELDS and _less_precise_same(old_pairs, pairs))
            ):
                if record is None:
                    op.values.update({name: _store(value) for name, value in pairs if value is not None})
                continue
            label, kind = FIELDS[entity][field_name]
            if record is not None and field_name not in allowed:
                result.messages.append(
                    f"{cell.ref}：“{label}”不能由本单位修改（原值：{self._shown(kind, old_pairs) or '空'}）"
                )
                continue
            op.values.update({name: _store(value) for name, value in pairs})
            op.changes.append(
                FieldChange(field_name, label, self._shown(kind, old_pairs), self._shown(kind, pairs), cell.ref)
            )
        if op.changes and exported_version is not None and record is not None and record.version != exported_version:
            result.conflict = True
            result.messages.append("此记录在导出后已在系统中被修改：请核对“原值”（系统当前值）与表中的值")

    def _department_ids(self, project: Project, field_name: str) -> list[int]:
        """The project's departments in that list; the lists of every project read so far are read at the
        first ask for one of them (two queries a chunk of rows, not two per project)."""
        if project.id not in self.with_department_lists:
            ids = [i for i in self.projects_by_id if i not in self.with_department_lists]
            for chunk in chunks(ids, 5000):
                self.session.scalars(
                    select(Project).where(ids_in(self.session, Project.id, chunk)).options(*WITH_DEPARTMENT_LISTS)
                ).all()
            self.with_department_lists.update(ids)
        if field_name == "cooperators":
            return sorted(d.id for d in project.cooperators)
        return project.department_ids_as(Project.ROLE_LISTS[field_name])

    def _allowed(self, record: Any) -> frozenset[str]:
        """editable_fields, asked once per kind of record and lead department (10,000 rows, one answer)."""
        model = getattr(record, "__model__", type(record))
        project = record if model is Project else record.project
        key = (model, project.lead_department_id)
        if key not in self.allowed_cache:
            self.allowed_cache[key] = editable_fields(self.user, record)
        return self.allowed_cache[key]

    def _shown(self, kind: str, pairs: list[tuple[str, Any]]) -> str | None:
        """A value (a date with its precision) as people read it."""
        if kind == "date":
            date, precision = pairs[0][1], pairs[1][1]
            return format_date(date, precision) or None
        return _show(kind, _store(pairs[0][1]), self.department_names)

    def _stored_values(self, field_name: str, value: Any, row: Row, result: RowResult) -> list[tuple[str, Any]] | None:
        if field_name in DATE_FIELDS:
            end, precision_field = DATE_FIELDS[field_name]
            if value is None:
                return [(field_name, None), (precision_field, None)]
            assert isinstance(value, DateValue)
            date = value.first if end == "first" else value.last
            precision = None if value.precision is DatePrecision.DAY else value.precision
            return [(field_name, date), (precision_field, precision)]
        if field_name == "lead_department_id":
            if value is None:
                return [(field_name, None)]
            lead = self.departments.find(value)
            return [(field_name, lead.id)] if lead else None  # unknown: reported by _lead
        if field_name in DEPARTMENT_LISTS:
            ids = []
            for name in value or []:
                dept = self.departments.find(name)
                if dept is None:
                    result.messages.append(
                        f"{row.ref(field_name)}：未知单位“{name}”（{self._region()}请使用全称、简称或别名）"
                    )
                    return None
                ids.append(dept.id)
            return [(field_name, sorted(set(ids)))]
        if field_name == "name" and isinstance(value, str):
            return [(field_name, value.replace("☆", "").replace("★", "").strip())]
        return [(field_name, value)]

    def _saw(self, entity: str, record_id: int, version: int, result: RowResult) -> None:
        """A row matched this record: its version is checked again by 确认导入, and no other row may claim it
        (two rows that do are found once every row is read: settle)."""
        self.seen[entity].add(record_id, result.position << 32 | version)

    def versions_seen(self) -> dict[str, dict[int, int]]:
        return {
            entity: {i: mark & 0xFFFFFFFF for i, mark in seen.first().items()} for entity, seen in self.seen.items()
        }

    def _claim(self, key: str, result: RowResult) -> None:
        """`key` names a record the file creates; an existing one is claimed by _saw."""
        if not key.startswith("new-project:"):
            self.claims.add(hash(key), result.position << 32)
            return
        first = self.new_project_claims.setdefault(key, result.position)
        if first != result.position:  # the rows of the others' project wait for neither row
            self.duplicates.setdefault(key, [first]).append(result.position)
            self.failed_creators.update((self._ref_at(first), result.ref))

    # -- 项目
    PROJECT_KEYS = {
        "code": "code",
        "name": "name",
        "content": "content",
        "lead_department": "lead_department_id",
        "cooperators": "cooperators",
        "supporters": "supporters",
        "reviewers": "reviewers",
        "nature": "nature",
        "funding_source": "funding_source",
        "planned_start_on": "planned_start_on",
        "planned_end_on": "planned_end_on",
        "total_budget": "total_budget",
        "status": "status",
        "progress_note": "progress_note",
        "issues": "issues",
        "contact": "contact",
        "remarks": "remarks",
    }

    def _project_row(self, sheet: SheetData, row: Row, result: RowResult) -> None:
        code, name = row.value("code"), row.value("name")
        result.key, result.entity = str(code or name or ""), "project"
        project, _creator = self._find_project(row, result, "code", "name", creating=True)
        if result.messages and project is None:
            if code or name:  # its milestones and money will say they wait for this row
                self.new_projects.setdefault(str(code).strip() if code else name_key(name), result.ref)
                self.creators[result.ref] = _Creator(result.sheet, result.row, result.ref, True)
            return
        if self._not_ours(project):
            result.outcome, result.messages = "skipped", ["不是本单位牵头的项目，未读取"]
            return
        keys = {k: f for k, f in self.PROJECT_KEYS.items() if k != "code"}
        if project is None:
            if not may_create(self.user, Project):
                result.messages.append(f"{result.ref}：本单位不能新增项目（系统中没有“{code or name}”）")
                return
            if not name:
                result.messages.append(f"{row.ref('name') or result.ref}：新项目缺少项目名称")
                return
            if code is None and "code" in {k for k in row.cells}:
                result.messages.append(
                    f"{row.ref('name')}：系统中没有名为“{name}”的项目{self._closest(name, None)}。"
                    f"如为新项目，请填写项目编号"
                )
                return
            op = Operation("project", None)
            if code is not None:
                op.values["code"] = str(code).strip()
            self._compare(result, op, None, row, keys)
            self._check_window(result, op, None)
            if not code:
                result.hints.append("表中没有项目编号：确认导入时按顺序给新项目编号（新增-1、新增-2 …）")
                similar = self._closest(name, None)
                if similar:
                    result.hints.append("注意" + similar.lstrip("；") + "，请确认不是同一项目")
            result.operations.append(op)
            self.new_projects[str(code).strip() if code else name_key(name)] = result.ref
            self.creators[result.ref] = _Creator(result.sheet, result.row, result.ref, True)  # until read
            self._claim(f"new-project:{code or name_key(name)}", result)
        else:
            result.key, result.entity_id, result.project_id = project.code, project.id, project.id
            exported = self._confirm(result, sheet.name, project.code, "project", project.id)
            op = Operation("project", project.id, project.version)
            self._compare(result, op, project, row, keys, exported)
            self._check_window(result, op, project)
            result.operations.append(op)
            self._saw("project", project.id, project.version, result)
        self._year_amounts(sheet, row, result, project, result.operations[0] if project is None else None)

    def _check_window(self, result: RowResult, op: Operation, project: Project | None) -> None:
        def current(name):
            if name in op.values:
                value = op.values[name]
                return dt.date.fromisoformat(value) if value else None
            return getattr(project, name, None)

        start, end = current("planned_start_on"), current("planned_end_on")
        if start and end and end < start:
            result.messages.append(f"{result.ref}：计划完成（{end}）早于计划开始（{start}）")

    # -- 投资 (the 投资 sheet, and YYYY年计划投资 columns of a project sheet)
    def _load_investments(self) -> dict[tuple[int, int], Any]:
        if self.investments is None:
            self.investments = {
                (i.project_id, i.year): i
                for i in self.session.execute(
                    select(
                        Investment.id,
                        Investment.version,
                        Investment.project_id,
                        Investment.year,
                        Investment.planned_amount,
                        Investment.completed_amount,
                    ).where(ids_in(self.session, Investment.project_id, self.chunk_projects))
                )
            }
        return self.investments

    def _year_amounts(
        self, sheet: SheetData, row: Row, result: RowResult, project: Project | None, new_project: Operation | None
    ) -> None:
        investments = self._load_investments()
        for year in sheet.years:
            keys = {
                k: f
                for k, f in ((f"plan@{year}", "planned_amount"), (f"done@{year}", "completed_amount"))
                if k in row.cells
            }
            if not any(row.value(k) is not None for k in keys) and not self.from_tracker:
                continue
            existing = investments.get((project.id, year)) if project is not None else None
            if existing is None:
                if all(row.value(k) is None for k in keys):
                    continue  # nothing written for a year with no investment
                if not may_create(self.user, Investment):
                    result.messages.append(f"{result.ref}：{year}年没有投资计划，本单位不能新增")
                    continue
                op = Operation("investment", None, values={"year": year})
                op.parent = {"project_id": project.id} if project is not None else {"project_row": result.ref}
                self._compare(result, op, None, row, keys)
                op.changes.insert(0, FieldChange("year", "年度", None, str(year), result.ref))
                result.operations.append(op)
                if project is not None:
                    self._claim(f"investment:{project.id}@{year}", result)
                continue
            record = _Plain(existing, project, Investment)
            exported = self._confirm(result, sheet.name, f"{project.code}@{year}", "investment", existing.id)
            op = Operation("investment", existing.id, existing.version)
            # A year added after the export is blank in the returned file: blank there is not "clear it".
            unseen = self.meta is not None and self.meta.entry(sheet.name, f"{project.code}@{year}") is None
            self._compare(result, op, record, row, keys, exported, blanks_clear=self.from_tracker and not unseen)
            if unseen and op.changes:
                result.conflict = True
                result.messages.append(
                    f"{result.ref}：{year}年投资是导出后才在系统中新增的：请核对“原值”（系统当前值）与表中的值"
                )
            result.operations.append(op)
            self._saw("investment", existing.id, existing.version, result)

    def _investment_row(self, sheet: SheetData, row: Row, result: RowResult) -> None:
        result.entity = "investment"
        project, creator = self._find_project(row, result, "project_code", "project_name", creating=False)
        result.key = str(row.value("project_code") or row.value("project_name") or "")
        if project is None and creator is None:
            return
        if self._not_ours(project):
            result.outcome, result.messages = "skipped", ["不是本单位牵头的项目，未读取"]
            return
        if creator is not None:
            self._year_amounts_for_new(sheet, row, result, creator)
            return
        result.entity_id = result.project_id = project.id
        self._year_amounts(sheet, row, result, project, None)

    def _year_amounts_for_new(self, sheet: SheetData, row: Row, result: RowResult, creator: _Creator) -> None:
        for year in sheet.years:
            keys = {
                k: f
                for k, f in ((f"plan@{year}", "planned_amount"), (f"done@{year}", "completed_amount"))
                if k in row.cells
            }
            if all(row.value(k) is None for k in keys):
                continue
            op = Operation("investment", None, values={"year": year}, parent={"project_row": creator.ref})
            self._compare(result, op, None, row, keys)
            op.changes.insert(0, FieldChange("year", "年度", None, str(year), result.ref))
            result.operations.append(op)
            self._claim(f"investment:{creator.ref}@{year}", result)

    # -- 资金来源 (one row per source of a project-year's money)
    FUNDING_KEYS = {"amount": "amount", "note": "note"}

    def _load_fundings(self) -> dict[tuple[int, int, str], list[Any]]:
        if self.fundings is None:
            self.fundings = defaultdict(list)
            for f in self.session.execute(
                select(
                    InvestmentFunding.id,
                    InvestmentFunding.version,
                    InvestmentFunding.project_id,
                    Investment.year,
                    InvestmentFunding.source,
                    InvestmentFunding.amount,
                    InvestmentFunding.note,
                )
                .join(Investment, Investment.id == InvestmentFunding.investment_id)
                .where(ids_in(self.session, InvestmentFunding.project_id, self.chunk_projects))
                .order_by(InvestmentFunding.id)
            ):
                self.fundings[(f.project_id, f.year, f.source.value)].append(f)
        return self.fundings

    def _funding_row(self, sheet: SheetData, row: Row, result: RowResult) -> None:
        result.entity = "funding"
        project, creator = self._find_project(row, result, "project_code", "project_name", creating=False)
        year, source, note = row.value("year"), row.value("source"), row.value("note")
        who = row.value("project_code") or row.value("project_name") or ""
        result.key = " ".join(
            str(part) for part in (who, f"{year}年" if year else "", source.label if source else "") if part
        )
        for key, what in (("year", "年度"), ("source", "资金来源")):
            cell = row.cells.get(key)
            if cell is not None and cell.value is None and cell.error is None:
                result.messages.append(f"{cell.ref}：缺少{what}")
        if (project is None and creator is None) or result.messages:
            return
        if self._not_ours(project):
            result.outcome, result.messages = "skipped", ["不是本单位牵头的项目，未读取"]
            return
        if project is not None:
            result.entity_id = result.project_id = project.id
            same = self._load_fundings().get((project.id, year, source.value), [])
            if len(same) > 1:  # two sources of one kind in a year: the source as written tells them apart
                same = [f for f in same if (f.note or "") == (note or "")]
                if len(same) != 1:
                    result.messages.append(
                        f"{row.ref('note') or result.ref}：{year}年有多条“{source.label}”资金来源，"
                        "请在“原文写法”列填写与系统中一致的写法以区分"
                    )
                    return
            if same:
                existing = same[0]
                record = _Plain(existing, project, InvestmentFunding)
                exported = self._confirm(
                    result, sheet.name, C.funding_key(project.code, year, existing), "funding", existing.id
                )
                op = Operation("funding", existing.id, existing.version)
                self._compare(result, op, record, row, self.FUNDING_KEYS, exported)
                result.operations.append(op)
                self._saw("funding", existing.id, existing.version, result)
                return
        if not may_create(self.user, InvestmentFunding):
            result.messages.append(f"{result.ref}：本单位不能新增资金来源（请联系信息办）")
            return
        parent = {"project_id": project.id} if project is not None else {"project_row": creator.ref}
        op = Operation("funding", None, values={"year": year, "source": source.value}, parent=parent)
        self._compare(result, op, None, row, self.FUNDING_KEYS)
        op.changes.insert(0, FieldChange("source", "资金来源", None, f"{year}年 {source.label}", result.ref))
        result.operations.append(op)
        owner = project.id if project is not None else creator.ref
        self._claim(f"new-funding:{owner}@{year}/{source.value}/{note or ''}", result)

    # -- 里程碑
    MILESTONE_KEYS = {
        "name": "name",
        "planned_on": "planned_on",
        "actual_on": "actual_on",
        "status": "status",
        "note": "note",
    }

    def _load_milestones(self) -> dict[int, dict[int, Any]]:
        if self.milestones is None:
            self.milestones = defaultdict(dict)
            for m in map(
                StoredMilestone._make,
                self.session.execute(
                    select(*(getattr(Milestone, name) for name in StoredMilestone._fields)).where(
                        ids_in(self.session, Milestone.project_id, self.chunk_projects)
                    )
                ),
            ):
                self.milestones[m.project_id][m.ordinal] = m
        return self.milestones

    def _milestone_row(self, sheet: SheetData, row: Row, result: RowResult) -> None:
        result.entity = "milestone"
        project, creator = self._find_project(row, result, "project_code", "project_name", creating=False)
        code = row.value("project_code") or (project.code if project else None) or row.value("project_name") or ""
        ordinal, name = row.value("ordinal"), row.value("name")
        result.key = f"{code} 第{ordinal or '?'}项 {name or ''}".strip()
        if project is None and creator is None:
            return
        if self._not_ours(project):
            result.outcome, result.messages = "skipped", ["不是本单位牵头的项目，未读取"]
            return
        if result.messages:
            return
        if creator is not None:
            self._new_milestone(row, result, {"project_row": creator.ref}, creator.ref, ordinal, name)
            return
        result.project_id = project.id
        existing = self._load_milestones()[project.id]
        by_ordinal = existing.get(ordinal) if ordinal is not None else None
        by_name = None
        if name:
            by_name = next((m for m in existing.values() if m.name == name), None)  # as exported: no folding
            if by_name is None:
                names = self.milestone_names.get(project.id)
                if names is None:
                    names = self.milestone_names[project.id] = {name_key(m.name): m for m in existing.values()}
                by_name = names.get(name_key(name))
        milestone = None
        if by_ordinal is not None and by_name is not None and by_ordinal.id != by_name.id:
            result.messages.append(
                f"{row.ref('ordinal')}：序号 {ordinal} 是“{by_ordinal.name}”，名称“{name}”却是第 "
                f"{by_name.ordinal} 项：请不要改动已有行的序号（新增的节点序号留空）"
            )
            return
        if by_ordinal is not None:
            milestone = by_ordinal
        elif by_name is not None:
            if ordinal is not None:
                result.messages.append(
                    f"{row.ref('ordinal')}：序号 {ordinal} 在系统中不存在，名称“{name}”却是第 "
                    f"{by_name.ordinal} 项：请核对序号"
                )
                return
            milestone = by_name
        if milestone is None:
            self._new_milestone(row, result, {"project_id": project.id}, project.id, ordinal, name)
            return
        result.entity_id = milestone.id
        exported = self._confirm(result, sheet.name, f"{project.code}#{milestone.ordinal}", "milestone", milestone.id)
        record = _Plain(milestone, project, Milestone)
        op = Operation("milestone", milestone.id, milestone.version)
        self._compare(result, op, record, row, self.MILESTONE_KEYS, exported)
        self._milestone_rules(result, op, record, row)
        result.operations.append(op)
        self._saw("milestone", milestone.id, milestone.version, result)

    def _new_milestone(
        self, row: Row, result: RowResult, parent: dict, owner: Any, ordinal: int | None, name: str | None
    ) -> None:
        if not may_create(self.user, Milestone):
            result.messages.append(f"{result.ref}：本单位不能新增里程碑（请联系信息办）")
            return
        if not name:
            result.messages.append(f"{row.ref('name') or result.ref}：新里程碑缺少名称")
            return
        op = Operation("milestone", None, parent=parent)
        if ordinal is not None:
            if ordinal in self.new_ordinals[owner]:
                result.messages.append(f"{row.ref('ordinal')}：序号 {ordinal} 在本表中重复")
                return
            self.new_ordinals[owner].add(ordinal)
            op.values["ordinal"] = ordinal
        self._compare(result, op, None, row, self.MILESTONE_KEYS)
        self._milestone_rules(result, op, None, row)
        if "status" not in op.values:
            op.values["status"] = MilestoneStatus.NOT_STARTED.value
        result.operations.append(op)
        self._claim(f"new-milestone:{owner}:{name_key(name)}", result)

    def _milestone_rules(self, result: RowResult, op: Operation, record: Any, row: Row) -> None:
        """The rules the quick update applies, shown in the preview so the commit does exactly this."""
        actual = op.values.get("actual_on")
        if actual and dt.date.fromisoformat(actual) > self.today:
            result.messages.append(f"{row.ref('actual_on')}：实际完成日期不能晚于今天")
        status = op.values.get("status", getattr(record, "status", None))
        has_actual = ("actual_on" in op.values and op.values["actual_on"]) or (
            "actual_on" not in op.values and getattr(record, "actual_on", None)
        )
        if (
            status in (MilestoneStatus.DONE, MilestoneStatus.DONE.value)
            and not has_actual
            and op.values.get("status") is not None
        ):
            op.values["actual_on"] = self.today.isoformat()
            op.changes.append(
                FieldChange("actual_on", "实际完成日期", None, self.today.isoformat(), row.ref("status") or result.ref)
            )
            result.hints.append("标为已完成而未填实际完成日期：按今天记")

    # -- after every sheet
    def settle(self) -> None:
        """Rows that claim one record, found only once every row is read: an error on each."""
        messages: dict[int, list[str]] = defaultdict(list)
        repeated = [marks for seen in (*self.seen.values(), self.claims) for marks in seen.repeated()]
        for positions in [*self.duplicates.values(), *([mark >> 32 for mark in marks] for marks in repeated)]:
            where = "、".join(f"第 {p % SHEET_STRIDE} 行" for p in positions)
            for position in positions:
                messages[position].append(f"{self._ref_at(position)}：{where}指向同一条记录，请删去重复的行")
        if messages:
            self.out.amend(messages)


class _Creator(NamedTuple):
    """A row creating a project, as the rows of that project see it."""

    sheet: str
    row: int
    ref: str
    failed: bool  # in error: the rows of its project wait for it to be corrected


class _Marks:
    """Keys met while reading — a record's id, a new record's hashed name — each with a mark (the row's
    position in the high 32 bits), in two arrays: 16 bytes a row, not a dict's hundred, so a whole plan's
    120,000 rows cost 2 MB. Keys met by more than one row are found at the end, once every row is read."""

    def __init__(self) -> None:
        self.keys, self.marks = array("q"), array("Q")

    def add(self, key: int, mark: int) -> None:
        self.keys.append(key)
        self.marks.append(mark)

    def first(self) -> dict[int, int]:
        """Every key with its first mark."""
        return dict(zip(reversed(self.keys), reversed(self.marks), strict=True))  # the first met is set last

    def repeated(self) -> Iterator[list[int]]:
        """The marks of every key met by more than one row (the first mark of each row)."""
        if len(set(self.keys)) == len(self.keys):
            return  # each key met once: the common case, told at C speed
        met_again = {key for key, times in Counter(self.keys).items() if times > 1}
        by_key: dict[int, dict[int, int]] = defaultdict(dict)  # key → row → its first mark
        for key, mark in zip(self.keys, self.marks, strict=True):
            if key in met_again:
                by_key[key].setdefault(mark >> 32, mark)
        for rows in by_key.values():
            if len(rows) > 1:
                yield list(rows.values())


class StoredMilestone(NamedTuple):
    """A milestone as the preview compares it. A plain tuple, not the query's row: its fields are read
    some ten times per workbook row, and a row's named access costs ten times a tuple's (220 ns against
    25, measured)."""

    id: int
    project_id: int
    ordinal: int
    name: str
    planned_on: dt.date | None
    planned_precision: DatePrecision | None
    actual_on: dt.date | None
    actual_precision: DatePrecision | None
    status: MilestoneStatus
    note: str | None
    version: int


class _Plain:
    """A record read as a plain row, looked at like the model (for rights and comparisons)."""

    def __init__(self, row: Any, project: Project, model: type) -> None:
        self.__dict__.update(
            zip(row._fields, row, strict=True)
        )  # plain attributes: read 100,000 times, no __getattr__ hop
        self.project = project
        self.__model__ = model


def _unchanged_at_a_glance(record: Any, field_name: str, value: Any) -> bool:
    if field_name in SIMPLE_FIELDS:
        return _same(getattr(record, field_name), value)
    if field_name in DATE_FIELDS:
        old = getattr(record, field_name)
        if value is None:
            return old is None
        return (
            value.precision is DatePrecision.DAY
            and old == value.first
            and getattr(record, DATE_FIELDS[field_name][1]) is None
        )
    if field_name == "name":
        return record.name == value
    return False


def _less_precise_same(old_pairs: list, new_pairs: list) -> bool:
    """A stored exact day that a workbook writes less precisely ('2027年6月' for 2027-06-30): not a change."""
    (_d, old_date), (_p, old_precision) = old_pairs
    (_e, new_date), (_q, new_precision) = new_pairs
    return old_precision in (None, DatePrecision.DAY) and new_precision is not None and old_date == new_date


def _same(old: Any, new: Any) -> bool:
    if old in (None, []) and new in (None, []):
        return True  # no cooperators and an empty 配合单位 cell say the same thing
    if isinstance(old, str) and isinstance(new, str):
        return old.strip() == new.strip()
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        return old is not None and new is not None and Decimal(old) == Decimal(new)
    if hasattr(old, "value") and isinstance(new, str):
        return old.value == new
    return old == new
