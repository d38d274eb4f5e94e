"""Random edits to an exported workbook, as people make them: the import never raises, and what it
applies is exactly what its preview said — or, with errors, nothing at all.

Edits: cells changed (good and bad values) or blanked, rows inserted (with and without 序号),
deleted, moved, cells merged down; sometimes the result is re-saved by LibreOffice (CI has it).
"""

from __future__ import annotations

import io
import os
from unittest.mock import patch

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.excel_helpers import SOFFICE, export_bytes, libreoffice_resave
from tests.factories import make_user
from tracker.excel import columns as C
from tracker.models import Investment, Milestone, Plan, Project
from tracker.services import ServiceError
from tracker.services.imports import (
    DEPARTMENT_LISTS,
    FIELDS,
    commit_import,
    load_preview,
    preview_workbook,
    stage_import,
    value_from_preview,
)
from tracker.services.seeding import seed
from tracker.vocab import ChangeSource, Role

EXAMPLES = int(os.environ.get("TRACKER_HYPOTHESIS_EXAMPLES", "25"))
M = {c.key: i for i, c in enumerate(C.MILESTONE_COLUMNS, start=1)}
P = {c.key: i for i, c in enumerate(C.PROJECT_COLUMNS, start=1)}

VALUES = {
    "status": st.sampled_from(["已完成", "完成", "进行中", "未开始", "滞后", "快好了", None]),
    "actual_on": st.sampled_from(["2026-10-01", "2026年9月", "2026.8", 46000, "完成", "2030-01-01", None]),
    "planned_on": st.sampled_from(["2027-03-31", "2027年上半年", "2027", 2028, 17, "明年", None]),
    "name": st.sampled_from(["新节点甲", "新节点乙", "网络系统方案评审", None]),
    "note": st.sampled_from(["按计划推进", "合计", "  ", None]),
}
PROJECT_VALUES = {
    "status": st.sampled_from(["在建", "已完工", "暂缓", "不知道", None]),
    "progress_note": st.sampled_from(["主体完工", "", None]),
    "total_budget": st.sampled_from([1200, "1300万", "0.2亿", -5, "约100万", None]),
}

edit = st.one_of(
    st.tuples(st.just("cell"), st.sampled_from(sorted(VALUES)), st.integers(0, 30)),
    st.tuples(st.just("project"), st.sampled_from(sorted(PROJECT_VALUES)), st.integers(0, 30)),
    st.tuples(st.just("insert"), st.booleans(), st.integers(0, 30)),
    st.tuples(st.just("delete"), st.integers(0, 30), st.just(None)),
    st.tuples(st.just("move"), st.integers(0, 30), st.integers(0, 30)),
    st.tuples(st.just("merge"), st.integers(0, 30), st.just(None)),
)


def _apply_edits(data: bytes, edits, draw_value) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(data))
    ws = book[C.MILESTONES_SHEET]
    projects = book[C.PROJECTS_SHEET]
    first = 3
    # Merges last: once merged, a covered cell cannot be typed into (as in Excel).
    for kind, a, b in sorted(edits, key=lambda e: e[0] == "merge"):
        last = ws.max_row
        count = last - first + 1
        if kind == "cell" and count > 0:
            ws.cell(first + b % count, M[a]).value = draw_value(VALUES[a])
        elif kind == "project":
            rows = [r for r in range(5, projects.max_row + 1) if isinstance(projects.cell(r, 1).value, int)]
            if rows:
                projects.cell(rows[b % len(rows)], P[a]).value = draw_value(PROJECT_VALUES[a])
        elif kind == "insert":
            at = first + (b % max(count, 1))
            ws.insert_rows(at)
            values = [
                "1.1",
                None,
                9 if a else None,
                draw_value(VALUES["name"]) or "插入的节点",
                "2027-06-30",
                None,
                "未开始",
                None,
            ]
            for col, value in enumerate(values, start=1):
                ws.cell(at, col).value = value
        elif kind == "delete" and count > 1:
            ws.delete_rows(first + a % count)
        elif kind == "move" and count > 1:
            x, y = first + a % count, first + b % count
            for col in range(1, ws.max_column + 1):
                ws.cell(x, col).value, ws.cell(y, col).value = ws.cell(y, col).value, ws.cell(x, col).value
        elif kind == "merge" and count > 1:
            top = first + a % (count - 1)
            if any(top <= r.max_row and top + 1 >= r.min_row and r.min_col == 1 for r in ws.merged_cells.ranges):
                continue
            ws.cell(top + 1, 1).value = None
            ws.merge_cells(start_row=top, start_column=1, end_row=top + 1, end_column=1)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _snapshot(session, plan) -> dict:
    session.expire_all()
    state = {}
    for model in (Project, Milestone, Investment):
        query = select(model)
        query = (
            query.where(model.plan_id == plan.id)
            if model is Project
            else query.join(Project).where(Project.plan_id == plan.id)
        )
        for record in session.scalars(query):
            values = {name: getattr(record, name) for name in FIELDS[_entity(model)] if name not in DEPARTMENT_LISTS}
            state[(_entity(model), record.id)] = values
    return state


def _entity(model) -> str:
    return {Project: "project", Milestone: "milestone", Investment: "investment"}[model]


class _World(tuple):
    def __repr__(self) -> str:  # hypothesis prints its arguments: not the workbook's bytes
        return "<数字温州 with demo data>"


@pytest.fixture()
def world(session):
    seed(session, ["szwz"], demo=True)
    office = make_user(session, Role.OFFICE, username="office-prop")
    session.commit()
    plan = session.scalar(select(Plan).where(Plan.code == "szwz"))
    return _World((plan, office, export_bytes(session, plan)))


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(edits=st.lists(edit, min_size=1, max_size=6), data=st.data(), resave=st.sampled_from([None] * 9 + ["xlsx"]))
def test_random_edits_apply_exactly_the_preview_or_nothing(session, world, edits, data, resave):
    plan, office, exported = world
    workbook = _apply_edits(exported, edits, lambda strategy: data.draw(strategy))
    if resave and SOFFICE:
        workbook = libreoffice_resave(workbook, resave)
    before = _snapshot(session, plan)
    try:
        # Rows still exactly as exported skip cell-by-cell reading: that shortcut must never change an answer.
        with patch("tracker.excel.sheets._as_exported", return_value=None):
            slow = preview_workbook(session, workbook, user=office)
        # The stored preview, its rows matched 7 and stored 5 at a time, says what the one made whole says.
        with patch("tracker.services.import_preview.CHUNK", 7), patch("tracker.services.imports.STORE_CHUNK", 5):
            batch, _staged = stage_import(session, workbook, "随机.xlsx", office, ChangeSource.CLI)
        preview = load_preview(session, batch)
        assert [
            (r.sheet, r.row, r.outcome, r.key, [(c.field, c.old, c.new) for c in r.changes]) for r in preview.rows
        ] == [(r.sheet, r.row, r.outcome, r.key, [(c.field, c.old, c.new) for c in r.changes]) for r in slow.rows]
        if preview.blocked:
            with pytest.raises(ServiceError):
                commit_import(session, batch, office)
            assert _snapshot(session, plan) == before  # nothing half-applied
            return
        with patch("tracker.services.imports.STORE_CHUNK", 2):  # applied as read back: two rows at a time
            commit_import(session, batch, office)
        session.flush()
        after = _snapshot(session, plan)
        expected = dict(before)
        departments = {}
        for row in preview.applicable:
            for op in row.operations:
                if op.id is None:
                    continue
                values = dict(expected[(op.entity, op.id)])
                for name, value in op.values.items():
                    if name in values:
                        values[name] = value_from_preview(session, op.entity, name, value, departments)
                expected[(op.entity, op.id)] = values
        # Every record the preview did not create is exactly as the preview said, row for row.
        assert {k: v for k, v in after.items() if k in before} == expected
        created = [op for row in preview.applicable for op in row.operations if op.id is None]
        assert len(after) - len(before) == len(created)
    finally:
        session.rollback()
