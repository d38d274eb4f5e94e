"""Opening an uploaded workbook safely, then reading its sheets as rows of plain values.

Every check runs on the bytes before a parser sees them: the container type (zip or OLE), zip
bombs (total size, member count, compression ratio), encryption, formulas with no cached value.
Sheets are read with python-calamine, row by row, with caps on rows and columns and a stop after
a long run of blank rows, so a sheet that declares A1:XFD1048576 costs nothing.
"""

from __future__ import annotations

import ctypes
import io
import re
import threading
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import python_calamine
from defusedxml import ElementTree as SafeET

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_MEMBERS = 5000
MAX_RATIO = 200  # uncompressed / compressed, for the archive and for any large member
MAX_ROWS = 200_000
MAX_COLUMNS = 200
MAX_CELLS = 10_000_000  # the grid a reader builds spans every used cell: first row/column to last (~320 MB)
BACKGROUND_MAX_BYTES = 2 * 1024 * 1024  # a workbook up to this size is read while a command starts
BLANK_RUN = 500  # this many empty rows in a row end a sheet (LibreOffice pads with styled empty rows)

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
SPREADSHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
CELL_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
# A cell with content: <c r="XFD1048576" …>…</c> (an empty styled cell is written <c r="…" s="1"/>).
CELL_WITH_CONTENT = re.compile(rb'<(?:\w+:)?c\s[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"[^>]*?(?<!/)>')
TWO_LETTER_COLUMN = re.compile(rb'<c r="([A-Z]{2})[0-9]')
CELL_OR_ROW_WITHOUT_PLACE = re.compile(rb'<(?:c|row) (?!r=")')  # r not first: measure the sheet
ROW_NUMBER = re.compile(rb'<row r="([0-9]{1,7})"')
PREFIXED_CELL_OR_ROW = re.compile(rb":(?:c|row) ")  # <x:c …>: four times faster than two `in` scans
# A cell past 200 columns (GS and on, or three letters) or at row 200,000 and beyond.
FAR_CELL = re.compile(rb'<c r="(?:[A-Z]{3}|[H-Z][A-Z]|G[S-Z])[0-9]|<c r="[A-Z]{1,3}(?:[0-9]{7}|[2-9][0-9]{5})"')


class WorkbookError(Exception):
    """The file cannot be read as a workbook; the message (Chinese) says why and what to do."""


@dataclass
class Workbook:
    kind: str  # xlsx, xlsm, xls, ods
    sheets: dict[str, list[list]]  # name → rows of raw values (trailing blank rows dropped); empty if lazy
    hidden: set[str] = field(default_factory=set)
    # name → merged ranges ((first row, first column), (last row, last column)), 0-based, inclusive
    merged: dict[str, list[tuple[tuple[int, int], tuple[int, int]]]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)  # every sheet, in the workbook's order
    source: Any = field(default=None, compare=False)  # lazy: the parser, each sheet read when asked for
    parsed: dict[str, Any] = field(default_factory=dict, compare=False)  # lazy: sheets parsed already

    def sheet_rows(self, name: str) -> tuple[Iterator[list], list]:
        """(the sheet's rows, its merged ranges), handed over: a lazy workbook reads the sheet now and makes
        its rows one by one, so a 100,000-row sheet is never held as Python lists all at once; an eager
        one lets go of the sheet's rows (they leave `sheets`)."""
        if self.source is None:
            return iter(self.sheets.pop(name, [])), self.merged.get(name, [])
        try:
            sheet = self.parsed.pop(name, None) or self.source.get_sheet_by_name(name)
        except Exception as exc:
            raise _broken(exc) from None
        return _iter_rows(sheet), _merged_ranges(sheet) or self.merged.get(name, [])


def _broken(exc: Exception) -> WorkbookError:
    if isinstance(exc, WorkbookError):
        return exc
    if isinstance(exc, python_calamine.PasswordError):
        return WorkbookError("工作簿设置了密码，无法读取。请取消密码后再导入")
    return WorkbookError(  # calamine's own errors: broken XML, truncated streams …
        f"文件内容已损坏，无法读取（{type(exc).__name__}）。请用 Excel 或 WPS 打开后另存为 .xlsx 再导入"
    )


def open_workbook(data: bytes, filename: str = "", *, lazy: bool = False, parse: bool = False) -> Workbook:
    """Check the file and read it. `lazy`: make each sheet's rows only when asked for (Workbook.sheet_rows),
    and parse the sheet then too unless `parse` (every sheet parsed now, its rows made when asked for)."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise WorkbookError(f"文件过大（{len(data) // 1024 // 1024} MB），上限为 {MAX_UPLOAD_BYTES // 1024 // 1024} MB")
    if not data:
        raise WorkbookError("文件是空的")
    notes: list[str] = []
    ods_merged: dict[str, list] = {}
    if data.startswith(ZIP_MAGIC):
        kind = _check_zip(data, notes, ods_merged)
    elif data.startswith(OLE_MAGIC):
        if _is_encrypted_ole(data):
            raise WorkbookError(
                "工作簿设置了打开密码，无法读取。请在 Excel/WPS 中取消密码（文件→信息→保护工作簿）后再导入"
            )
        kind = "xls"
    else:
        raise WorkbookError(
            "这不是 Excel 工作簿（.xlsx/.xls/.ods）；可能是改了扩展名的其他文件，请用 Excel 或 WPS 另存为 .xlsx"
        )
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        hidden = {m.name for m in book.sheets_metadata if str(m.visible).lower().endswith("hidden")}
        names = list(book.sheet_names)
        if lazy:
            parsed = {name: book.get_sheet_by_name(name) for name in names} if parse else {}
            return Workbook(kind, {}, hidden, dict(ods_merged), notes, names, source=book, parsed=parsed)
        sheets, merged = {}, {}
        for name in names:
            sheet = book.get_sheet_by_name(name)
            sheets[name] = list(_iter_rows(sheet))
            merged[name] = _merged_ranges(sheet) or ods_merged.get(name, [])
    except Exception as exc:
        raise _broken(exc) from None
    return Workbook(kind=kind, sheets=sheets, hidden=hidden, notes=notes, merged=merged, names=names)


def return_large_blocks() -> None:
    """Have the C library hand blocks of 128 KB and more back to the system when they are freed.

    A workbook is read sheet after sheet: calamine builds each sheet's grid and frees it before the next.
    glibc raises its threshold for such blocks as they are freed, so the next sheet's grid came from the
    heap the last one left in pieces: a 130,000-row dry run peaked at 219 MB, 193 MB with the threshold
    kept where it starts (measured). Called once per process (the `tracker` command, wsgi.py); where the C
    library has no mallopt (not glibc), nothing changes."""
    try:
        ctypes.CDLL(None).mallopt(-3, 128 * 1024)  # M_MMAP_THRESHOLD: fixed, no longer raised
    except (OSError, AttributeError):
        pass


def open_in_background(data: bytes, filename: str = "") -> Callable[[], Workbook]:
    """Start open_workbook on another thread, every sheet parsed there (lazy, parse); the function
    returned waits for the workbook (or raises what opening it raised). The rows are made as the
    preview reads them, by the thread that reads them: made on the second thread they held the
    interpreter lock while the command imported its modules (0.90 → 0.84 s, measured alternately).

    calamine parses without holding the interpreter lock, so a command that starts reading its file
    first has it parsed on the second core while it imports SQLAlchemy and maps the models (half a
    second): a 10,000-row dry run 1.94 → 1.59 s, measured. A file over BACKGROUND_MAX_BYTES is opened
    when asked for, on the caller's thread: its parse outlasts the start-up it would overlap (no gain
    measured at 130,000 rows), and the memory a second thread's allocator keeps raised that dry run's
    peak from 296 to 342 MB."""
    if len(data) > BACKGROUND_MAX_BYTES:
        return lambda: open_workbook(data, filename, lazy=True)
    outcome: list = []

    def run() -> None:
        try:  # parsed here, without the interpreter lock; the rows made by the thread that reads them
            outcome.append(open_workbook(data, filename, lazy=True, parse=True))
        except BaseException as exc:  # handed over to the thread that waits
            outcome.append(exc)

    thread = threading.Thread(target=run, name="open-workbook", daemon=True)
    thread.start()

    def wait() -> Workbook:
        thread.join()
        if isinstance(outcome[0], BaseException):
            raise outcome[0]
        return outcome[0]

    return wait


def _merged_ranges(sheet) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    try:
        ranges = sheet.merged_cell_ranges or []
    except Exception:  # not every format reports merges (.ods): its cells then read as written
        return []
    return [((r0, c0), (r1, c1)) for (r0, c0), (r1, c1) in ranges][:10_000]


def _check_zip(data: bytes, notes: list[str], ods_merged: dict[str, list]) -> str:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        raise WorkbookError("文件已损坏（压缩包不完整），请重新保存或重新发送") from None
    if len(members) > MAX_MEMBERS:
        raise WorkbookError("文件结构异常（包含的部件过多），拒绝读取")
    total = sum(m.file_size for m in members)
    compressed = sum(m.compress_size for m in members) or 1
    if (
        total > MAX_UNCOMPRESSED_BYTES
        or total / compressed > MAX_RATIO
        or any(m.file_size > 10 * 1024 * 1024 and m.file_size / max(m.compress_size, 1) > MAX_RATIO for m in members)
    ):
        raise WorkbookError("文件解压后异常巨大（疑似压缩炸弹），拒绝读取")
    names = {m.filename for m in members}
    if "xl/workbook.xml" in names:
        kind = "xlsx"
        if "xl/vbaProject.bin" in names:
            kind = "xlsm"
            notes.append("工作簿含有宏：只读取数据，宏不会运行")
        sheet_members = sorted(n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml"))
        for member in sheet_members:  # each sheet decompressed once for both checks
            content = archive.read(member)
            _check_extent(archive, member, content)
            _check_formulas(archive, member, content)
        return kind
    if "content.xml" in names and "mimetype" in names and b"opendocument.spreadsheet" in archive.read("mimetype"):
        ods_merged.update(_check_ods_extent(archive.read("content.xml")))
        return "ods"
    if "EncryptedPackage" in names:
        raise WorkbookError("工作簿设置了密码，无法读取")
    raise WorkbookError("这是压缩文件，但不是 Excel 工作簿（.xlsx/.ods）")


def column_number(letters: bytes) -> int:
    """b"A" → 1, b"AA" → 27."""
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _check_extent(archive: zipfile.ZipFile, member: str, content: bytes) -> None:
    """Refuse a sheet whose used cells span more than the caps, before any reader builds its grid.

    calamine makes one dense grid from the first used cell to the last: a 20 KB file with values at
    A1 and XFD1048576 would ask for ~17 billion cells and kill the worker. Cheap first (C-speed
    counts and searches); only a sheet that does not plainly fit is measured cell by cell.
    """
    if _plainly_within_caps(content):
        return
    extent = _measure(content)
    if extent is None:
        return
    height, width, far_cell = extent
    if height > MAX_ROWS or width > MAX_COLUMNS or height * width > MAX_CELLS:
        sheet = _sheet_names_by_member(archive).get(member, member)
        raise WorkbookError(
            f"工作表“{sheet}”的内容一直延伸到 {far_cell}（{height} 行 × {width} 列），"
            f"超出可读取的范围（最多 {MAX_ROWS} 行、{MAX_COLUMNS} 列）。请删除表格以外的多余内容后再导入"
        )


def _plainly_within_caps(content: bytes) -> bool:
    """Every row and cell says where it is (r first, as Excel, WPS, LibreOffice and openpyxl write),
    none lies past the caps, and rows × widest column stays within MAX_CELLS."""
    if PREFIXED_CELL_OR_ROW.search(content):
        return False  # namespace-prefixed elements: measure them
    if CELL_OR_ROW_WITHOUT_PLACE.search(content):
        return False
    if FAR_CELL.search(content):
        return False
    # The widest column: two-letter references are few (often none); one letter is at most Z.
    width = max((column_number(letters) for letters in set(TWO_LETTER_COLUMN.findall(content))), default=26)
    if width * MAX_ROWS <= MAX_CELLS:
        return True  # no cell lies at MAX_ROWS or beyond (FAR_CELL): the grid fits whatever the rows
    rows = max(map(int, ROW_NUMBER.findall(content)), default=0)
    return rows <= MAX_ROWS and rows * width <= MAX_CELLS


def _measure(content: bytes) -> tuple[int, int, str] | None:
    """(height, width, farthest cell) of the cells with content."""
    rows: list[int] = []
    columns: list[int] = []
    for letters, number in CELL_WITH_CONTENT.findall(content):
        rows.append(int(number))
        columns.append(column_number(letters))
    if not rows:
        return None
    return (max(rows) - min(rows) + 1, max(columns) - min(columns) + 1, f"{column_letter(max(columns))}{max(rows)}")


ODS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
ODS_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"


def _check_ods_extent(content: bytes) -> dict[str, list]:
    """The same caps for .ods, where one element can stand for a million repeated rows or cells.

    Returns each sheet's merged ranges, read on the same pass: calamine does not report them for
    .ods, and a 责任单位 merged over a group of rows, or 11月 over its two columns, must still
    reach every cell it covers.
    """
    sheet, row, column, row_used = "", 0, 0, False
    top = bottom = left = right = None
    merged: dict[str, list] = {}

    def check() -> None:
        height, width = bottom - top + 1, right - left + 1
        if height > MAX_ROWS or width > MAX_COLUMNS or height * width > MAX_CELLS:
            raise WorkbookError(
                f"工作表“{sheet}”的内容一直延伸到 {column_letter(right)}{bottom}，超出可读取的范围"
                f"（最多 {MAX_ROWS} 行、{MAX_COLUMNS} 列）。请删除表格以外的多余内容后再导入"
            )

    for event, element in SafeET.iterparse(io.BytesIO(content), events=("start", "end"), forbid_dtd=True):
        tag = element.tag
        if event == "start":
            if tag == ODS_TABLE + "table":
                sheet, row, top, bottom, left, right = element.get(ODS_TABLE + "name", ""), 0, None, None, None, None
            elif tag == ODS_TABLE + "table-row":
                column, row_used = 0, False
            continue
        if tag in (ODS_TABLE + "table-cell", ODS_TABLE + "covered-table-cell"):
            repeat = int(element.get(ODS_TABLE + "number-columns-repeated", "1") or 1)
            across = int(element.get(ODS_TABLE + "number-columns-spanned", "1") or 1)
            down = int(element.get(ODS_TABLE + "number-rows-spanned", "1") or 1)
            if (across > 1 or down > 1) and len(merged.get(sheet, ())) < 10_000:
                merged.setdefault(sheet, []).append(((row, column), (row + down - 1, column + across - 1)))
            if element.get(ODS_OFFICE + "value-type") or len(element):
                row_used = True
                top = row + 1 if top is None else top
                bottom = row + 1
                left = column + 1 if left is None else min(left, column + 1)
                right = max(right or 0, column + repeat)
                check()
            column += repeat
            element.clear()
        elif tag == ODS_TABLE + "table-row":
            repeat = int(element.get(ODS_TABLE + "number-rows-repeated", "1") or 1)
            if row_used:
                bottom = row + repeat
                check()
            row += repeat
            element.clear()
    return merged


def column_letter(number: int) -> str:
    """1 → A, 27 → AA (as openpyxl's get_column_letter, without importing openpyxl on a dry run)."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _check_formulas(archive: zipfile.ZipFile, member: str, content: bytes) -> None:
    """A formula whose result was never calculated (a file written by a program, not saved by Excel)."""
    # A cell's <f> lies inside <sheetData>; a drop-down's <formula1> comes after it. Plain byte searches
    # there (C speed) before any regex: most sheets have no formula at all.
    cells_end = content.rfind(b"</sheetData>")  # near the end: found from there at once
    cells_end = len(content) if cells_end < 0 else cells_end
    if content.find(b"<f", 0, cells_end) < 0 and content.find(b":f", 0, cells_end) < 0:
        return
    if not CELL_FORMULA.search(content):  # <f> of a cell, not <formula1> of a drop-down list
        return
    missing = []
    for _event, cell in SafeET.iterparse(io.BytesIO(content), forbid_dtd=True):
        if cell.tag != SPREADSHEET_NS + "c":
            continue
        has_formula = cell.find(SPREADSHEET_NS + "f") is not None
        value = cell.find(SPREADSHEET_NS + "v")
        if has_formula and (value is None or value.text in (None, "")):
            missing.append(cell.get("r"))
        cell.clear()
        if len(missing) >= 5:
            break
    if missing:
        sheet = _sheet_names_by_member(archive).get(member, member)
        raise WorkbookError(
            f"{sheet}!{missing[0]} 等单元格含公式但没有计算结果。请在 Excel 或 WPS 中打开该文件并保存后再导入"
        )


def _sheet_names_by_member(archive: zipfile.ZipFile) -> dict[str, str]:
    try:
        book = SafeET.fromstring(archive.read("xl/workbook.xml"), forbid_dtd=True)
        rels = SafeET.fromstring(archive.read("xl/_rels/workbook.xml.rels"), forbid_dtd=True)
    except Exception:
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    result = {}
    for sheet in book.iter(SPREADSHEET_NS + "sheet"):
        rid = sheet.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id")
        target = targets.get(rid, "").lstrip("/")
        result[target if target.startswith("xl/") else "xl/" + target] = sheet.get("name")
    return result


def _is_encrypted_ole(data: bytes) -> bool:
    """An encrypted .xlsx is an OLE container with an EncryptedPackage stream."""
    return "EncryptedPackage".encode("utf-16-le") in data[:65536] or "EncryptedPackage".encode("utf-16-le") in data


def _iter_rows(sheet) -> Iterator[list]:
    """Rows indexed from the sheet's row 1 and column A (calamine starts columns at the first used one),
    blank ones as [], trailing blank ones dropped; made one by one from calamine's grid."""
    blank_run = 0
    lead = [None] * min(sheet.start[1], MAX_COLUMNS) if sheet.start else []
    too_wide = len(lead) + sheet.width > MAX_COLUMNS
    try:
        for index, row in enumerate(sheet.iter_rows()):
            if index >= MAX_ROWS:
                raise WorkbookError(f"工作表“{sheet.name}”超过 {MAX_ROWS} 行，请拆分后导入")
            if lead:
                row = lead + row
            if too_wide:
                row = row[:MAX_COLUMNS]
            if row.count("") + row.count(None) == len(row):  # list.count: C speed on 100k-row sheets
                blank_run += 1
                if blank_run >= BLANK_RUN:
                    return
                continue
            for _ in range(blank_run):  # blank rows between data, kept so row numbers stay right
                yield []
            blank_run = 0
            yield row
    except Exception as exc:
        raise _broken(exc) from None
