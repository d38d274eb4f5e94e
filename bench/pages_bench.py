"""Leaders' and office pages at the size of a large plan — 10,000 projects, 100,000 milestones, 200
departments, a closed and an open reporting period — on PostgreSQL: each page's time (median of 5,
in process), query count and size, beside a `SELECT 1` round trip measured in the same run.

    .venv/bin/python bench/pages_bench.py

TRACKER_BENCH_PG_URL names the server (default postgresql+psycopg://postgres@127.0.0.1/postgres);
the bench creates and drops its own database, tracker_pages_bench. Aim: every page ≤ 300 kB, and a
query count that does not grow with the data.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEPARTMENTS, PROJECTS, MILESTONES_EACH = 200, 10_000, 10
DB_NAME = "tracker_pages_bench"


def database() -> str:
    from sqlalchemy import make_url, text

    from tracker.extensions import make_engine

    server = os.environ.get("TRACKER_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1/postgres")
    admin = make_engine(server).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{DB_NAME}"'))
    admin.dispose()
    return make_url(server).set(database=DB_NAME).render_as_string(hide_password=False)


def build(url: str):
    from report_bench import october_closed_november_open  # the same reporting state as that bench
    from sqlalchemy import insert, select

    from tracker import create_app, migrate
    from tracker.extensions import db
    from tracker.models import (
        Department,
        Investment,
        Milestone,
        Phase,
        Plan,
        PlanSection,
        Project,
        User,
        set_change_context,
        utcnow,
    )
    from tracker.models.project import project_phases
    from tracker.vocab import ChangeSource, Role

    migrate.upgrade(url)
    app = create_app(
        {
            "TESTING": True,
            "TRACKER_ENV": "testing",
            "SECRET_KEY": "bench",
            "DATABASE_URL": url,
            "WTF_CSRF_ENABLED": False,
            "PAGE_CACHE": False,
        }
    )  # the work itself; kept pages below
    with app.app_context():
        session = db.session
        set_change_context(session, ChangeSource.CLI)
        now = utcnow()
        session.execute(
            insert(Department),
            [
                {"name": f"基准单位{i:03d}", "kind": "city", "active": True, "version": 1, "updated_at": now}
                for i in range(DEPARTMENTS)
            ],
        )
        dept_ids = session.scalars(select(Department.id).order_by(Department.id)).all()
        plan_id = session.execute(
            insert(Plan)
            .values(code="big", name="基准大规划", version=1, updated_at=now, report_cadence="month")
            .returning(Plan.id)
        ).scalar()
        phase_ids = [
            session.execute(
                insert(Phase)
                .values(
                    plan_id=plan_id,
                    ordinal=n,
                    name=f"第{n}阶段：基准",
                    planned_start_on=dt.date(2024 + n, 1, 1),
                    planned_end_on=dt.date(2024 + n, 12, 31),
                    version=1,
                    updated_at=now,
                )
                .returning(Phase.id)
            ).scalar()
            for n in (1, 2, 3)
        ]
        root = session.execute(
            insert(PlanSection)
            .values(plan_id=plan_id, title="基准工程", ordinal=1, version=1, updated_at=now)
            .returning(PlanSection.id)
        ).scalar()
        section_ids = [
            session.execute(
                insert(PlanSection)
                .values(
                    plan_id=plan_id, parent_id=root, code=f"{n}", title=f"分项{n}", ordinal=n, version=1, updated_at=now
                )
                .returning(PlanSection.id)
            ).scalar()
            for n in range(1, 21)
        ]
        statuses = ("not_started", "in_progress", "in_progress", "completed", "suspended")
        session.execute(
            insert(Project),
            [
                {
                    "plan_id": plan_id,
                    "code": f"{i // 500 + 1}.{i % 500 + 1}",
                    "name": f"基准项目{i:05d}",
                    "lead_department_id": dept_ids[i % DEPARTMENTS],
                    "section_id": section_ids[i % 20],
                    "status": statuses[i % 5],
                    "total_budget": 100 + i % 900,
                    "version": 1,
                    "updated_at": now,
                }
                for i in range(PROJECTS)
            ],
        )
        project_ids = session.scalars(select(Project.id).where(Project.plan_id == plan_id).order_by(Project.id)).all()
        session.execute(
            insert(project_phases),
            [{"project_id": pid, "phase_id": phase_ids[n % 3]} for n, pid in enumerate(project_ids)],
        )
        session.execute(
            insert(Investment),
            [
                {"project_id": pid, "year": 2026, "planned_amount": 60, "version": 1, "updated_at": now}
                for pid in project_ids
            ],
        )
        rows = []
        for n, pid in enumerate(project_ids):
            for ordinal in range(1, MILESTONES_EACH + 1):
                planned = dt.date(2026, 1, 1) + dt.timedelta(days=(n + ordinal * 37) % 700)
                done = ordinal <= 3
                rows.append(
                    {
                        "project_id": pid,
                        "ordinal": ordinal,
                        "name": f"里程碑{ordinal}",
                        "planned_on": planned,
                        "status": "done" if done else "in_progress",
                        # as the app's rule has it: a milestone marked 已完成 has its actual date
                        "actual_on": min(planned, dt.date(2026, 10, 31)) if done else None,
                        "weight": 1,
                        "version": 1,
                        "updated_at": now,
                    }
                )
            if len(rows) >= 20_000:
                session.execute(insert(Milestone), rows)
                rows = []
        if rows:
            session.execute(insert(Milestone), rows)
        october, november = october_closed_november_open(session, plan_id, project_ids)
        for username, role, department in (
            ("bench-leader", Role.LEADER, None),
            ("bench-dept", Role.DEPARTMENT, dept_ids[0]),
        ):
            user = User(username=username, display_name=username, role=role, department_id=department)
            user.set_password("bench-password-1")
            session.add(user)
        session.commit()
        session.execute(__import__("sqlalchemy").text("ANALYZE"))
        session.commit()
        return app, {
            "plan": plan_id,
            "phase": phase_ids[1],
            "department": dept_ids[0],
            "october": october.id,
            "november": november.id,
        }


def main() -> None:
    from sqlalchemy import event, text

    from tracker.extensions import db

    started = time.perf_counter()
    try:
        url = database()
    except Exception as exc:  # noqa: BLE001 — no server: say so and stop, as `make bench` runs every script
        print(f"pages_bench: PostgreSQL not reachable ({type(exc).__name__}); skipped")
        return
    app, ids = build(url)
    print(
        f"PostgreSQL: {DEPARTMENTS} departments, {PROJECTS:,} projects, {PROJECTS * MILESTONES_EACH:,} milestones "
        f"(built in {time.perf_counter() - started:.0f} s)"
    )
    with app.app_context():
        engine = db.engine
        rounds = []
        with engine.connect() as conn:
            for _ in range(50):
                t = time.perf_counter()
                conn.execute(text("SELECT 1"))
                rounds.append(time.perf_counter() - t)
    floor = statistics.median(rounds)
    print(f"floor: SELECT 1 round trip {floor * 1000:.2f} ms")
    print(f"{'page':<44}{'median':>10}{'queries':>9}{'size':>10}{'vs floor':>10}")
    pages = [
        ("bench-leader", "驾驶舱 (current stage)", f"/dashboard?plan={ids['plan']}"),
        ("bench-leader", "驾驶舱 (whole plan)", f"/dashboard?plan={ids['plan']}&phase=all"),
        ("bench-leader", "plan page", f"/plans/{ids['plan']}"),
        ("bench-leader", "stage page", f"/phases/{ids['phase']}"),
        ("bench-leader", "department page", f"/departments/{ids['department']}"),
        ("bench-leader", "period page (200 departments)", f"/periods/{ids['november']}"),
        ("bench-leader", "通报, open period (live)", f"/periods/{ids['november']}/bulletin"),
        ("bench-leader", "通报, closed period (snapshot)", f"/periods/{ids['october']}/bulletin"),
        ("bench-leader", "project search, overdue", f"/projects?plan={ids['plan']}&overdue=1"),
        ("bench-dept", "我的工作 (department, 50 projects)", "/my"),
        ("bench-dept", "本单位工作簿 .xlsx (50 projects)", f"/plans/{ids['plan']}/export.xlsx"),
        ("bench-dept", "导入预览: that workbook uploaded again", "upload"),
        ("bench-leader", "驾驶舱, kept page (nothing changed since)", f"/dashboard?plan={ids['plan']}&kept=1"),
        ("bench-leader", "plan page, kept roll-ups", f"/plans/{ids['plan']}?kept=1"),
        ("bench-leader", "stage page, kept sums", f"/phases/{ids['phase']}?kept=1"),
        ("bench-leader", "period page, kept money", f"/periods/{ids['november']}?kept=1"),
    ]
    clients = {}
    for username, label, path in pages:
        if username not in clients:
            client = app.test_client()
            client.post("/login", data={"username": username, "password": "bench-password-1"})
            clients[username] = client
        client = clients[username]
        app.config["PAGE_CACHE"] = "kept=1" in path
        if path == "upload":  # the POST, and the preview page it leads to, as the person waits for both
            workbook = client.get(f"/plans/{ids['plan']}/export.xlsx").data

            def fetch(client=client, workbook=workbook):
                posted = client.post(
                    "/imports/new",
                    data={"plan": "", "file": (io.BytesIO(workbook), "本单位工作簿.xlsx")},
                    content_type="multipart/form-data",
                )
                assert posted.status_code == 302, posted.status_code
                return client.get(posted.headers["Location"])
        else:
            fetch = functools.partial(client.get, path)
        fetch()  # warm: SQLAlchemy compiles each statement once per process (and keeps the page)
        statements: list[int] = []

        def count(*_args, statements=statements):
            statements.append(1)

        times = []
        for _ in range(5):
            statements.clear()
            event.listen(engine, "before_cursor_execute", count)
            t = time.perf_counter()
            response = fetch()
            times.append(time.perf_counter() - t)
            event.remove(engine, "before_cursor_execute", count)
            assert response.status_code == 200, (path, response.status_code)
        median = statistics.median(times)
        print(
            f"{label:<44}{median * 1000:>8.0f}ms{len(statements):>9}{len(response.data) / 1024:>8.0f}kB"
            f"{median / floor:>9.0f}×"
        )
        if os.environ.get("BENCH_QUERIES") and path != "upload":
            _print_slowest_queries(engine, client, path)


def _print_slowest_queries(engine, client, path: str) -> None:
    """BENCH_QUERIES=1: where a page's time goes — its three slowest statements, and the rest (Python)."""
    from sqlalchemy import event

    timings: list[tuple[float, str]] = []
    started: list[float] = []

    def before(*_args):
        started.append(time.perf_counter())

    def after(_conn, _cursor, statement, *_args):
        timings.append((time.perf_counter() - started.pop(), " ".join(statement.split())[:90]))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    t = time.perf_counter()
    client.get(path)
    total = time.perf_counter() - t
    event.remove(engine, "before_cursor_execute", before)
    event.remove(engine, "after_cursor_execute", after)
    in_sql = sum(seconds for seconds, _s in timings)
    print(f"    SQL {in_sql * 1000:.0f} ms, the rest {(total - in_sql) * 1000:.0f} ms")
    for seconds, statement in sorted(timings, reverse=True)[:3]:
        print(f"    {seconds * 1000:6.1f} ms  {statement}")


if __name__ == "__main__":
    main()
