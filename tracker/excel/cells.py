"""Cell values as readers hand them over, turned into tracker's values — once, here.

python-calamine gives integers as floats and empty cells as ''; openpyxl gives datetimes for dates;
LibreOffice may leave a date as a serial number when it rewrote the date format. All of that is
folded here; what people typed ('2007年6月', '2.3亿', '３６０') goes through tracker.parse.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from decimal import Decimal
from typing import Any

from tracker.parse import DateValue, ParseError, normalise_text, parse_amount, parse_date_value
from tracker.vocab import Vocab

_ESTIMATE = re.compile(r"^\s*(约|大约|预计|估计|近|超过|逾)")  # "约1200万" is an estimate, not an amount
_LIST_SEPARATORS = re.compile(r"[、，,;；/\n]+")


def clean(value: Any) -> Any:
    """None for an empty cell; stripped text; whole floats as int; everything else as it came."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def read_text(value: Any) -> str | None:
    if type(value) is str:  # most cells, and every key of the hidden map: checked first
        return value.strip() or None
    value = clean(value)
    if value is None:
        return None
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def read_int(value: Any) -> int | None:
    value = clean(value)
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = normalise_text(value)
    if re.fullmatch(r"\d+", text):
        return int(text)
    raise ParseError(f"应为整数：“{value}”")


def read_amount(value: Any, factor: Decimal = Decimal(1)) -> Decimal | None:
    """An amount cell in 万元; `factor` converts from the column's unit (元, 亿元)."""
    value = clean(value)
    if isinstance(value, (dt.date, dt.datetime)):
        raise ParseError(f"应为金额（万元），却是日期：{value}")
    if isinstance(value, str) and _ESTIMATE.match(value):
        raise ParseError(f"“{value}”是估计数，不是金额：请填写确切数字")
    return parse_amount(value, factor)


def read_date(value: Any) -> DateValue | None:
    """A date cell as written (with its precision); tracker.parse says what a number or text means."""
    value = clean(value)
    if isinstance(value, dt.time):
        raise ParseError(f"无法识别的日期“{value}”")
    return parse_date_value(value)


def read_vocab(vocab: type[Vocab], value: Any, what: str) -> Vocab | None:
    text = read_text(value)
    if text is None:
        return None
    member = vocab.from_text(text)
    if member is None:
        allowed = "、".join(m.label for m in vocab)
        raise ParseError(f"无法识别的{what}“{text}”，可填：{allowed}")
    return member


def split_list(value: Any) -> list[str]:
    text = read_text(value)
    return [part.strip() for part in _LIST_SEPARATORS.split(text)] if text else []


def row_digest(values: list) -> str:
    """A fingerprint of a row's cells as tracker wrote them and as a reader gives them back.

    Numbers compare as floats (520.50 written, 520.5 read), a date with no time as a date, empty as
    empty; text exactly. Equal digests mean equal values, never a near miss: a row that differs in
    any cell takes the full path.
    """
    return _row_hash(values).hexdigest()


def row_digest_head(values: list) -> int:
    """The first 64 bits of row_digest(values), as an int: `int(row_digest(values)[:16], 16)` without
    the hex text in between (a row read from tracker's own export is fingerprinted once per row)."""
    return int.from_bytes(_row_hash(values).digest()[:8], "big")


def _row_hash(values: list):
    parts = []
    for value in values:
        if value is None or value == "":
            parts.append("")
        elif type(value) is str:  # most cells: checked first
            parts.append("s" + value)
        elif type(value) is float:
            parts.append("n" + repr(value))
        elif isinstance(value, bool):
            parts.append(f"b{value}")
        elif isinstance(value, (int, float, Decimal)):
            parts.append(f"n{float(value)!r}")
        elif isinstance(value, dt.datetime):
            parts.append(f"d{value.date().isoformat()}" if value.time() == dt.time() else f"t{value.isoformat()}")
        elif isinstance(value, dt.date):
            parts.append(f"d{value.isoformat()}")
        else:
            parts.append(f"s{value}")
    while parts and parts[-1] == "":
        parts.pop()
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=12)


def safe_text(value: str) -> bool:
    """False when Excel would read the text as a formula (or a DDE payload) if typed in."""
    return not value or value[0] not in "=+-@\t\r"
