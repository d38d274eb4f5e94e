"""The 驾驶舱's figures for one plan and stage, in a fixed number of queries whatever the plan's size.

Every rule comes from tracker/progress.py (completion, overdue, money, 开工率, 序时进度); this module
only picks the scope (a plan, or one stage of it) and gathers.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session, joinedload

from tracker import progress
from tracker.models import (
    Department,
    Milestone,
    Phase,
    PhaseGoal,
    Plan,
    PlanSection,
    Project,
    ReportEntry,
    ReportSubmission,
)
from tracker.models.project import goal_projects, project_phases
from tracker.vocab import PeriodStatus, ProjectStatus, SubmissionStatus

LATE_LIST_LIMIT = 30


def current_phase(phases: list[Phase], today: dt.date) -> Phase | None:
    """The stage whose window holds today, else the latest one begun, else the first."""
    for phase in phases:
        if phase.planned_start_on and phase.planned_end_on and phase.planned_start_on <= today <= phase.planned_end_on:
            return phase
    begun = [p for p in phases if p.planned_start_on and p.planned_start_on <= today]
    if begun:
        return max(begun, key=lambda p: p.planned_start_on)
    return phases[0] if phases else None


@dataclass
class DepartmentRow:
    department_id: int | None
    name: str
    projects: int = 0
    budget: Decimal | None = None
    by_status: dict = field(default_factory=dict)
    money: progress.PeriodMoney = field(default_factory=progress.PeriodMoney)
    overdue: int = 0
    report: SubmissionStatus | None = None

    @property
    def start_rate(self) -> Decimal | None:
        return progress.start_rate(self.by_status)

    @property
    def plan_share(self) -> Decimal | None:
        return self.money.plan_share


@dataclass
class StageCard:
    phase: Phase
    completion: progress.Completion
    goals: int
    goals_met: int  # goals whose projects are all 已完工


@dataclass
class LateMilestone:
    milestone: Milestone
    days_late: int
    note: str | None  # the newest report's 形象进度 / 存在问题 for the project


class Headline:
    """What the 驾驶舱 and the 通报 both say from `by_status`, `money` and `schedule`."""

    by_status: dict
    money: progress.PeriodMoney
    schedule: Decimal

    @property
    def started(self) -> int:
        return sum(n for status, n in self.by_status.items() if status in progress.STARTED)

    @property
    def start_rate(self) -> Decimal | None:
        return progress.start_rate(self.by_status)

    @property
    def gap(self) -> Decimal | None:
        """完成年度计划% minus 序时进度, in percentage points (negative: behind)."""
        share = self.money.plan_share
        return None if share is None else share - self.schedule


@dataclass
class Dashboard(Headline):
    plan: Plan
    phase: Phase | None
    as_of: object  # a ReportingPeriod or progress.AsOf
    schedule: Decimal
    by_status: dict
    projects: int
    budget: Decimal | None
    money: progress.PeriodMoney
    overdue: int
    unreported: int | None  # departments 未报/退回 in the open period (None: no open period)
    without_lead: int
    without_milestones: int
    stages: list[StageCard]
    sections: dict  # section id → Completion
    tree: list  # (section, depth) in the tree's order
    departments: list[DepartmentRow]
    late: list[LateMilestone]
    monthly: list[tuple[int, Decimal | None]]  # month → confirmed 完成投资 that month

    def cumulative_lines(self) -> tuple[list, list]:
        """The year's plan spread evenly over the months (序时), and the confirmed 完成投资 added up month by
        month — from the first month with a confirmed report to the last."""
        planned = self.money.year_planned
        planned_line = [None if planned is None else (planned * m / 12).quantize(Decimal("0.01")) for m in range(1, 13)]
        reported = [m for m, amount in self.monthly if amount is not None]
        first, last = (min(reported), max(reported)) if reported else (13, 0)
        total, completed_line = Decimal(0), []
        for month, amount in self.monthly:
            total += amount or 0
            completed_line.append(total if first <= month <= last else None)
        return planned_line, completed_line


def scope_condition(plan: Plan, phase: Phase | None) -> ColumnElement[bool]:
    condition = Project.plan_id == plan.id
    if phase is not None:
        condition = and_(
            condition, Project.id.in_(select(project_phases.c.project_id).where(project_phases.c.phase_id == phase.id))
        )
    return condition


def build(
    session: Session,
    plan: Plan,
    phases: list[Phase],
    phase: Phase | None,
    today: dt.date | None = None,
    when=None,
    *,
    with_progress: bool = True,
) -> Dashboard:
    """`when`: the reporting period the figures are for (default: the plan's open or latest one).
    `with_progress` False: the headline, league and late list only (the 通报), without the stage cards,
    the tree's completion and the month-by-month money the 驾驶舱 also shows."""
    today = today or progress.today()
    scope = scope_condition(plan, phase)
    when = when or progress.as_of(session, plan.id, today)

    rows: dict[int | None, DepartmentRow] = {}

    def row_for(department_id):
        if department_id not in rows:
            rows[department_id] = DepartmentRow(department_id, "")
        return rows[department_id]

    by_status: dict = defaultdict(int)
    budget_total: Decimal | None = None
    projects = 0
    for lead, status, count, budget in session.execute(
        select(Project.lead_department_id, Project.status, func.count(), func.sum(Project.total_budget))
        .where(scope)
        .group_by(Project.lead_department_id, Project.status)
    ):
        row = row_for(lead)
        row.projects += count
        row.by_status[status] = row.by_status.get(status, 0) + count
        budget = Decimal(budget).quantize(Decimal("0.01")) if budget is not None else None
        row.budget = progress.plus(row.budget, budget)
        by_status[status] += count
        budget_total = progress.plus(budget_total, budget)
        projects += count
    money = progress.PeriodMoney()
    for lead, figures in progress.money_by_department(session, when, scope).items():
        row_for(lead).money.add(figures)
        money.add(figures)
    overdue = 0
    for lead, count in session.execute(
        select(Project.lead_department_id, func.count(Milestone.id))
        .join(Milestone.project)
        .where(scope, progress.is_overdue(today))
        .group_by(Project.lead_department_id)
    ):
        row_for(lead).overdue = count
        overdue += count
    unreported = None
    if getattr(when, "status", None) is PeriodStatus.OPEN:
        statuses = dict(
            session.execute(
                select(ReportSubmission.department_id, ReportSubmission.status).where(
                    ReportSubmission.period_id == when.id
                )
            ).all()
        )
        for department_id, row in rows.items():
            row.report = statuses.get(department_id)
        unreported = sum(
            1 for d, s in statuses.items() if d in rows and s in (SubmissionStatus.PENDING, SubmissionStatus.RETURNED)
        )
    names = dict(
        session.execute(
            select(Department.id, Department.name).where(Department.id.in_([d for d in rows if d is not None] or [-1]))
        ).all()
    )
    for department_id, row in rows.items():
        row.name = names.get(department_id, "（未定责任单位）")
    if with_progress:
        rollups = progress.plan_rollups(session, plan.id, scope)  # one reading of the plan's projects
    else:
        rollups = {"scope": {}, "phase": {}, "section": {}}
    without_milestones = rollups["scope"].get(0, progress.NO_PROJECTS).unmeasured

    return Dashboard(
        plan=plan,
        phase=phase,
        as_of=when,
        schedule=progress.schedule_share(when),
        by_status=dict(by_status),
        projects=projects,
        budget=budget_total,
        money=money,
        overdue=overdue,
        unreported=unreported,
        without_lead=rows[None].projects if None in rows else 0,
        without_milestones=without_milestones,
        stages=_stage_cards(session, phases, rollups["phase"]) if with_progress else [],
        sections=rollups["section"],
        tree=_tree(session, plan) if with_progress else [],
        departments=[r for d, r in rows.items() if d is not None] + ([rows[None]] if None in rows else []),
        late=_late(session, scope, today),
        monthly=_monthly(session, plan, when) if with_progress else [],
    )


def _stage_cards(session: Session, phases: list[Phase], completion: dict) -> list[StageCard]:
    ids = [p.id for p in phases]
    goal_projects_done = (
        select(
            PhaseGoal.phase_id,
            PhaseGoal.id,
            func.count(goal_projects.c.project_id).label("projects"),
            func.sum(case((Project.status == ProjectStatus.COMPLETED, 1), else_=0)).label("done"),
        )
        .outerjoin(goal_projects, goal_projects.c.goal_id == PhaseGoal.id)
        .outerjoin(Project, Project.id == goal_projects.c.project_id)
        .where(PhaseGoal.phase_id.in_(ids or [-1]))
        .group_by(PhaseGoal.phase_id, PhaseGoal.id)
    )
    goals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for phase_id, _goal_id, n, done in session.execute(goal_projects_done):
        goals[phase_id][0] += 1
        goals[phase_id][1] += 1 if n and done == n else 0
    return [StageCard(p, completion.get(p.id, progress.NO_PROJECTS), goals[p.id][0], goals[p.id][1]) for p in phases]


def _tree(session: Session, plan: Plan) -> list[tuple[PlanSection, int]]:
    sections = session.scalars(
        select(PlanSection).where(PlanSection.plan_id == plan.id).order_by(PlanSection.ordinal, PlanSection.id)
    ).all()
    children: dict[int | None, list[PlanSection]] = defaultdict(list)
    for section in sections:
        children[section.parent_id].append(section)
    ordered: list[tuple[PlanSection, int]] = []

    def walk(parent_id, depth):
        for section in children.get(parent_id, []):
            ordered.append((section, depth))
            walk(section.id, depth + 1)

    walk(None, 0)
    return ordered


def _late(session: Session, scope, today: dt.date) -> list[LateMilestone]:
    """The most overdue milestones first, each with its project's newest report note; two queries."""
    milestones = session.scalars(
        select(Milestone)
        .join(Milestone.project)
        .where(scope, progress.is_overdue(today))
        .options(joinedload(Milestone.project).joinedload(Project.lead_department))
        .order_by(Milestone.planned_on, Milestone.id)
        .limit(LATE_LIST_LIMIT)
    ).all()
    project_ids = {m.project_id for m in milestones}
    newest = (
        select(ReportEntry.project_id, func.max(ReportEntry.id).label("id"))
        .where(ReportEntry.project_id.in_(project_ids or [-1]))
        .group_by(ReportEntry.project_id)
        .subquery()
    )
    notes = {
        pid: " ".join(t for t in (text, issues) if t) or None
        for pid, text, issues in session.execute(
            select(ReportEntry.project_id, ReportEntry.progress_text, ReportEntry.issues).join(
                newest, newest.c.id == ReportEntry.id
            )
        )
    }
    return [LateMilestone(m, (today - m.planned_on).days, notes.get(m.project_id)) for m in milestones]


def _monthly(session: Session, plan: Plan, when) -> list[tuple[int, Decimal | None]]:
    """Confirmed 完成投资 by month of the year (from the reporting periods); months not reported: None."""
    from tracker.models import ReportingPeriod

    amounts: dict[int, Decimal] = {}
    for ends_on, amount in session.execute(
        select(ReportingPeriod.ends_on, func.sum(ReportEntry.completed_amount))
        .join(ReportSubmission, ReportSubmission.period_id == ReportingPeriod.id)
        .join(ReportEntry, ReportEntry.submission_id == ReportSubmission.id)
        .where(
            ReportingPeriod.plan_id == plan.id,
            ReportingPeriod.year == when.year,
            ReportSubmission.status == SubmissionStatus.CONFIRMED,
        )
        .group_by(ReportingPeriod.ends_on)
    ):
        amounts[ends_on.month] = Decimal(amount).quantize(Decimal("0.01")) if amount is not None else Decimal(0)
    return [(month, amounts.get(month)) for month in range(1, 13)]
