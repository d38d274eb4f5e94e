"""Home: a department user's own work; everyone else starts at the plans."""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import case, func, select, text
from sqlalchemy.orm import joinedload

from tracker import progress
from tracker.auth.permissions import public, requires
from tracker.extensions import db
from tracker.models import Milestone, Project
from tracker.services import reporting
from tracker.vocab import Role
from tracker.web.arguments import page_arg, page_count
from tracker.web.projects.queries import milestone_rows, project_ids_of

bp = Blueprint("main", __name__)

PER_PAGE = 50
MILESTONES_PER_PAGE = 30  # each row carries its quick-update form: the page stays under 300 kB


@bp.get("/healthz")
@public
def healthz():
    """For the reverse proxy and monitoring: 200 when the database answers (an outage is the 503 page's
    handler, with Retry-After)."""
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok")


@bp.get("/")
@requires("account")
def index():
    if current_user.role is Role.DEPARTMENT:
        return redirect(url_for("main.my_work"))
    if current_user.role is Role.LEADER:
        return redirect(url_for("dashboard.index"))  # the leaders' landing page
    return redirect(url_for("plans.index"))


@bp.get("/my")
@requires("account")
def my_work():
    """本期应报 (the department's open reports, the first as a form), then every project and milestone
    it leads or cooperates on — overdue first, paged."""
    department_id = current_user.department_id
    if department_id is None:
        return render_template("main/my_work.html", department=None)
    session = db.session
    due = reporting.open_submissions(session, department_id)
    submission = due[0] if due else None
    lines = reporting.submission_projects(session, submission) if submission else []

    ours = project_ids_of(department_id)
    milestone_page, project_page = page_arg("page"), page_arg("projects_page")
    milestone_total = session.scalar(select(func.count(Milestone.id)).where(Milestone.project_id.in_(ours)))
    milestones = milestone_rows(
        session,
        Milestone.project_id.in_(ours),
        order_overdue_first=True,
        limit=MILESTONES_PER_PAGE,
        offset=(milestone_page - 1) * MILESTONES_PER_PAGE,
    )
    project_total = session.scalar(select(func.count()).select_from(ours.subquery()))
    projects = session.scalars(
        select(Project)
        .where(Project.id.in_(ours))
        .options(joinedload(Project.plan))
        .order_by(case((Project.lead_department_id == department_id, 0), else_=1), Project.plan_id, Project.id)
        .limit(PER_PAGE)
        .offset((project_page - 1) * PER_PAGE)
    ).all()
    return render_template(
        "main/my_work.html",
        department=current_user.department,
        due=due,
        submission=submission,
        lines=lines,
        period=submission.period if submission else None,
        form=_EmptyForm(),
        schedule=progress.schedule_share(submission.period) if submission else None,
        milestones=milestones,
        milestone_page=milestone_page,
        milestone_pages=page_count(milestone_total, MILESTONES_PER_PAGE),
        projects=projects,
        project_page=project_page,
        project_pages=page_count(project_total, PER_PAGE),
        completion=progress.project_completion(session, Project.id.in_([p.id for p in projects])),
        overdue_count=session.scalar(
            select(func.count(Milestone.id)).where(Milestone.project_id.in_(ours), progress.is_overdue())
        ),
    )


class _EmptyForm:
    raw: dict = {}
    errors: dict = {}
