"""The seed plans say what the documents say — and nothing they do not."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tracker.models import (
    Base,
    ChangeRecord,
    Department,
    Indicator,
    Milestone,
    Plan,
    PlanSection,
    Project,
    User,
)
from tracker.services.seeding import seed
from tracker.vocab import ChangeSource, MilestoneStatus, ProjectStatus

WENZHOU_ITEMS = {
    "1.1": "基础网络建设",
    "1.2": "互联网交换中心",
    "1.3": "基础及应用信息资源数据库",
    "1.4": "信用温州信息化工程",
    "1.5": "建立温州城市数据中心",
    "2.1": "温州产业园区信息化建设",
    "2.2": "建立中小型企业信息技术服务中心",
    "2.3": "建立公共电子商务平台",
    "2.4": "现代物流信息平台建设",
    "2.5": "数字化世界温州人",
    "2.6": "发展温州信息产业",
    "2.7": "培育信息化咨询业",
    "2.8": "政府办公自动化",
    "2.9": "网上审批服务系统",
    "2.10": "门户网站",
    "2.11": "企业报表系统",
    "2.12": "重点业务建设项目",
    "2.13": "温州城市一卡通工程",
    "2.14": "推广社区信息化",
    "2.15": "农村信息化",
}


@pytest.fixture()
def seeded(session):
    seed(session)
    return session


def plan(session, code) -> Plan:
    return session.scalar(select(Plan).where(Plan.code == code))


def path_of(section: PlanSection) -> list[str]:
    names = []
    while section is not None:
        names.append(section.title)
        section = section.parent
    return names[::-1]


def test_wenzhou_has_three_stages_with_13_7_6_goals(seeded):
    wenzhou = plan(seeded, "szwz")
    assert [p.name.split("：")[0] for p in wenzhou.phases] == ["第一阶段", "第二阶段", "第三阶段"]
    assert [len(p.goals) for p in wenzhou.phases] == [13, 7, 6]
    assert wenzhou.phases[0].name == "第一阶段：与时俱进，全面启动数字温州建设"
    assert wenzhou.phases[0].goals[1].text == "建设互联网数据交换中心"
    assert wenzhou.phases[2].goals[0].text == "继续完善数据中心，在数字温州工程中发挥枢纽作用"


def test_wenzhou_items_are_sections_with_a_project_each(seeded):
    wenzhou = plan(seeded, "szwz")
    items = {s.code: s for s in wenzhou.sections if s.code and "." in s.code}
    assert {code: s.title for code, s in items.items()} == WENZHOU_ITEMS
    projects = {p.code: p for p in wenzhou.projects}
    assert {code: p.name for code, p in projects.items()} == WENZHOU_ITEMS
    for code, project in projects.items():
        assert project.section is items[code]


def test_wenzhou_231_tree(seeded):
    wenzhou = plan(seeded, "szwz")
    by_code = {p.code: p for p in wenzhou.projects}
    assert path_of(by_code["1.1"].section) == ["231工程", "二项基础信息工程", "基础网络平台建设", "基础网络建设"]
    assert path_of(by_code["2.13"].section) == ["231工程", "三大体系", "社区农村信息化", "温州城市一卡通工程"]
    roots = [s for s in wenzhou.sections if s.parent is None]
    assert [r.title for r in roots] == ["231工程"]
    assert [c.title for c in roots[0].children] == ["二项基础信息工程", "三大体系", "一个目标"]


def test_wenzhou_goals_link_the_projects_they_name(seeded):
    wenzhou = plan(seeded, "szwz")
    first = wenzhou.phases[0]
    assert [p.code for p in first.goals[1].projects] == ["1.2"]  # 互联网数据交换中心
    assert [p.code for p in first.goals[5].projects] == ["2.10"]  # 政务门户网站
    assert first.goals[2].projects == []  # 技术标准体系: no construction item in the text
    data_centre = next(p for p in wenzhou.projects if p.code == "1.5")
    assert [ph.ordinal for ph in data_centre.phases] == [2, 3]


def test_wenzhou_targets_2007_and_2015(seeded):
    indicators = {i.name: i for i in plan(seeded, "szwz").indicators}
    assert indicators["全市电子商务交易额"].target_value == 50
    assert indicators["全市电子商务交易额"].unit == "亿元"
    assert indicators["全市电子商务交易额"].target_year == 2007
    assert indicators["宽带接入的家庭普及率（全市）"].target_value == 60
    assert indicators["信息制造业产值"].target_value == 200
    assert {i.target_year for i in indicators.values()} >= {2007, 2015}


def test_wenzhou_departments_named_in_the_text(seeded):
    names = set(seeded.scalars(select(Department.name)))
    assert {
        "温州市信息化工作领导小组",
        "温州市信息化办公室",
        "温州市发展计划委员会",
        "温州市财政局",
        "温州市公安局",
        "温州市社保局",
    } <= names


def test_nothing_invented_without_demo(seeded):
    wenzhou = plan(seeded, "szwz")
    assert wenzhou.start_year is None and wenzhou.end_year is None
    for project in wenzhou.projects:
        assert project.lead_department is None, project.code
        assert project.total_budget is None and project.status is None, project.code
        assert project.planned_start_on is None and project.planned_end_on is None, project.code
        assert project.investments == [], project.code
        # Milestones only where the text dates a step itself (2.6: 2005年以前…, 2007年以前…).
        assert [m.note for m in project.milestones] == (
            ["原文：2005年以前", "原文：2007年以前"] if project.code == "2.6" else []
        ), project.code
    for phase in wenzhou.phases:
        assert phase.planned_start_on is None and phase.planned_end_on is None
    assert seeded.scalar(select(func.count(User.id))) == 0


def test_wenling_six_tasks_and_subtasks(seeded):
    wenling = plan(seeded, "wl115")
    assert (wenling.start_year, wenling.end_year) == (2006, 2010)
    tasks = next(s for s in wenling.sections if s.parent is None and s.title == "主要任务").children
    assert [t.code for t in tasks] == ["（一）", "（二）", "（三）", "（四）", "（五）", "（六）"]
    assert [len(t.children) for t in tasks] == [3, 2, 2, 2, 5, 3]
    assert tasks[4].children[1].title == "完善政府综合门户网站"
    assert {p.code: p.name for p in wenling.projects}["5.2"] == "完善政府综合门户网站"
    measures = next(s for s in wenling.sections if s.parent is None and s.title == "保障措施").children
    assert [m.title for m in measures] == [
        "加强组织领导",
        "创新投入机制",
        "强化安全保障",
        "壮大人才队伍",
        "抓好宣传培训",
    ]


def test_wenling_2010_targets(seeded):
    indicators = {i.name: i for i in plan(seeded, "wl115").indicators}
    assert indicators["公务员中熟练应用计算机技术的人数比例"].target_value == 70
    assert indicators["中小学计算机教育普及率"].target_value == 100
    assert indicators["上网用户普及率"].target_value == 20
    # Every target is for 2010; the 十五 figures are baselines, without a target.
    assert all(i.target_year == 2010 for i in indicators.values() if i.target_text)
    assert indicators["“十五”期间政府部门信息化建设总投入"].baseline_value == Decimal("1.4")


def test_changxing_programme_figures(seeded):
    changxing = plan(seeded, "szcx2006")
    indicators = {i.name: i for i in changxing.indicators}
    total = indicators["信息化重点项目总投资"]
    assert (total.unit, total.values[0].year, total.values[0].value) == ("万元", 2006, Decimal("2900"))
    count = indicators["信息化重点项目计划数"]
    assert (count.target_value, count.values[0].value) == (13, 16)
    names = {p.name for p in changxing.projects}
    assert {
        "长兴县电子政务网络建设项目",
        "长兴县农村党员干部现代远程教育试点工程",
        "长兴数字化图书馆工程",
        "教育系统的远程教育工程",
        "农村有线电视通村入户工程",
    } <= names
    # The text gives the programme total and one project's own money (机房: 2005以来投入400万元):
    # no other per-project budget is made up.
    budgets = {p.code: p.total_budget for p in changxing.projects if p.total_budget is not None}
    assert budgets == {"CX-8": Decimal("400")}
    link = next(p for p in changxing.projects if p.name == "长兴县电子政务网络建设项目")
    assert link.milestones[1].actual_on == dt.date(2006, 12, 5)


def test_lishui_network_library(seeded):
    library = seeded.scalar(select(Project).where(Project.name == "丽水市网络图书馆"))
    assert library.total_budget == Decimal("360.00")
    assert library.status is ProjectStatus.COMPLETED
    assert library.lead_department.name == "丽水市人民政府"
    assert len(library.cooperators) == 5
    assert [(m.name, m.actual_on, m.status) for m in library.milestones] == [
        ("正式立项启动筹建", dt.date(2007, 6, 30), MilestoneStatus.DONE),
        ("正式开放", dt.date(2008, 3, 31), MilestoneStatus.DONE),
    ]


def _counts(session) -> dict[str, int]:
    return {t.name: session.execute(select(func.count()).select_from(t)).scalar() for t in Base.metadata.sorted_tables}


@pytest.mark.parametrize("demo", [False, True])
def test_seeding_twice_changes_nothing(session, demo):
    seed(session, demo=demo)
    session.flush()
    first = _counts(session)
    assert first["projects"] > 40 and first["change_records"] > 0
    seed(session, demo=demo)
    session.flush()
    assert _counts(session) == first


def test_seed_changes_are_recorded_as_seed(session):
    from tracker.models import set_change_context

    set_change_context(session, ChangeSource.SEED)
    seed(session, ["ls2007"])
    sources = set(session.scalars(select(ChangeRecord.source).distinct()))
    assert sources == {ChangeSource.SEED}


def test_demo_adds_owners_milestones_and_users(session):
    seed(session, demo=True)
    one = session.scalar(select(Project).join(Plan).where(Plan.code == "szwz", Project.code == "1.1"))
    assert one.lead_department.short_name == "市信息办"
    assert len(one.milestones) == 4
    assert session.scalar(select(func.count(User.id))) == 6
    assert session.scalar(select(func.count(Milestone.id))) > 10


def test_seed_only_named_plans(session):
    seed(session, ["ls2007"])
    assert set(session.scalars(select(Plan.code))) == {"ls2007"}
    # 丽水 alone: the article's 2007 figures (19 until issue 12 added the rest it states).
    assert session.scalar(select(func.count(Indicator.id))) == 30


def test_seed_texts_have_no_stray_spaces_between_chinese_characters(seeded):
    import re

    between_cjk = re.compile(r"[\u4e00-\u9fff，。、；] [\u4e00-\u9fff]")
    texts = [p.content or "" for p in seeded.scalars(select(Project))]
    texts += [p.description or "" for p in seeded.scalars(select(Plan))]
    assert [t for t in texts if between_cjk.search(t)] == []
