"""Signing in and out: generic failures, throttling, sessions that really end, safe redirects, headers."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from tests.conftest import PASSWORD
from tests.factories import make_user
from tracker.models import LoginThrottle
from tracker.services import auth as auth_service
from tracker.vocab import Role


def _post_login(client, username, password, **kwargs):
    return client.post("/login", data={"username": username, "password": password}, **kwargs)


def test_wrong_user_and_wrong_password_get_the_same_answer(client, session):
    make_user(session, username="wang", password=PASSWORD)
    session.commit()
    wrong_password = _post_login(client, "wang", "nope")
    no_such_user = _post_login(client, "nobody", "nope")
    assert wrong_password.status_code == no_such_user.status_code == 401
    assert "用户名或密码错误" in wrong_password.get_data(as_text=True)
    assert "用户名或密码错误" in no_such_user.get_data(as_text=True)


def test_failures_pause_that_account_from_that_address_only(app, client, session):
    make_user(session, username="li", password=PASSWORD)
    session.commit()
    attacker = {"REMOTE_ADDR": "10.9.9.9"}
    for _ in range(auth_service.ACCOUNT_LIMIT):
        _post_login(client, "li", "wrong", environ_base=attacker)
    throttle = session.scalar(select(LoginThrottle).where(LoginThrottle.key == "user:li@10.9.9.9"))
    assert throttle.failures == auth_service.ACCOUNT_LIMIT and throttle.locked_until is not None
    refused = _post_login(client, "li", PASSWORD, environ_base=attacker)  # that address waits, right password too
    assert refused.status_code == 401
    assert "登录失败次数过多" in refused.get_data(as_text=True)
    # The real user at their own desk signs in: nobody can lock anyone out by guessing.
    owner = app.test_client()
    assert _post_login(owner, "li", PASSWORD, environ_base={"REMOTE_ADDR": "10.1.1.1"}).status_code == 302


def test_pauses_grow_with_each_further_failure_and_expire(session):
    user = make_user(session, username="zhao", password=PASSWORD)
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    pauses = []
    now = start
    for _ in range(auth_service.ACCOUNT_LIMIT + 3):
        try:
            auth_service.authenticate(session, "zhao", "wrong", "10.0.0.1", now=now)
        except auth_service.LoginRefused:
            pass
        throttle = session.scalar(select(LoginThrottle).where(LoginThrottle.key == "user:zhao@10.0.0.1"))
        if throttle.locked_until is not None and throttle.locked_until > now:
            pauses.append(throttle.locked_until - now)
            now = throttle.locked_until + dt.timedelta(seconds=1)  # wait out the pause, then fail again
    assert pauses == [dt.timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert auth_service.authenticate(session, "zhao", PASSWORD, "10.0.0.1", now=now) == user


def test_admin_lifts_a_pause(app, session, login):
    target = make_user(session, username="sun", password=PASSWORD)
    admin = make_user(session, role=Role.ADMIN, username="boss", password=PASSWORD)
    session.commit()
    for _ in range(auth_service.ACCOUNT_LIMIT):
        _post_login(app.test_client(), "sun", "wrong")
    assert _post_login(app.test_client(), "sun", PASSWORD).status_code == 401
    client = login(admin)
    page = client.get("/admin/users").get_data(as_text=True)
    assert "暂停登录" in page and "解除限制" in page
    assert client.post(f"/admin/users/{target.id}/unlock").status_code == 302
    assert "暂停登录" not in client.get("/admin/users").get_data(as_text=True)
    assert _post_login(app.test_client(), "sun", PASSWORD).status_code == 302


def test_address_is_throttled_across_accounts(client, session):
    make_user(session, username="qian", password=PASSWORD)
    session.commit()
    for n in range(auth_service.ADDRESS_LIMIT):
        _post_login(client, f"guess{n}", "wrong")
    response = _post_login(client, "qian", PASSWORD)
    assert response.status_code == 401


def test_login_clears_the_old_session_and_redirects_only_within_the_site(client, session):
    make_user(session, username="sun", password=PASSWORD)
    session.commit()
    with client.session_transaction() as s:
        s["planted"] = "by an attacker"
    response = _post_login(client, "sun", PASSWORD, query_string={"next": "https://evil.example/x"})
    assert response.headers["Location"] == "/"
    with client.session_transaction() as s:
        assert "planted" not in s
    client.post("/logout")
    response = _post_login(client, "sun", PASSWORD, query_string={"next": "/projects?q=1"})
    assert response.headers["Location"] == "/projects?q=1"
    client.post("/logout")
    response = _post_login(client, "sun", PASSWORD, query_string={"next": "//evil.example"})
    assert response.headers["Location"] == "/"


def _copy_cookies(source, target):
    for cookie in source._cookies.values():
        target.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)


def test_logout_ends_a_copied_session_cookie(app, session, login):
    user = make_user(session, Role.LEADER, username="zhou", password=PASSWORD)
    session.commit()
    first = login(user)
    thief = app.test_client()
    _copy_cookies(first, thief)
    assert thief.get("/plans").status_code == 200
    first.post("/logout")
    assert thief.get("/plans").status_code == 302


def test_password_change_ends_other_sessions_but_not_this_one(app, session, login):
    user = make_user(session, Role.LEADER, username="wu", password=PASSWORD)
    session.commit()
    mine, elsewhere = login(user), login(user)
    response = mine.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": "a-new-password", "confirm_password": "a-new-password"},
    )
    assert response.status_code == 302
    assert mine.get("/plans").status_code == 200
    assert elsewhere.get("/plans").status_code == 302


def test_password_change_errors_are_on_their_fields(app, session, login):
    user = make_user(session, Role.LEADER, username="zheng", password=PASSWORD)
    session.commit()
    client = login(user)
    response = client.post(
        "/account/password",
        data={"current_password": "wrong", "new_password": "a-new-password", "confirm_password": "a-new-password"},
    )
    assert response.status_code == 422
    assert "当前密码不正确" in response.get_data(as_text=True)


def test_deactivating_a_user_ends_their_sessions(app, session, login):
    admin = make_user(session, Role.ADMIN, username="boss", password=PASSWORD)
    user = make_user(session, Role.LEADER, username="feng", password=PASSWORD)
    session.commit()
    theirs = login(user)
    admin_client = login(admin)
    response = admin_client.post(
        f"/admin/users/{user.id}/edit",
        data={
            "username": "feng",
            "display_name": user.display_name,
            "role": "leader",
            "department_id": "",
            "version": user.version,  # active left out: unchecked
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert theirs.get("/plans").status_code == 302


def test_cookies_are_httponly_lax_and_secure_over_https(app, session):
    make_user(session, username="chen", password=PASSWORD)
    session.commit()
    client = app.test_client()
    plain = client.post("/login", data={"username": "chen", "password": PASSWORD, "remember": "y"})
    cookies = plain.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("session="))
    remember = next(c for c in cookies if c.startswith("remember_token="))
    for cookie in (session_cookie, remember):
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    expires = dt.datetime.strptime(remember.split("Expires=")[1].split(";")[0], "%a, %d %b %Y %H:%M:%S GMT")
    assert expires - dt.datetime.utcnow() <= dt.timedelta(days=14, minutes=1)

    secure_client = app.test_client()
    secure = secure_client.post(
        "/login", data={"username": "chen", "password": PASSWORD, "remember": "y"}, base_url="https://tracker.example"
    )
    assert all("; Secure" in c for c in secure.headers.getlist("Set-Cookie"))


def test_security_headers_on_every_response(client):
    for response in (client.get("/login"), client.get("/no-such-page"), client.get("/plans")):
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"]


def test_error_pages_are_chinese(client, session, login):
    user = make_user(session, Role.LEADER, password=PASSWORD)
    session.commit()
    signed_in = login(user)
    not_found = signed_in.get("/projects/999999")
    assert not_found.status_code == 404 and "页面不存在" in not_found.get_data(as_text=True)
    forbidden = signed_in.get("/admin/users")
    assert forbidden.status_code == 403 and "没有权限" in forbidden.get_data(as_text=True)
