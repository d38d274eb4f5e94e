"""Workbooks as people write them (tests/fixtures/workbooks.py): every row ends in exactly one outcome
with its reason, every column says what it was read as, and what is applied is what was previewed."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests.excel_helpers import libreoffice_resave
from tests.fixtures import workbooks as W
from tracker.excel.reader import open_workbook
from tracker.models import Milestone, Plan, Project
from tracker.services import import_preview, imports
from tracker.services.imports import (
    OUTCOME_LABELS,
    ImportRefused,
    commit_import,
    load_preview,
    preview_page,
    preview_workbook,
    stage_import,
)
from tracker.vocab import ChangeSource, DatePrecision

FIXTURES = {
    "old_plan_table": (W.old_plan_table, W.OLD_PLAN_EXPECTED),
    "summary_by_department": (W.summary_by_department, W.SUMMARY_EXPECTED),
    "monthly_report": (W.monthly_report, W.MONTHLY_EXPECTED),
    "quarterly_report": (W.quarterly_report, W.QUARTERLY_EXPECTED),
    "header_word_in_first_row": (W.header_word_in_first_row, W.HEADER_WORD_EXPECTED),
    "milestone_dates_every_way": (W.milestone_dates_every_way, W.DATES_EXPECTED),
    "funding_sources": (W.funding_sources, W.FUNDING_EXPECTED),
    "milestones_before_their_projects": (W.milestones_before_their_projects, W.MILESTONES_FIRST_EXPECTED),
}


def _project(session, plan, code) -> Project:
    return session.scalar(select(Project).where(Project.plan_id == plan.id, Project.code == code))


def _non_blank_rows(data: bytes, sheets: set[str]) -> int:
    book = open_workbook(data)
    return sum(1 for name in sheets for row in book.sheets[name] if any(v not in (None, "") for v in row))


def _check(preview, expected: dict, data: bytes) -> None:
    """`expected`: row number (a one-sheet workbook) or (sheet, row number) → (outcome, words said)."""
    by_sheet = any(isinstance(key, tuple) for key in expected)
    by_row = {((r.sheet, r.row) if by_sheet else r.row): r for r in preview.rows}
    for number, (outcome, hint) in expected.items():
        result = by_row[number]
        said = " ".join(result.messages + [result.key])
        assert result.outcome == outcome, (number, result.outcome, result.messages)
        assert hint in said, (number, hint, said)
    # A: every non-blank row of every sheet read ends in exactly one outcome.
    read = {r.sheet for r in preview.rows}
    assert len(preview.rows) == _non_blank_rows(data, read) == len(by_row)
    assert set(expected) == set(by_row), sorted(set(by_row) - set(expected))
    # A: every sheet and every non-empty column gets one line.
    assert all("读作" in line or "未导入" in line for line in preview.sheets)
    assert all(lines for lines in preview.columns.values())


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_fixture_rows_end_as_expected(session, wenzhou, office, name):
    build, expected = FIXTURES[name]
    data = build()
    preview = preview_workbook(session, data, user=office, plan_code="szwz", today=dt.date(2026, 11, 26))
    _check(preview, expected, data)


def _shown(rows) -> list[tuple]:
    return [
        (
            r.sheet,
            r.row,
            r.outcome,
            r.key,
            r.messages,
            r.hints,
            r.entity,
            r.entity_id,
            [(c.field, c.label, c.old, c.new, c.cell) for c in r.changes],
        )
        for r in rows
    ]


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_a_kept_preview_reads_back_as_it_was_shown(session, wenzhou, office, name, monkeypatch):
    """The preview kept row by row (import_rows) as its rows are made — here two rows matched and
    three stored at a time — is the one a preview made whole in memory shows: every row of a clerk's
    workbook, with its outcome, messages and changes; each page holds its share, in the file's order."""
    build, _expected = FIXTURES[name]
    data = build()
    shown = preview_workbook(session, data, user=office, plan_code="szwz", filename=f"{name}.xlsx")
    monkeypatch.setattr(import_preview, "CHUNK", 2)
    monkeypatch.setattr(imports, "STORE_CHUNK", 3)
    batch, staged = stage_import(session, data, f"{name}.xlsx", office, ChangeSource.WEB, "szwz")
    assert staged.counts == shown.counts
    session.commit()
    kept = load_preview(session, batch)
    assert kept.counts == shown.counts and kept.blocked == shown.blocked
    assert _shown(kept.rows) == _shown(shown.rows)
    assert (kept.notes, kept.sheets, kept.columns) == (shown.notes, shown.sheets, shown.columns)
    pages = [preview_page(session, batch, show="all", page=n, per_page=4)[0].rows for n in range(1, 100)]
    assert _shown(row for page in pages for row in page) == _shown(shown.rows)
    problems, total = preview_page(session, batch, show="", page=1, per_page=500)
    changed_or_wrong = [r for r in shown.rows if r.outcome not in ("unchanged", "skipped")]
    assert total == len(changed_or_wrong) and _shown(problems.rows) == _shown(changed_or_wrong)


def test_old_plan_table_reads_every_column_and_commits_new_projects_with_their_money(session, wenzhou, office):
    data = W.old_plan_table()
    batch, preview = stage_import(session, data, "2027计划.xlsx", office, ChangeSource.WEB, "szwz")
    preview = load_preview(session, batch)  # as the page shows it, from the stored rows
    columns = preview.columns["2027年计划"]
    assert "A列“序号”：读作“序号（用于识别分组、合计行）”" in columns
    assert "E列“建设起止年限”：读作“建设起止年限（计划开始、计划完成）”" in columns
    assert "G列“2027年计划投资”：读作“2027年计划投资”" in columns
    by_row = {r.row: r for r in preview.rows}
    assert {(c.field, c.new) for c in by_row[7].changes} >= {
        ("content", "扩容流量统计与计费系统"),
        ("planned_start_on", "2026年"),
        ("planned_end_on", "2027年"),
        ("planned_amount", "200.00"),
        ("cooperators", "温州市发展计划委员会"),  # 市计委 typed under 配合单位, where it had none
    }
    assert [(c.field, c.new) for c in by_row[10].changes] == [("remarks", "与医保同步推进")]  # 社保局 = 温州市社保局
    assert any("新增-1" in h for h in by_row[11].hints)
    assert "cooperators" not in {c.field for c in by_row[11].changes}  # a blank 配合单位 is no change to show
    session.commit()
    assert commit_import(session, batch, office) == 4
    session.commit()
    session.expire_all()
    parking = session.scalar(select(Project).where(Project.plan_id == wenzhou.id, Project.name == "智慧停车诱导系统"))
    assert parking.code == "新增-1" and parking.lead_department.short_name == "市公安局"
    assert (parking.planned_start_on, parking.planned_start_precision) == (dt.date(2027, 3, 1), DatePrecision.MONTH)
    assert (parking.planned_end_on, parking.planned_end_precision) == (dt.date(2027, 12, 31), DatePrecision.MONTH)
    assert parking.total_budget == Decimal("300.00")
    assert [(i.year, i.planned_amount) for i in parking.investments] == [(2027, Decimal("300.00"))]
    named_total = session.scalar(select(Project).where(Project.name == "统计数据合计平台"))
    assert named_total is not None and named_total.code == "新增-2"  # a name with 合计 is a project, not a total
    exchange = _project(session, wenzhou, "1.2")
    assert 2027 in {i.year for i in exchange.investments}
    assert exchange.planned_start_precision is DatePrecision.YEAR
    assert [d.name for d in exchange.cooperators] == ["温州市发展计划委员会"]
    batch_after = preview_workbook(session, data, user=office, plan_code="szwz")  # the same file again
    assert batch_after.counts["new"] == 0 and batch_after.counts["changed"] == 0


def test_merged_department_cell_belongs_to_every_row_it_spans(session, wenzhou, office):
    preview = preview_workbook(session, W.summary_by_department(), user=office, plan_code="szwz")
    by_row = {r.row: r for r in preview.rows}
    second = by_row[8]
    assert second.key == "1.2"
    assert not any(c.field == "lead_department_id" for c in second.changes)  # never cleared by the merge
    assert {(c.field, c.new) for c in second.changes} == {
        ("progress_note", "选址完成，计费系统招标中"),
        ("issues", "资金未到位"),
    }


def test_amounts_in_yuan_are_converted_and_said(session, wenzhou, office):
    preview = preview_workbook(session, W.application_form_in_yuan(), user=office, plan_code="szwz")
    by_row = {r.row: r for r in preview.rows}
    new = by_row[4]
    assert new.outcome == "new"
    values = {c.field: c.new for c in new.changes}
    assert values["total_budget"] == "2500.00" and values["planned_amount"] == "800.00"
    assert by_row[5].outcome == "unchanged" and by_row[5].key == "1.1"  # 12,000,000 元 = 1200 万元; 400 万元
    assert by_row[6].outcome == "error"
    assert by_row[6].messages == ["申报表!D6：金额“1234567”换算为 123.4567 万元后超过两位小数（单位：万元）"]
    assert any("按元读入，已换算为万元" in line for line in preview.columns["申报表"])
    assert any("单位：元" in note for note in preview.notes)


def test_period_columns_are_listed_and_never_misread(session, wenzhou, office):
    preview = preview_workbook(session, W.monthly_report(), user=office, plan_code="szwz")
    columns = preview.columns["10月"]
    for header in ("9月形象进度", "10月实际完成投资", "1-10月累计完成投资"):
        assert any(f"“{header}”：未导入（月报/季报数据" in line for line in columns), header
    by_row = {r.row: r for r in preview.rows}
    assert [(c.field, c.new) for c in by_row[5].changes] == [("issues", "出口扩容设备到货延迟")]
    quarterly = preview_workbook(session, W.quarterly_report(), user=office, plan_code="szwz")
    row = next(r for r in quarterly.rows if r.row == 4)
    assert [(c.field, c.new) for c in row.changes] == [("remarks", "四季度完成三网融合试点准备")]
    assert sum("未导入（月报/季报数据" in line for line in quarterly.columns["季报"]) == 8


def test_data_without_a_header_is_said_not_imported(session, wenzhou, office):
    preview = preview_workbook(session, W.header_word_in_first_row(), user=office, plan_code="szwz")
    assert "F列（无表头）：未导入（没有表头，无法判断是什么数据）" in preview.columns["进展"]


def test_dates_are_read_with_their_precision_and_words_are_refused(session, wenzhou, office):
    data = W.milestone_dates_every_way()
    preview = preview_workbook(session, data, user=office, plan_code="szwz", today=dt.date(2026, 11, 26))
    by_row = {r.row: r for r in preview.rows}
    assert by_row[5].messages == ["节点!E5：无法识别的日期“完成”，请写成 2007-06-30、2007年6月、2007.6 或 2007年"]
    assert by_row[6].messages == ["节点!D6：无法识别的日期“17”：数字只在表示年份（如 2026）或 Excel 日期时可用"]
    assert {(c.field, c.new) for c in by_row[4].changes} >= {("planned_on", "2027年"), ("name", "光缆普查")}
    batch, _ = stage_import(session, data, "节点.xlsx", office, ChangeSource.WEB, "szwz")
    session.commit()
    commit_import(session, batch, office, valid_only=True)
    session.commit()
    project = _project(session, wenzhou, "1.1")
    added = {m.name: m for m in session.scalars(select(Milestone).where(Milestone.project_id == project.id))}
    survey, second = added["光缆普查"], added["三网融合二期"]
    assert (survey.planned_on, survey.planned_precision, survey.ordinal) == (
        dt.date(2027, 12, 31),
        DatePrecision.YEAR,
        5,
    )
    assert (second.planned_on, second.planned_precision, second.ordinal) == (
        dt.date(2007, 6, 30),
        DatePrecision.MONTH,
        6,
    )


def test_totals_typed_as_sum_formulas_are_read_once_saved_by_a_spreadsheet(session, wenzhou, office):
    """小计 and 合计 as =SUM formulas: refused (naming the first cell) while nothing has computed them, read
    exactly like the typed totals once LibreOffice (as Excel or WPS would) has saved the file."""
    data = W.summary_with_sum_formulas()
    with pytest.raises(ImportRefused, match=r"汇总!D5 等单元格含公式但没有计算结果"):
        preview_workbook(session, data, user=office, plan_code="szwz")
    computed = libreoffice_resave(data, "xlsx")
    preview = preview_workbook(session, computed, user=office, plan_code="szwz", today=dt.date(2026, 11, 26))
    _check(preview, W.SUMMARY_EXPECTED, computed)


@pytest.mark.parametrize("target", ["xls", "ods"])
def test_libreoffice_copies_of_a_clerks_workbook_read_the_same(session, wenzhou, office, target):
    data = W.old_plan_table()
    resaved = libreoffice_resave(data, target)
    original = preview_workbook(session, data, user=office, plan_code="szwz")
    copy = preview_workbook(session, resaved, user=office, plan_code="szwz")
    assert [(r.row, r.outcome, [c.field for c in r.changes]) for r in copy.rows] == [
        (r.row, r.outcome, [c.field for c in r.changes]) for r in original.rows
    ]


def test_outcome_labels_cover_every_outcome():
    assert set(OUTCOME_LABELS) == {"new", "changed", "unchanged", "error", "conflict", "skipped"}


def test_reshaped_reply_matches_rows_by_their_own_keys(session, wenzhou, office):
    from tests.excel_helpers import export_bytes

    project = _project(session, wenzhou, "1.1")
    before = {m.ordinal: (m.name, m.planned_on, m.status) for m in project.milestones}
    data = W.reshaped_reply(export_bytes(session, wenzhou))
    batch, preview = stage_import(session, data, "回复.xlsx", office, ChangeSource.WEB)
    preview = load_preview(session, batch)  # as the page shows it, from the stored rows
    session.commit()
    rows = [r for r in preview.rows if r.sheet == "里程碑" and r.outcome not in ("skipped",)]
    by_outcome = {}
    for r in rows:
        by_outcome.setdefault(r.outcome, []).append(r)
    assert [r.key for r in by_outcome["new"]] == ["1.1 第?项 光缆迁改"]
    assert [(r.key, {c.field for c in r.changes}) for r in by_outcome["changed"]] == [
        ("1.1 第3项 城市出口带宽扩容至10G", {"status", "actual_on"})
    ]
    assert "error" not in by_outcome and "conflict" not in by_outcome
    # A deleted row deletes nothing: 1.2's first milestone is simply not in the file.
    assert commit_import(session, batch, office) == 2
    session.commit()
    session.expire_all()
    after = {m.ordinal: (m.name, m.planned_on, m.status) for m in _project(session, wenzhou, "1.1").milestones}
    assert {k: v[0] for k, v in after.items()} == {**{k: v[0] for k, v in before.items()}, 5: "光缆迁改"}
    assert after[5][1] == dt.date(2027, 3, 31)
    assert all(after[k][1] == before[k][1] for k in before)  # no neighbour's date moved onto another row
    assert len(_project(session, wenzhou, "1.2").milestones) == 2


def test_two_rows_claiming_one_milestone_are_both_errors(session, wenzhou, office, monkeypatch):
    from tests.excel_helpers import export_bytes

    data = W.duplicate_ordinal_reply(export_bytes(session, wenzhou))
    preview = preview_workbook(session, data, user=office)
    errors = [r for r in preview.rows if r.outcome == "error"]
    assert len(errors) == 2
    assert all("指向同一条记录" in " ".join(r.messages) for r in errors)
    assert {r.key for r in errors} == {"1.1 第2项 市级单位千兆光纤接入", "1.1 第2项 新增的节点"}
    # Stored one row at a time, the first of the two is written before the second is read: it is
    # rewritten as an error once both are known, and the counts say so.
    monkeypatch.setattr(import_preview, "CHUNK", 1)
    monkeypatch.setattr(imports, "STORE_CHUNK", 1)
    batch, staged = stage_import(session, data, "回复.xlsx", office, ChangeSource.WEB)
    assert staged.counts == preview.counts and staged.counts["error"] == 2
    kept = load_preview(session, batch)
    assert [(r.ref, r.outcome, r.messages) for r in kept.rows if r.outcome == "error"] == [
        (r.ref, r.outcome, r.messages) for r in errors
    ]


def test_rows_pasted_whole_are_both_errors_however_the_rows_fall_into_chunks(session, wenzhou, office, monkeypatch):
    """A clerk copies exported rows whole: each copy is exactly as exported, so both it and its original
    pass the hidden map's check. Both rows of each pair are errors — read in one chunk (both confirmed by
    the map), one row at a time (the original's entry let go of: the copy is read by its own key), and
    with the map's shortcut off — and every other row is unchanged."""
    from unittest.mock import patch

    from tests.excel_helpers import export_bytes

    data = W.pasted_rows_reply(export_bytes(session, wenzhou))

    def outcomes(preview) -> list[tuple]:
        return [(r.row, r.outcome, r.key, r.messages) for r in preview.rows if r.sheet == "里程碑"]

    whole = preview_workbook(session, data, user=office)
    errors = [(key, messages) for _row, outcome, key, messages in outcomes(whole) if outcome == "error"]
    assert sorted(key for key, _messages in errors) == sorted(
        2 * [_milestone_key(session, wenzhou, "1.1", 3)] + 2 * [_milestone_key(session, wenzhou, "1.2", 1)]
    )
    assert all(len(messages) == 1 and "指向同一条记录" in messages[0] for _key, messages in errors)
    assert {outcome for _row, outcome, _key, _messages in outcomes(whole)} == {"skipped", "unchanged", "error"}
    with patch("tracker.excel.sheets._as_exported", return_value=None):
        assert outcomes(preview_workbook(session, data, user=office)) == outcomes(whole)
    monkeypatch.setattr(import_preview, "CHUNK", 1)
    monkeypatch.setattr(imports, "STORE_CHUNK", 1)
    batch, staged = stage_import(session, data, "回复.xlsx", office, ChangeSource.WEB)
    assert staged.counts == whole.counts and staged.counts["error"] == 4
    assert outcomes(load_preview(session, batch)) == outcomes(whole)


def _milestone_key(session, plan, code: str, ordinal: int) -> str:
    milestone = next(m for m in _project(session, plan, code).milestones if m.ordinal == ordinal)
    return f"{code} 第{ordinal}项 {milestone.name}"


@pytest.mark.parametrize("noted", [True, False], ids=["creations-noted", "batch-kept-before-they-were-noted"])
def test_a_sheet_of_milestones_before_the_sheet_creating_their_projects_waits_for_it(
    session, wenzhou, office, monkeypatch, noted
):
    """Sheets are read one at a time, projects first: the 节点计划 sheet, placed before the 项目 sheet that
    creates its projects, waits for it, is shown in its own place, and commits with its merged cells —
    applied as read back two rows at a time, the milestones before the rows creating their projects."""
    monkeypatch.setattr(import_preview, "CHUNK", 2)
    monkeypatch.setattr(imports, "STORE_CHUNK", 2)
    data = W.milestones_before_their_projects()
    batch, _staged = stage_import(session, data, "节点计划.xlsx", office, ChangeSource.WEB, "szwz")
    preview = load_preview(session, batch)
    assert [(r.sheet, r.row, r.outcome) for r in preview.rows] == [
        ("节点计划", 1, "skipped"),
        ("节点计划", 2, "skipped"),
        ("节点计划", 3, "new"),
        ("节点计划", 4, "new"),
        ("节点计划", 6, "new"),
        ("节点计划", 7, "skipped"),
        ("项目", 1, "skipped"),
        ("项目", 2, "new"),
        ("项目", 3, "new"),
    ]
    assert preview.sheets == ["工作表“节点计划”：读作里程碑（3 行数据）", "工作表“项目”：读作项目（2 行数据）"]
    # Noted as the rows were stored: the two 项目 rows are all the first pass of 确认导入 reads. A batch
    # kept before they were noted finds them by reading every row, with the same result.
    project_rows = [r.position for r in preview.rows if r.sheet == "项目" and r.outcome == "new"]
    assert batch.creations["creating"] == project_rows and len(project_rows) == 2
    if not noted:
        batch.creations = None
    assert commit_import(session, batch, office) == 5
    session.commit()
    session.expire_all()
    brain = session.scalar(select(Project).where(Project.plan_id == wenzhou.id, Project.name == "城市大脑一期"))
    assert brain.lead_department.name == "温州市信息化办公室"  # 市信息办, as the clerk wrote it
    assert brain.total_budget == Decimal("5000.00")
    assert [(m.ordinal, m.name, m.planned_on, m.planned_precision) for m in brain.milestones] == [
        (1, "可研批复", dt.date(2027, 3, 31), DatePrecision.MONTH),
        (2, "招标完成", dt.date(2027, 6, 30), DatePrecision.MONTH),
    ]
    cloud = session.scalar(select(Project).where(Project.plan_id == wenzhou.id, Project.name == "政务云扩容"))
    assert [(m.ordinal, m.name, m.planned_on) for m in cloud.milestones] == [(1, "扩容上线", dt.date(2027, 12, 31))]


def test_new_projects_and_their_milestones_commit_from_one_file(session, wenzhou, office):
    data = W.new_projects_with_their_milestones()
    batch, preview = stage_import(session, data, "新项目.xlsx", office, ChangeSource.WEB, "szwz")
    preview = load_preview(session, batch)  # as the page shows it, from the stored rows
    session.commit()
    outcomes = {(r.sheet, r.row): r.outcome for r in preview.rows}
    assert outcomes == {
        ("项目", 1): "skipped",
        ("项目", 2): "new",
        ("项目", 3): "new",
        ("节点", 1): "skipped",
        ("节点", 2): "new",
        ("节点", 3): "new",
        ("节点", 4): "new",
        ("节点", 5): "error",
    }
    unknown = next(r for r in preview.rows if r.outcome == "error")
    assert unknown.messages[0].startswith("节点!A5：系统中没有项目编号“3.3”")
    assert commit_import(session, batch, office, valid_only=True) == 5
    session.commit()
    session.expire_all()
    brain = _project(session, wenzhou, "3.1")
    assert [(m.ordinal, m.name, m.planned_on, m.planned_precision) for m in brain.milestones] == [
        (1, "可研批复", dt.date(2027, 3, 31), DatePrecision.MONTH),
        (2, "招标完成", dt.date(2027, 6, 30), DatePrecision.MONTH),
    ]
    assert [(i.year, i.planned_amount) for i in brain.investments] == [(2027, Decimal("2000.00"))]
    cloud = _project(session, wenzhou, "3.2")
    assert cloud.total_budget == Decimal("1200.00")
    assert (cloud.planned_start_on, cloud.planned_end_on) == (dt.date(2027, 1, 1), dt.date(2027, 12, 31))
    assert [(m.name, m.planned_on) for m in cloud.milestones] == [("扩容上线", dt.date(2027, 12, 31))]


def test_department_names_resolve_within_the_plans_region(session, office):
    from tracker.services.seeding import seed

    seed(session, ["szwz", "wl115"], demo=True)
    session.commit()
    wl = session.scalar(select(Plan).where(Plan.code == "wl115"))
    project = session.scalar(select(Project).where(Project.plan_id == wl.id).order_by(Project.id))
    book = __import__("openpyxl").Workbook()
    ws = book.active
    ws.append(["项目编号", "项目名称", "责任单位"])
    ws.append([project.code, project.name, "市财政局"])  # 温州 has a 市财政局 too: in 温岭's plan it is 温岭市财政局
    import io

    out = io.BytesIO()
    book.save(out)
    preview = preview_workbook(session, out.getvalue(), user=office, plan_code="wl115")
    row = next(r for r in preview.rows if r.row == 2)
    assert [(c.field, c.new) for c in row.changes] == [("lead_department_id", "温岭市财政局")]


def test_cli_prints_counts_and_the_first_twenty_problems(runner, session, wenzhou, tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["项目编号", "里程碑", "计划完成日期"])
    for n in range(30):
        ws.append(["1.1", f"节点{n}", "某天"])
    path = tmp_path / "坏.xlsx"
    book.save(path)
    result = runner.invoke(args=["import-xlsx", str(path), "--plan", "szwz", "--dry-run"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines[0] == "新增 0、修改 0、未变 0、错误 30、冲突 0、跳过 1"
    assert [line.split()[1] for line in lines if line.startswith("  [错误]")] == [f"Sheet!{n}" for n in range(2, 22)]
    assert lines[-1] == "  另有 10 条，见 --report-json"


def test_a_dry_run_counts_two_rows_for_one_record_as_errors(runner, session, wenzhou, tmp_path, monkeypatch):
    """A dry run keeps one byte per row: the first of two rows for one milestone, counted unchanged
    before the second is read, is counted and printed as an error once both are known."""
    from tests.excel_helpers import export_bytes

    path = tmp_path / "回复.xlsx"
    path.write_bytes(W.duplicate_ordinal_reply(export_bytes(session, wenzhou)))
    monkeypatch.setattr(import_preview, "CHUNK", 1)
    result = runner.invoke(args=["import-xlsx", str(path), "--dry-run"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert "、错误 2、" in lines[0]
    errors = [line for line in lines if line.startswith("  [错误]")]
    assert len(errors) == 2 and all("第 4 行、第 5 行指向同一条记录" in line for line in errors), errors


def test_rows_of_a_new_project_in_error_wait_with_it(session, wenzhou, office):
    import io

    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(W.new_projects_with_their_milestones()))
    book["项目"]["D3"] = "很多"  # 3.2's 总投资 cannot be read: 3.2 is not created …
    out = io.BytesIO()
    book.save(out)
    batch, preview = stage_import(session, out.getvalue(), "新项目.xlsx", office, ChangeSource.WEB, "szwz")
    preview = load_preview(session, batch)  # as the page shows it, from the stored rows
    session.commit()
    waiting = next(r for r in preview.rows if r.sheet == "节点" and r.row == 4)
    assert waiting.outcome == "error"  # … so neither is its milestone, and the preview says why
    assert waiting.messages[-1] == "节点!4：所属的新项目（项目 第 3 行）有错误，请先修正那一行"
    assert commit_import(session, batch, office, valid_only=True) == 3  # 3.1 and its two milestones
    session.commit()
    assert _project(session, wenzhou, "3.2") is None and _project(session, wenzhou, "3.1") is not None


def test_a_blank_序号_comes_after_every_existing_and_given_one_however_the_rows_are_applied(
    session, wenzhou, office, monkeypatch
):
    """A clerk adds two milestones to 1.1: the first without a 序号, the second numbered two past the last.
    Applied one row at a time, the numbered one keeps its number and the blank one comes after it."""
    import openpyxl

    last = max(m.ordinal for m in _project(session, wenzhou, "1.1").milestones)
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "节点"
    ws.append(["项目编号", "序号", "里程碑", "计划完成日期"])
    ws.append(["1.1", None, "新增节点甲", "2027年3月"])
    ws.append(["1.1", last + 2, "新增节点乙", "2027年6月"])
    out = io.BytesIO()
    book.save(out)
    monkeypatch.setattr(imports, "STORE_CHUNK", 1)
    batch, preview = stage_import(session, out.getvalue(), "节点.xlsx", office, ChangeSource.WEB, "szwz")
    assert preview.counts["new"] == 2 and not preview.blocked
    assert commit_import(session, batch, office) == 2
    session.commit()
    session.expire_all()
    added = {m.name: m.ordinal for m in _project(session, wenzhou, "1.1").milestones if m.name.startswith("新增节点")}
    assert added == {"新增节点乙": last + 2, "新增节点甲": last + 3}


def test_only_the_valid_rows_apply_when_two_rows_create_one_project(session, wenzhou, office, monkeypatch):
    """Two rows create project 9.1 (both errors once both are read); 9.2 is fine. 只导入无误的行 creates
    9.2 alone, whatever the size of the chunks the rows are applied in."""
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "新项目"
    ws.append(["项目编号", "项目名称", "责任单位", "总投资"])
    ws.append(["9.1", "重复的新项目", "市信息办", 100])
    ws.append(["9.1", "重复的新项目", "市信息办", 100])
    ws.append(["9.2", "另一个新项目", "市信息办", 200])
    out = io.BytesIO()
    book.save(out)
    monkeypatch.setattr(imports, "STORE_CHUNK", 1)
    batch, preview = stage_import(session, out.getvalue(), "新项目.xlsx", office, ChangeSource.WEB, "szwz")
    assert (preview.counts["error"], preview.counts["new"]) == (2, 1)
    assert commit_import(session, batch, office, valid_only=True) == 1
    session.commit()
    assert _project(session, wenzhou, "9.1") is None
    assert _project(session, wenzhou, "9.2").total_budget == Decimal("200.00")
