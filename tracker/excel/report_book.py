"""The 月报/季报 workbook, in the layout offices circulate — written for a department, and read back
from tracker's own file or from one a department laid out itself. No database here: the service
(services/report_imports.py, services/report_workbooks.py) gathers and decides.

Layout written: title "YYYY年M月信息化项目建设进度月报表", 报送部门：X and 单位：万元, two header rows
(序号/项目名称/建设起止年限/总投资/年度计划投资/年计划形象进度, then each month of the year so far as
"N月" over 形象进度 + 实际完成投资, then 自开始累计完成投资/存在问题/备注), one row per project, and a
"合计：N 个" row. Past months are filled and locked; this month's cells are unlocked and tinted.

Read: the header wherever it stands (one or two levels, merged or not), this period's 形象进度 and
完成投资 from "N月…" / "本月…" / "第N季度…" columns or a "1-N月累计" column, 存在问题, the project
by 项目编号 or 项目名称 (and 责任单位 when the sheet holds several departments). Every other column is
listed as not imported, with the reason; a later period's cells filled in are errors, never data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from tracker.excel import cells
from tracker.excel import columns as C
from tracker.excel.reader import Workbook, column_letter
from tracker.excel.sheets import (
    HEADER_SCAN_ROWS,
    UNIT_FACTORS,
    ColumnLine,
    _fill_merged,
    _not_data,
    _Plan,
    _split_unit,
    _title_facts,
    normalise,
)
from tracker.parse import ParseError

REPORT_FORMAT = "tracker-report-workbook"
CHINESE_QUARTERS = {"一": 1, "二": 2, "三": 3, "四": 4}
CHINESE_MONTHS = {
    "元": 1,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
    "十一": 11,
    "十二": 12,
}


def period_heading(kind: str, number: int) -> str:
    """The column group of one period: 11月, or 第3季度."""
    return f"第{number}季度" if kind == "quarter" else f"{number}月"


def report_title(kind: str, year: int, number: int) -> str:
    if kind == "quarter":
        return f"{year}年第{number}季度信息化项目建设进度季报表"
    return f"{year}年{number}月信息化项目建设进度月报表"


# -- Writing ---------------------------------------------------------------------------------------


@dataclass
class ReportLine:
    """One project's row, as the service gathered it."""

    project_id: int
    name: str
    window: str  # 建设起止年限, as written: 2026.1-2027.6
    total_budget: Decimal | None
    year_planned: Decimal | None
    past: dict[int, tuple[str | None, Decimal | None]]  # period number → (形象进度, 完成投资)
    current: tuple[str | None, Decimal | None]
    cumulative: Decimal | None  # 自开始累计完成投资, computed
    issues: str | None


@dataclass
class ReportBook:
    kind: str  # month / quarter
    year: int
    number: int
    plan_code: str
    department: str
    submission_id: int
    submission_version: int
    lines: list[ReportLine]
    editable: bool = True  # this period's cells unlocked (the submission can still be changed)


FIXED_HEADERS = (
    ("序号", 6),
    ("项目名称", 28),
    ("建设起止年限", 14),
    ("总投资", 11),
    ("年度计划投资", 12),
    ("年计划形象进度", 18),
)
TAIL_HEADERS = (("自开始累计完成投资", 12), ("存在问题", 24), ("备注", 14))


def write_report_sheet(wb, book: ReportBook, sheet_name: str | None = None) -> None:
    """Add one department's sheet (and its rows in the hidden sheet) to an openpyxl write-only workbook."""
    from openpyxl.worksheet.properties import PageSetupProperties

    from tracker.excel.export import _Styles  # the plan workbook's prepared styles: one look for both

    ws = wb.create_sheet(sheet_name or book.department[:31])
    styles = _Styles(ws)
    periods = list(range(1, book.number + 1))
    width = len(FIXED_HEADERS) + 2 * len(periods) + len(TAIL_HEADERS)
    for index, (_header, col_width) in enumerate(FIXED_HEADERS, 1):
        ws.column_dimensions[column_letter(index)].width = col_width
    for offset in range(2 * len(periods)):
        ws.column_dimensions[column_letter(len(FIXED_HEADERS) + 1 + offset)].width = 16 if offset % 2 == 0 else 11
    for index, (_header, col_width) in enumerate(TAIL_HEADERS, len(FIXED_HEADERS) + 2 * len(periods) + 1):
        ws.column_dimensions[column_letter(index)].width = col_width
    ws.freeze_panes = "C5"
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.orientation = "landscape"
    ws.print_title_rows = "3:4"

    ws.append([styles.cell(report_title(book.kind, book.year, book.number), title=True)])
    ws.merged_cells.add(f"A1:{column_letter(width)}1")
    ws.append([f"报送部门：{book.department}"] + [None] * (width - 2) + ["单位：万元"])
    ws.merged_cells.add(f"A2:{column_letter(4)}2")
    upper = [styles.cell(h, header=True) for h, _w in FIXED_HEADERS]
    lower = [styles.cell(None, header=True) for _ in FIXED_HEADERS]
    for number in periods:
        upper += [styles.cell(period_heading(book.kind, number), header=True), styles.cell(None, header=True)]
        lower += [styles.cell("形象进度", header=True), styles.cell("实际完成投资", header=True)]
    upper += [styles.cell(h, header=True) for h, _w in TAIL_HEADERS]
    lower += [styles.cell(None, header=True) for _ in TAIL_HEADERS]
    ws.append(upper)
    ws.append(lower)
    for index in list(range(1, len(FIXED_HEADERS) + 1)) + list(range(width - len(TAIL_HEADERS) + 1, width + 1)):
        ws.merged_cells.add(f"{column_letter(index)}3:{column_letter(index)}4")
    for n, _number in enumerate(periods):
        first = len(FIXED_HEADERS) + 1 + 2 * n
        ws.merged_cells.add(f"{column_letter(first)}3:{column_letter(first + 1)}3")

    totals: dict[int, Decimal] = {}

    def add(index: int, value: Decimal | None) -> None:
        if value is not None:
            totals[index] = totals.get(index, Decimal(0)) + value

    open_cells = book.editable
    for seq, line in enumerate(book.lines, 1):
        row = [
            styles.cell(seq, kind=C.Kind.INT),
            styles.cell(line.name, wrap=True),
            styles.cell(line.window),
            styles.cell(line.total_budget, kind=C.Kind.AMOUNT),
            styles.cell(line.year_planned, kind=C.Kind.AMOUNT),
            styles.cell(None),
        ]
        add(4, line.total_budget)
        add(5, line.year_planned)
        for n, number in enumerate(periods):
            index = len(FIXED_HEADERS) + 1 + 2 * n
            progress, amount = line.current if number == book.number else line.past.get(number, (None, None))
            this = number == book.number and open_cells
            row += [
                styles.cell(progress, editable=this, wrap=True),
                styles.cell(amount, kind=C.Kind.AMOUNT, editable=this),
            ]
            add(index + 1, amount)
        row += [
            styles.cell(line.cumulative, kind=C.Kind.AMOUNT),
            styles.cell(line.issues, editable=open_cells, wrap=True),
            styles.cell(None),
        ]
        add(width - 2, line.cumulative)
        ws.append(row)
    total_row = [styles.cell(None, bold=True), styles.cell(f"合计：{len(book.lines)} 个", bold=True)]
    for index in range(3, width + 1):
        value = totals.get(index)
        total_row.append(
            styles.cell(value, kind=C.Kind.AMOUNT, bold=True) if value is not None else styles.cell(None, bold=True)
        )
    ws.append(total_row)
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False


def write_meta(wb, books: list[ReportBook]) -> None:
    """The hidden sheet: which period and department each sheet is, and which project each row is."""
    ws = wb.create_sheet(C.META_SHEET)
    ws.sheet_state = "hidden"
    first = books[0]
    ws.append(["format", REPORT_FORMAT])
    ws.append(["plan", first.plan_code])
    ws.append(["period", f"{first.kind}:{first.year}:{first.number}"])
    ws.append(["sheet", "department", "submission", "version", "row", "project"])
    for book in books:
        for seq, line in enumerate(book.lines, 1):
            ws.append(
                [
                    book.department[:31],
                    book.department,
                    book.submission_id,
                    book.submission_version,
                    seq,
                    line.project_id,
                ]
            )


def write_report_workbook(out: IO[bytes], books: list[ReportBook]) -> None:
    from openpyxl import Workbook as OpenpyxlWorkbook

    wb = OpenpyxlWorkbook(write_only=True)
    for book in books:
        write_report_sheet(wb, book)
    write_meta(wb, books)
    wb.save(out)


# -- Reading ---------------------------------------------------------------------------------------


@dataclass
class ReportMeta:
    plan_code: str | None
    period: tuple[str, int, int] | None
    # (sheet, row number in the sheet's data order 序号) → (department, submission id, version, project id)
    rows: dict[tuple[str, int], tuple[str, int, int, int]] = field(default_factory=dict)


def read_report_meta(rows: list[list] | None) -> ReportMeta | None:
    if (
        not rows
        or cells.read_text(rows[0][0] if rows[0] else None) != "format"
        or cells.read_text(rows[0][1] if len(rows[0]) > 1 else None) != REPORT_FORMAT
    ):
        return None
    values = {cells.read_text(r[0]): cells.read_text(r[1]) for r in rows[:3] if len(r) > 1}
    period = None
    try:
        kind, year, number = (values.get("period") or "").split(":")
        period = (kind, int(year), int(number))
    except ValueError:
        pass
    meta = ReportMeta(values.get("plan"), period)
    for row in rows[4:]:
        try:
            meta.rows[(str(row[0]), int(row[4]))] = (str(row[1]), int(row[2]), int(row[3]), int(row[5]))
        except (IndexError, TypeError, ValueError):
            continue
    return meta


@dataclass
class ReportCell:
    ref: str
    value: Any = None
    error: str | None = None


@dataclass
class ReportRow:
    sheet: str
    number: int  # the row number in the sheet
    skip: str | None = None  # why it is not a data row
    seq: int | None = None
    name: str | None = None
    code: str | None = None
    department: str | None = None
    progress: ReportCell | None = None  # this period's 形象进度
    amount: ReportCell | None = None  # this period's 完成投资, in 万元
    ytd: ReportCell | None = None  # 1–N月累计, in 万元 (used when no amount column)
    issues: ReportCell | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def ref(self) -> str:
        return f"{self.sheet}!{self.number}行"


@dataclass
class ReportSheet:
    name: str
    read: bool
    why: str = ""
    department: str | None = None  # 报送部门 stated above the header
    period: tuple[int, int] | None = None  # (year, number) stated in the title
    columns: list[ColumnLine] = field(default_factory=list)
    rows: list[ReportRow] = field(default_factory=list)

    def line(self) -> str:
        if not self.read:
            return f"工作表“{self.name}”：未导入（{self.why}）"
        data = sum(1 for r in self.rows if r.skip is None)
        return f"工作表“{self.name}”：读作月报/季报（{data} 行数据）"


_DEPARTMENT_LINE = re.compile(r"(?:报送|填报|填表|责任)(?:部门|单位)\s*[（(]?(?:盖章)?[)）]?\s*[：:]\s*([^\s：:　]+)")
_TITLE_MONTH = re.compile(r"((?:19|20)\d\d)\s*年\s*(\d{1,2})\s*月")
_TITLE_QUARTER = re.compile(r"((?:19|20)\d\d)\s*年\s*(?:第\s*)?([一二三四1-4])\s*季度")
_MONTH = r"(\d{1,2}|十[一二]|[元一二三四五六七八九十])"
_RANGE = re.compile(
    rf"^(?:1|一|元)?月?\s*[-—–~～至到]\s*{_MONTH}月(?:份)?(?:累计)?(?:实际)?(?:完成)?(?:投资|额)?(?:累计)?$"
)
_AMOUNT_WORDS = re.compile(r"^(?:实际)?完成(?:投资|额)?$|^(?:实际)?投资(?:完成)?(?:额)?$|^完成投资额$")
_PROGRESS_WORDS = re.compile(r"^(?:工程|项目|建设)?(?:形象)?进度(?:情况)?$|^形象进度$|^进展情况$|^工作进展$|^建设进展$")


def _number(text: str, table: dict[str, int]) -> int | None:
    if text.isdigit():
        return int(text)
    return table.get(text)


def _period_field(label: str, kind: str) -> tuple[str, int | None] | None:
    """('progress' | 'amount' | 'ytd', period number or None for 本月/本期) from a column's label."""
    if kind == "quarter":
        match = re.match(r"^第?\s*([一二三四1-4])\s*季度(.*)$", label)
        if match:
            number = _number(match.group(1), CHINESE_QUARTERS)
            return _field_word(match.group(2), number)
    match = re.match(rf"^{_MONTH}月(?:份)?(.*)$", label)
    if match and not label.startswith(("1-", "1—", "1~", "1至")):
        return _field_word(match.group(2), _number(match.group(1), CHINESE_MONTHS))
    match = re.match(r"^本(?:月|期|季度?)(.*)$", label)
    if match:
        return _field_word(match.group(1), None)
    match = _RANGE.match(label)
    if match:
        return "ytd", _number(match.group(1), CHINESE_MONTHS)
    return None


def _field_word(rest: str, number: int | None) -> tuple[str, int | None] | None:
    rest = rest.strip()
    if _PROGRESS_WORDS.match(rest):
        return "progress", number
    if _AMOUNT_WORDS.match(rest):
        return "amount", number
    if rest in ("累计完成投资", "累计完成", "累计"):
        return "ytd", number
    return None


KEY_HEADERS = {
    "seq": ("序号",),
    "name": ("项目名称", "项目", "名称", "工程名称", "建设项目", "项目(工程)名称"),
    "code": ("项目编号", "编号", "项目代码"),
    "department": ("责任单位", "牵头单位", "报送单位", "填报单位", "责任部门", "建设单位", "主办单位"),
    "issues": ("存在问题", "存在的问题", "问题", "困难和问题", "存在问题及建议", "问题及建议"),
}
NOT_IMPORTED = {
    "总投资": "规划数据，以系统为准",
    "计划总投资": "规划数据，以系统为准",
    "年度计划投资": "规划数据，以系统为准",
    "建设起止年限": "规划数据，以系统为准",
    "年计划形象进度": "规划数据，以系统为准",
    "建设内容": "规划数据，以系统为准",
    "备注": "备注不导入",
    "自开始累计完成投资": "累计由系统按已确认各期计算",
    "累计完成投资": "累计由系统按已确认各期计算",
    "开工以来累计完成投资": "累计由系统按已确认各期计算",
}
_KEY_INDEX = {normalise(name): key for key, names in KEY_HEADERS.items() for name in names}


def read_report_sheets(book: Workbook, kind: str, number: int) -> list[ReportSheet]:
    """Every visible sheet read as a 月报/季报 for period `number` (month or quarter) of its year."""
    result = []
    for name, rows in book.sheets.items():
        if name == C.META_SHEET or name in book.hidden:
            continue
        result.append(_read_report_sheet(name, rows, book.merged.get(name, []), kind, number))
    return result


def _find_report_header(grid: list[list]) -> int | None:
    for r in range(min(HEADER_SCAN_ROWS, len(grid))):
        texts = {normalise(v) for v in grid[r] if cells.clean(v) is not None}
        if any(_KEY_INDEX.get(_split_unit(t)[0]) == "name" for t in texts):
            return r
    return None


def _read_report_sheet(name: str, rows: list[list], merged, kind: str, number: int) -> ReportSheet:
    grid = _fill_merged(rows, merged, horizontal_until=HEADER_SCAN_ROWS)
    header = _find_report_header(grid)
    sheet = ReportSheet(name, False)
    if header is None:
        sheet.why = "没有找到“项目名称”表头"
        return sheet
    unit, _year, titles = _title_facts(grid, header)
    for text in titles:
        flat = normalise(text)
        found = _DEPARTMENT_LINE.search(flat)
        if found and sheet.department is None:
            sheet.department = found.group(1)
        title = (_TITLE_QUARTER if kind == "quarter" else _TITLE_MONTH).search(flat)
        if title and sheet.period is None:
            n = title.group(2)
            sheet.period = (int(title.group(1)), _number(n, CHINESE_QUARTERS) if kind == "quarter" else int(n))
    upper = grid[header]
    lower = grid[header + 1] if header + 1 < len(grid) else []
    two_levels = any(
        _period_field(normalise(v), kind) is None and _field_word(normalise(v), 1)
        for v in lower
        if cells.clean(v) is not None
    )
    data_start = header + (2 if two_levels else 1)
    width = max(len(upper), len(lower) if two_levels else 0)
    plans: dict[str, _Plan] = {}
    period_cols: dict[str, int] = {}  # progress / amount / ytd of this period → column
    later: list[int] = []  # columns of a later period than this one
    factors: dict[int, Decimal] = {}
    for col in range(width):
        up = normalise(upper[col]) if col < len(upper) else ""
        low = normalise(lower[col]) if two_levels and col < len(lower) else ""
        label_text = up if not low or low == up else up + low
        label, col_unit = _split_unit(label_text)
        shown = (cells.read_text(upper[col]) if col < len(upper) else "") or ""
        if two_levels and low and low != up:
            shown = f"{shown} {cells.read_text(lower[col])}"
        letter = column_letter(col + 1)
        if not label:
            continue
        key = _KEY_INDEX.get(label)
        if key is not None and key not in plans:
            plans[key] = _Plan(col, key, C.Kind.TEXT, shown)
            sheet.columns.append(
                ColumnLine(
                    letter,
                    shown,
                    read_as={
                        "seq": "序号",
                        "name": "项目名称",
                        "code": "项目编号",
                        "department": "责任单位",
                        "issues": "存在问题",
                    }[key],
                )
            )
            continue
        found = _period_field(label, kind)
        if found is not None:
            what, at = found
            if what == "ytd":
                if at is not None and at != number:
                    sheet.columns.append(ColumnLine(letter, shown, why=f"不是本期的累计（本期为 1–{number}）"))
                    continue
                period_cols.setdefault("ytd", col)
                factors[col] = UNIT_FACTORS[col_unit or unit or "万元"]
                sheet.columns.append(
                    ColumnLine(
                        letter,
                        shown,
                        read_as=f"1–{number}{'月' if kind == 'month' else '季度'}累计完成投资"
                        + _unit_note(col_unit or unit),
                    )
                )
                continue
            at = number if at is None else at
            if at == number:
                if what in period_cols:
                    sheet.columns.append(ColumnLine(letter, shown, why="与前面的列重复"))
                    continue
                period_cols[what] = col
                if what == "amount":
                    factors[col] = UNIT_FACTORS[col_unit or unit or "万元"]
                sheet.columns.append(
                    ColumnLine(
                        letter,
                        shown,
                        read_as=(
                            "本期形象进度" if what == "progress" else "本期完成投资" + _unit_note(col_unit or unit)
                        ),
                    )
                )
            elif at < number:
                sheet.columns.append(ColumnLine(letter, shown, why="往期数据，以系统中已报送的为准"))
            else:
                later.append(col)
                sheet.columns.append(ColumnLine(letter, shown, why="晚于本期的数据，不应填写"))
            continue
        why = NOT_IMPORTED.get(label) or ("未识别的列" if not label.startswith(("备注", "说明")) else "备注不导入")
        sheet.columns.append(ColumnLine(letter, shown, why=why))
    if "name" not in plans and "code" not in plans:
        sheet.why = "没有找到“项目名称”或“项目编号”列"
        return sheet
    if "progress" not in period_cols and "amount" not in period_cols and "ytd" not in period_cols:
        sheet.why = f"没有找到本期（{period_heading(kind, number)}）的形象进度或完成投资列"
        return sheet
    sheet.read = True
    header_texts = [normalise(v) for v in upper]
    for index in range(data_start, len(grid)):
        raw = grid[index]
        filled = [
            (c, v)
            for c, v in enumerate(raw)
            if v is not None and v != "" and not (isinstance(v, str) and not v.strip())
        ]
        if not filled:
            continue
        why = _not_data(raw, filled, plans, header_texts)
        if why:
            sheet.rows.append(ReportRow(name, index + 1, skip=why))
            continue
        row = ReportRow(name, index + 1)
        row.seq = _int_at(raw, plans.get("seq"))
        row.name = _text_at(raw, plans.get("name"))
        row.code = _text_at(raw, plans.get("code"))
        row.department = _text_at(raw, plans.get("department"))
        for what, col in period_cols.items():
            cell = ReportCell(f"{name}!{column_letter(col + 1)}{index + 1}")
            value = raw[col] if col < len(raw) else None
            if what == "progress":
                cell.value = cells.read_text(value)
            else:
                try:
                    cell.value = cells.read_amount(value, factors[col])
                except ParseError as exc:
                    cell.error = f"{cell.ref}：{exc}"
                    row.errors.append(cell.error)
            setattr(row, what, cell)
        if "issues" in plans:
            col = plans["issues"].col
            row.issues = ReportCell(
                f"{name}!{column_letter(col + 1)}{index + 1}", cells.read_text(raw[col] if col < len(raw) else None)
            )
        for col in later:
            if col < len(raw) and cells.clean(raw[col]) is not None:
                row.errors.append(
                    f"{name}!{column_letter(col + 1)}{index + 1}：填写了晚于本期的数据（{cells.read_text(raw[col])}），"
                    "请只填写本期"
                )
        sheet.rows.append(row)
    return sheet


def _unit_note(unit: str | None) -> str:
    return f"（按{unit}读入，已换算为万元）" if unit in ("元", "亿元") else ""


def _text_at(raw: list, plan: _Plan | None) -> str | None:
    if plan is None or plan.col >= len(raw):
        return None
    return cells.read_text(raw[plan.col])


def _int_at(raw: list, plan: _Plan | None) -> int | None:
    text = _text_at(raw, plan)
    return int(text) if text and text.isdigit() else None


# -- The period's 汇总表 ----------------------------------------------------------------------------

SUMMARY_HEADERS = (
    ("序号", 6),
    ("单位", 24),
    ("报送状态", 9),
    ("报送时间", 17),
    ("项目数", 8),
    ("年度计划投资", 13),
    ("本期完成投资", 13),
    ("累计完成投资（本年）", 14),
    ("完成年度计划%", 11),
    ("序时进度%", 10),
    ("自开始累计完成投资", 14),
)


@dataclass
class SummaryLine:
    department: str
    status: str
    submitted: str
    projects: int
    year_planned: Decimal | None
    period_completed: Decimal | None
    year_completed: Decimal | None
    plan_share: Decimal | None  # percent
    cumulative: Decimal | None


def write_summary_workbook(
    out: IO[bytes], title: str, schedule: Decimal, lines: list[SummaryLine], total: SummaryLine
) -> None:
    from openpyxl import Workbook as OpenpyxlWorkbook

    from tracker.excel.export import _Styles

    wb = OpenpyxlWorkbook(write_only=True)
    ws = wb.create_sheet("汇总")
    styles = _Styles(ws)
    for index, (_h, width) in enumerate(SUMMARY_HEADERS, 1):
        ws.column_dimensions[column_letter(index)].width = width
    ws.freeze_panes = "C4"
    ws.append([styles.cell(title, title=True)])
    ws.merged_cells.add(f"A1:{column_letter(len(SUMMARY_HEADERS))}1")
    ws.append([f"序时进度：{schedule}%"] + [None] * (len(SUMMARY_HEADERS) - 2) + ["单位：万元"])
    ws.append([styles.cell(h, header=True) for h, _w in SUMMARY_HEADERS])

    def cells_of(line: SummaryLine, seq, bold=False) -> list:
        amount = dict(kind=C.Kind.AMOUNT, bold=bold)
        return [
            styles.cell(seq, kind=C.Kind.INT, bold=bold),
            styles.cell(line.department, bold=bold),
            styles.cell(line.status, bold=bold),
            styles.cell(line.submitted, bold=bold),
            styles.cell(line.projects, kind=C.Kind.INT, bold=bold),
            styles.cell(line.year_planned, **amount),
            styles.cell(line.period_completed, **amount),
            styles.cell(line.year_completed, **amount),
            styles.cell(line.plan_share, bold=bold),
            styles.cell(schedule, bold=bold),
            styles.cell(line.cumulative, **amount),
        ]

    for seq, line in enumerate(lines, 1):
        ws.append(cells_of(line, seq))
    ws.append(cells_of(total, None, bold=True))
    wb.save(out)
