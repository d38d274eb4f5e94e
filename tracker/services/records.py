"""Saving an edit to any record: the version check that keeps two people from overwriting each other."""

from __future__ import annotations

from typing import Any

from sqlalchemy import UniqueConstraint, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from tracker.models import PlanSection
from tracker.services import ServiceError


class MissingVersion(ServiceError):
    """An edit that does not say which version it was made on: it could overwrite a newer save."""

    def __init__(self) -> None:
        super().__init__("保存失败：表单缺少版本号（页面可能已过期或不完整）。请刷新页面后重新填写，未保存任何内容。")


class EditConflict(ServiceError):
    """Someone else saved the record after this edit was loaded; nothing was written."""

    def __init__(self) -> None:
        super().__init__("保存失败：此记录在您打开后已被他人修改。请对照下表，确认后重新保存。")


def _column_value(obj: Any, column_key: str) -> Any:
    """A column's value, taken from the related record when only the relationship is set yet."""
    value = getattr(obj, column_key)
    if value is None:
        for rel in inspect(type(obj)).relationships:
            if any(col.key == column_key for col in rel.local_columns) and not rel.uselist:
                related = getattr(obj, rel.key)
                return getattr(related, "id", None) if related is not None else None
    return value


def check_unique(session: Session, obj: Any) -> None:
    """Say which field repeats an existing record, before the database refuses it."""
    model = type(obj)
    columns = {col.name: attr.key for attr in inspect(model).column_attrs for col in attr.columns}
    for constraint in model.__table__.constraints:
        if not isinstance(constraint, UniqueConstraint):
            continue
        keys = [columns[col.name] for col in constraint.columns]
        values = [_column_value(obj, key) for key in keys]
        if any(v is None for v in values):
            continue
        query = select(model.id).where(*(getattr(model, k) == v for k, v in zip(keys, values, strict=True)))
        if obj.id is not None:
            query = query.where(model.id != obj.id)
        with session.no_autoflush:
            if session.scalar(query.limit(1)) is not None:
                raise ServiceError("已有相同的记录（不能重复）", keys[-1])


def check_section_parent(session: Session, section: PlanSection) -> None:
    """A section's parent is in the same plan and is not the section itself or one of its sub-sections."""
    parent_id = section.parent.id if section.parent is not None else section.parent_id
    seen = {section.id}
    with session.no_autoflush:
        while parent_id is not None:
            if parent_id in seen:
                raise ServiceError("上级不能是它自己或它的下级", "parent_id")
            seen.add(parent_id)
            parent = session.get(PlanSection, parent_id)
            if parent is None or parent.plan_id != _column_value(section, "plan_id"):
                raise ServiceError("上级必须属于同一规划", "parent_id")
            parent_id = parent.parent_id


RECORD_RULES = {PlanSection: check_section_parent}


def save_record(session: Session, obj: Any) -> None:
    """Flush a new or changed record; a duplicate or a broken rule is a ServiceError, never a 500."""
    rule = RECORD_RULES.get(type(obj))
    if rule is not None:
        rule(session, obj)
    check_unique(session, obj)
    try:
        with session.begin_nested():
            session.flush()
    except StaleDataError:  # saved by someone else between our read and our write
        raise EditConflict() from None
    except IntegrityError:
        raise ServiceError("保存失败：数据不符合规则（重复、缺少必填项或数值超出范围）") from None


def check_version(obj: Any, expected_version: int | None) -> None:
    """The record is still at the version the edit was made on. An edit without a version is
    refused, never applied: failing open would let a stale page overwrite a newer save."""
    if expected_version is None:
        raise MissingVersion()
    if obj.version != expected_version:
        raise EditConflict()


def update_record(session: Session, obj: Any, values: dict[str, Any], expected_version: int | None) -> None:
    """Apply `values` to `obj` if it is still at `expected_version`; flushes, never commits."""
    check_version(obj, expected_version)
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
    save_record(session, obj)


def delete_record(session: Session, obj: Any, expected_version: int | None = None) -> None:
    if expected_version is not None and obj.version != expected_version:
        raise EditConflict()
    session.delete(obj)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise ServiceError("无法删除：仍有其他记录引用它（例如项目的责任单位或用户所属单位）。") from None
    except StaleDataError:
        raise EditConflict() from None
