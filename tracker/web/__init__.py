"""The web UI: one blueprint per feature."""
from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from tracker.web.main import bp as main_bp

    app.register_blueprint(main_bp)
