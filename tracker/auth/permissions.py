"""Who may do what: one table of rules, checked on the server before every view runs.

Each view declares its action with @requires (or @public); a view with neither is refused.
Roles give an action to everyone in the role (ANYTHING) or through an object check.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from sqlalchemy import ColumnElement, select, true, union

from tracker.extensions import db
from tracker.models import (
    Department,
    Indicator,
    IndicatorValue,
    Investment,
    InvestmentFunding,
    Milestone,
    Phase,
    PhaseGoal,
    Plan,
    PlanSection,
    Project,
    User,
)
from tracker.models.project import project_cooperators
from tracker.vocab import Role

PUBLIC = "public"


def ANYTHING(user: User, obj: Any) -> bool:
    return True


def plan_id_of(obj: Any) -> int | None:
    """The plan a record belongs to."""
    if isinstance(obj, Plan):
        return obj.id
    if isinstance(obj, (Phase, PlanSection, Project, Indicator)):
        return obj.plan_id
    if isinstance(obj, PhaseGoal):
        return obj.phase.plan_id
    if isinstance(obj, (Milestone, Investment)):
        return obj.project.plan_id
    if isinstance(obj, IndicatorValue):
        return obj.indicator.plan_id
    return None


def participating_plan_ids(user: User) -> set[int]:
    """Plans in which the user's department leads or cooperates on a project (once per request)."""
    cache = _request_cache("_participating_plan_ids")
    if user.id not in cache:
        dept = user.department_id
        # Two indexed lookups, not one OR: PostgreSQL scans every project for the OR (6 ms at 10,000
        # projects, asked on each page a department user opens), the union takes 0.4 ms.
        leading = select(Project.plan_id).where(Project.lead_department_id == dept)
        cooperating = (
            select(Project.plan_id)
            .join(project_cooperators, project_cooperators.c.project_id == Project.id)
            .where(project_cooperators.c.department_id == dept)
        )
        cache[user.id] = set(db.session.scalars(union(leading, cooperating)))
    return cache[user.id]


def _request_cache(name: str) -> dict:
    """A dict kept for the current request (flask.g); outside one (a command), a fresh one each time."""
    from flask import g, has_app_context

    return g.setdefault(name, {}) if has_app_context() else {}


def takes_part_in_plan(user: User, obj: Any) -> bool:
    return obj is None or plan_id_of(obj) in participating_plan_ids(user)


def leads_project(user: User, obj: Any) -> bool:
    project = obj if isinstance(obj, Project) else getattr(obj, "project", None)
    return project is not None and project.lead_department_id == user.department_id


def own_department(user: User, obj: Any) -> bool:
    return obj is None or (isinstance(obj, Department) and obj.id == user.department_id)


def own_submission(user: User, obj: Any) -> bool:
    """A department's own report (obj None: the action in general, e.g. a menu entry)."""
    return obj is None or getattr(obj, "department_id", None) == user.department_id


def reports_in_period(user: User, obj: Any) -> bool:
    """The department is due to report in this period (obj None: in general)."""
    from tracker.models import ReportSubmission

    return (
        obj is None
        or db.session.scalar(
            select(ReportSubmission.id).where(
                ReportSubmission.period_id == obj.id, ReportSubmission.department_id == user.department_id
            )
        )
        is not None
    )


def own_import(user: User, obj: Any) -> bool:
    return obj is None or getattr(obj, "user_id", None) == user.id


EVERY_ROLE = {role: ANYTHING for role in Role}

RULES: dict[str, dict[Role, Callable[[User, Any], bool]]] = {
    # Signed-in pages of one's own: home, my work, password.
    "account": EVERY_ROLE,
    # Plans and all they contain (stages, goals, sections, projects, milestones, indicators).
    "plan.view": {
        Role.ADMIN: ANYTHING,
        Role.OFFICE: ANYTHING,
        Role.LEADER: ANYTHING,
        Role.DEPARTMENT: takes_part_in_plan,
    },
    "plan.edit": {Role.ADMIN: ANYTHING, Role.OFFICE: ANYTHING},
    # Status, actual date and note of a milestone; completed investment — of projects one leads.
    "progress.update": {Role.ADMIN: ANYTHING, Role.OFFICE: ANYTHING, Role.DEPARTMENT: leads_project},
    "department.view": {
        Role.ADMIN: ANYTHING,
        Role.OFFICE: ANYTHING,
        Role.LEADER: ANYTHING,
        Role.DEPARTMENT: own_department,
    },
    "department.edit": {Role.ADMIN: ANYTHING},
    "user.manage": {Role.ADMIN: ANYTHING},
    # Workbooks: office staff export a plan's workbook; a department its own (projects it leads).
    # Leaders download every read-only export too.
    "plan.export": {
        Role.ADMIN: ANYTHING,
        Role.OFFICE: ANYTHING,
        Role.LEADER: ANYTHING,
        Role.DEPARTMENT: takes_part_in_plan,
    },
    # 驾驶舱: the leaders' overview of a plan and stage (the office sees it too).
    "dashboard.view": {Role.ADMIN: ANYTHING, Role.OFFICE: ANYTHING, Role.LEADER: ANYTHING},
    # The reporting cycle (月报/季报): the office opens, reviews and closes periods; leaders watch;
    # a department fills and submits only its own report.
    "period.view": {Role.ADMIN: ANYTHING, Role.OFFICE: ANYTHING, Role.LEADER: ANYTHING},
    "period.manage": {Role.ADMIN: ANYTHING, Role.OFFICE: ANYTHING},
    "report.view": {
        Role.ADMIN: ANYTHING,
        Role.OFFICE: ANYTHING,
        Role.LEADER: ANYTHING,
        Role.DEPARTMENT: own_submission,
    },
    "report.fill": {Role.ADMIN: ANYTHING, Role.OFFICE: ANYTHING, Role.DEPARTMENT: own_submission},
    "report.review": {Role.ADMIN: ANYTHING, Role.OFFICE: ANYTHING},
    # Bringing a filled 月报/季报 workbook into a period: the office for anyone, a department its own.
    "report.import": {Role.ADMIN: ANYTHING, Role.OFFICE: ANYTHING, Role.DEPARTMENT: reports_in_period},
    # Bringing workbooks back: a department sees and applies only the imports it uploaded.
    "import.use": {Role.ADMIN: ANYTHING, Role.OFFICE: ANYTHING, Role.DEPARTMENT: own_import},
}


# Which fields of a record each kind of user may change — on a form, a quick update, in a workbook.
OFFICE_FIELDS: dict[type, frozenset[str]] = {
    Project: frozenset(
        {
            "section_id",
            "code",
            "name",
            "content",
            "lead_department_id",
            "cooperators",
            "supporters",
            "reviewers",
            "phases",
            "goals",
            "nature",
            "stage",
            "funding_source",
            "planned_start_on",
            "planned_start_precision",
            "planned_end_on",
            "planned_end_precision",
            "total_budget",
            "status",
            "progress_note",
            "issues",
            "contact",
            "remarks",
        }
    ),
    Milestone: frozenset(
        {
            "ordinal",
            "name",
            "planned_on",
            "planned_precision",
            "actual_on",
            "actual_precision",
            "status",
            "weight",
            "note",
        }
    ),
    Investment: frozenset({"year", "planned_amount", "completed_amount", "funding_source"}),
    InvestmentFunding: frozenset({"source", "amount", "note"}),
}
# A department reports on the projects it leads: progress, not the plan.
DEPARTMENT_FIELDS: dict[type, frozenset[str]] = {
    Project: frozenset({"status", "progress_note", "issues", "remarks"}),
    Milestone: frozenset({"status", "actual_on", "actual_precision", "note"}),
    Investment: frozenset({"completed_amount"}),
}


def editable_fields(user: Any, obj: Any) -> frozenset[str]:
    """The fields of `obj` (a record, or a model class for a new one) that `user` may change.

    `user` None is the command line, which acts for the office. A record read as a plain row
    says which model it stands for in `__model__`.
    """
    model = obj if isinstance(obj, type) else getattr(obj, "__model__", type(obj))
    if user is None or user.role in (Role.ADMIN, Role.OFFICE):
        return OFFICE_FIELDS.get(model, frozenset())
    if user.role is Role.DEPARTMENT and not isinstance(obj, type) and leads_project(user, obj):
        return DEPARTMENT_FIELDS.get(model, frozenset())
    return frozenset()


def may_create(user: Any, model: type) -> bool:
    """New projects, milestones and investment years come from the office (forms or workbooks)."""
    return user is None or user.role in (Role.ADMIN, Role.OFFICE)


def can(user: Any, action: str, obj: Any = None) -> bool:
    if action == PUBLIC:
        return True
    if user is None or not user.is_authenticated:
        return False
    rule = RULES[action].get(user.role)
    return rule is not None and rule(user, obj)


def visible_plans(user: User) -> ColumnElement[bool]:
    """SQL condition on Plan.id: the plans `user` may see (for lists and search)."""
    if can(user, "plan.view") and user.role is not Role.DEPARTMENT:
        return true()
    return Plan.id.in_(participating_plan_ids(user) or {-1})


def requires(action: str, model: type | None = None, arg: str | None = None):
    """Declare a view's action; load `model` by the URL argument `arg` (404 if missing) and check it.

    The loaded record is passed to the view under the model's name in snake case (Milestone →
    milestone), in place of the id argument.
    """
    if action not in RULES:
        raise KeyError(f"unknown action {action!r}: add it to RULES")

    from flask import abort
    from flask_login import current_user

    from tracker.extensions import login_manager

    def decorate(view):
        @wraps(view)
        def checked(**kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            obj = None
            if model is not None:
                obj = db.session.get(model, kwargs.pop(arg))
                if obj is None:
                    abort(404)
                kwargs[_param_name(model)] = obj
            if not can(current_user, action, obj):
                abort(403)
            return view(**kwargs)

        checked.permission = action
        return checked

    return decorate


def public(view):
    view.permission = PUBLIC
    return view


def _param_name(model: type) -> str:
    name = model.__name__
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")
