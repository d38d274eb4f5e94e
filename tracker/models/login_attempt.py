"""Failed sign-in counts per account and per address, kept in the database so that every
gunicorn worker sees the same count."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from tracker.models.base import Base


class LoginThrottle(Base):
    __tablename__ = "login_throttles"

    id: Mapped[int] = mapped_column(primary_key=True)
    # "user:<username>" or "addr:<ip>"
    key: Mapped[str] = mapped_column(String(120), unique=True)
    failures: Mapped[int] = mapped_column(default=0)
    window_started_at: Mapped[dt.datetime]
    locked_until: Mapped[dt.datetime | None]
