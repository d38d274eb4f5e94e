"""Fixtures: a database built by the migrations once per run, each test in a rolled-back transaction.

TRACKER_TEST_DATABASE_URL picks the database (PostgreSQL in CI's second lane); by default a
SQLite file in a temporary folder.
"""

from __future__ import annotations

import os
from contextlib import contextmanager

import pytest
from sqlalchemy import make_url, text

from tracker import create_app, migrate
from tracker.extensions import db, make_engine
from tracker.models import set_change_context
from tracker.vocab import ChangeSource


def _configured_url(tmp_path_factory, name: str) -> str:
    url = os.environ.get("TRACKER_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp(name) / 'tracker.db'}"


def reset_postgres_schema(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@contextmanager
def scratch_database(database_url: str, folder, suffix: str):
    """An empty database of the same kind as the suite's (SQLite file or a new PostgreSQL database)."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        yield f"sqlite:///{folder / (suffix + '.db')}"
        return
    name = f"{url.database}_{suffix}"
    admin = make_engine(database_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = _configured_url(tmp_path_factory, "db")
    if make_url(url).get_backend_name() == "postgresql":
        reset_postgres_schema(url)
    migrate.upgrade(url)
    return url


@pytest.fixture(scope="session")
def is_postgres(database_url) -> bool:
    return make_url(database_url).get_backend_name() == "postgresql"


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    return create_app(
        {
            "TESTING": True,
            "TRACKER_ENV": "testing",
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret",
            "WTF_CSRF_ENABLED": False,
            # Kept pages are keyed on ids, which SQLite reuses after a test's rollback: off, except in
            # the test of the cache itself.
            "PAGE_CACHE": False,
        }
    )


@pytest.fixture()
def session(app):
    """The app's session, joined to an outer transaction that is rolled back after the test.

    Commits inside the test (a CLI command, a request) release a SAVEPOINT only.
    """
    connection = db.engine.connect()
    outer = connection.begin()
    db.session.remove()
    db.session.configure(bind=connection, join_transaction_mode="create_savepoint")
    # No app context stays pushed: each request must get its own (and its own `g`), as in production.
    set_change_context(db.session, ChangeSource.CLI)
    yield db.session
    db.session.remove()
    outer.rollback()
    connection.close()
    db.session.configure(bind=db.engine, join_transaction_mode="conservative_savepoint")


@pytest.fixture()
def client(app, session):
    return app.test_client()


@pytest.fixture()
def runner(app, session):
    return app.test_cli_runner()


PASSWORD = "correct horse battery"


@pytest.fixture()
def login(app, session):
    """login(user) → a test client signed in as `user` through the real login form."""

    def sign_in(user, password=PASSWORD):
        client = app.test_client()
        response = client.post("/login", data={"username": user.username, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        set_change_context(db.session, ChangeSource.CLI)  # the request removed the test's session
        return client

    return sign_in


@pytest.fixture()
def wenzhou(session):
    """The 数字温州 plan with its demo owners, milestones and money (the workbook tests' data)."""
    from sqlalchemy import select

    from tracker.models import Plan
    from tracker.services.seeding import seed

    seed(session, ["szwz"], demo=True)
    session.commit()
    return session.scalar(select(Plan).where(Plan.code == "szwz"))


@pytest.fixture()
def office(session):
    from tests.factories import make_user
    from tracker.vocab import Role

    user = make_user(session, Role.OFFICE, username="office-x")
    session.commit()
    return user
