"""Plans, their stages and goals, programme sections and indicators."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from tracker import progress
from tracker.auth.permissions import requires, visible_plans
from tracker.extensions import db
from tracker.models import (
    Indicator,
    IndicatorValue,
    Milestone,
    Phase,
    PhaseGoal,
    Plan,
    PlanEvent,
    PlanSection,
    Project,
)
from tracker.models.project import goal_projects, project_phases
from tracker.web import page_cache
from tracker.web.arguments import page_arg, page_count
from tracker.web.editing import Crud, next_ordinal
from tracker.web.forms import choices, section_tree_choices
from tracker.web.plans.forms import (
    GoalForm,
    IndicatorForm,
    IndicatorValueForm,
    PhaseForm,
    PlanEventForm,
    PlanForm,
    SectionForm,
)
from tracker.web.projects.queries import milestone_ids, milestone_rows

bp = Blueprint("plans", __name__)

PER_SECTION = 10  # projects listed under a node of the tree (or a goal); the rest behind a link
PER_PAGE = 50


@bp.get("/plans")
@requires("account")
def index():
    plans = db.session.scalars(select(Plan).where(visible_plans(current_user)).order_by(Plan.code)).all()
    completion = progress.plan_completion(db.session, [p.id for p in plans])
    return render_template("plans/index.html", plans=plans, completion=completion)


@bp.get("/plans/<int:plan_id>")
@requires("plan.view", Plan, "plan_id")
def show(plan: Plan):
    """The plan: stages, the programme tree with up to PER_SECTION projects under each node (and a link
    to the rest), indicators. Bounded whatever the plan's size."""
    session = db.session
    phases = session.scalars(select(Phase).where(Phase.plan_id == plan.id).order_by(Phase.ordinal)).all()
    sections = session.scalars(
        select(PlanSection).where(PlanSection.plan_id == plan.id).order_by(PlanSection.ordinal)
    ).all()
    place = func.row_number().over(partition_by=Project.section_id, order_by=Project.id).label("place")
    shown = select(Project.id, place).where(Project.plan_id == plan.id).subquery()
    projects = session.scalars(
        select(Project)
        .join(shown, shown.c.id == Project.id)
        .where(shown.c.place <= PER_SECTION)
        .options(joinedload(Project.lead_department))
        .order_by(Project.id)
    ).all()
    counts = dict(
        session.execute(
            select(Project.section_id, func.count()).where(Project.plan_id == plan.id).group_by(Project.section_id)
        ).all()
    )
    indicators = session.scalars(
        select(Indicator)
        .where(Indicator.plan_id == plan.id)
        .options(
            selectinload(Indicator.values),
            selectinload(Indicator.section),
            selectinload(Indicator.goal).selectinload(PhaseGoal.phase),
            selectinload(Indicator.project),
        )
        .order_by(Indicator.ordinal, Indicator.id)
    ).all()
    events = session.scalars(
        select(PlanEvent).where(PlanEvent.plan_id == plan.id).order_by(PlanEvent.occurred_on, PlanEvent.ordinal)
    ).all()

    # the plan, its stages and its tree: one reading, kept until the data changes
    rollups = page_cache.kept(("plan_rollups", plan.id), lambda: progress.plan_rollups(session, plan.id))
    children: dict[int | None, list[PlanSection]] = {}
    for section in sections:
        children.setdefault(section.parent_id, []).append(section)
    projects_in: dict[int | None, list[Project]] = {}
    for project in projects:
        projects_in.setdefault(project.section_id, []).append(project)

    return render_template(
        "plans/show.html",
        plan=plan,
        events=events,
        phases=phases,
        children=children,
        projects_in=projects_in,
        more_in={key: n - len(projects_in.get(key, [])) for key, n in counts.items()},
        indicators=indicators,
        plan_completion=rollups["plan"].get(plan.id, progress.NO_PROJECTS),
        phase_completion=rollups["phase"],
        section_completion=rollups["section"],
        project_completion=progress.project_completion(session, Project.id.in_([p.id for p in projects])),
    )


@bp.get("/phases/<int:phase_id>")
@requires("plan.view", Phase, "phase_id")
def phase(phase: Phase):
    """A stage: its goals (with a few of their projects), its projects and milestones, paged."""
    session = db.session
    goals = session.scalars(select(PhaseGoal).where(PhaseGoal.phase_id == phase.id).order_by(PhaseGoal.ordinal)).all()
    goal_counts = dict(
        session.execute(
            select(goal_projects.c.goal_id, func.count())
            .where(goal_projects.c.goal_id.in_([g.id for g in goals] or [-1]))
            .group_by(goal_projects.c.goal_id)
        ).all()
    )
    place = func.row_number().over(partition_by=goal_projects.c.goal_id, order_by=goal_projects.c.project_id)
    sample = (
        select(goal_projects.c.goal_id, goal_projects.c.project_id, place.label("place"))
        .where(goal_projects.c.goal_id.in_([g.id for g in goals] or [-1]))
        .subquery()
    )
    goal_samples: dict[int, list[Project]] = {}
    for goal_id, project in session.execute(
        select(sample.c.goal_id, Project)
        .join(Project, Project.id == sample.c.project_id)
        .where(sample.c.place <= PER_SECTION)
        .order_by(Project.id)
    ):
        goal_samples.setdefault(goal_id, []).append(project)
    in_phase = select(project_phases.c.project_id).where(project_phases.c.phase_id == phase.id)
    page, milestone_page = page_arg("page"), page_arg("milestones_page")
    total = session.scalar(select(func.count()).select_from(in_phase.subquery()))
    projects = session.scalars(
        select(Project)
        .where(Project.id.in_(in_phase))
        .options(joinedload(Project.lead_department))
        .order_by(Project.id)
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    ).all()
    window = [Milestone.project_id.in_(in_phase), Milestone.planned_on.is_not(None)]
    if phase.planned_start_on:
        window.append(Milestone.planned_on >= phase.planned_start_on)
    if phase.planned_end_on:
        window.append(Milestone.planned_on <= phase.planned_end_on)
    milestone_total = page_cache.kept(
        ("phase_milestones", phase.id), lambda: session.scalar(select(func.count(Milestone.id)).where(*window))
    )
    # The page's milestones: which ones (a sort of the stage's milestones) is kept until the data changes.
    shown_milestones = page_cache.kept(
        ("phase_milestone_page", phase.id, milestone_page),
        lambda: session.scalars(
            milestone_ids(*window, order_overdue_first=True, limit=PER_PAGE, offset=(milestone_page - 1) * PER_PAGE)
        ).all(),
    )
    shown_ids = [p.id for p in projects] + [p.id for ps in goal_samples.values() for p in ps]
    return render_template(
        "plans/phase.html",
        phase=phase,
        plan=phase.plan,
        goals=goals,
        goal_samples=goal_samples,
        goal_counts=goal_counts,
        projects=projects,
        page=page,
        pages=page_count(total, PER_PAGE),
        total=total,
        milestones=milestone_rows(session, Milestone.id.in_(shown_milestones), order_overdue_first=True),
        milestone_page=milestone_page,
        milestone_pages=page_count(milestone_total, PER_PAGE),
        milestone_total=milestone_total,
        completion=page_cache.kept(
            ("phase_completion", phase.id),
            lambda: progress.phase_completion(session, [phase.id]).get(phase.id, progress.NO_PROJECTS),
        ),
        project_completion=progress.project_completion(session, Project.id.in_(shown_ids)),
    )


def _plan_url(plan: Plan | None) -> str:
    return url_for("plans.show", plan_id=plan.id) if plan else url_for("plans.index")


def _section_choices(form: SectionForm, plan: Plan) -> None:
    form.parent_id.choices = choices(section_tree_choices(plan), "（顶层）")


def _next_ordinal(column, parent_column):
    def prepare(form, parent):
        form.ordinal.data = next_ordinal(column, parent_column == parent.id)

    return prepare


Crud("plan", Plan, PlanForm, "规划", show_url=_plan_url, parent_url=lambda _: url_for("plans.index")).register(bp)
Crud(
    "phase",
    Phase,
    PhaseForm,
    "阶段",
    show_url=lambda p: url_for("plans.phase", phase_id=p.id),
    parent_model=Plan,
    parent_attr="plan",
    parent_url=_plan_url,
    prepare=_next_ordinal(Phase.ordinal, Phase.plan_id),
).register(bp, "plan")
Crud(
    "goal",
    PhaseGoal,
    GoalForm,
    "阶段目标",
    show_url=lambda g: url_for("plans.phase", phase_id=g.phase_id),
    parent_model=Phase,
    parent_attr="phase",
    parent_url=lambda p: url_for("plans.phase", phase_id=p.id),
    prepare=_next_ordinal(PhaseGoal.ordinal, PhaseGoal.phase_id),
).register(bp, "phase")
Crud(
    "section",
    PlanSection,
    SectionForm,
    "工程/任务",
    show_url=lambda s: url_for("plans.show", plan_id=s.plan_id),
    parent_model=Plan,
    parent_attr="plan",
    parent_url=_plan_url,
    setup=_section_choices,
    prepare=lambda form, plan: setattr(form.ordinal, "data", 1),
).register(bp, "plan")


def _indicator_choices(form: IndicatorForm, plan: Plan) -> None:
    form.section_id.choices = choices(section_tree_choices(plan), "—")
    goals = db.session.execute(
        select(PhaseGoal.id, Phase.ordinal, PhaseGoal.ordinal, PhaseGoal.text)
        .join(Phase)
        .where(Phase.plan_id == plan.id)
        .order_by(Phase.ordinal, PhaseGoal.ordinal)
    ).all()
    form.goal_id.choices = choices(((g[0], f"第{g[1]}阶段 {g[2]}. {g[3][:40]}") for g in goals), "—")


Crud(
    "indicator",
    Indicator,
    IndicatorForm,
    "指标",
    show_url=lambda i: url_for("plans.show", plan_id=i.plan_id),
    parent_model=Plan,
    parent_attr="plan",
    parent_url=_plan_url,
    setup=_indicator_choices,
    prepare=_next_ordinal(Indicator.ordinal, Indicator.plan_id),
).register(bp, "plan")
Crud(
    "event",
    PlanEvent,
    PlanEventForm,
    "大事记",
    show_url=lambda e: url_for("plans.show", plan_id=e.plan_id) + "#events",
    parent_model=Plan,
    parent_attr="plan",
    parent_url=_plan_url,
).register(bp, "plan")
Crud(
    "indicator_value",
    IndicatorValue,
    IndicatorValueForm,
    "指标实际值",
    show_url=lambda v: url_for("plans.show", plan_id=v.indicator.plan_id),
    parent_model=Indicator,
    parent_attr="indicator",
    parent_url=lambda i: url_for("plans.show", plan_id=i.plan_id),
).register(bp, "indicator")
