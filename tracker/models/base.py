"""Declarative base, constraint naming convention and the column types shared by all models."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, DateTime, Enum, Integer, MetaData, Numeric, String, any_, bindparam, or_
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


# Ids in a run at least this long are asked for as one range; at most this many ranges in one query
# (each count of ranges is one more statement for SQLAlchemy to compile and the database to plan).
RANGE_RUN = 32
MOST_RANGES = 8


def ids_in(session: Session, column: Any, ids: Any, *, gaps: int = 0) -> ColumnElement[bool]:
    """`column IN ids`, asked for in the shape the ids come in. `gaps`: a range may span up to so many
    ids missing between two given ones (for a lookup by id, which does not mind reading a few more).

    Ids in long runs are ranges, `column BETWEEN a AND b`: two parameters and one index range scan for a
    run of any length. Runs are what a workbook brings: an export lists each project's milestones, made
    together, one after another, and a batch's stored rows are numbered 1 … n. 5,000 milestone ids in
    one run: 3.7 ms as a range, 12.6 ms as an array on PostgreSQL, 3.5 against 7.1 ms as an IN list on
    SQLite (measured). The other ids are one list: on PostgreSQL one array parameter, `column =
    ANY(:ids)` (an IN list of 500 ids is 500 parameters to render, send and parse: 6.2 ms against 2.4).
    """
    ranges, rest = _runs(sorted(set(ids)), gaps)
    terms = [column.between(first, last) for first, last in ranges]
    if rest or not terms:
        if session.get_bind().dialect.name == "postgresql":
            terms.append(column == any_(bindparam(None, rest, type_=ARRAY(Integer))))
        else:
            terms.append(column.in_(rest))
    return or_(*terms) if len(terms) > 1 else terms[0]


def _runs(ordered: list[int], gaps: int = 0) -> tuple[list[tuple[int, int]], list[int]]:
    """(first, last) of the longest runs of ids (at most MOST_RANGES, of RANGE_RUN ids or more, in order;
    consecutive but for up to `gaps` missing between two), and every id outside them."""
    runs: list[tuple[int, int]] = []  # every run, as (start, end) positions in `ordered`
    start = 0
    for end in range(1, len(ordered) + 1):
        if end == len(ordered) or ordered[end] - ordered[end - 1] > gaps + 1:
            if end - start >= RANGE_RUN:
                runs.append((start, end))
            start = end
    if len(runs) > MOST_RANGES:
        runs = sorted(sorted(runs, key=lambda run: run[0] - run[1])[:MOST_RANGES])
    rest: list[int] = []
    at = 0
    for start, end in runs:
        rest += ordered[at:start]
        at = end
    rest += ordered[at:]
    return [(ordered[start], ordered[end - 1]) for start, end in runs], rest


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
