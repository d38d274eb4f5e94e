"""Bringing a returned workbook back: read → rows → preview → apply.

The preview says, for every data row, new / changed (each field old → new) / unchanged / error
(sheet!cell and a Chinese message) / conflict / skipped. Applying re-reads the same file and refuses
if any record it touches has moved since the preview (its version), so what is applied is exactly
what was previewed — in one transaction, with every change recorded as coming from the import.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable

from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tracker.excel import cells
from tracker.excel import columns as C
from tracker.excel.reader import WorkbookError, open_workbook
from tracker.models import Department, Investment, Milestone, Plan, Project, User
from tracker.parse import ParseError
from tracker.services.departments import DepartmentNames
from tracker.vocab import FundingSource, MilestoneStatus, ProjectNature, ProjectStatus, Role

OUTCOMES = ("new", "changed", "unchanged", "error", "conflict", "skipped")
OUTCOME_LABELS = {"new": "新增", "changed": "修改", "unchanged": "未变", "error": "错误", "conflict": "冲突",
                  "skipped": "跳过"}
HEADER_SCAN_ROWS = 20
GROUP_NUMBER = re.compile(r"^[（(]?[一二三四五六七八九十]+[)）]?[、.．]?$")
YEAR_HEADER = re.compile(r"^(\d{4})年?(度)?$")


class ImportRefused(Exception):
    """The workbook as a whole cannot be imported by this user; nothing was read into the database."""


@dataclass
class FieldChange:
    field: str
    label: str
    old: str | None
    new: str | None
    cell: str
    value: Any = None  # the new value itself, for applying


@dataclass
class RowResult:
    sheet: str
    row: int
    outcome: str
    key: str
    messages: list[str] = field(default_factory=list)
    changes: list[FieldChange] = field(default_factory=list)
    entity: str | None = None
    entity_id: int | None = None
    target: Any = None  # the record to change; None for a new one
    create: Callable[[], Any] | None = None

    def as_dict(self) -> dict:
        return {"sheet": self.sheet, "row": self.row, "outcome": self.outcome, "key": self.key,
                "messages": self.messages, "entity": self.entity, "id": self.entity_id,
                "changes": [{"field": c.field, "label": c.label, "old": c.old, "new": c.new, "cell": c.cell}
                            for c in self.changes]}


@dataclass
class Preview:
    plan: Plan
    department: Department | None
    rows: list[RowResult]
    notes: list[str]
    seen_versions: dict[str, int]
    from_tracker: bool

    @property
    def counts(self) -> dict[str, int]:
        counter = Counter(r.outcome for r in self.rows)
        return {outcome: counter.get(outcome, 0) for outcome in OUTCOMES}

    @property
    def blocked(self) -> bool:
        """Rows in error or conflict: the whole workbook waits unless only the valid rows are applied."""
        return any(r.outcome in ("error", "conflict") for r in self.rows)

    @property
    def applicable(self) -> list[RowResult]:
        return [r for r in self.rows if r.outcome in ("new", "changed")]


def _display(value: Any) -> str | None:
    if value is None or value == []:
        return None
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if hasattr(value, "label"):
        return value.label
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


@dataclass
class _Meta:
    plan_code: str | None = None
    department: str | None = None
    by_row: dict[tuple[str, int], tuple[str, int, int]] = field(default_factory=dict)
    by_key: dict[tuple[str, str], tuple[str, int, int]] = field(default_factory=dict)

    @classmethod
    def read(cls, rows: list[list] | None) -> "_Meta | None":
        if not rows:
            return None
        values = {cells.read_text(r[0]): cells.read_text(r[1]) if len(r) > 1 else None for r in rows[:6] if r}
        if values.get("format") != C.FORMAT_NAME:
            return None
        meta = cls(plan_code=values.get("plan"), department=values.get("department"))
        for row in rows[7:]:
            if len(row) < 6 or not row[0]:
                continue
            try:  # written by tracker: sheet, row, entity, id, version, key — read plainly, it is long
                record = (str(row[2]), int(row[3]), int(row[4]))
                meta.by_row[(str(row[0]), int(row[1]))] = record
                meta.by_key[(str(row[0]), cells.read_text(row[5]))] = record
            except (TypeError, ValueError):
                continue  # a damaged key row: that row is matched by its code instead
        return meta


@dataclass
class _Layout:
    """Where a sheet's header is and which column holds what."""

    data_start: int  # index of the first data row
    columns: dict[int, C.Column]  # 0-based column index → column
    header_row: int = 0
    years: dict[int, tuple[int, C.Column]] = field(default_factory=dict)  # investment sheet: col → (year, column)

    def find(self, key: str) -> int | None:
        return next((i for i, c in self.columns.items() if c.key == key), None)


def _find_layout(rows: list[list], spec: tuple[C.Column, ...], required: set[str]) -> _Layout | None:
    index = C.header_index(spec)
    best, best_hits = None, 1
    for r in range(min(HEADER_SCAN_ROWS, len(rows))):
        hits = sum(1 for v in rows[r] if C.normalise_header(v) in index)
        if hits > best_hits:
            best, best_hits = r, hits
    if best is None:
        return None
    upper = rows[best]
    lower = rows[best + 1] if best + 1 < len(rows) else []
    columns: dict[int, C.Column] = {}
    lower_hits = 0
    for col in range(max(len(upper), len(lower))):
        low = C.normalise_header(lower[col]) if col < len(lower) else ""
        up = C.normalise_header(upper[col]) if col < len(upper) else ""
        if low in index:
            columns[col] = index[low]
            lower_hits += 1
        elif up in index:
            columns[col] = index[up]
    keys = {c.key for c in columns.values()}
    if not required <= keys:
        return None
    return _Layout(data_start=best + (2 if lower_hits else 1), columns=columns, header_row=best)


def _find_investment_layout(rows: list[list]) -> _Layout | None:
    keys = _find_layout(rows, C.INVESTMENT_KEY_COLUMNS, {"project_code"})
    if keys is None:
        return None
    upper = rows[keys.header_row]
    lower = rows[keys.header_row + 1] if keys.header_row + 1 < len(rows) else []
    amounts = C.header_index((C.INVESTMENT_PLANNED, C.INVESTMENT_COMPLETED))
    years, year = {}, None
    for col in range(max(len(upper), len(lower))):
        up = C.normalise_header(upper[col]) if col < len(upper) else ""
        match = YEAR_HEADER.match(up)
        if match:
            year = int(match.group(1))
        elif up:
            year = None
        low = C.normalise_header(lower[col]) if col < len(lower) else ""
        if year and low in amounts:
            years[col] = (year, amounts[low])
    if not years:
        return None
    keys.years = years
    keys.data_start = keys.header_row + 2
    return keys


def _cell_ref(sheet: str, row_index: int, col: int) -> str:
    return f"{sheet}!{get_column_letter(col + 1)}{row_index + 1}"


def _is_total_or_group(row: list, layout: _Layout) -> bool:
    texts = [cells.read_text(v) or "" for v in row]
    if any(word in text for text in texts for word in C.TOTAL_WORDS):
        return True
    seq = layout.find("seq")
    code = layout.find("code")
    first = texts[seq] if seq is not None and seq < len(texts) else ""
    return bool(GROUP_NUMBER.match(first)) and not (code is not None and code < len(texts) and texts[code])


READERS: dict[C.Kind, Callable[[Any], Any]] = {
    C.Kind.TEXT: cells.read_text,
    C.Kind.INT: cells.read_int,
    C.Kind.AMOUNT: cells.read_amount,
    C.Kind.DATE: cells.read_date,
    C.Kind.PERCENT: cells.read_percent,
    C.Kind.PROJECT_STATUS: lambda v: cells.read_vocab(ProjectStatus, v, "项目状态"),
    C.Kind.MILESTONE_STATUS: lambda v: cells.read_vocab(MilestoneStatus, v, "里程碑状态"),
    C.Kind.NATURE: lambda v: cells.read_vocab(ProjectNature, v, "建设性质"),
    C.Kind.FUNDING: lambda v: cells.read_vocab(FundingSource, v, "资金来源"),
}


class _Reader:
    """Turns one sheet's rows into RowResults; holds what every sheet needs (plan, user, lookups)."""

    def __init__(self, session: Session, plan: Plan, user: User | None, meta: _Meta | None,
                 department: Department | None) -> None:
        self.session = session
        self.plan = plan
        self.user = user
        self.meta = meta
        self.department = department  # set for a department user's import
        self.departments = DepartmentNames(session)
        self.projects = {p.code: p for p in session.scalars(
            select(Project).where(Project.plan_id == plan.id).options(selectinload(Project.cooperators)))}
        self.projects_by_id = {p.id: p for p in self.projects.values()}
        self.seen: dict[str, int] = {}
        self.today = dt.date.today()

    # -- who may change what
    def may_edit(self, column: C.Column, project: Project | None) -> bool:
        if column.edit in (C.Edit.NOBODY, C.Edit.KEY):
            return False
        if self.department is None:
            return True
        return column.edit is C.Edit.DEPARTMENT and project is not None and \
            project.lead_department_id == self.department.id

    def may_create(self) -> bool:
        return self.department is None

    def not_ours(self, project: Project | None) -> bool:
        """A row of a project another department leads, in a department's import: left alone."""
        return self.department is not None and project is not None and \
            project.lead_department_id != self.department.id

    def _record(self, entity: str, obj: Any) -> None:
        self.seen[f"{entity}:{obj.id}"] = obj.version

    def _meta_record(self, sheet: str, row_index: int, key: str, entity: str) -> tuple[int, int] | None:
        if self.meta is None:
            return None
        for record in (self.meta.by_row.get((sheet, row_index + 1)), self.meta.by_key.get((sheet, key))):
            if record and record[0] == entity:
                return record[1], record[2]
        return None

    def _plan_columns(self, layout: _Layout, attrs: dict[str, str] | None) -> list[tuple]:
        """(col, column, attribute, reader) for each column read back — worked out once per sheet."""
        cached = layout.__dict__.get("_plan")
        if cached is None:
            cached = []
            for col, column in sorted(layout.columns.items()):
                if column.edit is C.Edit.NOBODY:
                    continue
                if column.kind is C.Kind.DEPARTMENT:
                    read = self._read_department
                elif column.kind is C.Kind.DEPARTMENTS:
                    read = self._read_departments
                else:
                    read = READERS[column.kind]
                cached.append((col, column, (attrs or {}).get(column.key, column.key), read))
            layout.__dict__["_plan"] = cached
        return cached

    def _known_department(self, name: str) -> Department:
        dept = self.departments.find(name)
        if dept is None:
            raise ParseError(f"未知单位“{name}”（请使用全称、简称或在单位页登记的别名）")
        return dept

    def _read_department(self, raw: Any) -> Department | None:
        name = cells.read_text(raw)
        return self._known_department(name) if name else None

    def _read_departments(self, raw: Any) -> list[Department]:
        return sorted({self._known_department(n) for n in cells.split_list(raw)}, key=lambda d: d.name)

    def _compare(self, result: RowResult, target: Any, layout: _Layout, row: list, sheet: str, row_index: int,
                 project: Project | None, attrs: dict[str, str] | None = None) -> dict[str, Any]:
        """Parse every column of the row; record changes against `target` (None: a new record)."""
        values: dict[str, Any] = {}
        width = len(row)
        for col, column, attr, read in self._plan_columns(layout, attrs):
            raw = row[col] if col < width else None
            try:
                new = read(raw)
            except ParseError as exc:
                result.messages.append(f"{_cell_ref(sheet, row_index, col)}：{exc}")
                continue
            values[attr] = new
            if column.edit is C.Edit.KEY:
                continue
            old = getattr(target, attr) if target is not None else None
            if _same(old, new):
                continue
            ref = _cell_ref(sheet, row_index, col)
            if target is not None and not self.may_edit(column, project):
                result.messages.append(f"{ref}：“{column.header}”不能由本单位修改（原值：{_display(old) or '空'}）")
                continue
            result.changes.append(FieldChange(attr, column.header, _display(old), _display(new), ref, new))
        return values

    def _settle(self, result: RowResult, exported_version: int | None) -> RowResult:
        if result.messages:
            result.outcome = "error"
        elif result.target is None:
            result.outcome = "new"
        elif not result.changes:
            result.outcome = "unchanged"
        elif exported_version is not None and exported_version != result.target.version:
            result.outcome = "conflict"
            result.messages.append("此记录在导出后已在系统中被修改：请核对“原值”（系统当前值）与表中的值")
        else:
            result.outcome = "changed"
        return result

    # -- 项目进度
    def read_projects(self, sheet: str, rows: list[list], layout: _Layout) -> list[RowResult]:
        results = []
        code_col, name_col, lead_col = layout.find("code"), layout.find("name"), layout.find("lead_department")
        seen_codes: dict[str, int] = {}
        for index, row in _data_rows(rows, layout):
            if _is_total_or_group(row, layout):
                results.append(RowResult(sheet, index + 1, "skipped", "分组/合计行"))
                continue
            code = cells.read_text(row[code_col]) if code_col is not None and code_col < len(row) else None
            name = cells.read_text(row[name_col]) if name_col is not None and name_col < len(row) else None
            result = RowResult(sheet, index + 1, "unchanged", code or name or "", entity="project")
            if code and code in seen_codes:
                result.messages.append(f"{_cell_ref(sheet, index, code_col)}：项目编号 {code} 与第 {seen_codes[code]} 行重复")
                results.append(self._settle(result, None))
                continue
            if code:
                seen_codes[code] = index + 1
            project, exported_version = self._match_project(sheet, index, code, name, row, lead_col)
            if project is None and not code:
                result.messages.append(f"{_cell_ref(sheet, index, code_col or 0)}：缺少项目编号")
            if project is not None:
                result.target, result.entity_id = project, project.id
                self._record("project", project)
            elif not self.may_create():
                result.messages.append(f"{sheet}!第{index + 1}行：本单位不能新增项目（系统中没有编号 {code}）")
            if self.not_ours(project):
                results.append(_skipped(result))
                continue
            values = self._compare(result, project, layout, row, sheet, index, project)
            if project is None and not result.messages:
                if not values.get("name"):
                    result.messages.append(f"{_cell_ref(sheet, index, name_col or 0)}：新项目缺少项目名称")
                result.create = _creator(Project, {**values, "plan": self.plan})
            self._check_window(result, project, values)
            results.append(self._settle(result, exported_version))
        return results

    def _match_project(self, sheet, index, code, name, row, lead_col) -> tuple[Project | None, int | None]:
        record = self._meta_record(sheet, index, code or "", "project")
        if record:
            project = self.projects_by_id.get(record[0])
            if project is not None and (not code or project.code == code):
                return project, record[1]
        if code:
            return self.projects.get(code), None
        if name:  # a workbook from outside tracker with no codes: (name, lead department)
            lead = cells.read_text(row[lead_col]) if lead_col is not None and lead_col < len(row) else None
            for project in self.projects.values():
                if project.name == name and (lead is None or (project.lead_department and lead in (
                        project.lead_department.name, project.lead_department.short_name))):
                    return project, None
        return None, None

    def _check_window(self, result: RowResult, target: Any, values: dict) -> None:
        start = values.get("planned_start_on", getattr(target, "planned_start_on", None))
        end = values.get("planned_end_on", getattr(target, "planned_end_on", None))
        if start and end and end < start:
            result.messages.append(f"{result.sheet}!第{result.row}行：计划完成早于计划开始")

    def _project_of(self, sheet: str, index: int, row: list, code_col: int, entity: str):
        """(code, project, None), or an error row when the code names no project of this plan."""
        code = cells.read_text(row[code_col]) if code_col < len(row) else None
        project = self.projects.get(code) if code else None
        if project is not None:
            return code, project, None
        error = RowResult(sheet, index + 1, "error", code or "", entity=entity)
        error.messages.append(f"{_cell_ref(sheet, index, code_col)}：系统中没有项目编号“{code or ''}”")
        return code, None, error

    # -- 里程碑
    def read_milestones(self, sheet: str, rows: list[list], layout: _Layout) -> list[RowResult]:
        code_col, ordinal_col, name_col = layout.find("project_code"), layout.find("ordinal"), layout.find("name")
        wanted = {cells.read_text(r[code_col]) for r in rows[layout.data_start:] if r and code_col < len(r)}
        project_ids = [self.projects[c].id for c in wanted if c in self.projects]
        # Plain rows, not ORM objects: most rows are unchanged, and only changed ones are loaded to apply.
        milestones: dict[int, dict[int, Any]] = defaultdict(dict)
        by_id: dict[int, Any] = {}
        for milestone in self.session.execute(
            select(Milestone.id, Milestone.project_id, Milestone.ordinal, Milestone.name, Milestone.planned_on,
                   Milestone.actual_on, Milestone.status, Milestone.note, Milestone.version)
            .where(Milestone.project_id.in_(project_ids))
        ):
            milestones[milestone.project_id][milestone.ordinal] = milestone
            by_id[milestone.id] = milestone
        results = []
        for index, row in _data_rows(rows, layout):
            code, project, unknown = self._project_of(sheet, index, row, code_col, "milestone")
            if unknown:
                results.append(unknown)
                continue
            result = RowResult(sheet, index + 1, "unchanged", code, entity="milestone")
            try:
                ordinal = cells.read_int(row[ordinal_col]) if ordinal_col is not None and ordinal_col < len(row) \
                    else None
            except ParseError as exc:
                result.messages.append(f"{_cell_ref(sheet, index, ordinal_col)}：{exc}")
                results.append(self._settle(result, None))
                continue
            name = cells.read_text(row[name_col]) if name_col is not None and name_col < len(row) else None
            result.key = f"{code} 第{ordinal or '?'}项 {name or ''}".strip()
            if self.not_ours(project):
                results.append(_skipped(result))
                continue
            milestone, exported_version = None, None
            record = self._meta_record(sheet, index, f"{code}#{ordinal}", "milestone")
            if record and record[0] in by_id and by_id[record[0]].project_id == project.id:
                milestone, exported_version = by_id[record[0]], record[1]
            elif ordinal is not None:
                milestone = milestones[project.id].get(ordinal)
            elif name:
                milestone = next((m for m in milestones[project.id].values() if m.name == name), None)
            if milestone is not None:
                result.target, result.entity_id = milestone, milestone.id
                self._record("milestone", milestone)
            values = self._compare(result, milestone, layout, row, sheet, index, project)
            actual = values.get("actual_on")
            if actual and actual > self.today:
                col = layout.find("actual_on")
                result.messages.append(f"{_cell_ref(sheet, index, col)}：实际完成日期不能晚于今天")
            if milestone is None and not result.messages:
                if not self.may_create():
                    result.messages.append(f"{sheet}!第{index + 1}行：本单位不能新增里程碑")
                elif not values.get("name"):
                    result.messages.append(f"{_cell_ref(sheet, index, name_col or 0)}：新里程碑缺少名称")
                else:
                    next_ordinal = ordinal or (max(milestones[project.id], default=0) + 1)
                    fields = {k: v for k, v in values.items() if k not in ("project_code", "ordinal")}
                    fields.setdefault("status", None)
                    fields["status"] = fields["status"] or MilestoneStatus.NOT_STARTED
                    result.create = _creator(Milestone, {**fields, "project": project, "ordinal": next_ordinal})
            results.append(self._settle(result, exported_version))
        return results

    # -- 投资
    def read_investments(self, sheet: str, rows: list[list], layout: _Layout) -> list[RowResult]:
        code_col = layout.find("project_code")
        investments = {(i.project_id, i.year): i for i in self.session.scalars(
            select(Investment).join(Project).where(Project.plan_id == self.plan.id))}
        results = []
        for index, row in _data_rows(rows, layout):
            code, project, unknown = self._project_of(sheet, index, row, code_col, "investment")
            if unknown:
                results.append(unknown)
                continue
            if self.not_ours(project):
                results.append(_skipped(RowResult(sheet, index + 1, "skipped", code, entity="investment")))
                continue
            by_year: dict[int, dict[int, C.Column]] = defaultdict(dict)
            for col, (year, column) in layout.years.items():
                by_year[year][col] = column
            for year, year_columns in sorted(by_year.items()):
                investment = investments.get((project.id, year))
                result = RowResult(sheet, index + 1, "unchanged", f"{code} {year}年", entity="investment")
                exported_version = None
                if investment is not None:
                    result.target, result.entity_id = investment, investment.id
                    self._record("investment", investment)
                    record = self._meta_record(sheet, index, f"{code}@{year}", "investment")
                    exported_version = record[1] if record and record[0] == investment.id else None
                year_layout = _Layout(layout.data_start, year_columns)
                values = self._compare(result, investment, year_layout, row, sheet, index, project)
                if investment is None:
                    if all(v is None for v in values.values()):
                        continue  # nothing written for a year with no investment: not a row
                    if not self.may_create():
                        result.messages.append(f"{result.sheet}!第{index + 1}行：{year}年没有投资计划，本单位不能新增")
                    else:
                        result.create = _creator(Investment, {**values, "project": project, "year": year})
                results.append(self._settle(result, exported_version))
        return results


def _data_rows(rows: list[list], layout: _Layout):
    """(index, row) of each non-blank row below the header."""
    for index in range(layout.data_start, len(rows)):
        row = rows[index]
        if row and any(cells.clean(v) is not None for v in row):
            yield index, row


def _skipped(result: RowResult) -> RowResult:
    result.outcome = "skipped"
    result.messages.append("不是本单位牵头的项目，未读取")
    return result


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, list) or isinstance(new, list):
        return sorted(getattr(d, "id", d) for d in (old or [])) == sorted(getattr(d, "id", d) for d in (new or []))
    if isinstance(old, str) and isinstance(new, str):
        return old.strip() == new.strip()
    return old == new


def _creator(model: type, values: dict) -> Callable[[], Any]:
    return lambda: model(**values)


def _detect(name: str, rows: list[list]) -> tuple[str, _Layout] | None:
    """What a sheet holds, by its name when it is one of ours, else by its headers."""
    ours = name in (C.PROJECTS_SHEET, C.MILESTONES_SHEET, C.INVESTMENTS_SHEET)
    if name == C.INVESTMENTS_SHEET or not ours:
        layout = _find_investment_layout(rows)
        if layout is not None:
            return "investments", layout
    if name == C.MILESTONES_SHEET or not ours:
        layout = _find_layout(rows, C.MILESTONE_COLUMNS, {"project_code", "name"})
        if layout is not None:
            return "milestones", layout
    if name == C.PROJECTS_SHEET or not ours:
        layout = _find_layout(rows, C.PROJECT_COLUMNS, {"name"})
        if layout is not None and (layout.find("code") is not None or layout.find("lead_department") is not None):
            return "projects", layout
    return None


def preview_workbook(session: Session, data: bytes, *, user: User | None, plan_code: str | None = None,
                     filename: str = "") -> Preview:
    """Read the workbook and compare it with the database; writes nothing."""
    try:
        book = open_workbook(data, filename)
    except WorkbookError as exc:
        raise ImportRefused(str(exc)) from None
    meta = _Meta.read(book.sheets.get(C.META_SHEET))
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
    reader = _Reader(session, plan, user, meta, department)
    rows: list[RowResult] = []
    read_any = False
    for name, sheet_rows in book.sheets.items():
        if name in (C.META_SHEET, C.HELP_SHEET, C.GOALS_SHEET) or not sheet_rows:
            continue
        detected = _detect(name, sheet_rows)
        if detected is None:
            continue
        kind, layout = detected
        rows += getattr(reader, f"read_{kind}")(name, sheet_rows, layout)
        read_any = True
    if not read_any:
        raise ImportRefused("没有找到可以识别的表头（如“项目编号”“项目名称”“责任单位”“里程碑”）。请使用系统导出的工作簿格式")
    return Preview(plan=plan, department=department, rows=rows, notes=book.notes, seen_versions=reader.seen,
                   from_tracker=meta is not None)


def _department_scope(session: Session, user: User | None, meta: _Meta | None) -> Department | None:
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


def apply_preview(session: Session, preview: Preview, *, valid_only: bool = False) -> int:
    """Apply the preview's new and changed rows; flushes, never commits. Returns rows applied."""
    if preview.blocked and not valid_only:
        raise ImportRefused("有错误或冲突的行：请修正后重新导入，或选择只导入无误的行")
    models = {"project": Project, "milestone": Milestone, "investment": Investment}
    wanted: dict[str, list[int]] = defaultdict(list)
    for result in preview.applicable:
        if result.target is not None and not isinstance(result.target, tuple(models.values())):
            wanted[result.entity].append(result.entity_id)
    loaded = {  # records read as plain rows for the preview, loaded now in one query per kind
        (entity, obj.id): obj
        for entity, ids in wanted.items()
        for obj in session.scalars(select(models[entity]).where(models[entity].id.in_(ids)))
    }
    applied = 0
    for result in preview.applicable:
        if result.target is None:
            session.add(result.create())
        else:
            record = loaded.get((result.entity, result.entity_id), result.target)
            for change in result.changes:
                setattr(record, change.field, change.value)
        applied += 1
    session.flush()
    return applied


def moved_since(session: Session, seen_versions: dict[str, int]) -> list[str]:
    """Records whose version is no longer the one a preview saw."""
    models = {"project": Project, "milestone": Milestone, "investment": Investment}
    ids: dict[str, list[int]] = defaultdict(list)
    for key in seen_versions:
        entity, _, record_id = key.partition(":")
        ids[entity].append(int(record_id))
    current: dict[str, int] = {}
    for entity, record_ids in ids.items():
        model = models[entity]
        for record_id, version in session.execute(select(model.id, model.version).where(model.id.in_(record_ids))):
            current[f"{entity}:{record_id}"] = version
    return [key for key, version in seen_versions.items() if current.get(key) != version]


