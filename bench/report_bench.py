"""The reporting cycle's workbooks at the size of a large city: 200 departments × 50 projects, each
figure beside a floor measured in the same run.

    .venv/bin/python bench/report_bench.py            (make bench runs it too)

  export    every department's 月报 (a zip of 200 workbooks, October filled in, November open)  vs
            openpyxl write-only writing the same cell values, unstyled, into the same 200 files
  summary   the period's 汇总表 by department (period_overview + one small workbook)
  preview   a returned workbook holding all 200 departments' sheets, November filled in for every
            project: read, matched and diffed against the database  vs  python-calamine reading it
  apply     committing that preview (10,000 report entries through the reporting service)
  page      the period page and one department's form: queries and time

TRACKER_BENCH_DATABASE_URL picks the database (default: a SQLite file in a temporary folder).
"""

from __future__ import annotations

import io
import os
import resource
import statistics
import sys
import tempfile
import time
import zipfile
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEPARTMENTS, PROJECTS_EACH = 200, 50


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def october_closed_november_open(session, plan_id: int, project_ids: list[int]):
    """October reported by every department (5 万元 a project), confirmed and closed; November open.
    The reporting state both this bench and pages_bench.py measure against."""
    from sqlalchemy import insert, select, update

    from tracker.models import Plan, Project, ReportEntry, ReportSubmission
    from tracker.services import reporting
    from tracker.vocab import ReportKind, SubmissionStatus

    plan = session.get(Plan, plan_id)
    october = reporting.open_period(session, plan, ReportKind.MONTH, 2026, 10)
    subs = {s.department_id: s.id for s in october.submissions}
    leads = dict(
        session.execute(select(Project.id, Project.lead_department_id).where(Project.plan_id == plan_id)).all()
    )
    session.execute(
        insert(ReportEntry),
        [
            {"submission_id": subs[leads[pid]], "project_id": pid, "progress_text": "十月进展", "completed_amount": 5}
            for pid in project_ids
        ],
    )
    session.execute(
        update(ReportSubmission)
        .where(ReportSubmission.period_id == october.id)
        .values(status=SubmissionStatus.CONFIRMED.value, version=ReportSubmission.version + 1)
    )
    session.expire_all()
    reporting.close_period(session, october, None, october.version)
    return october, reporting.open_period(session, plan, ReportKind.MONTH, 2026, 11)


def build(url: str):
    from sqlalchemy import insert, select

    from tracker import create_app, migrate
    from tracker.extensions import db
    from tracker.models import (
        Department,
        Investment,
        Plan,
        Project,
        User,
        set_change_context,
        utcnow,
    )
    from tracker.vocab import ChangeSource, Role

    migrate.upgrade(url)
    app = create_app(
        {
            "TESTING": True,
            "TRACKER_ENV": "testing",
            "SECRET_KEY": "bench",
            "DATABASE_URL": url,
            "WTF_CSRF_ENABLED": False,
        }
    )
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
        plan_id = session.execute(
            insert(Plan)
            .values(code="bench", name="基准规划", version=1, updated_at=now, report_cadence="month")
            .returning(Plan.id)
        ).scalar()
        dept_ids = session.scalars(select(Department.id).order_by(Department.id)).all()
        session.execute(
            insert(Project),
            [
                {
                    "plan_id": plan_id,
                    "code": f"{d + 1}.{p + 1}",
                    "name": f"基准项目{d:03d}-{p:02d}",
                    "lead_department_id": dept_ids[d],
                    "status": "in_progress",
                    "total_budget": 100 + p,
                    "version": 1,
                    "updated_at": now,
                }
                for d in range(DEPARTMENTS)
                for p in range(PROJECTS_EACH)
            ],
        )
        project_ids = session.scalars(select(Project.id).where(Project.plan_id == plan_id)).all()
        session.execute(
            insert(Investment),
            [
                {"project_id": pid, "year": 2026, "planned_amount": 60, "version": 1, "updated_at": now}
                for pid in project_ids
            ],
        )
        october, november = october_closed_november_open(session, plan_id, project_ids)
        office = User(username="bench-office", display_name="信息办", role=Role.OFFICE)
        office.set_password("bench-password-1")
        session.add(office)
        session.commit()
        return app, november.id, office.id


def timed(fn, repeat: int = 3):
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="tracker-report-bench-"))
    url = os.environ.get("TRACKER_BENCH_DATABASE_URL") or f"sqlite:///{folder / 'bench.db'}"
    started = time.perf_counter()
    app, period_id, office_id = build(url)
    print(
        f"database: {url.split('@')[-1]}  ({DEPARTMENTS} departments × {PROJECTS_EACH} projects, built in "
        f"{time.perf_counter() - started:.1f} s)"
    )

    import python_calamine
    from openpyxl import Workbook

    from tracker.excel.report_book import write_report_workbook
    from tracker.extensions import db
    from tracker.models import ReportingPeriod, User
    from tracker.services import report_workbooks as W

    with app.app_context():
        session = db.session
        period = session.get(ReportingPeriod, period_id)
        office = session.get(User, office_id)

        def export_zip():
            out = io.BytesIO()
            W.export_period_reports(session, period, out)
            return out.getvalue()

        ours, archive = timed(export_zip)
        files = {
            name: zipfile.ZipFile(io.BytesIO(archive)).read(name)
            for name in zipfile.ZipFile(io.BytesIO(archive)).namelist()
        }
        values = {}
        for name, data in files.items():
            book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
            values[name] = {s: book.get_sheet_by_name(s).to_python() for s in book.sheet_names}

        def floor_zip():
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
                for name, sheets in values.items():
                    wb = Workbook(write_only=True)
                    for sheet, rows in sheets.items():
                        ws = wb.create_sheet(sheet)
                        for row in rows:
                            ws.append([None if v == "" else v for v in row])
                    buffer = io.BytesIO()
                    wb.save(buffer)
                    zf.writestr(name, buffer.getvalue())
            return out.getvalue()

        floor, _ = timed(floor_zip)
        print(f"{'step':<52}{'tracker':>10}{'floor':>10}{'ratio':>8}")
        print(
            f"{'export: 200 departments’ 月报 (zip, 10,000 rows)':<52}{ours:>9.2f}s{floor:>9.2f}s{ours / floor:>8.2f}"
        )

        summary, _ = timed(lambda: W.export_summary(session, period, io.BytesIO()))
        print(f"{'export: 汇总表 by department':<52}{summary:>9.2f}s{'':>10}")

        # A returned workbook: every department's sheet, November filled in for every project.
        books = W.report_books(session, period)
        for number, book in enumerate(books):
            for line in book.lines:
                line.current = (f"十一月进展 {line.project_id}", Decimal(7) + number % 3)
        filled = io.BytesIO()
        write_report_workbook(filled, books)
        data = filled.getvalue()
        session.expire_all()

        def preview():
            result = W.preview_report(session, data, period, office, "returned.xlsx")
            session.expire_all()
            return result

        ours, result = timed(preview)

        def floor_read():
            book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
            return sum(len(r) for s in book.sheet_names for r in book.get_sheet_by_name(s).iter_rows())

        floor, _ = timed(floor_read)
        print(
            f"{'preview: returned workbook, 200 sheets, 10,000 rows':<52}{ours:>9.2f}s{floor:>9.2f}s{ours / floor:>8.2f}"
        )
        print(f"  preview found: {result.counts}")

        started = time.perf_counter()
        batch, _ = W.stage_report_import(session, data, "returned.xlsx", period, office)
        applied = W.commit_report_import(session, batch, office)
        session.commit()
        print(
            f"{'stage + apply: 10,000 entries, 200 submissions':<52}{time.perf_counter() - started:>9.2f}s"
            f"{'':>10}        (applied {applied} rows)"
        )

    client = app.test_client()
    client.post("/login", data={"username": "bench-office", "password": "bench-password-1"})
    from sqlalchemy import event

    for label, path in (
        ("page: period (200 departments)", f"/periods/{period_id}"),
        ("page: one submission (50 projects)", f"/submissions/{_first_submission(app, period_id)}"),
    ):
        statements = []

        def count(*_args, statements=statements):
            statements.append(1)

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", count)
        ours, response = timed(lambda path=path: client.get(path))
        event.remove(engine, "before_cursor_execute", count)
        assert response.status_code == 200, path
        print(f"{label:<52}{ours:>9.2f}s{'':>10}        ({len(statements) // 3} queries)")
    print(f"peak memory: {_peak_mb():.0f} MB")


def _first_submission(app, period_id: int) -> int:
    from sqlalchemy import select

    from tracker.extensions import db
    from tracker.models import ReportSubmission

    with app.app_context():
        return db.session.scalar(
            select(ReportSubmission.id)
            .where(ReportSubmission.period_id == period_id)
            .order_by(ReportSubmission.id)
            .limit(1)
        )


if __name__ == "__main__":
    main()
