"""驾驶舱: how far a plan and its stage have got, which departments are behind, what is late, how much
of the year's money is spent — one page, the choice of plan, stage and sorting kept in the URL."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker import progress
from tracker.auth.permissions import requires, visible_plans
from tracker.extensions import db
from tracker.models import Indicator, Phase, Plan, ReportingPeriod
from tracker.vocab import PeriodStatus, ProjectStatus
from tracker.web import charts, page_cache
from tracker.web.arguments import int_arg
from tracker.web.dashboard import figures
from tracker.web.downloads import download

bp = Blueprint("dashboard", __name__)

INDICATORS_SHOWN = 30

# League columns that can be sorted on: URL name → (label, the value sorted by)
SORTS = {
    "name": ("单位", lambda r: r.name),
    "projects": ("项目数", lambda r: r.projects),
    "budget": ("总投资", lambda r: r.budget),
    "planned": ("年度计划", lambda r: r.money.year_planned),
    "completed": ("累计完成", lambda r: r.money.year_completed),
    "share": ("完成年度计划%", lambda r: r.plan_share),
    "started": ("开工率", lambda r: r.start_rate),
    "overdue": ("逾期里程碑", lambda r: r.overdue),
}


@bp.get("/dashboard")
@requires("dashboard.view")
def index():
    session = db.session
    plans = session.scalars(select(Plan).where(visible_plans(current_user)).order_by(Plan.id)).all()
    if not plans:
        return render_template(
            "dashboard/index.html",
            body=Markup('<h1 class="h3">驾驶舱</h1><p class="text-secondary">还没有可以查看的规划。</p>'),
        )
    plan_id = int_arg("plan")
    if plan_id is None and request.args.get("plan"):
        abort(404)  # a plan asked for that cannot exist (not a number, or past any id)
    if plan_id is None:  # by default the plan being reported on, else the first
        reporting = set(
            session.scalars(select(ReportingPeriod.plan_id).where(ReportingPeriod.status == PeriodStatus.OPEN))
        )
        plan_id = next((p.id for p in plans if p.id in reporting), plans[0].id)
    plan = next((p for p in plans if p.id == plan_id), None)
    if plan is None:
        abort(404)
    phases = session.scalars(select(Phase).where(Phase.plan_id == plan.id).order_by(Phase.ordinal)).all()
    phase_arg = request.args.get("phase", "")
    if phase_arg == "all":
        phase = None
    elif phase_arg:
        phase = next((p for p in phases if str(p.id) == phase_arg), None)
        if phase is None:
            abort(404)
    else:
        phase = figures.current_phase(phases, progress.today())
    sort = request.args.get("sort", "share")
    sort = sort if sort in SORTS else "share"
    descending = request.args.get("dir", "asc") == "desc"
    body = page_cache.cached(
        ("dashboard", plan.id, phase.id if phase else None, sort, descending),
        lambda: _render(session, plans, plan, phases, phase, sort, descending),
    )
    return render_template("dashboard/index.html", body=body)


def _render(session, plans, plan, phases, phase, sort: str, descending: bool) -> str:
    board = figures.build(session, plan, phases, phase)
    key = SORTS[sort][1]
    known = [r for r in board.departments if key(r) is not None]
    unknown = [r for r in board.departments if key(r) is None]
    league = sorted(known, key=key, reverse=descending) + unknown  # rows with no figure last, either way
    statuses = [(s, board.by_status.get(s, 0)) for s in ProjectStatus] + (
        [(None, board.by_status[None])] if board.by_status.get(None) else []
    )
    planned_line, completed_line = board.cumulative_lines()
    indicators = session.scalars(
        select(Indicator)
        .where(Indicator.plan_id == plan.id)
        .options(selectinload(Indicator.values))
        .order_by(Indicator.ordinal, Indicator.id)
        .limit(INDICATORS_SHOWN)
    ).all()
    return render_template(
        "dashboard/_body.html",
        board=board,
        plans=plans,
        phases=phases,
        league=league,
        sorts=SORTS,
        sort=sort,
        descending=descending,
        statuses=statuses,
        args={"plan": plan.id, "phase": phase.id if phase else "all"},
        status_chart=charts.bars(
            [(s.label if s else "未填", n) for s, n in statuses], title="项目状态分布", unit=" 个"
        ),
        league_chart=charts.bars(
            [(r.name, r.plan_share) for r in league[:20]],
            title="各单位完成年度计划%",
            unit="%",
            reference=("序时进度", board.schedule),
        ),
        money_chart=charts.lines(
            [f"{m}月" for m in range(1, 13)],
            [("按序时的计划投资累计", planned_line, True), ("已确认的完成投资累计", completed_line, False)],
            title=f"{board.as_of.year}年投资按月累计",
            unit="万元",
        ),
        planned_line=planned_line,
        completed_line=completed_line,
        indicators=indicators,
        indicator_charts={
            i.id: charts.bars(
                [(f"{v.year}年", v.value) for v in i.values],
                title=i.name,
                unit=i.unit or "",
                width=420,
                reference=("目标", i.target_value) if i.target_value is not None else None,
            )
            for i in indicators
            if i.values
        },
    )


@bp.get("/periods/<int:period_id>/bulletin")
@requires("period.view", ReportingPeriod, "period_id")
def bulletin(reporting_period: ReportingPeriod):
    """The period's 督查通报, on A4."""
    from tracker.web.dashboard import bulletin as B

    body = page_cache.cached(
        ("bulletin", reporting_period.id),
        lambda: render_template(
            "dashboard/_bulletin.html", bulletin=B.build(db.session, reporting_period), period=reporting_period
        ),
    )
    return render_template("dashboard/bulletin.html", body=body, period=reporting_period)


@bp.get("/periods/<int:period_id>/bulletin.xlsx")
@requires("period.view", ReportingPeriod, "period_id")
def bulletin_xlsx(reporting_period: ReportingPeriod):
    import io

    from tracker.web.dashboard import bulletin as B

    buffer = io.BytesIO()
    B.write_xlsx(B.build(db.session, reporting_period), buffer)
    return download(buffer, f"{reporting_period.plan.code}-{reporting_period.name}督查通报.xlsx")
