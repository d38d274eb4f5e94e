"""Completion and lateness, defined once and computed in SQL (a fixed number of queries).

- A milestone is overdue when its planned date is before today and it is neither 已完成 nor 已取消.
- A project's completion is the share of the weight of its non-cancelled milestones that are 已完成;
  with no such milestone it is 100% when the project is 已完工 and 0% otherwise.
- A stage's, section's (with its sub-sections), department's or plan's completion is the mean of its
  projects' completion, weighted by total budget when every one of them has a budget, else by count.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, case, func, literal, select
from sqlalchemy.orm import Session

from tracker.models import Milestone, PlanSection, Project
from tracker.models.project import project_phases
from tracker.vocab import MilestoneStatus, ProjectStatus

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
