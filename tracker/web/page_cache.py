"""Rendered figures kept in each worker until anything they are made from changes.

The 驾驶舱 and the 通报 sum a whole plan (10,000 projects: 50–170 ms of work); a leader, the office and
the next leader ask for the same figures. Every change to the data they read is recorded in the
change history in the same transaction, so the newest change record's id (one index lookup) and
the date (lateness moves at midnight) say whether a kept page is still true. A milestone's note is
left out of that stamp: no kept page shows it, and departments add one with nearly every quick
update, which would otherwise make every leader's next click a fresh sum of the whole plan.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

from flask import current_app
from markupsafe import Markup
from sqlalchemy import and_, func, select

from tracker import progress
from tracker.extensions import db

LIMIT = 64
_pages: OrderedDict = OrderedDict()
_lock = threading.Lock()


def stamp() -> tuple:
    from tracker.models import ChangeRecord

    note_only = and_(ChangeRecord.entity == "milestones", func.coalesce(ChangeRecord.field, "") == "note")
    return db.session.scalar(select(func.max(ChangeRecord.id)).where(~note_only)), progress.today()


def cached(key: tuple, render: Callable[[], str]) -> Markup:
    """The page part for `key`, rendered now or kept from before if nothing has changed since."""
    if not current_app.config.get("PAGE_CACHE", True):
        return Markup(render())
    full_key = (*key, *stamp())
    with _lock:
        if full_key in _pages:
            _pages.move_to_end(full_key)
            return _pages[full_key]
    page = Markup(render())
    with _lock:
        _pages[full_key] = page
        while len(_pages) > LIMIT:
            _pages.popitem(last=False)
    return page


def clear() -> None:
    with _lock:
        _pages.clear()
