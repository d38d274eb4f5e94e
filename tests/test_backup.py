"""A backup restored into a fresh database holds every row: each table's count and the change
history's checksum are the same (on PostgreSQL through pg_dump/pg_restore, as the README's routine)."""

from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy.orm import Session

from tests.conftest import scratch_database
from tracker import PROJECT_ROOT, backup, migrate
from tracker.extensions import make_engine
from tracker.models import set_change_context
from tracker.services.seeding import seed
from tracker.vocab import ChangeSource


def _flask(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TRACKER_DATABASE_URL": url, "TRACKER_ENV": "development"}
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "tracker", *args],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_backup_restores_into_a_fresh_database_with_every_row(database_url, tmp_path):
    with scratch_database(database_url, tmp_path, "backup_source") as source:
        migrate.upgrade(source)
        engine = make_engine(source)
        with Session(engine) as session:
            set_change_context(session, ChangeSource.SEED)
            seed(session, demo=True)
            session.commit()
        engine.dispose()
        before = backup.fingerprint(source)
        assert before["projects"] > 40 and before["change_records"] > 100

        dump = tmp_path / "tracker.backup"
        made = _flask(source, "backup", str(dump))
        assert made.returncode == 0, made.stderr
        assert "已备份到" in made.stdout and dump.stat().st_size > 10_000

        with scratch_database(database_url, tmp_path, "backup_target") as target:
            restored = _flask(target, "restore", str(dump))
            assert restored.returncode == 0, restored.stderr
            assert f"{before['projects']} 个项目" in restored.stdout
            assert backup.fingerprint(target) == before
