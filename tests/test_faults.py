"""Faults a production server meets: ids nobody issued, a database that goes away and comes back."""

from __future__ import annotations

import re
import socket
import threading
from pathlib import Path

import pytest
from sqlalchemy import make_url, select

from tests.conftest import PASSWORD
from tests.factories import make_user
from tracker.extensions import db, make_engine
from tracker.models import (
    Department,
    ImportBatch,
    Indicator,
    IndicatorValue,
    Investment,
    InvestmentFunding,
    Milestone,
    Phase,
    PhaseGoal,
    Plan,
    PlanEvent,
    PlanSection,
    Project,
    ProjectRole,
    ReportingPeriod,
    ReportSubmission,
    User,
)
from tracker.services.seeding import seed
from tracker.vocab import Role

WEB = Path(__file__).resolve().parent.parent / "tracker" / "web"
HUGE = ("2147483648", "99999999999999999999", "-1", "1e9", "abc", "")

# The record each URL argument names; a new kind of argument must be added here to be fuzzed.
RECORD_OF_ARGUMENT = {
    "plan_id": Plan,
    "phase_id": Phase,
    "project_id": Project,
    "milestone_id": Milestone,
    "investment_id": Investment,
    "department_id": Department,
    "import_batch_id": ImportBatch,
    "period_id": ReportingPeriod,
    "submission_id": ReportSubmission,
    "user_id": User,
    "section_id": PlanSection,
    "indicator_id": Indicator,
    "indicator_value_id": IndicatorValue,
    "goal_id": PhaseGoal,
    "event_id": PlanEvent,
    "funding_id": InvestmentFunding,
    "role_id": ProjectRole,
}


def _query_parameters() -> set[str]:
    """Every query parameter a view reads, found in the views' source (so a new one is fuzzed too)."""
    pattern = re.compile(r"""(?:int_arg|page_arg|request\.args\.get|request\.values\.get)\(\s*["'](\w+)["']""")
    names = set()
    for path in WEB.rglob("*.py"):
        names.update(pattern.findall(path.read_text(encoding="utf-8")))
    return names


@pytest.fixture()
def admin_client(session, login):
    seed(session, ["szwz"], demo=True)
    session.commit()
    return login(make_user(session, Role.ADMIN, password=PASSWORD))


def _rules(app, method: str):
    return [rule for rule in app.url_map.iter_rules() if method in rule.methods and rule.endpoint != "static"]


def test_ids_past_any_record_in_a_url_are_404_on_every_route(app, admin_client):
    checked = 0
    for method in ("GET", "POST"):
        for rule in _rules(app, method):
            int_arguments = [
                name for name, conv in rule._converters.items() if type(conv).__name__ == "RecordIdConverter"
            ]
            if not int_arguments:
                continue
            for value in ("2147483648", "9223372036854775808", "99999999999999999999", "2147483647"):
                url = rule.rule
                for name in int_arguments:
                    url = url.replace(f"<int:{name}>", value)
                response = admin_client.open(url, method=method)
                assert response.status_code in (404, 400), (method, url, response.status_code)
                checked += 1
    assert checked > 150  # every record route, several values each


def test_bad_numbers_in_every_query_parameter_are_ignored_or_refused_never_a_500(app, admin_client, session):
    parameters = _query_parameters()
    assert {"page", "plan", "phase", "department"} <= parameters
    existing = {
        name: session.scalar(select(model.id).order_by(model.id).limit(1)) for name, model in RECORD_OF_ARGUMENT.items()
    }
    checked = 0
    for rule in _rules(app, "GET"):
        arguments = {name: existing.get(name) for name in rule.arguments}
        if rule.endpoint == "static":
            continue
        unknown = [name for name in rule.arguments if name not in RECORD_OF_ARGUMENT]
        assert not unknown, f"add {unknown} of {rule.rule} to RECORD_OF_ARGUMENT"
        if any(value is None for value in arguments.values()):
            continue  # no such record in the demo (e.g. no import yet): the id fuzz covers the route
        url = rule.rule
        for name, value in arguments.items():
            url = re.sub(rf"<[^>]*:?{name}>", str(value), url)
        for bad in HUGE:
            query = "&".join(f"{name}={bad}" for name in sorted(parameters))
            response = admin_client.get(f"{url}?{query}")
            assert response.status_code < 500, (url, bad, response.status_code)
            checked += 1
    assert checked > 100


class _Proxy:
    """A TCP relay in front of PostgreSQL that can be cut and restored, as a network or server outage."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.links: list[socket.socket] = []
        self.up = threading.Event()
        self.up.set()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.up.is_set():
                client.close()
                continue
            server = socket.create_connection(self.target)
            self.links += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for s in (source, sink):
            try:
                s.close()
            except OSError:
                pass

    def cut(self) -> None:
        self.up.clear()
        for link in self.links:
            try:
                link.shutdown(socket.SHUT_RDWR)
                link.close()
            except OSError:
                pass
        self.links.clear()

    def restore(self) -> None:
        self.up.set()

    def close(self) -> None:
        self.cut()
        self.listener.close()


def _unavailable(response) -> None:
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    page = response.get_data(as_text=True)
    assert "系统暂时无法服务" in page and "没有保存" in page


def test_database_down_is_a_503_page_that_needs_no_database(app, session, login, database_url, tmp_path):
    client = login(make_user(session, Role.OFFICE, password=PASSWORD))
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        with socket.socket() as sock:  # a port where nothing listens
            sock.bind(("127.0.0.1", 0))
            dead = url.set(port=sock.getsockname()[1]).render_as_string(hide_password=False)
    else:
        dead = f"sqlite:///{tmp_path / 'no-such-folder' / 'tracker.db'}"
    engine = make_engine(dead)
    db.session.remove()
    db.session.configure(bind=engine)
    try:
        _unavailable(client.get("/plans"))  # signed in: even loading the user fails
        _unavailable(app.test_client().post("/login", data={"username": "someone", "password": PASSWORD}))
        health = app.test_client().get("/healthz")
        assert health.status_code == 503 and health.json == {"status": "unavailable"}
    finally:
        db.session.remove()
        engine.dispose()


def test_service_resumes_by_itself_when_postgresql_comes_back(app, session, database_url, is_postgres):
    if not is_postgres:
        pytest.skip("SQLite is a file inside the app's own process: there is no server to lose")
    url = make_url(database_url)
    proxy = _Proxy((url.host or "127.0.0.1", url.port or 5432))
    engine = make_engine(url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False))
    db.session.remove()
    db.session.configure(bind=engine)
    try:
        assert app.test_client().get("/healthz").json == {"status": "ok"}
        proxy.cut()
        assert app.test_client().get("/healthz").status_code == 503
        _unavailable(app.test_client().post("/login", data={"username": "someone", "password": PASSWORD}))
        proxy.restore()
        assert app.test_client().get("/healthz").status_code == 200  # the pool replaced its dead connection
        refused = app.test_client().post("/login", data={"username": "someone", "password": PASSWORD})
        assert refused.status_code == 401 and "用户名或密码错误" in refused.get_data(as_text=True)
    finally:
        db.session.remove()
        engine.dispose()
        proxy.close()
