"""Home: a department user's own work; everyone else starts at the plans."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import or_

from tracker import progress
from tracker.auth.permissions import requires
from tracker.extensions import db
from tracker.vocab import Role
from tracker.web.projects.queries import led_by, milestone_rows

bp = Blueprint("main", __name__)


@bp.get("/")
@requires("account")
def index():
    if current_user.role is Role.DEPARTMENT:
        return redirect(url_for("main.my_work"))
    return redirect(url_for("plans.index"))


@bp.get("/my")
@requires("account")
def my_work():
    """Milestones of the projects my department leads: overdue first, then due within 30 days."""
    if current_user.department_id is None:
        return render_template("main/my_work.html", rows=[], department=None)
    rows = milestone_rows(db.session, led_by(current_user.department_id), or_(progress.is_overdue(), progress.is_due_within()),
                          order_overdue_first=True)
    return render_template("main/my_work.html", rows=rows, department=current_user.department)
