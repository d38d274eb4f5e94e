"""A large workbook written by a process of its own, at low priority (`python -m tracker.excel.export_job`).

Writing 10,000 projects and 100,000 milestones keeps a core busy for ten seconds and more. In the web
worker that would hold the interpreter lock its other threads need; in a niced process of its own it
takes only the CPU the people browsing leave over, and the web thread waiting for it is idle.
The database URL comes from TRACKER_DATABASE_URL (never on the command line, where `ps` shows it).
"""

from __future__ import annotations

import argparse
import os
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tracker.excel.export_job")
    parser.add_argument("plan_id", type=int)
    parser.add_argument("output")
    parser.add_argument("--department-id", type=int)
    args = parser.parse_args(argv)
    os.nice(10)

    from sqlalchemy.orm import Session

    from tracker.excel.export import ExportScope, export_workbook
    from tracker.extensions import make_engine
    from tracker.models import Department, Plan

    engine = make_engine(os.environ["TRACKER_DATABASE_URL"])
    try:
        with Session(engine) as session:
            plan = session.get(Plan, args.plan_id)
            department = session.get(Department, args.department_id) if args.department_id else None
            if plan is None or (args.department_id and department is None):
                print("规划或单位不存在", file=sys.stderr)
                return 2
            with open(args.output, "wb") as out:
                export_workbook(session, ExportScope(plan, department), out)
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
