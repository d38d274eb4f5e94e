"""Completion and lateness, with hand-worked examples."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from sqlalchemy import delete, insert, select, update

from tests.factories import make_department, make_milestone, make_phase, make_plan, make_project
from tracker import progress
from tracker.extensions import db
from tracker.models import Milestone, Plan, PlanSection, Project
from tracker.vocab import MilestoneStatus as M
from tracker.vocab import ProjectStatus

TODAY = dt.date(2026, 6, 15)


def test_overdue_rule(session):
    project = make_project(session)
    cases = {
        "late-open": (dt.date(2026, 6, 14), M.IN_PROGRESS, True),
        "late-delayed": (dt.date(2026, 1, 1), M.DELAYED, True),
        "late-done": (dt.date(2026, 6, 1), M.DONE, False),
        "late-cancelled": (dt.date(2026, 6, 1), M.CANCELLED, False),
        "due-today": (TODAY, M.NOT_STARTED, False),
        "no-date": (None, M.NOT_STARTED, False),
    }
    for ordinal, (name, (planned, status, _)) in enumerate(cases.items(), start=1):
        make_milestone(session, project, ordinal, name=name, planned_on=planned, status=status)
    overdue = set(session.scalars(select(Milestone.name).where(progress.is_overdue(TODAY))))
    assert overdue == {name for name, (_, _, late) in cases.items() if late}


def test_due_within_thirty_days(session):
    project = make_project(session)
    make_milestone(session, project, 1, name="soon", planned_on=TODAY + dt.timedelta(days=30))
    make_milestone(session, project, 2, name="later", planned_on=TODAY + dt.timedelta(days=31))
    make_milestone(session, project, 3, name="soon-done", planned_on=TODAY + dt.timedelta(days=3), status=M.DONE)
    assert set(session.scalars(select(Milestone.name).where(progress.is_due_within(30, TODAY)))) == {"soon"}


def test_project_completion_weights_and_cancelled(session):
    project = make_project(session)
    make_milestone(session, project, 1, weight=1, status=M.DONE)
    make_milestone(session, project, 2, weight=3, status=M.IN_PROGRESS)
    make_milestone(session, project, 3, weight=5, status=M.CANCELLED)  # left out entirely
    # done 1 of non-cancelled 1 + 3 = 25%
    assert progress.project_completion(session, Project.id == project.id) == {project.id: 25.0}


@pytest.mark.parametrize(
    ("status", "expected"), [(ProjectStatus.COMPLETED, 100.0), (ProjectStatus.IN_PROGRESS, None), (None, None)]
)
def test_project_without_milestones(session, status, expected):
    """无里程碑: no completion at all (not 0%), unless the project is finished."""
    project = make_project(session, status=status)
    assert progress.project_completion(session, Project.id == project.id)[project.id] == expected


def test_project_whose_milestones_are_all_cancelled_falls_back_to_status(session):
    project = make_project(session, status=ProjectStatus.COMPLETED)
    make_milestone(session, project, 1, status=M.CANCELLED)
    assert progress.project_completion(session, Project.id == project.id)[project.id] == 100.0


def test_plan_completion_weighted_by_budget_when_every_project_has_one(session):
    plan = make_plan(session)
    a = make_project(session, plan, total_budget=Decimal("300"))  # 50%
    make_milestone(session, a, 1, status=M.DONE)
    make_milestone(session, a, 2)
    make_project(session, plan, total_budget=Decimal("100"), status=ProjectStatus.COMPLETED)  # 100%
    # (0.5*300 + 1*100) / 400 = 62.5%
    completion = progress.plan_completion(session, [plan.id])[plan.id]
    assert (completion.percent, completion.rule, completion.projects) == (62.5, "budget", 2)
    assert completion.rule_label == "按总投资加权"


def test_plan_completion_by_count_when_a_budget_is_missing(session):
    plan = make_plan(session)
    a = make_project(session, plan, total_budget=Decimal("300"))
    make_milestone(session, a, 1, status=M.DONE)
    make_milestone(session, a, 2)
    make_project(session, plan, status=ProjectStatus.COMPLETED)  # no budget
    c = make_project(session, plan, total_budget=Decimal("50"))
    make_milestone(session, c, 1)  # 0%
    make_project(session, plan, total_budget=Decimal("80"))  # 无里程碑: not counted
    # (50 + 100 + 0) / 3 = 50%
    completion = progress.plan_completion(session, [plan.id])[plan.id]
    assert (completion.percent, completion.rule, completion.projects, completion.unmeasured) == (50.0, "count", 3, 1)


def test_phase_and_department_completion(session):
    plan = make_plan(session)
    phase = make_phase(session, plan)
    dept = make_department(session)
    a = make_project(session, plan, lead_department=dept)
    a.phases.append(phase)
    make_milestone(session, a, 1, status=M.DONE)
    make_milestone(session, a, 2, status=M.DONE)
    make_milestone(session, a, 3, weight=2)
    b = make_project(session, plan)
    b.phases.append(phase)
    make_milestone(session, b, 1)
    c = make_project(session, plan)  # 无里程碑: shown as such, left out of the mean
    c.phases.append(phase)
    session.flush()
    assert progress.phase_completion(session, [phase.id])[phase.id].percent == 25.0  # (50 + 0) / 2
    assert progress.department_completion(session, [dept.id])[dept.id].percent == 50.0


def test_section_completion_includes_sub_sections(session):
    plan = make_plan(session)
    root = PlanSection(plan=plan, title="231工程", ordinal=1)
    child = PlanSection(plan=plan, parent=root, code="一", title="基础网络平台建设", ordinal=1)
    leaf = PlanSection(plan=plan, parent=child, code="1.1", title="基础网络建设", ordinal=1)
    other = PlanSection(plan=plan, parent=root, code="二", title="重要信息资源平台", ordinal=2)
    session.add_all([root, child, leaf, other])
    session.flush()
    make_project(session, plan, section=leaf, status=ProjectStatus.COMPLETED)
    started = make_project(session, plan, section=other)
    make_milestone(session, started, 1)
    make_project(session, plan, section=other)  # 无里程碑
    completion = progress.section_completion(session, plan.id)
    assert completion[leaf.id].percent == 100.0
    assert completion[child.id].percent == 100.0
    assert (completion[other.id].percent, completion[other.id].unmeasured) == (0.0, 1)
    assert (completion[root.id].percent, completion[root.id].projects, completion[root.id].unmeasured) == (50.0, 2, 1)


def test_the_overdue_filter_reads_the_index_of_open_milestones(session, is_postgres):
    """The condition is written out, so the partial index (open milestones by planned date) serves it."""
    from sqlalchemy import func, text

    statement = select(func.count(Milestone.id)).where(progress.is_overdue(TODAY))
    compiled = str(statement.compile(session.get_bind(), compile_kwargs={"literal_binds": True}))
    assert "NOT IN ('done', 'cancelled')" in compiled
    if is_postgres:
        session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = " ".join(row[0] for row in session.execute(text("EXPLAIN " + compiled)))
    else:
        plan = " ".join(str(row[-1]) for row in session.execute(text("EXPLAIN QUERY PLAN " + compiled)))
    assert "ix_milestones_open_planned_on" in plan


def test_plan_rollups_in_one_reading_agree_with_each_rollup(session):
    plan = make_plan(session)
    one, two = make_phase(session, plan, 1), make_phase(session, plan, 2)
    root = PlanSection(plan=plan, title="231工程", ordinal=1)
    leaf = PlanSection(plan=plan, parent=root, code="1.1", title="基础网络建设", ordinal=1)
    session.add_all([root, leaf])
    session.flush()
    a = make_project(session, plan, section=leaf, total_budget=Decimal(100))
    a.phases.append(one)
    make_milestone(session, a, 1, status=M.DONE)
    make_milestone(session, a, 2)
    b = make_project(session, plan, section=root, status=ProjectStatus.COMPLETED, total_budget=Decimal(300))
    b.phases.extend([one, two])
    make_project(session, plan, section=leaf)  # 无里程碑
    session.flush()
    rollups = progress.plan_rollups(session, plan.id)
    assert rollups["plan"] == progress.plan_completion(session, [plan.id])
    assert rollups["phase"] == progress.phase_completion(session, [one.id, two.id])
    assert rollups["section"] == progress.section_completion(session, plan.id)
    assert rollups["plan"][plan.id].percent == 87.5  # (50×100 + 100×300) / 400, one 无里程碑 left out


def _kept_and_counted(session, project_ids):
    """Each project's kept (done, counted) weights beside a fresh count of its milestones."""
    kept = {
        row.id: (row.milestone_done_weight, row.milestone_total_weight)
        for row in session.execute(
            select(Project.id, Project.milestone_done_weight, Project.milestone_total_weight).where(
                Project.id.in_(project_ids)
            )
        )
    }
    counted = dict.fromkeys(project_ids, (0, 0))
    for m in session.execute(
        select(Milestone.project_id, Milestone.status, Milestone.weight).where(Milestone.project_id.in_(project_ids))
    ):
        done, total = counted[m.project_id]
        counted[m.project_id] = (
            done + (m.weight if m.status is M.DONE else 0),
            total + (m.weight if m.status is not M.CANCELLED else 0),
        )
    return kept, counted


def test_kept_milestone_weights_follow_every_way_milestones_change(session):
    """The roll-ups read each project's weights from its row: inserts (one by one and many in one
    statement), status and weight changes, a milestone moved to another project, deletes (one, and
    many in one statement) must all leave them equal to a fresh count."""
    a, b = make_project(session), make_project(session)
    first = make_milestone(session, a, 1, weight=2, status=M.DONE)
    make_milestone(session, a, 2, weight=3, status=M.IN_PROGRESS)
    session.execute(
        insert(Milestone),
        [
            {"project_id": b.id, "ordinal": n, "name": f"批量{n}", "weight": n, "status": status.value}
            for n, status in ((1, M.DONE), (2, M.CANCELLED), (3, M.NOT_STARTED))
        ],
    )
    kept, counted = _kept_and_counted(session, [a.id, b.id])
    assert kept == counted == {a.id: (2, 5), b.id: (1, 4)}

    first.status = M.CANCELLED  # a: done 2 of 5 → 0 of 3
    session.flush()
    session.execute(update(Milestone).where(Milestone.project_id == b.id).values(weight=Milestone.weight + 1))
    moved = session.scalar(select(Milestone).where(Milestone.project_id == b.id, Milestone.ordinal == 3))
    moved.project_id, moved.ordinal, moved.status = a.id, 9, M.DONE  # weight 4, done, now a's
    session.flush()
    kept, counted = _kept_and_counted(session, [a.id, b.id])
    assert kept == counted == {a.id: (4, 7), b.id: (2, 2)}
    assert progress.project_completion(session, Project.id.in_([a.id, b.id])) == {a.id: 57.1, b.id: 100.0}

    session.delete(moved)
    session.flush()
    session.execute(delete(Milestone).where(Milestone.project_id == b.id))
    kept, counted = _kept_and_counted(session, [a.id, b.id])
    assert kept == counted == {a.id: (0, 3), b.id: (0, 0)}
    assert progress.project_completion(session, Project.id == b.id) == {b.id: None}  # 无里程碑 again


def test_two_transactions_adding_milestones_to_one_project_at_once_both_count(app, is_postgres):
    """Two departments change one project's milestones at the same moment: the kept weights add both
    (PostgreSQL makes the second wait on the project row, then re-reads it)."""
    if not is_postgres:
        pytest.skip("SQLite takes one writer at a time: there is no interleaving to test")
    with app.app_context():
        engine = db.engine
        with engine.begin() as conn:
            plan_id = conn.execute(
                insert(Plan).values(code="并发测试", name="并发测试").returning(Plan.id)
            ).scalar_one()
            project_id = conn.execute(
                insert(Project).values(plan_id=plan_id, code="并发", name="并发").returning(Project.id)
            ).scalar_one()
        try:
            first = engine.connect()
            transaction = first.begin()
            first.execute(
                insert(Milestone).values(project_id=project_id, ordinal=1, name="一", weight=2, status="done")
            )
            second_done = threading.Event()

            def second_writer():
                with engine.begin() as conn:
                    conn.execute(
                        insert(Milestone).values(project_id=project_id, ordinal=2, name="二", weight=3, status="done")
                    )
                second_done.set()

            thread = threading.Thread(target=second_writer)
            thread.start()
            assert not second_done.wait(0.5)  # waiting for the first, on the project row
            transaction.commit()
            first.close()
            thread.join(10)
            assert second_done.is_set()
            with engine.connect() as conn:
                kept = conn.execute(
                    select(Project.milestone_done_weight, Project.milestone_total_weight).where(
                        Project.id == project_id
                    )
                ).one()
            assert tuple(kept) == (5, 5)
        finally:
            with engine.begin() as conn:
                conn.execute(delete(Plan).where(Plan.id == plan_id))
