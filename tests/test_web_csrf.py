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
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', page) \
        .group(1) or ""


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
