"""Many people at once: gunicorn (wsgi:app) and PostgreSQL on loopback, the large plan of
pages_bench.py, and 20 concurrent users — leaders on the 驾驶舱 and 通报, office staff on plan, stage
and period pages, departments on 我的工作 — for a bounded time. Prints requests per second, p50/p95/p99
per page and errors.

    .venv/bin/python bench/load_bench.py            (LOAD_SECONDS=60, LOAD_USERS=20, LOAD_WORKERS=4)

Aim: p95 of every page ≤ 300 ms on the 2-core machine, and no page kind starving the others.
"""
from __future__ import annotations

import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

SECONDS = int(os.environ.get("LOAD_SECONDS", "60"))
USERS = int(os.environ.get("LOAD_USERS", "20"))
WORKERS = int(os.environ.get("LOAD_WORKERS", "4"))


class Browser:
    """One person: a cookie jar and a connection, signing in through the real form (CSRF included)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.connection.request(method, path, body=data, headers=headers)
            response = self.connection.getresponse()
        except (http.client.HTTPException, OSError):
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            raise
        payload = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, payload

    def sign_in(self, username: str, password: str) -> None:
        _status, page = self.request("GET", "/login")
        token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page).group(1).decode()
        status, _ = self.request("POST", "/login", {"csrf_token": token, "username": username, "password": password})
        assert status == 302, f"sign-in failed for {username}: {status}"


def main() -> None:
    from pages_bench import build, database  # the same data set as the page timings

    from tracker.extensions import db

    try:
        url = database()
    except Exception as exc:  # noqa: BLE001
        print(f"load_bench: PostgreSQL not reachable ({type(exc).__name__}); skipped")
        return
    app, ids = build(url)
    with app.app_context():
        db.engine.dispose()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "TRACKER_DATABASE_URL": url, "TRACKER_ENV": "production",
           "TRACKER_SECRET_KEY": "load-bench-secret-key-0123456789abcdef"}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers",
                               str(WORKERS), "--timeout", "60", "wsgi:app"], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        _create_users(app, ids)
        plan, phase, dept, november = ids["plan"], ids["phase"], ids["department"], ids["november"]
        mixes = {
            "leader": [("驾驶舱", f"/dashboard?plan={plan}"), ("通报", f"/periods/{november}/bulletin"),
                       ("驾驶舱(整个规划)", f"/dashboard?plan={plan}&phase=all")],
            "office": [("规划页", f"/plans/{plan}"), ("阶段页", f"/phases/{phase}"), ("报送期页", f"/periods/{november}"),
                       ("单位页", f"/departments/{dept}")],
            "dept": [("我的工作", "/my")],
        }
        timings: dict[str, list[float]] = defaultdict(list)
        errors: dict[str, int] = defaultdict(int)
        lock = threading.Lock()
        stop_at = time.monotonic() + SECONDS

        def person(number: int) -> None:
            kind = ("leader", "office", "dept")[number % 3]
            browser = Browser(port)
            browser.sign_in(f"load-{kind}-{number}", "bench-password-1")
            pages = mixes[kind]
            index = number
            while time.monotonic() < stop_at:
                label, path = pages[index % len(pages)]
                index += 1
                started = time.perf_counter()
                try:
                    status, _ = browser.request("GET", path)
                except (http.client.HTTPException, OSError):
                    status = 0
                took = time.perf_counter() - started
                with lock:
                    timings[label].append(took)
                    if status != 200:
                        errors[label] += 1

        threads = [threading.Thread(target=person, args=(n,)) for n in range(USERS)]
        began = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - began
    finally:
        server.terminate()
        server.wait(timeout=30)
    total = sum(len(v) for v in timings.values())
    print(f"{USERS} users for {SECONDS} s on gunicorn ({WORKERS} workers) + PostgreSQL: {total} requests, "
          f"{total / elapsed:.1f} req/s, {sum(errors.values())} errors")
    print(f"{'page':<20}{'requests':>10}{'p50':>9}{'p95':>9}{'p99':>9}{'errors':>8}")
    for label, values in sorted(timings.items()):
        values.sort()

        def q(p):
            return values[min(len(values) - 1, int(p * len(values)))] * 1000

        print(f"{label:<20}{len(values):>10}{statistics.median(values) * 1000:>7.0f}ms{q(0.95):>7.0f}ms"
              f"{q(0.99):>7.0f}ms{errors[label]:>8}")


def _create_users(app, ids) -> None:
    from tracker.extensions import db
    from tracker.models import User, set_change_context
    from tracker.vocab import ChangeSource, Role

    with app.app_context():
        set_change_context(db.session, ChangeSource.CLI)
        for number in range(USERS):
            kind = ("leader", "office", "dept")[number % 3]
            role = {"leader": Role.LEADER, "office": Role.OFFICE, "dept": Role.DEPARTMENT}[kind]
            user = User(username=f"load-{kind}-{number}", display_name=f"压测{number}", role=role,
                        department_id=ids["department"] if kind == "dept" else None)
            user.set_password("bench-password-1")
            db.session.add(user)
        db.session.commit()
        db.engine.dispose()


if __name__ == "__main__":
    main()
