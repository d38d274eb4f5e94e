"""A workbook as typed rows: what each sheet holds, where its header is, what every column and row is.

This module reads and never touches the database. It works for tracker's own export and for
workbooks people lay out themselves: titles above the header, 单位：元 / 万元 / 亿元, two-level
headers, merged cells, 序号 group headings, 合计 and 小计 rows, notes and signatures, 栏次 rows,
月报 columns. Every non-blank row becomes a data row or a skipped row with its reason; every
column gets a line saying what it was read as, or why it was not imported.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain, islice
from typing import Any

from tracker.excel import cells
from tracker.excel import columns as C
from tracker.excel.reader import MAX_COLUMNS, Workbook, column_letter
from tracker.parse import ParseError, parse_date_range, parse_year
from tracker.vocab import FundingSource, MilestoneStatus, ProjectNature, ProjectStatus

PROJECTS, MILESTONES, INVESTMENTS, FUNDINGS = "projects", "milestones", "investments", "fundings"
KIND_LABELS = {PROJECTS: "项目", MILESTONES: "里程碑", INVESTMENTS: "年度投资", FUNDINGS: "资金来源"}
HEADER_SCAN_ROWS = 25

UNIT_FACTORS = {"元": Decimal("0.0001"), "万元": Decimal(1), "亿元": Decimal(10000)}
_TITLE_UNIT = re.compile(r"单位\s*[：:]\s*(万元|亿元|元)")
_HEADER_UNIT = re.compile(r"[（(]\s*(?:单位[：:])?\s*(万元|亿元|元)\s*[)）]")
_YEAR = re.compile(r"(19[5-9]\d|20\d\d)\s*年")
_YEAR_HEADER = re.compile(r"^((?:19|20)\d\d)年?度?$")
_YEAR_AMOUNT_HEADER = re.compile(r"^((?:19|20)\d\d)年?度?(计划投资|投资计划|计划|完成投资|实际完成投资|实际完成|完成)$")
# 月报 / 季报 columns: read by the reporting cycle, never into another field.
_PERIOD = re.compile(
    r"^\d{1,2}月|^\d{1,2}[-—~至]\d{1,2}月|第?[一二三四1-4]季度|^本月|^本期|^上月|^自元月|"
    r"^截至|^截止|序时进度|^\d{1,2}月份|^[一二三四]季"
)
_GROUP_HEADING = re.compile(r"^[（(]?[一二三四五六七八九十百]+[)）]?[、.．,，]")
_GROUP_NUMBER_ONLY = re.compile(r"^[（(]?[一二三四五六七八九十百]+[)）]?[、.．]?$")
_COLUMN_INDEX_CELL = re.compile(r"^(栏次|[甲乙丙丁戊己庚辛壬癸]|\d{1,2}|\d{1,2}\s*[=＝].*)$")
_MARKERS = re.compile(r"[☆★※*＊]")


@dataclass(slots=True)  # 100,000s of these per workbook
class Cell:
    value: Any
    ref: str
    error: str | None = None


@dataclass(slots=True)
class Row:
    number: int  # as Excel numbers rows
    skip: str | None = None  # why this is not a data row
    cells: dict[str, Cell] = field(default_factory=dict)
    # (entity, id, version, place in the hidden map) when every cell is still exactly as tracker
    # exported it for that record: its cells are typed only if asked for (ensure_cells), the common
    # round trip stays cheap.
    as_exported: tuple[str, int, int, int] | None = None
    _untyped: tuple | None = None

    def ensure_cells(self) -> None:
        if self._untyped is not None:
            sheet, index, row, found = self._untyped
            self.cells = _typed_row(sheet, index, row, found).cells
            self._untyped = None

    def value(self, key: str) -> Any:
        cell = self.cells.get(key)
        return None if cell is None or cell.error else cell.value

    def ref(self, key: str) -> str | None:
        cell = self.cells.get(key)
        return cell.ref if cell else None

    @property
    def errors(self) -> list[str]:
        return [f"{c.ref}：{c.error}" for c in self.cells.values() if c.error]


@dataclass
class ColumnLine:
    letter: str
    header: str
    read_as: str | None = None  # a field label
    why: str | None = None  # not imported because …

    def text(self) -> str:
        head = f"{self.letter}列“{self.header}”" if self.header else f"{self.letter}列（无表头）"
        return f"{head}：读作“{self.read_as}”" if self.read_as else f"{head}：未导入（{self.why}）"


@dataclass
class SheetData:
    name: str
    kind: str | None  # PROJECTS / MILESTONES / INVESTMENTS / FUNDINGS, or None when not imported
    why: str = ""  # for a sheet not imported
    # Its rows, made one by one as they are read from the file (each Row let go of once used);
    # `hold()` keeps them instead, for a sheet that must wait for another.
    rows: Iterator[Row] = field(default_factory=lambda: iter(()))
    columns: list[ColumnLine] = field(default_factory=list)  # complete once the rows are read
    notes: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)  # years of plan@Y / done@Y columns
    data_count: int = 0  # data rows read so far (all of them once the rows are read)

    def line(self) -> str:
        if self.kind:
            return f"工作表“{self.name}”：读作{KIND_LABELS[self.kind]}（{self.data_count} 行数据）"
        return f"工作表“{self.name}”：未导入（{self.why}）"

    def hold(self) -> None:
        """Read every row now and keep them (the sheet's file rows are let go of)."""
        self.rows = iter(list(self.rows))


@dataclass
class Meta:
    """The hidden _tracker sheet of tracker's own export: the plan, the department, each row's record."""

    plan_code: str | None
    department: str | None
    rows: dict[str, ExportedRows]  # sheet → its rows' keys and records
    entities: list[str] = field(default_factory=list)  # the kinds of record, by their number

    def entry(self, sheet: str, key: str) -> tuple[str, int, int] | None:
        """(entity, id, version) of the record exported on that sheet under that key."""
        found = self.rows[sheet].get(key) if sheet in self.rows else None
        return None if found is None else (self.entities[found[1]], found[2], found[3])


_ID_MASK = (1 << 32) - 1  # ids and versions are 32-bit integers in the database
_GONE = 255  # an entry let go of (its row was read)


class ExportedRows:
    """One sheet's entries in the hidden map: a row's key → (digest, kind, id, version).

    Kept in arrays sorted by the key's hash — 25 bytes a row, not a dict of strings and ints (a whole
    plan's 110,000 rows: 3 MB, not 14), so memory stays flat as the file grows. The digest is the row's
    first 64 bits with the lowest set (0: none): a row whose cells differ from those exported would
    match once in 2^63.
    Two keys of one hash (or one key twice) are both dropped: the map only confirms a row's own key, so
    a row without an entry is read in full, never misread."""

    def __init__(self) -> None:
        self.hashes, self.digests, self.records, self.kinds = array("q"), array("Q"), array("Q"), array("B")

    def add(self, key: str, digest: int, kind: int, record_id: int, version: int) -> None:
        self.hashes.append(hash(key))
        self.digests.append(digest)
        self.records.append(version << 32 | record_id)
        self.kinds.append(kind)

    def seal(self) -> None:
        order = sorted(range(len(self.hashes)), key=self.hashes.__getitem__)
        if len(set(self.hashes)) < len(self.hashes):  # a hash met twice: neither entry confirms anything
            twice = {h for h, times in Counter(self.hashes).items() if times > 1}
            order = [i for i in order if self.hashes[i] not in twice]
        self.hashes = array("q", map(self.hashes.__getitem__, order))
        self.digests = array("Q", map(self.digests.__getitem__, order))
        self.records = array("Q", map(self.records.__getitem__, order))
        self.kinds = array("B", map(self.kinds.__getitem__, order))

    def position(self, key: str) -> int | None:
        wanted = hash(key)
        at = bisect_left(self.hashes, wanted)
        return at if at < len(self.hashes) and self.hashes[at] == wanted and self.kinds[at] != _GONE else None

    def get(self, key: str) -> tuple[int, int, int, int] | None:
        """(digest, kind, id, version), or None."""
        at = self.position(key)
        if at is None:
            return None
        record = self.records[at]
        return self.digests[at], self.kinds[at], record & _ID_MASK, record >> 32

    def let_go(self, at: int) -> None:
        """Drop the entry at `at` (as_exported's last item): its row has been read."""
        self.kinds[at] = _GONE


def digest_number(digest: str) -> int:
    """A row digest (cells.row_digest) as Meta keeps it: its first 64 bits with the lowest set (0: none);
    `cells.row_digest_head(row) | 1` for a row read."""
    return int(digest[:16], 16) | 1


def read_meta(rows: Iterable[list] | None) -> Meta | None:
    if rows is None:
        return None
    rows = iter(rows)
    head = list(islice(rows, 7))
    values = {cells.read_text(r[0]): cells.read_text(r[1]) if len(r) > 1 else None for r in head[:6] if r}
    if values.get("format") != C.FORMAT_NAME:
        return None
    meta = Meta(values.get("plan"), values.get("department") or None, defaultdict(ExportedRows))
    numbers: dict[str, int] = {}
    for row in rows:
        if len(row) < 6 or not row[0]:
            continue
        try:  # sheet, row, entity, id, version, key, digest: the row number is not used, keys are
            record_id, version, entity = int(row[3]), int(row[4]), str(row[2])
            if not (0 <= record_id <= _ID_MASK and 0 <= version <= _ID_MASK):
                continue
            if entity not in numbers:
                if len(numbers) == 16:
                    continue
                numbers[entity] = len(meta.entities)
                meta.entities.append(entity)
            digest = digest_number(str(row[6])) if len(row) > 6 and row[6] else 0
            key = cells.read_text(row[5]) or ""
            meta.rows[str(row[0])].add(key, digest, numbers[entity], record_id, version)
        except (TypeError, ValueError):
            continue  # a damaged key row: that row is matched by its own key alone
    for exported in meta.rows.values():
        exported.seal()
    meta.rows = dict(meta.rows)
    return meta


# -- What a column is ----------------------------------------------------------------------------


@dataclass
class _Plan:
    """How one column is read: the field it fills and how to parse it."""

    col: int
    key: str  # field key, e.g. "name", "total_budget", "plan@2027", "date_range"
    kind: C.Kind | str
    label: str
    factor: Decimal | None = None  # amount columns: to 万元
    ref_prefix: str = ""  # "sheet!C": a cell's reference is this and its row number
    memo: dict | None = None  # raw cell → value, for kinds whose cells repeat (statuses, dates)


def normalise(text: Any) -> str:
    return C.normalise_header(text)


def _split_unit(text: str) -> tuple[str, str | None]:
    match = _HEADER_UNIT.search(text)
    if match:
        return (text[: match.start()] + text[match.end() :]).strip(), match.group(1)
    return text, None


def _index(columns) -> dict[str, C.Column]:
    index = {}
    for column in columns:
        for name in column.names:
            index[normalise(name)] = column
    return index


_PROJECT_INDEX = {k: v for k, v in _index(C.PROJECT_COLUMNS).items() if k not in ("开始", "完成")}
_MILESTONE_INDEX = _index(C.MILESTONE_COLUMNS)
_INVESTMENT_KEY_INDEX = _index(C.INVESTMENT_KEY_COLUMNS)
_FUNDING_INDEX = _index(C.FUNDING_COLUMNS)
READ_ONLY_SHEETS = {
    C.HELP_SHEET: "填表说明",
    C.GOALS_SHEET: "阶段目标只读，请在系统中修改",
    C.EVENTS_SHEET: "大事记只读，请在系统中修改（规划页 → 大事记）",
}
_MILESTONE_NAME_WORDS = {normalise(n) for n in next(c for c in C.MILESTONE_COLUMNS if c.key == "name").names}
_KNOWN = (
    set(_PROJECT_INDEX)
    | set(_MILESTONE_INDEX)
    | set(_INVESTMENT_KEY_INDEX)
    | set(_FUNDING_INDEX)
    | {
        normalise(w)
        for w in (
            *C.DATE_RANGE_HEADERS,
            *C.RANGE_START_WORDS,
            *C.RANGE_END_WORDS,
            *C.YEAR_PLANNED_WORDS,
            *C.YEAR_COMPLETED_WORDS,
            "开始",
            "完成",
            "投资情况",
        )
    }
)


def _is_header_word(text: str) -> bool:
    base, _unit = _split_unit(text)
    return bool(base) and (
        base in _KNOWN
        or bool(_YEAR_HEADER.match(base))
        or bool(_YEAR_AMOUNT_HEADER.match(base))
        or bool(_PERIOD.search(base))
    )


# -- Reading a workbook --------------------------------------------------------------------------


def each_sheet(
    book: Workbook, names: list[str], *, from_tracker: bool, meta: Meta | None = None
) -> Iterator[SheetData]:
    """The sheets named, in that order, each typed when the one before has been used: its header read,
    its rows made as they are asked for. `from_tracker`: the workbook is tracker's own export, whose
    hidden sheet (`meta`) may say, row by row, that a row is still exactly as exported."""
    for name in names:
        if name in book.hidden:
            yield SheetData(name, None, "隐藏的工作表")
        elif name in READ_ONLY_SHEETS:
            yield SheetData(name, None, READ_ONLY_SHEETS[name])
        else:
            rows, merged = book.sheet_rows(name)
            yield read_sheet(name, rows, merged, from_tracker, meta)


class _MergeFiller:
    """A merged cell's value in every cell it covers, row by row as the rows are read: down always (a
    责任单位 merged over a group of rows belongs to each of them), across only above `horizontal_until`
    (a group header over its columns). A row is copied only where a merge writes into it."""

    def __init__(self, merged, horizontal_until: int) -> None:
        self.starting: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
        for (r0, c0), (r1, c1) in merged:
            if c0 < MAX_COLUMNS:
                self.starting[r0].append((c0, r1, c1))
        self.horizontal_until = horizontal_until
        self.open: list[tuple[Any, int, int, int]] = []  # (value, first column, last column, last row)

    def fill(self, index: int, row: list) -> list:
        for c0, r1, c1 in self.starting.get(index, ()):
            value = row[c0] if c0 < len(row) else None
            if value is not None and value != "":
                last = min(c1 if index < self.horizontal_until else c0, MAX_COLUMNS - 1)
                self.open.append((value, c0, last, r1))
        if not self.open:
            return row
        self.open = [m for m in self.open if m[3] >= index]
        if not self.open:
            return row
        row = list(row)
        for value, c0, last, _r1 in self.open:
            if len(row) <= last:
                row.extend([None] * (last + 1 - len(row)))
            for c in range(c0, last + 1):
                if row[c] is None or row[c] == "":
                    row[c] = value
        return row


def _fill_merged(rows: list[list], merged, horizontal_until: int) -> list[list]:
    """A whole grid filled as _MergeFiller fills it row by row."""
    filler = _MergeFiller(merged, horizontal_until)
    return [filler.fill(index, row) for index, row in enumerate(rows)]


def _find_header(grid: list[list]) -> tuple[int, int] | None:
    """(first header row, number of header rows) — the row naming the most known columns."""
    best, best_hits = None, 1
    for r in range(min(HEADER_SCAN_ROWS, len(grid))):
        texts = {normalise(v) for v in grid[r] if cells.clean(v) is not None}
        hits = sum(1 for t in texts if _is_header_word(t))
        if hits > best_hits:
            best, best_hits = r, hits
    if best is None:
        return None
    # With vertical merges filled, the second level repeats the first: the header starts above it.
    if (
        best > 0
        and _is_second_header_row(grid[best - 1], grid[best])
        and sum(1 for v in grid[best - 1] if _is_header_word(normalise(v))) >= 2
    ):
        return best - 1, 2
    if best + 1 < len(grid) and _is_second_header_row(grid[best], grid[best + 1]):
        return best, 2
    return best, 1


def _is_second_header_row(upper: list, lower: list) -> bool:
    """A row under the header is its second level only if every filled cell in it is a header word
    (or the header cell above, continued by a vertical merge): a data row holding one word such as
    说明 or 备注 stays data."""
    new_words = 0
    for col, value in enumerate(lower):
        text = normalise(value)
        if not text:
            continue
        above = normalise(upper[col]) if col < len(upper) else ""
        if text == above:
            continue
        if not _is_header_word(text):
            return False
        new_words += 1
    return new_words > 0


def _title_facts(grid: list[list], header_row: int) -> tuple[str | None, int | None, list[str]]:
    """The unit and the year stated above the header, and the title texts."""
    unit, year, texts = None, None, []
    for row in grid[:header_row]:
        for value in row:
            text = cells.read_text(value)
            if not text:
                continue
            texts.append(text)
            flat = normalise(text)
            match = _TITLE_UNIT.search(flat) or (_HEADER_UNIT.fullmatch(flat) if flat.startswith(("(", "（")) else None)
            if match and unit is None:
                unit = match.group(1)
            year_match = _YEAR.search(flat)
            if year_match and year is None and "日期" not in flat:
                year = int(year_match.group(1))
    return unit, year, texts


def _plan_columns(
    upper: list, lower: list | None, sheet_unit: str | None, title_year: int | None, from_tracker: bool
) -> dict[str, tuple[list[_Plan], list[ColumnLine]]]:
    """For each kind of sheet, how each column would be read; the caller picks the kind."""
    width = max(len(upper), len(lower or []))
    plans: dict[str, tuple[list[_Plan], list[ColumnLine]]] = {}
    for kind in (PROJECTS, MILESTONES, INVESTMENTS, FUNDINGS):
        found: list[_Plan] = []
        lines: list[ColumnLine] = []
        taken: dict[str, str] = {}
        for col in range(width):
            up_raw = normalise(upper[col]) if col < len(upper) else ""
            low_raw = normalise(lower[col]) if lower is not None and col < len(lower) else ""
            if low_raw == up_raw:
                low_raw = ""
            up, up_unit = _split_unit(up_raw)
            low, low_unit = _split_unit(low_raw)
            header = "/".join(t for t in (up_raw, low_raw) if t)
            letter = column_letter(col + 1)
            plan, why = _column(kind, col, up, low, from_tracker, title_year)
            if plan is None:
                if header or why:
                    lines.append(ColumnLine(letter, header, why=why or "系统中没有对应的字段"))
                continue
            if plan.key in taken:
                lines.append(ColumnLine(letter, header, why=f"与{taken[plan.key]}列重复，只读取前一列"))
                continue
            taken[plan.key] = letter
            if plan.kind is C.Kind.AMOUNT:
                unit = low_unit or up_unit or sheet_unit
                plan.factor = UNIT_FACTORS[unit or "万元"]
                label = plan.label + ("" if unit in (None, "万元") else f"（按{unit}读入，已换算为万元）")
                if unit is None and not from_tracker:
                    label += "（表中未注明单位，按万元读入）"
                plan.label = label
            found.append(plan)
            lines.append(ColumnLine(letter, header, read_as=plan.label))
        plans[kind] = (found, lines)
    return plans


def _column(
    kind: str, col: int, up: str, low: str, from_tracker: bool, title_year: int | None
) -> tuple[_Plan | None, str | None]:
    """What one column is on a sheet of `kind`, from its header (upper and lower level)."""
    text = low or up
    if not text:
        return None, None
    # Period columns first: "10月形象进度" must never be read as 形象进度.
    if _PERIOD.search(up) or _PERIOD.search(low):
        return None, "月报/季报数据，由报送周期导入"
    if kind == FUNDINGS:
        if text in C.ROW_NUMBER_HEADERS:
            return _Plan(col, "seq", C.Kind.TEXT, "序号（用于识别分组、合计行）"), None
        column = _FUNDING_INDEX.get(text)
        return (_Plan(col, column.key, column.kind, column.header), None) if column else (None, None)
    year = _YEAR_HEADER.match(up)
    if year and low:
        y = int(year.group(1))
        if low in C.YEAR_PLANNED_WORDS:
            return _Plan(col, f"plan@{y}", C.Kind.AMOUNT, f"{y}年计划投资"), None
        if low in C.YEAR_COMPLETED_WORDS:
            return _Plan(col, f"done@{y}", C.Kind.AMOUNT, f"{y}年完成投资"), None
    named_year = _YEAR_AMOUNT_HEADER.match(text)
    if named_year and kind != MILESTONES:
        y, what = int(named_year.group(1)), named_year.group(2)
        if "完成" in what:
            return _Plan(col, f"done@{y}", C.Kind.AMOUNT, f"{y}年完成投资"), None
        return _Plan(col, f"plan@{y}", C.Kind.AMOUNT, f"{y}年计划投资"), None
    if kind == INVESTMENTS:
        column = _INVESTMENT_KEY_INDEX.get(text)
        return (_Plan(col, column.key, column.kind, column.header), None) if column else (None, None)
    if kind == MILESTONES:
        column = _MILESTONE_INDEX.get(text)
        if column is None and text in ("责任单位", "牵头单位"):
            return _Plan(col, "lead_department", C.Kind.DEPARTMENT, "责任单位（用于找到项目）"), None
        if column is None:
            return None, None
        return _Plan(
            col, column.key, column.kind, column.header if column.key != "project_name" else "项目名称（用于找到项目）"
        ), None
    # Projects.
    if up in C.DATE_RANGE_HEADERS and low:
        if low in C.RANGE_START_WORDS:
            return _Plan(col, "planned_start_on", C.Kind.DATE, "计划开始"), None
        if low in C.RANGE_END_WORDS:
            return _Plan(col, "planned_end_on", C.Kind.DATE, "计划完成"), None
    if text in C.DATE_RANGE_HEADERS:
        return _Plan(col, "date_range", "date_range", "建设起止年限（计划开始、计划完成）"), None
    if text in C.ROW_NUMBER_HEADERS:
        return _Plan(col, "seq", C.Kind.TEXT, "序号（用于识别分组、合计行）"), None
    column = _PROJECT_INDEX.get(text)
    if column is None:
        return None, None
    if column.key == "year_planned":
        if from_tracker:
            return None, "由“投资”表的各年度计划汇总，请在“投资”表修改"
        if title_year is None:
            return None, "表中没有写明是哪一年的计划（标题中未见年份）"
        return _Plan(col, f"plan@{title_year}", C.Kind.AMOUNT, f"{title_year}年计划投资"), None
    if column.key in ("completed_total", "completion_rate"):
        return None, "由各年度完成投资计算，请在“投资”表或年度完成投资列填写"
    if column.key in ("section", "phases"):
        return None, "所属工程与阶段在系统中维护"
    return _Plan(col, column.key, column.kind, column.header if column.key != "planned_start_on" else "计划开始"), None


def _choose_kind(name: str, plans: dict, from_tracker: bool) -> str | None:
    keys = {kind: {p.key for p in found} for kind, (found, _lines) in plans.items()}
    ours = {
        C.PROJECTS_SHEET: PROJECTS,
        C.MILESTONES_SHEET: MILESTONES,
        C.INVESTMENTS_SHEET: INVESTMENTS,
        C.FUNDINGS_SHEET: FUNDINGS,
    }
    if from_tracker and name in ours:
        return ours[name]
    # One row per source of a year's money: 年度 and 资金来源 beside a project, and nothing of a project row.
    if (
        {"year", "source", "amount"} <= keys[FUNDINGS]
        and keys[FUNDINGS] & {"project_code", "project_name"}
        and not keys[PROJECTS] & {"lead_department", "content", "total_budget", "status", "progress_note"}
    ):
        return FUNDINGS
    if "name" in keys[MILESTONES] and keys[MILESTONES] & {"project_code", "project_name"}:
        return MILESTONES
    project_keys = keys[PROJECTS]
    if "name" in project_keys and project_keys & {
        "code",
        "lead_department",
        "content",
        "total_budget",
        "planned_start_on",
        "planned_end_on",
        "date_range",
        "status",
        "progress_note",
    }:
        return PROJECTS
    if keys[INVESTMENTS] & {"project_code", "project_name"} and any("@" in k for k in keys[INVESTMENTS]):
        return INVESTMENTS
    return None


def read_sheet(name: str, rows: Iterator[list], merged, from_tracker: bool, meta: Meta | None = None) -> SheetData:
    """A sheet's header, columns and kind, read from its first rows; its data rows are made as they
    are asked for (SheetData.rows), from `rows` as the file gives them."""
    head = list(islice(rows, HEADER_SCAN_ROWS + 2))
    if not head:
        return SheetData(name, None, "空表")
    header = _find_header(_fill_merged(head, merged, HEADER_SCAN_ROWS + 2))
    if header is None:
        return SheetData(name, None, "没有找到可以识别的表头（如“项目名称”“责任单位”“里程碑”）")
    header_row, levels = header
    data_start = header_row + levels
    filler = _MergeFiller(merged, data_start)
    top = [filler.fill(index, row) for index, row in enumerate(head[:data_start])]
    unit, title_year, _texts = _title_facts(top, header_row)
    upper = top[header_row]
    lower = top[header_row + 1] if levels == 2 else None
    plans = _plan_columns(upper, lower, unit, title_year, from_tracker)
    kind = _choose_kind(name, plans, from_tracker)
    if kind is None:
        return SheetData(name, None, "表头中没有项目名称或里程碑名称列")
    found, lines = plans[kind]
    for plan in found:
        plan.ref_prefix = f"{name}!{column_letter(plan.col + 1)}"
        if plan.kind in _VOCAB_READERS or plan.kind is C.Kind.DATE or plan.kind is C.Kind.DEPARTMENT:
            plan.memo = {}  # values only: a cell that fails to parse raises again, with its own reference
    sheet = SheetData(name, kind, columns=lines)
    if unit and unit != "万元":
        sheet.notes.append(f"工作表“{name}”标明“单位：{unit}”：金额按{unit}读入，已换算为万元")
    sheet.years = sorted({int(p.key.split("@")[1]) for p in found if "@" in p.key})
    exported = meta.rows.get(name) if meta is not None and from_tracker and kind in (PROJECTS, MILESTONES) else None
    sheet.rows = _data_rows(sheet, chain(head, rows), filler, header_row, data_start, found, upper, meta, exported)
    return sheet


def _data_rows(
    sheet: SheetData,
    rows: Iterator[list],
    filler: _MergeFiller,
    header_row: int,
    data_start: int,
    found: list[_Plan],
    upper: list,
    meta: Meta | None,
    exported: ExportedRows | None,
) -> Iterator[Row]:
    """Every non-blank row of the sheet, as a data row or a skipped one with its reason; at the end, the
    columns with data and no header are said."""
    name, kind = sheet.name, sheet.kind
    by_key = {p.key: p for p in found}
    header_texts = [normalise(v) for v in upper]
    last_filled = -1
    used: set[int] = set()  # columns with a value below the header
    for index, raw in enumerate(rows):
        if index < data_start:
            if index < header_row:
                if any(cells.clean(v) is not None for v in raw):
                    yield Row(index + 1, "标题或说明行（表头以上）")
            else:
                yield Row(index + 1, "表头")
            continue
        row = filler.fill(index, raw)
        # A row still exactly as tracker exported it is a data row of that record: nothing more to ask.
        as_exported = _as_exported(kind, raw, by_key, meta, exported) if exported else None
        if as_exported is not None:
            sheet.data_count += 1
            yield Row(index + 1, as_exported=as_exported, _untyped=(name, index, row, found))
            continue
        filled = [(col, v) for col, v in enumerate(row) if v is not None and v != ""]
        if not filled or all(isinstance(v, str) and not v.strip() for _c, v in filled):
            continue
        used.update(col for col, _v in filled)
        reason = _not_data(row, filled, by_key, header_texts)
        if reason:
            yield Row(index + 1, reason)
            continue
        last_filled = max(last_filled, filled[-1][0])
        sheet.data_count += 1
        yield _typed_row(name, index, row, found)
    _say_headerless_columns(sheet, used, last_filled)


def _as_exported(
    kind: str, raw: list, by_key: dict[str, _Plan], meta: Meta, exported: ExportedRows
) -> tuple[str, int, int, int] | None:
    """The record a row stands for, when the row's cells are still exactly what tracker exported:
    (entity, id, version, the entry's place in `exported`)."""
    if kind == PROJECTS:
        key = cells.read_text(_raw_at(raw, by_key.get("code")))
    else:
        code, ordinal = _raw_at(raw, by_key.get("project_code")), _raw_at(raw, by_key.get("ordinal"))
        key = f"{cells.read_text(code)}#{cells.read_text(ordinal)}"
    at = exported.position(key or "")
    if at is None or exported.digests[at] != cells.row_digest_head(raw) | 1:
        return None
    record = exported.records[at]
    return meta.entities[exported.kinds[at]], record & _ID_MASK, record >> 32, at


def _raw_at(raw: list, plan: _Plan | None) -> Any:
    return raw[plan.col] if plan is not None and plan.col < len(raw) else None


def _say_headerless_columns(sheet: SheetData, used: set[int], last_filled: int) -> None:
    """Data in a column with no header is not read: say so, column by column."""
    said = {line.letter for line in sheet.columns}
    for col in range(last_filled + 1):
        letter = column_letter(col + 1)
        if letter in said:
            continue
        if col in used:
            sheet.columns.append(ColumnLine(letter, "", why="没有表头，无法判断是什么数据"))
    sheet.columns.sort(key=lambda line: (len(line.letter), line.letter))


def _text_at(row: list, plan: _Plan | None) -> str:
    if plan is None or plan.col >= len(row):
        return ""
    value = row[plan.col]
    if value is None or value == "":
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a 序号 of 1 is read as 1.0
    text = normalise(value)
    return _MARKERS.sub("", text) if ("☆" in text or "★" in text or "*" in text or "※" in text) else text


def _not_data(
    row: list, filled: list[tuple[int, Any]], by_key: dict[str, _Plan], header_texts: list[str]
) -> str | None:
    """Why a row is not data — by the form of whole cells, never because a name contains 合计."""
    first_col, first_value = filled[0]
    first_text = normalise(cells.read_text(first_value))
    if first_text.startswith(C.NOTE_PREFIXES):
        return "注释或签名行"
    if len(filled) >= 2 and _is_header_word(first_text):
        texts = [normalise(cells.read_text(v)) for _c, v in filled]
        if texts == [t for t in header_texts if t][: len(texts)]:
            return "重复的表头行"
    if (
        len(filled) >= 3
        and _COLUMN_INDEX_CELL.match(first_text)
        and all(_COLUMN_INDEX_CELL.match(normalise(cells.read_text(v))) for _c, v in filled)
    ):
        return "栏次行"
    seq = _text_at(row, by_key.get("seq") or by_key.get("ordinal"))
    name = _text_at(row, by_key.get("name"))
    code = _text_at(row, by_key.get("code") or by_key.get("project_code"))
    for text in (seq, name, code, first_text):
        if not text:
            continue
        if text in C.TOTAL_WORDS or (text[0] in "合总小" and re.match(r"^(合计|总计|小计)[：:(（]", text)):
            return "合计/小计行"
        if text[0] == "其" and (text in ("其中", "其中：", "其中:") or text.startswith(("其中：", "其中:"))):
            return "“其中”分项行"
    if seq and not code and (_GROUP_HEADING.match(seq) or _GROUP_NUMBER_ONLY.match(seq)):
        return f"分组标题行（{seq}）"
    if seq and not code and "seq" in by_key and not re.search(r"\d", seq):
        return f"分组标题行（序号列为“{seq}”）"
    if len(filled) == 1 and "name" in by_key and not code:
        only = filled[0][0]
        key_cols = {p.col for k, p in by_key.items() if k in ("seq", "name", "code", "ordinal", "project_code")}
        if only in key_cols and (by_key["name"].col != only or "seq" in by_key):
            return f"分组标题行（{first_text}）"
    return None


_VOCAB_READERS = {
    C.Kind.PROJECT_STATUS: (ProjectStatus, "项目状态"),
    C.Kind.MILESTONE_STATUS: (MilestoneStatus, "里程碑状态"),
    C.Kind.NATURE: (ProjectNature, "建设性质"),
    C.Kind.FUNDING: (FundingSource, "资金来源"),
}


def _typed_row(sheet: str, index: int, row: list, found: list[_Plan]) -> Row:
    typed = Row(index + 1)
    width = len(row)
    number = str(index + 1)
    for plan in found:
        raw = row[plan.col] if plan.col < width else None
        ref = plan.ref_prefix + number
        try:
            if plan.kind == "date_range":
                start, end = parse_date_range(cells.clean(raw))
                typed.cells["planned_start_on"] = Cell(start, ref)
                typed.cells["planned_end_on"] = Cell(end, ref)
                continue
            if raw is None or raw == "":
                typed.cells[plan.key] = Cell(None, ref)
            elif plan.memo is not None and raw in plan.memo:  # a status or date seen before in this column
                typed.cells[plan.key] = Cell(plan.memo[raw], ref)
            else:
                value = _read(plan, raw)
                if plan.memo is not None and len(plan.memo) < 10_000:
                    plan.memo[raw] = value
                typed.cells[plan.key] = Cell(value, ref)
        except ParseError as exc:
            if plan.kind == "date_range":
                typed.cells["planned_start_on"] = Cell(None, ref, str(exc))
            else:
                typed.cells[plan.key] = Cell(None, ref, str(exc))
    return typed


def _read(plan: _Plan, raw: Any) -> Any:
    kind = plan.kind
    if kind is C.Kind.TEXT or kind is C.Kind.DEPARTMENT:
        return (raw.strip() or None) if isinstance(raw, str) else cells.read_text(raw)
    if kind is C.Kind.AMOUNT:
        return cells.read_amount(raw, plan.factor or Decimal(1))
    if kind is C.Kind.DATE:
        return cells.read_date(raw)
    if kind is C.Kind.INT:
        return cells.read_int(raw)
    if kind is C.Kind.YEAR:
        return parse_year(raw)
    if kind in _VOCAB_READERS:
        vocab, what = _VOCAB_READERS[kind]
        return cells.read_vocab(vocab, raw, what)
    if kind is C.Kind.DEPARTMENTS:
        return cells.split_list(raw) or None  # blank is blank, not "no cooperators"
    if isinstance(raw, str):
        return raw.strip() or None
    return cells.read_text(raw)
