"""Dates typed on a form keep their precision: shown and edited as written."""

from __future__ import annotations

import datetime as dt

from tests.world import build_world
from tracker.models import Project
from tracker.vocab import DatePrecision, Role


def test_month_typed_on_the_project_form_is_kept_as_a_month(session, login):
    world = build_world(session)
    client = login(world.users[Role.OFFICE])
    url = f"/projects/{world.project.id}/edit"
    form = {
        "code": world.project.code,
        "name": world.project.name,
        "planned_start_on": "2027年3月",
        "planned_end_on": "2028年上半年",
        "version": str(world.project.version),
        "section_id": "",
        "lead_department_id": str(world.dept.id),
        "status": "",
        "nature": "",
        "stage": "",
        "funding_source": "",
    }
    response = client.post(url, data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    session.expire_all()
    project = session.get(Project, world.project.id)
    assert (project.planned_start_on, project.planned_start_precision) == (dt.date(2027, 3, 1), DatePrecision.MONTH)
    assert (project.planned_end_on, project.planned_end_precision) == (dt.date(2028, 6, 30), DatePrecision.HALF)
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "2027年3月 – 2028年上半年" in page
    assert 'value="2027年3月"' in client.get(url).get_data(as_text=True)  # edited as it was written
