"""Start-up settings: a production app never runs with no secret key."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tracker import PROJECT_ROOT, create_app
from tracker.config import ConfigError, instance_path, load_config


def test_production_without_secret_key_refuses_to_start(monkeypatch, tmp_path):
    monkeypatch.delenv("TRACKER_SECRET_KEY", raising=False)
    monkeypatch.setenv("TRACKER_ENV", "production")
    with pytest.raises(ConfigError) as excinfo:
        create_app()
    assert "TRACKER_SECRET_KEY" in str(excinfo.value)


def test_wsgi_without_key_prints_one_line_not_a_traceback(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "TRACKER_SECRET_KEY"}
    env.update(TRACKER_ENV="production", TRACKER_DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}")
    result = subprocess.run(
        [sys.executable, "-c", "import wsgi"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert "TRACKER_SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr


def test_wsgi_with_key_builds_the_app(tmp_path):
    env = {
        **os.environ,
        "TRACKER_ENV": "production",
        "TRACKER_SECRET_KEY": "k" * 64,
        "TRACKER_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
    }
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import wsgi; e = wsgi.app.jinja_env; "
            "print(wsgi.app.name, len(e.list_templates(extensions=('html',))), len(e.cache))",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    name, templates, compiled = result.stdout.split()
    assert name == "tracker" and int(templates) > 30
    assert compiled == templates  # every page template compiled before gunicorn forks its workers


def test_development_key_is_generated_once_and_kept(monkeypatch, tmp_path):
    monkeypatch.delenv("TRACKER_SECRET_KEY", raising=False)
    first = load_config(str(tmp_path), {"TRACKER_ENV": "development"})["SECRET_KEY"]
    second = load_config(str(tmp_path), {"TRACKER_ENV": "development"})["SECRET_KEY"]
    assert first == second and len(first) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_database_defaults_to_sqlite_in_instance_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("TRACKER_DATABASE_URL", raising=False)
    config = load_config(str(tmp_path), {"TRACKER_ENV": "development"})
    assert config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'tracker.db'}"


def test_tracker_and_flask_keep_the_database_in_the_same_instance_folder(tmp_path):
    """`tracker …` runs without Flask but must find the same SQLite file and secret as the app: the
    instance folder is placed as Flask places it, for a checkout and for an installed package."""
    from flask import Flask

    assert instance_path() == Flask("tracker", instance_relative_config=True).instance_path
    checkout = tmp_path / "src" / "tracker" / "config.py"
    assert instance_path(str(checkout)) == str(tmp_path / "src" / "instance")
    in_this_env = os.path.join(sys.prefix, "lib", "python3.11", "site-packages", "tracker", "config.py")
    assert instance_path(in_this_env) == os.path.join(os.path.abspath(sys.prefix), "var", "tracker-instance")
    user_site = tmp_path / "home" / ".local" / "lib" / "python3.11" / "site-packages" / "tracker" / "config.py"
    assert instance_path(str(user_site)) == str(tmp_path / "home" / ".local" / "var" / "tracker-instance")
