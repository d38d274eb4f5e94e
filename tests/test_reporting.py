"""The reporting cycle in the services: periods, submissions, confirmation, money roll-up, closing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests.factories import make_department, make_milestone, make_plan, make_project, make_user
from tracker import progress
from tracker.models import ChangeRecord, Investment, PeriodMilestoneSnapshot, PeriodProjectSnapshot, ReportSubmission
from tracker.services import ServiceError
from tracker.services import reporting as R
from tracker.services.records import EditConflict, MissingVersion
from tracker.vocab import MilestoneStatus, PeriodStatus, ReportKind, Role, SubmissionStatus


@pytest.fixture()
def cycle(session):
    """A plan with two departments leading three projects, and a third that only cooperates."""
    plan = make_plan(session, name="报送规划")
    dept_a, dept_b, helper = (make_department(session, n) for n in ("甲局", "乙局", "丙局"))
    p1 = make_project(session, plan, code="1.1", name="甲一", lead_department=dept_a, total_budget=Decimal(1000))
    p2 = make_project(session, plan, code="1.2", name="甲二", lead_department=dept_a, total_budget=Decimal(200))
    p3 = make_project(session, plan, code="2.1", name="乙一", lead_department=dept_b)
    p3.cooperators.append(helper)
    m1 = make_milestone(session, p1, 1, name="招标", planned_on=dt.date(2026, 10, 31))
    m2 = make_milestone(session, p1, 2, name="上线", planned_on=dt.date(2026, 12, 31))
    session.add_all(
        [
            Investment(project=p1, year=2026, planned_amount=Decimal(600), completed_amount=Decimal(50)),
            Investment(project=p1, year=2025, planned_amount=Decimal(300), completed_amount=Decimal(280)),
        ]
    )
    office = make_user(session, Role.OFFICE)
    clerk = make_user(session, Role.DEPARTMENT, department=dept_a)
    session.commit()
    return locals()


def _open(session, plan, month):
    period = R.open_period(session, plan, ReportKind.MONTH, 2026, month)
    session.commit()
    return period


def _submission(period, department):
    return next(s for s in period.submissions if s.department_id == department.id)


def test_next_period_follows_the_latest_and_defaults_to_the_current_month(session, cycle):
    plan = cycle["plan"]
    assert R.next_period(session, plan, dt.date(2026, 11, 26)) == (ReportKind.MONTH, 2026, 11)
    period = R.open_next_period(session, plan, dt.date(2026, 11, 26))
    assert (period.starts_on, period.ends_on, period.due_on) == (
        dt.date(2026, 11, 1),
        dt.date(2026, 11, 30),
        dt.date(2026, 12, 5),
    )
    assert str(period) == "2026年11月 月报"
    # Only departments that lead projects report; the cooperating one does not.
    assert sorted(s.department.name for s in period.submissions) == ["乙局", "甲局"]
    assert {s.status for s in period.submissions} == {SubmissionStatus.PENDING}
    with pytest.raises(ServiceError, match="请先关闭"):
        R.open_next_period(session, plan)
    R.close_period(session, period, None, period.version)
    assert R.next_period(session, plan) == (ReportKind.MONTH, 2026, 12)
    december = R.open_next_period(session, plan)
    assert december.due_on == dt.date(2027, 1, 5)
    R.close_period(session, december, None, december.version)
    assert R.next_period(session, plan) == (ReportKind.MONTH, 2027, 1)


def test_quarterly_plans_open_quarters(session, cycle):
    plan = cycle["plan"]
    plan.report_cadence = ReportKind.QUARTER
    period = R.open_next_period(session, plan, dt.date(2026, 8, 2))
    assert (period.number, period.starts_on, period.ends_on, period.due_on) == (
        3,
        dt.date(2026, 7, 1),
        dt.date(2026, 9, 30),
        dt.date(2026, 10, 5),
    )
    assert str(period) == "2026年第3季度 季报"
    assert progress.schedule_share(period) == Decimal("75.0")


def test_draft_submit_return_resubmit_confirm(session, cycle):
    c = cycle
    period = _open(session, c["plan"], 10)
    sub = _submission(period, c["dept_a"])
    R.save_submission(
        session, sub, {c["p1"].id: R.EntryInput("完成招标", Decimal("120.5"), None)}, {}, c["clerk"], sub.version
    )
    session.commit()
    assert sub.status is SubmissionStatus.PENDING and sub.draft_saved_at is not None
    with pytest.raises(ServiceError, match="1.2"):  # 甲二 has no 形象进度 yet
        R.save_submission(session, sub, {}, {}, c["clerk"], sub.version, submit=True)
    session.rollback()
    R.save_submission(
        session,
        sub,
        {c["p2"].id: R.EntryInput("需求调研", None, "资金未到位")},
        {},
        c["clerk"],
        sub.version,
        submit=True,
    )
    session.commit()
    assert sub.status is SubmissionStatus.SUBMITTED and sub.submitted_by_id == c["clerk"].id
    with pytest.raises(ServiceError, match="不能再修改"):
        R.save_submission(session, sub, {}, {}, c["clerk"], sub.version)
    session.rollback()
    with pytest.raises(ServiceError, match="退回原因"):
        R.return_submission(session, sub, c["office"], "  ", sub.version)
    R.return_submission(session, sub, c["office"], "本期完成投资与财务数据不符", sub.version)
    session.commit()
    assert sub.status is SubmissionStatus.RETURNED and sub.return_reason == "本期完成投资与财务数据不符"
    R.save_submission(
        session,
        sub,
        {c["p1"].id: R.EntryInput("完成招标", Decimal("100"), None)},
        {},
        c["clerk"],
        sub.version,
        submit=True,
    )
    R.confirm_submission(session, sub, c["office"], sub.version)
    session.commit()
    assert sub.status is SubmissionStatus.CONFIRMED and sub.reviewed_by_id == c["office"].id
    with pytest.raises(ServiceError):
        R.save_submission(session, sub, {}, {}, c["clerk"], sub.version)
    session.rollback()
    # Each step is in the history, with who made it.
    steps = session.execute(
        select(ChangeRecord.new_value, ChangeRecord.user_id)
        .where(
            ChangeRecord.entity == "report_submissions",
            ChangeRecord.entity_id == sub.id,
            ChangeRecord.field == "status",
        )
        .order_by(ChangeRecord.id)
    ).all()
    assert [s.new_value for s in steps] == ["pending", "submitted", "returned", "submitted", "confirmed"]


def test_stale_or_versionless_saves_are_refused(session, cycle):
    period = _open(session, cycle["plan"], 10)
    sub = _submission(period, cycle["dept_a"])
    with pytest.raises(MissingVersion):
        R.save_submission(session, sub, {}, {}, cycle["clerk"], None)
    with pytest.raises(EditConflict):
        R.save_submission(session, sub, {}, {}, cycle["clerk"], sub.version - 1)


def test_confirming_applies_milestones_nobody_changed_since_and_rolls_up_the_year(session, cycle):
    c = cycle
    october = _open(session, c["plan"], 10)
    sub = _submission(october, c["dept_a"])
    m1, m2 = c["m1"], c["m2"]
    R.save_submission(
        session,
        sub,
        {c["p1"].id: R.EntryInput("完成招标", Decimal("120.50"), "无"), c["p2"].id: R.EntryInput("调研", None, None)},
        {
            m1.id: R.MilestoneInput(MilestoneStatus.DONE, dt.date(2026, 10, 20), m1.version),
            m2.id: R.MilestoneInput(MilestoneStatus.IN_PROGRESS, None, m2.version),
        },
        c["clerk"],
        sub.version,
        submit=True,
    )
    session.commit()
    m2.note = "office edited it after the report"
    session.commit()
    result = R.confirm_submission(session, sub, c["office"], sub.version)
    session.commit()
    assert (m1.status, m1.actual_on) == (MilestoneStatus.DONE, dt.date(2026, 10, 20))
    assert m2.status is MilestoneStatus.NOT_STARTED  # changed since the department saw it: kept
    assert result.milestones_applied == 1 and result.milestones_kept == ["1.1 上线"]
    assert c["p1"].progress_note == "完成招标"
    year = session.scalar(select(Investment).where(Investment.project_id == c["p1"].id, Investment.year == 2026))
    assert year.completed_amount == Decimal("120.50")  # the confirmed periods' sum replaces the typed 50

    figures = progress.money_by_project(session, october)[c["p1"].id][1]
    assert figures.year_planned == Decimal("600.00")
    assert figures.period_completed == Decimal("120.50")
    assert figures.year_completed == Decimal("120.50")
    assert figures.cumulative_completed == Decimal("400.50")  # 280 in 2025 + 120.50
    assert figures.plan_share == Decimal("20.1")
    assert progress.schedule_share(october) == Decimal("83.3")

    R.close_period(session, october, c["office"], october.version)
    november = _open(session, c["plan"], 11)
    sub = _submission(november, c["dept_a"])
    R.save_submission(
        session,
        sub,
        {c["p1"].id: R.EntryInput("实施", Decimal("79.50"), None), c["p2"].id: R.EntryInput("调研", None, None)},
        {},
        c["clerk"],
        sub.version,
        submit=True,
    )
    session.commit()
    before = progress.money_by_project(session, november)[c["p1"].id][1]
    assert (before.period_completed, before.year_completed) == (Decimal("79.50"), Decimal("120.50"))
    R.confirm_submission(session, sub, c["office"], sub.version)
    session.commit()
    after = progress.money_by_project(session, november)[c["p1"].id][1]
    assert (after.year_completed, after.cumulative_completed) == (Decimal("200.00"), Decimal("480.00"))
    assert R.previous_submission(session, sub).period_id == october.id


def test_closing_freezes_figures_against_later_edits(session, cycle):
    c = cycle
    period = _open(session, c["plan"], 10)
    sub = _submission(period, c["dept_a"])
    R.save_submission(
        session,
        sub,
        {c["p1"].id: R.EntryInput("完成招标", Decimal("120"), None), c["p2"].id: R.EntryInput("调研", None, None)},
        {c["m1"].id: R.MilestoneInput(MilestoneStatus.DONE, dt.date(2026, 10, 20), c["m1"].version)},
        c["clerk"],
        sub.version,
        submit=True,
    )
    R.confirm_submission(session, sub, c["office"], sub.version)
    R.close_period(session, period, c["office"], period.version)
    session.commit()
    assert period.status is PeriodStatus.CLOSED

    def frozen():
        project = session.scalar(
            select(PeriodProjectSnapshot).where(
                PeriodProjectSnapshot.period_id == period.id, PeriodProjectSnapshot.project_id == c["p1"].id
            )
        )
        milestone = session.scalar(
            select(PeriodMilestoneSnapshot).where(
                PeriodMilestoneSnapshot.period_id == period.id, PeriodMilestoneSnapshot.milestone_id == c["m1"].id
            )
        )
        return (
            project.name,
            project.year_planned,
            project.year_completed,
            project.cumulative_completed,
            project.completion,
            project.progress_text,
            milestone.status,
            milestone.actual_on,
        )

    snapshot = frozen()
    assert snapshot == (
        "甲一",
        Decimal("600.00"),
        Decimal("120.00"),
        Decimal("400.00"),
        50.0,
        "完成招标",
        MilestoneStatus.DONE,
        dt.date(2026, 10, 20),
    )
    # Later edits of every kind: none reaches the closed period.
    c["p1"].name = "甲一（改名）"
    c["m1"].status, c["m1"].actual_on = MilestoneStatus.IN_PROGRESS, None
    year = session.scalar(select(Investment).where(Investment.project_id == c["p1"].id, Investment.year == 2026))
    year.planned_amount, year.completed_amount = Decimal(900), Decimal(999)
    session.commit()
    assert frozen() == snapshot
    with pytest.raises(ServiceError, match="已关闭"):
        R.save_submission(
            session, _submission(period, c["dept_b"]), {}, {}, None, _submission(period, c["dept_b"]).version
        )


def test_a_department_reports_only_on_projects_it_leads(session, cycle):
    c = cycle
    period = _open(session, c["plan"], 10)
    sub = _submission(period, c["dept_a"])
    with pytest.raises(ServiceError, match="不属于本单位"):
        R.save_submission(session, sub, {c["p3"].id: R.EntryInput("x")}, {}, c["clerk"], sub.version)
    session.rollback()
    lines = R.submission_projects(session, sub)
    assert [line.project.code for line in lines] == ["1.1", "1.2"]
    assert session.scalar(select(ReportSubmission).where(ReportSubmission.department_id == c["helper"].id)) is None
