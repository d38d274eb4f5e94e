"""The database itself holds the rules: exact money, foreign keys, uniques and checks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from tests.factories import make_department, make_milestone, make_plan, make_project, make_user
from tracker.models import Investment, Milestone, Project
from tracker.vocab import Role

AMOUNTS = ["999999999999.99", "123456789012.34", "0.01", "0.10", "360.00", "23000.00", "98765.43"]


@pytest.mark.parametrize("amount", AMOUNTS)
def test_money_round_trips_exactly(session, amount):
    project = make_project(session, total_budget=Decimal(amount))
    project.investments.append(Investment(year=2026, planned_amount=Decimal(amount), completed_amount=Decimal("0")))
    session.flush()
    session.expire_all()

    stored = session.scalar(select(Project).where(Project.id == project.id))
    assert stored.total_budget == Decimal(amount)
    assert str(stored.total_budget) == amount
    assert str(stored.investments[0].planned_amount) == amount
    assert isinstance(stored.total_budget, Decimal)


def test_money_sums_exactly_in_sql(session):
    from sqlalchemy import func

    plan = make_plan(session)
    for amount in ("0.10", "0.20", "1234567.89"):
        make_project(session, plan, total_budget=Decimal(amount))
    total = session.scalar(select(func.sum(Project.total_budget)).where(Project.plan_id == plan.id))
    assert Decimal(str(total)).quantize(Decimal("0.01")) == Decimal("1234568.19")


def _violates(session, fn):
    with pytest.raises(IntegrityError):
        with session.begin_nested():
            fn()
            session.flush()


def test_negative_budget_is_refused(session):
    plan = make_plan(session)
    _violates(session, lambda: session.add(Project(plan=plan, code="N1", name="负数", total_budget=Decimal("-1"))))


def test_end_before_start_is_refused(session):
    plan = make_plan(session)
    _violates(
        session,
        lambda: session.add(
            Project(
                plan=plan,
                code="D1",
                name="倒序",
                planned_start_on=dt.date(2026, 5, 1),
                planned_end_on=dt.date(2026, 4, 1),
            )
        ),
    )


def test_milestone_weight_must_be_positive(session):
    project = make_project(session)
    _violates(session, lambda: session.add(Milestone(project=project, ordinal=1, name="零权重", weight=0)))


def test_project_code_unique_within_plan_only(session):
    plan, other = make_plan(session), make_plan(session)
    make_project(session, plan, code="1.1")
    make_project(session, other, code="1.1")  # same code, another plan: fine
    _violates(session, lambda: session.add(Project(plan=plan, code="1.1", name="重复")))


def test_foreign_keys_are_enforced(session):
    def orphan():
        session.execute(
            text(
                "INSERT INTO milestones (project_id, ordinal, name, status, weight, version, updated_at) "
                "VALUES (999999, 1, 'x', 'not_started', 1, 1, CURRENT_TIMESTAMP)"
            )
        )

    with pytest.raises(IntegrityError):
        with session.begin_nested():
            orphan()


def test_unknown_status_is_refused_by_the_database(session):
    project = make_project(session)
    make_milestone(session, project)
    with pytest.raises(IntegrityError):
        with session.begin_nested():
            session.execute(
                text("UPDATE milestones SET status = 'finished' WHERE project_id = :id"), {"id": project.id}
            )


def test_department_user_needs_a_department(session):
    with pytest.raises(IntegrityError):
        with session.begin_nested():
            make_user(session, role=Role.DEPARTMENT, department=None)
    make_user(session, role=Role.DEPARTMENT, department=make_department(session))


def test_sqlite_connection_settings(session, is_postgres):
    if is_postgres:
        pytest.skip("SQLite connection settings")
    conn = session.connection()
    assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
