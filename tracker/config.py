"""Settings, read once from TRACKER_* environment variables."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import sys
from pathlib import Path


class ConfigError(SystemExit):
    """A setting that makes the app unsafe or unable to start.

    A SystemExit so that `flask run`, gunicorn and the CLI print one clear line, not a traceback.
    """

    def __init__(self, message: str) -> None:
        super().__init__(f"tracker: 配置错误 / configuration error: {message}")


def instance_path(module_file: str = __file__) -> str:
    """Where the SQLite database and the development secret live: where Flask puts an app's instance
    folder (flask.sansio.scaffold.find_package), so `tracker …` and `flask --app tracker …` share it —
    beside the package in a checkout or editable install, `<prefix>/var/tracker-instance` when tracker
    is installed into an environment."""
    package_path = Path(os.path.abspath(module_file)).parent.parent  # the folder tracker is imported from
    prefix = Path(os.path.abspath(sys.prefix))
    if package_path.is_relative_to(prefix):
        base = prefix
    elif package_path.name.lower() == "site-packages":  # another environment's (pip install --user)
        parent = package_path.parent
        if parent.name.lower() == "lib":
            base = parent.parent
        elif parent.parent.name.lower() == "lib":
            base = parent.parent.parent
        else:
            base = parent
    else:
        return str(package_path / "instance")
    return str(base / "var" / "tracker-instance")


def load_config(instance_path: str, overrides: dict | None = None) -> dict:
    env = os.environ
    config: dict = {
        "TRACKER_ENV": env.get("TRACKER_ENV", "production"),
        "DATABASE_URL": env.get("TRACKER_DATABASE_URL") or "sqlite:///" + str(Path(instance_path) / "tracker.db"),
        "SECRET_KEY": env.get("TRACKER_SECRET_KEY"),
        # The system's name in every page's header and title, per city (e.g. 温州市信息化规划项目跟踪).
        "SITE_NAME": env.get("TRACKER_SITE_NAME") or "信息化规划项目跟踪",
        "SQL_ECHO": env.get("TRACKER_SQL_ECHO", "") == "1",
        "PROXY_FIX": env.get("TRACKER_PROXY_FIX", "") == "1",  # trust one proxy's X-Forwarded-For/-Proto
        # Cookies: HttpOnly and SameSite=Lax always; Secure is added per response when the request
        # came over HTTPS (tracker.web), or always with TRACKER_COOKIE_SECURE=1.
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env.get("TRACKER_COOKIE_SECURE", "") == "1",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": env.get("TRACKER_COOKIE_SECURE", "") == "1",
        "REMEMBER_COOKIE_DURATION": dt.timedelta(days=14),
        "PERMANENT_SESSION_LIFETIME": dt.timedelta(hours=12),
        "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
        # An import touching more records than this is applied after the request answers (background).
        # A workbook of more projects than this is written by a niced process of its own (web.downloads).
        "EXPORT_OWN_PROCESS_PROJECTS": int(env.get("TRACKER_EXPORT_OWN_PROCESS_PROJECTS", "2000")),
        "IMPORT_INLINE_LIMIT": int(env.get("TRACKER_IMPORT_INLINE_LIMIT", "3000")),
        "WTF_I18N_ENABLED": False,  # use WTForms' bundled translations (Meta.locales), no Babel
        # A form's token lasts a working day; one left open longer is offered again with what was typed.
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
    }
    config.update(overrides or {})

    if not config["SECRET_KEY"]:
        if config["TRACKER_ENV"] == "production" and not config.get("TESTING"):
            raise ConfigError(
                "生产模式下必须设置 TRACKER_SECRET_KEY（例如 `python -c 'import secrets; "
                "print(secrets.token_hex(32))'`）；本地开发请设 TRACKER_ENV=development。"
            )
        config["SECRET_KEY"] = _development_secret(instance_path)
    return config


def _development_secret(instance_path: str) -> str:
    """A random key kept in the instance folder, so dev sessions survive a restart."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key
