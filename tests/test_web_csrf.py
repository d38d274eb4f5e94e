"""With CSRF protection on (as in production), a state-changing request without its token is refused."""

from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORD
from tests.factories import make_user
from tracker.vocab import Role


@pytest.fixture()
def csrf_app(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield app
    app.config["WTF_CSRF_ENABLED"] = False


def _token(page: str) -> str:
    return (
        re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', page).group(1)
        or ""
    )


def test_post_without_token_is_refused(csrf_app, session):
    make_user(session, Role.OFFICE, username="csrf", password=PASSWORD)
    session.commit()
    client = csrf_app.test_client()
    response = client.post("/login", data={"username": "csrf", "password": PASSWORD})
    assert response.status_code == 400
    assert "安全令牌" in response.get_data(as_text=True)


def test_post_with_token_goes_through_and_logout_needs_one_too(csrf_app, session):
    make_user(session, Role.OFFICE, username="csrf2", password=PASSWORD)
    session.commit()
    client = csrf_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"username": "csrf2", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    assert client.post("/logout").status_code == 400  # a forged sign-out from another site fails
    assert client.get("/plans").status_code == 200


def test_a_form_left_open_past_8_hours_is_offered_again_with_what_was_typed(csrf_app, session, monkeypatch):
    import time

    from tests.factories import make_department
    from tracker.models import Department

    dept = make_department(session, "市过期局")
    make_user(session, Role.ADMIN, username="csrf3", password=PASSWORD)
    session.commit()
    client = csrf_app.test_client()
    login_page = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"username": "csrf3", "password": PASSWORD, "csrf_token": _token(login_page)})
    assert csrf_app.config["WTF_CSRF_TIME_LIMIT"] == 8 * 3600
    # Tokens last a second instead of 8 hours; the form is posted after two.
    monkeypatch.setitem(csrf_app.config, "WTF_CSRF_TIME_LIMIT", 1)
    form = client.get(f"/departments/{dept.id}/edit").get_data(as_text=True)
    time.sleep(2.1)
    typed = {
        "csrf_token": _token(form),
        "name": "市过期局（新名）",
        "short_name": "过期局",
        "kind": "city",
        "version": str(dept.version),
        "active": "y",
    }
    expired = client.post(f"/departments/{dept.id}/edit", data=typed)
    page = expired.get_data(as_text=True)
    monkeypatch.setitem(csrf_app.config, "WTF_CSRF_TIME_LIMIT", 8 * 3600)
    assert expired.status_code == 400 and "页面已过期，请重新提交" in page
    assert 'value="市过期局（新名）"' in page and session.get(Department, dept.id).name == "市过期局"
    again = {name: value for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page)}
    assert again["name"] == "市过期局（新名）" and again["csrf_token"] != typed["csrf_token"]
    assert client.post(f"/departments/{dept.id}/edit", data=again).status_code == 302
    session.expire_all()
    assert session.get(Department, dept.id).name == "市过期局（新名）"
