"""Extensions, created unbound and attached to an app in create_app()."""

from __future__ import annotations

from flask import Flask
from flask_login import LoginManager
from flask_wtf import CSRFProtect
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import scoped_session, sessionmaker


def make_engine(url: str, *, echo: bool = False, foreign_keys: bool = True) -> Engine:
    """An engine with the connection settings tracker relies on.

    SQLite: foreign keys on, WAL (readers never block the writer), a busy timeout (two writers
    wait rather than fail), and transactions begun by SQLAlchemy rather than by the driver so
    that SAVEPOINTs work (the pysqlite recipe in SQLAlchemy's SQLite dialect docs).
    """
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


class Database:
    """One engine and one scoped session per app; the session is removed after each request."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.session = scoped_session(sessionmaker(expire_on_commit=False))

    def init_app(self, app: Flask) -> None:
        if self.engine is not None:
            self.engine.dispose()
        self.engine = make_engine(app.config["DATABASE_URL"], echo=app.config["SQL_ECHO"])
        self.session.remove()
        self.session.configure(bind=self.engine)
        app.extensions["tracker_db"] = self

        @app.teardown_appcontext
        def _remove_session(_exc):
            self.session.remove()


db = Database()
login_manager = LoginManager()
csrf = CSRFProtect()
