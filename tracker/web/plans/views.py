"""Plans, their stages and goals, programme sections and indicators."""
from __future__ import annotations

from flask import Blueprint, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from tracker import progress
from tracker.auth.permissions import requires, visible_plans
from tracker.extensions import db
from tracker.models import Indicator, IndicatorValue, Milestone, Phase, PhaseGoal, Plan, PlanSection, Project
from tracker.models.project import project_phases
from tracker.web.editing import Crud, next_ordinal
from tracker.web.forms import choices
from tracker.web.plans.forms import GoalForm, IndicatorForm, IndicatorValueForm, PhaseForm, PlanForm, SectionForm
from tracker.web.projects.queries import milestone_rows

bp = Blueprint("plans", __name__)


@bp.get("/plans")
@requires("account")
def index():
    plans = db.session.scalars(select(Plan).where(visible_plans(current_user)).order_by(Plan.code)).all()
    completion = progress.plan_completion(db.session, [p.id for p in plans])
    return render_template("plans/index.html", plans=plans, completion=completion)


@bp.get("/plans/<int:plan_id>")
@requires("plan.view", Plan, "plan_id")
def show(plan: Plan):
    session = db.session
    phases = session.scalars(select(Phase).where(Phase.plan_id == plan.id).order_by(Phase.ordinal)).all()
    sections = session.scalars(
        select(PlanSection).where(PlanSection.plan_id == plan.id).order_by(PlanSection.ordinal)
    ).all()
    projects = session.scalars(
        select(Project).where(Project.plan_id == plan.id).options(joinedload(Project.lead_department))
        .order_by(Project.id)
    ).all()
    indicators = session.scalars(
        select(Indicator).where(Indicator.plan_id == plan.id).options(selectinload(Indicator.values))
        .order_by(Indicator.ordinal, Indicator.id)
    ).all()

    children: dict[int | None, list[PlanSection]] = {}
    for section in sections:
        children.setdefault(section.parent_id, []).append(section)
    projects_in: dict[int | None, list[Project]] = {}
    for project in projects:
        projects_in.setdefault(project.section_id, []).append(project)

    return render_template(
        "plans/show.html",
        plan=plan,
        phases=phases,
        children=children,
        projects_in=projects_in,
        indicators=indicators,
        plan_completion=progress.plan_completion(session, [plan.id]).get(plan.id, progress.NO_PROJECTS),
        phase_completion=progress.phase_completion(session, [p.id for p in phases]),
        section_completion=progress.section_completion(session, plan.id),
        project_completion=progress.project_completion(session, Project.plan_id == plan.id),
    )


@bp.get("/phases/<int:phase_id>")
@requires("plan.view", Phase, "phase_id")
def phase(phase: Phase):
    session = db.session
    goals = session.scalars(
        select(PhaseGoal).where(PhaseGoal.phase_id == phase.id)
        .options(selectinload(PhaseGoal.projects)).order_by(PhaseGoal.ordinal)
    ).all()
    in_phase = select(project_phases.c.project_id).where(project_phases.c.phase_id == phase.id)
    projects = session.scalars(
        select(Project).where(Project.id.in_(in_phase)).options(joinedload(Project.lead_department))
        .order_by(Project.id)
    ).all()
    window = [Milestone.project_id.in_(in_phase), Milestone.planned_on.is_not(None)]
    if phase.planned_start_on:
        window.append(Milestone.planned_on >= phase.planned_start_on)
    if phase.planned_end_on:
        window.append(Milestone.planned_on <= phase.planned_end_on)
    return render_template(
        "plans/phase.html",
        phase=phase,
        plan=phase.plan,
        goals=goals,
        projects=projects,
        milestones=milestone_rows(session, *window),
        completion=progress.phase_completion(session, [phase.id]).get(phase.id, progress.NO_PROJECTS),
        project_completion=progress.project_completion(session, Project.id.in_(in_phase)),
    )


def _plan_url(plan: Plan | None) -> str:
    return url_for("plans.show", plan_id=plan.id) if plan else url_for("plans.index")


def _section_choices(form: SectionForm, plan: Plan) -> None:
    sections = db.session.scalars(
        select(PlanSection).where(PlanSection.plan_id == plan.id).order_by(PlanSection.ordinal)
    ).all()
    form.parent_id.choices = choices(((s.id, str(s)) for s in sections), "（顶层）")


def _next_ordinal(column, parent_column):
    def prepare(form, parent):
        form.ordinal.data = next_ordinal(column, parent_column == parent.id)
    return prepare


Crud("plan", Plan, PlanForm, "规划", show_url=_plan_url, parent_url=lambda _: url_for("plans.index")).register(bp)
Crud("phase", Phase, PhaseForm, "阶段", show_url=lambda p: url_for("plans.phase", phase_id=p.id),
     parent_model=Plan, parent_attr="plan", parent_url=_plan_url,
     prepare=_next_ordinal(Phase.ordinal, Phase.plan_id)).register(bp, "plan")
Crud("goal", PhaseGoal, GoalForm, "阶段目标", show_url=lambda g: url_for("plans.phase", phase_id=g.phase_id),
     parent_model=Phase, parent_attr="phase", parent_url=lambda p: url_for("plans.phase", phase_id=p.id),
     prepare=_next_ordinal(PhaseGoal.ordinal, PhaseGoal.phase_id)).register(bp, "phase")
Crud("section", PlanSection, SectionForm, "工程/任务", show_url=lambda s: url_for("plans.show", plan_id=s.plan_id),
     parent_model=Plan, parent_attr="plan", parent_url=_plan_url, setup=_section_choices,
     prepare=lambda form, plan: setattr(form.ordinal, "data", 1)).register(bp, "plan")
Crud("indicator", Indicator, IndicatorForm, "指标", show_url=lambda i: url_for("plans.show", plan_id=i.plan_id),
     parent_model=Plan, parent_attr="plan", parent_url=_plan_url,
     prepare=_next_ordinal(Indicator.ordinal, Indicator.plan_id)).register(bp, "plan")
Crud("indicator_value", IndicatorValue, IndicatorValueForm, "指标实际值",
     show_url=lambda v: url_for("plans.show", plan_id=v.indicator.plan_id),
     parent_model=Indicator, parent_attr="indicator",
     parent_url=lambda i: url_for("plans.show", plan_id=i.plan_id)).register(bp, "indicator")
