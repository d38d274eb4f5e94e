"""Cell values from every reader, folded once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tracker.excel import cells
from tracker.parse import ParseError
from tracker.vocab import MilestoneStatus, ProjectStatus


def test_clean_folds_reader_differences():
    assert cells.clean("") is None and cells.clean("  ") is None
    assert cells.clean(360.0) == 360 and isinstance(cells.clean(360.0), int)
    assert cells.clean(" 基础网络 ") == "基础网络"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (360.0, "360.00"),
        ("360", "360.00"),
        ("1,234.5", "1234.50"),
        ("360万", "360.00"),
        ("2.3亿", "23000.00"),
        ("３６０", "360.00"),
        (1234.56, "1234.56"),
        ("", None),
    ],
)
def test_amounts(raw, expected):
    value = cells.read_amount(raw)
    assert value == (Decimal(expected) if expected else None)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (dt.datetime(2007, 6, 30), dt.date(2007, 6, 30)),
        (dt.date(2007, 6, 30), dt.date(2007, 6, 30)),
        (39263.0, dt.date(2007, 6, 30)),
        (39263, dt.date(2007, 6, 30)),
        ("2007年6月", dt.date(2007, 6, 30)),
        ("2007.6", dt.date(2007, 6, 30)),
        ("2007-06-30", dt.date(2007, 6, 30)),
        ("2007/6/30", dt.date(2007, 6, 30)),
    ],
)
def test_dates_from_any_reader(raw, expected):
    assert cells.read_date(raw).last == expected  # read as a deadline


def test_bad_values_say_why():
    with pytest.raises(ParseError, match="日期不存在"):
        cells.read_date("2007-02-30")
    with pytest.raises(ParseError, match="应为金额"):
        cells.read_amount(dt.date(2007, 1, 1))
    with pytest.raises(ParseError, match="可填"):
        cells.read_vocab(ProjectStatus, "差不多", "项目状态")


def test_status_words_and_synonyms():
    assert cells.read_vocab(MilestoneStatus, "完成", "状态") is MilestoneStatus.DONE
    assert cells.read_vocab(MilestoneStatus, "已完工", "状态") is MilestoneStatus.DONE
    assert cells.read_vocab(ProjectStatus, "建设中", "状态") is ProjectStatus.IN_PROGRESS
    assert cells.read_vocab(ProjectStatus, "已完成", "状态") is ProjectStatus.COMPLETED


def test_lists_and_formula_safety():
    assert cells.split_list("市财政局、市公安局,市社保局；市土地局") == ["市财政局", "市公安局", "市社保局", "市土地局"]
    assert not cells.safe_text("=1+1") and not cells.safe_text("+86") and not cells.safe_text("@SUM(A1)")
    assert cells.safe_text("基础网络") and cells.safe_text("")
