"""The pages people use every week, checked for what a person would look at."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from sqlalchemy import select

from tests.conftest import PASSWORD
from tests.factories import make_department, make_milestone, make_project, make_user
from tests.world import build_world
from tracker import progress
from tracker.models import ChangeRecord, Department, Milestone, Plan, Project, User
from tracker.services.seeding import seed
from tracker.vocab import ChangeSource, MilestoneStatus, ProjectStatus, Role


def text(response) -> str:
    return response.get_data(as_text=True)


def test_plan_page_shows_stages_tree_and_indicators(session, login):
    seed(session, ["szwz"], demo=True)
    session.commit()
    client = login(session.scalar(select(User).where(User.username == "leader")), "demo-leader-2026")
    plan = session.scalar(select(Plan).where(Plan.code == "szwz"))
    page = text(client.get(f"/plans/{plan.id}"))
    stages = re.findall(r'data-phase="\d+">\s*<td><a [^>]*>([^<]+)</a>', page)
    assert stages == [
        "第一阶段：与时俱进，全面启动数字温州建设",
        "第二阶段：开拓创新，深化数字温州建设进程",
        "第三阶段：再接再厉，初步实现数字温州宏伟蓝图",
    ]
    assert "231工程" in page and "二项基础信息工程" in page and "1.1 基础网络建设" in page and "2.15 农村信息化" in page
    # The rule is shown next to the figure: the demo's projects with milestones all have a 总投资; the
    # others are counted apart, not as 0%.
    assert "按总投资加权" in page and "个无里程碑，不计入" in page
    assert "全市电子商务交易额" in page and "亿元" in page


def test_stage_page_goals_projects_milestones_completion(session, login):
    world = build_world(session)
    client = login(world.users[Role.LEADER])
    page = text(client.get(f"/phases/{world.phase.id}"))
    assert "目标一" in page and "甲项目" in page
    assert world.milestone.name in page
    assert "0.0%" in page


def test_project_page_shows_fields_investments_and_history(session, login):
    world = build_world(session)
    world.investment.completed_amount = Decimal("12.5")
    world.project.progress_note = "光缆已敷设过半"
    world.project.issues = "资金未到位"
    session.commit()
    page = text(login(world.users[Role.LEADER]).get(f"/projects/{world.project.id}"))
    assert "甲单位" in page and "100.00 万元" in page
    assert "12.50" in page and "25.0%" in page  # 12.5 of 50 planned
    assert "完成投资（万元）" in page  # history names the field in Chinese
    assert "基础网络建设" in page  # section named, not numbered
    assert "光缆已敷设过半" in page and "资金未到位" in page and "形象进度" in page


def test_quick_status_update_by_department_changes_list_completion_and_history(session, login):
    world = build_world(session)
    dept_user = world.users[Role.DEPARTMENT]
    client = login(dept_user)
    before = progress.project_completion(session, Project.id == world.project.id)[world.project.id]
    response = client.post(
        f"/milestones/{world.milestone.id}/progress",
        data={
            "status": "done",
            "actual_on": "2026年1月",
            "note": "已验收",
            "version": world.milestone.version,
            "next": f"/phases/{world.phase.id}",
        },
    )
    assert response.status_code == 302 and response.headers["Location"] == f"/phases/{world.phase.id}"
    session.expire_all()
    milestone = session.get(Milestone, world.milestone.id)
    assert (milestone.status, milestone.actual_on, milestone.note) == (
        MilestoneStatus.DONE,
        dt.date(2026, 1, 31),
        "已验收",
    )
    after = progress.project_completion(session, Project.id == world.project.id)[world.project.id]
    assert (before, after) == (0.0, 100.0)
    records = session.scalars(
        select(ChangeRecord).where(
            ChangeRecord.entity == "milestones", ChangeRecord.entity_id == milestone.id, ChangeRecord.action == "update"
        )
    ).all()
    assert {r.field for r in records} == {"status", "actual_on", "actual_precision", "note"}  # 2026年1月: a month
    assert all(r.user_id == dept_user.id and r.source is ChangeSource.WEB for r in records)
    stage = text(client.get(f"/phases/{world.phase.id}"))
    assert "100.0%" in stage
    history = text(client.get(f"/projects/{world.project.id}"))
    assert dept_user.display_name in history and "已完成" in history


def test_marking_done_without_a_date_means_today_and_future_dates_are_refused(session, login):
    world = build_world(session)
    client = login(world.users[Role.DEPARTMENT])
    future = client.post(
        f"/milestones/{world.milestone.id}/progress",
        data={"status": "done", "actual_on": "2099-01-01", "version": world.milestone.version},
    )
    assert future.status_code == 422 and "不能晚于今天" in text(future)
    ok = client.post(
        f"/milestones/{world.milestone.id}/progress",
        data={"status": "done", "actual_on": "", "version": world.milestone.version},
    )
    assert ok.status_code == 302
    session.expire_all()
    assert session.get(Milestone, world.milestone.id).actual_on == dt.date.today()


def test_concurrent_edit_shows_both_values_and_overwrites_nothing(session, login):
    world = build_world(session)
    office = login(world.users[Role.OFFICE])
    admin = login(world.users[Role.ADMIN])
    loaded_version = world.project.version
    form = {
        "code": world.project.code,
        "name": "先保存的名称",
        "version": loaded_version,
        "lead_department_id": world.dept.id,
        "total_budget": "100",
    }
    assert admin.post(f"/projects/{world.project.id}/edit", data=form).status_code == 302
    stale = office.post(f"/projects/{world.project.id}/edit", data={**form, "name": "后保存的名称"})
    assert stale.status_code == 409
    page = text(stale)
    assert "已被他人修改" in page and "先保存的名称" in page and "后保存的名称" in page
    session.expire_all()
    assert session.get(Project, world.project.id).name == "先保存的名称"


def test_stale_quick_update_is_a_conflict(session, login):
    world = build_world(session)
    client = login(world.users[Role.DEPARTMENT])
    old_version = world.milestone.version
    assert (
        client.post(
            f"/milestones/{world.milestone.id}/progress", data={"status": "in_progress", "version": old_version}
        ).status_code
        == 302
    )
    again = client.post(
        f"/milestones/{world.milestone.id}/progress", data={"status": "delayed", "version": old_version}
    )
    assert again.status_code == 409
    session.expire_all()
    assert session.get(Milestone, world.milestone.id).status is MilestoneStatus.IN_PROGRESS


def test_forms_read_amounts_and_dates_as_typed_and_refuse_bad_input_whole(session, login):
    world = build_world(session)
    client = login(world.users[Role.OFFICE])
    response = client.post(
        f"/plans/{world.plan.id}/projects/new",
        data={
            "code": "N1",
            "name": "新项目",
            "total_budget": "2.3亿",
            "planned_start_on": "2007.6",
            "planned_end_on": "2008年3月",
            "status": "in_progress",
            "cooperators": [world.other_dept.id],
        },
    )
    assert response.status_code == 302, text(response)[:3000]
    project = session.scalar(select(Project).where(Project.code == "N1"))
    assert project.total_budget == Decimal("23000.00")
    # A start written as a month begins on its first day; a deadline ends on its last.
    assert (project.planned_start_on, project.planned_end_on) == (dt.date(2007, 6, 1), dt.date(2008, 3, 31))
    assert [d.name for d in project.cooperators] == ["乙单位"]

    bad = client.post(
        f"/plans/{world.plan.id}/projects/new",
        data={"code": "N2", "name": "坏项目", "total_budget": "很多", "planned_start_on": "2008-02-30"},
    )
    assert bad.status_code == 422
    assert "无法识别的金额" in text(bad) and "日期不存在" in text(bad)
    backwards = client.post(
        f"/plans/{world.plan.id}/projects/new",
        data={"code": "N3", "name": "倒序", "planned_start_on": "2009-01-01", "planned_end_on": "2008-01-01"},
    )
    assert backwards.status_code == 422 and "不能早于计划开始" in text(backwards)
    duplicate = client.post(f"/plans/{world.plan.id}/projects/new", data={"code": "N1", "name": "重复"})
    assert duplicate.status_code == 422 and "不能重复" in text(duplicate)
    assert session.scalar(select(Project).where(Project.code.in_(["N2", "N3"]))) is None


def test_deleting_a_department_in_use_is_refused_kindly(session, login):
    world = build_world(session)
    client = login(world.users[Role.ADMIN])
    response = client.post(f"/departments/{world.dept.id}/delete")
    assert response.status_code == 302
    follow = client.get(response.headers["Location"])
    assert "无法删除" in text(follow)
    assert session.get(Department, world.dept.id) is not None


def test_section_cannot_be_its_own_ancestor(session, login):
    world = build_world(session)
    client = login(world.users[Role.OFFICE])
    response = client.post(
        f"/sections/{world.section.id}/edit",
        data={
            "parent_id": world.section.id,
            "title": world.section.title,
            "ordinal": 1,
            "version": world.section.version,
        },
    )
    assert response.status_code == 422 and "上级不能是它自己" in text(response)


def test_my_work_lists_every_milestone_overdue_first(session, login):
    dept = make_department(session, "丙单位")
    user = make_user(session, Role.DEPARTMENT, department=dept, password=PASSWORD, username="bing")
    project = make_project(session, lead_department=dept)
    today = dt.date.today()
    make_milestone(session, project, 1, name="下周到期", planned_on=today + dt.timedelta(days=7))
    make_milestone(session, project, 2, name="上月逾期", planned_on=today - dt.timedelta(days=30))
    make_milestone(session, project, 3, name="明年的事", planned_on=today + dt.timedelta(days=365))
    make_milestone(
        session, project, 4, name="已完成的", planned_on=today - dt.timedelta(days=3), status=MilestoneStatus.DONE
    )
    session.commit()
    page = text(login(user).get("/my"))
    # Overdue first, then by date — and nothing left out because it is far off or done.
    assert page.index("上月逾期") < page.index("已完成的") < page.index("下周到期") < page.index("明年的事")
    assert "逾期 1 个" in page


def test_department_page_lists_projects_overdue_and_due_soon(session, login):
    world = build_world(session)
    world.milestone.planned_on = dt.date.today() - dt.timedelta(days=1)
    session.commit()
    page = text(login(world.users[Role.DEPARTMENT]).get(f"/departments/{world.dept.id}"))
    assert "甲项目" in page and world.milestone.name in page and "牵头" in page


def test_project_search_filters_live_in_the_url_and_paginate(session, login):
    world = build_world(session)
    for n in range(60):
        make_project(
            session,
            world.plan,
            code=f"S{n:02d}",
            name=f"搜索项目{n:02d}",
            lead_department=world.dept,
            status=ProjectStatus.IN_PROGRESS,
        )
    late = make_project(session, world.plan, code="LATE", name="逾期项目", lead_department=world.other_dept)
    make_milestone(session, late, planned_on=dt.date.today() - dt.timedelta(days=5))
    session.commit()
    client = login(world.users[Role.OFFICE])
    first = text(client.get(f"/projects?q=搜索&department={world.dept.id}&status=in_progress"))
    assert "共 60 个项目" in first
    assert "page=2" in first and "q=%E6%90%9C%E7%B4%A2" in first  # the pager keeps the filters
    second = text(client.get(f"/projects?q=搜索&department={world.dept.id}&status=in_progress&page=2"))
    assert second.count("搜索项目") == 10
    overdue = text(client.get("/projects?overdue=1"))
    assert "逾期项目" in overdue and "搜索项目" not in overdue
    assert "共 0 个项目" in text(client.get("/projects?status=nonsense&q=不存在"))


def test_department_aliases_are_edited_as_text(session, login):
    world = build_world(session)
    client = login(world.users[Role.ADMIN])
    response = client.post(
        f"/departments/{world.dept.id}/edit",
        data={
            "name": "甲单位",
            "short_name": "甲",
            "alias_names": "甲局，老甲单位、甲局",
            "kind": "city",
            "active": "y",
            "version": world.dept.version,
        },
    )
    assert response.status_code == 302, text(response)[:2000]
    session.expire_all()
    assert sorted(a.alias for a in session.get(Department, world.dept.id).aliases) == ["甲局", "老甲单位"]
    taken = client.post(
        f"/departments/{world.other_dept.id}/edit",
        data={
            "name": "乙单位",
            "alias_names": "甲局",
            "kind": "city",
            "active": "y",
            "version": world.other_dept.version,
        },
    )
    assert taken.status_code == 422 and "保存失败" in text(taken)


def test_department_reports_project_progress_but_not_other_fields(session, login):
    world = build_world(session)
    client = login(world.users[Role.DEPARTMENT])
    response = client.post(
        f"/projects/{world.project.id}/progress",
        data={
            "status": "in_progress",
            "progress_note": "设备已进场",
            "issues": "",
            "name": "想改名",
            "version": world.project.version,
        },
    )
    assert response.status_code == 302
    session.expire_all()
    project = session.get(Project, world.project.id)
    assert (project.status, project.progress_note, project.name) == (ProjectStatus.IN_PROGRESS, "设备已进场", "甲项目")
    assert client.post(f"/projects/{world.other_project.id}/progress", data={"status": "completed"}).status_code == 403
