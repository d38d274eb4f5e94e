"""A file written into memory, sent as a download (workbooks, zips of workbooks)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile

from flask import current_app, send_file

MIME_TYPES = {".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".zip": "application/zip"}


def download(data: io.BytesIO | bytes, name: str):
    buffer = io.BytesIO(data) if isinstance(data, bytes) else data
    buffer.seek(0)
    mimetype = next((m for suffix, m in MIME_TYPES.items() if name.endswith(suffix)), "application/octet-stream")
    return send_file(buffer, mimetype=mimetype, as_attachment=True, download_name=name)


def workbook_from_own_process(plan_id: int, department_id: int | None) -> bytes:
    """The plan's workbook written by tracker.excel.export_job in a niced process of its own (a large
    export must not slow the people browsing meanwhile); the database is the app's own."""
    with tempfile.TemporaryDirectory(prefix="tracker-export-") as folder:
        output = os.path.join(folder, "export.xlsx")
        command = [sys.executable, "-m", "tracker.excel.export_job", str(plan_id), output]
        if department_id is not None:
            command += ["--department-id", str(department_id)]
        env = {**os.environ, "TRACKER_DATABASE_URL": current_app.config["DATABASE_URL"]}
        done = subprocess.run(command, env=env, capture_output=True, timeout=600)
        if done.returncode != 0:
            raise RuntimeError(f"export job failed ({done.returncode}): {done.stderr.decode(errors='replace')[-2000:]}")
        with open(output, "rb") as written:
            return written.read()
