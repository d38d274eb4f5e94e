"""Every change to an audited record is recorded: who, when, from where, old → new."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests.factories import make_department, make_milestone, make_plan, make_project, make_user
from tracker.models import ChangeRecord, set_change_context
from tracker.models.change import MissingChangeContext
from tracker.vocab import ChangeAction, ChangeSource, MilestoneStatus


def records(session, obj, action=None):
    query = (
        select(ChangeRecord)
        .where(ChangeRecord.entity == obj.__tablename__, ChangeRecord.entity_id == obj.id)
        .order_by(ChangeRecord.id)
    )
    if action:
        query = query.where(ChangeRecord.action == action)
    return session.scalars(query).all()


def test_insert_records_each_value(session):
    project = make_project(session, name="基础网络建设", code="1.1", total_budget=Decimal("1200.5"))
    rows = {r.field: r for r in records(session, project, ChangeAction.INSERT)}
    assert rows["name"].new_value == "基础网络建设"
    assert rows["code"].new_value == "1.1"
    assert rows["total_budget"].new_value == "1200.50"
    assert rows["name"].old_value is None
    assert rows["name"].source is ChangeSource.CLI
    assert "version" not in rows and "id" not in rows


def test_update_records_who_when_where_and_old_to_new(session):
    user = make_user(session)
    milestone = make_milestone(session, make_project(session), planned_on=dt.date(2026, 6, 30))
    set_change_context(session, ChangeSource.WEB, user)
    before = dt.datetime.now(dt.UTC)

    milestone.status = MilestoneStatus.DONE
    milestone.actual_on = dt.date(2026, 7, 2)
    milestone.name = milestone.name  # same value: not a change
    session.flush()

    rows = records(session, milestone, ChangeAction.UPDATE)
    assert {(r.field, r.old_value, r.new_value) for r in rows} == {
        ("status", "not_started", "done"),
        ("actual_on", None, "2026-07-02"),
    }
    assert all(r.user_id == user.id and r.source is ChangeSource.WEB for r in rows)
    assert all(r.changed_at >= before - dt.timedelta(seconds=1) for r in rows)


def test_delete_records_what_was_lost_including_cascaded_children(session):
    project = make_project(session, name="将删除")
    milestone = make_milestone(session, project, name="子里程碑")
    project_id, milestone_id = project.id, milestone.id
    session.delete(project)
    session.flush()

    deleted = session.scalars(select(ChangeRecord).where(ChangeRecord.action == ChangeAction.DELETE)).all()
    assert ("projects", project_id, "name", "将删除") in {
        (r.entity, r.entity_id, r.field, r.old_value) for r in deleted
    }
    assert ("milestones", milestone_id, "name", "子里程碑") in {
        (r.entity, r.entity_id, r.field, r.old_value) for r in deleted
    }


def test_link_changes_are_recorded_by_name(session):
    a, b = make_department(session, "甲局"), make_department(session, "乙局")
    project = make_project(session)
    project.cooperators.append(a)
    session.flush()
    project.cooperators.append(b)
    session.flush()
    rows = [r for r in records(session, project, ChangeAction.UPDATE) if r.field == "cooperators"]
    # Names are listed in code-point order, so the same set always reads the same.
    assert [(r.old_value, r.new_value) for r in rows] == [("", "甲局"), ("甲局", "乙局；甲局")]


def test_passwords_never_enter_the_history(session):
    user = make_user(session, password="a secret pass")
    user.set_password("another secret")
    session.flush()
    fields = {r.field for r in records(session, user)}
    assert "password_hash" not in fields and "session_token" not in fields
    assert "username" in fields


def test_a_change_with_no_source_is_refused(session):
    session.info.pop("change_context")
    with pytest.raises(MissingChangeContext):
        make_plan(session)
    session.rollback()


def test_records_roll_back_with_the_change(session):
    plan = make_plan(session)
    with pytest.raises(RuntimeError):
        with session.begin_nested():
            plan.name = "改名后回滚"
            session.flush()
            raise RuntimeError("abort the user action")
    assert not [r for r in records(session, plan, ChangeAction.UPDATE)]
