"""Indicators judged as the plans word their targets: 以上, 超过, 以内, 近."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.conftest import PASSWORD
from tests.factories import make_plan, make_user
from tracker import progress
from tracker.models import Indicator, IndicatorValue
from tracker.parse import target_direction
from tracker.vocab import Role
from tracker.vocab import TargetDirection as D
from tracker.vocab import Verdict as V


@pytest.mark.parametrize(
    ("text", "direction"),
    [
        ("在全国同等规模城市范围内排名前5名以内", D.AT_MOST),
        ("排名前5%以内", D.AT_MOST),
        ("全市电子商务交易额达到50亿元", D.AT_LEAST),
        ("信息制造业产值突破200亿元（基数：2003年总产值近50亿元）", D.ABOVE),
        ("宽带用户超过30万户", D.ABOVE),
        ("城镇电话普及率近100%", D.NEAR),
        ("计算机普及率达到每百户60台以上", D.AT_LEAST),
        ("建成政务网", None),
    ],
)
def test_direction_is_read_from_the_targets_own_words(text, direction):
    assert target_direction(text) is direction


@pytest.mark.parametrize(
    ("direction", "target", "value", "verdict"),
    [
        (D.AT_LEAST, 50, 50, V.MET),
        (D.AT_LEAST, 50, 49.9, V.NOT_MET),
        (D.ABOVE, 200, 200, V.NOT_MET),
        (D.ABOVE, 200, 201, V.MET),
        (D.AT_MOST, 5, 3, V.MET),
        (D.AT_MOST, 5, 6, V.NOT_MET),  # a rank: 3rd is within the first 5
        (D.NEAR, 100, 95, V.MET),
        (D.NEAR, 100, 94.9, V.NOT_MET),
        (None, 60, 60, V.MET),  # no words: a target to reach
        (D.AT_LEAST, 50, None, V.NO_DATA),
        (D.AT_LEAST, None, 10, V.NO_DATA),
    ],
)
def test_verdicts(direction, target, value, verdict):
    as_decimal = lambda x: None if x is None else Decimal(str(x))  # noqa: E731
    assert progress.verdict(direction, as_decimal(target), as_decimal(value)) is verdict


def test_the_plan_page_judges_each_indicator_for_its_year(session, login):
    plan = make_plan(session)
    rank = Indicator(
        plan=plan,
        name="信息化指标排名",
        unit="名",
        target_value=Decimal(5),
        target_year=2007,
        target_direction=D.AT_MOST,
        target_text="排名前5名以内",
        values=[
            IndicatorValue(year=2006, value=Decimal(7)),
            IndicatorValue(year=2007, value=Decimal(4)),
            IndicatorValue(year=2008, value=Decimal(9)),
        ],
    )
    trade = Indicator(
        plan=plan,
        name="电子商务交易额",
        unit="亿元",
        target_value=Decimal(50),
        target_year=2007,
        target_direction=D.AT_LEAST,
        values=[IndicatorValue(year=2006, value=Decimal(31))],
    )
    empty = Indicator(plan=plan, name="没有数据的指标", target_value=Decimal(1), target_year=2007)
    session.add_all([rank, trade, empty])
    session.commit()
    # The target year's value is judged, not a later one; before the target year, the latest value.
    assert progress.indicator_verdict(rank) == (V.MET, Decimal(4), 2007)
    assert progress.indicator_verdict(trade) == (V.NOT_MET, Decimal(31), 2006)
    assert progress.indicator_verdict(empty)[0] is V.NO_DATA
    page = login(make_user(session, Role.LEADER, password=PASSWORD)).get(f"/plans/{plan.id}").get_data(as_text=True)
    rows = {
        name: page[page.index(name) : page.index("</tr>", page.index(name))]
        for name in ("信息化指标排名", "电子商务交易额", "没有数据的指标")
    }
    assert "5名以内" in rows["信息化指标排名"] and "已达成" in rows["信息化指标排名"]
    assert "50亿元以上" in rows["电子商务交易额"] and "未达成" in rows["电子商务交易额"]
    assert "无数据" in rows["没有数据的指标"]
