"""The exported workbook looks the way the office's workbooks always have, and is safe to open."""
from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
from sqlalchemy import select

from tests.excel_helpers import export_bytes
from tracker.excel import columns as C
from tracker.models import Department, Project


def _book(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))


def test_plan_workbook_layout(session, wenzhou):
    book = _book(export_bytes(session, wenzhou))
    assert book.sheetnames == [C.PROJECTS_SHEET, C.MILESTONES_SHEET, C.INVESTMENTS_SHEET, C.GOALS_SHEET,
                               C.HELP_SHEET, C.META_SHEET]
    ws = book[C.PROJECTS_SHEET]
    assert ws["A1"].value == "'数字温州'建设规划纲要 项目进度表"
    assert ws["A2"].value == "单位：万元"
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert "A1:U1" in merged and "M3:P3" in merged  # 投资情况 over 总投资/年度计划/累计完成/累计完成÷总投资
    assert ws["M3"].value == "投资情况" and [ws.cell(4, c).value for c in range(13, 17)] == [
        "总投资", "年度计划投资", "累计完成投资", "累计完成÷总投资"]
    assert ws["A3"].value == "序号" and "A3:A4" in merged
    assert ws.freeze_panes == "D5"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert ws.print_title_rows == "$3:$4"
    # group rows with subtotals, then projects numbered 1, 2 …, and a 合计 row summing them
    assert ws["A5"].value == "一、" and "基础网络平台建设" in ws["C5"].value
    assert ws["M5"].value == 1550  # 1.1 (1200) + 1.2 (350)
    assert (ws["A6"].value, ws["B6"].value, ws["C6"].value) == (1, "1.1", "基础网络建设")
    assert ws["M6"].number_format == "#,##0.00" and ws["J6"].number_format == "yyyy-mm-dd"
    total_row = next(r for r in range(5, ws.max_row + 1) if ws.cell(r, 1).value == "合计")
    budgets = [ws.cell(r, 13).value for r in range(5, total_row) if isinstance(ws.cell(r, 1).value, int)]
    assert Decimal(str(ws.cell(total_row, 13).value)) == sum(Decimal(str(b)) for b in budgets if b)
    assert book[C.META_SHEET].sheet_state == "hidden"
    meta = book[C.META_SHEET]
    assert (meta["A1"].value, meta["B1"].value, meta["B3"].value) == ("format", C.FORMAT_NAME, "szwz")
    milestones = book[C.MILESTONES_SHEET]
    assert [c.value for c in milestones[2]] == [c.header for c in C.MILESTONE_COLUMNS]
    assert any(dv.formula1.startswith('"未开始,进行中') for dv in milestones.data_validations.dataValidation)
    goals = book[C.GOALS_SHEET]
    assert goals["C3"].value == "初步建设温州市基础网络平台、基础信息资源平台和基础信息应用平台"
    assert "万元" in book[C.HELP_SHEET]["A2"].value


def test_department_workbook_is_its_own_projects_with_locked_cells(session, wenzhou):
    office = session.scalar(select(Department).where(Department.short_name == "市信息办"))
    book = _book(export_bytes(session, wenzhou, office))
    ws = book[C.PROJECTS_SHEET]
    codes = [ws.cell(r, 2).value for r in range(5, ws.max_row + 1) if isinstance(ws.cell(r, 1).value, int)]
    led = session.scalars(select(Project.code).where(Project.lead_department_id == office.id)).all()
    assert sorted(codes) == sorted(led) and codes
    assert ws.protection.sheet is True
    status_col = next(i for i, c in enumerate(C.PROJECT_COLUMNS, start=1) if c.key == "status")
    name_col = next(i for i, c in enumerate(C.PROJECT_COLUMNS, start=1) if c.key == "name")
    assert ws.cell(6, status_col).protection.locked is False and ws.cell(6, status_col).fill.fgColor.rgb.endswith(
        "FFF2CC")
    assert ws.cell(6, name_col).protection.locked is True
    assert any("已完工" in dv.formula1 for dv in ws.data_validations.dataValidation)
    assert book[C.META_SHEET]["B4"].value == "温州市信息化办公室"


def test_text_that_looks_like_a_formula_stays_text(session, wenzhou):
    project = session.scalar(select(Project).where(Project.plan_id == wenzhou.id, Project.code == "1.1"))
    project.name = "=HYPERLINK(\"http://evil.example\",\"点我\")"
    project.remarks = "+86 577 8888"
    project.progress_note = "@SUM(A1:A9)"
    session.commit()
    data = export_bytes(session, wenzhou)
    book = openpyxl.load_workbook(io.BytesIO(data))
    ws = book[C.PROJECTS_SHEET]
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value[:1] in "=+@"]
    assert len(cells) == 3
    assert all(c.data_type == "s" for c in cells)
    assert all(c.quotePrefix for c in cells)
    import zipfile

    archive = zipfile.ZipFile(io.BytesIO(data))
    sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
    assert all(b"<f>" not in archive.read(n) and b"<f " not in archive.read(n) for n in sheets)


def test_export_uses_a_fixed_number_of_queries(session, wenzhou):
    from sqlalchemy import event

    from tracker.extensions import db

    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        export_bytes(session, wenzhou)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(statements) <= 12
