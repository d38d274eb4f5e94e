"""Declarative base, constraint naming convention and the column types shared by all models."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, DateTime, Enum, Integer, MetaData, Numeric, String, any_, bindparam
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, declared_attr, mapped_column
from sqlalchemy.types import TypeDecorator

from tracker.parse import CENT
from tracker.vocab import Vocab

# Named constraints let Alembic drop/alter them, and SQLite batch migrations need names.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Money(TypeDecorator):
    """万元 as Decimal with two places, exact on PostgreSQL and on SQLite.

    SQLite keeps NUMERIC as REAL: the value is read as a float and turned back into the decimal
    it was written as (repr of a double is exact up to 15 significant digits; Numeric(14, 2)
    has 14), so no rounding error can show.
    """

    impl = Numeric(14, 2)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(Numeric(14, 2, asdecimal=False))
        return dialect.type_descriptor(Numeric(14, 2))

    def process_bind_param(self, value: Any, dialect):
        if value is None:
            return None
        value = Decimal(value).quantize(CENT)
        return float(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect):
        if value is None:
            return None
        return Decimal(repr(value) if isinstance(value, float) else value).quantize(CENT)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on both databases (SQLite drops the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use tracker.models.base.utcnow()")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def ids_in(session: Session, column: Any, ids: Any) -> ColumnElement[bool]:
    """`column IN ids` for a list of ids; on PostgreSQL as one array parameter, `column = ANY(:ids)`.

    An IN list of 500 ids is 500 parameters to render, send and parse on every query (6.2 ms against
    2.4 ms for the array, measured on a department's workbook of 500 milestones).
    """
    ids = list(ids)
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, ids, type_=ARRAY(Integer)))
    return column.in_(ids)


def vocab_type(vocab: type[Vocab], name: str | None = None) -> Enum:
    """A VARCHAR holding the vocabulary's values, with a CHECK constraint listing them.

    `name` names the constraint when one table has two columns of the same vocabulary.
    """
    return Enum(
        vocab,
        name=name or _snake(vocab.__name__),
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        Decimal: Money(),
        dt.datetime: UTCDateTime(),
        str: String(200),
    }

    # Audit settings, read by tracker.models.change; see there.
    __audited__: bool = False
    __audit_exclude__: frozenset[str] = frozenset()
    __audit_collections__: tuple[str, ...] = ()


class Versioned:
    """A version counter that every UPDATE bumps, so a stale form or workbook is detected."""

    version: Mapped[int] = mapped_column(default=1, server_default="1")
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        return {"version_id_col": cls.__table__.c.version}
