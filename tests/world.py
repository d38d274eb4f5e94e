"""A small world of two plans and two departments, for permission and page tests."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from types import SimpleNamespace

import openpyxl

from tests.conftest import PASSWORD
from tests.factories import make_department, make_milestone, make_phase, make_plan, make_project, make_user
from tracker.excel.export import ExportScope, export_workbook
from tracker.models import (
    ImportBatch,
    Indicator,
    IndicatorValue,
    Investment,
    InvestmentFunding,
    PhaseGoal,
    PlanEvent,
    PlanSection,
    ProjectRole,
)
from tracker.services.imports import stage_import
from tracker.services.reporting import open_period
from tracker.vocab import ChangeSource, FundingSource, ImportStatus, ProjectRoleKind, ReportKind, Role


def build_world(session) -> SimpleNamespace:
    w = SimpleNamespace()
    w.dept, w.other_dept = make_department(session, "甲单位"), make_department(session, "乙单位")
    w.plan, w.other_plan = make_plan(session, name="甲规划"), make_plan(session, name="乙规划")
    w.phase = make_phase(session, w.plan)
    w.goal = PhaseGoal(phase=w.phase, ordinal=1, text="目标一")
    w.section = PlanSection(plan=w.plan, code="1.1", title="基础网络建设", ordinal=1)
    w.indicator = Indicator(plan=w.plan, name="宽带普及率", unit="%", target_value=Decimal(60))
    w.indicator_value = IndicatorValue(indicator=w.indicator, year=2026, value=Decimal(40))
    w.event = PlanEvent(plan=w.plan, text="国家信息产业部批准为试点城市", occurred_on=dt.date(2001, 7, 1))
    session.add_all([w.goal, w.section, w.indicator, w.indicator_value, w.event])
    w.project = make_project(
        session, w.plan, lead_department=w.dept, section=w.section, name="甲项目", total_budget=Decimal("100")
    )
    w.project.phases.append(w.phase)
    w.project.goals.append(w.goal)
    w.milestone = make_milestone(session, w.project, planned_on=dt.date(2026, 1, 31))
    w.investment = Investment(project=w.project, year=2026, planned_amount=Decimal("50"))
    session.add(w.investment)
    session.flush()
    w.funding = InvestmentFunding(investment=w.investment, source=FundingSource.FISCAL, amount=Decimal("30"))
    w.role = ProjectRole(project=w.project, department=w.other_dept, role=ProjectRoleKind.REVIEW)
    session.add_all([w.funding, w.role])
    w.other_project = make_project(session, w.other_plan, lead_department=w.other_dept, name="乙项目")
    w.other_milestone = make_milestone(session, w.other_project)
    w.other_investment = Investment(project=w.other_project, year=2026, planned_amount=Decimal("10"))
    session.add(w.other_investment)
    w.users = {
        Role.ADMIN: make_user(session, Role.ADMIN, password=PASSWORD, username="admin1"),
        Role.OFFICE: make_user(session, Role.OFFICE, password=PASSWORD, username="office1"),
        Role.LEADER: make_user(session, Role.LEADER, password=PASSWORD, username="leader1"),
        Role.DEPARTMENT: make_user(session, Role.DEPARTMENT, department=w.dept, password=PASSWORD, username="dept1"),
    }
    w.target_user = make_user(session, Role.LEADER, password=PASSWORD, username="someone")
    session.commit()
    w.import_batch = _department_upload(session, w)
    w.other_import_batch = ImportBatch(
        user=w.users[Role.OFFICE],
        source=ChangeSource.WEB,
        filename="office.xlsx",
        sha256=w.import_batch.sha256,
        size=w.import_batch.size,
        content=w.import_batch.content,
        plan=w.plan,
        status=ImportStatus.PREVIEWED,
        counts={},
        seen_versions={},
    )
    session.add(w.other_import_batch)
    w.period = open_period(session, w.plan, ReportKind.MONTH, 2026, 10)
    w.submission = w.period.submissions[0]
    w.other_period = open_period(session, w.other_plan, ReportKind.MONTH, 2026, 10)
    w.other_submission = w.other_period.submissions[0]
    empty = {"period_id": w.period.id, "rows": [], "sheets": [], "columns": {}, "notes": [], "submissions": {}}
    w.report_batch, w.other_report_batch = (
        ImportBatch(
            user=user,
            source=ChangeSource.WEB,
            filename="月报.xlsx",
            sha256="0" * 64,
            size=1,
            content=b"x",
            plan=w.plan,
            period_id=w.period.id,
            status=ImportStatus.PREVIEWED,
            counts={},
            seen_versions={},
            preview=empty,
        )
        for user in (w.users[Role.DEPARTMENT], w.users[Role.OFFICE])
    )
    session.add_all([w.report_batch, w.other_report_batch])
    session.commit()
    return w


def _department_upload(session, w) -> ImportBatch:
    """The department's own workbook, returned with one unreadable status: a preview with an error row."""
    buffer = io.BytesIO()
    export_workbook(session, ExportScope(w.plan, w.dept), buffer)
    book = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    sheet = book["里程碑"]
    sheet.cell(row=3, column=7).value = "快好了"
    out = io.BytesIO()
    book.save(out)
    batch, _ = stage_import(session, out.getvalue(), "甲单位.xlsx", w.users[Role.DEPARTMENT], ChangeSource.WEB)
    return batch
