"""Backups: the whole database to one file and back, on either kind of database.

PostgreSQL: `pg_dump --format=custom` (tables, sequences, indexes and the append-only triggers) and
`pg_restore` into an empty database. SQLite: the driver's online backup, a consistent copy even while
the app writes. `tests/test_backup.py` restores into a fresh database and compares every table.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import inspect, make_url, text

from tracker.extensions import make_engine


def _libpq(url: str) -> tuple[str, dict]:
    """A SQLAlchemy URL as pg_dump wants it: a plain postgresql:// address, the password in PGPASSWORD."""
    parsed = make_url(url)
    env = {**os.environ}
    if parsed.password:
        env["PGPASSWORD"] = parsed.password
    plain = parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return plain, env


def backup(url: str, output: str | Path) -> Path:
    output = Path(output)
    if make_url(url).get_backend_name() == "postgresql":
        address, env = _libpq(url)
        subprocess.run(
            ["pg_dump", "--format=custom", "--no-owner", "--file", str(output), address],
            env=env,
            check=True,
            capture_output=True,
            timeout=3600,
        )
    else:
        _sqlite_copy(make_url(url).database, output)
    return output


def _sqlite_copy(source_path, target_path) -> None:
    """SQLite's online backup: a consistent copy even while another connection writes."""
    source, target = sqlite3.connect(source_path), sqlite3.connect(target_path)
    try:
        with target:
            source.backup(target)
    finally:
        target.close()
        source.close()


def restore(backup_file: str | Path, url: str) -> None:
    """Into an empty database (a new PostgreSQL database, or a SQLite file that does not exist yet)."""
    if make_url(url).get_backend_name() == "postgresql":
        address, env = _libpq(url)
        subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", "--dbname", address, str(backup_file)],
            env=env,
            check=True,
            capture_output=True,
            timeout=3600,
        )
    else:
        target_path = Path(make_url(url).database)
        if target_path.exists() and target_path.stat().st_size:
            raise FileExistsError(f"{target_path} 已存在：恢复只写入新的数据库文件")
        _sqlite_copy(backup_file, target_path)


def fingerprint(url: str) -> dict[str, object]:
    """Every table's row count, and a checksum of the whole change history (the record of record)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            tables = sorted(inspect(conn).get_table_names())
            counts: dict[str, object] = {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar() for t in tables}
            digest = hashlib.sha256()
            for row in conn.execute(
                text(
                    "SELECT id, changed_at, user_id, source, entity, entity_id, action, field, old_value, new_value, "
                    "import_batch_id, project_id FROM change_records ORDER BY id"
                )
            ):
                digest.update(repr(tuple(row)).encode())
            counts["change_records sha256"] = digest.hexdigest()
    finally:
        engine.dispose()
    return counts
