"""月报/季报 workbooks: gather a period's figures for export, and bring a filled workbook back into the
period's submissions with the import guarantees — preview first, every row accounted for, exact
diffs, conflicts found, nothing half-applied.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import IO

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from tracker import progress
from tracker.excel.reader import WorkbookError, open_workbook
from tracker.excel.report_book import (
    ReportBook,
    ReportLine,
    read_report_meta,
    read_report_sheets,
    report_title,
    write_report_workbook,
)
from tracker.models import (
    Department,
    ImportBatch,
    Project,
    ReportEntry,
    ReportingPeriod,
    ReportSubmission,
    User,
    set_change_context,
    utcnow,
)
from tracker.parse import format_date
from tracker.services import ServiceError, bulk, reporting, security_log
from tracker.services.departments import DepartmentNames, name_key
from tracker.services.import_preview import closest_projects
from tracker.services.imports import EXPIRED_PREVIEW, ImportRefused, is_abandoned
from tracker.vocab import ChangeSource, ImportOutcome, ImportStatus, Role, SecurityEvent, SubmissionStatus

XLSX_NAME = "{plan}-{period}-{department}.xlsx"


# -- Export ----------------------------------------------------------------------------------------


def report_books(
    session: Session, period: ReportingPeriod, department_ids: list[int] | None = None
) -> list[ReportBook]:
    """One book per department due to report (or those named), in a fixed number of queries."""
    query = select(ReportSubmission).where(ReportSubmission.period_id == period.id)
    if department_ids is not None:
        query = query.where(ReportSubmission.department_id.in_(department_ids))
    submissions = {s.department_id: s for s in session.scalars(query)}
    names = dict(
        session.execute(
            select(Department.id, Department.name).where(Department.id.in_(list(submissions) or [-1]))
        ).all()
    )
    projects = session.scalars(
        select(Project)
        .where(Project.plan_id == period.plan_id, Project.lead_department_id.in_(list(submissions) or [-1]))
        .order_by(Project.id)
    ).all()
    current = {
        e.project_id: e
        for e in session.scalars(
            select(ReportEntry).join(ReportSubmission).where(ReportSubmission.period_id == period.id)
        )
    }
    past: dict[int, dict[int, tuple]] = defaultdict(dict)
    for entry, number in session.execute(
        select(ReportEntry, ReportingPeriod.number)
        .join(ReportSubmission, ReportSubmission.id == ReportEntry.submission_id)
        .join(ReportingPeriod, ReportingPeriod.id == ReportSubmission.period_id)
        .where(
            ReportingPeriod.plan_id == period.plan_id,
            ReportingPeriod.year == period.year,
            ReportingPeriod.kind == period.kind,
            ReportingPeriod.number < period.number,
        )
    ):
        past[entry.project_id][number] = (entry.progress_text, entry.completed_amount)
    money = progress.money_by_project(session, period, Project.id.in_([p.id for p in projects] or [-1]))
    lines: dict[int, list[ReportLine]] = defaultdict(list)
    for project in projects:
        entry = current.get(project.id)
        figures = money.get(project.id, (None, progress.PeriodMoney()))[1]
        submission = submissions[project.lead_department_id]
        cumulative = reporting.cumulative_with(figures, entry, submission.status)
        lines[project.lead_department_id].append(
            ReportLine(
                project.id,
                project.name,
                _window(project),
                project.total_budget,
                figures.year_planned,
                past[project.id],
                (entry.progress_text, entry.completed_amount) if entry else (None, None),
                cumulative,
                entry.issues if entry else None,
            )
        )
    return [
        ReportBook(
            period.kind.value,
            period.year,
            period.number,
            period.plan.code,
            names[dept_id],
            s.id,
            s.version,
            lines[dept_id],
            editable=period.is_open and s.status in reporting.FILLABLE,
        )
        for dept_id, s in sorted(submissions.items(), key=lambda item: names[item[0]])
    ]


def _window(project: Project) -> str:
    start = format_date(project.planned_start_on, project.planned_start_precision) if project.planned_start_on else ""
    end = format_date(project.planned_end_on, project.planned_end_precision) if project.planned_end_on else ""
    return f"{start}—{end}" if start or end else ""


def export_department_report(session: Session, submission: ReportSubmission, out: IO[bytes]) -> str:
    """A department's 月报 workbook; returns its file name."""
    books = report_books(session, submission.period, [submission.department_id])
    write_report_workbook(out, books)
    return file_name(submission.period, books[0].department)


def export_period_reports(session: Session, period: ReportingPeriod, out: IO[bytes]) -> int:
    """Every department's workbook, one file each, in a zip (to send each its own); returns how many."""
    books = report_books(session, period)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for book in books:
            buffer = io.BytesIO()
            write_report_workbook(buffer, [book])
            archive.writestr(file_name(period, book.department), buffer.getvalue())
    return len(books)


def file_name(period: ReportingPeriod, department: str) -> str:
    return f"{period.plan.code}-{period.name}{period.kind.label}-{department}.xlsx"


def export_summary(session: Session, period: ReportingPeriod, out: IO[bytes]) -> None:
    """The period's 汇总表 by department, from the same figures as the period page."""
    from tracker.excel.report_book import SummaryLine, write_summary_workbook

    overview = reporting.period_overview(session, period)

    def line(name, status, submitted, money) -> SummaryLine:
        return SummaryLine(
            name,
            status,
            submitted,
            money.projects,
            money.year_planned,
            money.period_completed,
            money.year_completed,
            money.plan_share,
            money.cumulative_completed,
        )

    lines = [
        line(
            o.submission.department.name,
            o.submission.status.label,
            o.submission.submitted_at.astimezone().strftime("%Y-%m-%d %H:%M") if o.submission.submitted_at else "",
            o.money,
        )
        for o in overview.lines
    ]
    title = report_title(period.kind.value, period.year, period.number).replace("报表", "汇总表")
    write_summary_workbook(
        out, title, overview.schedule, lines, line(f"合计：{len(lines)} 个单位", "", "", overview.total)
    )


# -- Import: preview -------------------------------------------------------------------------------

FIELD_LABELS = {"progress_text": "本期形象进度", "completed_amount": "本期完成投资", "issues": "存在问题"}


@dataclass
class ReportRowResult:
    sheet: str
    row: int
    outcome: str
    key: str = ""
    department: str = ""
    project_id: int | None = None
    submission_id: int | None = None
    messages: list[str] = field(default_factory=list)  # errors and conflicts: why the row is not applied
    notes: list[str] = field(default_factory=list)  # how a value was read (e.g. derived from 1–N月累计)
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (label, old, new)
    values: dict = field(default_factory=dict)  # field → new value as text (amounts as strings)


@dataclass
class ReportPreview:
    period_id: int
    rows: list[ReportRowResult]
    sheets: list[str]
    columns: dict[str, list[str]]
    notes: list[str]
    submissions: dict[str, dict]  # submission id → {department, version, status, after, missing}
    from_tracker: bool = False

    @property
    def counts(self) -> dict[str, int]:
        counts = {o.value: 0 for o in ImportOutcome}
        for row in self.rows:
            counts[row.outcome] += 1
        return counts

    def to_json(self) -> dict:
        return {
            "period_id": self.period_id,
            "rows": [asdict(r) for r in self.rows],
            "sheets": self.sheets,
            "columns": self.columns,
            "notes": self.notes,
            "submissions": self.submissions,
            "from_tracker": self.from_tracker,
        }

    @classmethod
    def from_json(cls, data: dict) -> ReportPreview:
        rows = [ReportRowResult(**{**r, "changes": [tuple(c) for c in r["changes"]]}) for r in data["rows"]]
        return cls(
            data["period_id"],
            rows,
            data["sheets"],
            data["columns"],
            data["notes"],
            data["submissions"],
            data.get("from_tracker", False),
        )


@bulk
def preview_report(
    session: Session, data: bytes, period: ReportingPeriod, user: User | None, filename: str = ""
) -> ReportPreview:
    """Read a filled 月报/季报 against the period's submissions; writes nothing."""
    if not period.is_open:
        raise ImportRefused(f"{period} 已关闭，不能再导入")
    try:
        book = open_workbook(data, filename)
    except WorkbookError as exc:
        raise ImportRefused(str(exc)) from None
    meta = read_report_meta(book.sheets.get("_tracker"))
    expected = (period.kind.value, period.year, period.number)
    if meta is not None and (meta.plan_code != period.plan.code or meta.period != expected):
        kind, year, number = meta.period or expected
        raise ImportRefused(
            f"这个工作簿是 {meta.plan_code} 的 {reporting.period_label(reporting.ReportKind(kind), year, number)}，"
            f"不是所选的 {period.plan.code} {period}"
        )
    sheets = read_report_sheets(book, period.kind.value, period.number)
    for sheet in sheets:
        if sheet.read and sheet.period is not None and sheet.period != (period.year, period.number):
            year, number = sheet.period
            raise ImportRefused(
                f"工作表“{sheet.name}”的标题是 {reporting.period_label(period.kind, year, number)}，"
                f"不是所选的 {period}：请在对应的报送期导入"
            )
    if not any(s.read for s in sheets):
        raise ImportRefused("没有找到可以识别的月报/季报表格：" + "；".join(s.line() for s in sheets))
    matcher = _ReportMatcher(session, period, user, meta)
    for sheet in sheets:
        if sheet.read:
            for row in sheet.rows:
                matcher.read(sheet, row)
    matcher.settle()
    return ReportPreview(
        period.id,
        matcher.results,
        [s.line() for s in sheets],
        {s.name: [c.text() for c in s.columns] for s in sheets if s.read},
        list(book.notes),
        matcher.submission_lines(),
        from_tracker=meta is not None,
    )


class _ReportMatcher:
    def __init__(self, session: Session, period: ReportingPeriod, user: User | None, meta) -> None:
        self.session, self.period, self.user, self.meta = session, period, user, meta
        self.results: list[ReportRowResult] = []
        self.names = DepartmentNames(session, period.plan.region)
        self.submissions = {
            s.department_id: s
            for s in session.scalars(
                select(ReportSubmission)
                .where(ReportSubmission.period_id == period.id)
                .options(joinedload(ReportSubmission.department))
            )
        }
        projects = session.scalars(select(Project).where(Project.plan_id == period.plan_id)).all()
        self.projects = {p.id: p for p in projects}
        self.by_code = {p.code: p for p in projects}
        self.by_name: dict[tuple[int | None, str], list[Project]] = defaultdict(list)
        for project in projects:
            self.by_name[(project.lead_department_id, name_key(project.name))].append(project)
            self.by_name[(None, name_key(project.name))].append(project)
        self.entries = {
            e.project_id: e
            for e in session.scalars(
                select(ReportEntry).join(ReportSubmission).where(ReportSubmission.period_id == period.id)
            )
        }
        self.claims: dict[int, list[ReportRowResult]] = defaultdict(list)
        self._earlier: dict[int, Decimal] | None = None
        # project id → the submission version the exported file was made from
        self.exported_versions = {v[3]: v[2] for v in meta.rows.values()} if meta is not None else {}

    def read(self, sheet, row) -> None:
        result = ReportRowResult(sheet.name, row.number, ImportOutcome.UNCHANGED.value, row.name or row.code or "")
        self.results.append(result)
        if row.skip:
            result.outcome, result.messages = ImportOutcome.SKIPPED.value, [row.skip]
            return
        result.messages = list(row.errors)
        department = self._department(sheet, row, result)
        project = self._project(sheet, row, department, result) if department is not None else None
        if project is None or result.messages:
            result.outcome = ImportOutcome.ERROR.value
            if not result.messages:
                result.messages.append(f"{row.ref}：无法确定是哪个项目")
            return
        result.key, result.project_id = f"{project.code} {project.name}", project.id
        result.department = department.name
        submission = self.submissions[department.id]
        result.submission_id = submission.id
        self.claims[project.id].append(result)
        entry = self.entries.get(project.id)
        new = self._values(row, entry, result)
        if result.messages:
            result.outcome = ImportOutcome.ERROR.value
            return
        old = {name: getattr(entry, name) if entry else None for name in FIELD_LABELS}
        result.values = {k: (str(v) if isinstance(v, Decimal) else v) for k, v in new.items()}
        result.changes = [(FIELD_LABELS[k], _show(old[k]), _show(v)) for k, v in new.items() if v != old[k]]
        if not result.changes:
            return
        if submission.status not in reporting.FILLABLE:
            result.outcome = ImportOutcome.ERROR.value
            result.messages.append(
                f"{row.ref}：{department.name} 本期已{submission.status.label}，不能再修改"
                + ("；如需更正请先退回" if submission.status is SubmissionStatus.SUBMITTED else "")
            )
            return
        if self.meta is not None:
            exported = self.exported_versions.get(project.id)
            if exported is not None and exported != submission.version:
                result.outcome = ImportOutcome.CONFLICT.value
                result.messages.append(
                    f"{row.ref}：导出后系统中的报送已被修改（版本 {exported} → {submission.version}），"
                    "无法判断哪个更新，请核对后重新导出填写"
                )
                return
        result.outcome = (ImportOutcome.CHANGED if entry is not None else ImportOutcome.NEW).value

    def _department(self, sheet, row, result) -> Department | None:
        name = row.department or sheet.department
        if not name and self.meta is not None and row.seq is not None:
            exported = self.meta.rows.get((sheet.name, row.seq))
            name = exported[0] if exported else None
        if not name and self.user is not None and self.user.role is Role.DEPARTMENT:
            name = self.user.department.name
        if not name:
            result.messages.append(f"{row.ref}：无法确定报送单位：请在表头上方写“报送部门：…”或加“责任单位”列")
            return None
        department = self.names.find(name)
        if department is None:
            result.messages.append(f"{row.ref}：未知单位“{name}”")
            return None
        if self.user is not None and self.user.role is Role.DEPARTMENT and department.id != self.user.department_id:
            result.messages.append(f"{row.ref}：“{department.name}”不是本单位，部门用户只能导入本单位的报送")
            return None
        if department.id not in self.submissions:
            result.messages.append(f"{row.ref}：{department.name} 在 {self.period} 没有应报（不牵头本规划的项目）")
            return None
        return department

    def _project(self, sheet, row, department: Department, result) -> Project | None:
        if self.meta is not None and row.seq is not None and (sheet.name, row.seq) in self.meta.rows:
            project = self.projects.get(self.meta.rows[(sheet.name, row.seq)][3])
            if project is not None and row.name and name_key(row.name) != name_key(project.name):
                result.messages.append(
                    f"{row.ref}：第 {row.seq} 行导出时是“{project.name}”，现在写的是“{row.name}”："
                    "请不要在导出的表中改项目名称或调整行序号"
                )
                return None
        elif row.code:
            project = self.by_code.get(row.code)
            if project is None:
                result.messages.append(f"{row.ref}：系统中没有编号为“{row.code}”的项目")
                return None
        elif row.name:
            candidates = self.by_name.get((department.id, name_key(row.name)), [])
            if len(candidates) != 1:
                if candidates:
                    result.messages.append(
                        f"{row.ref}：{department.name} 有 {len(candidates)} 个名为“{row.name}”的项目，请加“项目编号”列"
                    )
                else:
                    result.messages.append(
                        f"{row.ref}：系统中没有名为“{row.name}”（责任单位 {department.name}）的项目"
                        + self._closest(row.name, department)
                    )
                return None
            project = candidates[0]
        else:
            result.messages.append(f"{row.ref}：没有项目名称")
            return None
        if project is None or project.lead_department_id != department.id:
            lead = project and project.lead_department_id
            result.messages.append(
                f"{row.ref}：项目“{project.name if project else ''}”不由 {department.name} 牵头"
                + ("" if lead else "（未设责任单位）")
            )
            return None
        return project

    def _closest(self, name: str, department: Department) -> str:
        return closest_projects(name, [p for p in self.projects.values() if p.lead_department_id == department.id])

    def _values(self, row, entry: ReportEntry | None, result) -> dict:
        """This period's values as the row gives them; in a workbook tracker did not write, a blank
        cell keeps the stored value (it never clears one)."""
        keep_blank = self.meta is None
        values = {}
        for name, cell in (("progress_text", row.progress), ("completed_amount", row.amount), ("issues", row.issues)):
            if cell is None or cell.error:
                continue
            if cell.value is None and keep_blank:
                continue
            values[name] = cell.value
        if row.ytd is not None and row.ytd.error is None and row.ytd.value is not None:
            earlier = self._earlier_confirmed().get(result.project_id, Decimal(0))
            through = f"1–{self.period.number}{'月' if self.period.kind.value == 'month' else '季度'}累计"
            if row.amount is not None and row.amount.value is not None:
                # Both given: they must agree, or one of them is wrong and neither can be trusted.
                if earlier + row.amount.value != row.ytd.value:
                    result.messages.append(
                        f"{row.ytd.ref}：{through} {row.ytd.value} ≠ 此前各期已确认 {earlier} + 本期 "
                        f"{row.amount.value}（{row.amount.ref}），请核对"
                    )
            elif row.ytd.value < earlier:
                result.messages.append(f"{row.ytd.ref}：{through} {row.ytd.value} 小于此前各期已确认的合计 {earlier}")
            else:
                amount = row.ytd.value - earlier
                values["completed_amount"] = amount
                result.notes.append(
                    f"{row.ytd.ref}：本期完成投资 = {through} {row.ytd.value} − 此前已确认 {earlier} = {amount}"
                )
        return values

    def _earlier_confirmed(self) -> dict[int, Decimal]:
        if self._earlier is None:
            before = self.period.starts_on - dt.timedelta(days=1)
            query = progress.year_completed_from_reports(self.period.plan_id, self.period.year, before)
            self._earlier = {pid: amount or Decimal(0) for pid, amount in self.session.execute(query)}
        return self._earlier

    def settle(self) -> None:
        """Two rows for one project: both are errors (which one is meant cannot be told)."""
        for rows in self.claims.values():
            if len(rows) > 1:
                where = "、".join(f"{r.sheet}!{r.row}行" for r in rows)
                for result in rows:
                    result.outcome = ImportOutcome.ERROR.value
                    result.messages.append(f"{where} 都是项目“{result.key}”，只能保留一行")

    def submission_lines(self) -> dict[str, dict]:
        """Per submission the file touches: its version now, and what it will be after the import."""
        progress_after: dict[int, str | None] = {}
        touched: set[int] = set()
        for r in self.results:
            if r.submission_id is None:
                continue
            touched.add(r.submission_id)
            if r.outcome in (ImportOutcome.NEW.value, ImportOutcome.CHANGED.value, ImportOutcome.UNCHANGED.value):
                progress_after[r.project_id] = r.values.get("progress_text", self._current(r.project_id))
        missing: dict[int, list[str]] = defaultdict(list)
        for project in self.projects.values():
            if project.status in reporting.NO_REPORT_NEEDED or project.lead_department_id is None:
                continue
            after = progress_after[project.id] if project.id in progress_after else self._current(project.id)
            if not after:
                missing[project.lead_department_id].append(project.code)
        lines = {}
        for department_id, submission in self.submissions.items():
            if submission.id not in touched:
                continue
            gaps = missing.get(department_id, [])
            lines[str(submission.id)] = {
                "department": submission.department.name,
                "version": submission.version,
                "status": submission.status.label,
                "after": "已报" if not gaps else "草稿（未提交）",
                "missing": gaps[:20],
                "missing_count": len(gaps),
            }
        return lines

    def _current(self, project_id: int) -> str | None:
        entry = self.entries.get(project_id)
        return entry.progress_text if entry else None


def _show(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


# -- Import: staging and applying ------------------------------------------------------------------


def stage_report_import(
    session: Session, data: bytes, filename: str, period: ReportingPeriod, user: User | None
) -> tuple[ImportBatch, ReportPreview]:
    preview = preview_report(session, data, period, user, filename)
    batch = ImportBatch(
        user=user,
        source=ChangeSource.WEB,
        filename=filename[:255] or "report.xlsx",
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        content=data,
        plan=period.plan,
        department=user.department if user is not None and user.role is Role.DEPARTMENT else None,
        period_id=period.id,
        status=ImportStatus.PREVIEWED,
        counts=preview.counts,
        seen_versions={f"report_submissions:{k}": v["version"] for k, v in preview.submissions.items()},
        preview=preview.to_json(),
    )
    session.add(batch)
    session.flush()
    return batch, preview


@bulk
def commit_report_import(session: Session, batch: ImportBatch, user: User | None, *, valid_only: bool = False) -> int:
    """Apply exactly the stored preview, through the reporting service; all or nothing. Returns rows applied."""
    if batch.status is not ImportStatus.PREVIEWED or batch.period_id is None:
        raise ServiceError("这个文件已经处理过，不能再次导入")
    if is_abandoned(batch):
        raise ServiceError(EXPIRED_PREVIEW)
    preview = ReportPreview.from_json(batch.preview)
    counts = preview.counts
    if (counts["error"] or counts["conflict"]) and not valid_only:
        raise ServiceError(
            f"有 {counts['error']} 行错误、{counts['conflict']} 行冲突：请改正后重新上传，或选择“只导入无误的行”"
        )
    submissions = {
        s.id: s
        for s in session.scalars(
            select(ReportSubmission).where(ReportSubmission.id.in_([int(k) for k in preview.submissions] or [-1]))
        )
    }
    moved = [
        v["department"]
        for k, v in preview.submissions.items()
        if submissions.get(int(k)) is None or submissions[int(k)].version != v["version"]
    ]
    if moved:
        raise ServiceError(f"预览之后，{'、'.join(moved)} 的报送已被修改：请重新上传，按最新情况预览")
    set_change_context(session, ChangeSource.IMPORT, user, batch)
    wanted: dict[int, dict[int, reporting.EntryInput]] = defaultdict(dict)
    entries = {
        e.project_id: e
        for e in session.scalars(select(ReportEntry).where(ReportEntry.submission_id.in_(list(submissions) or [-1])))
    }
    applied = 0
    for row in preview.rows:
        if row.outcome not in (ImportOutcome.NEW.value, ImportOutcome.CHANGED.value):
            continue
        entry = entries.get(row.project_id)
        values = {name: getattr(entry, name) if entry else None for name in FIELD_LABELS}
        for name, value in row.values.items():
            values[name] = Decimal(value) if name == "completed_amount" and value is not None else value
        wanted[row.submission_id][row.project_id] = reporting.EntryInput(**values)
        applied += 1
    for submission_id, changes in wanted.items():
        submission = submissions[submission_id]
        submit = preview.submissions[str(submission_id)]["after"] == "已报"
        reporting.save_submission(session, submission, changes, {}, user, submission.version, submit=submit)
    batch.status = ImportStatus.APPLIED
    batch.applied_at = utcnow()
    batch.applied_rows = "valid" if valid_only else "all"
    batch.applied_count = applied
    security_log.record(
        session,
        SecurityEvent.IMPORT_APPLIED,
        user=user,
        detail=f"报表导入 #{batch.id}（{batch.filename}）：写入 {applied} 个项目",
    )
    session.flush()
    return applied
