"""A plan (规划): its stages with numbered goals, and the tree of its programme sections."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.models.base import Base, Versioned, vocab_type
from tracker.vocab import DatePrecision, ReportKind

if TYPE_CHECKING:
    from tracker.models.indicator import Indicator
    from tracker.models.project import Project


class Plan(Versioned, Base):
    __tablename__ = "plans"
    __audited__ = True
    __table_args__ = (
        CheckConstraint("end_year IS NULL OR start_year IS NULL OR end_year >= start_year", name="period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str]
    region: Mapped[str | None] = mapped_column(String(100))
    issuing_body: Mapped[str | None]
    start_year: Mapped[int | None]
    end_year: Mapped[int | None]
    description: Mapped[str | None] = mapped_column(Text)
    # The plan's own words, as it states them: 指导思想, 建设原则, 依据 (laws, plans, documents it rests
    # on) and 总体/具体目标 (the "——" headings). Empty where the document says nothing.
    guiding_thought: Mapped[str | None] = mapped_column(Text)
    principles: Mapped[str | None] = mapped_column(Text)
    basis: Mapped[str | None] = mapped_column(Text)
    objectives: Mapped[str | None] = mapped_column(Text)
    # 月报 or 季报: the cadence of the plan's reporting periods.
    report_cadence: Mapped[ReportKind] = mapped_column(
        vocab_type(ReportKind, "report_cadence"), default=ReportKind.MONTH, server_default=ReportKind.MONTH.value
    )

    phases: Mapped[list[Phase]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="Phase.ordinal"
    )
    sections: Mapped[list[PlanSection]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanSection.ordinal"
    )
    projects: Mapped[list[Project]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="Project.id"
    )
    indicators: Mapped[list[Indicator]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="Indicator.ordinal"
    )
    events: Mapped[list[PlanEvent]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="[PlanEvent.occurred_on, PlanEvent.ordinal]"
    )

    def __str__(self) -> str:
        return self.name


class PlanEvent(Versioned, Base):
    """大事记: a dated event the plan's documents record — an approval, an award, a system going live
    ("2001年7月 国家信息产业部批准温州为试点城市") — with where it is written."""

    __tablename__ = "plan_events"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    ordinal: Mapped[int] = mapped_column(default=0, server_default="0")
    occurred_on: Mapped[dt.date | None]
    occurred_precision: Mapped[DatePrecision | None] = mapped_column(vocab_type(DatePrecision, "occurred_precision"))
    text: Mapped[str] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String(200))  # the document, as cited

    plan: Mapped[Plan] = relationship(back_populates="events")

    def __str__(self) -> str:
        return self.text[:40]


class Phase(Versioned, Base):
    """A stage (阶段) of a plan, e.g. 第一阶段：与时俱进，全面启动数字温州建设."""

    __tablename__ = "phases"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("plan_id", "ordinal"),
        CheckConstraint(
            "planned_end_on IS NULL OR planned_start_on IS NULL OR planned_end_on >= planned_start_on",
            name="window",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    ordinal: Mapped[int]
    name: Mapped[str]
    planned_start_on: Mapped[dt.date | None]
    planned_end_on: Mapped[dt.date | None]
    summary: Mapped[str | None] = mapped_column(Text)

    plan: Mapped[Plan] = relationship(back_populates="phases")
    goals: Mapped[list[PhaseGoal]] = relationship(
        back_populates="phase", cascade="all, delete-orphan", order_by="PhaseGoal.ordinal"
    )
    projects: Mapped[list[Project]] = relationship(
        secondary="project_phases", back_populates="phases", viewonly=True, order_by="Project.code"
    )

    def __str__(self) -> str:
        return self.name


class PhaseGoal(Versioned, Base):
    """One numbered goal of a stage; the projects that serve it are kept on Project.goals."""

    __tablename__ = "phase_goals"
    __audited__ = True
    __table_args__ = (UniqueConstraint("phase_id", "ordinal"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    phase_id: Mapped[int] = mapped_column(ForeignKey("phases.id", ondelete="CASCADE"), index=True)
    ordinal: Mapped[int]
    text: Mapped[str] = mapped_column(Text)

    phase: Mapped[Phase] = relationship(back_populates="goals")
    projects: Mapped[list[Project]] = relationship(
        secondary="goal_projects", back_populates="goals", viewonly=True, order_by="Project.code"
    )

    def __str__(self) -> str:
        return f"{self.ordinal}. {self.text}"


class PlanSection(Versioned, Base):
    """A node of a plan's programme tree: 231工程 → 二项基础信息工程 → … → 1.1 基础网络建设.

    `code` is the number as printed (1.1, 2.13, （一）); it repeats across branches in some
    plans (温岭's 1、2、3 under each task), so it is not unique on its own.
    """

    __tablename__ = "plan_sections"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("plan_sections.id", ondelete="CASCADE"), index=True)
    code: Mapped[str | None] = mapped_column(String(32))
    title: Mapped[str]
    ordinal: Mapped[int]
    description: Mapped[str | None] = mapped_column(Text)

    plan: Mapped[Plan] = relationship(back_populates="sections")
    parent: Mapped[PlanSection | None] = relationship(back_populates="children", remote_side=[id])
    children: Mapped[list[PlanSection]] = relationship(
        back_populates="parent", cascade="all, delete-orphan", order_by="PlanSection.ordinal"
    )
    projects: Mapped[list[Project]] = relationship(back_populates="section", order_by="Project.code")

    def __str__(self) -> str:
        return f"{self.code} {self.title}" if self.code else self.title
