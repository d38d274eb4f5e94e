"""Projects: search, the project page, and their milestones and investments."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker import progress
from tracker.auth.permissions import requires, visible_plans
from tracker.extensions import db
from tracker.models import Department, Investment, InvestmentFunding, Milestone, Phase, Plan, Project, ProjectRole
from tracker.services.progress_updates import update_milestone_progress
from tracker.vocab import ProjectStage, ProjectStatus
from tracker.web import editing
from tracker.web.arguments import int_arg, number, page_arg
from tracker.web.editing import Crud, next_ordinal
from tracker.web.forms import choices, department_choices, section_tree_choices
from tracker.web.history import project_history
from tracker.web.projects.forms import (
    FundingForm,
    InvestmentForm,
    InvestmentProgressForm,
    MilestoneForm,
    MilestoneProgressForm,
    ProjectForm,
    ProjectProgressForm,
    ProjectRoleForm,
)
from tracker.web.projects.queries import ProjectFilter, milestone_rows, search_projects
from tracker.web.urls import safe_next_url

bp = Blueprint("projects", __name__)

PER_PAGE = 50


def _vocab_arg(name: str, vocab):
    value = request.args.get(name, "")
    try:
        return vocab(value) if value else None
    except ValueError:
        return None


@bp.get("/projects")
@requires("account")
def index():
    filters = ProjectFilter(
        q=request.args.get("q", "").strip(),
        plan_id=int_arg("plan"),
        department_id=int_arg("department"),
        status=_vocab_arg("status", ProjectStatus),
        stage=_vocab_arg("stage", ProjectStage),
        phase_id=int_arg("phase"),
        section_id=int_arg("section"),
        no_section=request.args.get("section") == "none",
        overdue=request.args.get("overdue") == "1",
    )
    page = page_arg()
    projects, total = search_projects(db.session, filters, visible_plans(current_user), page, PER_PAGE)
    plans = db.session.scalars(select(Plan).where(visible_plans(current_user)).order_by(Plan.code)).all()
    phases = (
        db.session.scalars(select(Phase).where(Phase.plan_id == filters.plan_id).order_by(Phase.ordinal)).all()
        if filters.plan_id
        else []
    )
    departments = db.session.scalars(select(Department).order_by(Department.name)).all()
    return render_template(
        "projects/index.html",
        projects=projects,
        total=total,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        filters=filters,
        plans=plans,
        phases=phases,
        departments=departments,
        completion=progress.project_completion(db.session, Project.id.in_([p.id for p in projects])),
        statuses=ProjectStatus,
        stages=ProjectStage,
    )


@bp.get("/projects/<int:project_id>")
@requires("plan.view", Project, "project_id")
def show(project: Project):
    session = db.session
    project = session.scalar(
        select(Project)
        .where(Project.id == project.id)
        .options(
            selectinload(Project.cooperators),
            selectinload(Project.phases),
            selectinload(Project.goals),
            selectinload(Project.investments).selectinload(Investment.fundings),
            selectinload(Project.roles).joinedload(ProjectRole.department),
        )
    )
    investments = project.investments
    return render_template(
        "projects/show.html",
        project=project,
        plan=project.plan,
        milestones=milestone_rows(session, Milestone.project_id == project.id),
        investments=investments,
        completion=progress.project_completion(session, Project.id == project.id).get(project.id),
        history=project_history(session, project.id, pages=min(number(request.args.get("history")) or 1, 100)),
    )


@bp.route("/milestones/<int:milestone_id>/progress", methods=["GET", "POST"])
@requires("progress.update", Milestone, "milestone_id")
def milestone_progress(milestone: Milestone):
    """The quick status update: status, actual date and note, from any milestone list."""
    back = safe_next_url(request.values.get("next"), url_for("projects.show", project_id=milestone.project_id))
    return editing.save_edit(
        milestone,
        MilestoneProgressForm(),
        title=f"更新进度：{milestone.project.name} · {milestone.name}",
        success_url=back,
        cancel_url=back,
        apply=lambda values, version: update_milestone_progress(db.session, milestone, values, version),
    )


@bp.route("/projects/<int:project_id>/progress", methods=["GET", "POST"])
@requires("progress.update", Project, "project_id")
def project_progress(project: Project):
    back = url_for("projects.show", project_id=project.id)
    return editing.save_edit(
        project,
        ProjectProgressForm(),
        title=f"填报项目进展：{project.code} {project.name}",
        success_url=back,
        cancel_url=back,
    )


@bp.route("/investments/<int:investment_id>/progress", methods=["GET", "POST"])
@requires("progress.update", Investment, "investment_id")
def investment_progress(investment: Investment):
    back = url_for("projects.show", project_id=investment.project_id)
    return editing.save_edit(
        investment,
        InvestmentProgressForm(),
        title=f"填报完成投资：{investment.project.name} · {investment.year}年",
        success_url=back,
        cancel_url=back,
    )


def _project_url(project: Project) -> str:
    return url_for("projects.show", project_id=project.id)


def _project_choices(form: ProjectForm, plan: Plan) -> None:
    form.section_id.choices = choices(section_tree_choices(plan), "—")
    form.phases.choices = choices((p.id, p.name) for p in plan.phases)
    form.lead_department_id.choices = department_choices("—", plan)
    form.cooperators.choices = department_choices(None, plan)


def _next_milestone(form, project):
    form.ordinal.data = next_ordinal(Milestone.ordinal, Milestone.project_id == project.id)


Crud(
    "project",
    Project,
    ProjectForm,
    "项目",
    show_url=_project_url,
    parent_model=Plan,
    parent_attr="plan",
    parent_url=lambda plan: url_for("plans.show", plan_id=plan.id),
    setup=_project_choices,
).register(bp, "plan")
Crud(
    "milestone",
    Milestone,
    MilestoneForm,
    "里程碑",
    show_url=lambda m: _project_url(m.project),
    parent_model=Project,
    parent_attr="project",
    parent_url=_project_url,
    prepare=_next_milestone,
).register(bp, "project")
Crud(
    "investment",
    Investment,
    InvestmentForm,
    "年度投资",
    show_url=lambda i: _project_url(i.project),
    parent_model=Project,
    parent_attr="project",
    parent_url=_project_url,
).register(bp, "project")
Crud(
    "funding",
    InvestmentFunding,
    FundingForm,
    "资金来源",
    show_url=lambda f: _project_url(f.investment.project),
    parent_model=Investment,
    parent_attr="investment",
    parent_url=lambda i: _project_url(i.project),
).register(bp, "investment")


def _role_choices(form: ProjectRoleForm, project: Project) -> None:
    form.department_id.choices = department_choices(None, project.plan)


Crud(
    "role",
    ProjectRole,
    ProjectRoleForm,
    "单位角色",
    show_url=lambda r: _project_url(r.project),
    parent_model=Project,
    parent_attr="project",
    parent_url=_project_url,
    setup=_role_choices,
).register(bp, "project")
