"""Recognising a department by the names people write — full name, short name or alias: the one rule."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tracker.models import Department


class DepartmentNames:
    """Every department by each of its names, loaded in one query."""

    def __init__(self, session: Session) -> None:
        self.by_name: dict[str, Department] = {}
        for dept in session.scalars(select(Department).options(selectinload(Department.aliases))):
            self.add(dept)

    def add(self, dept: Department) -> None:
        for name in (dept.name, dept.short_name, *(a.alias for a in dept.aliases)):
            if name and name.strip():
                self.by_name[name.strip()] = dept

    def find(self, name: str | None) -> Department | None:
        return self.by_name.get(name.strip()) if name else None


def find_department(session: Session, name: str) -> Department | None:
    return DepartmentNames(session).find(name)
