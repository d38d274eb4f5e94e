"""Small builders for test data; each flushes so ids are set, and none commits."""

from __future__ import annotations

import itertools

from tracker.models import Department, Milestone, Phase, Plan, Project, User
from tracker.vocab import Role

_seq = itertools.count(1)


def make_department(session, name: str | None = None, **kwargs) -> Department:
    dept = Department(name=name or f"测试单位{next(_seq)}", aliases=[], **kwargs)
    session.add(dept)
    session.flush()
    return dept


def make_plan(session, code: str | None = None, **kwargs) -> Plan:
    n = next(_seq)
    plan = Plan(code=code or f"p{n}", name=kwargs.pop("name", f"测试规划{n}"), **kwargs)
    session.add(plan)
    session.flush()
    return plan


def make_phase(session, plan: Plan, ordinal: int = 1, **kwargs) -> Phase:
    phase = Phase(plan=plan, ordinal=ordinal, name=kwargs.pop("name", f"第{ordinal}阶段"), **kwargs)
    session.add(phase)
    session.flush()
    return phase


def make_project(session, plan: Plan | None = None, code: str | None = None, **kwargs) -> Project:
    plan = plan or make_plan(session)
    n = next(_seq)
    project = Project(plan=plan, code=code or f"X{n}", name=kwargs.pop("name", f"测试项目{n}"), **kwargs)
    session.add(project)
    session.flush()
    return project


def make_milestone(session, project: Project, ordinal: int = 1, **kwargs) -> Milestone:
    milestone = Milestone(project=project, ordinal=ordinal, name=kwargs.pop("name", f"里程碑{ordinal}"), **kwargs)
    session.add(milestone)
    session.flush()
    return milestone


def make_user(
    session, role: Role = Role.OFFICE, department: Department | None = None, password: str = "correct horse", **kwargs
) -> User:
    n = next(_seq)
    user = User(
        username=kwargs.pop("username", f"user{n}"),
        display_name=kwargs.pop("display_name", f"用户{n}"),
        role=role,
        department=department,
        **kwargs,
    )
    user.set_password(password)
    session.add(user)
    session.flush()
    return user
