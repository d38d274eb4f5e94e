"""Numbers taken from the URL and from forms, read one way everywhere: a bad or huge value is
"not given" (a database integer column stops at 2**31 - 1; nine digits always fit)."""

from __future__ import annotations

import re

from flask import request

_NUMBER = re.compile(r"[0-9]{1,9}")


def number(text: str | None) -> int | None:
    return int(text) if text and _NUMBER.fullmatch(text) else None


def int_arg(name: str) -> int | None:
    return number(request.args.get(name))


def page_arg(name: str = "page") -> int:
    return max(number(request.args.get(name)) or 1, 1)


def page_count(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


def form_version() -> int | None:
    """The `version` a posted form says it was made on (None: missing or not a number)."""
    return number(request.form.get("version"))
