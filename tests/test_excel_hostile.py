"""Hostile and broken files: each gets a clear message, none a 500, nothing is written."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import time
import zipfile

import openpyxl
import pytest
from sqlalchemy import func, select

from tests.excel_helpers import libreoffice_resave
from tests.factories import make_plan, make_user
from tracker.excel import reader
from tracker.excel.reader import WorkbookError, open_workbook
from tracker.models import ImportBatch
from tracker.services.imports import ImportRefused, preview_workbook
from tracker.vocab import Role


def _xlsx(build) -> bytes:
    book = openpyxl.Workbook()
    build(book.active)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _rewrite(data: bytes, member: str, change) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            target.writestr(item, change(content) if item.filename == member else content)
    return out.getvalue()


SIMPLE = _xlsx(lambda ws: (ws.append(["项目编号", "项目名称"]), ws.append(["1.1", "基础网络建设"])))


def test_corrupt_zip():
    with pytest.raises(WorkbookError, match="已损坏"):
        open_workbook(SIMPLE[: len(SIMPLE) // 2])


def test_a_workbook_read_in_the_background_is_the_same_and_is_refused_the_same(monkeypatch):
    """What `import-xlsx` reads on another thread while the command starts (reader.open_in_background):
    every sheet parsed there, its rows made when the preview comes to it."""

    def rows_of(book):
        return {name: [list(rows), merged] for name in book.names for rows, merged in [book.sheet_rows(name)]}

    whole = open_workbook(SIMPLE, "简单.xlsx")
    expected = {name: [whole.sheets[name], whole.merged[name]] for name in whole.names}
    opened = reader.open_in_background(SIMPLE, "简单.xlsx")()
    assert opened.sheets == {} and set(opened.parsed) == {"Sheet"}
    assert rows_of(opened) == expected
    with pytest.raises(WorkbookError, match="已损坏"):
        reader.open_in_background(SIMPLE[: len(SIMPLE) // 2])()
    # A large file is opened when asked for, on the caller's thread, each sheet parsed when the preview
    # comes to it: the same rows, the same refusal.
    monkeypatch.setattr(reader, "BACKGROUND_MAX_BYTES", 100)
    lazy = reader.open_in_background(SIMPLE, "简单.xlsx")()
    assert lazy.parsed == {} and rows_of(lazy) == expected
    with pytest.raises(WorkbookError, match="已损坏"):
        reader.open_in_background(SIMPLE[: len(SIMPLE) // 2])()


def test_text_file_renamed_xlsx():
    with pytest.raises(WorkbookError, match="不是 Excel 工作簿"):
        open_workbook("项目编号,项目名称\n1.1,基础网络建设\n".encode())


def test_password_protected_workbook_is_told_apart_from_xls():
    from msoffcrypto.format.ooxml import OOXMLFile

    encrypted = io.BytesIO()
    OOXMLFile(io.BytesIO(SIMPLE)).encrypt("secret", encrypted)
    data = encrypted.getvalue()
    assert data.startswith(reader.OLE_MAGIC)  # an OLE container, like .xls
    with pytest.raises(WorkbookError, match="密码"):
        open_workbook(data)
    xls = libreoffice_resave(SIMPLE, "xls")
    assert xls.startswith(reader.OLE_MAGIC)
    assert open_workbook(xls).kind == "xls"  # a real .xls is read


def test_upload_over_the_size_limit():
    with pytest.raises(WorkbookError, match="文件过大"):
        open_workbook(b"PK\x03\x04" + b"\0" * (reader.MAX_UPLOAD_BYTES + 1))


def test_zip_bomb_is_refused_before_parsing():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in zipfile.ZipFile(io.BytesIO(SIMPLE)).infolist():
            archive.writestr(item, zipfile.ZipFile(io.BytesIO(SIMPLE)).read(item.filename))
        archive.writestr("xl/media/bomb.bin", b"\0" * (30 * 1024 * 1024))
    bomb = out.getvalue()
    assert len(bomb) < 1024 * 1024
    started = time.monotonic()
    with pytest.raises(WorkbookError, match="压缩炸弹"):
        open_workbook(bomb)
    assert time.monotonic() - started < 2


def test_too_many_members():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for n in range(reader.MAX_MEMBERS + 1):
            archive.writestr(f"x/{n}.xml", b"")
    with pytest.raises(WorkbookError, match="部件过多"):
        open_workbook(out.getvalue())


def test_sheet_declaring_the_whole_grid_costs_nothing():
    data = _rewrite(
        SIMPLE,
        "xl/worksheets/sheet1.xml",
        lambda x: re.sub(rb'<dimension ref="[^"]+" ?/>', b'<dimension ref="A1:XFD1048576"/>', x),
    )
    assert b"XFD1048576" in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    started = time.monotonic()
    book = open_workbook(data)
    assert time.monotonic() - started < 2
    assert book.sheets["Sheet"] == [["项目编号", "项目名称"], ["1.1", "基础网络建设"]]


FAR_CELL = _xlsx(
    lambda ws: (
        ws.append(["项目编号", "项目名称"]),
        ws.append(["1.1", "基础网络建设"]),
        ws.cell(row=1048576, column=16384, value="x"),
    )
)


def test_one_cell_at_the_far_corner_is_refused_before_any_grid_is_built(tmp_path):
    """20 KB with a value at XFD1048576: the reader would build a 17-billion-cell grid and abort."""
    assert len(FAR_CELL) < 20_000
    path = tmp_path / "far.xlsx"
    path.write_bytes(FAR_CELL)
    # In a child with 2 GB of address space: if the guard ever regresses, only the child dies.
    script = (
        "import resource, sys, pathlib\n"
        "resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))\n"
        "from tracker.excel.reader import open_workbook, WorkbookError\n"
        "try:\n    open_workbook(pathlib.Path(sys.argv[1]).read_bytes())\n"
        "except WorkbookError as exc:\n    print(exc)\n"
    )
    started = time.monotonic()
    child = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=60)
    assert child.returncode == 0, child.stderr[-2000:]
    assert "XFD1048576" in child.stdout and "超出可读取的范围" in child.stdout
    assert time.monotonic() - started < 10


def test_a_grid_too_large_by_rows_times_columns_is_refused_before_any_grid_is_built():
    """No cell past the row or column caps, but 150,000 rows × 150 columns is 22.5 million cells."""
    data = _rewrite(
        SIMPLE,
        "xl/worksheets/sheet1.xml",
        lambda x: x.replace(
            b"</sheetData>",
            b'<row r="3"><c r="ET3" t="n"><v>1</v></c></row>'
            b'<row r="150000"><c r="A150000" t="n"><v>1</v></c></row></sheetData>',
        ),
    )
    with pytest.raises(WorkbookError, match="一直延伸到 ET150000（150000 行 × 150 列），超出可读取的范围"):
        open_workbook(data)


def test_far_cell_written_unusually_is_still_measured():
    """The cheap check trusts only files written the usual way; attributes in another order are measured."""
    data = _rewrite(
        SIMPLE,
        "xl/worksheets/sheet1.xml",
        lambda x: x.replace(
            b"</sheetData>", b'<row r="1048576"><c t="n" r="XFD1048576"><v>1</v></c></row></sheetData>'
        ),
    )
    with pytest.raises(WorkbookError, match="XFD1048576"):
        open_workbook(data)


def test_far_cell_upload_is_refused_with_a_message(session):
    plan = make_plan(session, code="far")
    with pytest.raises(ImportRefused, match="XFD1048576"):
        preview_workbook(session, FAR_CELL, user=make_user(session, Role.OFFICE), plan_code=plan.code)


def _ods(rows_xml: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0"?><manifest:manifest xmlns:manifest='
            '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry '
            'manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            "</manifest:manifest>",
        )
        archive.writestr(
            "content.xml",
            '<?xml version="1.0"?><office:document-content '
            'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
            'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
            'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
            '<office:body><office:spreadsheet><table:table table:name="表1">'
            + rows_xml
            + "</table:table></office:spreadsheet></office:body></office:document-content>",
        )
    return out.getvalue()


def _ods_cell(text: str, repeat: int = 1) -> str:
    return (
        f'<table:table-cell table:number-columns-repeated="{repeat}" office:value-type="string">'
        f"<text:p>{text}</text:p></table:table-cell>"
    )


def test_ods_cells_repeated_to_the_far_corner_are_refused():
    far_row = (
        "<table:table-row>" + _ods_cell("项目名称") + "</table:table-row>"
        '<table:table-row table:number-rows-repeated="1048574"><table:table-cell/></table:table-row>'
        '<table:table-row><table:table-cell table:number-columns-repeated="16383"/>'
        + _ods_cell("x")
        + "</table:table-row>"
    )
    with pytest.raises(WorkbookError, match="超出可读取的范围"):
        open_workbook(_ods(far_row))
    repeated = '<table:table-row table:number-rows-repeated="1000000">' + _ods_cell("x", 300) + "</table:table-row>"
    with pytest.raises(WorkbookError, match="超出可读取的范围"):
        open_workbook(_ods(repeated))
    small = "<table:table-row>" + _ods_cell("项目名称") + "</table:table-row>"
    assert open_workbook(_ods(small)).sheets["表1"] == [["项目名称"]]


def test_padding_of_empty_rows_stops_after_a_blank_run():
    book = open_workbook(_xlsx(lambda ws: (ws.append(["a"]), ws.cell(row=200_000, column=1, value="far"))))
    assert book.sheets["Sheet"] == [["a"]]


def test_xml_entity_bomb():
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML is True  # openpyxl parses through defusedxml
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(
            b'<!ENTITY lol%d "%s">' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10) for n in range(1, 10)
        )
        + b"]>"
    )
    data = _rewrite(
        SIMPLE,
        "xl/sharedStrings.xml",
        lambda x: laughs + re.sub(rb"^<\?xml[^>]*\?>", b"", x).replace(b"<t>1.1</t>", b"<t>&lol9;</t>"),
    )
    started = time.monotonic()
    try:
        book = open_workbook(data)
    except WorkbookError as exc:
        assert "无法读取" in str(exc)
    else:
        assert all(len(str(v)) < 1000 for row in book.sheets["Sheet"] for v in row)  # nothing expanded
    assert time.monotonic() - started < 2
    try:  # openpyxl (used for layout checks, never for import values) must not expand it either
        loaded = openpyxl.load_workbook(io.BytesIO(data))
    except Exception:
        return
    assert all(len(str(c.value or "")) < 1000 for row in loaded.active.iter_rows() for c in row)


def test_formula_without_cached_value_asks_to_resave_in_excel():
    data = _xlsx(lambda ws: (ws.append(["项目编号", "总投资"]), ws.append(["1.1", "=100+200"])))
    with pytest.raises(WorkbookError, match=r"Sheet!B2 等单元格含公式但没有计算结果.*Excel 或 WPS"):
        open_workbook(data)


def test_macro_workbook_is_read_as_data_only():
    data = _rewrite(SIMPLE, "[Content_Types].xml", lambda x: x)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for item in zipfile.ZipFile(io.BytesIO(data)).infolist():
            archive.writestr(item, zipfile.ZipFile(io.BytesIO(data)).read(item.filename))
        archive.writestr("xl/vbaProject.bin", b'Attribute VB_Name = "Module1"\nSub AutoOpen()\nShell "calc"\nEnd Sub')
    book = open_workbook(out.getvalue())
    assert book.kind == "xlsm"
    assert book.notes == ["工作簿含有宏：只读取数据，宏不会运行"]
    assert book.sheets["Sheet"][1] == ["1.1", "基础网络建设"]


@pytest.mark.parametrize("data", [b"not a workbook at all", SIMPLE[:100]])
def test_broken_files_write_nothing(session, data):
    make_plan(session, code="p1")
    user = make_user(session, Role.OFFICE)
    before = session.scalar(select(func.count(ImportBatch.id)))
    with pytest.raises(ImportRefused):
        preview_workbook(session, data, user=user, plan_code="p1")
    assert session.scalar(select(func.count(ImportBatch.id))) == before
