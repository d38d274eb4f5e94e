"""SQLite in WAL mode with a busy timeout: a reader never blocks a writer, two writers wait."""

from __future__ import annotations

import threading
import time

from sqlalchemy import text

from tracker.extensions import make_engine


def _engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'c.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    return engine


def test_second_writer_waits_instead_of_failing(tmp_path):
    engine = _engine(tmp_path)
    first_holds_lock = threading.Event()
    errors: list[Exception] = []

    def first_writer():
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))
            first_holds_lock.set()
            time.sleep(0.5)

    thread = threading.Thread(target=first_writer)
    thread.start()
    first_holds_lock.wait(5)
    started = time.monotonic()
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (2)"))
    except Exception as exc:  # the failure this test exists to catch
        errors.append(exc)
    waited = time.monotonic() - started
    thread.join()

    assert errors == []
    assert waited > 0.2  # it really waited for the first writer
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 2
    engine.dispose()


def test_reader_is_not_blocked_by_an_open_write(tmp_path):
    engine = _engine(tmp_path)
    with engine.connect() as writer:
        writer.begin()
        writer.execute(text("INSERT INTO t VALUES (1)"))
        with engine.connect() as reader:
            started = time.monotonic()
            assert reader.execute(text("SELECT count(*) FROM t")).scalar() == 0  # sees the last commit
            assert time.monotonic() - started < 0.2
        writer.commit()
    engine.dispose()
