"""Export → (edit) → import: exactly the changes made, nothing else; conflicts caught; nothing half-applied."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import select

from tests.excel_helpers import edit, export_bytes, find_row, libreoffice_resave
from tests.factories import make_user
from tracker.excel import columns as C
from tracker.models import ChangeRecord, Department, ImportBatch, Milestone, Project
from tracker.services import ServiceError
from tracker.services.imports import (
    ImportRefused,
    StalePreview,
    apply_preview,
    commit_import,
    load_preview,
    preview_workbook,
    stage_import,
)
from tracker.vocab import ChangeSource, ImportStatus, ProjectStatus, Role

PROJECT_COL = {c.key: i for i, c in enumerate(C.PROJECT_COLUMNS, start=1)}
MILESTONE_COL = {c.key: i for i, c in enumerate(C.MILESTONE_COLUMNS, start=1)}


def letter(n: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(n)


def changed(preview):
    return {
        (r.sheet, r.key): {c.field: (c.old, c.new) for c in r.changes}
        for r in preview.rows
        if r.outcome in ("changed", "new")
    }


def test_export_then_import_changes_nothing(session, wenzhou, office):
    preview = preview_workbook(session, export_bytes(session, wenzhou), user=office)
    assert preview.counts["changed"] == preview.counts["new"] == preview.counts["error"] == 0
    assert preview.counts["unchanged"] >= 20 + 15  # every project and milestone row was read
    assert preview.from_tracker


@pytest.mark.parametrize("target", ["xlsx", "xls", "ods"])
def test_libreoffice_resave_changes_nothing(session, wenzhou, office, target):
    resaved = libreoffice_resave(export_bytes(session, wenzhou), target)
    preview = preview_workbook(session, resaved, user=office)
    assert preview.counts["changed"] == preview.counts["new"] == preview.counts["error"] == 0, [
        r.as_dict() for r in preview.rows if r.outcome not in ("unchanged", "skipped")
    ]
    assert preview.counts["unchanged"] >= 35


def test_edited_cells_are_exactly_the_changes(session, wenzhou, office):
    data = export_bytes(session, wenzhou)
    project_row = find_row(data, C.PROJECTS_SHEET, 2, "1.2")
    milestone_row = find_row(data, C.MILESTONES_SHEET, 4, "城市出口带宽扩容至10G")
    data = edit(
        data,
        {
            C.PROJECTS_SHEET: {
                f"{letter(PROJECT_COL['status'])}{project_row}": "已完工",
                f"{letter(PROJECT_COL['progress_note'])}{project_row}": "交换中心已运行",
                f"{letter(PROJECT_COL['total_budget'])}{project_row}": "0.04亿",
            },
            C.MILESTONES_SHEET: {
                f"{letter(MILESTONE_COL['status'])}{milestone_row}": "完成",
                f"{letter(MILESTONE_COL['actual_on'])}{milestone_row}": "2026年11月1日",
            },
        },
    )
    preview = preview_workbook(session, data, user=office)
    assert changed(preview) == {
        # 交换中心设备安装: the 形象进度 of the demo's confirmed October report
        (C.PROJECTS_SHEET, "1.2"): {
            "status": ("在建", "已完工"),
            "progress_note": ("交换中心设备安装", "交换中心已运行"),
            "total_budget": ("350.00", "400.00"),
        },
        (C.MILESTONES_SHEET, "1.1 第3项 城市出口带宽扩容至10G"): {
            "status": ("进行中", "已完成"),
            "actual_on": (None, "2026-11-01"),
        },
    }
    batch, _ = stage_import(session, data, "edited.xlsx", office, ChangeSource.WEB)
    assert commit_import(session, batch, office) == 2
    session.commit()
    project = session.scalar(select(Project).where(Project.plan_id == wenzhou.id, Project.code == "1.2"))
    assert (project.status, project.total_budget, project.progress_note) == (
        ProjectStatus.COMPLETED,
        Decimal("400.00"),
        "交换中心已运行",
    )
    records = session.scalars(select(ChangeRecord).where(ChangeRecord.import_batch_id == batch.id)).all()
    assert {(r.entity, r.field) for r in records} == {
        ("projects", "status"),
        ("projects", "progress_note"),
        ("projects", "total_budget"),
        ("milestones", "status"),
        ("milestones", "actual_on"),
    }
    assert all(r.source is ChangeSource.IMPORT and r.user_id == office.id for r in records)
    assert batch.status is ImportStatus.APPLIED and batch.content == data and len(batch.sha256) == 64
    again = preview_workbook(session, data, user=office)  # the same file again: nothing left to do
    assert again.counts["changed"] == 0 and again.counts["conflict"] == 0


def test_typed_over_配合单位_are_changes_read_in_one_query_for_every_project(session, wenzhou, office):
    """Three projects' 配合单位 typed over: three changes, old and new by name, written; the projects'
    department lists are read once for all of them (and not at all when no project row is compared)."""
    from sqlalchemy import event

    from tracker.extensions import db

    names = session.scalars(
        select(Department.name).where(Department.region == wenzhou.region).order_by(Department.name)
    ).all()[:2]
    data = export_bytes(session, wenzhou)
    cells = {
        f"{letter(PROJECT_COL['cooperators'])}{find_row(data, C.PROJECTS_SHEET, 2, code)}": "、".join(names)
        for code in ("1.1", "1.2", "2.1")
    }
    statements: list[str] = []

    def listener(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        untouched = preview_workbook(session, data, user=office)
        lists_read_untouched = sum("project_cooperators" in s for s in statements)
        statements.clear()
        preview = preview_workbook(session, edit(data, {C.PROJECTS_SHEET: cells}), user=office)
        lists_read = sum("project_cooperators" in s for s in statements)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert untouched.counts["changed"] == 0 and lists_read_untouched == 0
    assert lists_read == 1
    changes = changed(preview)
    assert {key for _sheet, key in changes} == {"1.1", "1.2", "2.1"}
    assert all(
        set(fields) == {"cooperators"} and set(fields["cooperators"][1].split("、")) == set(names)
        for fields in changes.values()
    )
    batch, _ = stage_import(
        session, edit(data, {C.PROJECTS_SHEET: cells}), "cooperators.xlsx", office, ChangeSource.WEB
    )
    assert commit_import(session, batch, office) == 3
    session.commit()
    for code in ("1.1", "1.2", "2.1"):
        project = session.scalar(select(Project).where(Project.plan_id == wenzhou.id, Project.code == code))
        assert sorted(d.name for d in project.cooperators) == sorted(names)


def test_change_in_tracker_after_export_is_a_conflict(session, wenzhou, office):
    data = export_bytes(session, wenzhou)
    project = session.scalar(select(Project).where(Project.plan_id == wenzhou.id, Project.code == "1.3"))
    project.progress_note = "系统里改的"
    session.commit()
    row = find_row(data, C.PROJECTS_SHEET, 2, "1.3")
    data = edit(data, {C.PROJECTS_SHEET: {f"{letter(PROJECT_COL['progress_note'])}{row}": "表里改的"}})
    preview = preview_workbook(session, data, user=office)
    conflict = next(r for r in preview.rows if r.outcome == "conflict")
    assert conflict.key == "1.3"
    assert [(c.old, c.new) for c in conflict.changes] == [("系统里改的", "表里改的")]
    batch, _ = stage_import(session, data, "c.xlsx", office, ChangeSource.WEB)
    with pytest.raises(ServiceError, match="有错误或冲突"):
        commit_import(session, batch, office)
    session.expire_all()
    assert session.get(Project, project.id).progress_note == "系统里改的"


def test_commit_refuses_when_data_moved_after_preview(session, wenzhou, office):
    data = export_bytes(session, wenzhou)
    row = find_row(data, C.PROJECTS_SHEET, 2, "1.1")
    data = edit(data, {C.PROJECTS_SHEET: {f"{letter(PROJECT_COL['issues'])}{row}": "资金未到位"}})
    batch, _ = stage_import(session, data, "m.xlsx", office, ChangeSource.WEB)
    session.commit()
    project = session.scalar(select(Project).where(Project.plan_id == wenzhou.id, Project.code == "1.1"))
    project.contact = "有人刚改过"
    session.commit()
    with pytest.raises(StalePreview):
        commit_import(session, batch, office)
    with pytest.raises(StalePreview):
        commit_import(session, batch, office, expected_sha256="0" * 64)


def test_errors_commit_nothing_unless_valid_rows_are_chosen(session, wenzhou, office):
    data = export_bytes(session, wenzhou)
    good = find_row(data, C.PROJECTS_SHEET, 2, "1.1")
    bad = find_row(data, C.PROJECTS_SHEET, 2, "1.2")
    data = edit(
        data,
        {
            C.PROJECTS_SHEET: {
                f"{letter(PROJECT_COL['issues'])}{good}": "好的修改",
                f"{letter(PROJECT_COL['planned_end_on'])}{bad}": "2027-02-30",
            }
        },
    )
    batch, preview = stage_import(session, data, "e.xlsx", office, ChangeSource.WEB)
    preview = load_preview(session, batch)
    session.commit()
    error = next(r for r in preview.rows if r.outcome == "error")
    assert error.messages == [
        f"{C.PROJECTS_SHEET}!{letter(PROJECT_COL['planned_end_on'])}{bad}：日期不存在：“2027-02-30”"
    ]
    with pytest.raises(ServiceError):
        commit_import(session, batch, office)
    session.rollback()
    project = session.scalar(select(Project).where(Project.plan_id == wenzhou.id, Project.code == "1.1"))
    assert project.issues is None
    batch = session.get(ImportBatch, batch.id)
    assert commit_import(session, batch, office, valid_only=True) == 1
    session.commit()
    session.expire_all()
    assert session.get(Project, project.id).issues == "好的修改"
    assert batch.applied_rows == "valid"

    from tracker.excel.rejects import rejected_rows_workbook

    rejected = openpyxl.load_workbook(io.BytesIO(rejected_rows_workbook(data, [error])))
    ws = rejected[C.PROJECTS_SHEET]
    last = ws.max_row
    assert ws.cell(last, 2).value == "1.2"
    assert "日期不存在" in ws.cell(last, ws.max_column).value
    assert ws.cell(4, ws.max_column).value == "错误说明"


def test_new_rows_from_the_office(session, wenzhou, office):
    data = export_bytes(session, wenzhou)
    book = openpyxl.load_workbook(io.BytesIO(data))
    ws = book[C.MILESTONES_SHEET]
    ws.append(["2.15", None, None, "农业信息网改版", "2027年3月", None, "未开始", None])
    ws.append(["9.99", None, None, "不存在的项目", None, None, None, None])
    out = io.BytesIO()
    book.save(out)
    preview = preview_workbook(session, out.getvalue(), user=office)
    new = [r for r in preview.rows if r.outcome == "new"]
    assert len(new) == 1 and new[0].key.startswith("2.15")
    unknown = next(r for r in preview.rows if r.outcome == "error")
    assert unknown.messages == [f"{C.MILESTONES_SHEET}!A{ws.max_row}：系统中没有项目编号“9.99”"]
    apply_preview(session, preview, valid_only=True)
    session.commit()
    milestone = session.scalar(
        select(Milestone).join(Project).where(Project.code == "2.15", Project.plan_id == wenzhou.id)
    )
    assert (milestone.name, milestone.planned_on, milestone.ordinal) == ("农业信息网改版", dt.date(2027, 3, 31), 1)


def _department(session, short):
    return session.scalar(select(Department).where(Department.short_name == short))


def test_department_may_change_only_its_editable_cells(session, wenzhou):
    xxb = _department(session, "市信息办")
    user = make_user(session, Role.DEPARTMENT, department=xxb, username="xxb-user")
    session.commit()
    data = export_bytes(session, wenzhou, xxb)
    row = find_row(data, C.PROJECTS_SHEET, 2, "1.1")
    inv_row = find_row(data, C.INVESTMENTS_SHEET, 1, "1.1")
    data = edit(
        data,
        {
            C.PROJECTS_SHEET: {
                f"{letter(PROJECT_COL['issues'])}{row}": "光缆施工受阻",
                f"{letter(PROJECT_COL['name'])}{row}": "改了名字",
            },
            C.INVESTMENTS_SHEET: {f"D{inv_row}": 600},  # 2026 完成
        },
    )
    preview = preview_workbook(session, data, user=user)
    error = next(r for r in preview.rows if r.outcome == "error")
    assert error.messages == [
        f"{C.PROJECTS_SHEET}!{letter(PROJECT_COL['name'])}{row}：“项目名称”不能由本单位修改（原值：基础网络建设）"
    ]
    investment = next(r for r in preview.rows if r.sheet == C.INVESTMENTS_SHEET and r.outcome == "changed")
    assert [(c.field, c.old, c.new) for c in investment.changes] == [("completed_amount", "520.50", "600.00")]

    book = openpyxl.load_workbook(io.BytesIO(data))
    book[C.MILESTONES_SHEET].append(["1.3", None, 1, "人口基础信息数据库整合", None, None, "已完成", "越权"])
    out = io.BytesIO()
    book.save(out)
    foreign = [r for r in preview_workbook(session, out.getvalue(), user=user).rows if r.key.startswith("1.3")]
    assert [(r.outcome, r.messages) for r in foreign] == [("skipped", ["不是本单位牵头的项目，未读取"])]


def test_department_cannot_import_another_departments_workbook(session, wenzhou):
    gaj = _department(session, "市公安局")
    xxb = _department(session, "市信息办")
    user = make_user(session, Role.DEPARTMENT, department=gaj, username="gaj-user")
    session.commit()
    with pytest.raises(ImportRefused, match="不是本单位"):
        preview_workbook(session, export_bytes(session, wenzhou, xxb), user=user)
    with pytest.raises(ImportRefused, match="只能导入系统为本单位导出的填报表"):
        preview_workbook(session, export_bytes(session, wenzhou), user=user)


def test_department_round_trip_through_libreoffice_keeps_nothing_changed(session, wenzhou):
    xxb = _department(session, "市信息办")
    user = make_user(session, Role.DEPARTMENT, department=xxb, username="xxb-lo")
    session.commit()
    data = libreoffice_resave(export_bytes(session, wenzhou, xxb), "xls")
    preview = preview_workbook(session, data, user=user)
    assert preview.counts["changed"] == preview.counts["error"] == 0 and preview.counts["unchanged"] > 5


def test_an_investment_year_added_after_the_export_is_not_cleared_by_its_blank_cells(session, wenzhou, office):
    from tracker.models import Investment

    data = export_bytes(session, wenzhou)  # 1.2 has no 2027 investment yet, but the sheet has a 2027 column (1.1)
    project = session.scalar(select(Project).where(Project.plan_id == wenzhou.id, Project.code == "1.2"))
    session.add(Investment(project=project, year=2027, planned_amount=Decimal("90")))
    session.commit()
    preview = preview_workbook(session, data, user=office)
    assert preview.counts["changed"] == preview.counts["conflict"] == preview.counts["error"] == 0
    batch, _ = stage_import(session, data, "old.xlsx", office, ChangeSource.WEB)
    assert commit_import(session, batch, office) == 0
    session.commit()
    session.expire_all()
    added = session.scalar(select(Investment).where(Investment.project_id == project.id, Investment.year == 2027))
    assert added.planned_amount == Decimal("90.00")


def test_a_hidden_map_listing_one_key_twice_confirms_neither_row(session, wenzhou, office):
    """Someone pasted over the hidden sheet: 1.2's entry now carries 1.1's key. Neither row is trusted to
    the map; each is read by its own key, the edit lands on 1.1 and 1.2 stays as it is."""
    data = export_bytes(session, wenzhou)
    untouched = session.scalar(select(Project).where(Project.plan_id == wenzhou.id, Project.code == "1.2"))
    before = (untouched.progress_note, untouched.version)
    book = openpyxl.load_workbook(io.BytesIO(data))
    meta = book[C.META_SHEET]
    entries = {
        meta.cell(r, 6).value: r
        for r in range(8, meta.max_row + 1)
        if meta.cell(r, 1).value == C.PROJECTS_SHEET and meta.cell(r, 3).value == "project"
    }
    meta.cell(entries["1.2"], 6).value = "1.1"
    row = find_row(data, C.PROJECTS_SHEET, PROJECT_COL["code"], "1.1")
    book[C.PROJECTS_SHEET].cell(row, PROJECT_COL["progress_note"]).value = "交换中心已运行"
    out = io.BytesIO()
    book.save(out)
    batch, preview = stage_import(session, out.getvalue(), "x.xlsx", office, ChangeSource.WEB)
    assert preview.counts["error"] == preview.counts["conflict"] == 0 and preview.counts["changed"] == 1
    assert commit_import(session, batch, office) == 1
    session.commit()
    one, two = (
        session.scalar(select(Project).where(Project.plan_id == wenzhou.id, Project.code == code))
        for code in ("1.1", "1.2")
    )
    assert one.progress_note == "交换中心已运行" and (two.progress_note, two.version) == before


def test_a_batch_kept_before_previews_were_stored_is_read_again_and_applied(session, wenzhou, office):
    """A preview uploaded before the upgrade that keeps previews row by row has no stored rows: 确认导入
    reads its file again and applies what its page showed."""
    from sqlalchemy import delete

    from tracker.models import ImportRow

    data = export_bytes(session, wenzhou)
    row = find_row(data, C.PROJECTS_SHEET, 2, "1.2")
    data = edit(data, {C.PROJECTS_SHEET: {f"{letter(PROJECT_COL['progress_note'])}{row}": "交换中心已运行"}})
    batch, _ = stage_import(session, data, "old.xlsx", office, ChangeSource.WEB)
    session.execute(delete(ImportRow).where(ImportRow.batch_id == batch.id))
    batch.preview, batch.seen_versions = None, {}
    session.commit()
    assert commit_import(session, batch, office) == 1
    session.commit()
    project = session.scalar(select(Project).where(Project.plan_id == wenzhou.id, Project.code == "1.2"))
    assert project.progress_note == "交换中心已运行" and batch.status is ImportStatus.APPLIED
