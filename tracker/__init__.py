"""tracker: follow a city's multi-phase informatization plan from stage to milestone."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Flask commands that serve or list pages. Every other command (seed, import-xlsx, db …, --help) runs
# without the web layer — views, forms, the sign-in loader and the models they pull in — so it starts
# in about the time Flask and SQLAlchemy take to import.
WEB_COMMANDS = frozenset({"run", "shell", "routes"})


def create_app(config: dict | None = None) -> Flask:
    # Imported here: the package itself loads no web framework, so `python -m tracker import-xlsx`
    # (tracker/__main__.py) runs without Flask.
    from flask import Flask

    from tracker.config import instance_path, load_config
    from tracker.extensions import csrf, db, login_manager

    app = Flask(
        __name__,
        instance_path=instance_path(),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    app.config.update(load_config(app.instance_path, config))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    security_log_to_stderr(testing=app.testing)
    db.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)

    from tracker import cli

    cli.register(app)
    if _serves_pages():
        from tracker.auth import identity  # noqa: F401  (registers the user loader)
        from tracker.web import register_blueprints

        register_blueprints(app)
    return app


def security_log_to_stderr(*, testing: bool) -> None:
    """The security log's JSON lines (logger "tracker.security") go to stderr — gunicorn's error log,
    or wherever the service manager collects it; tests read them through pytest's log capture."""
    import logging
    import sys

    logger = logging.getLogger("tracker.security")
    logger.setLevel(logging.INFO)
    if not testing and not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)


def _serves_pages() -> bool:
    """True unless the app is being loaded by a `flask` command that serves no pages."""
    import click

    context = click.get_current_context(silent=True)
    return context is None or context.info_name in WEB_COMMANDS
