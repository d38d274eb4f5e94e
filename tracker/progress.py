"""Completion and lateness, defined once and computed in SQL (a fixed number of queries).

- A milestone is overdue when its planned date is before today and it is neither 已完成 nor 已取消.
- A project's completion is the share of the weight of its non-cancelled milestones that are 已完成;
  with no such milestone it is 100% when the project is 已完工 and 0% otherwise.
- A stage's, section's (with its sub-sections), department's or plan's completion is the mean of its
  projects' completion, weighted by total budget when every one of them has a budget, else by count.

Money in a reporting period (万元; see period_money below):
- Where a project has confirmed reports in a year, that year's 完成投资 is the sum of its confirmed
  periods; otherwise it is the year's completed amount as entered (forms, workbooks).
- 1–N月累计 of a period is that sum over the year's confirmed periods ending on or before it;
  自开始累计 adds the earlier years' 完成投资; 完成年度计划% is 1–N月累计 / 年度计划投资; 序时进度 is
  the share of the year gone by at the period's end (N/12 for month N, N/4 for quarter N).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from decimal import Decimal

from sqlalchemy import ColumnElement, Select, and_, case, func, literal, select, type_coerce
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


def is_overdue(on: dt.date | None = None) -> ColumnElement[bool]:
    """SQL condition: the milestone is overdue on `on` (default today)."""
    return and_(Milestone.planned_on < (on or today()), Milestone.status.not_in(CLOSED_MILESTONE))


def is_due_within(days: int = DUE_SOON_DAYS, on: dt.date | None = None) -> ColumnElement[bool]:
    """SQL condition: still open and planned between `on` and `days` later."""
    start = on or today()
    return and_(
        Milestone.planned_on >= start,
        Milestone.planned_on <= start + dt.timedelta(days=days),
        Milestone.status.not_in(CLOSED_MILESTONE),
    )


def project_completion_select() -> Select:
    """project_id, plan_id, total_budget and completion (0..1) of every project."""
    weights = (
        select(
            Milestone.project_id,
            func.sum(case((Milestone.status == MilestoneStatus.DONE, Milestone.weight), else_=0)).label("done"),
            func.sum(case((Milestone.status != MilestoneStatus.CANCELLED, Milestone.weight), else_=0)).label("total"),
        )
        .group_by(Milestone.project_id)
        .subquery()
    )
    completion = case(
        (func.coalesce(weights.c.total, 0) > 0, literal(1.0) * weights.c.done / weights.c.total),
        (Project.status == ProjectStatus.COMPLETED, literal(1.0)),
        else_=literal(0.0),
    )
    return select(
        Project.id.label("project_id"),
        Project.plan_id,
        Project.total_budget,
        completion.label("completion"),
    ).outerjoin(weights, weights.c.project_id == Project.id)


def project_completion(session: Session, *where) -> dict[int, float]:
    """Completion percent (0–100) by project id, for the projects matching `where`."""
    rows = session.execute(project_completion_select().where(*where)).all()
    return {row.project_id: _percent(row.completion) for row in rows}


@dataclass(frozen=True)
class Completion:
    percent: float
    rule: str  # "budget" or "count"
    projects: int

    @property
    def rule_label(self) -> str:
        return RULE_LABELS[self.rule]


NO_PROJECTS = Completion(0.0, "count", 0)


def group_completion(session: Session, members: Select) -> dict:
    """Completion of groups of projects; `members` selects (key, project_id) pairs."""
    members_sq = members.subquery()
    key, project_id = members_sq.c[0], members_sq.c[1]
    projects = project_completion_select().subquery()
    n = func.count(projects.c.project_id)
    budgeted = func.count(projects.c.total_budget)
    budget_sum = func.coalesce(func.sum(projects.c.total_budget), 0)
    by_budget = and_(n == budgeted, budget_sum > 0)
    percent = case(
        (by_budget, func.sum(projects.c.completion * projects.c.total_budget) / budget_sum),
        else_=func.sum(projects.c.completion) / n,
    )
    query = (
        select(key, n.label("n"), case((by_budget, "budget"), else_="count").label("rule"), percent.label("ratio"))
        .join(projects, projects.c.project_id == project_id)
        .group_by(key)
    )
    return {row[0]: Completion(_percent(row.ratio), row.rule, row.n) for row in session.execute(query)}


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


def section_completion(session: Session, plan_id: int) -> dict[int, Completion]:
    """Completion of every section of a plan, counting the projects of its sub-sections too."""
    ancestry = (
        select(PlanSection.id.label("section_id"), PlanSection.id.label("ancestor_id"))
        .where(PlanSection.plan_id == plan_id)
        .cte("ancestry", recursive=True)
    )
    parent = select(ancestry.c.section_id, PlanSection.parent_id).join(
        PlanSection, PlanSection.id == ancestry.c.ancestor_id
    ).where(PlanSection.parent_id.is_not(None))
    ancestry = ancestry.union_all(parent)
    members = select(ancestry.c.ancestor_id, Project.id).join(ancestry, ancestry.c.section_id == Project.section_id)
    return group_completion(session, members)


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


def year_completed_from_reports(plan_id: int, year: int, up_to: dt.date | None = None,
                                project_ids: list[int] | None = None) -> Select:
    """(project_id, amount): the sum of a year's confirmed periods ending by `up_to`, per project that
    has any confirmed report that year."""
    entries = confirmed_amounts(plan_id).where(ReportingPeriod.year == year)
    if project_ids is not None:
        entries = entries.where(ReportEntry.project_id.in_(project_ids))
    entries = entries.subquery()
    amount = entries.c.completed_amount if up_to is None else \
        case((entries.c.ends_on <= up_to, entries.c.completed_amount), else_=None)
    return select(entries.c.project_id, type_coerce(func.sum(amount), Money()).label("amount")) \
        .group_by(entries.c.project_id)


def period_money(period: ReportingPeriod) -> Select:
    """Per project of the period's plan: 年度计划投资, 本期完成 (as reported in this period, whatever the
    submission's status), 1–N月累计 and 自开始累计完成投资 — the one place these are computed."""
    plan_id, year = period.plan_id, period.year
    reported = year_completed_from_reports(plan_id, year, period.ends_on).subquery()
    this_year = select(Investment.project_id, Investment.planned_amount, Investment.completed_amount) \
        .where(Investment.year == year).subquery()
    earlier = select(Investment.project_id,
                     type_coerce(func.sum(Investment.completed_amount), Money()).label("amount")) \
        .where(Investment.year < year).group_by(Investment.project_id).subquery()
    this_period = select(ReportEntry.project_id, ReportEntry.completed_amount) \
        .join(ReportSubmission, ReportSubmission.id == ReportEntry.submission_id) \
        .where(ReportSubmission.period_id == period.id).subquery()
    year_completed = type_coerce(
        case((reported.c.project_id.is_not(None), reported.c.amount), else_=this_year.c.completed_amount), Money())
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
        .where(Project.plan_id == plan_id)
    )


@dataclass
class PeriodMoney:
    """Summed money figures of a project or a group of projects in one period."""

    year_planned: Decimal | None = None
    period_completed: Decimal | None = None
    year_completed: Decimal | None = None
    cumulative_completed: Decimal | None = None
    projects: int = 0

    def add(self, other: "PeriodMoney") -> None:
        for name in ("year_planned", "period_completed", "year_completed", "cumulative_completed"):
            setattr(self, name, _plus(getattr(self, name), getattr(other, name)))
        self.projects += other.projects

    @property
    def plan_share(self) -> Decimal | None:
        """完成年度计划%: 1–N月累计 as a percent of 年度计划投资."""
        return share(self.year_completed, self.year_planned)


def money_by_project(session: Session, period: ReportingPeriod, *where) -> dict[int, tuple[int | None, PeriodMoney]]:
    """project_id → (lead department id, its money in the period); one query."""
    result = {}
    for row in session.execute(period_money(period).where(*where)):
        cumulative = None if row.earlier_completed is None and row.year_completed is None else \
            (row.earlier_completed or Decimal(0)) + (row.year_completed or Decimal(0))
        result[row.project_id] = (row.lead_department_id, PeriodMoney(row.year_planned, row.period_completed,
                                                                 row.year_completed, cumulative, 1))
    return result


def schedule_share(period: ReportingPeriod) -> Decimal:
    """序时进度: the percent of the year gone by at the period's end (month N: N/12; quarter N: 3N/12)."""
    return (Decimal(period.months_elapsed) * 100 / 12).quantize(Decimal("0.1"))


def share(part: Decimal | None, whole: Decimal | None) -> Decimal | None:
    if part is None or not whole:
        return None
    return (part * 100 / whole).quantize(Decimal("0.1"))


def _plus(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    if a is None:
        return b
    return a if b is None else a + b
