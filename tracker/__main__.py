"""`tracker …` (or `python -m tracker …`): tracker's commands, run without the web framework.

The same commands as `flask --app tracker …`, less those that serve pages (run, shell, routes), set up
from the same settings (TRACKER_* variables, the same instance folder). A command such as a scripted
`import-xlsx --dry-run` then starts in the time SQLAlchemy takes to import: Flask, Werkzeug, Jinja,
WTForms and Flask-Login (some 150 modules) are not loaded at all.
"""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path

import click

from tracker import cli


@click.group(help="tracker 命令行（与 `flask --app tracker …` 相同的命令，不加载网页部分）。")
def commands() -> None:
    # A command is one process that ends when its work does. Reading and applying a workbook pause the
    # cyclic collector already (services.bulk); at start-up it walks the module graph SQLAlchemy and the
    # models build, again and again, to find next to no garbage: 40 ms of the half second importing
    # them takes (measured); a 130,000-row dry run's peak memory the same without it (294 / 296 MB).
    gc.disable()
    from tracker import security_log_to_stderr
    from tracker.config import instance_path, load_config
    from tracker.excel.reader import return_large_blocks
    from tracker.extensions import db

    folder = instance_path()
    config = load_config(folder)
    Path(folder).mkdir(parents=True, exist_ok=True)
    security_log_to_stderr(testing=False)
    return_large_blocks()
    db.configure(config["DATABASE_URL"], echo=config["SQL_ECHO"])


for command in cli.COMMANDS:
    commands.add_command(command)


def main(args: list[str] | None = None) -> None:
    """Run one command, then end the process at once: its output flushed and the database connections
    closed, the interpreter's teardown of the 300 modules a command loaded is skipped (a tenth of a
    10,000-row dry run: it frees memory the operating system takes back anyway)."""
    try:
        commands.main(args=args, prog_name="tracker")  # click ends every run in SystemExit
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
        if isinstance(exc.code, str):
            print(exc.code, file=sys.stderr)
    cli.end_quickly()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
