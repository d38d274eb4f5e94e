"""Recognising a department by the names people write — full name, short name or alias: the one rule."""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from tracker.models import Department

_NAME_MARKS = re.compile(r"[☆★※*＊\s]")


def name_key(name: str) -> str:
    """A name as compared: full-width folded, no spaces, no ☆/★ marks (省重点) around it."""
    return _NAME_MARKS.sub("", unicodedata.normalize("NFKC", name))


class DepartmentNames:
    """Every department by each of its names, loaded in one query.

    With a `region` (a plan's city or county), only that region's departments and those tied to
    none: 市财政局 in a 温岭 workbook is 温岭's.
    """

    def __init__(self, session: Session, region: str | None = None) -> None:
        self.by_name: dict[str, Department] = {}
        self.region = region
        query = select(Department).options(selectinload(Department.aliases))
        if region:
            query = query.where(or_(Department.region == region, Department.region.is_(None)))
        for dept in session.scalars(query):
            self.add(dept)

    def add(self, dept: Department) -> None:
        for name in (dept.name, dept.short_name, *(a.alias for a in dept.aliases)):
            if name and name.strip():
                self.by_name[name_key(name)] = dept

    def find(self, name: str | None) -> Department | None:
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
