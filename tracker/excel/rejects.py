"""The rows an import left out, as a workbook to send back: the original headers and cells plus a
column saying what was wrong, so the department can fix exactly those rows."""

from __future__ import annotations

import io
from collections import defaultdict

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill

from tracker.excel.cells import safe_text
from tracker.excel.columns import (
    INVESTMENT_COMPLETED,
    INVESTMENT_KEY_COLUMNS,
    INVESTMENT_PLANNED,
    MILESTONE_COLUMNS,
    PROJECT_COLUMNS,
    header_index,
    normalise_header,
)
from tracker.excel.reader import open_workbook

ERROR_FILL = PatternFill("solid", fgColor="F8CBAD")


def rejected_rows_workbook(data: bytes, rows) -> bytes:
    """`rows`: RowResults in error or conflict; returns the .xlsx bytes."""
    book = open_workbook(data)
    by_sheet: dict[str, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    for result in rows:
        by_sheet[result.sheet][result.row].extend(result.messages or [result.outcome])
    out = Workbook(write_only=True)
    for sheet, problems in by_sheet.items():
        source = book.sheets.get(sheet, [])
        ws = out.create_sheet(sheet)
        width = max((len(r) for r in source), default=0)
        header_end = _last_header_row(source)
        for index, row in enumerate(source[: header_end + 1]):  # title and header rows as they were
            padded = list(row) + [None] * (width - len(row))
            ws.append([_text_cell(ws, v) for v in padded] + ([_bold(ws, "错误说明")] if index == header_end else []))
        for number in sorted(problems):
            row = source[number - 1] if number - 1 < len(source) else []
            padded = list(row) + [None] * (width - len(row))
            note = WriteOnlyCell(ws, "；".join(problems[number]))
            note.fill = ERROR_FILL
            ws.append([_text_cell(ws, v) for v in padded] + [note])
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()


def _last_header_row(rows: list[list]) -> int:
    """The last of the first rows that reads as a header (two or more known column names)."""
    index = header_index(
        (*PROJECT_COLUMNS, *MILESTONE_COLUMNS, *INVESTMENT_KEY_COLUMNS, INVESTMENT_PLANNED, INVESTMENT_COMPLETED)
    )
    last = 0
    for number, row in enumerate(rows[:20]):
        if sum(1 for v in row if normalise_header(v) in index) >= 2:
            last = number
    return last


def _text_cell(ws, value):
    value = None if value == "" else value
    cell = WriteOnlyCell(ws, value)
    if isinstance(value, str) and not safe_text(value):
        cell.data_type = "s"
    return cell


def _bold(ws, value):
    cell = WriteOnlyCell(ws, value)
    cell.font = Font(bold=True)
    return cell
