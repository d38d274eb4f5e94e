"""Reading values as people write them: amounts in 万元, dates, years. One parser per kind.

Used by the seed loader, the web forms and the workbook importer alike, so that '2007年6月'
or '2.3亿' means the same thing wherever it is typed.
"""
from __future__ import annotations

import datetime as dt
import calendar
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from tracker.models.base import CENT

MAX_AMOUNT = Decimal("999999999999.99")  # Numeric(14, 2)


class ParseError(ValueError):
    """A value that cannot be read; the message is Chinese and says what was expected."""


def normalise_text(value: object) -> str:
    """Full-width digits and punctuation folded to ASCII, spaces trimmed."""
    return unicodedata.normalize("NFKC", str(value)).strip()


_AMOUNT = re.compile(r"^(?P<number>[+-]?\d+(?:\.\d+)?)\s*(?P<unit>万元|万|亿元|亿|元)?$")
_UNIT_FACTOR = {None: Decimal(1), "万": Decimal(1), "万元": Decimal(1), "亿": Decimal(10000), "亿元": Decimal(10000),
                "元": Decimal("0.0001")}


def parse_amount(value: object) -> Decimal | None:
    """An amount in 万元 (Decimal, 2 places) from 360 / '1,234.5' / '360万' / '2.3亿' / '３６０'.

    Empty gives None. A negative amount, or one finer than 0.01 万元 once converted, is an error
    rather than silently rounded.
    """
    if value is None or isinstance(value, bool):
        if value is None:
            return None
        raise ParseError("金额应为数字")
    if isinstance(value, (int, Decimal)):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    else:
        text = normalise_text(value).replace(",", "").replace(" ", "")
        if text in ("", "-", "—"):
            return None
        match = _AMOUNT.match(text)
        if not match:
            raise ParseError(f"无法识别的金额“{value}”，请填写数字（单位：万元），如 360、1,234.5、2.3亿")
        number = Decimal(match["number"]) * _UNIT_FACTOR[match["unit"]]
    if not number.is_finite():
        raise ParseError(f"无法识别的金额“{value}”")
    if number < 0:
        raise ParseError(f"金额不能为负数：“{value}”")
    if number != number.quantize(CENT):
        raise ParseError(f"金额“{value}”超过两位小数（单位：万元）")
    if number > MAX_AMOUNT:
        raise ParseError(f"金额“{value}”过大")
    return number.quantize(CENT)


def parse_number(value: object) -> Decimal | None:
    """A plain decimal figure (indicators: 199.87, '63.39%', '50亿' stays 50); empty gives None."""
    if value is None:
        return None
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    text = normalise_text(value).replace(",", "").rstrip("%")
    if text == "":
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ParseError(f"无法识别的数值“{value}”") from None


_DATE_PATTERNS = [
    re.compile(r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?$"),
    re.compile(r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*月?(?:底|末)?$"),
    re.compile(r"^(?P<y>\d{4})\s*年?(?:底|末)?$"),
    re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$"),
]


def parse_date(value: object) -> dt.date | None:
    """A date from a date/datetime or '2007-06-30', '2007/6/30', '2007.6.30', '2007年6月30日'.

    A month alone ('2007年6月', '2007.6', '2007-06') means the last day of that month, and a year
    alone ('2007年') the last day of the year: plans state deadlines that way ("2007年6月完成"),
    so the end of the period is the only reading that never makes a project late too early.
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = normalise_text(value)
    if text == "":
        return None
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if not match:
            continue
        parts = match.groupdict()
        year = int(parts["y"])
        month = int(parts.get("m") or 12)
        try:
            day = int(parts["d"]) if parts.get("d") else calendar.monthrange(year, month)[1]
            return dt.date(year, month, day)
        except (ValueError, calendar.IllegalMonthError):
            raise ParseError(f"日期不存在：“{value}”") from None
    raise ParseError(f"无法识别的日期“{value}”，请写成 2007-06-30、2007年6月 或 2007.6")


def parse_year(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer():
        value = int(value)
    text = normalise_text(value).removesuffix("年")
    if text == "":
        return None
    if not re.fullmatch(r"\d{4}", text):
        raise ParseError(f"无法识别的年份“{value}”，请写四位数字，如 2007")
    return int(text)
