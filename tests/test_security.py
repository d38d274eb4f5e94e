"""Production hardening of accounts: the security log, passwords nobody guesses, the password asked
again before user administration, an append-only history, HSTS over HTTPS."""

from __future__ import annotations

import json
import logging
import re
import time

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from tests.conftest import PASSWORD
from tests.factories import make_department, make_user
from tracker.auth import reauth
from tracker.models import ChangeRecord, SecurityLogEntry, User, set_change_context
from tracker.services import ServiceError
from tracker.services.users import create_user, password_problem
from tracker.vocab import ChangeSource, Role, SecurityEvent


def _events(session, **where):
    query = select(SecurityLogEntry).order_by(SecurityLogEntry.id)
    for name, value in where.items():
        query = query.where(getattr(SecurityLogEntry, name) == value)
    return session.scalars(query).all()


def test_sign_ins_failures_lockouts_and_sign_outs_are_logged_as_json_lines(app, session, caplog):
    user = make_user(session, Role.OFFICE, username="wang", password=PASSWORD)
    session.commit()
    client = app.test_client()
    caplog.set_level(logging.INFO, logger="tracker.security")
    for _ in range(5):  # the fifth failure from one address pauses the account there
        client.post("/login", data={"username": "wang", "password": "wrong password 1"})
    events = [e.event for e in _events(session, username="wang")]
    assert events == [SecurityEvent.LOGIN_FAILED] * 5 + [SecurityEvent.LOCKOUT]
    set_change_context(session, ChangeSource.CLI)  # the requests ended the test's unit of work

    other = make_user(session, Role.LEADER, username="li", password=PASSWORD)
    session.commit()
    signed_in = app.test_client()
    assert signed_in.post("/login", data={"username": "li", "password": PASSWORD}).status_code == 302
    signed_in.post("/logout")
    assert [e.event for e in _events(session, user_id=other.id)] == [SecurityEvent.LOGIN, SecurityEvent.LOGOUT]

    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "tracker.security"]
    assert [line["event"] for line in lines][-2:] == ["login", "logout"]
    assert {"event", "at", "user_id", "username", "address", "detail"} <= set(lines[0])
    assert all(PASSWORD not in r.getMessage() and "wrong password" not in r.getMessage() for r in caplog.records)
    assert user.id  # the paused account is still there, unchanged


def test_a_403_is_logged_with_who_and_what(app, session, login):
    leader = make_user(session, Role.LEADER, password=PASSWORD)
    session.commit()
    assert login(leader).get("/admin/users?x=1").status_code == 403
    [entry] = _events(session, event=SecurityEvent.FORBIDDEN)
    assert entry.user_id == leader.id and entry.detail == "GET /admin/users?x=1"


def test_user_administration_is_logged_and_shown_on_the_security_page(app, session, login):
    dept = make_department(session, "市测试局")
    admin = make_user(session, Role.ADMIN, username="root", password=PASSWORD)
    session.commit()
    client = login(admin)
    assert (
        client.post(
            "/admin/users/new",
            data={
                "username": "zhang",
                "display_name": "张工",
                "role": "department",
                "department_id": str(dept.id),
                "active": "y",
                "password": "Wenzhou-dept-7731",
            },
        ).status_code
        == 302
    )
    zhang = session.scalar(select(User).where(User.username == "zhang"))
    assert (
        client.post(
            f"/admin/users/{zhang.id}/edit",
            data={
                "username": "zhang",
                "display_name": "张工",
                "role": "office",
                "department_id": str(dept.id),
                "password": "",
                "version": str(zhang.version),
            },
        ).status_code
        == 302
    )  # role changed, deactivated
    kinds = [(e.event, e.username, e.user_id, e.detail) for e in _events(session, username="zhang")]
    assert kinds == [
        (SecurityEvent.USER_CREATED, "zhang", admin.id, "角色：部门用户"),
        (SecurityEvent.ROLE_CHANGED, "zhang", admin.id, "部门用户 → 信息办"),
        (SecurityEvent.USER_DEACTIVATED, "zhang", admin.id, None),
    ]
    page = client.get("/admin/security?event=role_changed").get_data(as_text=True)
    assert "部门用户 → 信息办" in page and "创建用户" not in page.split("<tbody>")[1]
    page = client.get("/admin/security?who=zha&since=2000-01-01&until=2999-12-31").get_data(as_text=True)
    assert page.count("<tr") == 1 + 3 and "共 3 条" in page
    assert "共 0 条" in client.get("/admin/security?until=2000-01-01").get_data(as_text=True)
    assert client.get("/admin/security?since=乱写&page=99999999999").status_code == 200


def test_common_and_short_passwords_are_refused_everywhere_a_password_is_set(session, login):
    for weak in ("password", "12345678", "1234567890", "qwertyuiop", "1qaz2wsx3edc", "zhang123456", "Password1"):
        assert password_problem(weak, "zhang") is not None, weak
    assert password_problem("short-1A", "x") == "密码至少 10 位"
    assert password_problem("Wenzhou-dept-7731", "zhang") is None
    with pytest.raises(ServiceError, match="太常见"):
        create_user(session, username="zhang", role="office", password="zhang123456")
    user = make_user(session, Role.OFFICE, username="wu", password=PASSWORD)
    session.commit()
    user_id = user.id
    response = login(user).post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": "qwertyuiop", "confirm_password": "qwertyuiop"},
    )
    assert response.status_code == 422 and "太常见" in response.get_data(as_text=True)
    assert session.get(User, user_id).check_password(PASSWORD)


def test_user_administration_asks_for_the_password_again_after_15_minutes(app, session, login, monkeypatch):
    admin = make_user(session, Role.ADMIN, username="root", password=PASSWORD)
    session.commit()
    client = login(admin)
    assert client.get("/admin/users").status_code == 200  # just signed in: fresh
    later = time.time() + reauth.FRESH_FOR_SECONDS + 60
    monkeypatch.setattr(reauth.time, "time", lambda: later)
    asked = client.get("/admin/users")
    assert asked.status_code == 302 and "/account/confirm?next=/admin/users" in asked.headers["Location"]
    assert (
        client.post("/admin/users/new", data={"username": "x1", "password": "Wenzhou-dept-7731"}).status_code == 302
    )  # refused until confirmed: nothing created
    assert session.scalar(select(User).where(User.username == "x1")) is None
    wrong = client.post("/account/confirm?next=/admin/users", data={"password": "not my password"})
    assert wrong.status_code == 401 and "密码不正确" in wrong.get_data(as_text=True)
    right = client.post("/account/confirm?next=/admin/users", data={"password": PASSWORD})
    assert right.status_code == 302 and right.headers["Location"].endswith("/admin/users")
    assert client.get("/admin/users").status_code == 200
    assert [e.event for e in _events(session, user_id=admin.id)][-2:] == [
        SecurityEvent.REAUTH_FAILED,
        SecurityEvent.REAUTHENTICATED,
    ]


def test_a_new_user_defaults_to_department_user(session, login):
    admin = make_user(session, Role.ADMIN, password=PASSWORD)
    session.commit()
    page = login(admin).get("/admin/users/new").get_data(as_text=True)
    role = page.split('id="role"')[1].split("</select>")[0]
    assert re.findall(r"<option[^>]*selected[^>]*>([^<]+)</option>", role) == ["部门用户"]


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://tracker.example")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_the_header_carries_the_city_s_name(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "SITE_NAME", "温州市信息化规划项目跟踪")
    page = client.get("/login").get_data(as_text=True)
    assert "<title>登录 · 温州市信息化规划项目跟踪</title>" in page
    assert re.search(r'class="navbar-brand"[^>]*>温州市信息化规划项目跟踪</a>', page)
    assert ">tracker" not in page


def test_the_change_history_and_the_security_log_are_append_only(session, is_postgres):
    make_user(session, Role.OFFICE)
    now = "now()" if is_postgres else "CURRENT_TIMESTAMP"
    session.execute(
        text(
            "INSERT INTO change_records (changed_at, source, entity, entity_id, action) "
            f"VALUES ({now}, 'cli', 'projects', 1, 'insert')"
        )
    )
    session.execute(text(f"INSERT INTO security_events (occurred_at, event) VALUES ({now}, 'login')"))
    refused = [
        "UPDATE change_records SET new_value = 'rewritten'",
        "DELETE FROM change_records",
        "UPDATE security_events SET detail = 'x'",
        "DELETE FROM security_events",
    ]
    if is_postgres:
        refused.append("TRUNCATE change_records")
    for statement in refused:
        with pytest.raises(DBAPIError, match="只能追加"):
            with session.begin_nested():
                session.execute(text(statement))
    assert session.scalar(select(ChangeRecord.id).limit(1)) is not None
