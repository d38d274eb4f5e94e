"""The security log: sign-ins, refusals and account changes, one row per event, never changed."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tracker.models.base import Base, utcnow, vocab_type
from tracker.vocab import SecurityEvent


class SecurityLogEntry(Base):
    __tablename__ = "security_events"
    __table_args__ = (Index("ix_security_events_event_at", "event", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    event: Mapped[SecurityEvent] = mapped_column(vocab_type(SecurityEvent))
    # Who acted (None: nobody signed in), and the account named (typed at sign-in, or acted upon).
    # No foreign key: the log outlives the account, and a row is never updated (not even to NULL).
    user_id: Mapped[int | None] = mapped_column(index=True)
    username: Mapped[str | None] = mapped_column(String(60))
    address: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(Text)
