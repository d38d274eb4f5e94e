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
    assert book.sheetnames == [
        C.PROJECTS_SHEET,
        C.MILESTONES_SHEET,
        C.INVESTMENTS_SHEET,
        C.FUNDINGS_SHEET,
        C.GOALS_SHEET,
        C.EVENTS_SHEET,
        C.HELP_SHEET,
        C.META_SHEET,
    ]
    ws = book[C.PROJECTS_SHEET]
    assert ws["A1"].value == "'数字温州'建设规划纲要 项目进度表"
    assert ws["A2"].value == "单位：万元"
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert "A1:W1" in merged and "O3:R3" in merged  # 投资情况 over 总投资/年度计划/累计完成/累计完成÷总投资
    assert ws["O3"].value == "投资情况" and [ws.cell(4, c).value for c in range(15, 19)] == [
        "总投资",
        "年度计划投资",
        "累计完成投资",
        "累计完成÷总投资",
    ]
    assert ws["A3"].value == "序号" and "A3:A4" in merged
    assert ws.freeze_panes == "D5"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert ws.print_title_rows == "$3:$4"
    # group rows with subtotals, then projects numbered 1, 2 …, and a 合计 row summing them
    assert ws["A5"].value == "一、" and "基础网络平台建设" in ws["C5"].value
    assert ws["O5"].value == 1550  # 1.1 (1200) + 1.2 (350)
    assert (ws["A6"].value, ws["B6"].value, ws["C6"].value) == (1, "1.1", "基础网络建设")
    assert ws["O6"].number_format == "#,##0.00" and ws["L6"].number_format == "yyyy-mm-dd"
    total_row = next(r for r in range(5, ws.max_row + 1) if ws.cell(r, 1).value == "合计")
    budgets = [ws.cell(r, 15).value for r in range(5, total_row) if isinstance(ws.cell(r, 1).value, int)]
    assert Decimal(str(ws.cell(total_row, 15).value)) == sum(Decimal(str(b)) for b in budgets if b)
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
        "FFF2CC"
    )
    assert ws.cell(6, name_col).protection.locked is True
    assert any("已完工" in dv.formula1 for dv in ws.data_validations.dataValidation)
    assert book[C.META_SHEET]["B4"].value == "温州市信息化办公室"


def test_text_that_looks_like_a_formula_stays_text(session, wenzhou):
    project = session.scalar(select(Project).where(Project.plan_id == wenzhou.id, Project.code == "1.1"))
    project.name = '=HYPERLINK("http://evil.example","点我")'
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


def test_a_large_export_is_written_by_a_niced_process_of_its_own_with_the_same_cells(database_url, tmp_path):
    """What the web asks of tracker.excel.export_job for a plan past EXPORT_OWN_PROCESS_PROJECTS: the same
    workbook as written in the worker (its own database, committed: the job has its own connection)."""
    import os
    import subprocess
    import sys

    from openpyxl import load_workbook
    from sqlalchemy.orm import Session

    from tests.conftest import scratch_database
    from tracker import migrate
    from tracker.excel.export import ExportScope, export_workbook
    from tracker.extensions import make_engine
    from tracker.models import Plan, set_change_context
    from tracker.services.seeding import seed
    from tracker.vocab import ChangeSource

    with scratch_database(database_url, tmp_path, "export_job") as url:
        migrate.upgrade(url)
        engine = make_engine(url)
        with Session(engine) as session:
            set_change_context(session, ChangeSource.CLI)
            seed(session, ["szwz"], demo=True)
            session.commit()
            plan = session.scalar(select(Plan).where(Plan.code == "szwz"))
            in_worker = io.BytesIO()
            export_workbook(session, ExportScope(plan), in_worker)
        engine.dispose()
        output = tmp_path / "job.xlsx"
        subprocess.run(
            [sys.executable, "-m", "tracker.excel.export_job", str(plan.id), str(output)],
            env={**os.environ, "TRACKER_DATABASE_URL": url},
            check=True,
            timeout=120,
        )
        missing = subprocess.run(
            [sys.executable, "-m", "tracker.excel.export_job", "999999", str(output) + "x"],
            env={**os.environ, "TRACKER_DATABASE_URL": url},
            capture_output=True,
            timeout=120,
        )
        assert missing.returncode == 2 and "不存在" in missing.stderr.decode()

    def cells(data):
        book = load_workbook(data)
        return {
            ws.title: [[v for v in row] for row in ws.iter_rows(values_only=True) if row[0] != "exported_at"]
            for ws in book.worksheets
        }

    from_job, from_worker = cells(output), cells(in_worker)
    assert from_job == from_worker and sum(len(rows) for rows in from_job.values()) > 100


def test_the_web_hands_a_plan_past_the_limit_to_the_export_process(app, session, login, wenzhou, monkeypatch):
    from tests.conftest import PASSWORD
    from tests.factories import make_user
    from tracker.vocab import Role
    from tracker.web import downloads

    asked = []
    monkeypatch.setattr(
        downloads,
        "workbook_from_own_process",
        lambda plan_id, department_id: asked.append((plan_id, department_id)) or b"PK-from-the-job",
    )
    client = login(make_user(session, Role.OFFICE, password=PASSWORD))
    monkeypatch.setitem(app.config, "EXPORT_OWN_PROCESS_PROJECTS", 5)
    response = client.get(f"/plans/{wenzhou.id}/export.xlsx")
    assert response.status_code == 200 and response.data == b"PK-from-the-job" and asked == [(wenzhou.id, None)]
    monkeypatch.setitem(app.config, "EXPORT_OWN_PROCESS_PROJECTS", 2000)  # a city's plan: in the worker
    response = client.get(f"/plans/{wenzhou.id}/export.xlsx")
    assert response.data[:2] == b"PK" and response.data != b"PK-from-the-job" and len(asked) == 1


def test_the_writer_keeps_every_value_as_it_was_given():
    """tracker.excel.xlsx writes its own XML: what Excel, openpyxl and calamine read back is the value
    itself — spaces kept, exact amounts, dates as dates, text never a formula; a character XML cannot
    carry is left out rather than breaking the file."""
    import datetime as dt

    import python_calamine

    from tracker.excel.xlsx import Look, Styled, XlsxWriter

    out = io.BytesIO()
    book = XlsxWriter(out)
    sheet = book.add_sheet("表 '一'", [12, 30], freeze="B2", print_rows=(1, 1), fit_to_width=True)
    money = book.style(Look(number_format="#,##0.00", border=True))
    day = book.style(Look(number_format="yyyy-mm-dd", unlocked=True, fill="FFF2CC"))
    sheet.append(["  前后有空格 ", "a\x01b<&>", 7, None, Styled(None, money)])
    sheet.append([Styled(Decimal("1234.50"), money), Styled(dt.date(2026, 2, 28), day), Decimal("0.10"), True])
    sheet.merge("A3:B3")
    sheet.append(["合并"])
    sheet.list_validation("D1:D9", ["未开工", "在建"], "状态", "请选择")
    sheet.protect()
    book.add_sheet("宽表").append(list(range(300)))  # wider than the letters prepared (a plan of many years)
    book.add_sheet("_hidden", hidden=True).append(["k", 1])
    book.save()
    data = out.getvalue()

    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["表 '一'"]
    assert [c.value for c in ws[1]][:3] == ["  前后有空格 ", "ab<&>", 7]
    assert ws["A2"].value == 1234.5
    assert ws["A2"].number_format == "#,##0.00" and ws["A2"].border.left.style == "thin"
    assert ws["B2"].value == dt.datetime(2026, 2, 28) and ws["B2"].is_date
    assert ws["B2"].protection.locked is False and ws["B2"].fill.fgColor.rgb.endswith("FFF2CC")
    assert ws["C2"].value == 0.1 and ws["D2"].value is True
    assert ws.freeze_panes == "B2" and ws.print_title_rows == "$1:$1" and "A3:B3" in ws.merged_cells
    assert ws.protection.sheet is True and ws.data_validations.dataValidation[0].formula1 == '"未开工,在建"'
    assert wb["_hidden"].sheet_state == "hidden"

    calamine = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    rows = calamine.get_sheet_by_name("表 '一'").to_python()
    assert rows[0][:3] == ["  前后有空格 ", "ab<&>", 7.0]
    assert rows[1][:3] == [1234.5, dt.date(2026, 2, 28), 0.1]
    assert calamine.get_sheet_by_name("宽表").to_python()[0] == [float(n) for n in range(300)]
    assert wb["宽表"].cell(1, 300).value == 299 and wb["宽表"].cell(1, 300).column_letter == "KN"
