"""The command line: one clear line and a non-zero exit on bad input, never a traceback."""

from __future__ import annotations

from sqlalchemy import func, select

from tracker.models import Plan, User
from tracker.vocab import Role


def test_seed_then_list_plans(runner, session):
    result = runner.invoke(args=["seed", "szwz", "wl115"])
    assert result.exit_code == 0, result.output
    assert "szwz" in result.output
    listing = runner.invoke(args=["list-plans"])
    assert listing.exit_code == 0
    assert "'数字温州'建设规划纲要" in listing.output
    assert "阶段 3  项目 20" in listing.output
    assert "2006–2010" in listing.output


def test_seed_unknown_plan_is_one_clear_line(runner, session):
    result = runner.invoke(args=["seed", "nosuchplan"])
    assert result.exit_code == 1
    assert "没有这个规划的种子文件：nosuchplan" in result.output
    assert "Traceback" not in result.output
    assert session.scalar(select(func.count(Plan.id))) == 0


def test_seed_if_empty_skips_a_database_with_plans(runner, session):
    runner.invoke(args=["seed", "ls2007"])
    result = runner.invoke(args=["seed", "--if-empty"])
    assert "跳过" in result.output
    assert set(session.scalars(select(Plan.code))) == {"ls2007"}


def test_seed_demo_prints_logins(runner, session):
    result = runner.invoke(args=["seed", "--demo"])
    assert result.exit_code == 0, result.output
    assert "演示账号" in result.output and "leader" in result.output


def test_create_user_reads_password_from_stdin_and_never_echoes_it(runner, session):
    runner.invoke(args=["seed", "szwz"])
    result = runner.invoke(
        args=["create-user", "gaj2", "--role", "department", "--department", "市公安局", "--password-stdin"],
        input="s3cret-pass-word\n",
    )
    assert result.exit_code == 0, result.output
    assert "s3cret-pass-word" not in result.output
    user = session.scalar(select(User).where(User.username == "gaj2"))
    assert user.role is Role.DEPARTMENT
    assert user.department.name == "温州市公安局"
    assert user.check_password("s3cret-pass-word") and not user.check_password("wrong")
    assert user.password_hash.startswith("$argon2id$")


def test_create_user_prompts_without_echo(runner, session):
    result = runner.invoke(args=["create-user", "boss", "--role", "leader"], input="long-enough-1\nlong-enough-1\n")
    assert result.exit_code == 0, result.output
    assert "long-enough-1" not in result.output


def test_create_user_unknown_role(runner, session):
    result = runner.invoke(args=["create-user", "x1", "--role", "boss", "--password-stdin"], input="long-enough-1\n")
    assert result.exit_code == 1
    assert "未知角色“boss”" in result.output
    assert "Traceback" not in result.output
    assert session.scalar(select(func.count(User.id))) == 0


def test_create_user_unknown_department(runner, session):
    result = runner.invoke(
        args=["create-user", "x2", "--role", "department", "--department", "火星局", "--password-stdin"],
        input="long-enough-1\n",
    )
    assert result.exit_code == 1
    assert "未知单位“火星局”" in result.output


def test_create_user_department_role_needs_department(runner, session):
    result = runner.invoke(
        args=["create-user", "x3", "--role", "department", "--password-stdin"], input="long-enough-1\n"
    )
    assert result.exit_code == 1
    assert "部门用户必须指定所属单位" in result.output


def test_create_user_duplicate(runner, session):
    args = ["create-user", "dup", "--role", "office", "--password-stdin"]
    assert runner.invoke(args=args, input="long-enough-1\n").exit_code == 0
    again = runner.invoke(args=args, input="long-enough-2\n")
    assert again.exit_code == 1
    assert "已存在" in again.output


def _process(tmp_path, command: tuple[str, ...], *args, database_url):
    """`python -X importtime -m COMMAND ARGS` in development settings (what it imported: _loaded)."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "TRACKER_ENV": "development", "TRACKER_DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-X", "importtime", "-m", *command, *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _loaded(result) -> set[str]:
    return {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time")}


def _flask(tmp_path, *args, database_url="sqlite:///:memory:"):
    return _process(tmp_path, ("flask", "--app", "tracker"), *args, database_url=database_url)


def _tracker(tmp_path, *args, database_url):
    """The `tracker` command, and the modules it loaded."""
    result = _process(tmp_path, ("tracker",), *args, database_url=database_url)
    return result, _loaded(result)


def test_commands_that_serve_no_pages_load_no_web_layer_and_no_models(tmp_path):
    """`flask --app tracker --help` loads neither views nor models, nor SQLAlchemy (the database is set up
    on first use): it starts in about the time Flask takes to import; `routes`, a command about pages,
    gets the whole app."""
    helped = _flask(tmp_path, "--help")
    assert helped.returncode == 0 and "import-xlsx" in helped.stdout and "seed" in helped.stdout
    loaded = _loaded(helped)
    assert not {
        m
        for m in loaded
        if m.startswith(
            ("tracker.models", "tracker.web", "tracker.services.", "tracker.excel", "openpyxl", "sqlalchemy")
        )
    }
    routes = _flask(tmp_path, "routes")
    assert routes.returncode == 0 and "/periods/<int:period_id>" in routes.stdout


def test_import_into_a_database_not_yet_migrated_is_one_clear_line(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["项目名称", "责任单位"])
    book.active.append(["智能交通", "交通局"])
    book.save(tmp_path / "x.xlsx")
    result = _flask(
        tmp_path,
        "import-xlsx",
        str(tmp_path / "x.xlsx"),
        "--dry-run",
        "--plan",
        "szwz",
        database_url=f"sqlite:///{tmp_path / 'empty.db'}",
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "flask --app tracker db upgrade" in result.stderr


def test_the_tracker_command_runs_the_same_commands_without_loading_flask(tmp_path):
    """A scripted batch import (`tracker import-xlsx`, e.g. from cron) loads no web framework, and says and
    does what `flask --app tracker import-xlsx` does."""
    from openpyxl.utils import get_column_letter

    from tests.excel_helpers import edit, find_row
    from tracker.excel import columns as C

    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    web = ("flask", "werkzeug", "jinja2", "wtforms", "flask_wtf", "flask_login")
    for command in (["db", "upgrade"], ["seed", "szwz"], ["export-xlsx", "--plan", "szwz", "-o", "szwz.xlsx"]):
        result, loaded = _tracker(tmp_path, *command, database_url=url)
        assert result.returncode == 0, result.stderr[-2000:]
        assert not {m for m in loaded if m.split(".")[0] in web}, command
    book = tmp_path / "szwz.xlsx"
    status = next(i for i, c in enumerate(C.PROJECT_COLUMNS, start=1) if c.key == "status")
    row = find_row(book.read_bytes(), C.PROJECTS_SHEET, 2, "2.8")
    book.write_bytes(edit(book.read_bytes(), {C.PROJECTS_SHEET: {f"{get_column_letter(status)}{row}": "暂缓"}}))

    dry, loaded = _tracker(tmp_path, "import-xlsx", "szwz.xlsx", "--dry-run", database_url=url)
    assert dry.returncode == 0, dry.stderr[-2000:]
    assert "修改 1、" in dry.stdout
    assert not {m for m in loaded if m.split(".")[0] in web}
    assert {"tracker.services.import_preview", "python_calamine"} <= loaded
    assert _flask(tmp_path, "import-xlsx", "szwz.xlsx", "--dry-run", database_url=url).stdout == dry.stdout

    applied, _loaded = _tracker(tmp_path, "import-xlsx", "szwz.xlsx", database_url=url)
    assert applied.returncode == 0 and "已导入" in applied.stdout, applied.stderr[-2000:]
    again, _loaded = _tracker(tmp_path, "import-xlsx", "szwz.xlsx", "--dry-run", database_url=url)
    assert "修改 0、" in again.stdout  # the change was written
    listing, _loaded = _tracker(tmp_path, "list-plans", database_url=url)
    assert "'数字温州'建设规划纲要" in listing.stdout


def test_import_xlsx_loads_the_postgresql_driver_while_it_starts(tmp_path):
    """On PostgreSQL the driver (psycopg) is imported on a second thread while SQLAlchemy and the models
    load; SQLite's needs no such thread. In a fresh process, where nothing has imported psycopg yet."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from tracker.extensions import Database\n"
        "database = Database()\n"
        f"database.configure('sqlite:///{tmp_path / 'x.db'}')\n"
        "assert database.load_driver_in_background() is None\n"
        "assert 'psycopg' not in sys.modules\n"
        "database.configure('postgresql+psycopg://nobody@127.0.0.1:1/none')  # not connected to\n"
        "thread = database.load_driver_in_background()\n"
        "thread.join(30)\n"
        "print(not thread.is_alive() and 'psycopg' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "True"
