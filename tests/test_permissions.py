"""Every route × every role: the answer the rule table promises, and nothing written when refused.

A route missing from ROUTES fails the suite, so no new page escapes this check.
"""

from __future__ import annotations

import pytest
from flask import url_for
from sqlalchemy import func, select

from tests.factories import make_plan, make_project
from tests.world import build_world
from tracker.models import Base, SecurityLogEntry
from tracker.vocab import Role, SecurityEvent

ANON, DEPT_OTHER = "anonymous", "department→other"
ROLES = [ANON, Role.ADMIN, Role.OFFICE, Role.LEADER, Role.DEPARTMENT, DEPT_OTHER]

# What each kind of route answers a GET with, per role. DEPT_OTHER is a department user aimed at
# another department's records (None: the route has no such record).
EXPECT = {
    "account": {ANON: 302, Role.ADMIN: 200, Role.OFFICE: 200, Role.LEADER: 200, Role.DEPARTMENT: 200},
    "view": {ANON: 302, Role.ADMIN: 200, Role.OFFICE: 200, Role.LEADER: 200, Role.DEPARTMENT: 200, DEPT_OTHER: 403},
    "edit": {ANON: 302, Role.ADMIN: 200, Role.OFFICE: 200, Role.LEADER: 403, Role.DEPARTMENT: 403, DEPT_OTHER: 403},
    "progress": {ANON: 302, Role.ADMIN: 200, Role.OFFICE: 200, Role.LEADER: 403, Role.DEPARTMENT: 200, DEPT_OTHER: 403},
    "dept_view": {
        ANON: 302,
        Role.ADMIN: 200,
        Role.OFFICE: 200,
        Role.LEADER: 200,
        Role.DEPARTMENT: 200,
        DEPT_OTHER: 403,
    },
    "dept_edit": {ANON: 302, Role.ADMIN: 200, Role.OFFICE: 403, Role.LEADER: 403, Role.DEPARTMENT: 403},
    "admin": {ANON: 302, Role.ADMIN: 200, Role.OFFICE: 403, Role.LEADER: 403, Role.DEPARTMENT: 403},
    "home": {ANON: 302, Role.ADMIN: 302, Role.OFFICE: 302, Role.LEADER: 302, Role.DEPARTMENT: 302},
    "login": {ANON: 200, Role.ADMIN: 302, Role.OFFICE: 302, Role.LEADER: 302, Role.DEPARTMENT: 302},
    "post_only": {
        ANON: 405,
        Role.ADMIN: 405,
        Role.OFFICE: 405,
        Role.LEADER: 405,
        Role.DEPARTMENT: 405,
        DEPT_OTHER: 405,
    },
    "export": {ANON: 302, Role.ADMIN: 200, Role.OFFICE: 200, Role.LEADER: 200, Role.DEPARTMENT: 200, DEPT_OTHER: 403},
    "import": {ANON: 302, Role.ADMIN: 200, Role.OFFICE: 200, Role.LEADER: 403, Role.DEPARTMENT: 200, DEPT_OTHER: 403},
}
EXPECT["public"] = {role: 200 for role in ROLES}
EXPECT["period_view"] = {ANON: 302, Role.ADMIN: 200, Role.OFFICE: 200, Role.LEADER: 200, Role.DEPARTMENT: 403}
EXPECT["report_view"] = EXPECT["view"]
EXPECT["report_fill"] = EXPECT["progress"]
EXPECT["manage_post"] = {role: 405 for role in ROLES}  # POST only; checked as an "edit" write
EXPECT["review_post"] = {role: 405 for role in ROLES}  # POST only; checked as an "edit" write
EXPECT["apply"] = {role: 405 for role in ROLES}  # POST only; its POST is checked as an "import" write
EXPECT["admin_post"] = {role: 405 for role in ROLES}  # POST only; its POST is checked as an "admin" write
WRITE_KIND = {"apply": "import", "admin_post": "admin", "manage_post": "edit", "review_post": "edit"}

# endpoint → (kind, URL arguments for one's own records, for another department's records)
ROUTES = {
    "main.index": ("home", {}, None),
    "main.my_work": ("account", {}, None),
    "main.healthz": ("public", {}, None),
    "auth.reauthenticate": ("account", {}, None),
    "auth.login": ("login", {}, None),
    "auth.logout": ("post_only", {}, None),
    "auth.password": ("account", {}, None),
    "plans.index": ("account", {}, None),
    "plans.show": ("view", {"plan_id": "plan"}, {"plan_id": "other_plan"}),
    "plans.phase": ("view", {"phase_id": "phase"}, None),
    "plans.plan_create": ("edit", {}, None),
    "plans.plan_edit": ("edit", {"plan_id": "plan"}, {"plan_id": "other_plan"}),
    "plans.plan_delete": ("edit", {"plan_id": "plan"}, None),
    "plans.phase_create": ("edit", {"plan_id": "plan"}, None),
    "plans.phase_edit": ("edit", {"phase_id": "phase"}, None),
    "plans.phase_delete": ("edit", {"phase_id": "phase"}, None),
    "plans.goal_create": ("edit", {"phase_id": "phase"}, None),
    "plans.goal_edit": ("edit", {"goal_id": "goal"}, None),
    "plans.goal_delete": ("edit", {"goal_id": "goal"}, None),
    "plans.section_create": ("edit", {"plan_id": "plan"}, None),
    "plans.section_edit": ("edit", {"section_id": "section"}, None),
    "plans.section_delete": ("edit", {"section_id": "section"}, None),
    "plans.indicator_create": ("edit", {"plan_id": "plan"}, None),
    "plans.event_create": ("edit", {"plan_id": "plan"}, None),
    "plans.event_edit": ("edit", {"event_id": "event"}, None),
    "plans.event_delete": ("edit", {"event_id": "event"}, None),
    "plans.indicator_edit": ("edit", {"indicator_id": "indicator"}, None),
    "plans.indicator_delete": ("edit", {"indicator_id": "indicator"}, None),
    "plans.indicator_value_create": ("edit", {"indicator_id": "indicator"}, None),
    "plans.indicator_value_edit": ("edit", {"indicator_value_id": "indicator_value"}, None),
    "plans.indicator_value_delete": ("edit", {"indicator_value_id": "indicator_value"}, None),
    "projects.index": ("account", {}, None),
    "projects.show": ("view", {"project_id": "project"}, {"project_id": "other_project"}),
    "projects.project_create": ("edit", {"plan_id": "plan"}, None),
    "projects.project_edit": ("edit", {"project_id": "project"}, {"project_id": "other_project"}),
    "projects.project_delete": ("edit", {"project_id": "project"}, None),
    "projects.project_progress": ("progress", {"project_id": "project"}, {"project_id": "other_project"}),
    "projects.milestone_create": ("edit", {"project_id": "project"}, None),
    "projects.milestone_edit": ("edit", {"milestone_id": "milestone"}, {"milestone_id": "other_milestone"}),
    "projects.milestone_delete": ("edit", {"milestone_id": "milestone"}, None),
    "projects.milestone_progress": ("progress", {"milestone_id": "milestone"}, {"milestone_id": "other_milestone"}),
    "projects.investment_create": ("edit", {"project_id": "project"}, None),
    "projects.investment_edit": ("edit", {"investment_id": "investment"}, None),
    "projects.investment_delete": ("edit", {"investment_id": "investment"}, None),
    "projects.funding_create": ("edit", {"investment_id": "investment"}, None),
    "projects.funding_edit": ("edit", {"funding_id": "funding"}, None),
    "projects.funding_delete": ("edit", {"funding_id": "funding"}, None),
    "projects.role_create": ("edit", {"project_id": "project"}, None),
    "projects.role_edit": ("edit", {"role_id": "role"}, None),
    "projects.role_delete": ("edit", {"role_id": "role"}, None),
    "projects.investment_progress": (
        "progress",
        {"investment_id": "investment"},
        {"investment_id": "other_investment"},
    ),
    "departments.index": ("account", {}, None),
    "departments.show": ("dept_view", {"department_id": "dept"}, {"department_id": "other_dept"}),
    "departments.department_create": ("dept_edit", {}, None),
    "departments.department_edit": ("dept_edit", {"department_id": "dept"}, None),
    "departments.department_delete": ("dept_edit", {"department_id": "other_dept"}, None),
    "imports.export": ("export", {"plan_id": "plan"}, {"plan_id": "other_plan"}),
    "imports.upload": ("import", {}, None),
    "imports.index": ("import", {}, None),
    "imports.show": ("import", {"import_batch_id": "import_batch"}, {"import_batch_id": "other_import_batch"}),
    "imports.rejected": ("import", {"import_batch_id": "import_batch"}, {"import_batch_id": "other_import_batch"}),
    "imports.original": ("import", {"import_batch_id": "import_batch"}, {"import_batch_id": "other_import_batch"}),
    "imports.apply": ("apply", {"import_batch_id": "import_batch"}, {"import_batch_id": "other_import_batch"}),
    "reports.periods": ("period_view", {"plan_id": "plan"}, None),
    "reports.period_open": ("manage_post", {"plan_id": "plan"}, None),
    "reports.period_show": ("period_view", {"period_id": "period"}, None),
    "reports.period_reminders": ("period_view", {"period_id": "period"}, None),
    "reports.period_due": ("manage_post", {"period_id": "period"}, None),
    "reports.period_close": ("manage_post", {"period_id": "period"}, None),
    "reports.submission_show": ("report_view", {"submission_id": "submission"}, {"submission_id": "other_submission"}),
    "reports.submission_fill": ("report_fill", {"submission_id": "submission"}, {"submission_id": "other_submission"}),
    "reports.submission_confirm": (
        "review_post",
        {"submission_id": "submission"},
        {"submission_id": "other_submission"},
    ),
    "reports.submission_return": (
        "review_post",
        {"submission_id": "submission"},
        {"submission_id": "other_submission"},
    ),
    "reports.submission_export": (
        "report_view",
        {"submission_id": "submission"},
        {"submission_id": "other_submission"},
    ),
    "reports.period_export": ("period_view", {"period_id": "period"}, None),
    "reports.period_summary": ("period_view", {"period_id": "period"}, None),
    "reports.period_import": ("report_fill", {"period_id": "period"}, {"period_id": "other_period"}),
    "reports.import_show": ("import", {"import_batch_id": "report_batch"}, {"import_batch_id": "other_report_batch"}),
    "reports.import_apply": ("apply", {"import_batch_id": "report_batch"}, {"import_batch_id": "other_report_batch"}),
    "dashboard.index": ("period_view", {}, None),
    "dashboard.bulletin": ("period_view", {"period_id": "period"}, None),
    "dashboard.bulletin_xlsx": ("period_view", {"period_id": "period"}, None),
    "admin.users": ("admin", {}, None),
    "admin.security": ("admin", {}, None),
    "admin.user_create": ("admin", {}, None),
    "admin.user_edit": ("admin", {"user_id": "target_user"}, None),
    "admin.user_delete": ("admin", {"user_id": "target_user"}, None),
    "admin.user_unlock": ("admin_post", {"user_id": "target_user"}, None),
}

# A form that would change something, for the refused-write check.
HOSTILE_FORM = {
    "name": "被篡改",
    "title": "被篡改",
    "text": "被篡改",
    "status": "done",
    "code": "HACK",
    "completed_amount": "999",
    "note": "被篡改",
    "ordinal": "9",
    "year": "2030",
    "value": "1",
    "display_name": "被篡改",
    "role": "admin",
    "username": "hacker",
    "password": "long-enough-pw",
    "kind": "city",
    "weight": "1",
}


def test_every_route_is_in_the_table(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - {"static"}
    assert endpoints == set(ROUTES), f"add to ROUTES: {endpoints - set(ROUTES)}; stale: {set(ROUTES) - endpoints}"


def _url(app, world, endpoint, args):
    values = {name: getattr(world, attr).id for name, attr in args.items()}
    with app.test_request_context():
        return url_for(endpoint, **values)


def _snapshot(session):
    return {
        t.name: session.execute(select(func.count()).select_from(t)).scalar()
        for t in Base.metadata.sorted_tables
        if t.name not in ("login_throttles", "security_events")
    }  # the log of these very refusals


@pytest.mark.parametrize("role", ROLES, ids=str)
def test_routes_answer_as_the_rules_say(app, session, login, role):
    world = build_world(session)
    user_role = Role.DEPARTMENT if role == DEPT_OTHER else role
    client = app.test_client() if role == ANON else login(world.users[user_role])
    failures = []
    for endpoint, (kind, own_args, other_args) in ROUTES.items():
        args = other_args if role == DEPT_OTHER else own_args
        if args is None:
            continue
        expected = EXPECT[kind].get(role)
        if expected is None:
            continue
        url = _url(app, world, endpoint, args)
        response = client.get(url)
        if response.status_code != expected:
            failures.append(f"GET {url} ({endpoint}) → {response.status_code}, expected {expected}")
        if expected == 302 and role == ANON and "/login" not in response.headers.get("Location", ""):
            failures.append(f"GET {url}: anonymous not sent to the login page")
    assert failures == []


@pytest.mark.parametrize("role", [ANON, Role.LEADER, Role.DEPARTMENT, DEPT_OTHER], ids=str)
def test_refused_writes_change_nothing(app, session, login, role):
    world = build_world(session)
    user_role = Role.DEPARTMENT if role == DEPT_OTHER else role
    client = app.test_client() if role == ANON else login(world.users[user_role])
    before = _snapshot(session)
    names = (world.milestone.name, world.project.name, world.plan.name, world.other_milestone.status)
    writable = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    refused = 0
    for endpoint, (kind, own_args, other_args) in ROUTES.items():
        args = other_args if role == DEPT_OTHER else own_args
        if args is None or endpoint not in writable or kind in ("home", "login"):
            continue
        if kind == "post_only" and role != ANON:
            continue  # signing out is always allowed
        if EXPECT[WRITE_KIND.get(kind, kind)].get(role) not in (302, 403) and kind != "post_only":
            continue
        response = client.post(_url(app, world, endpoint, args), data=HOSTILE_FORM)
        assert response.status_code in (302, 403), (endpoint, response.status_code)
        if role == ANON:
            assert "/login" in response.headers["Location"], endpoint
        refused += 1
    assert refused >= (5 if role == DEPT_OTHER else 10)
    session.expire_all()
    assert _snapshot(session) == before
    if role != ANON:  # every 403 is in the security log, with the refused request
        logged = session.scalars(
            select(SecurityLogEntry.detail).where(
                SecurityLogEntry.event == SecurityEvent.FORBIDDEN, SecurityLogEntry.user_id == world.users[user_role].id
            )
        ).all()
        assert len(logged) >= 5 and all(d.startswith("POST /") for d in logged)
    assert (world.milestone.name, world.project.name, world.plan.name, world.other_milestone.status) == names


def test_department_user_cannot_update_another_departments_milestone(app, session, login):
    world = build_world(session)
    client = login(world.users[Role.DEPARTMENT])
    version = world.other_milestone.version
    response = client.post(
        f"/milestones/{world.other_milestone.id}/progress", data={"status": "done", "note": "越权", "version": version}
    )
    assert response.status_code == 403
    session.expire_all()
    assert world.other_milestone.status.value == "not_started"
    assert world.other_milestone.note is None
    assert world.other_milestone.version == version


def test_department_user_only_sees_plans_it_takes_part_in(app, session, login):
    world = build_world(session)
    client = login(world.users[Role.DEPARTMENT])
    plans = client.get("/plans").get_data(as_text=True)
    assert "甲规划" in plans and "乙规划" not in plans
    projects = client.get("/projects").get_data(as_text=True)
    assert "甲项目" in projects and "乙项目" not in projects


def test_a_plan_where_the_department_only_cooperates_is_one_it_takes_part_in(app, session, login):
    world = build_world(session)
    cooperated = make_plan(session, name="丙规划")
    project = make_project(session, cooperated, lead_department=world.other_dept, name="丙项目")
    project.cooperators.append(world.dept)
    session.commit()
    client = login(world.users[Role.DEPARTMENT])
    plans = client.get("/plans").get_data(as_text=True)
    assert "甲规划" in plans and "丙规划" in plans and "乙规划" not in plans
    assert client.get(f"/plans/{cooperated.id}").status_code == 200
    assert client.get(f"/plans/{world.other_plan.id}").status_code == 403
