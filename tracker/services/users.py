"""Creating and changing user accounts."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.models import Department, User
from tracker.services import ServiceError
from tracker.services.departments import find_department
from tracker.vocab import Role

MIN_PASSWORD_LENGTH = 10
MIN_PASSWORD_SCORE = 3  # zxcvbn's 0–4: 3 is "safely unguessable" (about 10^8 guesses and more)
_USERNAME = re.compile(r"^[A-Za-z0-9_.-]{2,50}$")


def password_problem(password: str, *hints: str | None) -> str | None:
    """Why `password` may not be used (None: it may), the one rule for every place a password is set.

    zxcvbn knows the common-password lists, keyboard walks, dates and repeats; `hints` (user name,
    display name) count as known words too.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"密码至少 {MIN_PASSWORD_LENGTH} 位"
    from zxcvbn import zxcvbn  # its word lists take a moment to load: only when a password is set

    if zxcvbn(password, user_inputs=[h for h in hints if h])["score"] < MIN_PASSWORD_SCORE:
        return "这个密码太常见或太容易猜到（如 password、12345678、键盘连续键、用户名加数字），请换一个更长、不常见的"
    return None


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
    problem = password_problem(password, username, display_name)
    if problem:
        raise ServiceError(problem, "password")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise ServiceError(f"用户名“{username}”已存在", "username")
    user = User(username=username, display_name=display_name or username, role=role_member, department=dept)
    user.set_password(password)
    session.add(user)
    session.flush()
    return user
