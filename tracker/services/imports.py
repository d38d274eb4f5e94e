"""Import batches: keep the uploaded file and its preview, then apply exactly what was previewed."""
from __future__ import annotations

import hashlib

from sqlalchemy.orm import Session

from tracker.excel.importer import ImportRefused, Preview, apply_preview, moved_since, preview_workbook
from tracker.models import ImportBatch, User, set_change_context, utcnow
from tracker.services import ServiceError
from tracker.vocab import ChangeSource, ImportStatus


class StalePreview(ServiceError):
    def __init__(self) -> None:
        super().__init__("预览之后系统中的数据已有变化（或文件不同），请重新预览后再确认导入。")


def stage_import(session: Session, data: bytes, filename: str, user: User | None, source: ChangeSource,
                 plan_code: str | None = None) -> tuple[ImportBatch, Preview]:
    """Preview a workbook and keep it, with what the preview saw; writes no plan data."""
    try:
        preview = preview_workbook(session, data, user=user, plan_code=plan_code, filename=filename)
    except ImportRefused as exc:
        raise ServiceError(str(exc)) from None
    batch = ImportBatch(
        user=user, source=source, filename=filename[:255] or "workbook.xlsx", sha256=hashlib.sha256(data).hexdigest(),
        size=len(data), content=data, plan=preview.plan, department=preview.department,
        status=ImportStatus.PREVIEWED, counts=preview.counts, seen_versions=preview.seen_versions,
    )
    session.add(batch)
    session.flush()
    return batch, preview


def load_preview(session: Session, batch: ImportBatch, user: User | None) -> Preview:
    try:
        return preview_workbook(session, batch.content, user=user, plan_code=batch.plan.code if batch.plan else None,
                                filename=batch.filename)
    except ImportRefused as exc:
        raise ServiceError(str(exc)) from None


def commit_import(session: Session, batch: ImportBatch, user: User | None, *, valid_only: bool = False,
                  expected_sha256: str | None = None) -> int:
    """Apply the batch's preview in the caller's transaction; every change is recorded as from this import."""
    if batch.status is not ImportStatus.PREVIEWED:
        raise ServiceError("这个导入已经处理过了")
    if expected_sha256 is not None and expected_sha256 != batch.sha256:
        raise StalePreview()
    if moved_since(session, batch.seen_versions):
        raise StalePreview()
    preview = load_preview(session, batch, user)
    if preview.seen_versions != batch.seen_versions or preview.counts != batch.counts:
        raise StalePreview()
    if preview.blocked and not valid_only:
        raise ServiceError("有错误或冲突的行，未导入任何数据。请修正后重新导入，或选择“只导入无误的行”。")
    set_change_context(session, ChangeSource.IMPORT, user, batch)
    applied = apply_preview(session, preview, valid_only=valid_only)
    batch.status = ImportStatus.APPLIED
    batch.applied_at = utcnow()
    batch.applied_rows = "valid" if preview.blocked else "all"
    session.flush()
    return applied
