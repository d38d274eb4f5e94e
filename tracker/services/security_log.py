"""The security log: one structured line per event through `logging` (logger "tracker.security", JSON,
no secrets) and one row in security_events for the admin's 安全日志 page.

The row joins the caller's transaction, like every write; events that must outlive a refused request
(a 403, a failed sign-in) are recorded after its rollback, by the caller.
"""

from __future__ import annotations

import json
import logging

from sqlalchemy.orm import Session

from tracker.models import SecurityLogEntry, utcnow
from tracker.vocab import SecurityEvent

logger = logging.getLogger("tracker.security")


def record(
    session: Session,
    event: SecurityEvent,
    *,
    user=None,
    username: str | None = None,
    address: str | None = None,
    detail: str | None = None,
) -> SecurityLogEntry:
    """Log `event`: `user` acted (a User or None), `username` names the account concerned (default:
    the actor's), `detail` says what, in words a reader of the log understands. Never a password."""
    entry = SecurityLogEntry(
        occurred_at=utcnow(),
        event=event,
        user_id=getattr(user, "id", None),
        username=(username or getattr(user, "username", None) or None),
        address=(address or None) and address[:64],
        detail=detail,
    )
    if entry.username:
        entry.username = entry.username[:60]
    session.add(entry)
    logger.info(
        json.dumps(
            {
                "event": event.value,
                "at": entry.occurred_at.isoformat(),
                "user_id": entry.user_id,
                "username": entry.username,
                "address": entry.address,
                "detail": detail,
            },
            ensure_ascii=False,
        )
    )
    return entry
