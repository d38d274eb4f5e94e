"""Projects (项目) with their milestones (里程碑) and yearly investments (投资)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from tracker.models.base import Base, Versioned, vocab_type
from tracker.models.department import Department
from tracker.models.plan import Phase, PhaseGoal, Plan, PlanSection
from tracker.vocab import (
    DatePrecision,
    FundingSource,
    MilestoneStatus,
    ProjectNature,
    ProjectRoleKind,
    ProjectStage,
    ProjectStatus,
)

project_phases = Table(
    "project_phases",
    Base.metadata,
    Column("project_id", ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("phase_id", ForeignKey("phases.id", ondelete="CASCADE"), primary_key=True, index=True),
)

goal_projects = Table(
    "goal_projects",
    Base.metadata,
    Column("goal_id", ForeignKey("phase_goals.id", ondelete="CASCADE"), primary_key=True),
    Column("project_id", ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True, index=True),
)

project_cooperators = Table(
    "project_cooperators",
    Base.metadata,
    Column("project_id", ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("department_id", ForeignKey("departments.id", ondelete="RESTRICT"), primary_key=True, index=True),
)


class Project(Versioned, Base):
    __tablename__ = "projects"
    __audited__ = True
    __audit_collections__ = ("cooperators", "phases", "goals")
    __audit_exclude__ = frozenset({"milestone_done_weight", "milestone_total_weight"})
    __table_args__ = (
        UniqueConstraint("plan_id", "code"),
        CheckConstraint("total_budget >= 0", name="budget_not_negative"),
        CheckConstraint(
            "planned_end_on IS NULL OR planned_start_on IS NULL OR planned_end_on >= planned_start_on",
            name="window",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    section_id: Mapped[int | None] = mapped_column(ForeignKey("plan_sections.id", ondelete="SET NULL"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str]
    content: Mapped[str | None] = mapped_column(Text)
    lead_department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="RESTRICT"), index=True
    )
    nature: Mapped[ProjectNature | None] = mapped_column(vocab_type(ProjectNature))
    stage: Mapped[ProjectStage | None] = mapped_column(vocab_type(ProjectStage))
    status: Mapped[ProjectStatus | None] = mapped_column(vocab_type(ProjectStatus))
    planned_start_on: Mapped[dt.date | None]
    planned_end_on: Mapped[dt.date | None]
    # How the dates were written (None: a day). '2007年6月' starts on the 1st and ends on the 30th.
    planned_start_precision: Mapped[DatePrecision | None] = mapped_column(
        vocab_type(DatePrecision, "planned_start_precision")
    )
    planned_end_precision: Mapped[DatePrecision | None] = mapped_column(
        vocab_type(DatePrecision, "planned_end_precision")
    )
    total_budget: Mapped[Decimal | None]
    funding_source: Mapped[FundingSource | None] = mapped_column(vocab_type(FundingSource))
    contact: Mapped[str | None] = mapped_column(String(100))
    remarks: Mapped[str | None] = mapped_column(Text)
    progress_note: Mapped[str | None] = mapped_column(Text)  # 形象进度, as the department reports it
    issues: Mapped[str | None] = mapped_column(Text)  # 存在问题
    # The weight of its 已完成 and of its counted (not 取消) milestones: kept by triggers on milestones
    # (migration 0010), read by progress.project_completion_select, never written here.
    milestone_done_weight: Mapped[int] = mapped_column(server_default="0", deferred=True)
    milestone_total_weight: Mapped[int] = mapped_column(server_default="0", deferred=True)

    plan: Mapped[Plan] = relationship(back_populates="projects")
    section: Mapped[PlanSection | None] = relationship(back_populates="projects")
    lead_department: Mapped[Department | None] = relationship()
    cooperators: Mapped[list[Department]] = relationship(secondary=project_cooperators, order_by=Department.name)
    phases: Mapped[list[Phase]] = relationship(
        secondary=project_phases, back_populates="projects", order_by=Phase.ordinal
    )
    goals: Mapped[list[PhaseGoal]] = relationship(secondary=goal_projects, back_populates="projects")
    milestones: Mapped[list[Milestone]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="Milestone.ordinal"
    )
    roles: Mapped[list[ProjectRole]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="ProjectRole.id"
    )
    investments: Mapped[list[Investment]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="Investment.year"
    )

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    # 支持单位 and 审查单位 as lists of departments, like 配合单位: what the workbook's columns and an
    # import read and write. Each role stays its own audited record, so the history says who added it.
    ROLE_LISTS = {"supporters": ProjectRoleKind.SUPPORT, "reviewers": ProjectRoleKind.REVIEW}

    @property
    def supporters(self) -> list[Department]:
        return self._departments_as(ProjectRoleKind.SUPPORT)

    @supporters.setter
    def supporters(self, departments: list[Department]) -> None:
        self._set_departments_as(ProjectRoleKind.SUPPORT, departments)

    @property
    def reviewers(self) -> list[Department]:
        return self._departments_as(ProjectRoleKind.REVIEW)

    @reviewers.setter
    def reviewers(self, departments: list[Department]) -> None:
        self._set_departments_as(ProjectRoleKind.REVIEW, departments)

    def department_ids_as(self, role: ProjectRoleKind) -> list[int]:
        return sorted(r.department_id for r in self.roles if r.role is role)

    def _departments_as(self, role: ProjectRoleKind) -> list[Department]:
        return sorted((r.department for r in self.roles if r.role is role), key=lambda d: d.name)

    def _set_departments_as(self, role: ProjectRoleKind, departments: list[Department]) -> None:
        wanted = {d.id: d for d in departments}
        for existing in [r for r in self.roles if r.role is role]:
            if wanted.pop(existing.department_id, None) is None:
                self.roles.remove(existing)
        for department in wanted.values():
            self.roles.append(ProjectRole(department=department, department_id=department.id, role=role))


class Milestone(Versioned, Base):
    __tablename__ = "milestones"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("project_id", "ordinal"),
        CheckConstraint("weight > 0", name="weight_positive"),
        # The overdue filter (planned before today, not done or cancelled) reads only open milestones.
        Index(
            "ix_milestones_open_planned_on",
            "planned_on",
            postgresql_where=text("status NOT IN ('done', 'cancelled')"),
            sqlite_where=text("status NOT IN ('done', 'cancelled')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    ordinal: Mapped[int]
    name: Mapped[str]
    planned_on: Mapped[dt.date | None] = mapped_column(index=True)
    actual_on: Mapped[dt.date | None]
    planned_precision: Mapped[DatePrecision | None] = mapped_column(vocab_type(DatePrecision, "planned_precision"))
    actual_precision: Mapped[DatePrecision | None] = mapped_column(vocab_type(DatePrecision, "actual_precision"))
    status: Mapped[MilestoneStatus] = mapped_column(
        vocab_type(MilestoneStatus),
        default=MilestoneStatus.NOT_STARTED,
        server_default=MilestoneStatus.NOT_STARTED.value,
    )
    weight: Mapped[int] = mapped_column(default=1, server_default="1")
    note: Mapped[str | None] = mapped_column(Text)

    project: Mapped[Project] = relationship(back_populates="milestones")

    def __str__(self) -> str:
        return self.name


class Investment(Versioned, Base):
    """Planned and completed investment of one project in one year, in 万元."""

    __tablename__ = "investments"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("project_id", "year"),
        CheckConstraint("planned_amount >= 0", name="planned_not_negative"),
        CheckConstraint("completed_amount >= 0", name="completed_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    year: Mapped[int]
    planned_amount: Mapped[Decimal | None]
    completed_amount: Mapped[Decimal | None]
    funding_source: Mapped[FundingSource | None] = mapped_column(vocab_type(FundingSource))

    project: Mapped[Project] = relationship(back_populates="investments")
    fundings: Mapped[list[InvestmentFunding]] = relationship(
        back_populates="investment", cascade="all, delete-orphan", order_by="InvestmentFunding.id"
    )

    def __str__(self) -> str:
        return f"{self.year}"


class InvestmentFunding(Versioned, Base):
    """One source of a project-year's money, with its amount where the document gives one: 长兴's
    党政信息网 was paid by operators (运营商投资1200万元); 丽水's 网络图书馆 by "政府投资、部门联建、电信支持"."""

    __tablename__ = "investment_fundings"
    __audited__ = True
    __table_args__ = (CheckConstraint("amount >= 0", name="amount_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    investment_id: Mapped[int] = mapped_column(ForeignKey("investments.id", ondelete="CASCADE"), index=True)
    # The investment's project, kept beside it so the change history files each source under its project.
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    source: Mapped[FundingSource] = mapped_column(vocab_type(FundingSource, "funding_source_kind"))
    amount: Mapped[Decimal | None]
    note: Mapped[str | None] = mapped_column(String(200))  # as written: 电信支持, 运营商投资

    investment: Mapped[Investment] = relationship(back_populates="fundings")
    project: Mapped[Project] = relationship()

    @validates("investment")
    def _under_its_project(self, _key, investment):
        if investment is not None and investment.project_id is not None:
            self.project_id = investment.project_id
        return investment


class ProjectRole(Versioned, Base):
    """A department's part in a project beyond 牵头 and 配合: 支持 (电信支持) or 审查 (立项联合审查)."""

    __tablename__ = "project_roles"
    __audited__ = True
    __table_args__ = (UniqueConstraint("project_id", "department_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="RESTRICT"), index=True)
    role: Mapped[ProjectRoleKind] = mapped_column(vocab_type(ProjectRoleKind))
    note: Mapped[str | None] = mapped_column(String(200))

    project: Mapped[Project] = relationship(back_populates="roles")
    department: Mapped[Department] = relationship()
