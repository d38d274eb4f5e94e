"""Departments: their projects across plans, what is due soon and what is late."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from wtforms import BooleanField, StringField

from tracker import progress
from tracker.auth.permissions import requires
from tracker.extensions import db
from tracker.models import Department, Milestone, Plan, Project
from tracker.vocab import DepartmentKind
from tracker.web.arguments import page_arg, page_count
from tracker.web.editing import Crud
from tracker.web.forms import RecordForm, VocabField, length, required
from tracker.web.projects.queries import led_by, milestone_rows, takes_part

bp = Blueprint("departments", __name__)

PER_PAGE = 50
LIST_LIMIT = 30  # milestones listed per list; the count says how many there are


class DepartmentForm(RecordForm):
    model_fields = ("name", "short_name", "alias_names", "kind", "region", "contact", "active")
    name = StringField("全称", validators=[required(), length(100)])
    short_name = StringField("简称", validators=[length(50)])
    alias_names = StringField(
        "别名", description="工作簿里可能出现的其他写法，用顿号或逗号分隔，如：市信息化办公室、信息办"
    )
    kind = VocabField("类别", DepartmentKind, blank=None)
    region = StringField(
        "所属行政区",
        validators=[length(100)],
        description="与规划的“地区”一致，如 温州市；工作簿中的单位名称只在本地区的单位中查找。留空：各地区通用",
    )
    contact = StringField("联系人及电话", validators=[length(200)], description="催报时列出，如：张工 0577-88888888")
    active = BooleanField("在用", default=True)


@bp.get("/departments")
@requires("account")
def index():
    departments = db.session.scalars(select(Department).order_by(Department.kind, Department.name)).all()
    completion = progress.department_completion(db.session, [d.id for d in departments])
    return render_template("departments/index.html", departments=departments, completion=completion)


@bp.get("/departments/<int:department_id>")
@requires("department.view", Department, "department_id")
def show(department: Department):
    """A department: its overdue and soon-due milestones (the first LIST_LIMIT, with the count), the plans it
    leads projects in, and its projects, paged — bounded whatever its size."""
    session = db.session
    page = page_arg()
    ours = takes_part(department.id)
    total = session.scalar(select(func.count(Project.id)).where(ours))
    projects = session.scalars(
        select(Project)
        .where(ours)
        .options(joinedload(Project.plan), joinedload(Project.lead_department))
        .order_by(Project.plan_id, Project.id)
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    ).all()
    led_plans = session.scalars(
        select(Plan)
        .where(Plan.id.in_(select(Project.plan_id).where(Project.lead_department_id == department.id)))
        .order_by(Plan.id)
    ).all()
    own = led_by(department.id)
    return render_template(
        "departments/show.html",
        department=department,
        projects=projects,
        total=total,
        page=page,
        pages=page_count(total, PER_PAGE),
        led_plans=led_plans,
        overdue=milestone_rows(session, own, progress.is_overdue(), limit=LIST_LIMIT),
        overdue_count=session.scalar(select(func.count(Milestone.id)).where(own, progress.is_overdue())),
        due_soon=milestone_rows(session, own, progress.is_due_within(), limit=LIST_LIMIT),
        due_soon_count=session.scalar(select(func.count(Milestone.id)).where(own, progress.is_due_within())),
        completion=progress.department_completion(session, [department.id]).get(department.id, progress.NO_PROJECTS),
        project_completion=progress.project_completion(session, Project.id.in_([p.id for p in projects])),
    )


Crud(
    "department",
    Department,
    DepartmentForm,
    "单位",
    show_url=lambda d: url_for("departments.show", department_id=d.id),
    parent_url=lambda _: url_for("departments.index"),
    permission="department.edit",
).register(bp)
