"""tracker: follow a city's multi-phase informatization plan from stage to milestone."""
from __future__ import annotations

from pathlib import Path

from flask import Flask

from tracker.config import load_config
from tracker.extensions import csrf, db, login_manager

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    app.config.update(load_config(app.instance_path, config))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    db.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)

    from tracker import auth, cli  # noqa: F401  (auth registers the user loader)
    from tracker.web import register_blueprints

    cli.register(app)
    register_blueprints(app)
    return app
