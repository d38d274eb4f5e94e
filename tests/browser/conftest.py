"""The browser lane: the real app under gunicorn on a free loopback port, driven by Debian's Chromium.

Locally the lane is skipped, with the reason printed, when Chromium is missing; in CI (CI=true)
a missing Chromium is an error, so the lane never silently skips there.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import scratch_database
from tracker import PROJECT_ROOT

CHROMIUM = os.environ.get("TRACKER_CHROMIUM", "/usr/bin/chromium")
OUTPUT = PROJECT_ROOT / "test-output" / "browser"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def chromium_path():
    if not Path(CHROMIUM).exists():
        message = f"浏览器测试需要 Chromium（{CHROMIUM}）：apt-get install chromium"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="session")
def live_server(database_url, tmp_path_factory, chromium_path):
    folder = tmp_path_factory.mktemp("live")
    with scratch_database(database_url, folder, "browser") as url:
        env = {
            **os.environ,
            "TRACKER_DATABASE_URL": url,
            "TRACKER_ENV": "production",
            "TRACKER_SECRET_KEY": "browser-lane-secret-key-0123456789abcdef",
        }
        flask = [sys.executable, "-m", "flask", "--app", "tracker"]
        for args in (["db", "upgrade"], ["seed", "--demo"]):
            subprocess.run([*flask, *args], env=env, cwd=PROJECT_ROOT, check=True, capture_output=True, timeout=300)
        port = _free_port()
        log = (folder / "gunicorn.log").open("w")
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2", "wsgi:app"],
            env=env,
            cwd=PROJECT_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.2)
            else:
                raise RuntimeError("gunicorn did not start: " + (folder / "gunicorn.log").read_text())
            yield f"http://127.0.0.1:{port}"
        finally:
            server.terminate()
            server.wait(timeout=30)
            log.close()


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture()
def page_as(browser, live_server):
    """page_as(username, password) → a new browser page, signed in through the login form."""
    contexts = []

    def open_page(username: str, password: str):
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server}/login")
        page.fill("#username", username)
        page.fill("#password", password)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        assert "/login" not in page.url, page.content()[:2000]
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def output_folder() -> Path:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    return OUTPUT
