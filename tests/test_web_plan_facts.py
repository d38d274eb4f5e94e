"""What issue 12 added to the model, on the pages: a plan's own words and 大事记, an indicator's link to
what it measures, several funding sources and a department's role on a project — shown, edited, recorded."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.conftest import PASSWORD
from tests.factories import make_user
from tracker.models import ChangeRecord, Phase, PhaseGoal, Plan, PlanEvent, PlanSection, Project
from tracker.services.seeding import seed
from tracker.vocab import DatePrecision, Role


def _seeded(session):
    seed(session, ["szwz", "ls2007", "szcx2006"])
    session.commit()
    return {p.code: p for p in session.scalars(select(Plan))}


def test_the_plan_page_shows_its_principles_basis_and_events(session, login):
    plans = _seeded(session)
    page = login(make_user(session, Role.LEADER, password=PASSWORD)).get(f"/plans/{plans['szwz'].id}")
    text = page.get_data(as_text=True)
    for heading in ("规划原文", "指导思想", "建设原则", "依据", "总体目标与具体目标", "大事记"):
        assert heading in text, heading
    events = text.split('id="event-table"')[1].split("</table>")[0]
    assert "2001年7月" in events and "试点城市" in events and "1998-12-18" in events
    assert events.index("1998-12-18") < events.index("2001年7月")  # in date order
    indicators = text.split('id="indicators"')[1].split("</table>")[0]
    assert "1.1 基础网络建设" in indicators  # what 城市出口总带宽 measures


def test_the_office_records_an_event_as_written_and_it_is_in_the_history(session, login):
    plans = _seeded(session)
    leader = make_user(session, Role.LEADER, password=PASSWORD)
    client = login(make_user(session, Role.OFFICE, password=PASSWORD))
    plan = plans["szwz"]
    response = client.post(
        f"/plans/{plan.id}/events/new",
        data={"occurred_on": "2004年上半年", "text": "数字温州规划纲要通过专家评审", "source": "市信息办简报"},
    )
    assert response.status_code == 302
    event = session.scalar(select(PlanEvent).where(PlanEvent.text == "数字温州规划纲要通过专家评审"))
    assert (event.occurred_precision, event.occurred_on.month) == (DatePrecision.HALF, 1)
    assert "2004年上半年" in client.get(f"/plans/{plan.id}").get_data(as_text=True)
    recorded = session.scalars(
        select(ChangeRecord.field).where(ChangeRecord.entity == "plan_events", ChangeRecord.entity_id == event.id)
    ).all()
    assert {"text", "occurred_on", "source"} <= set(recorded)
    refused = login(leader).post(f"/plans/{plan.id}/events/new", data={"text": "领导不能写"})
    assert refused.status_code == 403


def test_the_project_page_shows_each_funding_source_and_the_supporting_department(session, login):
    _seeded(session)
    client = login(make_user(session, Role.OFFICE, password=PASSWORD))
    library = session.scalar(select(Project).where(Project.code == "LS-1"))
    page = client.get(f"/projects/{library.id}").get_data(as_text=True)
    assert "政府投资、部门联建、电信支持" in re.sub(r"<[^>]+>", "", page)
    assert "中国电信丽水分公司（电信支持）" in page.split('id="role-support"')[1].split("</dd>")[0]
    network = session.scalar(select(Project).where(Project.code == "CX-7"))
    page = client.get(f"/projects/{network.id}").get_data(as_text=True)
    assert "运营商投资 1,200.00" in re.sub(r"<[^>]+>", "", page)


def test_an_indicator_is_linked_to_a_section_and_goal_on_its_form(session, login):
    plans = _seeded(session)
    plan = plans["szwz"]
    section = session.scalar(select(PlanSection).where(PlanSection.plan_id == plan.id, PlanSection.code == "1.5"))
    goal = session.scalar(
        select(PhaseGoal).join(Phase).where(Phase.plan_id == plan.id, Phase.ordinal == 2, PhaseGoal.ordinal == 1)
    )
    client = login(make_user(session, Role.OFFICE, password=PASSWORD))
    form = client.get(f"/plans/{plan.id}/indicators/new").get_data(as_text=True)
    assert "衡量的工程/任务" in form and "第1阶段 2." in form
    response = client.post(
        f"/plans/{plan.id}/indicators/new",
        data={
            "ordinal": "99",
            "name": "数据中心统一交换的部门数",
            "unit": "个",
            "section_id": str(section.id),
            "goal_id": str(goal.id),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True).split('id="indicators"')[1]
    row = page.split("数据中心统一交换的部门数")[1].split("</tr>")[0]
    assert "1.5 建立温州城市数据中心" in row and "第2阶段目标1" in row


def test_the_office_adds_a_funding_source_and_a_reviewing_department_on_the_web(session, login):
    from tracker.models import Department, Investment, InvestmentFunding, ProjectRole
    from tracker.vocab import FundingSource, ProjectRoleKind

    _seeded(session)
    project = session.scalar(select(Project).where(Project.code == "CX-8"))
    investment = Investment(project=project, year=2006, completed_amount=200)
    session.add(investment)
    session.commit()
    project_id, investment_id = project.id, investment.id
    finance = session.scalar(select(Department).where(Department.name == "长兴县发展和改革委员会"))
    finance_id = finance.id
    client = login(make_user(session, Role.OFFICE, password=PASSWORD))
    added = client.post(
        f"/investments/{investment_id}/fundings/new", data={"source": "fiscal", "amount": "150", "note": "县财政"}
    )
    assert added.status_code == 302, added.get_data(as_text=True)[:2000]
    funding = session.scalar(select(InvestmentFunding).where(InvestmentFunding.investment_id == investment_id))
    assert (funding.source, funding.amount, funding.project_id) == (FundingSource.FISCAL, 150, project_id)
    role = client.post(
        f"/projects/{project_id}/roles/new",
        data={"department_id": str(finance_id), "role": "review", "note": "立项联合审查"},
    )
    assert role.status_code == 302, role.get_data(as_text=True)[:2000]
    assert (
        session.scalar(select(ProjectRole.role).where(ProjectRole.project_id == project_id)) is ProjectRoleKind.REVIEW
    )
    page = re.sub(r"<[^>]+>", "", client.get(f"/projects/{project_id}").get_data(as_text=True))
    assert "县财政 150.00" in page and "长兴县发展和改革委员会（立项联合审查）" in page
    history = page.split("修改历史")[1]
    assert "资金来源" in history and "单位角色" in history  # both in the project's own history
