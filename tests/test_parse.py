"""Values as people type them, read one way everywhere."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tracker.parse import ParseError, parse_amount, parse_date, parse_number, parse_year


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("360", "360.00"),
        (360, "360.00"),
        ("1,234.5", "1234.50"),
        ("360万", "360.00"),
        ("360万元", "360.00"),
        ("2.3亿", "23000.00"),
        ("2.3亿元", "23000.00"),
        ("３６０", "360.00"),
        ("１，２３４．５", "1234.50"),
        ("3600000元", "360.00"),
        (1234.5, "1234.50"),
        (Decimal("0.1"), "0.10"),
        (" 12 ", "12.00"),
    ],
)
def test_amounts(text, expected):
    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize("text", [None, "", "  ", "-"])
def test_empty_amount_is_none(text):
    assert parse_amount(text) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc", "无法识别的金额"),
        ("-5", "不能为负数"),
        ("1.234", "两位小数"),
        ("360多万", "无法识别的金额"),
        ("1e20", "无法识别的金额"),
    ],
)
def test_bad_amounts_say_why(text, message):
    with pytest.raises(ParseError, match=message):
        parse_amount(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2007-06-30", dt.date(2007, 6, 30)),
        ("2007/6/30", dt.date(2007, 6, 30)),
        ("2007.6.30", dt.date(2007, 6, 30)),
        ("2007年6月30日", dt.date(2007, 6, 30)),
        ("2007年6月", dt.date(2007, 6, 30)),
        ("2007.6", dt.date(2007, 6, 30)),
        ("2008年2月", dt.date(2008, 2, 29)),
        ("2007-06", dt.date(2007, 6, 30)),
        ("2007年", dt.date(2007, 12, 31)),
        ("２００７年６月", dt.date(2007, 6, 30)),
        ("20070630", dt.date(2007, 6, 30)),
        ("2007年底", dt.date(2007, 12, 31)),
        (dt.datetime(2007, 6, 30, 0, 0), dt.date(2007, 6, 30)),
        (dt.date(2007, 6, 1), dt.date(2007, 6, 1)),
    ],
)
def test_dates(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "message"), [("2007-02-30", "日期不存在"), ("2007年13月", "日期不存在"), ("明年", "无法识别的日期")]
)
def test_bad_dates_say_why(text, message):
    with pytest.raises(ParseError, match=message):
        parse_date(text)


def test_years_and_numbers():
    assert parse_year("2007年") == 2007 and parse_year(2007.0) == 2007 and parse_year("") is None
    assert parse_number("63.39%") == Decimal("63.39") and parse_number(24.8) == Decimal("24.8")
    assert parse_year("２０２７年度") == 2027  # full-width, as WPS users type it
    for bad in ("07", "明年", "1066", "2007度"):
        with pytest.raises(ParseError, match="应为四位年份"):
            parse_year(bad)
