"""Facts the source plans state, each with its document, a short quote and where it lives in tracker,
checked against the seeded database. Written from the documents (../shared/seeds/), not from the seed
files, so a later change to a seed file cannot silently drop one.

So far: '数字温州'建设规划纲要 (001). The other documents' tables come with issue 12's next steps.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from tracker.models import Indicator, Phase, Plan, PlanSection, Project, set_change_context
from tracker.services.seeding import seed
from tracker.vocab import ChangeSource, TargetDirection

SZWZ = "001 '数字温州'建设规划纲要"


def _indicator(db, name):
    return db.scalar(select(Indicator).join(Plan).where(Plan.code == "szwz", Indicator.name == name))


def _section(db, title):
    return db.scalar(select(PlanSection).join(Plan).where(Plan.code == "szwz", PlanSection.title == title))


def _project(db, code):
    return db.scalar(select(Project).join(Plan).where(Plan.code == "szwz", Project.code == code))


def _goals(db, ordinal):
    phase = db.scalar(select(Phase).join(Plan).where(Plan.code == "szwz", Phase.ordinal == ordinal))
    return [g.text for g in phase.goals]


# (document, quote, where it lives, read it from the database, what the document says)
FACTS = [
    (
        SZWZ,
        "排名前5.以内（'.' 是 '%'）",
        "指标 主要信息化指标…排名: 单位",
        lambda db: _indicator(db, "主要信息化指标在全国同等规模城市中的排名").unit,
        "%",
    ),
    (
        SZWZ,
        "排名前5.以内",
        "同上: 目标值与方向",
        lambda db: (
            _indicator(db, "主要信息化指标在全国同等规模城市中的排名").target_value,
            _indicator(db, "主要信息化指标在全国同等规模城市中的排名").target_direction,
        ),
        (Decimal(5), TargetDirection.AT_MOST),
    ),
    (
        SZWZ,
        "一个目标.基本建成国内一流水平…（无编号）",
        "工程树 一个目标: 编号",
        lambda db: _section(db, "一个目标").code,
        None,
    ),
    (
        SZWZ,
        "全市电子商务交易额达到50亿元",
        "指标: 目标",
        lambda db: (
            _indicator(db, "全市电子商务交易额").target_value,
            _indicator(db, "全市电子商务交易额").unit,
            _indicator(db, "全市电子商务交易额").target_year,
        ),
        (Decimal(50), "亿元", 2007),
    ),
    (
        SZWZ,
        "信息制造业产值突破200亿元",
        "指标: 目标",
        lambda db: _indicator(db, "信息制造业产值").target_value,
        Decimal(200),
    ),
    (
        SZWZ,
        "2003年总产值近50亿元",
        "指标 信息制造业产值: 基数",
        lambda db: (_indicator(db, "信息制造业产值").baseline_value, _indicator(db, "信息制造业产值").baseline_year),
        (Decimal(50), 2003),
    ),
    (
        SZWZ,
        "信息服务业增加值占gdp的比重超过5.",
        "指标: 目标",
        lambda db: (
            _indicator(db, "信息服务业增加值占GDP的比重").target_value,
            _indicator(db, "信息服务业增加值占GDP的比重").target_direction,
        ),
        (Decimal(5), TargetDirection.ABOVE),
    ),
    (
        SZWZ,
        "企业95.建立自己的网站",
        "指标: 目标",
        lambda db: _indicator(db, "建立自己网站的企业比例").target_value,
        Decimal(95),
    ),
    (
        SZWZ,
        "规模以上企业70.建立局域网",
        "指标: 目标",
        lambda db: _indicator(db, "建立局域网的规模以上企业比例").target_value,
        Decimal(70),
    ),
    (
        SZWZ,
        "有47.7.的企业建立了局域网",
        "同上: 基数",
        lambda db: _indicator(db, "建立局域网的规模以上企业比例").baseline_value,
        Decimal("47.7"),
    ),
    (
        SZWZ,
        "有40.2.的企业在互联网上建立网站",
        "指标: 基数",
        lambda db: _indicator(db, "在互联网上建立网站的规模以上工业企业比例").baseline_value,
        Decimal("40.2"),
    ),
    (
        SZWZ,
        "截止到2003年上半年.温州市市话数量达到237万户",
        "指标: 基数",
        lambda db: (_indicator(db, "市话用户数").baseline_value, _indicator(db, "市话用户数").baseline_year),
        (Decimal(237), 2003),
    ),
    (SZWZ, "小灵通用户83万", "指标: 基数", lambda db: _indicator(db, "小灵通用户数").baseline_value, Decimal(83)),
    (
        SZWZ,
        "移动电话用户数达304万户",
        "指标: 基数",
        lambda db: _indicator(db, "移动电话用户数").baseline_value,
        Decimal(304),
    ),
    (
        SZWZ,
        "电话普及率为73.2部每百人",
        "指标: 基数",
        lambda db: (_indicator(db, "电话普及率").baseline_value, _indicator(db, "电话普及率").unit),
        (Decimal("73.2"), "部/百人"),
    ),
    (
        SZWZ,
        "每百户家庭拥有移动电话114部",
        "指标: 基数",
        lambda db: _indicator(db, "每百户家庭拥有移动电话").baseline_value,
        Decimal(114),
    ),
    (
        SZWZ,
        "每百户城市居民家用电脑拥有量为50.75台",
        "指标: 基数",
        lambda db: _indicator(db, "每百户城市居民家用电脑拥有量").baseline_value,
        Decimal("50.75"),
    ),
    (
        SZWZ,
        "主干网总带宽达8284mbps",
        "指标: 基数（原文无年份）",
        lambda db: (_indicator(db, "主干网总带宽").baseline_value, _indicator(db, "主干网总带宽").baseline_year),
        (Decimal(8284), None),
    ),
    (
        SZWZ,
        "长途光缆纤芯总长度达129299.2芯公里",
        "指标: 基数",
        lambda db: _indicator(db, "长途光缆纤芯总长度").baseline_value,
        Decimal("129299.2"),
    ),
    (
        SZWZ,
        "城市出口总带宽超过10g",
        "指标: 目标",
        lambda db: _indicator(db, "城市出口总带宽").target_value,
        Decimal(10),
    ),
    (
        SZWZ,
        "宽带骨干网人口覆盖率在规划市区达到100.郊区大于90.",
        "指标: 目标",
        lambda db: (
            _indicator(db, "宽带骨干网人口覆盖率（规划市区）").target_value,
            _indicator(db, "宽带骨干网人口覆盖率（郊区）").target_value,
        ),
        (Decimal(100), Decimal(90)),
    ),
    (
        SZWZ,
        "宽带接入的家庭普及率全市总体达到60.以上",
        "指标: 目标",
        lambda db: _indicator(db, "宽带接入的家庭普及率（全市）").target_value,
        Decimal(60),
    ),
    (SZWZ, "第一阶段…主要实现以下目标.1.…13.", "阶段一: 目标数", lambda db: len(_goals(db, 1)), 13),
    (SZWZ, "第二阶段…1.…7.", "阶段二: 目标数", lambda db: len(_goals(db, 2)), 7),
    (SZWZ, "第三阶段…1.…6.", "阶段三: 目标数", lambda db: len(_goals(db, 3)), 6),
    (SZWZ, "2.建设互联网数据交换中心", "阶段一 目标2", lambda db: "互联网数据交换中心" in _goals(db, 1)[1], True),
    (SZWZ, "1.2互联网交换中心", "项目 1.2", lambda db: _project(db, "1.2").name, "互联网交换中心"),
    (SZWZ, "1.5建立温州城市数据中心", "项目 1.5", lambda db: _project(db, "1.5").name, "建立温州城市数据中心"),
    (SZWZ, "2.13温州城市一卡通工程", "项目 2.13", lambda db: _project(db, "2.13").name, "温州城市一卡通工程"),
    (
        SZWZ,
        "二项基础信息工程.三大体系.一个目标",
        "工程树 231工程: 三个分支",
        lambda db: sorted(c.title for c in _section(db, "231工程").children),
        sorted(["二项基础信息工程", "三大体系", "一个目标"]),
    ),
    (SZWZ, "1.1 … 2.15", "项目数", lambda db: len(db.scalar(select(Plan).where(Plan.code == "szwz")).projects), 20),
]


@pytest.fixture()
def seeded(session):
    set_change_context(session, ChangeSource.SEED)
    seed(session)
    session.commit()
    return session


def test_every_fact_of_the_documents_is_in_the_seeded_database(seeded):
    wrong = []
    for document, quote, where, read, expected in FACTS:
        try:
            found = read(seeded)
        except Exception as exc:  # noqa: BLE001 — a missing record is a missing fact, reported with the rest
            found = f"{type(exc).__name__}: {exc}"
        if found != expected:
            wrong.append(f"{document} “{quote}” → {where}: expected {expected!r}, found {found!r}")
    assert wrong == [], "\n".join(wrong)
    per_document = {}
    for document, *_ in FACTS:
        per_document[document] = per_document.get(document, 0) + 1
    assert per_document[SZWZ] >= 25


def test_a_reload_corrects_the_section_number_in_place(seeded):
    section = _section(seeded, "一个目标")
    section.code = "3"  # as an older seed wrote it
    seeded.commit()
    seed(seeded, ["szwz"])
    seeded.commit()
    same_title = seeded.scalars(
        select(PlanSection).join(Plan).where(Plan.code == "szwz", PlanSection.title == "一个目标")
    ).all()
    assert [s.code for s in same_title] == [None]
