"""Applying a large import after the request has answered, so no worker timeout cuts it off.

The request marks the batch 正在导入 and starts a thread with its own session; the batch page
refreshes itself until the work is done. The import is still one transaction: a failure — or a
worker that dies — leaves nothing written, and the batch can be confirmed again. Progress is
written through a connection of its own where the database allows a second writer (PostgreSQL);
SQLite has one writer at a time, so there the page says only that the import is under way.
"""

from __future__ import annotations

import datetime as dt
import threading

from flask import Flask, current_app
from sqlalchemy import update

from tracker.extensions import db
from tracker.models import ImportBatch, User, utcnow
from tracker.services import ServiceError
from tracker.vocab import ImportStatus

# A worker that stopped (restart, kill -9) leaves its batch 正在导入: after this long it is released.
STALE_AFTER = dt.timedelta(minutes=30)


def start(app: Flask, batch: ImportBatch, user: User, total: int, valid_only: bool) -> threading.Thread:
    """Mark the batch and apply it in a thread; the caller has checked that it may be applied."""
    batch.status = ImportStatus.APPLYING
    batch.progress_done, batch.progress_total, batch.started_at, batch.failure = 0, total, utcnow(), None
    db.session.commit()
    thread = threading.Thread(
        target=_run, args=(app, batch.id, user.id, valid_only), daemon=True, name=f"import-{batch.id}"
    )
    app.extensions.setdefault("import_threads", {})[batch.id] = thread  # tests wait on it
    thread.start()
    return thread


def _run(app: Flask, batch_id: int, user_id: int, valid_only: bool) -> None:
    from tracker.services.imports import commit_import

    with app.app_context():
        session = db.session
        batch = session.get(ImportBatch, batch_id)
        user = session.get(User, user_id)
        try:
            commit_import(
                session,
                batch,
                user,
                valid_only=valid_only,
                in_background=True,
                progress=lambda done: _progress(app, batch_id, done),
            )
            session.commit()
        except Exception as exc:  # noqa: BLE001 — whatever stopped it, nothing is written and people are told
            session.rollback()
            message = (
                exc.message if isinstance(exc, ServiceError) else f"导入失败（{type(exc).__name__}），未写入任何数据"
            )
            current_app.logger.exception("background import %s failed", batch_id)
            _release(session, batch_id, message[:500])
        finally:
            session.remove()


def _progress(app: Flask, batch_id: int, done: int) -> None:
    if db.engine.dialect.name != "postgresql":
        return
    with db.engine.begin() as conn:
        conn.execute(update(ImportBatch).where(ImportBatch.id == batch_id).values(progress_done=done))


def _release(session, batch_id: int, failure: str) -> None:
    """After the import's transaction rolled back: the batch may be confirmed again, with the reason."""
    session.execute(
        update(ImportBatch)
        .where(ImportBatch.id == batch_id, ImportBatch.status == ImportStatus.APPLYING)
        .values(status=ImportStatus.PREVIEWED, failure=failure)
    )
    session.commit()


def release_if_stale(batch: ImportBatch) -> bool:
    """A batch left 正在导入 by a worker that is gone: back to 已预览 (its transaction rolled back)."""
    if batch.status is ImportStatus.APPLYING and batch.started_at and utcnow() - batch.started_at > STALE_AFTER:
        batch.status = ImportStatus.PREVIEWED
        batch.failure = "上次导入在写入过程中中断，未写入任何数据，可以重新确认导入"
        db.session.commit()
        return True
    return False
