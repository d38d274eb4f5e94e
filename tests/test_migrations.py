"""The schema comes only from the migrations, and they match the models."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from tests.conftest import scratch_database
from tracker import PROJECT_ROOT, migrate
from tracker.extensions import make_engine
from tracker.models import Base

APP_TABLES = {t.name for t in Base.metadata.sorted_tables}


@pytest.fixture()
def scratch_url(database_url, tmp_path):
    """An empty database of the same kind as the suite's, for migrating up and down."""
    with scratch_database(database_url, tmp_path, "migrations") as url:
        yield url


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade_round_trip(scratch_url):
    migrate.upgrade(scratch_url)
    assert _tables(scratch_url) == APP_TABLES
    migrate.downgrade(scratch_url, "base")
    assert _tables(scratch_url) == set()
    migrate.upgrade(scratch_url)
    assert _tables(scratch_url) == APP_TABLES


def test_cli_db_upgrade_and_downgrade(scratch_url, tmp_path):
    env = {**os.environ, "TRACKER_ENV": "development", "TRACKER_DATABASE_URL": scratch_url}
    flask = [sys.executable, "-m", "flask", "--app", "tracker"]

    def run(*args):
        return subprocess.run([*flask, *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)

    up = run("db", "upgrade")
    assert up.returncode == 0, up.stderr
    assert _tables(scratch_url) == APP_TABLES
    down = run("db", "downgrade", "base")
    assert down.returncode == 0, down.stderr
    assert _tables(scratch_url) == set()


def test_models_and_migrations_do_not_drift(app, database_url):
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True, "target_metadata": Base.metadata})
            diff = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert diff == [], f"models differ from migrations; run `flask --app tracker db revision --autogenerate`: {diff}"


def test_migrations_have_one_head():
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1
    assert (PROJECT_ROOT / "migrations" / "versions").is_dir()


def test_0002_keeps_existing_rows_and_gives_them_a_version(scratch_url):
    migrate.upgrade(scratch_url, "0001")
    engine = make_engine(scratch_url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO plans (code, name) VALUES ('old', '旧规划')"))
    migrate.upgrade(scratch_url)
    with engine.connect() as conn:
        version, updated_at = conn.execute(text("SELECT version, updated_at FROM plans WHERE code = 'old'")).one()
    engine.dispose()
    assert version == 1 and updated_at is not None


def test_0004_files_existing_history_under_its_project(scratch_url):
    migrate.upgrade(scratch_url, "0003")
    engine = make_engine(scratch_url)
    insert = text(
        "INSERT INTO change_records (changed_at, source, entity, entity_id, action, field, old_value, "
        "new_value) VALUES (CURRENT_TIMESTAMP, 'cli', :entity, :id, :action, :field, :old, :new)"
    )
    with engine.begin() as conn:
        for row in (
            {"entity": "projects", "id": 5, "action": "insert", "field": "name", "old": None, "new": "甲"},
            {"entity": "milestones", "id": 8, "action": "insert", "field": "project_id", "old": None, "new": "5"},
            {"entity": "milestones", "id": 8, "action": "update", "field": "status", "old": "a", "new": "b"},
            {"entity": "investments", "id": 8, "action": "insert", "field": "project_id", "old": None, "new": "6"},
        ):
            conn.execute(insert, row)
    migrate.upgrade(scratch_url)
    with engine.connect() as conn:
        filed = conn.execute(text("SELECT entity, field, project_id FROM change_records ORDER BY id")).all()
    engine.dispose()
    assert [tuple(r) for r in filed] == [
        ("projects", "name", 5),
        ("milestones", "project_id", 5),
        ("milestones", "status", 5),
        ("investments", "project_id", 6),
    ]


def test_0011_moves_a_kept_preview_s_rows_into_their_own_table_and_back(scratch_url):
    import json

    migrate.upgrade(scratch_url, "0010")
    engine = make_engine(scratch_url)
    unchanged = ["里程碑", 3, "unchanged", "1.1 第1项 光纤入户", "milestone", 7, 2, []]
    changed = {"sheet": "里程碑", "row": 4, "outcome": "changed", "key": "1.1 第2项", "entity": "milestone", "id": 8}
    applied = {**changed, "row": 5, "id": 9, "applied": True}
    seen = {"milestone:7": 1, "milestone:8": 3, "milestone:9": 2}
    preview = {"plan_id": None, "notes": ["按元读入"], "seen_versions": seen, "rows": [unchanged, changed, applied]}
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO import_batches (created_at, source, filename, sha256, size, content, status, counts, "
                "seen_versions, preview) VALUES (CURRENT_TIMESTAMP, 'web', '回复.xlsx', :sha, 3, :content, "
                "'applied', '{}', :seen, :preview)"
            ),
            {
                "sha": "0" * 64,
                "content": b"abc",
                "seen": json.dumps(seen),
                "preview": json.dumps(preview, ensure_ascii=False),
            },
        )
    migrate.upgrade(scratch_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT position, outcome, applied, data FROM import_rows ORDER BY position")).all()
        kept = conn.execute(text("SELECT preview FROM import_batches")).scalar()
    kept = json.loads(kept) if isinstance(kept, str) else kept
    stored = [json.loads(r.data) if isinstance(r.data, str) else r.data for r in rows]
    assert [(r.position, r.outcome, bool(r.applied)) for r in rows] == [
        (0, "unchanged", False),
        (1, "changed", False),
        (2, "changed", True),
    ]
    assert stored == [unchanged, changed, applied]
    assert kept == {"plan_id": None, "notes": ["按元读入"]}  # the versions seen stay in their own column

    migrate.downgrade(scratch_url, "0010")
    with engine.connect() as conn:
        back = conn.execute(text("SELECT preview FROM import_batches")).scalar()
    engine.dispose()
    assert (json.loads(back) if isinstance(back, str) else back) == preview
