"""Extensions, created unbound and attached to an app in create_app().

This module imports no web framework: `db` serves the commands run without Flask (`python -m tracker`)
as well as the app; `login_manager` and `csrf` are made (and Flask-Login and Flask-WTF imported) when
the web layer first asks for them.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask
    from flask_login import LoginManager
    from flask_wtf import CSRFProtect
    from sqlalchemy import Engine
    from sqlalchemy.orm import scoped_session

    login_manager: LoginManager
    csrf: CSRFProtect


def make_engine(url: str, *, echo: bool = False, foreign_keys: bool = True) -> Engine:
    """An engine with the connection settings tracker relies on.

    SQLite: foreign keys on, WAL (readers never block the writer), a busy timeout (two writers
    wait rather than fail), and transactions begun by SQLAlchemy rather than by the driver so
    that SAVEPOINTs work (the pysqlite recipe in SQLAlchemy's SQLite dialect docs).
    """
    from sqlalchemy import create_engine, event

    if not url.startswith("sqlite"):
        # Pre-ping: a connection that died with the server is replaced, so the app recovers by
        # itself; a server that does not answer fails a request in 5 s instead of hanging it.
        return create_engine(url, echo=echo, pool_pre_ping=True, connect_args={"connect_timeout": 5})

    engine = create_engine(url, echo=echo, connect_args={"timeout": 15})

    @event.listens_for(engine, "connect")
    def _sqlite_on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # the driver must not open transactions itself
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cursor.execute("PRAGMA busy_timeout=15000")
        if ":memory:" not in url and url not in ("sqlite://", "sqlite:///"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _sqlite_on_begin(conn):
        conn.exec_driver_sql("BEGIN")

    return engine


def _import_quietly(name: str) -> None:
    import importlib

    try:
        importlib.import_module(name)
    except ImportError:
        pass  # the engine's own import of it says what is missing


class Database:
    """One engine and one scoped session per app; the session is removed after each request.

    Both are made on first use, so a command that never touches the database (`flask --help`)
    does not even import SQLAlchemy.
    """

    def __init__(self) -> None:
        self._url: str | None = None
        self._echo = False
        self._engine: Engine | None = None
        self._session: scoped_session | None = None
        self._lock = threading.Lock()  # two threads' first requests make one engine, not two

    def init_app(self, app: Flask) -> None:
        self.configure(app.config["DATABASE_URL"], echo=app.config["SQL_ECHO"])
        app.extensions["tracker_db"] = self

        @app.teardown_appcontext
        def _remove_session(_exc):
            if self._session is not None:
                self._session.remove()

    def configure(self, url: str, *, echo: bool = False) -> None:
        """Use the database at `url` from now on (an app's, or a command's run without one)."""
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None
            self._url, self._echo = url, echo
        if self._session is not None:  # a second app in one process (tests): rebind the session
            self._session.remove()
            self._session.configure(bind=self.engine)

    def load_driver_in_background(self) -> threading.Thread | None:
        """Import the database's driver on another thread while the caller imports SQLAlchemy and the
        models (psycopg: 50 ms of a PostgreSQL dry run's start-up); the import lock makes a second import
        of it wait for this one, never run twice."""
        if not (self._url or "").startswith("postgresql+psycopg://"):
            return None  # SQLite's driver is part of Python, imported with SQLAlchemy
        thread = threading.Thread(target=_import_quietly, args=("psycopg",), daemon=True)
        thread.start()
        return thread

    @property
    def url(self) -> str:
        if self._url is None:
            raise RuntimeError("db.init_app(app) has not been called")
        return self._url

    def close(self) -> None:
        """Close the session and every pooled connection, if any were made."""
        if self._session is not None:
            self._session.remove()
        if self._engine is not None:
            self._engine.dispose()

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            with self._lock:
                if self._url is None:
                    raise RuntimeError("db.init_app(app) has not been called")
                if self._engine is None:
                    self._engine = make_engine(self._url, echo=self._echo)
        return self._engine

    @property
    def session(self) -> scoped_session:
        if self._session is None:
            from sqlalchemy.orm import scoped_session, sessionmaker

            engine = self.engine
            with self._lock:
                if self._session is None:
                    self._session = scoped_session(sessionmaker(bind=engine, expire_on_commit=False))
        return self._session


db = Database()


def __getattr__(name: str):
    """`login_manager` and `csrf`, made once, when the web layer first imports them."""
    if name == "login_manager":
        from flask_login import LoginManager

        value = LoginManager()
    elif name == "csrf":
        from flask_wtf import CSRFProtect

        value = CSRFProtect()
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value
