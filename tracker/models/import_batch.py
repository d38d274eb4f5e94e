"""An uploaded workbook: the file itself, who brought it in, what its preview found and what was applied."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.models.base import Base, utcnow, vocab_type
from tracker.models.department import Department
from tracker.models.plan import Plan
from tracker.models.user import User
from tracker.vocab import ChangeSource, ImportStatus


class ImportBatch(Base):
    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    source: Mapped[ChangeSource] = mapped_column(vocab_type(ChangeSource))
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int]
    # The original file, kept as it came; loaded only when asked for (pages show the stored preview).
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id", ondelete="SET NULL"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id", ondelete="SET NULL"))
    # A 月报/季报 brought back into a reporting period (None: a plan workbook).
    period_id: Mapped[int | None] = mapped_column(ForeignKey("reporting_periods.id", ondelete="SET NULL"), index=True)
    status: Mapped[ImportStatus] = mapped_column(vocab_type(ImportStatus))
    # new / changed / unchanged / error / conflict / skipped → number of rows
    counts: Mapped[dict] = mapped_column(JSON, default=dict)
    # "entity:id" → version seen by the preview; the commit refuses if any has moved since.
    seen_versions: Mapped[dict] = mapped_column(JSON, default=dict)
    applied_at: Mapped[dt.datetime | None]
    applied_rows: Mapped[str | None] = mapped_column(String(20))  # "all" or "valid"
    # The preview as shown (services/imports.py): every row's outcome and changes, every sheet's and
    # column's line. 确认导入 applies exactly this, so the file is parsed once per upload.
    preview: Mapped[dict | None] = mapped_column(JSON)
    applied_count: Mapped[int | None]
    # A large import is applied in the background: how far it has got, and why it stopped if it failed.
    progress_done: Mapped[int | None]
    progress_total: Mapped[int | None]
    started_at: Mapped[dt.datetime | None]
    failure: Mapped[str | None] = mapped_column(String(500))

    user: Mapped[User | None] = relationship()
    plan: Mapped[Plan | None] = relationship()
    department: Mapped[Department | None] = relationship()
