"""An uploaded workbook: the file itself, who brought it in, what its preview found and what was applied."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, UniqueConstraint
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
    # "entity:id" → version seen by the preview; the commit refuses if any has moved since. Loaded only
    # when asked for: a whole plan's file saw 120,000 records, and the preview's pages do not need them.
    seen_versions: Mapped[dict] = mapped_column(JSON, default=dict, deferred=True)
    # What 确认导入 needs before its first chunk (services/imports.Creations): the rows creating projects
    # and the highest 序号 given per project. Loaded only when applying; None for batches kept before.
    creations: Mapped[dict | None] = mapped_column(JSON, deferred=True)
    applied_at: Mapped[dt.datetime | None]
    applied_rows: Mapped[str | None] = mapped_column(String(20))  # "all" or "valid"
    # The preview as shown (services/imports.py): every sheet's and column's line, notes, and — for a
    # 月报/季报 — its rows; a plan workbook's rows are ImportRows. 确认导入 applies exactly this, so the
    # file is parsed once per upload.
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


class ImportRow(Base):
    """One row of a plan workbook's stored preview: its outcome and changes (RowResult.stored()).

    Kept apart from the batch so that a page of the preview reads its 500 rows, 确认导入 the rows it
    applies, and the 待修正 workbook the rejected ones — not all 120,000 rows of a whole plan's file.
    """

    __tablename__ = "import_rows"
    __table_args__ = (
        UniqueConstraint("batch_id", "position"),
        Index("ix_import_rows_batch_id_outcome", "batch_id", "outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id", ondelete="CASCADE"))
    position: Mapped[int]  # the order shown: sheet by sheet, row by row
    outcome: Mapped[str] = mapped_column(String(10))  # new / changed / unchanged / error / conflict / skipped
    applied: Mapped[bool] = mapped_column(default=False)
    data: Mapped[dict | list] = mapped_column(JSON)
