"""Writing a plan's workbook in the layout a 信息办 circulates, streamed (tracker.excel.xlsx).

Sheets: 项目进度 (title, 单位：万元, two-level headers, section group rows with subtotals, 合计),
里程碑, 投资 (project × year), 阶段目标, 填表说明, and a hidden _tracker sheet with the plan, the
export time, the format version and each data row's record id and version, so that a returned
workbook is matched and checked for conflicts. A department's workbook holds only the projects it
leads, with the cells it may change unlocked and tinted and the rest locked by sheet protection.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from copy import copy
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.auth.permissions import DEPARTMENT_FIELDS
from tracker.excel import columns as C
from tracker.excel.cells import row_digest, safe_text
from tracker.excel.reader import column_letter
from tracker.excel.xlsx import Look, Sheet, Styled, XlsxWriter
from tracker.models import (
    Department,
    Investment,
    InvestmentFunding,
    Milestone,
    Phase,
    PhaseGoal,
    Plan,
    PlanEvent,
    PlanSection,
    Project,
)
from tracker.models.project import ProjectRole, goal_projects, project_cooperators, project_phases
from tracker.parse import format_date
from tracker.vocab import DatePrecision, FundingSource, MilestoneStatus, ProjectRoleKind, ProjectStatus, Vocab

CHINESE_NUMERALS = "一二三四五六七八九十"
EDITABLE_FILL = "FFF2CC"  # pale yellow: "you may write here"
GROUP_FILL = "DDEBF7"
HEADER_FILL = "D9E1F2"
BORDER_COLOUR = "A6A6A6"
_NUMBER_FORMATS = {C.Kind.AMOUNT: C.AMOUNT_FORMAT, C.Kind.DATE: C.DATE_FORMAT, C.Kind.PERCENT: C.PERCENT_FORMAT}


@dataclass
class ExportScope:
    plan: Plan
    department: Department | None = None  # a department's workbook: only the projects it leads

    def file_name(self, today: dt.date) -> str:
        who = f"-{self.department.display_name}" if self.department else ""
        return f"{self.plan.code}{who}-{today.isoformat()}.xlsx"


def look(
    kind: C.Kind = C.Kind.TEXT,
    *,
    editable: bool = False,
    bold: bool = False,
    fill: str | None = None,
    header: bool = False,
    title: bool = False,
    wrap: bool = False,
) -> Look:
    """The one definition of how a cell of tracker's workbooks looks (title, header, data, editable)."""
    if title:
        return Look(bold=True, size=14, horizontal="center", vertical="center")
    if header:
        return Look(bold=True, fill=HEADER_FILL, border=True, horizontal="center", vertical="center", wrap=True)
    return Look(
        bold=bold,
        fill=EDITABLE_FILL if editable else fill,
        border=True,
        vertical="top",
        wrap=wrap,
        number_format=_NUMBER_FORMATS.get(kind),
        unlocked=editable,
    )


class _Cells:
    """Cells with tracker's looks, each kind of cell's style prepared once: for tracker.excel.xlsx here;
    `_Styles` below makes the same cells for openpyxl's write-only sheets."""

    def __init__(self, book: XlsxWriter) -> None:
        self.book = book
        self._cache: dict[tuple, Any] = {}

    def cell(
        self,
        value: Any,
        *,
        kind: C.Kind = C.Kind.TEXT,
        editable: bool = False,
        bold: bool = False,
        fill: str | None = None,
        header: bool = False,
        title: bool = False,
        wrap: bool = False,
    ) -> Any:
        shaped = editable or bold or fill is not None or header or title or wrap
        # Text Excel would read as a formula if typed in ("=…") is kept text, with a quote prefix.
        quote = isinstance(value, str) and not safe_text(value)
        if not (shaped or quote) and kind in (C.Kind.TEXT, C.Kind.INT):
            return value  # no look to give it: written bare, as fast as a writer goes
        if value is None and not (editable or header or fill is not None):
            return None  # an empty plain cell is not written at all: large sheets stay fast and small
        key = (kind, editable, bold, fill, header, title, wrap, quote)
        style = self._cache.get(key)
        if style is None:
            shape = look(kind, editable=editable, bold=bold, fill=fill, header=header, title=title, wrap=wrap)
            style = self._cache[key] = self._style(dataclasses.replace(shape, quote=quote))
        return self._cell(value, style, quote)

    def _style(self, shape: Look) -> Any:
        return self.book.style(shape)

    def _cell(self, value: Any, style: Any, quote: bool) -> Any:
        return Styled(value, style)


class _Styles(_Cells):
    """The same looks for openpyxl write-only sheets (the 通报 and report workbooks): prepared style
    arrays, since copying one onto a new cell is far cheaper than styling it."""

    def __init__(self, ws) -> None:
        self.ws = ws
        self._cache = {}

    def _style(self, shape: Look) -> Any:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side

        proto = WriteOnlyCell(self.ws)
        proto.font = Font(bold=shape.bold, size=shape.size)
        proto.alignment = Alignment(horizontal=shape.horizontal, vertical=shape.vertical, wrap_text=shape.wrap)
        if shape.border:
            side = Side(style="thin", color=BORDER_COLOUR)
            proto.border = Border(left=side, right=side, top=side, bottom=side)
        if shape.fill:
            proto.fill = PatternFill("solid", fgColor=shape.fill)
        if shape.number_format:
            proto.number_format = shape.number_format
        if shape.unlocked:
            proto.protection = Protection(locked=False)
        proto.quotePrefix = shape.quote
        return proto._style

    def _cell(self, value: Any, style: Any, quote: bool) -> Any:
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(self.ws, value)
        cell._style = copy(style)
        if quote:
            cell.data_type = "s"  # openpyxl turns any string starting with "=" into a live formula
        return cell


def _as_written(date: dt.date | None, precision) -> Any:
    """A date cell as it was written: a real date, or text such as 2007年6月 when only the month was given."""
    if date is None or precision in (None, DatePrecision.DAY):
        return date
    return format_date(date, precision)


def _display(value: Any) -> Any:
    """A model value as a cell value."""
    if isinstance(value, Vocab):
        return value.label
    if isinstance(value, Decimal):
        return value  # written as a number
    return value


def _headers(ws: Sheet, styles: _Cells, columns: tuple[C.Column, ...], first_row: int) -> tuple[list, list]:
    """Two header rows; a column without a group spans both rows, a group spans its columns."""
    upper, lower = [], []
    col = 1
    while col <= len(columns):
        column = columns[col - 1]
        if column.group:
            span = 1
            while col - 1 + span < len(columns) and columns[col - 1 + span].group == column.group:
                span += 1
            for offset in range(span):
                upper.append(styles.cell(column.group if offset == 0 else None, header=True))
                lower.append(styles.cell(columns[col - 1 + offset].header, header=True))
            if span > 1:
                ws.merge(f"{column_letter(col)}{first_row}:{column_letter(col + span - 1)}{first_row}")
            col += span
        else:
            upper.append(styles.cell(column.header, header=True))
            lower.append(styles.cell(None, header=True))
            ws.merge(f"{column_letter(col)}{first_row}:{column_letter(col)}{first_row + 1}")
            col += 1
    return upper, lower


def _sheet(
    book: XlsxWriter, name: str, columns: Iterable[C.Column | float], freeze: str, title_rows: tuple[int, int]
) -> Sheet:
    """A sheet laid out for printing: A4 landscape, one page wide, its header rows on every page."""
    widths = [column if isinstance(column, (int, float)) else column.width for column in columns]
    return book.add_sheet(name, widths, freeze=freeze, print_rows=title_rows, fit_to_width=True)


def _status_validation(ws: Sheet, vocab: type[Vocab], column_index: int, first_row: int, last_row: int) -> None:
    if last_row < first_row:
        return
    labels = [m.label for m in vocab]
    letter = column_letter(column_index)
    ws.list_validation(
        f"{letter}{first_row}:{letter}{last_row}", labels, "状态", f"请从下拉列表中选择：{','.join(labels)}"
    )


# Column keys of the workbook → the record fields they hold, for the one rule of who edits what.
_COLUMN_FIELDS = {"lead_department": "lead_department_id", "planned_amount": "planned_amount"}


def _editable(column: C.Column, department: Department | None, model: type | None = None) -> bool:
    """Cells unlocked and tinted: only in a department's workbook (the rest is locked), and only
    those the department may change (auth.permissions.DEPARTMENT_FIELDS)."""
    if department is None:
        return False
    if model is None:
        model = (
            Investment
            if column in (C.INVESTMENT_PLANNED, C.INVESTMENT_COMPLETED)
            else (Milestone if column in C.MILESTONE_COLUMNS else Project)
        )
    return _COLUMN_FIELDS.get(column.key, column.key) in DEPARTMENT_FIELDS.get(model, frozenset())


def export_workbook(session: Session, scope: ExportScope, out: IO[bytes], today: dt.date | None = None) -> None:
    """Write the workbook for `scope` to `out`; a fixed number of queries, rows streamed."""
    today = today or dt.date.today()
    exported_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    plan, department = scope.plan, scope.department
    wb = XlsxWriter(out)
    meta_rows: list[list] = []  # (sheet, row, entity, id, version, key)

    project_filter = [Project.plan_id == plan.id]
    if department is not None:
        project_filter.append(Project.lead_department_id == department.id)
    projects = session.execute(
        select(
            Project.id,
            Project.version,
            Project.code,
            Project.name,
            Project.section_id,
            Project.content,
            Department.name.label("lead"),
            Project.nature,
            Project.planned_start_on,
            Project.planned_end_on,
            Project.planned_start_precision,
            Project.planned_end_precision,
            Project.funding_source,
            Project.total_budget,
            Project.status,
            Project.progress_note,
            Project.issues,
            Project.contact,
            Project.remarks,
        )
        .outerjoin(Department, Department.id == Project.lead_department_id)
        .where(*project_filter)
        .order_by(Project.id)
    ).all()
    project_ids = select(Project.id).where(*project_filter)
    cooperators: dict[int, list[str]] = defaultdict(list)
    for project_id, name in session.execute(
        select(project_cooperators.c.project_id, Department.name)
        .join(Department, Department.id == project_cooperators.c.department_id)
        .where(project_cooperators.c.project_id.in_(project_ids))
        .order_by(Department.name)
    ):
        cooperators[project_id].append(name)
    role_names: dict[tuple[int, ProjectRoleKind], list[str]] = defaultdict(list)
    for project_id, role, name in session.execute(
        select(ProjectRole.project_id, ProjectRole.role, Department.name)
        .join(Department, Department.id == ProjectRole.department_id)
        .where(ProjectRole.project_id.in_(project_ids))
        .order_by(Department.name)
    ):
        role_names[(project_id, role)].append(name)
    phase_names: dict[int, list[str]] = defaultdict(list)
    for project_id, name in session.execute(
        select(project_phases.c.project_id, Phase.name)
        .join(Phase, Phase.id == project_phases.c.phase_id)
        .where(project_phases.c.project_id.in_(project_ids))
        .order_by(Phase.ordinal)
    ):
        phase_names[project_id].append(name.split("：")[0])
    sections = {s.id: s for s in session.scalars(select(PlanSection).where(PlanSection.plan_id == plan.id))}
    projects_per_section = defaultdict(int)
    for row in projects:
        projects_per_section[row.section_id] += 1
    investments = session.execute(
        select(
            Investment.id,
            Investment.version,
            Investment.project_id,
            Investment.year,
            Investment.planned_amount,
            Investment.completed_amount,
        )
        .where(Investment.project_id.in_(project_ids))
        .order_by(Investment.project_id, Investment.year)
    ).all()
    by_project_year: dict[tuple[int, int], Any] = {(i.project_id, i.year): i for i in investments}
    completed_total: dict[int, Decimal] = defaultdict(Decimal)
    for inv in investments:
        completed_total[inv.project_id] += inv.completed_amount or 0
    years = sorted({i.year for i in investments} | {today.year})

    def group_of(row) -> PlanSection | None:
        section = sections.get(row.section_id)
        if section is None:
            return None
        # A construction item holding one project of its own number is grouped under its parent.
        if projects_per_section[section.id] == 1 and section.code == row.code and section.parent_id:
            return sections.get(section.parent_id)
        return section

    # ---- 项目进度
    columns = C.PROJECT_COLUMNS
    project_editable = [_editable(c, department) for c in columns]  # asked once per column, not per cell
    ws = _sheet(wb, C.PROJECTS_SHEET, columns, freeze="D5", title_rows=(3, 4))
    styles = _Cells(wb)
    last = column_letter(len(columns))
    title = f"{plan.name} 项目进度表" + (f"（{department.name}）" if department else "")
    ws.append([styles.cell(title, title=True)])
    ws.merge(f"A1:{last}1")
    unit_row = (
        [styles.cell("单位：万元")] + [None] * (len(columns) - 4) + [styles.cell(f"导出日期：{today.isoformat()}")]
    )
    ws.append(unit_row)
    ws.merge(f"{column_letter(len(columns) - 2)}2:{last}2")
    upper, lower = _headers(ws, styles, columns, 3)
    ws.append(upper)
    ws.append(lower)
    row_number = 4
    amount_keys = ("total_budget", "year_planned", "completed_total")
    grand = {key: Decimal(0) for key in amount_keys}
    status_col = next(i for i, c in enumerate(columns, start=1) if c.key == "status")

    def amount_row(label_cells: list, totals: dict, fill=None) -> list:
        cells = []
        for column in columns:
            if column.key in amount_keys:
                cells.append(styles.cell(totals[column.key], kind=C.Kind.AMOUNT, bold=True, fill=fill))
            else:
                cells.append(styles.cell(None, fill=fill, bold=True))
        for index, cell in label_cells:
            cells[index] = styles.cell(cell, bold=True, fill=fill)
        return cells

    groups: list[tuple[PlanSection | None, list]] = []
    for row in projects:
        group = group_of(row)
        if not groups or groups[-1][0] is not group:
            groups.append((group, []))
        groups[-1][1].append(row)
    seq = 0
    for group_index, (group, rows) in enumerate(groups):
        if group is not None or len(groups) > 1:
            totals = {key: Decimal(0) for key in amount_keys}
            for row in rows:
                totals["total_budget"] += row.total_budget or 0
                inv = by_project_year.get((row.id, today.year))
                totals["year_planned"] += (inv.planned_amount or 0) if inv else 0
                totals["completed_total"] += completed_total.get(row.id, 0)
            numeral = CHINESE_NUMERALS[group_index] if group_index < len(CHINESE_NUMERALS) else str(group_index + 1)
            label = str(group) if group is not None else "未归入工程的项目"
            ws.append(amount_row([(0, f"{numeral}、"), (2, f"{label}（小计）")], totals, fill=GROUP_FILL))
            row_number += 1
        for row in rows:
            seq += 1
            row_number += 1
            inv = by_project_year.get((row.id, today.year))
            year_planned = inv.planned_amount if inv else None
            done = completed_total.get(row.id) if row.id in completed_total else None
            rate = (done / row.total_budget) if done is not None and row.total_budget else None
            values = {
                "seq": seq,
                "code": row.code,
                "name": row.name,
                "section": str(sections[row.section_id]) if row.section_id in sections else None,
                "phases": "、".join(phase_names.get(row.id, [])) or None,
                "content": row.content,
                "lead_department": row.lead,
                "cooperators": "、".join(cooperators.get(row.id, [])) or None,
                **{
                    name: "、".join(role_names.get((row.id, role), [])) or None
                    for name, role in Project.ROLE_LISTS.items()
                },
                "nature": row.nature,
                "planned_start_on": _as_written(row.planned_start_on, row.planned_start_precision),
                "planned_end_on": _as_written(row.planned_end_on, row.planned_end_precision),
                "funding_source": row.funding_source,
                "total_budget": row.total_budget,
                "year_planned": year_planned,
                "completed_total": done,
                "completion_rate": rate,
                "status": row.status,
                "progress_note": row.progress_note,
                "issues": row.issues,
                "contact": row.contact,
                "remarks": row.remarks,
            }
            shown = [_display(values[c.key]) for c in columns]
            ws.append(
                [
                    styles.cell(value, kind=c.kind, editable=editable, wrap=c.width >= 24)
                    for c, editable, value in zip(columns, project_editable, shown, strict=True)
                ]
            )
            meta_rows.append(
                [C.PROJECTS_SHEET, row_number, "project", row.id, row.version, row.code, row_digest(shown)]
            )
            grand["total_budget"] += row.total_budget or 0
            grand["year_planned"] += year_planned or 0
            grand["completed_total"] += done or 0
    ws.append(amount_row([(0, "合计"), (2, f"共 {seq} 个项目")], grand, fill=GROUP_FILL))
    _status_validation(ws, ProjectStatus, status_col, 5, row_number)
    if department is not None:
        ws.protect(format_columns=True, format_rows=True)

    # ---- 里程碑
    mcols = C.MILESTONE_COLUMNS
    milestone_editable = [_editable(c, department) for c in mcols]
    ws = _sheet(wb, C.MILESTONES_SHEET, mcols, freeze="C3", title_rows=(2, 2))
    ws.append([styles.cell(f"{plan.name} 里程碑", title=True)])
    ws.merge(f"A1:{column_letter(len(mcols))}1")
    ws.append([styles.cell(c.header, header=True) for c in mcols])
    milestone_rows = session.execute(
        select(
            Milestone.id,
            Milestone.version,
            Project.code,
            Project.name.label("project_name"),
            Milestone.ordinal,
            Milestone.name,
            Milestone.planned_on,
            Milestone.planned_precision,
            Milestone.actual_on,
            Milestone.actual_precision,
            Milestone.status,
            Milestone.note,
        )
        .join(Project, Project.id == Milestone.project_id)
        .where(*project_filter)
        .order_by(Project.id, Milestone.ordinal)
        .execution_options(yield_per=5000)
    )
    row_number = 2
    for m in milestone_rows:
        row_number += 1
        values = {
            "project_code": m.code,
            "project_name": m.project_name,
            "ordinal": m.ordinal,
            "name": m.name,
            "planned_on": _as_written(m.planned_on, m.planned_precision),
            "actual_on": _as_written(m.actual_on, m.actual_precision),
            "status": m.status,
            "note": m.note,
        }
        shown = [_display(values[c.key]) for c in mcols]
        ws.append(
            [
                styles.cell(value, kind=c.kind, editable=editable)
                for c, editable, value in zip(mcols, milestone_editable, shown, strict=True)
            ]
        )
        meta_rows.append(
            [C.MILESTONES_SHEET, row_number, "milestone", m.id, m.version, f"{m.code}#{m.ordinal}", row_digest(shown)]
        )
    _status_validation(ws, MilestoneStatus, 7, 3, row_number)
    if department is not None:
        ws.protect()

    # ---- 投资
    planned_editable = _editable(C.INVESTMENT_PLANNED, department)
    completed_editable = _editable(C.INVESTMENT_COMPLETED, department)
    key_cols = C.INVESTMENT_KEY_COLUMNS
    widths = [*key_cols, *[C.INVESTMENT_PLANNED.width] * (2 * len(years))]
    ws = _sheet(wb, C.INVESTMENTS_SHEET, widths, freeze="C4", title_rows=(2, 3))
    ws.append([styles.cell(f"{plan.name} 年度投资（单位：万元）", title=True)])
    ws.merge(f"A1:{column_letter(len(key_cols) + 2 * len(years))}1")
    upper = [styles.cell(c.header, header=True) for c in key_cols]
    lower = [styles.cell(None, header=True) for _ in key_cols]
    for index, _column in enumerate(key_cols, start=1):
        ws.merge(f"{column_letter(index)}2:{column_letter(index)}3")
    for offset, year in enumerate(years):
        first = len(key_cols) + 1 + 2 * offset
        upper += [styles.cell(f"{year}年", header=True), styles.cell(None, header=True)]
        lower += [
            styles.cell(C.INVESTMENT_PLANNED.header, header=True),
            styles.cell(C.INVESTMENT_COMPLETED.header, header=True),
        ]
        ws.merge(f"{column_letter(first)}2:{column_letter(first + 1)}2")
    ws.append(upper)
    ws.append(lower)
    row_number = 3
    for row in projects:
        row_number += 1
        cells = [styles.cell(row.code), styles.cell(row.name)]
        for year in years:
            inv = by_project_year.get((row.id, year))
            cells.append(
                styles.cell(
                    inv.planned_amount if inv else None,
                    kind=C.Kind.AMOUNT,
                    editable=planned_editable,
                )
            )
            cells.append(
                styles.cell(
                    inv.completed_amount if inv else None,
                    kind=C.Kind.AMOUNT,
                    editable=completed_editable,
                )
            )
            if inv:
                meta_rows.append(
                    [C.INVESTMENTS_SHEET, row_number, "investment", inv.id, inv.version, f"{row.code}@{year}"]
                )
        ws.append(cells)
    if department is not None:
        ws.protect()

    # ---- 资金来源: one row per source of a project-year's money
    fcols = C.FUNDING_COLUMNS
    funding_editable = [_editable(c, department, InvestmentFunding) for c in fcols]
    ws = _sheet(wb, C.FUNDINGS_SHEET, fcols, freeze="C4", title_rows=(3, 3))
    ws.append([styles.cell(f"{plan.name} 资金来源", title=True)])
    ws.merge(f"A1:{column_letter(len(fcols))}1")
    ws.append([styles.cell("单位：万元")])
    ws.append([styles.cell(c.header, header=True) for c in fcols])
    row_number = 3
    for f in session.execute(
        select(
            InvestmentFunding.id,
            InvestmentFunding.version,
            Project.code,
            Project.name,
            Investment.year,
            InvestmentFunding.source,
            InvestmentFunding.amount,
            InvestmentFunding.note,
        )
        .join(Investment, Investment.id == InvestmentFunding.investment_id)
        .join(Project, Project.id == InvestmentFunding.project_id)
        .where(*project_filter)
        .order_by(Project.id, Investment.year, InvestmentFunding.id)
    ):
        row_number += 1
        values = {
            "project_code": f.code,
            "project_name": f.name,
            "year": f.year,
            "source": f.source,
            "amount": f.amount,
            "note": f.note,
        }
        ws.append(
            [
                styles.cell(_display(values[c.key]), kind=c.kind, editable=editable)
                for c, editable in zip(fcols, funding_editable, strict=True)
            ]
        )
        meta_rows.append([C.FUNDINGS_SHEET, row_number, "funding", f.id, f.version, C.funding_key(f.code, f.year, f)])
    if department is not None:
        ws.protect()

    # ---- 阶段目标
    ws = _sheet(wb, C.GOALS_SHEET, C.GOAL_COLUMNS, freeze="A3", title_rows=(2, 2))
    ws.append([styles.cell(f"{plan.name} 阶段目标", title=True)])
    ws.merge(f"A1:{column_letter(len(C.GOAL_COLUMNS))}1")
    ws.append([styles.cell(c.header, header=True) for c in C.GOAL_COLUMNS])
    goal_projects_of: dict[int, list[str]] = defaultdict(list)
    for goal_id, code in session.execute(
        select(goal_projects.c.goal_id, Project.code)
        .join(Project, Project.id == goal_projects.c.project_id)
        .where(Project.plan_id == plan.id)
        .order_by(Project.id)
    ):
        goal_projects_of[goal_id].append(code)
    for goal_id, phase_name, ordinal, text in session.execute(
        select(PhaseGoal.id, Phase.name, PhaseGoal.ordinal, PhaseGoal.text)
        .join(Phase)
        .where(Phase.plan_id == plan.id)
        .order_by(Phase.ordinal, PhaseGoal.ordinal)
    ):
        ws.append(
            [
                styles.cell(phase_name),
                styles.cell(ordinal, kind=C.Kind.INT),
                styles.cell(text),
                styles.cell("、".join(goal_projects_of.get(goal_id, [])) or None),
            ]
        )
    if department is not None:
        ws.protect()

    # ---- 大事记 (the whole plan's workbook only; kept on the plan page, so read-only here)
    if department is None:
        ws = _sheet(wb, C.EVENTS_SHEET, C.EVENT_COLUMNS, freeze="A3", title_rows=(2, 2))
        ws.append([styles.cell(f"{plan.name} 大事记", title=True)])
        ws.merge(f"A1:{column_letter(len(C.EVENT_COLUMNS))}1")
        ws.append([styles.cell(c.header, header=True) for c in C.EVENT_COLUMNS])
        for event in session.execute(
            select(PlanEvent.occurred_on, PlanEvent.occurred_precision, PlanEvent.text, PlanEvent.source)
            .where(PlanEvent.plan_id == plan.id)
            .order_by(PlanEvent.occurred_on.is_(None), PlanEvent.occurred_on, PlanEvent.ordinal, PlanEvent.id)
        ):
            ws.append(
                [
                    styles.cell(_as_written(event.occurred_on, event.occurred_precision), kind=C.Kind.DATE),
                    styles.cell(event.text, wrap=True),
                    styles.cell(event.source),
                ]
            )

    # ---- 填表说明
    ws = wb.add_sheet(C.HELP_SHEET, [100])
    for line in _help_lines(department):
        ws.append([line])

    # ---- hidden keys
    ws = wb.add_sheet(C.META_SHEET, hidden=True)
    ws.append(["format", C.FORMAT_NAME])
    ws.append(["format_version", C.FORMAT_VERSION])
    ws.append(["plan", plan.code])
    ws.append(["department", department.name if department else ""])
    ws.append(["exported_at", exported_at.isoformat()])
    ws.append([])
    ws.append(["sheet", "row", "entity", "id", "version", "key", "digest"])
    for meta in meta_rows:
        ws.append(meta)

    wb.save()


def _help_lines(department: Department | None) -> list[str]:
    editable = "、".join(
        [c.header for c in C.PROJECT_COLUMNS if _COLUMN_FIELDS.get(c.key, c.key) in DEPARTMENT_FIELDS[Project]]
    )
    lines = [
        "填表说明",
        "1. 金额单位为万元，可填 360、1,234.5、360万 或 2.3亿（= 23000 万元）。",
        "2. 日期写成 2026-06-30、2026/6/30、2026年6月、2026.6、2026年上半年 或 2026年，按所写的精度保存"
        "（开始按第一天、完成按最后一天计）。",
        "3. 状态请从下拉列表选择：项目状态为 "
        + "、".join(m.label for m in ProjectStatus)
        + "；里程碑状态为 "
        + "、".join(m.label for m in MilestoneStatus)
        + "。",
        "4. 带“小计”“合计”的行和序号为“一、二、……”的分组行由系统生成，导入时不读取。",
        "5. 请勿修改、删除或移动隐藏的工作表 _tracker：它记录了每一行对应的记录，用于核对和冲突检查。",
        "6. 可以用 Excel 或 WPS 填写，另存为 .xlsx 或 .xls 均可；导入前请不要加密。",
    ]
    if department is not None:
        lines.append(
            f"7. 本表为 {department.name} 填报表：浅黄色单元格可填写（项目进度表中的{editable}；"
            "里程碑表中的实际完成日期、状态、说明；投资表中的完成），其余单元格已锁定。"
        )
    else:
        lines.append("7. 新增项目：在项目进度表末尾（合计行之前）填一行新的项目编号；新增里程碑同理。")
    lines.append(
        "8. “资金来源”表每行是一个项目某一年度的一项资金来源（"
        + "、".join(m.label for m in FundingSource)
        + "），同一年度可有多行；“原文写法”照文件原样填写（如“电信支持”）。"
        "“大事记”和“阶段目标”表只读，请在系统中修改。"
    )
    return lines
