"""A file written into memory, sent as a download (workbooks, zips of workbooks)."""
from __future__ import annotations

import io

from flask import send_file

MIME_TYPES = {".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".zip": "application/zip"}


def download(data: io.BytesIO | bytes, name: str):
    buffer = io.BytesIO(data) if isinstance(data, bytes) else data
    buffer.seek(0)
    mimetype = next((m for suffix, m in MIME_TYPES.items() if name.endswith(suffix)), "application/octet-stream")
    return send_file(buffer, mimetype=mimetype, as_attachment=True, download_name=name)
