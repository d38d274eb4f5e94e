"""The rows an import left out, as a workbook to send back: the original headers and cells plus a
column saying what was wrong, so the department can fix exactly those rows."""
from __future__ import annotations

import io
from collections import defaultdict

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill

from tracker.excel.cells import safe_text
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
        first_data = min(problems) - 1
        width = max((len(r) for r in source), default=0)
        for index, row in enumerate(source[:first_data]):  # title and header rows as they were
            ws.append([_text_cell(ws, v) for v in row] + ([_bold(ws, "错误说明")] if index == first_data - 1 else []))
        for number in sorted(problems):
            row = source[number - 1] if number - 1 < len(source) else []
            padded = list(row) + [None] * (width - len(row))
            note = WriteOnlyCell(ws, "；".join(problems[number]))
            note.fill = ERROR_FILL
            ws.append([_text_cell(ws, v) for v in padded] + [note])
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()


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
