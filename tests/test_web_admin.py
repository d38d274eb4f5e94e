"""User administration on the web, as the admin does it."""

from __future__ import annotations

from sqlalchemy import select

from tests.conftest import PASSWORD
from tests.factories import make_department, make_user
from tracker.models import User
from tracker.vocab import Role


def test_admin_creates_a_department_user_who_can_sign_in(app, session, login):
    dept = make_department(session, "市测试局")
    admin = make_user(session, role=Role.ADMIN, username="root1", password=PASSWORD)
    session.commit()
    response = login(admin).post(
        "/admin/users/new",
        data={
            "username": "ceshi",
            "display_name": "测试局填报员",
            "role": "department",
            "department_id": str(dept.id),
            "active": "y",
            "password": "long-enough-pw",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    user = session.scalar(select(User).where(User.username == "ceshi"))
    assert user.role is Role.DEPARTMENT and user.department_id == dept.id and user.active
    signed_in = app.test_client().post("/login", data={"username": "ceshi", "password": "long-enough-pw"})
    assert signed_in.status_code == 302


def test_department_user_without_a_department_is_refused_on_its_field(session, login):
    admin = make_user(session, role=Role.ADMIN, username="root2", password=PASSWORD)
    session.commit()
    response = login(admin).post(
        "/admin/users/new",
        data={
            "username": "nodept",
            "display_name": "无单位",
            "role": "department",
            "department_id": "",
            "password": "long-enough-pw",
        },
    )
    assert response.status_code == 422
    assert "部门用户必须指定所属单位" in response.get_data(as_text=True)
    assert session.scalar(select(User).where(User.username == "nodept")) is None


def test_a_refused_new_user_form_keeps_everything_typed_including_the_password(session, login):
    admin = make_user(session, role=Role.ADMIN, username="root3", password=PASSWORD)
    session.commit()
    response = login(admin).post(
        "/admin/users/new",
        data={
            "username": "nodept2",
            "display_name": "无单位",
            "role": "department",
            "department_id": "",
            "password": "Wenzhou-dept-7731",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "部门用户必须指定所属单位" in page
    assert 'value="nodept2"' in page and 'value="无单位"' in page and 'value="Wenzhou-dept-7731"' in page
