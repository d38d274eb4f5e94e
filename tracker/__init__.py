"""tracker: follow a city's multi-phase informatization plan from stage to milestone."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from tracker.config import load_config
from tracker.extensions import csrf, db, login_manager

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Flask commands that serve or list pages. Every other command (seed, import-xlsx, db …, --help) runs
# without the web layer — views, forms, the sign-in loader and the models they pull in — so it starts
# in about the time Flask and SQLAlchemy take to import.
WEB_COMMANDS = frozenset({"run", "shell", "routes"})


def create_app(config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    app.config.update(load_config(app.instance_path, config))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    _security_log_to_stderr(app)
    db.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)

    from tracker import cli

    cli.register(app)
    if _serves_pages():
        from tracker import auth  # noqa: F401  (registers the user loader)
        from tracker.web import register_blueprints

        register_blueprints(app)
    return app


def _security_log_to_stderr(app: Flask) -> None:
    """The security log's JSON lines (logger "tracker.security") go to stderr — gunicorn's error log,
    or wherever the service manager collects it; tests read them through pytest's log capture."""
    import logging
    import sys

    logger = logging.getLogger("tracker.security")
    logger.setLevel(logging.INFO)
    if not app.testing and not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)


def _serves_pages() -> bool:
    """True unless the app is being loaded by a `flask` command that serves no pages."""
    import click

    context = click.get_current_context(silent=True)
    return context is None or context.info_name in WEB_COMMANDS
