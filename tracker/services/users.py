"""Creating and changing user accounts."""
from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.models import Department, User
from tracker.services import ServiceError
from tracker.services.departments import find_department
from tracker.vocab import Role

MIN_PASSWORD_LENGTH = 8
_USERNAME = re.compile(r"^[A-Za-z0-9_.-]{2,50}$")


def create_user(
    session: Session,
    *,
    username: str,
    role: str,
    password: str,
    display_name: str | None = None,
    department: Department | str | None = None,
) -> User:
    """A new account; `department` is a Department (web form) or any of its names (CLI)."""
    if not _USERNAME.match(username):
        raise ServiceError("用户名只能包含字母、数字和 _ . -，长度 2–50", "username")
    role_member = Role.from_text(role)
    if role_member is None:
        choices = "、".join(f"{r.value}（{r.label}）" for r in Role)
        raise ServiceError(f"未知角色“{role}”，可选：{choices}", "role")
    dept = department if isinstance(department, Department) else None
    if isinstance(department, str) and department:
        dept = find_department(session, department)
        if dept is None:
            raise ServiceError(f"未知单位“{department}”", "department_id")
    if role_member is Role.DEPARTMENT and dept is None:
        raise ServiceError("部门用户必须指定所属单位（--department）", "department_id")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ServiceError(f"密码至少 {MIN_PASSWORD_LENGTH} 位", "password")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise ServiceError(f"用户名“{username}”已存在", "username")
    user = User(username=username, display_name=display_name or username, role=role_member, department=dept)
    user.set_password(password)
    session.add(user)
    session.flush()
    return user
