"""Indicators (指标) a plan sets, with the values achieved year by year."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.models.base import Base, Versioned, vocab_type
from tracker.models.plan import PhaseGoal, Plan, PlanSection

if TYPE_CHECKING:
    from tracker.models.project import Project
from tracker.vocab import TargetDirection

# Indicators are counts, shares and sums of any size (199.87万户, 63.39%), not money.
IndicatorNumber = Numeric(18, 4)


class Indicator(Versioned, Base):
    __tablename__ = "indicators"
    __audited__ = True
    __table_args__ = (UniqueConstraint("plan_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    ordinal: Mapped[int] = mapped_column(default=0, server_default="0")
    name: Mapped[str]
    unit: Mapped[str | None] = mapped_column(String(20))
    baseline_value: Mapped[Decimal | None] = mapped_column(IndicatorNumber)
    baseline_year: Mapped[int | None]
    target_value: Mapped[Decimal | None] = mapped_column(IndicatorNumber)
    target_year: Mapped[int | None]
    # The target as the document words it ("超过5%", "排名前5名以内", or a goal with no number).
    target_text: Mapped[str | None] = mapped_column(Text)
    # Which side of target_value counts as 达成 (以上/超过/以内/近); None: not said.
    target_direction: Mapped[TargetDirection | None] = mapped_column(vocab_type(TargetDirection))

    # What the indicator measures, where the plan says: a section of its tree, a stage goal, a project.
    section_id: Mapped[int | None] = mapped_column(ForeignKey("plan_sections.id", ondelete="SET NULL"), index=True)
    goal_id: Mapped[int | None] = mapped_column(ForeignKey("phase_goals.id", ondelete="SET NULL"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="SET NULL"), index=True)

    plan: Mapped[Plan] = relationship(back_populates="indicators")
    section: Mapped[PlanSection | None] = relationship()
    goal: Mapped[PhaseGoal | None] = relationship()
    project: Mapped[Project | None] = relationship()
    values: Mapped[list[IndicatorValue]] = relationship(
        back_populates="indicator", cascade="all, delete-orphan", order_by="IndicatorValue.year"
    )

    def __str__(self) -> str:
        return self.name


class IndicatorValue(Versioned, Base):
    __tablename__ = "indicator_values"
    __audited__ = True
    __table_args__ = (UniqueConstraint("indicator_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"), index=True)
    year: Mapped[int]
    value: Mapped[Decimal] = mapped_column(IndicatorNumber)
    note: Mapped[str | None] = mapped_column(Text)

    indicator: Mapped[Indicator] = relationship(back_populates="values")

    def __str__(self) -> str:
        return f"{self.year}: {self.value}"
