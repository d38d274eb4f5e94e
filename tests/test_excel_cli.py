"""The command-line twins: export-xlsx and import-xlsx with --dry-run, --user and --report-json."""

from __future__ import annotations

import json
from pathlib import Path

from openpyxl.utils import get_column_letter
from sqlalchemy import func, select

from tests.excel_helpers import edit, find_row
from tracker.excel import columns as C
from tracker.models import ImportBatch, Plan, Project
from tracker.services.seeding import seed

STATUS = next(i for i, c in enumerate(C.PROJECT_COLUMNS, start=1) if c.key == "status")


def _exported(runner, session, tmp_path) -> Path:
    """The 数字温州 demo plan, seeded and exported with `export-xlsx`."""
    seed(session, ["szwz"], demo=True)
    session.commit()
    book = tmp_path / "szwz.xlsx"
    result = runner.invoke(args=["export-xlsx", "--plan", "szwz", "-o", str(book)])
    assert result.exit_code == 0, result.output
    return book


def _with_status(book: Path, code: str, status: str) -> None:
    """The project's 状态 cell typed over, as a department would."""
    row = find_row(book.read_bytes(), C.PROJECTS_SHEET, 2, code)
    book.write_bytes(edit(book.read_bytes(), {C.PROJECTS_SHEET: {f"{get_column_letter(STATUS)}{row}": status}}))


def test_export_then_dry_run_then_import(runner, session, tmp_path):
    book = _exported(runner, session, tmp_path)
    report = tmp_path / "report.json"
    dry = runner.invoke(args=["import-xlsx", str(book), "--dry-run", "--report-json", str(report)])
    assert dry.exit_code == 0, dry.output
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["counts"]["changed"] == 0 and data["applied"] is False
    assert {"sheet", "row", "outcome", "messages", "changes"} <= set(data["rows"][0])

    row = find_row(book.read_bytes(), C.PROJECTS_SHEET, 2, "2.8")
    _with_status(book, "2.8", "暂缓")
    applied = runner.invoke(args=["import-xlsx", str(book), "--user", "office", "--report-json", str(report)])
    assert applied.exit_code == 0, applied.output
    data = json.loads(report.read_text(encoding="utf-8"))
    change = next(r for r in data["rows"] if r["outcome"] == "changed")
    assert change["changes"] == [
        {
            "field": "status",
            "label": "状态",
            "old": "已完工",
            "new": "暂缓",
            "cell": f"{C.PROJECTS_SHEET}!{get_column_letter(STATUS)}{row}",
        }
    ]
    assert change["applied"] is True and data["applied"] is True
    project = session.scalar(select(Project).join(Plan).where(Plan.code == "szwz", Project.code == "2.8"))
    assert project.status.label == "暂缓"
    assert session.scalar(select(ImportBatch).order_by(ImportBatch.id.desc())).filename == "szwz.xlsx"


def test_an_apply_that_fails_reports_nothing_applied_and_writes_nothing(runner, session, tmp_path, monkeypatch):
    """Refused half-way (a record saved by someone else meanwhile): the report says what was previewed."""
    from tracker.services import imports
    from tracker.services.records import EditConflict

    book = _exported(runner, session, tmp_path)
    _with_status(book, "2.8", "暂缓")

    def conflict(*_args, **_kwargs):
        raise EditConflict()

    monkeypatch.setattr(imports, "update_record", conflict)
    report = tmp_path / "report.json"
    result = runner.invoke(args=["import-xlsx", str(book), "--report-json", str(report)])
    assert result.exit_code == 1
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["applied"] is False and not any(r.get("applied") for r in data["rows"])
    assert next(r for r in data["rows"] if r["outcome"] == "changed")["changes"][0]["new"] == "暂缓"
    project = session.scalar(select(Project).join(Plan).where(Plan.code == "szwz", Project.code == "2.8"))
    assert project.status.label == "已完工"
    assert session.scalar(select(func.count(ImportBatch.id))) == 0


def test_import_with_errors_exits_non_zero_and_writes_nothing(runner, session, tmp_path):
    book = _exported(runner, session, tmp_path)
    _with_status(book, "1.1", "差不多了")
    result = runner.invoke(args=["import-xlsx", str(book)])
    assert result.exit_code == 1
    assert "无法识别的项目状态“差不多了”" in result.output
    dry = runner.invoke(args=["import-xlsx", str(book), "--dry-run"])
    assert dry.exit_code == 1


def test_cli_errors_are_one_line(runner, session, tmp_path):
    missing_plan = runner.invoke(args=["export-xlsx", "--plan", "nope", "-o", str(tmp_path / "x.xlsx")])
    assert missing_plan.exit_code == 1 and "没有规划 nope" in missing_plan.output
    junk = tmp_path / "junk.xlsx"
    junk.write_text("just text")
    result = runner.invoke(args=["import-xlsx", str(junk)])
    assert result.exit_code == 1 and "不是 Excel 工作簿" in result.output and "Traceback" not in result.output
