"""Where a page sits: 规划 › the plan › … › this page, for every page about a record (forms included).

Found from what the page shows (the record, its parent, the plan …), so no view has to build it;
a page that draws its own trail (class="breadcrumb") keeps it.
"""

from __future__ import annotations

from flask import request, url_for
from jinja2 import pass_context

from tracker.models import (
    Department,
    ImportBatch,
    Indicator,
    IndicatorValue,
    Investment,
    InvestmentFunding,
    Milestone,
    Phase,
    PhaseGoal,
    Plan,
    PlanEvent,
    PlanSection,
    Project,
    ProjectRole,
    ReportingPeriod,
    ReportSubmission,
    User,
)

# The context names a page's record goes by, most specific first.
CONTEXT_NAMES = ("record", "parent", "submission", "batch", "project", "period", "phase", "department", "plan")


def trail_of(obj) -> list[tuple[str, str | None]]:
    """(label, link) from the top of the site down to `obj`."""
    if isinstance(obj, Plan):
        return [("规划", url_for("plans.index")), (obj.name, url_for("plans.show", plan_id=obj.id))]
    if isinstance(obj, Phase):
        return trail_of(obj.plan) + [(obj.name.split("：")[0], url_for("plans.phase", phase_id=obj.id))]
    if isinstance(obj, PhaseGoal):
        return trail_of(obj.phase) + [(f"目标 {obj.ordinal}", None)]
    if isinstance(obj, PlanSection):
        return trail_of(obj.plan) + [(str(obj), url_for("projects.index", plan=obj.plan_id, section=obj.id))]
    if isinstance(obj, PlanEvent):
        return trail_of(obj.plan) + [("大事记", url_for("plans.show", plan_id=obj.plan_id) + "#events")]
    if isinstance(obj, Indicator):
        return trail_of(obj.plan) + [(obj.name, None)]
    if isinstance(obj, IndicatorValue):
        return trail_of(obj.indicator)
    if isinstance(obj, Project):
        return trail_of(obj.plan) + [(obj.code or obj.name, url_for("projects.show", project_id=obj.id))]
    if isinstance(obj, Milestone):
        return trail_of(obj.project) + [
            (obj.name, url_for("projects.show", project_id=obj.project_id) + f"#milestone-{obj.id}")
        ]
    if isinstance(obj, Investment):
        return trail_of(obj.project) + [(f"{obj.year}年投资", None)]
    if isinstance(obj, InvestmentFunding):
        return trail_of(obj.investment)
    if isinstance(obj, ProjectRole):
        return trail_of(obj.project) + [(f"{obj.role.label}单位", None)]
    if isinstance(obj, ReportingPeriod):
        return trail_of(obj.plan) + [
            ("报送期", url_for("reports.periods", plan_id=obj.plan_id)),
            (str(obj), url_for("reports.period_show", period_id=obj.id)),
        ]
    if isinstance(obj, ReportSubmission):
        return trail_of(obj.period) + [
            (obj.department.display_name, url_for("reports.submission_show", submission_id=obj.id))
        ]
    if isinstance(obj, Department):
        return [("单位", url_for("departments.index")), (obj.name, url_for("departments.show", department_id=obj.id))]
    if isinstance(obj, User):
        return [("用户", url_for("admin.users")), (obj.username, url_for("admin.user_edit", user_id=obj.id))]
    if isinstance(obj, ImportBatch):
        return [("导入", url_for("imports.index")), (obj.filename, url_for("imports.show", import_batch_id=obj.id))]
    return []


@pass_context
def breadcrumbs(context) -> list[tuple[str, str | None]]:
    """The trail for the page being rendered; its last step is the page itself (a form's title)."""
    if request.blueprint in ("main", "dashboard", None):
        return []  # 我的工作 and the 驾驶舱 are places of their own, not inside a record
    names = (
        CONTEXT_NAMES if request.blueprint == "departments" else tuple(n for n in CONTEXT_NAMES if n != "department")
    )
    obj = next(
        (
            context[name]
            for name in names
            if context.get(name) is not None and not isinstance(context.get(name), (str, int, dict, list))
        ),
        None,
    )
    if obj is None:
        return []
    trail = trail_of(obj)
    title = context.get("title")
    if title and trail and title != trail[-1][0]:
        trail.append((title, None))
    elif trail:
        trail[-1] = (trail[-1][0], None)  # the page itself is not a link
    return trail if len(trail) > 1 else []
