"""A small .xlsx writer for tracker's own plan workbooks: rows go into the zip as XML text as they come.

openpyxl's write-only mode makes a cell object per value, styles it and serialises it through lxml:
about 25 µs a cell, so a department's workbook of 9,000 cells cost 250 ms of a web request, most of the
300 ms a page may take under load, and the whole plan's million cells half a minute. This writes the
same parts as text at a few µs a cell: inline strings (as openpyxl's write-only mode writes them),
numbers, dates as serials, one style table, column widths, frozen panes, merged cells, list
validations, sheet protection, print titles, A4 landscape fitted to the width, hidden sheets.
It writes only what tracker's workbooks use; openpyxl still writes the smaller report workbooks.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any
from xml.sax.saxutils import escape, quoteattr

from tracker.excel.reader import column_letter, column_number

# Characters XML 1.0 cannot carry at all (openpyxl refuses them too); a stored value never holds one
# on purpose, so one that slipped in is dropped rather than making a file Excel will not open.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_BUILTIN_FORMATS = {"General": 0, "0": 1, "0.00": 2, "#,##0": 3, "#,##0.00": 4, "0%": 9, "0.00%": 10}
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


@dataclass(frozen=True)
class Look:
    """How a cell looks: the few things tracker's workbooks vary."""

    bold: bool = False
    size: int | None = None
    fill: str | None = None  # RGB, e.g. "FFF2CC"
    border: bool = False
    horizontal: str | None = None
    vertical: str | None = None
    wrap: bool = False
    number_format: str | None = None
    unlocked: bool = False  # writable in a protected sheet
    quote: bool = False  # text that Excel must keep as text if retyped ("=…")


class Styled:
    """A value with a look (an index in the workbook's style table)."""

    __slots__ = ("value", "style")

    def __init__(self, value: Any, style: int) -> None:
        self.value, self.style = value, style


class Sheet:
    def __init__(
        self,
        book: XlsxWriter,
        name: str,
        widths: list[float],
        freeze: str | None,
        print_rows: tuple[int, int] | None,
        fit_to_width: bool,
        hidden: bool,
    ) -> None:
        self.book, self.name, self.hidden, self.print_rows = book, name, hidden, print_rows
        self.rows = 0
        self.merged: list[str] = []
        self.validations: list[str] = []
        self.protection: str | None = None
        self.fit_to_width = fit_to_width
        # Without ZIP64 extensions, as Excel's own files: some Excel versions call a forced-ZIP64 package
        # corrupt (Apache POI bug 57342); a sheet never nears the 2 GB that would need them (rows are capped).
        self._out = book._zip.open(f"xl/worksheets/sheet{len(book.sheets) + 1}.xml", "w")
        self._buffer: list[str] = []
        head = [_HEAD, f'<worksheet xmlns="{_MAIN}" xmlns:r="{_DOC_REL}">']
        if fit_to_width:
            head.append('<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>')
        head.append(_views(freeze))
        head.append('<sheetFormatPr baseColWidth="8" defaultRowHeight="15"/>')
        if widths:
            head.append("<cols>")
            head += [f'<col min="{i}" max="{i}" width="{w:g}" customWidth="1"/>' for i, w in enumerate(widths, 1)]
            head.append("</cols>")
        head.append("<sheetData>")
        self._write("".join(head))

    def _write(self, text: str) -> None:
        self._out.write(text.encode())

    def append(self, values: list) -> None:
        """One row: bare values (no style) or Styled ones; None is an empty cell."""
        self.rows += 1
        number = self.rows
        cells = []
        letters = self.book.letters
        if len(values) > len(letters):  # wider than any sheet so far (a plan of many investment years)
            letters.extend(column_letter(n) for n in range(len(letters) + 1, len(values) + 1))
        for index, value in enumerate(values):
            style = 0
            if type(value) is Styled:
                value, style = value.value, value.style
            if value is None:
                if style:
                    cells.append(f'<c r="{letters[index]}{number}" s="{style}"/>')
                continue
            ref = f'{letters[index]}{number}" s="{style}' if style else f"{letters[index]}{number}"
            if type(value) is str:
                if _NOT_XML.search(value):
                    value = _NOT_XML.sub("", value)
                space = ' xml:space="preserve"' if value != value.strip() else ""
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t{space}>{escape(value)}</t></is></c>')
            elif type(value) is bool:
                cells.append(f'<c r="{ref}" t="b"><v>{int(value)}</v></c>')
            elif type(value) is int:
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
            elif type(value) is Decimal:
                cells.append(f'<c r="{ref}"><v>{value:f}</v></c>')
            elif type(value) is float:
                cells.append(f'<c r="{ref}"><v>{value!r}</v></c>')
            elif type(value) is dt.date:
                cells.append(f'<c r="{ref}"><v>{(value - _EXCEL_EPOCH).days}</v></c>')
            else:
                raise TypeError(f"no cell for {type(value).__name__}")
        self._buffer.append(f'<row r="{number}">{"".join(cells)}</row>' if cells else f'<row r="{number}"/>')
        if len(self._buffer) >= 512:
            self._write("".join(self._buffer))
            self._buffer.clear()

    def merge(self, ref: str) -> None:
        self.merged.append(ref)

    def list_validation(self, ref: str, choices: list[str], title: str, error: str) -> None:
        formula = escape('"' + ",".join(choices) + '"')
        self.validations.append(
            f'<dataValidation type="list" allowBlank="1" showErrorMessage="1" errorTitle={quoteattr(title)} '
            f'error={quoteattr(error)} sqref="{ref}"><formula1>{formula}</formula1></dataValidation>'
        )

    def protect(self, *, format_columns: bool = False, format_rows: bool = False) -> None:
        """Locked cells stay locked; people may still widen columns and rows where allowed."""
        self.protection = (
            f'<sheetProtection sheet="1" objects="0" scenarios="0" formatColumns="{int(not format_columns)}" '
            f'formatRows="{int(not format_rows)}" selectLockedCells="0" selectUnlockedCells="0"/>'
        )

    def close(self) -> None:
        tail = ["".join(self._buffer), "</sheetData>"]
        if self.protection:
            tail.append(self.protection)
        if self.merged:
            tail.append(f'<mergeCells count="{len(self.merged)}">')
            tail += [f'<mergeCell ref="{ref}"/>' for ref in self.merged]
            tail.append("</mergeCells>")
        if self.validations:
            tail.append(
                f'<dataValidations count="{len(self.validations)}">{"".join(self.validations)}</dataValidations>'
            )
        tail.append('<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>')
        if self.fit_to_width:
            tail.append('<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>')
        tail.append("</worksheet>")
        self._write("".join(tail))
        self._out.close()


def _views(freeze: str | None) -> str:
    pane = ""
    if freeze and freeze != "A1":
        letters = re.match(r"[A-Z]+", freeze).group()
        columns_left = column_number(letters.encode()) - 1
        rows_above = int(freeze[len(letters) :]) - 1
        active = {(True, True): "bottomRight", (False, True): "bottomLeft", (True, False): "topRight"}[
            (columns_left > 0, rows_above > 0)
        ]
        split = (f' xSplit="{columns_left}"' if columns_left else "") + (
            f' ySplit="{rows_above}"' if rows_above else ""
        )
        pane = (
            f'<pane{split} topLeftCell="{freeze}" activePane="{active}" state="frozen"/>'
            f'<selection pane="{active}" activeCell="{freeze}" sqref="{freeze}"/>'
        )
    return f'<sheetViews><sheetView workbookViewId="0">{pane}</sheetView></sheetViews>'


class XlsxWriter:
    """Sheets are written one after another (a sheet is finished when the next begins or on save)."""

    def __init__(self, out: IO[bytes]) -> None:
        self._zip = zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1)
        self.sheets: list[Sheet] = []
        self.looks: dict[Look, int] = {Look(): 0}
        self.letters = [column_letter(n) for n in range(1, 257)]

    def style(self, look: Look) -> int:
        index = self.looks.get(look)
        if index is None:
            index = self.looks[look] = len(self.looks)
        return index

    def add_sheet(
        self,
        name: str,
        widths: list[float] = (),
        *,
        freeze: str | None = None,
        print_rows: tuple[int, int] | None = None,
        fit_to_width: bool = False,
        hidden: bool = False,
    ) -> Sheet:
        if self.sheets:
            self.sheets[-1].close()
        sheet = Sheet(self, name, list(widths), freeze, print_rows, fit_to_width, hidden)
        self.sheets.append(sheet)
        return sheet

    def save(self) -> None:
        if self.sheets:
            self.sheets[-1].close()
        count = len(self.sheets)
        sheet_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
        self._zip.writestr(
            "[Content_Types].xml",
            _HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            + "".join(
                f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{sheet_type}"/>'
                for n in range(1, count + 1)
            )
            + "</Types>",
        )
        self._zip.writestr(
            "_rels/.rels",
            _HEAD + f'<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" '
            f'Type="{_DOC_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        self._zip.writestr(
            "xl/_rels/workbook.xml.rels",
            _HEAD
            + f'<Relationships xmlns="{_PKG_REL}">'
            + "".join(
                f'<Relationship Id="rId{n}" Type="{_DOC_REL}/worksheet" Target="worksheets/sheet{n}.xml"/>'
                for n in range(1, count + 1)
            )
            + f'<Relationship Id="rId{count + 1}" Type="{_DOC_REL}/styles" Target="styles.xml"/></Relationships>',
        )
        hidden = ' state="hidden"'
        sheets = "".join(
            f'<sheet name={quoteattr(s.name)} sheetId="{n}"{hidden if s.hidden else ""} r:id="rId{n}"/>'
            for n, s in enumerate(self.sheets, 1)
        )
        titles = "".join(
            f'<definedName name="_xlnm.Print_Titles" localSheetId="{n}">'
            f"{escape(_quoted(s.name))}!${s.print_rows[0]}:${s.print_rows[1]}</definedName>"
            for n, s in enumerate(self.sheets)
            if s.print_rows
        )
        self._zip.writestr(
            "xl/workbook.xml",
            _HEAD + f'<workbook xmlns="{_MAIN}" xmlns:r="{_DOC_REL}"><workbookPr/>'
            '<bookViews><workbookView activeTab="0"/></bookViews>'
            f"<sheets>{sheets}</sheets>"
            + (f"<definedNames>{titles}</definedNames>" if titles else "")
            + '<calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>',
        )
        self._zip.writestr("xl/styles.xml", _styles(list(self.looks)))
        self._zip.close()


def _quoted(sheet_name: str) -> str:
    return "'" + sheet_name.replace("'", "''") + "'"


def _styles(looks: list[Look]) -> str:
    fonts = ['<font><sz val="11"/><name val="Calibri"/><family val="2"/></font>']
    fills = ['<fill><patternFill patternType="none"/></fill>', '<fill><patternFill patternType="gray125"/></fill>']
    borders = ["<border><left/><right/><top/><bottom/><diagonal/></border>"]
    formats: dict[str, int] = {}
    font_of: dict[tuple, int] = {(False, None): 0}
    fill_of: dict[str, int] = {}
    xfs = []
    for look in looks:
        font = font_of.get((look.bold, look.size))
        if font is None:
            font = font_of[(look.bold, look.size)] = len(fonts)
            fonts.append(
                f'<font>{"<b/>" if look.bold else ""}<sz val="{look.size or 11}"/>'
                '<name val="Calibri"/><family val="2"/></font>'
            )
        fill = 0
        if look.fill:
            fill = fill_of.get(look.fill)
            if fill is None:
                fill = fill_of[look.fill] = len(fills)
                fills.append(
                    f'<fill><patternFill patternType="solid"><fgColor rgb="00{look.fill}"/></patternFill></fill>'
                )
        border = 0
        if look.border:
            if len(borders) == 1:
                side = '<color rgb="00A6A6A6"/>'
                borders.append(
                    "<border>"
                    + "".join(f'<{edge} style="thin">{side}</{edge}>' for edge in ("left", "right", "top", "bottom"))
                    + "<diagonal/></border>"
                )
            border = 1
        number = 0
        if look.number_format:
            number = _BUILTIN_FORMATS.get(look.number_format) or formats.setdefault(
                look.number_format, 164 + len(formats)
            )
        align = "".join(
            f" {name}={quoteattr(str(value))}"
            for name, value in (("horizontal", look.horizontal), ("vertical", look.vertical))
            if value
        ) + (' wrapText="1"' if look.wrap else "")
        inner = (f"<alignment{align}/>" if align else "") + ('<protection locked="0"/>' if look.unlocked else "")
        xfs.append(
            f'<xf numFmtId="{number}" fontId="{font}" fillId="{fill}" borderId="{border}" xfId="0"'
            + (' applyNumberFormat="1"' if number else "")
            + (' applyFont="1"' if font else "")
            + (' applyFill="1"' if fill else "")
            + (' applyBorder="1"' if border else "")
            + (' applyAlignment="1"' if align else "")
            + (' applyProtection="1"' if look.unlocked else "")
            + (' quotePrefix="1"' if look.quote else "")
            + (f">{inner}</xf>" if inner else "/>")
        )
    number_formats = "".join(
        f"<numFmt numFmtId={quoteattr(str(i))} formatCode={quoteattr(code)}/>" for code, i in formats.items()
    )
    return (
        _HEAD
        + f'<styleSheet xmlns="{_MAIN}">'
        + (f'<numFmts count="{len(formats)}">{number_formats}</numFmts>' if formats else "")
        + f'<fonts count="{len(fonts)}">{"".join(fonts)}</fonts>'
        + f'<fills count="{len(fills)}">{"".join(fills)}</fills>'
        + f'<borders count="{len(borders)}">{"".join(borders)}</borders>'
        + '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        + f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
        + '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        + "</styleSheet>"
    )
