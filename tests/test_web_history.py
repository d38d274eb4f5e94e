"""A project's 变更记录: its own changes and its milestones' and investments', never another project's."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy import text as sql

from tests.world import build_world
from tracker.models import ChangeRecord, Investment, Milestone
from tracker.vocab import Role
from tracker.web.history import project_history

SHARED_ID = 900_001  # far above any id the suite's sequences reach


def _page(client, project) -> str:
    return client.get(f"/projects/{project.id}").get_data(as_text=True)


def test_history_keeps_to_the_project_when_milestone_and_investment_ids_collide(session, login):
    world = build_world(session)
    # 甲项目's milestone and 乙项目's investment share one id (they live in different tables).
    session.add(Milestone(id=SHARED_ID, project=world.project, ordinal=7, name="甲的专属节点"))
    session.add(Investment(id=SHARED_ID, project=world.other_project, year=2031, planned_amount=Decimal("777")))
    session.commit()

    mine = project_history(session, world.project.id).entries
    assert any("甲的专属节点" in entry.what or entry.new == "甲的专属节点" for entry in mine)
    assert not any("2031" in entry.what or entry.new in ("777.00", "2031") for entry in mine)

    page = _page(login(world.users[Role.DEPARTMENT]), world.project)  # 甲单位 reads its own project
    assert "甲的专属节点" in page
    assert "2031年" not in page and "777.00" not in page  # 乙单位's figures never show on 甲's page

    theirs = project_history(session, world.other_project.id).entries
    assert any(entry.new == "777.00" for entry in theirs)
    assert not any(entry.new == "甲的专属节点" for entry in theirs)


def test_history_of_a_deleted_milestone_stays_with_its_project(session, login):
    world = build_world(session)
    milestone = Milestone(project=world.project, ordinal=9, name="将被删除的节点")
    session.add(milestone)
    session.commit()
    session.delete(milestone)
    session.commit()
    entries = project_history(session, world.project.id).entries
    assert [e.action for e in entries if "将被删除的节点" in (e.what + (e.old or ""))][:1] == ["删除"]


def test_project_history_reads_one_index_range(session, is_postgres):
    query = (
        "SELECT * FROM change_records WHERE project_id = 1 AND entity IN ('projects', 'milestones') "
        "ORDER BY changed_at DESC, id DESC LIMIT 300"
    )
    if is_postgres:
        session.execute(sql("SET LOCAL enable_seqscan = off"))
        plan = " ".join(row[0] for row in session.execute(sql("EXPLAIN " + query)))
    else:
        plan = " ".join(str(row[-1]) for row in session.execute(sql("EXPLAIN QUERY PLAN " + query)))
    assert "ix_change_records_project_changed" in plan


def test_history_shows_the_newest_50_then_more_and_the_seed_load_as_one_line(session, login):
    from tests.conftest import PASSWORD
    from tests.factories import make_user
    from tracker.models import Plan, Project, set_change_context
    from tracker.services.seeding import seed
    from tracker.vocab import ChangeSource, Role

    set_change_context(session, ChangeSource.SEED)  # as `flask seed` loads it
    seed(session, ["szwz"])
    session.commit()
    project = session.scalar(select(Project).join(Plan).where(Plan.code == "szwz").order_by(Project.id))
    user = make_user(session, Role.OFFICE, password=PASSWORD)
    set_change_context(session, ChangeSource.WEB, user)
    for n in range(60):
        project.remarks = f"第{n}次修改"
        session.commit()
    seeded = session.scalar(
        select(func.count(ChangeRecord.id)).where(
            ChangeRecord.project_id == project.id, ChangeRecord.source == ChangeSource.SEED
        )
    )
    client = login(user)
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    table = page.split('id="history"')[1].split("</table>")[0]
    assert table.count("第") >= 50 and "第59次修改" in table and "第8次修改" not in table
    assert "显示更早的 50 条" in table and "种子数据" not in table
    more = client.get(f"/projects/{project.id}?history=2").get_data(as_text=True).split('id="history"')[1]
    assert "第0次修改" in more and "显示更早" not in more
    assert f"从规划文件载入本项目及其里程碑、投资（{seeded} 处" in more and seeded > 3
    assert client.get(f"/projects/{project.id}?history=99999999999").status_code == 200
