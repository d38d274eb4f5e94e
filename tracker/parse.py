"""Reading values as people write them: amounts in 万元, dates, years. One parser per kind.

Used by the seed loader, the web forms and the workbook importer alike, so that '2007年6月'
or '2.3亿' means the same thing wherever it is typed.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from tracker.vocab import DatePrecision, TargetDirection

CENT = Decimal("0.01")  # money is 万元 with two places: Numeric(14, 2)

MAX_AMOUNT = Decimal("999999999999.99")  # Numeric(14, 2)


class ParseError(ValueError):
    """A value that cannot be read; the message is Chinese and says what was expected."""


def normalise_text(value: object) -> str:
    """Full-width digits and punctuation folded to ASCII, spaces trimmed."""
    return unicodedata.normalize("NFKC", str(value)).strip()


_AMOUNT = re.compile(r"^(?P<number>[+-]?\d+(?:\.\d+)?)\s*(?P<unit>万元|万|亿元|亿|元)?$")
_UNIT_FACTOR = {
    None: Decimal(1),
    "万": Decimal(1),
    "万元": Decimal(1),
    "亿": Decimal(10000),
    "亿元": Decimal(10000),
    "元": Decimal("0.0001"),
}


def parse_amount(value: object, factor: Decimal = Decimal(1)) -> Decimal | None:
    """An amount in 万元 (Decimal, 2 places) from 360 / '1,234.5' / '360万' / '2.3亿' / '３６０'.

    `factor` converts a bare number from the sheet's unit (元: 0.0001, 亿元: 10000); a unit written
    in the cell itself ('360万') wins. Empty gives None. A negative amount, or one finer than
    0.01 万元 once converted, is an error rather than silently rounded.
    """
    if value is None or isinstance(value, bool):
        if value is None:
            return None
        raise ParseError("金额应为数字")
    if isinstance(value, (int, Decimal)):
        number = Decimal(value) * factor
    elif isinstance(value, float):
        number = Decimal(repr(value)) * factor
    else:
        text = normalise_text(value).replace(",", "").replace(" ", "")
        if text in ("", "-", "—"):
            return None
        match = _AMOUNT.match(text)
        if not match:
            raise ParseError(f"无法识别的金额“{value}”，请填写数字（单位：万元），如 360、1,234.5、2.3亿")
        unit = match["unit"]
        number = Decimal(match["number"]) * (_UNIT_FACTOR[unit] if unit else factor)
    if not number.is_finite():
        raise ParseError(f"无法识别的金额“{value}”")
    if number < 0:
        raise ParseError(f"金额不能为负数：“{value}”")
    if number != number.quantize(CENT):
        converted = "" if factor == 1 else f"换算为 {number.normalize():f} 万元后"
        raise ParseError(f"金额“{value}”{converted}超过两位小数（单位：万元）")
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
    """A deadline as a date: '2007年6月' is due by 30 June, '2007年' by 31 December.

    Plans state deadlines that way ("2007年6月完成"), so the end of the period is the only reading
    that never makes a project late too early. The one reading of dates is parse_date_value.
    """
    written = parse_date_value(value)
    return written.last if written is not None else None


def parse_year(value: object) -> int | None:
    """A year as written: 2007, "2007", "2007年", "2007年度" — four digits within YEAR_WINDOW."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer():
        value = int(value)
    text = normalise_text(value)
    if text == "":
        return None
    match = re.fullmatch(r"(\d{4})(?:年度?)?", text)
    if match is None or not YEAR_WINDOW[0] <= int(match[1]) <= YEAR_WINDOW[1]:
        raise ParseError(f"应为四位年份（如 2027 或 2027年）：“{value}”")
    return int(match[1])


# -- Dates with their precision -------------------------------------------------------------------


@dataclass(frozen=True)
class DateValue:
    """A date as written: the span it names and how precise it is.

    A start reads as the span's first day, a deadline as its last ('2007.6' starts on 1 June and
    is due by 30 June); both are stored with the precision, so the date is shown as written.
    """

    first: dt.date
    last: dt.date
    precision: DatePrecision

    @classmethod
    def day(cls, date: dt.date) -> DateValue:
        return cls(date, date, DatePrecision.DAY)

    def text(self) -> str:
        return format_date(self.first, self.precision)


_HALVES = {"上半年": 1, "上半": 1, "下半年": 2, "下半": 2}
_QUARTER_WORDS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_SPAN_PATTERNS = [
    (re.compile(r"^(?P<y>\d{4})\s*年?\s*(?P<h>上半年|下半年|上半|下半)$"), DatePrecision.HALF),
    (
        re.compile(r"^(?P<y>\d{4})\s*年?\s*(?:第?(?P<q>[一二三四1-4])\s*季度?|[Qq](?P<q2>[1-4]))$"),
        DatePrecision.QUARTER,
    ),
]
EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 = 1900-01-01, with Excel's phantom 1900-02-29
SERIAL_WINDOW = (dt.date(1990, 1, 1), dt.date(2100, 12, 31))  # a bare number is a serial only in here
YEAR_WINDOW = (1949, 2100)


def _month_span(year: int, month: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def parse_date_value(value: object) -> DateValue | None:
    """A date as written, with its precision: 2007-06-30, 2007年6月, 2007.6, 2006年上半年, 2015年, 46106.

    A bare number is a year when it looks like one (2026), an Excel serial only inside 1990–2100,
    and anything else an error — never a date in 1905. Words such as 完成 are errors, not dates.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, dt.datetime):
        return DateValue.day(value.date())
    if isinstance(value, dt.date):
        return DateValue.day(value)
    if isinstance(value, (int, float, Decimal)):
        return _number_date(value)
    text = normalise_text(value)
    if text in ("", "-", "—", "/"):
        return None
    if re.fullmatch(r"\d+(\.0+)?", text) and len(text.split(".")[0]) != 8:
        return _number_date(Decimal(text))
    for pattern, precision in _SPAN_PATTERNS:
        match = pattern.match(text)
        if match:
            year = _year_in_window(int(match["y"]), value)
            if precision is DatePrecision.HALF:
                half = _HALVES[match["h"]]
                return DateValue(dt.date(year, 6 * half - 5, 1), _month_span(year, 6 * half)[1], precision)
            quarter = _QUARTER_WORDS[match["q"] or match["q2"]]
            return DateValue(dt.date(year, 3 * quarter - 2, 1), _month_span(year, 3 * quarter)[1], precision)
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if not match:
            continue
        parts = match.groupdict()
        year = _year_in_window(int(parts["y"]), value)
        try:
            if parts.get("d"):
                return DateValue.day(dt.date(year, int(parts["m"]), int(parts["d"])))
            if parts.get("m"):
                return DateValue(*_month_span(year, int(parts["m"])), DatePrecision.MONTH)
        except (ValueError, calendar.IllegalMonthError):
            raise ParseError(f"日期不存在：“{value}”") from None
        return DateValue(dt.date(year, 1, 1), dt.date(year, 12, 31), DatePrecision.YEAR)
    raise ParseError(f"无法识别的日期“{value}”，请写成 2007-06-30、2007年6月、2007.6 或 2007年")


def _year_in_window(year: int, value: object) -> int:
    if not YEAR_WINDOW[0] <= year <= YEAR_WINDOW[1]:
        raise ParseError(f"年份超出范围：“{value}”（应在 {YEAR_WINDOW[0]}–{YEAR_WINDOW[1]} 之间）")
    return year


def _number_date(value: int | float | Decimal) -> DateValue:
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if number == number.to_integral_value():
        whole = int(number)
        if YEAR_WINDOW[0] <= whole <= YEAR_WINDOW[1]:
            return DateValue(dt.date(whole, 1, 1), dt.date(whole, 12, 31), DatePrecision.YEAR)
        if 19000101 <= whole <= 21001231:  # 20260325 typed without separators
            return parse_date_value(str(whole))
    else:
        whole = int(number)
        fraction = str(number).split(".")[1]
        if YEAR_WINDOW[0] <= whole <= YEAR_WINDOW[1]:  # 2007.6 typed into a number cell
            if fraction == "1":
                raise ParseError(
                    f"“{value}”可能是 {whole}年1月，也可能是 {whole}年10月（Excel 会把 {whole}.10 存成 "
                    f"{whole}.1）：请写成 {whole}年1月 或 {whole}年10月"
                )
            if len(fraction) <= 2 and 1 <= int(fraction) <= 12:
                return DateValue(*_month_span(whole, int(fraction)), DatePrecision.MONTH)
    serial_date = EXCEL_EPOCH + dt.timedelta(days=int(number)) if 0 < number < 2958466 else None
    if serial_date is not None and SERIAL_WINDOW[0] <= serial_date <= SERIAL_WINDOW[1]:
        return DateValue.day(serial_date)
    raise ParseError(f"无法识别的日期“{value}”：数字只在表示年份（如 2026）或 Excel 日期时可用")


# How each dated field reads a date written as a span, and where it keeps the precision.
DATE_ENDS: dict[str, tuple[str, str | None]] = {
    "planned_start_on": ("first", "planned_start_precision"),
    "planned_end_on": ("last", "planned_end_precision"),
    "planned_on": ("last", "planned_precision"),
    "actual_on": ("last", "actual_precision"),
    "occurred_on": ("first", "occurred_precision"),  # 大事记: "2001年7月" happened in July, from its start
}


def date_for(field: str, value: DateValue | None) -> tuple[dt.date | None, DatePrecision | None]:
    """(date to store, precision to store) for `field`: a start is its span's first day, others the last."""
    if value is None:
        return None, None
    end = DATE_ENDS.get(field, ("first" if "start" in field else "last", None))[0]
    precision = None if value.precision is DatePrecision.DAY else value.precision
    return (value.first if end == "first" else value.last), precision


_RANGE_SPLIT = re.compile(r"\s*(?:—+|–|~|～|至|到|－|-(?=\s*\d{4}))\s*")


def parse_date_range(value: object) -> tuple[DateValue | None, DateValue | None]:
    """建设起止年限 as written: '2013-2015', '2013.3—2015.12', '2013年3月至2015年12月', or one year."""
    if value is None:
        return None, None
    if isinstance(value, (dt.date, int, float, Decimal)) and not isinstance(value, bool):
        single = parse_date_value(value)
        return single, single
    text = normalise_text(value)
    if text in ("", "-", "—"):
        return None, None
    parts = [p for p in _RANGE_SPLIT.split(text) if p]
    if len(parts) == 1:
        single = parse_date_value(parts[0])
        return single, single
    if len(parts) != 2:
        raise ParseError(f"无法识别的起止年限“{value}”，请写成 2013-2015 或 2013.3—2015.12")
    start, end = parse_date_value(parts[0]), parse_date_value(parts[1])
    if start and end and end.last < start.first:
        raise ParseError(f"起止年限“{value}”的结束早于开始")
    return start, end


def format_date(date: dt.date | None, precision: DatePrecision | str | None = None) -> str:
    """A stored date as it was written: 2007-06-30, 2007年6月, 2006年上半年, 2015年."""
    if date is None:
        return ""
    precision = DatePrecision(precision) if precision else DatePrecision.DAY
    if precision is DatePrecision.MONTH:
        return f"{date.year}年{date.month}月"
    if precision is DatePrecision.QUARTER:
        return f"{date.year}年第{'一二三四'[(date.month - 1) // 3]}季度"
    if precision is DatePrecision.HALF:
        return f"{date.year}年{'上' if date.month <= 6 else '下'}半年"
    if precision is DatePrecision.YEAR:
        return f"{date.year}年"
    return date.isoformat()


# Words that say which side of a target counts, as plans write them; checked in this order, so that
# "前5名以内" is 以内 and "达到50亿元以上" is 以上.
_DIRECTION_WORDS = (
    (TargetDirection.AT_MOST, ("以内", "不超过", "控制在", "以下", "低于")),
    (TargetDirection.ABOVE, ("超过", "突破", "高于", "多于")),
    (TargetDirection.AT_LEAST, ("以上", "不低于", "不少于", "达到")),
    (TargetDirection.NEAR, ("近", "接近")),
)


def target_direction(text: str | None) -> TargetDirection | None:
    """The direction a target's own words give ("排名前5名以内" → 以内), or None when they give none."""
    if not text:
        return None
    for direction, words in _DIRECTION_WORDS:
        if any(word in text for word in words):
            return direction
    return None
