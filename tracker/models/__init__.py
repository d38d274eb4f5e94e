"""All models, imported here so that mappers configure and Alembic sees every table."""

from tracker.models.base import Base, ids_in, utcnow
from tracker.models.change import ChangeRecord, set_change_context
from tracker.models.department import Department, DepartmentAlias
from tracker.models.import_batch import ImportBatch, ImportRow
from tracker.models.indicator import Indicator, IndicatorValue
from tracker.models.login_attempt import LoginThrottle
from tracker.models.plan import Phase, PhaseGoal, Plan, PlanEvent, PlanSection
from tracker.models.project import Investment, InvestmentFunding, Milestone, Project, ProjectRole
from tracker.models.reporting import (
    PeriodMilestoneSnapshot,
    PeriodProjectSnapshot,
    ReportEntry,
    ReportingPeriod,
    ReportMilestoneState,
    ReportSubmission,
)
from tracker.models.security_event import SecurityLogEntry
from tracker.models.user import User

__all__ = [
    "Base",
    "ChangeRecord",
    "Department",
    "DepartmentAlias",
    "ImportBatch",
    "ImportRow",
    "Indicator",
    "IndicatorValue",
    "LoginThrottle",
    "Investment",
    "InvestmentFunding",
    "Milestone",
    "Phase",
    "PhaseGoal",
    "Plan",
    "PlanEvent",
    "PlanSection",
    "PeriodMilestoneSnapshot",
    "PeriodProjectSnapshot",
    "Project",
    "ProjectRole",
    "ReportEntry",
    "ReportingPeriod",
    "ReportMilestoneState",
    "ReportSubmission",
    "SecurityLogEntry",
    "User",
    "ids_in",
    "set_change_context",
    "utcnow",
]
