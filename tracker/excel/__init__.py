"""Workbooks in and out: the office's layout (columns.py), reading cells (cells.py), opening files
safely (reader.py), writing (export.py) and typed rows for imports (sheets.py)."""
