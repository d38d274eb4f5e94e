"""Recognising a department by the names people write — full name, short name or alias: the one rule."""
from __future__ import annotations

import re
import unicodedata

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from tracker.models import Department


def name_key(name: str) -> str:
    """A name as compared: full-width folded, no spaces, no ☆/★ marks (省重点) around it."""
    return re.sub(r"[☆★※*＊\s]", "", unicodedata.normalize("NFKC", name))


class DepartmentNames:
    """Every department by each of its names, loaded in one query.

    With a `region` (a plan's city or county), only that region's departments and those tied to
    none: 市财政局 in a 温岭 workbook is 温岭's.
    """

    def __init__(self, session: Session, region: str | None = None) -> None:
        self.by_name: dict[str, Department] = {}
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
        return self.by_name.get(name_key(name)) if name else None


def find_department(session: Session, name: str) -> Department | None:
    return DepartmentNames(session).find(name)
