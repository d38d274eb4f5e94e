"""The reporting cycle as its users meet it: 本期应报 on 我的工作, the period page, 催报, return, confirm, close."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD
from tests.factories import make_department, make_milestone, make_plan, make_project, make_user
from tests.test_web_queries import counting_queries
from tracker.models import (
    ChangeRecord,
    Investment,
    Milestone,
    Project,
    ReportEntry,
    ReportSubmission,
    set_change_context,
)
from tracker.services import reporting as R
from tracker.vocab import ChangeSource, MilestoneStatus, ReportKind, Role, SubmissionStatus


@pytest.fixture()
def town(session):
    plan = make_plan(session, name="数字某市")
    roads = make_department(session, "某市交通局", contact="王工 0577-1234567")
    health = make_department(session, "某市卫生局")
    p1 = make_project(session, plan, code="2.1", name="智能交通", lead_department=roads, total_budget=Decimal(500))
    p2 = make_project(session, plan, code="2.2", name="公交一卡通", lead_department=roads)
    p3 = make_project(session, plan, code="3.1", name="区域卫生平台", lead_department=health)
    m1 = make_milestone(session, p1, 1, name="信号系统招标", planned_on=dt.date(2026, 11, 20))
    session.add(Investment(project=p1, year=2026, planned_amount=Decimal(300)))
    users = {
        "office": make_user(session, Role.OFFICE, password=PASSWORD, username="o1"),
        "leader": make_user(session, Role.LEADER, password=PASSWORD, username="l1"),
        "roads": make_user(session, Role.DEPARTMENT, department=roads, password=PASSWORD, username="r1"),
        "health": make_user(session, Role.DEPARTMENT, department=health, password=PASSWORD, username="h1"),
    }
    period = R.open_period(session, plan, ReportKind.MONTH, 2026, 11)
    session.commit()
    return locals()


def _sub(session, town, dept="roads"):
    return session.scalar(
        select(ReportSubmission).where(
            ReportSubmission.period_id == town["period"].id, ReportSubmission.department_id == town[dept].id
        )
    )


def _fill(client, sub, action="submit", **fields):
    """Post the department's form at the submission's current version."""
    from tracker.extensions import db

    version = db.session.scalar(select(ReportSubmission.version).where(ReportSubmission.id == sub.id))
    return client.post(f"/submissions/{sub.id}/fill", data={"version": version, "action": action, **fields})


def _fresh(session, record):
    """The record as the database holds it now (a request has closed the test's session)."""
    from sqlalchemy import inspect

    session.expire_all()
    return session.get(type(record), inspect(record).identity[0])


def test_department_sees_its_due_report_and_fills_it_in_one_form(session, login, town):
    client = login(town["users"]["roads"])
    page = client.get("/my").get_data(as_text=True)
    assert "本期应报" in page and "2026年11月 月报" in page and "截止 2026-12-05" in page
    # One form for all its projects, nothing of the other department's.
    assert page.count('name="progress-') == 2 and "智能交通" in page and "区域卫生平台" not in page
    assert f'name="ms-{town["m1"].id}"' in page
    sub = _sub(session, town)
    p1, p2, m1 = town["p1"], town["p2"], town["m1"]
    response = _fill(client, sub, "draft", **{f"progress-{p1.id}": "完成信号系统招标", f"amount-{p1.id}": "120.5"})
    assert response.status_code == 302
    sub = _fresh(session, sub)
    assert sub.status is SubmissionStatus.PENDING and sub.draft_saved_at is not None
    page = client.get("/my").get_data(as_text=True)
    assert "完成信号系统招标" in page and "120.5" in page  # the draft is kept
    response = _fill(
        client,
        sub,
        **{
            f"progress-{p1.id}": "完成信号系统招标",
            f"amount-{p1.id}": "120.5",
            f"progress-{p2.id}": "需求调研",
            f"amount-{p2.id}": "",
            f"issues-{p2.id}": "资金未落实",
            f"ms-{m1.id}": "done",
            f"ms-actual-{m1.id}": "2026-11-18",
            f"ms-version-{m1.id}": m1.version,
        },
    )
    assert response.status_code == 302
    sub = _fresh(session, sub)
    assert sub.status is SubmissionStatus.SUBMITTED and sub.submitted_by_id == town["users"]["roads"].id
    entries = {e.project_id: e for e in session.scalars(select(ReportEntry).where(ReportEntry.submission_id == sub.id))}
    assert entries[p1.id].completed_amount == Decimal("120.50") and entries[p2.id].completed_amount is None
    assert entries[p2.id].issues == "资金未落实"
    # Submitted: the page shows it without a form, and the department cannot change it.
    page = client.get("/my").get_data(as_text=True)
    assert 'name="progress-' not in page and "查看已报内容" in page
    assert _fill(client, sub, **{f"progress-{p1.id}": "改"}).status_code == 422
    assert client.post(f"/submissions/{sub.id}/confirm", data={"version": sub.version}).status_code == 403


def test_a_bad_amount_is_refused_with_the_field_named_and_nothing_saved(session, login, town):
    client = login(town["users"]["roads"])
    sub = _sub(session, town)
    p1 = town["p1"]
    response = _fill(client, sub, **{f"progress-{p1.id}": "进行中", f"amount-{p1.id}": "一百二十"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "本期完成投资" in page and "一百二十" in page  # what was typed stays in the field
    sub = _fresh(session, sub)
    assert session.scalar(select(func.count(ReportEntry.id))) == 0 and sub.status is SubmissionStatus.PENDING
    # Submitting with a project left empty names it.
    response = _fill(client, sub, **{f"progress-{p1.id}": "进行中"})
    assert response.status_code == 422 and "2.2" in response.get_data(as_text=True)
    sub = _fresh(session, sub)
    assert session.scalar(select(func.count(ReportEntry.id))) == 0


def test_versionless_and_stale_posts_change_nothing(session, login, town):
    office = login(town["users"]["office"])
    roads = login(town["users"]["roads"])
    sub = _sub(session, town)
    p1 = town["p1"]
    assert (
        roads.post(f"/submissions/{sub.id}/fill", data={"action": "draft", f"progress-{p1.id}": "x"}).status_code == 400
    )
    assert _fill(roads, sub, "draft", **{f"progress-{p1.id}": "第一稿"}).status_code == 302
    stale = {"version": _fresh(session, sub).version, "action": "draft", f"progress-{p1.id}": "旧窗口"}
    assert _fill(roads, sub, "draft", **{f"progress-{p1.id}": "第二稿"}).status_code == 302
    response = roads.post(f"/submissions/{sub.id}/fill", data=stale)
    assert response.status_code == 409 and "旧窗口" in response.get_data(as_text=True)
    sub = _fresh(session, sub)
    assert session.scalar(select(ReportEntry.progress_text)) == "第二稿"
    period = town["period"]
    sub = _fresh(session, sub)
    for url in (f"/periods/{period.id}/close", f"/submissions/{sub.id}/confirm", f"/periods/{period.id}/due"):
        assert office.post(url, data={"due_on": "2026-12-10"}).status_code == 400, url
    period = _fresh(session, period)
    assert period.is_open and period.due_on == dt.date(2026, 12, 5)


def test_office_returns_department_resubmits_office_confirms_and_closes(session, login, town):
    office, roads = login(town["users"]["office"]), login(town["users"]["roads"])
    sub, period = _sub(session, town), town["period"]
    p1, p2, m1 = town["p1"], town["p2"], town["m1"]
    _fill(
        roads,
        sub,
        **{
            f"progress-{p1.id}": "招标完成",
            f"amount-{p1.id}": "100",
            f"progress-{p2.id}": "调研",
            f"ms-{m1.id}": "done",
            f"ms-actual-{m1.id}": "2026-11-18",
            f"ms-version-{m1.id}": m1.version,
        },
    )
    page = office.get(f"/periods/{period.id}").get_data(as_text=True)
    counts = re.sub(
        r"\s+", " ", page[page.index('id="status-counts"') : page.index("</ul>", page.index('id="status-counts"'))]
    )
    assert (
        "应报 <strong>2</strong>" in counts
        and "已报 <strong>1</strong>" in counts
        and "未报 <strong>1</strong>" in counts
    )
    sub = _fresh(session, sub)
    response = office.post(f"/submissions/{sub.id}/return", data={"version": sub.version, "reason": ""})
    assert response.status_code == 422 and "退回原因" in response.get_data(as_text=True)
    sub = _fresh(session, sub)
    office.post(f"/submissions/{sub.id}/return", data={"version": sub.version, "reason": "投资数与财务不符"})
    sub = _fresh(session, sub)
    assert sub.status is SubmissionStatus.RETURNED
    page = roads.get("/my").get_data(as_text=True)
    assert "投资数与财务不符" in page and 'name="progress-' in page and "重新提交" in page
    _fill(roads, sub, **{f"progress-{p1.id}": "招标完成", f"amount-{p1.id}": "80", f"progress-{p2.id}": "调研"})
    sub = _fresh(session, sub)
    assert sub.status is SubmissionStatus.SUBMITTED
    compare = office.get(f"/submissions/{sub.id}").get_data(as_text=True)
    assert "招标完成" in compare and "80.00" in compare
    assert office.post(f"/submissions/{sub.id}/confirm", data={"version": sub.version}).status_code == 302
    sub = _fresh(session, sub)
    assert sub.status is SubmissionStatus.CONFIRMED
    assert session.get(Milestone, m1.id).status is MilestoneStatus.DONE
    assert session.scalar(select(Investment.completed_amount).where(Investment.project_id == p1.id)) == Decimal("80.00")
    page = office.get(f"/periods/{period.id}").get_data(as_text=True)
    row = page[page.index(f'id="department-{town["roads"].id}"') :]
    row = row[: row.index("</tr>")]
    assert "300.00" in row and "80.00" in row and "26.7%" in row  # 80 / 300 of the year's plan
    assert "慢 65.0 个百分点" in row  # 序时进度 11/12 = 91.7%

    period = _fresh(session, period)
    assert office.post(f"/periods/{period.id}/close", data={"version": period.version}).status_code == 302
    period = _fresh(session, period)
    assert not period.is_open
    # Later edits never change the closed period's figures.
    set_change_context(session, ChangeSource.CLI)
    investment = session.scalar(select(Investment).where(Investment.project_id == p1.id))
    investment.planned_amount, investment.completed_amount = Decimal(1000), Decimal(999)
    session.get(Project, p1.id).name = "智能交通（二期）"
    session.commit()
    page = office.get(f"/periods/{period.id}").get_data(as_text=True)
    row = page[page.index(f'id="department-{town["roads"].id}"') :]
    row = row[: row.index("</tr>")]
    assert "300.00" in row and "80.00" in row and "26.7%" in row and "999" not in row
    entry = office.get(f"/submissions/{sub.id}").get_data(as_text=True)
    entry = entry[entry.index(f'id="entry-{p1.id}"') :]
    assert "80.00" in entry[: entry.index("</tr>")] and "999" not in entry[: entry.index("</tr>")]
    history = office.get(f"/submissions/{sub.id}").get_data(as_text=True)
    history = history[history.index('id="history"') :]
    assert "投资数与财务不符" in history and "已确认" in history and "退回" in history
    # Every step is in the history with who took it.
    who = dict(
        session.execute(
            select(ChangeRecord.new_value, ChangeRecord.user_id).where(
                ChangeRecord.entity == "report_submissions", ChangeRecord.field == "status"
            )
        ).all()
    )
    assert who["returned"] == town["users"]["office"].id and who["confirmed"] == town["users"]["office"].id
    assert who["submitted"] == town["users"]["roads"].id


def test_overdue_departments_are_red_and_listed_for_reminding(session, login, town, monkeypatch):
    from tracker import progress

    monkeypatch.setattr(progress, "today", lambda: dt.date(2026, 12, 9))
    client = login(town["users"]["office"])
    page = client.get(f"/periods/{town['period'].id}").get_data(as_text=True)
    row = page[page.index(f'id="department-{town["health"].id}"') :]
    assert 'class="overdue"' in row[:200] and "4 天" in row[: row.index("</tr>")]
    page = client.get(f"/periods/{town['period'].id}/reminders").get_data(as_text=True)
    text = page[page.index('id="reminder-text"') :]
    assert "某市交通局（联系人：王工 0577-1234567）：未报，已逾期 4 天；缺形象进度的项目 2 个" in text
    assert "某市卫生局：未报，已逾期 4 天" in text
    roads = login(town["users"]["roads"])
    assert "已逾期 4 天" in roads.get("/my").get_data(as_text=True)


def test_leader_reads_everything_and_changes_nothing(session, login, town):
    client = login(town["users"]["leader"])
    sub, period = _sub(session, town), town["period"]
    assert client.get(f"/periods/{period.id}").status_code == 200
    assert client.get(f"/submissions/{sub.id}").status_code == 200
    for url, data in (
        (f"/submissions/{sub.id}/fill", {"action": "submit"}),
        (f"/submissions/{sub.id}/confirm", {}),
        (f"/periods/{period.id}/close", {}),
        (f"/plans/{town['plan'].id}/periods/open", {}),
    ):
        assert client.post(url, data={"version": 1, **data}).status_code == 403, url
    health = login(town["users"]["health"])
    assert health.get(f"/submissions/{sub.id}/fill").status_code == 403
    assert health.get(f"/periods/{period.id}").status_code == 403


def test_office_opens_the_next_period_in_one_step(session, login, town):
    client = login(town["users"]["office"])
    plan, period = town["plan"], town["period"]
    page = client.get(f"/plans/{plan.id}/periods").get_data(as_text=True)
    assert "2026年11月 月报 仍在填报中" in page
    client.post(f"/periods/{period.id}/close", data={"version": _fresh(session, period).version})
    page = client.get(f"/plans/{plan.id}/periods").get_data(as_text=True)
    assert "开启 2026年12月 月报" in page
    response = client.post(f"/plans/{plan.id}/periods/open")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2026年12月 月报" in page and "2027-01-05" in page


def test_my_work_lists_every_milestone_overdue_first_and_keeps_them_after_a_save(session, login, town):
    c = town
    roads = c["roads"]
    helper_of = make_project(session, c["plan"], code="9.9", name="配合的项目", lead_department=c["health"])
    helper_of.cooperators.append(roads)
    late = make_milestone(session, c["p2"], 1, name="早已逾期", planned_on=dt.date(2020, 1, 1))
    far = make_milestone(session, c["p2"], 2, name="明年的事", planned_on=dt.date(2027, 12, 1))
    theirs = make_milestone(session, helper_of, 1, name="配合项目的里程碑", planned_on=dt.date(2027, 1, 1))
    session.commit()
    client = login(c["users"]["roads"])
    page = client.get("/my").get_data(as_text=True)
    section = page[page.index('id="my-milestones"') : page.index('id="my-projects"')]
    assert section.index("早已逾期") < section.index("明年的事")
    assert "配合项目的里程碑" in section and "配合的项目" in page
    # Only its own projects' milestones have a form.
    assert f'action="/milestones/{far.id}/progress"' in section
    assert f'action="/milestones/{theirs.id}/progress"' not in section
    response = client.post(
        f"/milestones/{late.id}/progress",
        data={"status": "done", "actual_on": "2026-11-01", "version": late.version, "next": "/my"},
    )
    assert response.headers["Location"].endswith("/my")
    page = client.get("/my").get_data(as_text=True)
    section = page[page.index('id="my-milestones"') : page.index('id="my-projects"')]
    assert "早已逾期" in section and "明年的事" in section  # nothing vanished after the save


def test_period_page_and_department_form_use_a_fixed_number_of_queries(session, login):
    def build(n_departments, mine):
        """`n_departments` due to report; the first leads `mine` projects, every other one project."""
        plan = make_plan(session)
        departments = [make_department(session) for _ in range(n_departments)]
        leads = [departments[0]] * mine + departments[1:]
        for i, lead in enumerate(leads):
            project = Project(plan=plan, code=f"Q{i}", name=f"项目{i}", lead_department=lead, total_budget=Decimal(10))
            project.milestones = [Milestone(ordinal=1, name="一", planned_on=dt.date(2026, 12, 1))]
            project.investments = [Investment(year=2026, planned_amount=Decimal(5))]
            session.add(project)
        session.flush()
        period = R.open_period(session, plan, ReportKind.MONTH, 2026, 11)
        user = make_user(session, Role.DEPARTMENT, department=departments[0], password=PASSWORD)
        session.commit()
        return period, user

    small, small_user = build(2, 3)
    big, big_user = build(200, 300)  # the office's 200 departments; one department with 300 projects
    office = login(make_user(session, Role.OFFICE, password=PASSWORD))
    counts = {}
    for name, url_small, url_big in (
        ("period", f"/periods/{small.id}", f"/periods/{big.id}"),
        ("reminders", f"/periods/{small.id}/reminders", f"/periods/{big.id}/reminders"),
    ):
        counts[name] = [_count(office, url_small), _count(office, url_big)]
    for _name, user, period in (("small", small_user, small), ("big", big_user, big)):
        client = login(_fresh(session, user))
        counts.setdefault("my", []).append(_count(client, "/my"))
        sub = session.scalar(
            select(ReportSubmission).where(
                ReportSubmission.period_id == period.id, ReportSubmission.department_id == user.department_id
            )
        )
        counts.setdefault("fill", []).append(_count(client, f"/submissions/{sub.id}/fill"))
        counts.setdefault("submission", []).append(_count(office, f"/submissions/{sub.id}"))
    print(counts)
    for name, (few, many) in counts.items():
        assert few == many, (name, counts)
    assert max(max(c) for c in counts.values()) <= 25
    page = office.get(f"/periods/{big.id}").get_data(as_text=True)
    assert page.count('<tr id="department-') == 200


def _count(client, url) -> int:
    with counting_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(statements)
