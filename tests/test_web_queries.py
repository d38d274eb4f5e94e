"""Pages use a fixed number of queries, whatever the number of projects."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from decimal import Decimal

from sqlalchemy import event

from tests.conftest import PASSWORD
from tests.factories import make_department, make_plan, make_user
from tracker.extensions import db
from tracker.models import Indicator, IndicatorValue, Investment, Milestone, Phase, PhaseGoal, PlanSection, Project
from tracker.vocab import MilestoneStatus, Role


def build_plan(session, n_projects: int):
    plan = make_plan(session)
    dept = make_department(session)
    phase = Phase(plan=plan, ordinal=1, name="第一阶段")
    goal = PhaseGoal(phase=phase, ordinal=1, text="目标")
    root = PlanSection(plan=plan, title="231工程", ordinal=1)
    sections = [PlanSection(plan=plan, parent=root, code=f"{i}", title=f"工程{i}", ordinal=i) for i in range(1, 6)]
    indicator = Indicator(plan=plan, name="指标", values=[IndicatorValue(year=2026, value=Decimal(1))])
    session.add_all([phase, goal, root, *sections, indicator])
    for i in range(n_projects):
        project = Project(
            plan=plan,
            code=f"P{i}",
            name=f"项目{i}",
            lead_department=dept,
            section=sections[i % 5],
            total_budget=Decimal(i + 1),
            phases=[phase],
            goals=[goal],
            cooperators=[dept],
        )
        project.milestones = [
            Milestone(ordinal=1, name="一", planned_on=dt.date(2026, 3, 1), status=MilestoneStatus.DONE),
            Milestone(ordinal=2, name="二", planned_on=dt.date(2026, 9, 1)),
        ]
        project.investments = [Investment(year=2026, planned_amount=Decimal(10))]
        session.add(project)
    session.commit()
    return plan, phase, project


@contextmanager
def counting_queries():
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def _queries_for(client, url) -> int:
    with counting_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(statements)


def test_plan_stage_and_project_pages_do_not_grow_with_projects(session, login):
    small_plan, small_phase, small_project = build_plan(session, 10)
    big_plan, big_phase, big_project = build_plan(session, 500)
    client = login(make_user(session, Role.OFFICE, password=PASSWORD))
    for small, big in (
        (f"/plans/{small_plan.id}", f"/plans/{big_plan.id}"),
        (f"/phases/{small_phase.id}", f"/phases/{big_phase.id}"),
        (f"/projects/{small_project.id}", f"/projects/{big_project.id}"),
        (f"/projects?plan={small_plan.id}", f"/projects?plan={big_plan.id}"),
    ):
        counts = (_queries_for(client, small), _queries_for(client, big))
        print(small, counts)
        assert counts[0] == counts[1], small
    assert _queries_for(client, f"/plans/{big_plan.id}") <= 15


def test_plan_and_stage_pages_stay_small_whatever_the_plan_size(session, login):
    plan, phase, _project = build_plan(session, 500)
    client = login(make_user(session, Role.OFFICE, password=PASSWORD))
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    # 500 projects over 5 sections: 10 shown under each, the rest one link away.
    assert page.count('class="project"') == 50
    assert page.count("另有 90 个项目") == 5
    section_link = page[page.index("另有 90 个项目") - 200 : page.index("另有 90 个项目")]
    listing = client.get(
        section_link[section_link.rindex('href="') + 6 : section_link.rindex('"')].replace("&amp;", "&")
    )
    assert "共 100 个项目" in listing.get_data(as_text=True)  # that node's projects, all of them
    stage = client.get(f"/phases/{phase.id}").get_data(as_text=True)
    assert "本阶段项目（500 个）" in stage and stage.count('id="milestone-') == 50
    assert "本阶段内的里程碑（1000 个，逾期的在前）" in stage
    assert len(stage) < 300_000 and len(page) < 300_000


def test_department_page_is_bounded(session, login):
    plan, _phase, _project = build_plan(session, 120)
    dept = session.get(Project, _project.id).lead_department
    client = login(make_user(session, Role.OFFICE, password=PASSWORD))
    page = client.get(f"/departments/{dept.id}").get_data(as_text=True)
    assert "参与的项目（120 个）" in page and page.count("<tr>") < 120
    assert "逾期里程碑（120 个，显示最早的 30 个）" in page  # each project's 2026-09-01 milestone is overdue

    def table(html):
        return html[
            html.index('id="department-projects"') : html.index("</table>", html.index('id="department-projects"'))
        ]

    third = table(client.get(f"/departments/{dept.id}?page=3").get_data(as_text=True))
    assert third.count("<tr>") == 20 + 1 and ">项目119<" in third and ">项目119<" not in table(page)


def test_numbers_in_the_url_past_any_id_are_ignored_not_a_500(session, login):
    client = login(make_user(session, Role.OFFICE, password=PASSWORD))
    for url in (
        "/projects?plan=99999999999999999999&page=99999999999999999999",
        "/my?page=-3",
        "/projects?department=1e9&phase=99999999999",
    ):
        assert client.get(url).status_code == 200, url
