"""Helpers for the workbook tests: export to bytes, edit cells with openpyxl, re-save through LibreOffice."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import openpyxl
import pytest

from tracker.excel.export import ExportScope, export_workbook

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def export_bytes(session, plan, department=None) -> bytes:
    buffer = io.BytesIO()
    export_workbook(session, ExportScope(plan, department), buffer)
    return buffer.getvalue()


def edit(data: bytes, changes: dict[str, dict[str, object]]) -> bytes:
    """{"sheet": {"A1": value}} applied with openpyxl, as a person editing in Excel would."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    for sheet, cells in changes.items():
        for ref, value in cells.items():
            book[sheet][ref] = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def find_row(data: bytes, sheet: str, column: int, value: str) -> int:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    for index, row in enumerate(book[sheet].iter_rows(values_only=True), start=1):
        if len(row) >= column and row[column - 1] == value:
            return index
    raise AssertionError(f"{value} not found in {sheet}")


def libreoffice_resave(data: bytes, target: str = "xlsx") -> bytes:
    """The file after LibreOffice opened it and saved it again as `target` (xlsx, xls or ods)."""
    if SOFFICE is None:
        message = "需要 LibreOffice（apt-get install libreoffice-calc-nogui）"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "book.xlsx"
        source.write_bytes(data)
        out = Path(folder) / "out"
        profile = Path(folder) / "profile"
        subprocess.run(
            [
                SOFFICE,
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--convert-to",
                target,
                "--outdir",
                str(out),
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
        return (out / f"book.{target}").read_bytes()
