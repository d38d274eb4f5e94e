"""The reporting cycle: open a period, departments fill and submit, the office confirms or returns,
closing freezes the figures. Each function flushes, never commits (one transaction per action).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import and_, delete, func, insert, literal, or_, select, type_coerce
from sqlalchemy.orm import Session, contains_eager, joinedload

from tracker import progress
from tracker.models import (
    Department,
    Investment,
    Milestone,
    PeriodMilestoneSnapshot,
    PeriodProjectSnapshot,
    Plan,
    Project,
    ReportEntry,
    ReportingPeriod,
    ReportMilestoneState,
    ReportSubmission,
    User,
    utcnow,
)
from tracker.models.base import Money
from tracker.models.reporting import period_name
from tracker.services import ServiceError
from tracker.services.records import check_version, save_record, update_record
from tracker.vocab import MilestoneStatus, PeriodStatus, ProjectStatus, ReportKind, SubmissionStatus

FILLABLE = (SubmissionStatus.PENDING, SubmissionStatus.RETURNED)
MISSING_NAMED = 10  # projects lacking 形象进度 named per department on the 催报 page
# A project finished or cancelled may be left without 形象进度; every other one is reported on.
NO_REPORT_NEEDED = (ProjectStatus.COMPLETED, ProjectStatus.CANCELLED)


# -- Periods ---------------------------------------------------------------------------------------


def period_window(kind: ReportKind, year: int, number: int) -> tuple[dt.date, dt.date]:
    """The first and last day a period covers."""
    first_month, months = (number, 1) if kind is ReportKind.MONTH else (3 * number - 2, 3)
    last_month = first_month + months - 1
    return dt.date(year, first_month, 1), dt.date(year, last_month, calendar.monthrange(year, last_month)[1])


def default_due(ends_on: dt.date) -> dt.date:
    """The 5th of the month after the period."""
    return (ends_on + dt.timedelta(days=1)).replace(day=5)


def next_period(session: Session, plan: Plan, today: dt.date | None = None) -> tuple[ReportKind, int, int]:
    """(kind, year, number) of the period to open next: after the latest one, else the one holding today."""
    kind = plan.report_cadence
    latest = session.scalar(
        select(ReportingPeriod)
        .where(ReportingPeriod.plan_id == plan.id)
        .order_by(ReportingPeriod.ends_on.desc())
        .limit(1)
    )
    if latest is None:
        today = today or progress.today()
        return kind, today.year, today.month if kind is ReportKind.MONTH else (today.month - 1) // 3 + 1
    following = latest.ends_on + dt.timedelta(days=1)
    return kind, following.year, following.month if kind is ReportKind.MONTH else (following.month - 1) // 3 + 1


def period_label(kind: ReportKind, year: int, number: int) -> str:
    """2026年11月 月报, 2026年第3季度 季报 — for a period that may not exist yet."""
    return f"{period_name(kind, year, number)} {kind.label}"


def open_period(
    session: Session, plan: Plan, kind: ReportKind, year: int, number: int, due_on: dt.date | None = None
) -> ReportingPeriod:
    """Open a period and list every department that leads projects in the plan as due to report."""
    if number < 1 or number > (12 if kind is ReportKind.MONTH else 4):
        raise ServiceError("期数超出范围")
    still_open = session.scalar(
        select(ReportingPeriod)
        .where(ReportingPeriod.plan_id == plan.id, ReportingPeriod.status == PeriodStatus.OPEN)
        .limit(1)
    )
    if still_open is not None:
        raise ServiceError(f"请先关闭 {still_open}，再开启新的报送期")
    starts_on, ends_on = period_window(kind, year, number)
    overlapping = session.scalar(
        select(ReportingPeriod)
        .where(
            ReportingPeriod.plan_id == plan.id,
            ReportingPeriod.starts_on <= ends_on,
            ReportingPeriod.ends_on >= starts_on,
        )
        .limit(1)
    )
    if overlapping is not None:
        raise ServiceError(f"{period_label(kind, year, number)}与已有的 {overlapping} 时间重叠")
    period = ReportingPeriod(
        plan=plan,
        kind=kind,
        year=year,
        number=number,
        starts_on=starts_on,
        ends_on=ends_on,
        due_on=due_on or default_due(ends_on),
        status=PeriodStatus.OPEN,
    )
    session.add(period)
    save_record(session, period)
    leads = (
        select(Project.lead_department_id)
        .where(Project.plan_id == plan.id, Project.lead_department_id.is_not(None))
        .distinct()
    )
    for department_id in session.scalars(leads):
        session.add(ReportSubmission(period=period, department_id=department_id, status=SubmissionStatus.PENDING))
    session.flush()
    return period


def open_next_period(session: Session, plan: Plan, today: dt.date | None = None) -> ReportingPeriod:
    return open_period(session, plan, *next_period(session, plan, today))


def set_due_date(session: Session, period: ReportingPeriod, due_on: dt.date, expected_version: int | None) -> None:
    if not period.is_open:
        raise ServiceError("报送期已关闭，不能再修改")
    if due_on < period.starts_on:
        raise ServiceError("截止日期不能早于报送期开始", "due_on")
    update_record(session, period, {"due_on": due_on}, expected_version)


# -- A department's submission ---------------------------------------------------------------------


@dataclass
class EntryInput:
    """What the form (or a workbook) says for one project."""

    progress_text: str | None = None
    completed_amount: Decimal | None = None
    issues: str | None = None


@dataclass
class MilestoneInput:
    status: MilestoneStatus
    actual_on: dt.date | None = None
    version: int = 0  # the milestone's version the department saw


@dataclass
class ProjectLine:
    """One project on a department's form: the project, this period's entry, the previous period's,
    the money so far, and the milestones it reports on."""

    project: Project
    entry: ReportEntry | None
    previous: ReportEntry | None
    money: progress.PeriodMoney
    milestones: list[Milestone] = field(default_factory=list)
    states: dict[int, ReportMilestoneState] = field(default_factory=dict)
    period_end: dt.date | None = None

    @property
    def needs_report(self) -> bool:
        return self.project.status not in NO_REPORT_NEEDED

    @property
    def reportable_milestones(self) -> list[Milestone]:
        """Milestones still open and due by the period's end (or undated), and any the report already
        speaks of: a status "as of the period end" is asked only of what could have moved by then."""
        ends_on = self.period_end or dt.date.max
        return [
            m
            for m in self.milestones
            if m.id in self.states
            or (m.status not in progress.CLOSED_MILESTONE and (m.planned_on is None or m.planned_on <= ends_on))
        ]

    @property
    def cumulative_with_this_period(self):
        return cumulative_with(self.money, self.entry, self.entry.submission.status if self.entry else None)


def cumulative_with(money: progress.PeriodMoney, entry: ReportEntry | None, status: SubmissionStatus | None):
    """自开始累计 as a department sees it while reporting: this period's figure is added while it is not
    yet confirmed (once confirmed, the money rule already counts it)."""
    if entry is None or entry.completed_amount is None or status is SubmissionStatus.CONFIRMED:
        return money.cumulative_completed
    return progress.plus(money.cumulative_completed, entry.completed_amount)


def submission_projects(
    session: Session, submission: ReportSubmission, *, for_display: bool = True
) -> list[ProjectLine]:
    """The projects the department leads in the plan, with what it reported; a fixed number of queries.
    Saving needs neither the previous period nor the money: `for_display=False` skips them."""
    period = submission.period
    projects = session.scalars(
        select(Project)
        .where(Project.plan_id == period.plan_id, Project.lead_department_id == submission.department_id)
        .order_by(Project.id)
    ).all()
    ids = [p.id for p in projects]
    entries = {
        e.project_id: e for e in session.scalars(select(ReportEntry).where(ReportEntry.submission_id == submission.id))
    }
    previous = previous_submission(session, submission) if for_display else None
    previous_entries = (
        {e.project_id: e for e in session.scalars(select(ReportEntry).where(ReportEntry.submission_id == previous.id))}
        if previous
        else {}
    )
    if not (ids and for_display):
        money = {}
    elif period.is_open:
        money = progress.money_by_project(session, period, Project.id.in_(ids))
    else:  # a closed period shows its frozen figures
        money = {
            row.project_id: (
                row.department_id,
                progress.PeriodMoney(
                    row.year_planned, row.period_completed, row.year_completed, row.cumulative_completed, 1
                ),
            )
            for row in session.scalars(
                select(PeriodProjectSnapshot).where(
                    PeriodProjectSnapshot.period_id == period.id, PeriodProjectSnapshot.project_id.in_(ids)
                )
            )
        }
    wanted = select(Milestone).where(Milestone.project_id.in_(ids))
    if for_display:  # only what the form asks about: open and due by the period's end, or already reported
        stated = select(ReportMilestoneState.milestone_id).where(ReportMilestoneState.submission_id == submission.id)
        wanted = wanted.where(
            or_(
                Milestone.id.in_(stated),
                and_(progress.is_open(), or_(Milestone.planned_on.is_(None), Milestone.planned_on <= period.ends_on)),
            )
        )
    milestones: dict[int, list[Milestone]] = defaultdict(list)
    for milestone in session.scalars(wanted.order_by(Milestone.project_id, Milestone.ordinal)):
        milestones[milestone.project_id].append(milestone)
    states: dict[int, dict[int, ReportMilestoneState]] = defaultdict(dict)
    for state in session.scalars(
        select(ReportMilestoneState).where(ReportMilestoneState.submission_id == submission.id)
    ):
        states[state.project_id][state.milestone_id] = state
    return [
        ProjectLine(
            p,
            entries.get(p.id),
            previous_entries.get(p.id),
            money.get(p.id, (None, progress.PeriodMoney()))[1],
            milestones[p.id],
            states[p.id],
            period.ends_on,
        )
        for p in projects
    ]


def previous_submission(session: Session, submission: ReportSubmission) -> ReportSubmission | None:
    """The same department's submission for the plan's period before this one."""
    period = submission.period
    return session.scalar(
        select(ReportSubmission)
        .join(ReportingPeriod, ReportingPeriod.id == ReportSubmission.period_id)
        .where(
            ReportingPeriod.plan_id == period.plan_id,
            ReportingPeriod.ends_on < period.starts_on,
            ReportSubmission.department_id == submission.department_id,
        )
        .order_by(ReportingPeriod.ends_on.desc())
        .limit(1)
    )


def save_submission(
    session: Session,
    submission: ReportSubmission,
    entries: dict[int, EntryInput],
    milestones: dict[int, MilestoneInput],
    user: User | None,
    expected_version: int | None,
    *,
    submit: bool = False,
    now: dt.datetime | None = None,
) -> None:
    """Save the department's figures as a draft, or submit them (未报/退回 → 已报)."""
    check_version(submission, expected_version)
    if not submission.period.is_open:
        raise ServiceError("报送期已关闭，不能再填报")
    if submission.status not in FILLABLE:
        raise ServiceError(
            f"本单位的报送已是“{submission.status.label}”，不能再修改"
            + ("；如需更正请联系信息办退回" if submission.status is SubmissionStatus.SUBMITTED else "")
        )
    lines = {line.project.id: line for line in submission_projects(session, submission, for_display=False)}
    strangers = [pid for pid in entries if pid not in lines]
    if strangers:
        raise ServiceError("填报内容包含不属于本单位牵头的项目")
    known_milestones = {m.id: m for line in lines.values() for m in line.milestones}
    for project_id, values in entries.items():
        line = lines[project_id]
        if line.entry is None:
            if values == EntryInput():
                continue
            line.entry = ReportEntry(submission=submission, project_id=project_id)
            session.add(line.entry)
        for name in ("progress_text", "completed_amount", "issues"):
            if getattr(line.entry, name) != getattr(values, name):
                setattr(line.entry, name, getattr(values, name))
    for milestone_id, values in milestones.items():
        milestone = known_milestones.get(milestone_id)
        if milestone is None:
            raise ServiceError("填报内容包含不属于本单位项目的里程碑")
        if values.actual_on is not None and values.actual_on > submission.period.ends_on:
            raise ServiceError(f"里程碑“{milestone.name}”的实际完成日期晚于报送期末（{submission.period.ends_on}）")
        state = lines[milestone.project_id].states.get(milestone_id)
        if state is None:
            if values.status == milestone.status and values.actual_on == milestone.actual_on:
                continue  # nothing reported beyond what is known
            state = ReportMilestoneState(
                submission=submission,
                milestone_id=milestone_id,
                project_id=milestone.project_id,
                status=values.status,
                actual_on=values.actual_on,
                milestone_version=values.version,
            )
            session.add(state)
            continue
        if (state.status, state.actual_on) != (values.status, values.actual_on):
            state.status, state.actual_on, state.milestone_version = values.status, values.actual_on, values.version
    now = now or utcnow()
    if submit:
        missing = [
            line.project.code
            for line in lines.values()
            if line.needs_report and not (line.entry and line.entry.progress_text)
        ]
        if missing:
            raise ServiceError(
                f"以下项目还没有填写本期形象进度：{'、'.join(missing[:20])}"
                + (f" 等 {len(missing)} 个" if len(missing) > 20 else "")
            )
        submission.status = SubmissionStatus.SUBMITTED
        submission.submitted_at = now
        submission.submitted_by_id = user.id if user is not None else None
    submission.draft_saved_at = now
    save_record(session, submission)


def return_submission(
    session: Session, submission: ReportSubmission, user: User | None, reason: str, expected_version: int | None
) -> None:
    """已报 → 退回, with the reason the department will see."""
    check_version(submission, expected_version)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("请填写退回原因", "reason")
    if submission.status is not SubmissionStatus.SUBMITTED:
        raise ServiceError(f"只能退回“已报”的报送（当前：{submission.status.label}）")
    if not submission.period.is_open:
        raise ServiceError("报送期已关闭")
    submission.status = SubmissionStatus.RETURNED
    submission.return_reason = reason
    submission.reviewed_at = utcnow()
    submission.reviewed_by_id = user.id if user is not None else None
    save_record(session, submission)


@dataclass
class Confirmation:
    milestones_applied: int = 0
    milestones_kept: list[str] = field(default_factory=list)  # changed by someone after the report
    years_rolled_up: int = 0


def confirm_submission(
    session: Session,
    submission: ReportSubmission,
    user: User | None,
    expected_version: int | None,
    today: dt.date | None = None,
) -> Confirmation:
    """已报 → 已确认: the report becomes the projects' current state.

    Milestone statuses reported are applied to milestones nobody changed since the department saw
    them (a later change is kept and named); each project's 形象进度 and 存在问题 take the report's;
    the year's 完成投资 becomes the sum of its confirmed periods.
    """
    check_version(submission, expected_version)
    if submission.status is not SubmissionStatus.SUBMITTED:
        raise ServiceError(f"只能确认“已报”的报送（当前：{submission.status.label}）")
    if not submission.period.is_open:
        raise ServiceError("报送期已关闭")
    today = today or progress.today()
    submission.status = SubmissionStatus.CONFIRMED
    submission.reviewed_at = utcnow()
    submission.reviewed_by_id = user.id if user is not None else None
    save_record(session, submission)
    result = Confirmation()
    lines = submission_projects(session, submission)
    for line in lines:
        for milestone in line.milestones:
            state = line.states.get(milestone.id)
            if state is None or (state.status, state.actual_on) == (milestone.status, milestone.actual_on):
                continue
            if milestone.version != state.milestone_version:
                result.milestones_kept.append(f"{line.project.code} {milestone.name}")
                continue
            actual = state.actual_on
            if state.status is MilestoneStatus.DONE and actual is None:
                actual = milestone.actual_on or min(submission.period.ends_on, today)
            update_record(session, milestone, {"status": state.status, "actual_on": actual}, milestone.version)
            result.milestones_applied += 1
        if line.entry is not None:
            values = {name: getattr(line.entry, name) for name in ("progress_text", "issues")}
            values = {("progress_note" if k == "progress_text" else k): v for k, v in values.items() if v}
            if values:
                update_record(session, line.project, values, line.project.version)
    result.years_rolled_up = roll_up_year(session, submission.period, [line.project.id for line in lines])
    return result


def roll_up_year(session: Session, period: ReportingPeriod, project_ids: list[int]) -> int:
    """Set each project's 完成投资 for the period's year to the sum of its confirmed periods."""
    sums = dict(
        session.execute(
            progress.year_completed_from_reports(period.plan_id, period.year, project_ids=project_ids)
        ).all()
    )
    if not sums:
        return 0
    existing = {
        i.project_id: i
        for i in session.scalars(
            select(Investment).where(Investment.project_id.in_(list(sums)), Investment.year == period.year)
        )
    }
    changed = 0
    for project_id, amount in sums.items():
        investment = existing.get(project_id)
        if investment is None and amount is None:
            continue  # reports with no amount: no year to create
        if investment is None:
            session.add(Investment(project_id=project_id, year=period.year, completed_amount=amount))
            changed += 1
        elif investment.completed_amount != amount:
            update_record(session, investment, {"completed_amount": amount}, investment.version)
            changed += 1
    session.flush()
    return changed


# -- Closing ---------------------------------------------------------------------------------------


def close_period(
    session: Session,
    period: ReportingPeriod,
    user: User | None,
    expected_version: int | None,
    today: dt.date | None = None,
) -> None:
    """Freeze the period: every project's and milestone's state and figures are copied, as they are now."""
    if not period.is_open:
        raise ServiceError("报送期已关闭")
    check_version(period, expected_version)
    today = today or progress.today()
    period.status = PeriodStatus.CLOSED
    period.closed_at = utcnow()
    period.closed_by_id = user.id if user is not None else None
    save_record(session, period)
    session.execute(delete(PeriodProjectSnapshot).where(PeriodProjectSnapshot.period_id == period.id))
    session.execute(delete(PeriodMilestoneSnapshot).where(PeriodMilestoneSnapshot.period_id == period.id))
    money = progress.money_by_project(session, period)
    completion = progress.project_completion(session, Project.plan_id == period.plan_id)
    entries = {
        row.project_id: row
        for row in session.execute(
            select(ReportEntry.project_id, ReportEntry.progress_text, ReportEntry.issues, ReportSubmission.status)
            .join(ReportSubmission, ReportSubmission.id == ReportEntry.submission_id)
            .where(ReportSubmission.period_id == period.id)
        )
    }
    statuses = dict(
        session.execute(
            select(ReportSubmission.department_id, ReportSubmission.status).where(
                ReportSubmission.period_id == period.id
            )
        ).all()
    )
    names = dict(
        session.execute(
            select(Department.id, Department.name).where(
                Department.id.in_(select(Project.lead_department_id).where(Project.plan_id == period.plan_id))
            )
        ).all()
    )
    rows = []
    for project in session.execute(
        select(
            Project.id, Project.code, Project.name, Project.lead_department_id, Project.status, Project.total_budget
        ).where(Project.plan_id == period.plan_id)
    ):
        figures = money.get(project.id, (None, progress.PeriodMoney()))[1]
        entry = entries.get(project.id)
        rows.append(
            {
                "period_id": period.id,
                "project_id": project.id,
                "code": project.code,
                "name": project.name,
                "department_id": project.lead_department_id,
                "department_name": names.get(project.lead_department_id),
                "status": project.status,
                "completion": completion.get(project.id),
                "total_budget": project.total_budget,
                "year_planned": figures.year_planned,
                "period_completed": figures.period_completed,
                "year_completed": figures.year_completed,
                "cumulative_completed": figures.cumulative_completed,
                "submission_status": statuses.get(project.lead_department_id),
                "progress_text": entry.progress_text if entry else None,
                "issues": entry.issues if entry else None,
            }
        )
    if rows:
        session.execute(insert(PeriodProjectSnapshot), rows)
    milestone_columns = (
        Milestone.id,
        Milestone.project_id,
        Milestone.ordinal,
        Milestone.name,
        Milestone.planned_on,
        Milestone.planned_precision,
        Milestone.actual_on,
        Milestone.status,
    )
    session.execute(
        insert(PeriodMilestoneSnapshot).from_select(
            [
                "period_id",
                "milestone_id",
                "project_id",
                "ordinal",
                "name",
                "planned_on",
                "planned_precision",
                "actual_on",
                "status",
            ],
            select(literal(period.id), *milestone_columns)
            .join(Project, Project.id == Milestone.project_id)
            .where(Project.plan_id == period.plan_id),
        )
    )
    session.flush()


# -- The office's view of a period -----------------------------------------------------------------


@dataclass
class DepartmentLine:
    submission: ReportSubmission
    money: progress.PeriodMoney
    days_late: int | None  # past the due date without a report (or reported after it)
    missing: list[str] = field(default_factory=list)  # the first MISSING_NAMED projects without 本期形象进度
    missing_count: int = 0  # how many there are

    @property
    def outstanding(self) -> bool:
        return self.submission.status in FILLABLE


@dataclass
class PeriodOverview:
    period: ReportingPeriod
    lines: list[DepartmentLine]
    total: progress.PeriodMoney
    schedule: Decimal

    def count(self, status: SubmissionStatus | None = None) -> int:
        return sum(1 for line in self.lines if status is None or line.submission.status is status)

    @property
    def overdue(self) -> list[DepartmentLine]:
        return [line for line in self.lines if line.outstanding and line.days_late]


# Projects lacking 形象进度 in a period: department → the first few ("code name"), department → how many.
Lacking = tuple[dict[int, list[str]], dict[int, int]]


def period_overview(
    session: Session,
    period: ReportingPeriod,
    today: dt.date | None = None,
    money: dict[int | None, progress.PeriodMoney] | None = None,
    lacking: Lacking | None = None,
) -> PeriodOverview:
    """Every department due to report, its status, lateness and money; a fixed number of queries.
    `money`: the open period's sums by department, when the caller keeps them (progress.money_by_department);
    `lacking`: lacking_progress(session, period), for the pages that name the projects still lacking
    形象进度 (催报): the others skip that query, which reads every project of the plan."""
    today = today or progress.today()
    submissions = session.scalars(
        select(ReportSubmission)
        .where(ReportSubmission.period_id == period.id)
        .join(Department, Department.id == ReportSubmission.department_id)
        .order_by(Department.name)
        .options(joinedload(ReportSubmission.department))
    ).all()
    if period.is_open:
        money = progress.money_by_department(session, period) if money is None else money
    else:
        snap = PeriodProjectSnapshot
        money = {
            lead: progress.PeriodMoney(planned, this_period, year, total, n)
            for lead, planned, this_period, year, total, n in session.execute(
                select(
                    snap.department_id,
                    *(
                        type_coerce(func.sum(c), Money())
                        for c in (
                            snap.year_planned,
                            snap.period_completed,
                            snap.year_completed,
                            snap.cumulative_completed,
                        )
                    ),
                    func.count(),
                )
                .where(snap.period_id == period.id)
                .group_by(snap.department_id)
            )
        }
    missing, missing_count = lacking if lacking is not None else ({}, {})
    lines = []
    for submission in submissions:
        lines.append(
            DepartmentLine(
                submission,
                money.get(submission.department_id, progress.PeriodMoney()),
                days_late(period, submission, today),
                missing.get(submission.department_id, []),
                missing_count.get(submission.department_id, 0),
            )
        )
    total = progress.PeriodMoney()  # the 合计 row: the sum of the departments listed
    for line in lines:
        total.add(line.money)
    return PeriodOverview(period, lines, total, progress.schedule_share(period))


def lacking_progress(session: Session, period: ReportingPeriod) -> Lacking:
    """Projects of departments still filling in the period that lack 形象进度: by department, the first
    few as "code name" (for 催报) and how many in all; one query."""
    lacking = (
        select(
            Project.lead_department_id,
            Project.code,
            Project.name,
            func.row_number().over(partition_by=Project.lead_department_id, order_by=Project.id).label("place"),
            func.count().over(partition_by=Project.lead_department_id).label("lacking"),
        )
        .join(
            ReportSubmission,
            (ReportSubmission.department_id == Project.lead_department_id) & (ReportSubmission.period_id == period.id),
        )
        .outerjoin(
            ReportEntry, (ReportEntry.submission_id == ReportSubmission.id) & (ReportEntry.project_id == Project.id)
        )
        .where(
            Project.plan_id == period.plan_id,
            ReportSubmission.status.in_(FILLABLE),
            Project.status.is_(None) | Project.status.not_in(NO_REPORT_NEEDED),
            ReportEntry.id.is_(None) | ReportEntry.progress_text.is_(None),
        )
    ).subquery()
    missing: dict[int, list[str]] = defaultdict(list)
    missing_count: dict[int, int] = {}
    for lead, code, name, _place, count in session.execute(  # a department lacking any has a first row
        select(lacking).where(lacking.c.place <= MISSING_NAMED).order_by(lacking.c.lead_department_id, lacking.c.place)
    ):
        missing[lead].append(f"{code} {name}")
        missing_count[lead] = count
    return dict(missing), missing_count


def days_late(period: ReportingPeriod, submission: ReportSubmission, today: dt.date) -> int | None:
    """Days past the due date: still outstanding today, or submitted after it."""
    if submission.status in FILLABLE:
        late = (today - period.due_on).days if period.is_open else None
    else:
        submitted = submission.submitted_at.date() if submission.submitted_at else None
        late = (submitted - period.due_on).days if submitted else None
    return late if late and late > 0 else None


def reminder_text(overview: PeriodOverview) -> str:
    """The 催报 notice the office copies into its messaging: who, by when, what is missing."""
    period = overview.period
    outstanding = [line for line in overview.lines if line.outstanding]
    if not outstanding:
        return f"{period}：各单位均已报送。"
    lines = [
        f"【催报】{period.plan.name} {period}，截止日期 {period.due_on.year}年{period.due_on.month}月{period.due_on.day}日。以下单位尚未报送，请尽快填报："
    ]
    for number, line in enumerate(outstanding, 1):
        state = "被退回待重报" if line.submission.status is SubmissionStatus.RETURNED else "未报"
        late = f"，已逾期 {line.days_late} 天" if line.days_late else ""
        contact = f"（联系人：{line.submission.department.contact}）" if line.submission.department.contact else ""
        todo = f"；缺形象进度的项目 {line.missing_count} 个" if line.missing_count else ""
        lines.append(f"{number}. {line.submission.department.name}{contact}：{state}{late}{todo}")
    return "\n".join(lines)


def open_submissions(session: Session, department_id: int) -> list[ReportSubmission]:
    """The department's reports due in open periods (本期应报), earliest due first."""
    return list(
        session.scalars(
            select(ReportSubmission)
            .join(ReportingPeriod, ReportingPeriod.id == ReportSubmission.period_id)
            .where(ReportSubmission.department_id == department_id, ReportingPeriod.status == PeriodStatus.OPEN)
            .options(contains_eager(ReportSubmission.period))
            .order_by(ReportingPeriod.due_on)
        )
    )
