"""Every edit form and quick update refuses a post that does not say which version it edits.

Without the check a stale page (or a hand-made request) silently overwrites a newer save.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from tests.test_permissions import ROUTES, _url
from tests.world import build_world
from tracker.models import ChangeRecord
from tracker.vocab import Role

EDITS = {endpoint: args for endpoint, (kind, args, _) in ROUTES.items() if endpoint.endswith(("_edit", "_progress"))}


class _FormFields(HTMLParser):
    """The values a browser would post for the page's edit form (the one with a `version` field)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[list[tuple[str, str]]] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append([])
        elif not self.forms:
            return
        elif tag == "input" and a.get("name") and a.get("type") not in ("submit", "button"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.forms[-1].append((a["name"], a.get("value") or ("y" if a.get("type") == "checkbox" else "")))
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self.forms[-1].append((self._select, a.get("value", "")))
        elif tag == "textarea":
            self._textarea = a.get("name")
            self.forms[-1].append((self._textarea, ""))

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self.forms and self.forms[-1] and self.forms[-1][-1][0] == self._textarea:
            name, value = self.forms[-1].pop()
            self.forms[-1].append((name, value + data))


def _edit_form(client, url) -> list[tuple[str, str]]:
    parser = _FormFields()
    parser.feed(client.get(url).get_data(as_text=True))
    return next(form for form in parser.forms if any(name == "version" for name, _ in form))


@pytest.mark.parametrize("endpoint", sorted(EDITS))
def test_edit_without_a_version_is_refused_and_writes_nothing(app, session, login, endpoint):
    world = build_world(session)
    client = login(world.users[Role.ADMIN])
    url = _url(app, world, endpoint, EDITS[endpoint])
    fields = [(n, v) for n, v in _edit_form(client, url) if n != "version"]
    history = session.scalar(select(ChangeRecord.id).order_by(ChangeRecord.id.desc()).limit(1))

    for version in (None, "", "abc", "1.0"):
        data = fields + ([("version", version)] if version is not None else [])
        response = client.post(url, data=MultiDict(data))
        assert response.status_code == 400, (endpoint, version, response.status_code)
        assert "缺少版本号" in response.get_data(as_text=True)
    session.expire_all()
    assert session.scalar(select(ChangeRecord.id).order_by(ChangeRecord.id.desc()).limit(1)) == history

    # The same form with the version it was loaded at saves: the refusal above was the version's doing.
    saved = client.post(url, data=MultiDict(_edit_form(client, url)))
    assert saved.status_code == 302, (endpoint, saved.status_code)
