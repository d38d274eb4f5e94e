"""The reporting cycle: a plan's periods (月报/季报), each department's submission, and the frozen
figures of a closed period.

A submission holds, per project the department leads, what it reported for the period (形象进度,
完成投资, 存在问题) and the status of each milestone as of the period's end. Closing a period copies
the state of every project and milestone into the snapshot tables, which keep names and figures
as they were: later edits, even deletions, never change a closed period.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.models.base import Base, Versioned, vocab_type
from tracker.models.department import Department
from tracker.models.plan import Plan
from tracker.models.project import Milestone, Project
from tracker.models.user import User
from tracker.vocab import (
    DatePrecision,
    MilestoneStatus,
    PeriodStatus,
    ProjectStatus,
    ReportKind,
    SubmissionStatus,
)


def period_name(kind: ReportKind, year: int, number: int) -> str:
    """2026年11月, or 2026年第3季度."""
    return f"{year}年第{number}季度" if kind is ReportKind.QUARTER else f"{year}年{number}月"


class ReportingPeriod(Versioned, Base):
    __tablename__ = "reporting_periods"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("plan_id", "kind", "year", "number"),
        CheckConstraint("number >= 1 AND number <= 12", name="number"),
        CheckConstraint("ends_on >= starts_on", name="window"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ReportKind] = mapped_column(vocab_type(ReportKind))
    year: Mapped[int]
    number: Mapped[int]  # month 1–12 or quarter 1–4
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date]
    due_on: Mapped[dt.date]
    status: Mapped[PeriodStatus] = mapped_column(
        vocab_type(PeriodStatus), default=PeriodStatus.OPEN, server_default=PeriodStatus.OPEN.value
    )
    closed_at: Mapped[dt.datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    plan: Mapped[Plan] = relationship()
    closed_by: Mapped[User | None] = relationship()
    submissions: Mapped[list[ReportSubmission]] = relationship(back_populates="period", cascade="all, delete-orphan")

    @property
    def name(self) -> str:
        return period_name(self.kind, self.year, self.number)

    @property
    def is_open(self) -> bool:
        return self.status is PeriodStatus.OPEN

    @property
    def months_elapsed(self) -> int:
        """Months of the year up to the period's end: 序时进度 is months_elapsed / 12."""
        return self.ends_on.month

    def __str__(self) -> str:
        return f"{self.name} {self.kind.label}"


class ReportSubmission(Versioned, Base):
    """One department's report for one period: 未报 → 已报 → 已确认, or 退回 and back to 已报."""

    __tablename__ = "report_submissions"
    __audited__ = True
    __table_args__ = (UniqueConstraint("period_id", "department_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("reporting_periods.id", ondelete="CASCADE"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="RESTRICT"), index=True)
    status: Mapped[SubmissionStatus] = mapped_column(
        vocab_type(SubmissionStatus), default=SubmissionStatus.PENDING, server_default=SubmissionStatus.PENDING.value
    )
    draft_saved_at: Mapped[dt.datetime | None]
    submitted_at: Mapped[dt.datetime | None]
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[dt.datetime | None]  # confirmed or returned
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    return_reason: Mapped[str | None] = mapped_column(Text)

    period: Mapped[ReportingPeriod] = relationship(back_populates="submissions")
    department: Mapped[Department] = relationship()
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
    entries: Mapped[list[ReportEntry]] = relationship(back_populates="submission", cascade="all, delete-orphan")
    milestone_states: Mapped[list[ReportMilestoneState]] = relationship(
        back_populates="submission", cascade="all, delete-orphan"
    )

    def __str__(self) -> str:
        return f"{self.department.name if self.department else self.department_id}"


class ReportEntry(Base):
    """What a department reported on one project for the period."""

    __tablename__ = "report_entries"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("submission_id", "project_id"),
        CheckConstraint("completed_amount >= 0", name="completed_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("report_submissions.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    progress_text: Mapped[str | None] = mapped_column(Text)  # 本期形象进度
    completed_amount: Mapped[Decimal | None]  # 本期完成投资，万元
    issues: Mapped[str | None] = mapped_column(Text)  # 存在问题

    submission: Mapped[ReportSubmission] = relationship(back_populates="entries")
    project: Mapped[Project] = relationship()


class ReportMilestoneState(Base):
    """A milestone's status as of the period's end, as the department reported it.

    `milestone_version` is the milestone's version the department saw: confirming applies the
    reported status only to a milestone nobody has changed since.
    """

    __tablename__ = "report_milestone_states"
    __audited__ = True
    __table_args__ = (UniqueConstraint("submission_id", "milestone_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("report_submissions.id", ondelete="CASCADE"))
    milestone_id: Mapped[int] = mapped_column(ForeignKey("milestones.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    status: Mapped[MilestoneStatus] = mapped_column(vocab_type(MilestoneStatus))
    actual_on: Mapped[dt.date | None]
    milestone_version: Mapped[int]

    submission: Mapped[ReportSubmission] = relationship(back_populates="milestone_states")
    milestone: Mapped[Milestone] = relationship()


class PeriodProjectSnapshot(Base):
    """A project as it stood when its period closed. Self-contained: no link to the live project."""

    __tablename__ = "period_project_snapshots"
    __table_args__ = (UniqueConstraint("period_id", "project_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("reporting_periods.id", ondelete="CASCADE"))
    project_id: Mapped[int]
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str]
    department_id: Mapped[int | None]
    department_name: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[ProjectStatus | None] = mapped_column(vocab_type(ProjectStatus))
    completion: Mapped[float | None]  # 里程碑完成率 (percent, by weight) at closing; None: 无里程碑
    total_budget: Mapped[Decimal | None]
    year_planned: Mapped[Decimal | None]  # 年度计划投资
    period_completed: Mapped[Decimal | None]  # 本期完成投资 as reported
    year_completed: Mapped[Decimal | None]  # 1–N月累计
    cumulative_completed: Mapped[Decimal | None]  # 自开始累计完成投资
    submission_status: Mapped[SubmissionStatus | None] = mapped_column(vocab_type(SubmissionStatus))
    progress_text: Mapped[str | None] = mapped_column(Text)
    issues: Mapped[str | None] = mapped_column(Text)


class PeriodMilestoneSnapshot(Base):
    """A milestone as it stood when its period closed."""

    __tablename__ = "period_milestone_snapshots"
    __table_args__ = (UniqueConstraint("period_id", "milestone_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("reporting_periods.id", ondelete="CASCADE"))
    milestone_id: Mapped[int]
    project_id: Mapped[int] = mapped_column(index=True)
    ordinal: Mapped[int]
    name: Mapped[str]
    planned_on: Mapped[dt.date | None]
    planned_precision: Mapped[DatePrecision | None] = mapped_column(vocab_type(DatePrecision, "planned_precision"))
    actual_on: Mapped[dt.date | None]
    status: Mapped[MilestoneStatus] = mapped_column(vocab_type(MilestoneStatus))
