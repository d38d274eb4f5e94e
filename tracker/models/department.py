"""Departments (单位) and the other names they go by in workbooks."""

from __future__ import annotations

import re

from sqlalchemy import ForeignKey, String, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.models.base import Base, Versioned, vocab_type
from tracker.vocab import DepartmentKind


class Department(Versioned, Base):
    __tablename__ = "departments"
    __audited__ = True
    __audit_collections__ = ("aliases",)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    short_name: Mapped[str | None] = mapped_column(String(50))
    kind: Mapped[DepartmentKind] = mapped_column(
        vocab_type(DepartmentKind), default=DepartmentKind.CITY, server_default=DepartmentKind.CITY.value
    )
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    # The city or county it belongs to, as plans name theirs (Plan.region): 市财政局 of a 温岭
    # workbook is 温岭's, never 温州's. None: not tied to one region (matched in every plan).
    region: Mapped[str | None] = mapped_column(String(100), index=True)
    contact: Mapped[str | None] = mapped_column(String(200))  # 联系人及电话, for 催报

    aliases: Mapped[list[DepartmentAlias]] = relationship(
        back_populates="department", cascade="all, delete-orphan", order_by="DepartmentAlias.alias"
    )

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    @property
    def alias_names(self) -> str:
        return "、".join(a.alias for a in self.aliases)

    @alias_names.setter
    def alias_names(self, text: str | None) -> None:
        """Set the aliases from text separated by 、，,;； or new lines, keeping the ones that stay."""
        names = list(dict.fromkeys(n.strip() for n in re.split(r"[、，,;；\n]", text or "") if n.strip()))
        kept = {a.alias: a for a in self.aliases}
        self.aliases = [kept.get(name) or DepartmentAlias(alias=name) for name in names]


class DepartmentAlias(Base):
    """Another name a department is written as (简称, old name); unique across departments."""

    __tablename__ = "department_aliases"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"), index=True)
    alias: Mapped[str] = mapped_column(String(100), unique=True)

    department: Mapped[Department] = relationship(back_populates="aliases")

    def __str__(self) -> str:
        return self.alias
