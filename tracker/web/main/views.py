from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import func, select

from tracker.extensions import db
from tracker.models import Phase, Plan, Project

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    session = db.session
    plans = session.scalars(select(Plan).order_by(Plan.code)).all()
    phase_counts = dict(session.execute(select(Phase.plan_id, func.count()).group_by(Phase.plan_id)).all())
    project_counts = dict(session.execute(select(Project.plan_id, func.count()).group_by(Project.plan_id)).all())
    return render_template(
        "main/index.html", plans=plans, phase_counts=phase_counts, project_counts=project_counts
    )
