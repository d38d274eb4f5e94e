"""Facts the source plans state, each with its document, a short quote and where it lives in tracker,
checked against the seeded database. Written from the documents (../shared/seeds/), not from the seed
files, so a later change to a seed file cannot silently drop one.

Documents: 001 '数字温州'建设规划纲要, 002 数字长兴, 000 丽水 (2007), 004 温岭"十一五"规划.
(003, the 联席会 report, is context only: the seeds take nothing from it.)
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from tracker.models import Indicator, Phase, Plan, PlanEvent, PlanSection, Project, set_change_context
from tracker.services.seeding import seed
from tracker.vocab import ChangeSource, DatePrecision, FundingSource, ProjectRoleKind, ProjectStatus, TargetDirection

SZWZ = "001 '数字温州'建设规划纲要"
SZCX = "002 数字长兴"
LS = "000 丽水市信息化建设迅猛发展"
WL = "004 温岭市国民经济和社会信息化“十一五”规划"


def _wl(db, code):
    return _in(db, "wl115", Project, code=code)


def _wl_indicator(db, name):
    return _in(db, "wl115", Indicator, name=name)


def _plan(db, code):
    return db.scalar(select(Plan).where(Plan.code == code))


def _in(db, plan_code, model, **where):
    query = select(model).join(Plan).where(Plan.code == plan_code)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return db.scalar(query)


def _value(db, code, indicator, year):
    found = _in(db, code, Indicator, name=indicator)
    return next((v.value for v in found.values if v.year == year), None)


def _event(db, code, words):
    events = db.scalars(select(PlanEvent).join(Plan).where(Plan.code == code)).all()
    found = [e for e in events if words in e.text]
    return (found[0].occurred_on, found[0].occurred_precision) if len(found) == 1 else f"{len(found)} events"


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
        "温州市现有100多家从事软件业的企业",
        "指标: 基数（原文无年份）",
        lambda db: (
            _indicator(db, "从事软件业的企业").baseline_value,
            _indicator(db, "从事软件业的企业").baseline_year,
        ),
        (Decimal(100), None),
    ),
    (
        SZWZ,
        "鹿城区.乐清市.瑞安市.洞头县的电子政务工程陆续建成投入使用",
        "大事记（原文无日期）",
        lambda db: _event(db, "szwz", "洞头县的电子政务工程"),
        (None, None),
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
    (
        SZWZ,
        "指导思想是.认真贯彻党的十六大精神",
        "规划 指导思想",
        lambda db: "十六大精神" in _plan(db, "szwz").guiding_thought,
        True,
    ),
    (
        SZWZ,
        "3建设原则 统筹规划 分步实施 … 资源共享 安全可靠",
        "规划 建设原则: 五条",
        lambda db: len(_plan(db, "szwz").principles.splitlines()),
        5,
    ),
    (
        SZWZ,
        "立项由市信息化办公室会同市发展计划委员会.市财政局等部门.对建设项目进行联合审查",
        "规划 目标与保障",
        lambda db: "联合审查" in _plan(db, "szwz").objectives,
        True,
    ),
    (
        SZWZ,
        "2001年7月.国家信息产业部正式批准温州市为'国家以信息化带动工业化试点城市'",
        "大事记",
        lambda db: _event(db, "szwz", "试点城市"),
        (dt.date(2001, 7, 1), DatePrecision.MONTH),
    ),
    (
        SZWZ,
        "1998年12月18日经浙江省人民政府同意",
        "大事记",
        lambda db: _event(db, "szwz", "高新技术产业园区"),
        (dt.date(1998, 12, 18), None),
    ),
    (
        SZWZ,
        "1.1基础网络建设 … 城市出口总带宽超过10g",
        "指标 → 衡量的工程",
        lambda db: _indicator(db, "城市出口总带宽").section.code,
        "1.1",
    ),
    (
        SZWZ,
        "2005年以前.政府出面协调企业与温州大学城联合办学.成立信息化培训中心",
        "项目 2.6: 里程碑（年）",
        lambda db: [(m.planned_on, m.planned_precision) for m in _project(db, "2.6").milestones],
        [(dt.date(2005, 12, 31), DatePrecision.YEAR), (dt.date(2007, 12, 31), DatePrecision.YEAR)],
    ),
    # 002 数字长兴
    (
        SZCX,
        "今年计划13个项目.实际完成16个",
        "指标 重点项目计划数",
        lambda db: (
            _in(db, "szcx2006", Indicator, name="信息化重点项目计划数").target_value,
            _value(db, "szcx2006", "信息化重点项目计划数", 2006),
        ),
        (Decimal(13), Decimal(16)),
    ),
    (
        SZCX,
        "总投资2900万元",
        "指标 重点项目总投资",
        lambda db: _value(db, "szcx2006", "信息化重点项目总投资", 2006),
        Decimal(2900),
    ),
    (
        SZCX,
        "全县固定电话交换机用户量达到24.8万门",
        "指标",
        lambda db: _value(db, "szcx2006", "固定电话交换机用户量", 2006),
        Decimal("24.8"),
    ),
    (SZCX, "互联网出口总带宽2.5g", "指标", lambda db: _value(db, "szcx2006", "互联网出口总带宽", 2006), Decimal("2.5")),
    (SZCX, "上网用户数超4万户", "指标", lambda db: _value(db, "szcx2006", "上网用户数", 2006), Decimal(4)),
    (SZCX, "移动手机用户数达到26万户", "指标", lambda db: _value(db, "szcx2006", "移动手机用户数", 2006), Decimal(26)),
    (
        SZCX,
        "广电现有光缆传输网络1300多公里",
        "指标",
        lambda db: _value(db, "szcx2006", "广电光缆传输网络长度", 2006),
        Decimal(1300),
    ),
    (
        SZCX,
        "电视无线网覆盖率达到100.",
        "指标",
        lambda db: _value(db, "szcx2006", "电视无线网覆盖率", 2006),
        Decimal(100),
    ),
    (
        SZCX,
        "下联16个乡镇.224个行政村",
        "指标",
        lambda db: _value(db, "szcx2006", "党政信息网联通的行政村", 2006),
        Decimal(224),
    ),
    (
        SZCX,
        "总共达到87家.安装率达93.5.",
        "指标",
        lambda db: (
            _value(db, "szcx2006", "办公自动化系统接入单位数", 2006),
            _value(db, "szcx2006", "办公自动化系统安装率", 2006),
        ),
        (Decimal(87), Decimal("93.5")),
    ),
    (
        SZCX,
        "办公自动化系统于2003年开始启用",
        "项目 办公自动化系统: 里程碑",
        lambda db: [(m.actual_on, m.actual_precision) for m in _in(db, "szcx2006", Project, code="CX-9").milestones][0],
        (dt.date(2003, 12, 31), DatePrecision.YEAR),
    ),
    (
        SZCX,
        "自2006年开始…不再下发纸质公文",
        "同上: 第二个里程碑",
        lambda db: "纸质公文" in _in(db, "szcx2006", Project, code="CX-9").milestones[1].name,
        True,
    ),
    (
        SZCX,
        "2002年.由相关运营商投资1200万元.建设了长兴县党政信息网",
        "项目 党政信息网: 2002年投资与来源",
        lambda db: [
            (i.year, i.completed_amount, [(f.source, f.amount, f.note) for f in i.fundings])
            for i in _in(db, "szcx2006", Project, code="CX-7").investments
        ],
        [(2002, Decimal(1200), [(FundingSource.SOCIAL, Decimal(1200), "运营商投资")])],
    ),
    (
        SZCX,
        "2005以来…又投入了400万元.用于党政信息网络中心机房的建设",
        "项目 机房: 总投资与开始",
        lambda db: (
            _in(db, "szcx2006", Project, code="CX-8").total_budget,
            _in(db, "szcx2006", Project, code="CX-8").planned_start_on.year,
        ),
        (Decimal(400), 2005),
    ),
    (
        SZCX,
        "在县政府办统一牵头下.县发改委.县科技局.县信息中心共同进行",
        "项目 企业信息化考核: 牵头与配合",
        lambda db: (
            _in(db, "szcx2006", Project, code="CX-10").lead_department.short_name,
            sorted(d.short_name for d in _in(db, "szcx2006", Project, code="CX-10").cooperators),
        ),
        ("县政府办", sorted(["县发改委", "县科技局", "县信息中心"])),
    ),
    (
        SZCX,
        "委托浙江大学进行'十一五'信息化纲要及实施规划编制工作",
        "项目 CX-11: 支持单位",
        lambda db: [(r.department.name, r.role) for r in _in(db, "szcx2006", Project, code="CX-11").roles],
        [("浙江大学", ProjectRoleKind.SUPPORT)],
    ),
    (
        SZCX,
        "县委组织部的农村干部远程教育站点工程",
        "项目 CX-2: 牵头",
        lambda db: _in(db, "szcx2006", Project, code="CX-2").lead_department.short_name,
        "县委组织部",
    ),
    (
        SZCX,
        "gps智能监控调度系统已开始应用在我县500多辆运营车辆中",
        "指标",
        lambda db: _value(db, "szcx2006", "GPS智能监控调度系统应用车辆", 2006),
        Decimal(500),
    ),
    (
        SZCX,
        "完成了254个村254套dvb卡的安装",
        "指标",
        lambda db: _value(db, "szcx2006", "安装DVB卡的村", 2006),
        Decimal(254),
    ),
    (
        SZCX,
        "102家农业企业在网上农博会上注册",
        "指标",
        lambda db: _value(db, "szcx2006", "网上农博会注册农业企业", 2006),
        Decimal(102),
    ),
    (
        SZCX,
        "15家企业被认定为县级信息化试点培育企业",
        "指标",
        lambda db: _value(db, "szcx2006", "县级信息化试点培育企业", 2006),
        Decimal(15),
    ),
    (
        SZCX,
        "3家企业被列入省级信息化专项.并争取到200多万元的专项资金",
        "指标",
        lambda db: _value(db, "szcx2006", "省级信息化专项企业", 2006),
        Decimal(3),
    ),
    (
        SZCX,
        "各类农副产品供求信息达20万条",
        "指标",
        lambda db: _value(db, "szcx2006", "农村信息网供求信息", 2006),
        Decimal(20),
    ),
    (
        SZCX,
        "我县在1997年就成立了'长兴县信息化工作领导小组'",
        "大事记",
        lambda db: _event(db, "szcx2006", "领导小组"),
        (dt.date(1997, 1, 1), DatePrecision.YEAR),
    ),
    (
        SZCX,
        "2004年.'中国长兴'政府门户网站获全国县市级政府网站排名第八位",
        "大事记",
        lambda db: _event(db, "szcx2006", "排名第八位"),
        (dt.date(2004, 1, 1), DatePrecision.YEAR),
    ),
    (
        SZCX,
        "2005年被评为湖州市优秀县区门户网站",
        "大事记",
        lambda db: _event(db, "szcx2006", "湖州市优秀"),
        (dt.date(2005, 1, 1), DatePrecision.YEAR),
    ),
    (
        SZCX,
        "今年6月.浙江省电子政务网络建设推进会在舟山举行",
        "大事记",
        lambda db: _event(db, "szcx2006", "舟山"),
        (dt.date(2006, 6, 1), DatePrecision.MONTH),
    ),
    (
        SZCX,
        "12月5日.长兴县率先完成与市政务外网线路的连接贯通",
        "大事记",
        lambda db: _event(db, "szcx2006", "市政务外网"),
        (dt.date(2006, 12, 5), None),
    ),
    (
        SZCX,
        "以邓小平理论.'三个代表'重要思想和科学发展观为指导",
        "规划 指导思想",
        lambda db: "科学发展观" in _plan(db, "szcx2006").guiding_thought,
        True,
    ),
    # 000 丽水
    (
        LS,
        "2007年全市共新增信息基础设施投资2.3亿元",
        "指标",
        lambda db: _value(db, "ls2007", "新增信息基础设施投资", 2007),
        Decimal("2.3"),
    ),
    (
        LS,
        "年末固定电话用户（含小灵通）达65.36万户",
        "指标",
        lambda db: _value(db, "ls2007", "固定电话用户（含小灵通）", 2007),
        Decimal("65.36"),
    ),
    (LS, "移动电话用户达199.87万户", "指标", lambda db: _value(db, "ls2007", "移动电话用户", 2007), Decimal("199.87")),
    (
        LS,
        "普及率分别为25.8部/百人和78.9部/百人",
        "指标",
        lambda db: (_value(db, "ls2007", "固定电话普及率", 2007), _value(db, "ls2007", "移动电话普及率", 2007)),
        (Decimal("25.8"), Decimal("78.9")),
    ),
    (
        LS,
        "全年新增互联网用户（含宽带用户）1.33万户，年末总量达15.53万户",
        "指标",
        lambda db: (
            _value(db, "ls2007", "新增互联网用户（含宽带用户）", 2007),
            _value(db, "ls2007", "互联网用户总量", 2007),
        ),
        (Decimal("1.33"), Decimal("15.53")),
    ),
    (LS, "覆盖了100％的行政村", "指标", lambda db: _value(db, "ls2007", "通电话的行政村比例", 2007), Decimal(100)),
    (
        LS,
        "实现了80％以上的行政村通宽带",
        "指标",
        lambda db: _value(db, "ls2007", "通宽带的行政村比例", 2007),
        Decimal(80),
    ),
    (
        LS,
        "丽水至各县市的带宽达到5G，互联网出口总带宽达到40G",
        "指标",
        lambda db: (_value(db, "ls2007", "丽水至各县市带宽", 2007), _value(db, "ls2007", "互联网出口总带宽", 2007)),
        (Decimal(5), Decimal(40)),
    ),
    (
        LS,
        "首期投入了360多万建设资金",
        "项目 网络图书馆: 总投资",
        lambda db: _in(db, "ls2007", Project, code="LS-1").total_budget,
        Decimal(360),
    ),
    (
        LS,
        "该工程由政府投资、部门联建、电信支持",
        "项目 网络图书馆: 三个资金来源",
        lambda db: [f.note for i in _in(db, "ls2007", Project, code="LS-1").investments for f in i.fundings],
        ["政府投资", "部门联建", "电信支持"],
    ),
    (
        LS,
        "电信支持",
        "项目 网络图书馆: 支持单位",
        lambda db: [(r.department.name, r.role) for r in _in(db, "ls2007", Project, code="LS-1").roles],
        [("中国电信丽水分公司", ProjectRoleKind.SUPPORT)],
    ),
    (
        LS,
        "由丽水市政府主办，市科技局、市信息中心、丽水学院、市图书馆、市电信等单位共同参与建设",
        "项目 网络图书馆",
        lambda db: (
            _in(db, "ls2007", Project, code="LS-1").lead_department.name,
            len(_in(db, "ls2007", Project, code="LS-1").cooperators),
        ),
        ("丽水市人民政府", 5),
    ),
    (
        LS,
        "2007年6月正式立项启动筹建后，2008年3月正式开放",
        "大事记",
        lambda db: (_event(db, "ls2007", "立项启动"), _event(db, "ls2007", "正式开放")),
        ((dt.date(2007, 6, 1), DatePrecision.MONTH), (dt.date(2008, 3, 1), DatePrecision.MONTH)),
    ),
    (
        LS,
        "劳动和社会保障部门的全市城市居民最低生活保障信息管理系统建设已经起步",
        "项目 LS-4: 牵头与状态",
        lambda db: (
            _in(db, "ls2007", Project, code="LS-4").lead_department.name,
            _in(db, "ls2007", Project, code="LS-4").status,
        ),
        ("丽水市劳动和社会保障部门", ProjectStatus.IN_PROGRESS),
    ),
    (
        LS,
        "劳动保障业务专网联网应用进一步扩大",
        "项目",
        lambda db: _in(db, "ls2007", Project, code="LS-8").name,
        "劳动保障业务专网联网应用",
    ),
    (
        LS,
        "大力推进低保业务系统建设与应用",
        "项目",
        lambda db: _in(db, "ls2007", Project, code="LS-9").name,
        "低保业务系统",
    ),
    (
        LS,
        "全市已发展“农民信箱”注册用户6.1万个，启用率90%",
        "指标",
        lambda db: (_value(db, "ls2007", "农民信箱注册用户", 2007), _value(db, "ls2007", "农民信箱启用率", 2007)),
        (Decimal("6.1"), Decimal(90)),
    ),
    (
        LS,
        "直接节省通信支出成本185多万元",
        "指标",
        lambda db: _value(db, "ls2007", "农民信箱节省通信支出", 2007),
        Decimal(185),
    ),
    (
        LS,
        "农村科技信息视频资源库已拥有3474个片子",
        "指标",
        lambda db: _value(db, "ls2007", "农村科技信息视频资源库片子", 2007),
        Decimal(3474),
    ),
    (
        LS,
        "累计组织举办了108期远程实用技术和就业技能培训",
        "指标",
        lambda db: _value(db, "ls2007", "远程实用技术和就业技能培训", 2007),
        Decimal(108),
    ),
    (
        LS,
        "总投入26146万元…R＆D经费6846万元",
        "指标",
        lambda db: (
            _value(db, "ls2007", "企业信息化建设总投入", 2007),
            _value(db, "ls2007", "企业信息化R&D经费", 2007),
        ),
        (Decimal(26146), Decimal(6846)),
    ),
    (
        LS,
        "企业每百人计算机拥有量34.82台，计算机联网率81.19%",
        "指标",
        lambda db: (
            _value(db, "ls2007", "企业每百人计算机拥有量", 2007),
            _value(db, "ls2007", "企业计算机联网率", 2007),
        ),
        (Decimal("34.82"), Decimal("81.19")),
    ),
    (
        LS,
        "全市企业办公自动化程度17.78%",
        "指标",
        lambda db: _value(db, "ls2007", "企业办公自动化程度", 2007),
        Decimal("17.78"),
    ),
    (
        LS,
        "计算机普及率达95%，上网率达78%，有企业电子信箱的达70%，有注册域名的达69%",
        "指标",
        lambda db: [
            _value(db, "ls2007", name, 2007)
            for name in (
                "国有及销售收入500万元以上工业企业计算机普及率",
                "国有及销售收入500万元以上工业企业上网率",
                "有企业电子信箱的企业比例",
                "有注册域名的企业比例",
            )
        ],
        [Decimal(n) for n in (95, 78, 70, 69)],
    ),
    (
        LS,
        "网上采购金额达到150610万元…网上实现销售金额249457万元",
        "指标",
        lambda db: (_value(db, "ls2007", "企业网上采购金额", 2007), _value(db, "ls2007", "企业网上销售金额", 2007)),
        (Decimal(150610), Decimal(249457)),
    ),
    (LS, "网上商城45家", "指标", lambda db: _value(db, "ls2007", "网上商城", 2007), Decimal(45)),
    (
        LS,
        "全省除杭州市以外第二个实现四大班子无纸化办公的市",
        "大事记（原文无日期）",
        lambda db: _event(db, "ls2007", "无纸化办公"),
        (None, None),
    ),
    # 004 温岭
    (
        WL,
        "根据《2006－2020国家信息化发展战略》、《浙江省…“十一五”规划》和《温岭市…第十一个五年规划纲要》",
        "规划 依据",
        lambda db: len(_plan(db, "wl115").basis.splitlines()),
        3,
    ),
    (
        WL,
        "以邓小平理论和“三个代表”重要思想为指导，全面贯彻落实科学发展观",
        "规划 指导思想",
        lambda db: _plan(db, "wl115").guiding_thought.startswith("以邓小平理论和“三个代表”重要思想为指导"),
        True,
    ),
    (
        WL,
        "（三）建设原则 ——统筹规划，协调推进 … ——资源共享，安全可靠",
        "规划 建设原则: 四条",
        lambda db: len(_plan(db, "wl115").principles.splitlines()),
        4,
    ),
    (
        WL,
        "具体目标是：——以信息化带动工业化… ——电子政务普遍开展… ——信息资源… ——信息化发展环境…",
        "规划 目标",
        lambda db: _plan(db, "wl115").objectives.count("——"),
        4,
    ),
    (
        WL,
        "到2010年，基本形成“数字温岭”主体框架",
        "规划 期间",
        lambda db: (_plan(db, "wl115").start_year, _plan(db, "wl115").end_year),
        (2006, 2010),
    ),
    (
        WL,
        "全市重点企业上网涵盖率50%以上",
        "指标",
        lambda db: (
            _wl_indicator(db, "全市重点企业上网涵盖率").target_value,
            _wl_indicator(db, "全市重点企业上网涵盖率").target_direction,
        ),
        (Decimal(50), TargetDirection.AT_LEAST),
    ),
    (
        WL,
        "公务员中熟练应用计算机技术的人数达到总人数的70%以上",
        "指标",
        lambda db: _wl_indicator(db, "公务员中熟练应用计算机技术的人数比例").target_value,
        Decimal(70),
    ),
    (
        WL,
        "中小学计算机教育普及率达到100%",
        "指标",
        lambda db: _wl_indicator(db, "中小学计算机教育普及率").target_value,
        Decimal(100),
    ),
    (
        WL,
        "接受过计算机与网络应用技术培训的人数占总人口的25%",
        "指标",
        lambda db: _wl_indicator(db, "接受过计算机与网络应用技术培训的人数占总人口比例").target_value,
        Decimal(25),
    ),
    (
        WL,
        "上网用户普及率达到20%",
        "指标",
        lambda db: (_wl_indicator(db, "上网用户普及率").target_value, _wl_indicator(db, "上网用户普及率").target_year),
        (Decimal(20), 2010),
    ),
    (
        WL,
        "“十五”期间，我市政府部门信息化建设总投入达1.4亿元",
        "指标: 基数（原文只说“十五”期间）",
        lambda db: (
            _wl_indicator(db, "“十五”期间政府部门信息化建设总投入").baseline_value,
            _wl_indicator(db, "“十五”期间政府部门信息化建设总投入").unit,
            _wl_indicator(db, "“十五”期间政府部门信息化建设总投入").baseline_year,
        ),
        (Decimal("1.4"), "亿元", None),
    ),
    (
        WL,
        "“温岭网上大市场”…已有4000多家企业入网",
        "指标: 基数",
        lambda db: _wl_indicator(db, "温岭网上大市场入网企业").baseline_value,
        Decimal(4000),
    ),
    (
        WL,
        "连续有3个软件项目得到省软件资金专项补助",
        "指标: 基数",
        lambda db: _wl_indicator(db, "得到省软件资金专项补助的软件项目").baseline_value,
        Decimal(3),
    ),
    (
        WL,
        "2003年10月，箬横镇率先在台州市实现村村通宽带",
        "大事记",
        lambda db: _event(db, "wl115", "箬横镇"),
        (dt.date(2003, 10, 1), DatePrecision.MONTH),
    ),
    (
        WL,
        "先导电机研究所被国家信息产业部认定为…首批示范企业",
        "大事记（原文无日期）",
        lambda db: _event(db, "wl115", "先导电机"),
        (None, None),
    ),
    (
        WL,
        "作为唯一县级城市，加入到长三角十七城市组成“长三角经济一体化信息合作联席会议”",
        "大事记",
        lambda db: _event(db, "wl115", "长三角"),
        (None, None),
    ),
    (
        WL,
        "有10多家农业龙头企业、专业合作社建有自已的网站",
        "指标: 基数",
        lambda db: _wl_indicator(db, "建有自己网站的农业龙头企业、专业合作社").baseline_value,
        Decimal(10),
    ),
    (
        WL,
        "先后完成了《温岭市信息化“十五”规划》、《温岭市关于加快推进信息化建设的若干意见》",
        "大事记（原文无日期）",
        lambda db: _event(db, "wl115", "《温岭市信息化“十五”规划》"),
        (None, None),
    ),
    (
        WL,
        "建成市政府综合业务网，市政府实现了与上级机关、市直部门、镇（街道）的联接",
        "大事记（原文无日期）",
        lambda db: _event(db, "wl115", "建成市政府综合业务网"),
        (None, None),
    ),
    (
        WL,
        "在国际互联网上开通了温岭市政府门户网站",
        "大事记（原文无日期）",
        lambda db: _event(db, "wl115", "开通了温岭市政府门户网站"),
        (None, None),
    ),
    (
        WL,
        "初步完成电子地图建设，只要打开五百分之一的“光地图”",
        "大事记（原文无日期）",
        lambda db: _event(db, "wl115", "电子地图"),
        (None, None),
    ),
    (
        WL,
        "完成了温岭市教育城域网骨干网建设",
        "大事记（原文无日期）",
        lambda db: _event(db, "wl115", "教育城域网骨干网"),
        (None, None),
    ),
    (
        WL,
        "在全市范围内开通了数字电视",
        "大事记（原文无日期）",
        lambda db: _event(db, "wl115", "数字电视"),
        (None, None),
    ),
    (
        WL,
        "整合公安、水利、气象、交通、农业等部门现有相关系统",
        "项目 5.4: 配合单位",
        lambda db: sorted(d.name for d in _wl(db, "5.4").cooperators),
        sorted(f"温岭市{n}部门" for n in ("公安", "水利", "气象", "交通", "农业")),
    ),
    (WL, "继续推进“校校通”工程建设", "项目 校校通工程", lambda db: _wl(db, "保障5.1").name, "校校通工程"),
    (
        WL,
        "三、主要任务（一）–（六）",
        "工程树: 六项任务",
        lambda db: len(_in(db, "wl115", PlanSection, code="三").children),
        6,
    ),
    (
        WL,
        "四、保障措施（一）–（五）",
        "工程树: 五项保障措施",
        lambda db: len(_in(db, "wl115", PlanSection, code="四").children),
        5,
    ),
    (WL, "1、建设数字新农村", "项目 1.1", lambda db: _wl(db, "1.1").name, "建设数字新农村"),
    (WL, "3、加快海洋渔业信息化", "项目 1.3", lambda db: _wl(db, "1.3").name, "加快海洋渔业信息化"),
    (WL, "4、加强社会管理", "项目 5.4", lambda db: _wl(db, "5.4").name, "加强社会管理"),
    (WL, "重点发展信息产业", "项目 6.2", lambda db: _wl(db, "6.2").name, "重点发展信息产业"),
    (
        WL,
        "出台《温岭市政府投资信息化项目管理办法》",
        "保障措施（一）",
        lambda db: "项目管理办法" in _in(db, "wl115", PlanSection, title="加强组织领导").description,
        True,
    ),
    (
        WL,
        "设立市信息化建设专项资金",
        "保障措施（二）",
        lambda db: "专项资金" in _in(db, "wl115", PlanSection, title="创新投入机制").description,
        True,
    ),
    (WL, "成为省级信息化示范城市", "指标", lambda db: _wl_indicator(db, "省级信息化示范城市").target_year, 2010),
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
    assert all(per_document[doc] >= 25 for doc in (SZWZ, SZCX, LS, WL)), per_document


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
