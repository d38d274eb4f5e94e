"""The change history: every insert, update and delete of an audited record, field by field.

Recorded by one session hook (after_flush), in the same transaction as the change itself, so no
caller can forget it and no change commits without its record. The caller only says who is
acting and from where, once per unit of work, with set_change_context().
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, event, insert, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column

from tracker.models.base import CENT, Base, Money, utcnow, vocab_type
from tracker.vocab import ChangeAction, ChangeSource

# Bookkeeping columns whose change is implied by the change that caused it.
_NOT_RECORDED = frozenset({"id", "version", "updated_at"})


class ChangeRecord(Base):
    __tablename__ = "change_records"
    __table_args__ = (
        Index("ix_change_records_entity", "entity", "entity_id"),
        Index("ix_change_records_project_changed", "project_id", "changed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    source: Mapped[ChangeSource] = mapped_column(vocab_type(ChangeSource))
    entity: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[int]
    action: Mapped[ChangeAction] = mapped_column(vocab_type(ChangeAction))
    field: Mapped[str | None] = mapped_column(String(50))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    import_batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("import_batches.id", ondelete="SET NULL"), index=True
    )
    # The project a change belongs to (the project itself, or the one owning the milestone or
    # investment): a project's history is one indexed range, and deleted records stay in it.
    # No foreign key: the history outlives the project.
    project_id: Mapped[int | None]


@dataclass(frozen=True)
class ChangeContext:
    source: ChangeSource
    user_id: int | None = None
    import_batch_id: int | None = None


class MissingChangeContext(RuntimeError):
    """Audited records were flushed by a unit of work that never said who and from where."""


def set_change_context(session: Session, source: ChangeSource, user: Any = None, import_batch: Any = None) -> None:
    """Say who (a User or None) makes the changes flushed by `session` from now on, and from where."""
    session.info["change_context"] = ChangeContext(
        source, user.id if user is not None else None, import_batch.id if import_batch is not None else None
    )


def _format(value: Any, column_type: Any = None) -> str | None:
    if value is None:
        return None
    if isinstance(column_type, Money):
        value = Decimal(value).quantize(CENT)  # as stored, not as typed
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, Base):
        return str(value)
    return str(value)


def _format_collection(items) -> str:
    return "；".join(sorted(_format(item) or "" for item in items))


def _recorded_columns(obj: Base):
    """(attribute, column type) of each column whose changes are recorded."""
    for attr in inspect(type(obj)).column_attrs:
        if attr.key not in _NOT_RECORDED and attr.key not in obj.__audit_exclude__:
            yield attr.key, attr.columns[0].type


def _rows_for(obj: Base, action: ChangeAction, context: ChangeContext, now: dt.datetime) -> list[dict]:
    state = inspect(obj)
    changes: list[tuple[str, Any, Any]] = []
    if action is ChangeAction.UPDATE:
        for key, column_type in _recorded_columns(obj):
            history = state.attrs[key].history
            if not history.has_changes():
                continue
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            if old != new:
                changes.append((key, _format(old, column_type), _format(new, column_type)))
        for key in obj.__audit_collections__:
            history = state.attrs[key].history
            if history.added or history.deleted:
                kept = list(history.unchanged)
                changes.append(
                    (
                        key,
                        _format_collection(kept + list(history.deleted)),
                        _format_collection(kept + list(history.added)),
                    )
                )
    else:
        # Inserts and deletes list every value the record had, so a deleted record can be rebuilt.
        for key, column_type in _recorded_columns(obj):
            value = _format(state.dict.get(key), column_type)
            if value is not None:
                changes.append((key, None, value) if action is ChangeAction.INSERT else (key, value, None))
        for key in obj.__audit_collections__:
            items = state.dict.get(key) or []
            if items:
                value = _format_collection(items)
                changes.append((key, None, value) if action is ChangeAction.INSERT else (key, value, None))
        if not changes:
            changes.append((None, None, None))
    entity_id = state.identity[0] if state.identity else obj.id
    project_id = entity_id if obj.__tablename__ == "projects" else state.dict.get("project_id")
    return [
        {
            "changed_at": now,
            "user_id": context.user_id,
            "source": context.source,
            "entity": obj.__tablename__,
            "entity_id": entity_id,
            "action": action,
            "field": field,
            "old_value": old,
            "new_value": new,
            "import_batch_id": context.import_batch_id,
            "project_id": project_id,
        }
        for field, old, new in changes
    ]


def _collections_changed(obj: Base) -> bool:
    state = inspect(obj)
    return any(state.attrs[key].history.has_changes() for key in obj.__audit_collections__)


@event.listens_for(Session, "before_flush")
def _touch_when_links_change(session: Session, _flush_context, _instances) -> None:
    # A change to a link table alone emits no UPDATE of the record, so its version would not
    # move; touching updated_at makes the record's own row change, and the version with it.
    for obj in session.dirty:
        if getattr(obj, "__audited__", False) and hasattr(obj, "updated_at") and _collections_changed(obj):
            obj.updated_at = utcnow()


@event.listens_for(Session, "after_flush")
def _record_changes(session: Session, _flush_context) -> None:
    audited = [
        (obj, action)
        for objects, action in (
            (session.new, ChangeAction.INSERT),
            (session.dirty, ChangeAction.UPDATE),
            (session.deleted, ChangeAction.DELETE),
        )
        for obj in objects
        if getattr(obj, "__audited__", False)
    ]
    if not audited:
        return
    context = session.info.get("change_context")
    if context is None:
        raise MissingChangeContext("audited records changed with no change context; call set_change_context() first")
    now = utcnow()
    rows = [row for obj, action in audited for row in _rows_for(obj, action, context, now)]
    if rows:
        # Core insert: the unit of work is mid-flush and takes no new objects now.
        session.connection().execute(insert(ChangeRecord), rows)
