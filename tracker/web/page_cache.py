"""Rendered figures kept until anything they are made from changes, shared by every worker.

The 驾驶舱 and the 通报 sum a whole plan (10,000 projects: 50–170 ms of work); a leader, the office and
the next leader ask for the same figures. Every change to the data they read is recorded in the
change history in the same transaction, so the newest change record's id (one index lookup) and
the date (lateness moves at midnight) say whether a kept page is still true. A milestone's note is
left out of that stamp: no kept page shows it, and departments add one with nearly every quick
update, which would otherwise make every leader's next click a fresh sum of the whole plan.

Pages are kept as files in the instance folder, so every gunicorn worker of the host serves what any
of them rendered: a change costs one sum, not one per worker. A file is written whole and renamed
into place (a reader never sees half of one); the key carries the time the app was loaded, so pages
rendered by an older version of the templates are never served after a restart.

`kept` does the same for a figure (a roll-up, a count) on pages that also show per-user parts: kept
in the worker's memory, as it is cheap to recompute once per worker.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from flask import current_app, g
from markupsafe import Markup
from sqlalchemy import and_, func, select

from tracker import progress
from tracker.extensions import db

LIMIT = 64  # kept pages (files) and kept figures, each; the oldest go first
_LOADED = time.time()  # with gunicorn's preload_app, one value for every worker of a start
_values: OrderedDict = OrderedDict()
_lock = threading.Lock()
T = TypeVar("T")


def stamp() -> tuple:
    """(newest change record but a milestone's note, today): asked once per request."""
    from tracker.models import ChangeRecord

    if "kept_stamp" not in g:
        note_only = and_(ChangeRecord.entity == "milestones", func.coalesce(ChangeRecord.field, "") == "note")
        g.kept_stamp = (db.session.scalar(select(func.max(ChangeRecord.id)).where(~note_only)), progress.today())
    return g.kept_stamp


def kept(key: tuple, compute: Callable[[], T]) -> T:
    """The figure for `key`, computed now or kept in this worker from before if nothing has changed since."""
    if not current_app.config.get("PAGE_CACHE", True):
        return compute()
    full_key = (*key, *stamp())
    with _lock:
        if full_key in _values:
            _values.move_to_end(full_key)
            return _values[full_key]
    value = compute()
    with _lock:
        _values[full_key] = value
        while len(_values) > LIMIT:
            _values.popitem(last=False)
    return value


def cached(key: tuple, render: Callable[[], str]) -> Markup:
    """The page part for `key`, rendered now or kept from before if nothing has changed since."""
    if not current_app.config.get("PAGE_CACHE", True):
        return Markup(render())
    folder = Path(current_app.config.get("PAGE_CACHE_DIR") or Path(current_app.instance_path) / "kept-pages")
    path = folder / (hashlib.sha256(repr((_LOADED, *key, *stamp())).encode()).hexdigest()[:40] + ".html")
    try:
        return Markup(path.read_text(encoding="utf-8"))
    except OSError:  # not kept yet (or unreadable): render it
        pass
    page = render()
    try:
        _keep(folder, path, page)
    except OSError as exc:  # a full disk or a read-only instance folder costs speed, never the page
        current_app.logger.warning("kept page not written: %s", exc)
    return Markup(page)


def _keep(folder: Path, path: Path, page: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=folder, suffix=".tmp", delete=False) as out:
        out.write(page)
    os.replace(out.name, path)
    kept = []
    for entry in os.scandir(folder):
        try:
            if entry.name.endswith(".html"):
                kept.append((entry.stat().st_mtime, entry.path))
        except FileNotFoundError:  # another worker pruned it meanwhile
            continue
    for _mtime, old in sorted(kept)[:-LIMIT]:
        Path(old).unlink(missing_ok=True)


def clear() -> None:
    """Forget the kept figures of this worker (tests: SQLite reuses ids after a rolled-back test)."""
    with _lock:
        _values.clear()
