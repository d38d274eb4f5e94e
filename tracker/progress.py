"""Completion and lateness, defined once and computed in SQL (a fixed number of queries).

- A milestone is overdue when its planned date is before today and it is neither 已完成 nor 已取消.
- A project's completion (里程碑完成率, by weight) is the share of the weight of its non-cancelled
  milestones that are 已完成; with no such milestone it is 100% when the project is 已完工, and
  otherwise it has none ("无里程碑") — it is not counted as 0%.
- A stage's, section's (with its sub-sections), department's or plan's completion is the mean of the
  completion of its projects that have one, weighted by total budget when every one of them has a
  budget, else by count; how many projects had none is said beside it.
- Roll-ups read only the milestones of the projects asked about.

Money in a reporting period (万元; see period_money below):
- Where a project has confirmed reports with an amount in a year, that year's 完成投资 is the sum of
  its confirmed periods; otherwise it is the year's completed amount as entered (forms, workbooks).
- 1–N月累计 of a period is that sum over the year's confirmed periods ending on or before it;
  自开始累计 adds the earlier years' 完成投资; 完成年度计划% is 1–N月累计 / 年度计划投资; 序时进度 is
  the share of the year gone by at the period's end (N/12 for month N, N/4 for quarter N).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    func,
    literal,
    literal_column,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session

from tracker.models import (
    Investment,
    Milestone,
    PlanSection,
    Project,
    ReportEntry,
    ReportingPeriod,
    ReportSubmission,
)
from tracker.models.base import Money
from tracker.models.project import project_phases
from tracker.vocab import MilestoneStatus, ProjectStatus, SubmissionStatus

CLOSED_MILESTONE = (MilestoneStatus.DONE, MilestoneStatus.CANCELLED)
DUE_SOON_DAYS = 30

RULE_LABELS = {"budget": "按总投资加权", "count": "按项目数平均"}


def today() -> dt.date:
    return dt.date.today()


def is_open() -> ColumnElement[bool]:
    """SQL condition: the milestone is neither 已完成 nor 已取消 — written out rather than bound, because
    the partial index of open milestones (ix_milestones_open_planned_on) is used only when a query
    states its condition literally."""
    return Milestone.status.not_in([literal_column(f"'{status.value}'") for status in CLOSED_MILESTONE])


def is_overdue(on: dt.date | None = None) -> ColumnElement[bool]:
    """SQL condition: the milestone is overdue on `on` (default today)."""
    return and_(Milestone.planned_on < (on or today()), is_open())


def is_due_within(days: int = DUE_SOON_DAYS, on: dt.date | None = None) -> ColumnElement[bool]:
    """SQL condition: still open and planned between `on` and `days` later."""
    start = on or today()
    return and_(
        Milestone.planned_on >= start,
        Milestone.planned_on <= start + dt.timedelta(days=days),
        is_open(),
    )


def project_completion_select(*where: ColumnElement[bool]) -> Select:
    """project_id, plan_id, total_budget, measured and completion (0..1, None when not measured) of
    the projects matching `where` — reading only those projects' milestones."""
    # Each project's 已完成 and counted milestone weights are kept on its row (migration 0010's triggers).
    done, total = Project.milestone_done_weight, Project.milestone_total_weight
    has_weight = total > 0
    measured = or_(has_weight, Project.status == ProjectStatus.COMPLETED)
    completion = case(
        (has_weight, literal(1.0) * done / total),
        (Project.status == ProjectStatus.COMPLETED, literal(1.0)),
        else_=None,
    )
    return select(
        Project.id.label("project_id"),
        Project.plan_id,
        Project.total_budget,
        case((measured, 1), else_=0).label("measured"),
        completion.label("completion"),
    ).where(*where)


def project_completion(session: Session, *where) -> dict[int, float | None]:
    """Completion percent (0–100, None: 无里程碑) by project id, for the projects matching `where`."""
    rows = session.execute(project_completion_select(*where)).all()
    return {row.project_id: _percent(row.completion) if row.measured else None for row in rows}


@dataclass(frozen=True)
class Completion:
    percent: float | None  # None: none of the projects has milestones to measure
    rule: str  # "budget" or "count"
    projects: int  # projects measured
    unmeasured: int = 0  # projects with no milestones (and not 已完工): not counted

    @property
    def rule_label(self) -> str:
        return RULE_LABELS[self.rule]


NO_PROJECTS = Completion(None, "count", 0)


def group_completion(session: Session, members: Select) -> dict:
    """Completion of groups of projects; `members` selects (key, project_id) pairs."""
    members_sq = members.subquery()
    projects = project_completion_select(Project.id.in_(select(members_sq.c[1]))).subquery()
    return {row[0]: _completion(row) for row in session.execute(_grouped(projects, members_sq))}


def _grouped(projects, members, kind: str | None = None) -> Select:
    """(key, n, unmeasured, rule, ratio) per group of `members` (key, project_id) over per-project
    `projects` — or, with `members` a column of `projects`, per value of that column."""
    if isinstance(members, ColumnElement):
        key, project_id = members, None
    else:
        key, project_id = members.c[0], members.c[1]
    measured = projects.c.measured == 1
    n = func.sum(projects.c.measured)
    unmeasured = func.count(projects.c.project_id) - n
    budgeted = func.sum(case((and_(measured, projects.c.total_budget.is_not(None)), 1), else_=0))
    budget_sum = func.coalesce(func.sum(case((measured, projects.c.total_budget), else_=None)), 0)
    by_budget = and_(n == budgeted, budget_sum > 0)
    percent = case(
        (n == 0, None),
        (
            by_budget,
            func.sum(case((measured, projects.c.completion * projects.c.total_budget), else_=None)) / budget_sum,
        ),
        else_=func.sum(case((measured, projects.c.completion), else_=None)) / n,
    )
    columns = [
        key.label("key"),
        n.label("n"),
        unmeasured.label("unmeasured"),
        case((by_budget, "budget"), else_="count").label("rule"),
        percent.label("ratio"),
    ]
    if kind is not None:
        columns.insert(0, literal(kind).label("kind"))
    if project_id is None:
        return select(*columns).select_from(projects).group_by(key)
    return select(*columns).join(projects, projects.c.project_id == project_id).group_by(key)


def _completion(row) -> Completion:
    return Completion(_percent(row.ratio) if row.n else None, row.rule, int(row.n or 0), int(row.unmeasured or 0))


def plan_rollups(session: Session, plan_id: int, *scope: ColumnElement[bool]) -> dict[str, dict]:
    """The plan's, its stages' and its tree's completion (with sub-sections) from one reading of its
    projects: {"plan": {plan_id: …}, "phase": {phase_id: …}, "section": {section_id: …}}. With a
    `scope` (a condition on Project, e.g. one stage's projects) the tree counts only those, and
    "scope" holds their own completion under the key 0."""
    in_scope = case((and_(*scope), 1), else_=0) if scope else literal(1)
    projects = (
        project_completion_select(Project.plan_id == plan_id)
        .add_columns(Project.section_id, in_scope.label("in_scope"))
        .cte("project_completion")
    )
    # Every grouping reads that one table of the plan's projects, never the projects table again.
    phase_members = (
        select(project_phases.c.phase_id, project_phases.c.project_id)
        .join(projects, projects.c.project_id == project_phases.c.project_id)
        .subquery()
    )
    section_members = _section_members(
        plan_id, projects.c.project_id, projects.c.section_id, projects.c.in_scope == 1
    ).subquery()
    query = union_all(
        _grouped(projects, projects.c.plan_id, "plan"),
        _grouped(projects, phase_members, "phase"),
        _grouped(projects, section_members, "section"),
        _grouped(projects, projects.c.in_scope, "scope").having(projects.c.in_scope == 1),
    )
    result: dict[str, dict] = {"plan": {}, "phase": {}, "section": {}, "scope": {}}
    for row in session.execute(query):
        result[row.kind][0 if row.kind == "scope" else row.key] = _completion(row)
    return result


def plan_completion(session: Session, plan_ids) -> dict[int, Completion]:
    return group_completion(session, select(Project.plan_id, Project.id).where(Project.plan_id.in_(plan_ids)))


def phase_completion(session: Session, phase_ids) -> dict[int, Completion]:
    return group_completion(
        session,
        select(project_phases.c.phase_id, project_phases.c.project_id).where(project_phases.c.phase_id.in_(phase_ids)),
    )


def department_completion(session: Session, department_ids) -> dict[int, Completion]:
    return group_completion(
        session, select(Project.lead_department_id, Project.id).where(Project.lead_department_id.in_(department_ids))
    )


def section_completion(session: Session, plan_id: int, *where: ColumnElement[bool]) -> dict[int, Completion]:
    """Completion of every section of a plan, counting the projects (matching `where`) of its sub-sections too."""
    return group_completion(session, _section_members(plan_id, Project.id, Project.section_id, *where))


def _section_members(plan_id: int, project_id, section_id, *where: ColumnElement[bool]) -> Select:
    """(section id, project id) for every section of the plan and every project in it or below it —
    from the projects table or from a table of projects (plan_rollups'), by its id and section columns."""
    ancestry = (
        select(PlanSection.id.label("section_id"), PlanSection.id.label("ancestor_id"))
        .where(PlanSection.plan_id == plan_id)
        .cte("ancestry", recursive=True)
    )
    parent = (
        select(ancestry.c.section_id, PlanSection.parent_id)
        .join(PlanSection, PlanSection.id == ancestry.c.ancestor_id)
        .where(PlanSection.parent_id.is_not(None))
    )
    ancestry = ancestry.union_all(parent)
    return select(ancestry.c.ancestor_id, project_id).join(ancestry, ancestry.c.section_id == section_id).where(*where)


def _percent(ratio) -> float:
    return round(float(ratio or 0) * 100, 1)


# -- Money in a reporting period -------------------------------------------------------------------


def confirmed_amounts(plan_id: int) -> Select:
    """(project_id, year, ends_on, completed_amount) of every confirmed report entry of the plan."""
    return (
        select(ReportEntry.project_id, ReportingPeriod.year, ReportingPeriod.ends_on, ReportEntry.completed_amount)
        .join(ReportSubmission, ReportSubmission.id == ReportEntry.submission_id)
        .join(ReportingPeriod, ReportingPeriod.id == ReportSubmission.period_id)
        .where(ReportingPeriod.plan_id == plan_id, ReportSubmission.status == SubmissionStatus.CONFIRMED)
    )


def year_completed_from_reports(
    plan_id: int, year: int, up_to: dt.date | None = None, project_ids: list[int] | Select | None = None
) -> Select:
    """(project_id, amount): the sum of a year's confirmed periods ending by `up_to`, per project that
    has a confirmed amount that year (a report with the amount left blank gives no figure, not 0)."""
    entries = confirmed_amounts(plan_id).where(ReportingPeriod.year == year, ReportEntry.completed_amount.is_not(None))
    if project_ids is not None:
        entries = entries.where(ReportEntry.project_id.in_(project_ids))
    entries = entries.subquery()
    amount = (
        entries.c.completed_amount
        if up_to is None
        else case((entries.c.ends_on <= up_to, entries.c.completed_amount), else_=None)
    )
    return select(entries.c.project_id, type_coerce(func.sum(amount), Money()).label("amount")).group_by(
        entries.c.project_id
    )


def period_money(period: ReportingPeriod, *where) -> Select:
    """Per project of the period's plan (matching `where`): 年度计划投资, 本期完成 (as reported in this
    period, whatever the submission's status), 1–N月累计 and 自开始累计完成投资 — the one place these are
    computed. Each sum is taken over the wanted projects only: PostgreSQL cannot push a join's filter into
    a grouped subquery, and 我的工作's 50 projects summed every investment of every plan (23 ms of 130)."""
    plan_id, year = period.plan_id, period.year
    wanted = select(Project.id).where(Project.plan_id == plan_id, *where)
    reported = year_completed_from_reports(plan_id, year, period.ends_on, project_ids=wanted).subquery()
    this_year = (
        select(Investment.project_id, Investment.planned_amount, Investment.completed_amount)
        .where(Investment.year == year, Investment.project_id.in_(wanted))
        .subquery()
    )
    earlier = (
        select(Investment.project_id, type_coerce(func.sum(Investment.completed_amount), Money()).label("amount"))
        .where(Investment.year < year, Investment.project_id.in_(wanted))
        .group_by(Investment.project_id)
        .subquery()
    )
    this_period = (
        select(ReportEntry.project_id, ReportEntry.completed_amount)
        .join(ReportSubmission, ReportSubmission.id == ReportEntry.submission_id)
        .where(ReportSubmission.period_id == period.id, ReportEntry.project_id.in_(wanted))
        .subquery()
    )
    year_completed = type_coerce(
        case((reported.c.project_id.is_not(None), reported.c.amount), else_=this_year.c.completed_amount), Money()
    )
    return (
        select(
            Project.id.label("project_id"),
            Project.lead_department_id,
            this_year.c.planned_amount.label("year_planned"),
            this_period.c.completed_amount.label("period_completed"),
            year_completed.label("year_completed"),
            earlier.c.amount.label("earlier_completed"),
        )
        .outerjoin(reported, reported.c.project_id == Project.id)
        .outerjoin(this_year, this_year.c.project_id == Project.id)
        .outerjoin(earlier, earlier.c.project_id == Project.id)
        .outerjoin(this_period, this_period.c.project_id == Project.id)
        .where(Project.plan_id == plan_id, *where)
    )


@dataclass
class PeriodMoney:
    """Summed money figures of a project or a group of projects in one period."""

    year_planned: Decimal | None = None
    period_completed: Decimal | None = None
    year_completed: Decimal | None = None
    cumulative_completed: Decimal | None = None
    projects: int = 0

    def add(self, other: PeriodMoney) -> None:
        for name in ("year_planned", "period_completed", "year_completed", "cumulative_completed"):
            setattr(self, name, plus(getattr(self, name), getattr(other, name)))
        self.projects += other.projects

    @property
    def plan_share(self) -> Decimal | None:
        """完成年度计划%: 1–N月累计 as a percent of 年度计划投资."""
        return share(self.year_completed, self.year_planned)


def money_by_project(session: Session, period: ReportingPeriod, *where) -> dict[int, tuple[int | None, PeriodMoney]]:
    """project_id → (lead department id, its money in the period); one query."""
    result = {}
    for row in session.execute(period_money(period, *where)):
        cumulative = (
            None
            if row.earlier_completed is None and row.year_completed is None
            else (row.earlier_completed or Decimal(0)) + (row.year_completed or Decimal(0))
        )
        result[row.project_id] = (
            row.lead_department_id,
            PeriodMoney(row.year_planned, row.period_completed, row.year_completed, cumulative, 1),
        )
    return result


def money_by_department(session: Session, period: ReportingPeriod, *where) -> dict[int | None, PeriodMoney]:
    """lead department id → the summed money of its projects (matching `where`) in the period; one query,
    summed in SQL (a plan of 10,000 projects returns a row per department, not per project)."""
    rows = period_money(period, *where).subquery()
    cumulative = case(
        (and_(rows.c.earlier_completed.is_(None), rows.c.year_completed.is_(None)), None),
        else_=func.coalesce(rows.c.earlier_completed, 0) + func.coalesce(rows.c.year_completed, 0),
    )
    query = select(
        rows.c.lead_department_id,
        *(
            type_coerce(func.sum(column), Money())
            for column in (rows.c.year_planned, rows.c.period_completed, rows.c.year_completed, cumulative)
        ),
        func.count(),
    ).group_by(rows.c.lead_department_id)
    return {
        lead: PeriodMoney(planned, this_period, year, total, n)
        for lead, planned, this_period, year, total, n in session.execute(query)
    }


def schedule_share(period: ReportingPeriod) -> Decimal:
    """序时进度: the percent of the year gone by at the period's end (month N: N/12; quarter N: 3N/12)."""
    return (Decimal(period.months_elapsed) * 100 / 12).quantize(Decimal("0.1"))


def share(part: Decimal | None, whole: Decimal | None) -> Decimal | None:
    if part is None or not whole:
        return None
    return (part * 100 / whole).quantize(Decimal("0.1"))


def plus(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    """a + b where a missing figure adds nothing, and two missing figures stay missing."""
    if a is None:
        return b
    return a if b is None else a + b


# -- Where projects stand --------------------------------------------------------------------------

STARTED = (ProjectStatus.IN_PROGRESS, ProjectStatus.COMPLETED)


def start_rate(by_status: dict) -> Decimal | None:
    """开工率: projects 在建 or 已完工, as a percent of all projects except 取消."""
    counted = sum(n for status, n in by_status.items() if status is not ProjectStatus.CANCELLED)
    started = sum(n for status, n in by_status.items() if status in STARTED)
    return share(Decimal(started), Decimal(counted))


@dataclass(frozen=True)
class AsOf:
    """A point in time to take a plan's money at when no reporting period names one: the end of
    last month (so 序时进度 counts whole months, as the periods do)."""

    plan_id: int
    year: int
    ends_on: dt.date
    id: int | None = None  # no period: no 本期 figures

    @property
    def months_elapsed(self) -> int:
        return self.ends_on.month if self.ends_on.year == self.year else 0


def as_of(session: Session, plan_id: int, on: dt.date | None = None):
    """The plan's open reporting period, else its latest one, else the end of last month."""
    period = session.scalar(
        select(ReportingPeriod)
        .where(ReportingPeriod.plan_id == plan_id)
        .order_by((ReportingPeriod.status == "open").desc(), ReportingPeriod.ends_on.desc())
        .limit(1)
    )
    if period is not None:
        return period
    on = on or today()
    return AsOf(plan_id, on.year, on.replace(day=1) - dt.timedelta(days=1))


# -- Indicators ------------------------------------------------------------------------------------

NEAR_SHARE = Decimal("0.95")  # "近100%": reaching 95% of the target counts


def verdict(direction, target: Decimal | None, value: Decimal | None):
    """已达成 / 未达成 / 无数据 for one value against a target. A target given with no words (以上,
    超过, 以内, 近) is read as one to reach: 达到."""
    from tracker.vocab import TargetDirection, Verdict

    if target is None or value is None:
        return Verdict.NO_DATA
    direction = direction or TargetDirection.AT_LEAST
    met = {
        TargetDirection.AT_LEAST: value >= target,
        TargetDirection.ABOVE: value > target,
        TargetDirection.AT_MOST: value <= target,
        TargetDirection.NEAR: value >= target * NEAR_SHARE,
    }[direction]
    return Verdict.MET if met else Verdict.NOT_MET


def indicator_verdict(indicator) -> tuple:
    """(verdict, the value judged, its year): the target year's value, else the latest one before it."""
    values = sorted(indicator.values, key=lambda v: v.year)
    if indicator.target_year is not None:
        values = [v for v in values if v.year <= indicator.target_year]
    judged = values[-1] if values else None
    return (
        verdict(indicator.target_direction, indicator.target_value, judged.value if judged else None),
        judged.value if judged else None,
        judged.year if judged else None,
    )
