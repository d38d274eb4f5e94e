"""驾驶舱: the figures a leader reads, checked against an example worked by hand."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from tests.conftest import PASSWORD
from tests.factories import make_department, make_milestone, make_phase, make_plan, make_project, make_user
from tests.test_web_queries import counting_queries
from tracker import progress
from tracker.models import Investment
from tracker.services import reporting as R
from tracker.vocab import MilestoneStatus, ProjectStatus, ReportKind, Role
from tracker.web import page_cache

TODAY = dt.date(2026, 11, 26)


@pytest.fixture()
def worked(session, monkeypatch):
    """Stage 1 holds A (甲局, 在建, 100 万, 2026 plan 60, half its milestones done, one overdue since 10-01),
    B (甲局, 已完工, 50 万, no milestones, 20 completed in 2026 without reports), C (乙局, 未开工, 30 万,
    2026 plan 40, no milestones) and D (no lead, 取消). E (乙局) is in stage 2 only. October is confirmed:
    A 30, C 10; November is open and nobody has reported."""
    monkeypatch.setattr(progress, "today", lambda: TODAY)
    plan = make_plan(session, name="手算规划")
    one, two = make_phase(session, plan, 1, name="第一阶段：起步"), make_phase(session, plan, 2, name="第二阶段：深化")
    x, y = make_department(session, "甲局"), make_department(session, "乙局")
    a = make_project(
        session,
        plan,
        code="A",
        name="甲项目A",
        lead_department=x,
        status=ProjectStatus.IN_PROGRESS,
        total_budget=Decimal(100),
    )
    b = make_project(
        session,
        plan,
        code="B",
        name="甲项目B",
        lead_department=x,
        status=ProjectStatus.COMPLETED,
        total_budget=Decimal(50),
    )
    c = make_project(
        session,
        plan,
        code="C",
        name="乙项目C",
        lead_department=y,
        status=ProjectStatus.NOT_STARTED,
        total_budget=Decimal(30),
    )
    d = make_project(session, plan, code="D", name="无主项目D", status=ProjectStatus.CANCELLED)
    e = make_project(session, plan, code="E", name="乙项目E", lead_department=y, total_budget=Decimal(999))
    for project in (a, b, c, d):
        project.phases.append(one)
    e.phases.append(two)
    make_milestone(session, a, 1, name="需求", status=MilestoneStatus.DONE, planned_on=dt.date(2026, 3, 1))
    make_milestone(session, a, 2, name="上线", planned_on=dt.date(2026, 10, 1))
    make_milestone(session, e, 1, name="E的逾期", planned_on=dt.date(2026, 1, 1))
    session.add_all(
        [
            Investment(project=a, year=2026, planned_amount=Decimal(60)),
            Investment(project=b, year=2026, completed_amount=Decimal(20)),
            Investment(project=c, year=2026, planned_amount=Decimal(40)),
            Investment(project=e, year=2026, planned_amount=Decimal(500)),
        ]
    )
    office = make_user(session, Role.OFFICE, password=PASSWORD, username="o-dash")
    leader = make_user(session, Role.LEADER, password=PASSWORD, username="l-dash")
    october = R.open_period(session, plan, ReportKind.MONTH, 2026, 10)
    for dept, values in (
        (x, {a.id: R.EntryInput("A 完成招标", Decimal(30)), b.id: R.EntryInput("B 运维")}),
        (y, {c.id: R.EntryInput("C 前期", Decimal(10)), e.id: R.EntryInput("E 调研")}),
    ):
        sub = next(s for s in october.submissions if s.department_id == dept.id)
        R.save_submission(session, sub, values, {}, office, sub.version, submit=True)
        R.confirm_submission(session, sub, office, sub.version, today=TODAY)
    R.close_period(session, october, office, october.version)
    R.open_period(session, plan, ReportKind.MONTH, 2026, 11)
    session.commit()
    return locals()


def _page(html: str) -> str:
    """The page without its CSRF tokens, which are signed with the second they were made in."""
    return re.sub(r'name="csrf_token" value="[^"]*"', "", html)


def _text(html: str, section: str) -> str:
    start = html.index(f'id="{section}"')
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html[start : start + 20000]))


def test_headline_league_and_late_list_match_the_hand_worked_figures(session, login, worked):
    client = login(worked["leader"])
    assert client.get("/").headers["Location"].endswith("/dashboard")  # the leader's landing page
    html = client.get(f"/dashboard?plan={worked['plan'].id}&phase={worked['one'].id}").get_data(as_text=True)
    head = _text(html, "headline")
    assert "项目数 4" in head and "未开工 1 · 在建 1 · 已完工 1 · 取消 1" in head
    assert "66.7%" in head.split("开工率")[1][:60]  # 2 of the 3 not cancelled
    assert "总投资 180.00" in head and "2026年计划投资 100.00" in head
    assert "累计完成投资（1–11月） 60.00" in head  # A 30 + C 10 confirmed, B's 20 as entered
    assert "年度投资完成率（累计完成 ÷ 年度计划） 60.0%" in head
    assert "慢于序时进度 31.7 个百分点" in head  # 60.0 − 11/12
    assert "逾期里程碑 1" in head and "本期未报单位 2" in head
    assert "1 个项目未定责任单位" in head and "2 个项目无里程碑" in head
    stages = _text(html, "stages")
    # Stage 1: A 50% (100 万) and B 100% (50 万) by budget = 66.7%; C and D have no milestones.
    assert "66.7% 按总投资加权 · 2 个项目 · 2 个无里程碑，不计入" in stages
    league = _text(html, "league-table")
    # By default the department furthest behind comes first: 乙局 (25%), then 甲局 (83.3%).
    y_row, x_row = league[league.index("乙局") : league.index("甲局")], league[league.index("甲局") :]
    assert "1 30.00 40.00 10.00 25.0% 慢于序时进度 66.7 个百分点 0.0% 0 未报" in y_row
    assert "2 150.00 60.00 50.00 83.3% 慢于序时进度 8.4 个百分点 100.0% 1 未报" in x_row
    assert "999" not in league  # E is in stage 2 only
    late = _text(html, "late-table")
    assert "上线 A 甲项目A 甲局 2026-10-01 56 未开始 A 完成招标" in late
    assert "E的逾期" not in late
    # Sorting is kept in the URL.
    ascending = _text(
        client.get(f"/dashboard?plan={worked['plan'].id}&phase={worked['one'].id}&sort=share").get_data(as_text=True),
        "league-table",
    )
    descending = _text(
        client.get(f"/dashboard?plan={worked['plan'].id}&phase={worked['one'].id}&sort=share&dir=desc").get_data(
            as_text=True
        ),
        "league-table",
    )
    assert ascending.index("乙局") < ascending.index("甲局") and descending.index("甲局") < descending.index("乙局")


def test_the_whole_plan_and_the_charts_tables(session, login, worked):
    client = login(worked["office"])
    html = client.get(f"/dashboard?plan={worked['plan'].id}&phase=all").get_data(as_text=True)
    head = _text(html, "headline")
    assert "项目数 5" in head and "2026年计划投资 600.00" in head and "逾期里程碑 2" in head
    money = _text(html, "money-table")
    assert "按序时的计划累计 50.00 100.00" in money  # 600 / 12 a month
    assert "已确认完成累计 — — — — — — — — — 40.00 — —" in money  # October: A 30 + C 10
    assert '<svg class="chart"' in html and "<script" not in html.split("</main>")[0]


def test_departments_cannot_open_it_and_bad_choices_are_404(session, login, worked):
    dept = make_user(session, Role.DEPARTMENT, department=worked["x"], password=PASSWORD, username="d-dash")
    session.commit()
    assert login(dept).get("/dashboard").status_code == 403
    client = login(worked["leader"])
    assert client.get("/dashboard?plan=999999").status_code == 404
    assert client.get("/dashboard?plan=99999999999999999999").status_code == 404  # past any id: not a 500
    assert client.get("/dashboard?plan=abc").status_code == 404
    assert client.get(f"/dashboard?plan={worked['plan'].id}&phase=999999").status_code == 404


def test_dashboard_and_bulletin_queries_do_not_grow_with_the_plan(session, login, monkeypatch):
    monkeypatch.setattr(progress, "today", lambda: TODAY)

    def build(n):
        plan = make_plan(session)
        phase = make_phase(session, plan)
        departments = [make_department(session) for _ in range(max(2, n // 10))]
        for i in range(n):
            project = make_project(
                session,
                plan,
                lead_department=departments[i % len(departments)],
                status=ProjectStatus.IN_PROGRESS,
                total_budget=Decimal(10),
            )
            project.phases.append(phase)
            make_milestone(session, project, 1, planned_on=dt.date(2026, 1, 1))
            session.add(Investment(project=project, year=2026, planned_amount=Decimal(5)))
        period = R.open_period(session, plan, ReportKind.MONTH, 2026, 11)
        session.commit()
        return plan.id, period.id

    small, big = build(5), build(200)
    client = login(make_user(session, Role.LEADER, password=PASSWORD))
    for page in ("/dashboard?plan={plan}", "/periods/{period}/bulletin"):
        counts = []
        for plan_id, period_id in (small, big):
            with counting_queries() as statements:
                response = client.get(page.format(plan=plan_id, period=period_id))
            assert response.status_code == 200
            counts.append(len(statements))
        assert counts[0] == counts[1], (page, counts)
        assert len(response.data) < 300_000


def test_a_league_row_leads_to_the_department_and_its_workbook(session, login, worked):
    client = login(worked["leader"])
    html = client.get(f"/dashboard?plan={worked['plan'].id}").get_data(as_text=True)
    link = f"/departments/{worked['x'].id}"
    assert f'href="{link}"' in html
    page = client.get(link).get_data(as_text=True)
    export = f"/plans/{worked['plan'].id}/export.xlsx?department={worked['x'].id}"
    assert export in page.replace("&amp;", "&") and "导出本单位工作簿" in page
    response = client.get(export)
    assert response.status_code == 200 and response.data[:2] == b"PK"  # a leader may download it


HEADLINE = (
    "截至2026年11月底，纳入跟踪的5个项目已开工2个，开工率50.0%；2026年累计完成投资60万元，占年度计划600万元的"
    "10.0%，慢于序时进度（91.7%）81.7个百分点；2个里程碑逾期未完成；2个单位慢于序时进度。"
)


def _bulletin_xlsx(client, period_id):
    import io

    import openpyxl

    response = client.get(f"/periods/{period_id}/bulletin.xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    return list(book["督查通报"].iter_rows(values_only=True)), book["逾期里程碑"]


def test_the_bulletin_on_paper_and_in_excel_says_what_the_dashboard_says(session, login, worked):
    from sqlalchemy import select

    from tracker.models import ReportingPeriod

    november = session.scalar(
        select(ReportingPeriod).where(ReportingPeriod.plan_id == worked["plan"].id, ReportingPeriod.number == 11)
    )
    client = login(worked["leader"])
    page = client.get(f"/periods/{november.id}/bulletin").get_data(as_text=True)
    assert HEADLINE in page
    league = _text(page, "bulletin-league")
    assert league.index("甲局") < league.index("乙局")  # ranked by 完成年度计划%
    assert "1 甲局 2 100.0% 60.00 50.00 83.3% 慢于 8.4 个百分点 1 未报" in league
    assert "2 乙局 2 0.0% 540.00 10.00 1.9% 慢于 89.8 个百分点 1 未报" in league
    assert "合计 5 50.0% 600.00 60.00 10.0% 慢于 81.7 个百分点 2" in league
    # The dashboard for the whole plan shows the same figures.
    head = _text(client.get(f"/dashboard?plan={worked['plan'].id}&phase=all").get_data(as_text=True), "headline")
    assert (
        "项目数 5" in head and "50.0%" in head and "60.00" in head and "10.0%" in head and "慢于序时进度 81.7" in head
    )
    rows, late = _bulletin_xlsx(client, november.id)
    assert rows[0][0] == "手算规划2026年11月信息化项目建设督查通报"
    assert rows[1][0].startswith("数据截至：2026年11月30日") and rows[1][-1] == "单位：万元"
    assert rows[2][0] == HEADLINE
    by_name = {row[1]: row for row in rows[4:]}
    assert by_name["甲局"][:4] == (1, "甲局", 2, 2) and by_name["甲局"][7] == 50 and by_name["甲局"][10] == "慢于 8.4"
    assert by_name["乙局"][0] == 2 and by_name["合计：2 个单位"][6:8] == (600, 60)
    assert [r[0] for r in late.iter_rows(min_row=2, values_only=True)] == ["E的逾期", "上线"]


def test_a_closed_periods_bulletin_is_frozen(session, login, worked):
    from sqlalchemy import select

    from tracker.models import Investment, ReportingPeriod, set_change_context
    from tracker.vocab import ChangeSource

    november = session.scalar(
        select(ReportingPeriod).where(ReportingPeriod.plan_id == worked["plan"].id, ReportingPeriod.number == 11)
    )
    R.close_period(session, november, worked["office"], november.version, today=TODAY)
    session.commit()
    client = login(worked["leader"])
    page = client.get(f"/periods/{november.id}/bulletin").get_data(as_text=True)
    assert HEADLINE in page and "本期已关闭，数据已冻结" in page
    late = _text(page, "bulletin-late")
    assert "上线 A 甲项目A 甲局 2026-10-01 60" in late  # late as of the period's end, 11-30
    set_change_context(session, ChangeSource.CLI)
    investment = session.scalar(select(Investment).where(Investment.project_id == worked["a"].id))
    investment.planned_amount = Decimal(9999)
    from tracker.models import Milestone

    session.scalar(select(Milestone).where(Milestone.name == "上线")).status = MilestoneStatus.DONE
    session.commit()
    again = client.get(f"/periods/{november.id}/bulletin").get_data(as_text=True)
    assert HEADLINE in again and "9,999" not in again and "上线" in _text(again, "bulletin-late")


def test_indicators_are_judged_on_the_dashboard(session, login, worked):
    from tracker.models import Indicator, IndicatorValue
    from tracker.vocab import TargetDirection

    session.add(
        Indicator(
            plan=worked["plan"],
            name="宽带用户",
            unit="万户",
            target_value=Decimal(30),
            target_year=2026,
            target_direction=TargetDirection.ABOVE,
            values=[IndicatorValue(year=2025, value=Decimal(20)), IndicatorValue(year=2026, value=Decimal(31))],
        )
    )
    session.commit()
    html = login(worked["leader"]).get(f"/dashboard?plan={worked['plan'].id}").get_data(as_text=True)
    row = _text(html, "indicator-table")
    assert "宽带用户 超过30万户 2026 已达成 （2026年 31） 2025年 20万户；2026年 31万户" in row
    assert 'aria-label="宽带用户"' in html  # its chart, with the target line


def test_kept_pages_are_served_until_the_data_changes(session, login, worked, app, tmp_path):
    from sqlalchemy import select

    from tracker.models import Investment, Milestone, set_change_context
    from tracker.vocab import ChangeSource

    app.config.update(PAGE_CACHE=True, PAGE_CACHE_DIR=str(tmp_path))
    page_cache.clear()
    try:
        client = login(worked["leader"])
        url = f"/dashboard?plan={worked['plan'].id}&phase=all"
        with counting_queries() as first:
            before = client.get(url).get_data(as_text=True)
        with counting_queries() as second:
            again = client.get(url).get_data(as_text=True)
        assert _page(again) == _page(before) and len(second) < len(first) // 2
        # kept where every worker of the host reads it
        assert [p.read_text(encoding="utf-8") in before for p in tmp_path.glob("*.html")] == [True]
        assert "2026年计划投资 600.00" in _text(before, "headline")
        # A department's note on a milestone changes no figure: the kept page stays.
        set_change_context(session, ChangeSource.CLI)
        milestone = session.scalar(select(Milestone).where(Milestone.project_id == worked["a"].id).limit(1))
        milestone.note = "已完成招标文件初稿"
        session.commit()
        with counting_queries() as after_note:
            assert _page(client.get(url).get_data(as_text=True)) == _page(before)
        assert len(after_note) < len(first) // 2
        set_change_context(session, ChangeSource.CLI)  # any other recorded change makes the kept page stale
        investment = session.scalar(select(Investment).where(Investment.project_id == worked["a"].id))
        investment.planned_amount = Decimal(160)
        session.commit()
        assert "2026年计划投资 700.00" in _text(client.get(url).get_data(as_text=True), "headline")
    finally:
        app.config.update(PAGE_CACHE=False, PAGE_CACHE_DIR=None)


def test_kept_pages_are_bounded_oldest_first(tmp_path):
    import os

    for n in range(page_cache.LIMIT + 3):
        path = tmp_path / f"{n:03d}.html"
        page_cache._keep(tmp_path, path, f"第{n}页")
        os.utime(path, (n, n))  # written one after another, as over a day
    kept = sorted(p.name for p in tmp_path.iterdir())
    assert len(kept) == page_cache.LIMIT and kept[0] == "003.html" and kept[-1] == f"{page_cache.LIMIT + 2:03d}.html"


def test_kept_figures_on_the_plan_and_stage_pages_follow_every_change(session, login, worked, app, tmp_path):
    """The plan page's roll-ups and the stage page's completion are kept until the data changes: the
    next view asks fewer queries, and a milestone marked 已完成 shows at once."""
    import re

    from sqlalchemy import select

    from tracker.models import Milestone, set_change_context
    from tracker.vocab import ChangeSource

    def overall(html: str) -> str:
        return re.sub(r"<[^>]+>|\s+", "", html.split("总体完成（里程碑完成率）：", 1)[1].split("</p>", 1)[0])

    plan_url, phase_url = f"/plans/{worked['plan'].id}", f"/phases/{worked['one'].id}"
    app.config.update(PAGE_CACHE=True, PAGE_CACHE_DIR=str(tmp_path))
    page_cache.clear()
    try:
        client = login(worked["office"])
        with counting_queries() as first:
            before = client.get(plan_url).get_data(as_text=True)
            stage_before = client.get(phase_url).get_data(as_text=True)
        with counting_queries() as second:
            assert _page(client.get(plan_url).get_data(as_text=True)) == _page(before)
            assert _page(client.get(phase_url).get_data(as_text=True)) == _page(stage_before)
        assert len(second) < len(first)
        set_change_context(session, ChangeSource.CLI)
        launch = session.scalar(select(Milestone).where(Milestone.name == "上线"))
        launch.status, launch.actual_on = MilestoneStatus.DONE, TODAY
        session.commit()
        after = client.get(plan_url).get_data(as_text=True)
        # by total budget: A 100 × ½ → 1, B 50 已完工, E 999 × 0, of 1,149 万元
        assert overall(before).startswith("8.7%") and overall(after).startswith("13.1%")
        stage_after = client.get(phase_url).get_data(as_text=True)
        row = lambda html: re.sub(r"<[^>]+>|\s+", " ", html.split("上线", 1)[1].split("</tr>", 1)[0])  # noqa: E731
        # the stage's milestone list: 上线 was overdue, now it is done on TODAY
        assert "逾期" in row(stage_before) and str(TODAY) not in row(stage_before)
        assert "逾期" not in row(stage_after) and str(TODAY) in row(stage_after)
    finally:
        app.config.update(PAGE_CACHE=False, PAGE_CACHE_DIR=None)


def test_the_period_page_keeps_its_money_until_a_report_changes_it(session, login, worked, app, tmp_path):
    from sqlalchemy import select

    from tracker.models import ReportingPeriod, set_change_context
    from tracker.vocab import ChangeSource

    november = session.scalar(select(ReportingPeriod).where(ReportingPeriod.number == 11))
    url = f"/periods/{november.id}"
    app.config.update(PAGE_CACHE=True, PAGE_CACHE_DIR=str(tmp_path))
    page_cache.clear()
    try:
        client = login(worked["office"])
        before = client.get(url).get_data(as_text=True)
        assert _page(client.get(url).get_data(as_text=True)) == _page(before) and "15.00" not in before
        set_change_context(session, ChangeSource.CLI)
        november = session.get(ReportingPeriod, november.id)
        sub = next(s for s in november.submissions if s.department_id == worked["x"].id)
        office = session.get(type(worked["office"]), worked["office"].id)
        # a draft is enough: 本期完成 counts what the period's report says, whatever its status
        R.save_submission(
            session, sub, {worked["a"].id: R.EntryInput("A 部署", Decimal(15))}, {}, office, sub.version, submit=False
        )
        session.commit()

        def row_of_x(html: str) -> str:  # 甲局's row of the table, tags and all
            return html.split(f'id="department-{worked["x"].id}"', 1)[1].split("</tr>", 1)[0]

        assert "15.00" not in row_of_x(before)
        assert "15.00" in row_of_x(client.get(url).get_data(as_text=True))
    finally:
        app.config.update(PAGE_CACHE=False, PAGE_CACHE_DIR=None)


def test_a_kept_page_that_cannot_be_written_still_shows(session, login, worked, app, tmp_path):
    """A full disk or an instance folder the app may not write costs speed, never the page."""
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the folder of kept pages should be")
    app.config.update(PAGE_CACHE=True, PAGE_CACHE_DIR=str(blocked / "kept-pages"))
    try:
        response = login(worked["leader"]).get(f"/dashboard?plan={worked['plan'].id}&phase=all")
        assert response.status_code == 200
        assert "2026年计划投资 600.00" in _text(response.get_data(as_text=True), "headline")
    finally:
        app.config.update(PAGE_CACHE=False, PAGE_CACHE_DIR=None)
