"""Recognising a department by the names people write — full name, short name or alias: the one rule."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from typing import NamedTuple

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from tracker.models import Department, DepartmentAlias

_NAME_MARKS = re.compile(r"[☆★※*＊\s]")


def name_key(name: str) -> str:
    """A name as compared: full-width folded, no spaces, no ☆/★ marks (省重点) around it."""
    return _NAME_MARKS.sub("", unicodedata.normalize("NFKC", name))


class DepartmentId(NamedTuple):
    id: int
    name: str


class DepartmentNames:
    """Every department by each of its names, loaded in a fixed number of queries.

    With a `region` (a plan's city or county), only that region's departments and those tied to
    none: 市财政局 in a 温岭 workbook is 温岭's.
    """

    def __init__(self, session: Session, region: str | None = None, *, records: bool = True) -> None:
        """`records=False`: a name finds a plain (id, name) pair, not the record — for reading a workbook,
        which needs only the id (loading 200 departments and their aliases as records costs 8 ms)."""
        self.by_name: dict[str, Department | DepartmentId] = {}
        self.region = region
        where = [or_(Department.region == region, Department.region.is_(None))] if region else []
        if records:
            for dept in session.scalars(select(Department).options(selectinload(Department.aliases)).where(*where)):
                self.add(dept)
            return
        aliases: dict[int, list[str]] = defaultdict(list)
        for dept_id, alias in session.execute(
            select(DepartmentAlias.department_id, DepartmentAlias.alias).join(Department).where(*where)
        ):
            aliases[dept_id].append(alias)
        for dept_id, name, short_name in session.execute(
            select(Department.id, Department.name, Department.short_name).where(*where)
        ):
            self._add_names(DepartmentId(dept_id, name), (name, short_name, *aliases[dept_id]))

    def add(self, dept: Department) -> None:
        self._add_names(dept, (dept.name, dept.short_name, *(a.alias for a in dept.aliases)))

    def _add_names(self, dept: Department | DepartmentId, names) -> None:
        for name in names:
            if name and name.strip():
                self.by_name[name_key(name)] = dept

    def find(self, name: str | None) -> Department | DepartmentId | None:
        """By any of its names; else, within a region, the one department whose name ends with it
        (公安局 → 温州市公安局), when exactly one does."""
        if not name:
            return None
        key = name_key(name)
        found = self.by_name.get(key)
        if found is None and self.region and len(key) >= 3:
            endings = {d.id: d for n, d in self.by_name.items() if n.endswith(key)}
            if len(endings) == 1:
                found = next(iter(endings.values()))
        return found


def find_department(session: Session, name: str) -> Department | None:
    return DepartmentNames(session).find(name)
