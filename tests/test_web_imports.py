"""Upload, preview, confirm and history through the web, as the office and a department use them."""

from __future__ import annotations

import io
import re

import openpyxl
from openpyxl.utils import get_column_letter
from sqlalchemy import select

from tests.conftest import PASSWORD
from tests.excel_helpers import edit, find_row
from tests.factories import make_department, make_plan, make_project, make_user
from tests.test_web_queries import counting_queries
from tracker.excel import columns as C
from tracker.models import ImportBatch, Milestone, Plan, User
from tracker.services.seeding import seed
from tracker.vocab import ImportStatus, MilestoneStatus

MILESTONE_STATUS = next(i for i, c in enumerate(C.MILESTONE_COLUMNS, start=1) if c.key == "status")
MILESTONE_NOTE = next(i for i, c in enumerate(C.MILESTONE_COLUMNS, start=1) if c.key == "note")


def _user(session, name):
    return session.scalar(select(User).where(User.username == name))


def test_department_round_trip_through_the_web(session, login):
    seed(session, ["szwz"], demo=True)
    session.commit()
    plan = session.scalar(select(Plan).where(Plan.code == "szwz"))
    client = login(_user(session, "xxb"), "demo-dept-2026")
    exported = client.get(f"/plans/{plan.id}/export.xlsx")
    assert exported.status_code == 200 and "attachment" in exported.headers["Content-Disposition"]
    data = exported.data
    book = openpyxl.load_workbook(io.BytesIO(data))
    codes = {
        book[C.PROJECTS_SHEET].cell(r, 2).value
        for r in range(5, book[C.PROJECTS_SHEET].max_row + 1)
        if isinstance(book[C.PROJECTS_SHEET].cell(r, 1).value, int)
    }
    assert codes == {"1.1", "1.2", "2.8", "2.10"}  # only what 市信息办 leads

    row = find_row(data, C.MILESTONES_SHEET, 4, "门户网站改版上线")
    data = edit(
        data,
        {
            C.MILESTONES_SHEET: {
                f"{get_column_letter(MILESTONE_STATUS)}{row}": "已完成",
                f"{get_column_letter(MILESTONE_NOTE)}{row}": "新版已上线",
            }
        },
    )
    upload = client.post(
        "/imports/new", data={"file": (io.BytesIO(data), "门户.xlsx")}, content_type="multipart/form-data"
    )
    assert upload.status_code == 302
    preview = client.get(upload.headers["Location"]).get_data(as_text=True)
    assert "修改 1" in preview and "新版已上线" in preview and "门户网站改版上线" in preview
    batch = session.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()))
    applied = client.post(f"/imports/{batch.id}/apply", data={"sha256": batch.sha256})
    assert applied.status_code == 302
    session.expire_all()
    milestone = session.scalar(select(Milestone).where(Milestone.name == "门户网站改版上线"))
    assert (milestone.status, milestone.note) == (MilestoneStatus.DONE, "新版已上线")
    assert session.get(ImportBatch, batch.id).status is ImportStatus.APPLIED
    history = client.get(f"/projects/{milestone.project_id}").get_data(as_text=True)
    assert "导入" in history and "新版已上线" in history
    listing = client.get("/imports").get_data(as_text=True)
    assert "门户.xlsx" in listing and "已导入" in listing


def test_bad_uploads_get_a_message_not_a_500(session, login):
    seed(session, ["szwz"], demo=True)
    session.commit()
    client = login(_user(session, "office"), "demo-office-2026")
    junk = client.post(
        "/imports/new", data={"file": (io.BytesIO(b"hello"), "x.xlsx")}, content_type="multipart/form-data"
    )
    assert junk.status_code == 422 and "不是 Excel 工作簿" in junk.get_data(as_text=True)
    body = (
        b'--B\r\nContent-Disposition: form-data; name="file"; filename="big.xlsx"\r\n\r\n'
        + b"0" * (21 * 1024 * 1024)
        + b"\r\n--B--\r\n"
    )  # raw bytes: the test client spools no temp file
    huge = client.post("/imports/new", data=body, content_type="multipart/form-data; boundary=B")
    assert huge.status_code == 413 and "文件太大" in huge.get_data(as_text=True)
    assert session.scalar(select(ImportBatch)) is None


def test_errors_block_the_confirm_button_and_offer_the_rejected_rows(session, login):
    seed(session, ["szwz"], demo=True)
    session.commit()
    plan = session.scalar(select(Plan).where(Plan.code == "szwz"))
    client = login(_user(session, "office"), "demo-office-2026")
    data = client.get(f"/plans/{plan.id}/export.xlsx").data
    row = find_row(data, C.MILESTONES_SHEET, 4, "门户网站改版上线")
    data = edit(data, {C.MILESTONES_SHEET: {f"E{row}": "明年某天"}})
    upload = client.post(
        "/imports/new", data={"file": (io.BytesIO(data), "bad.xlsx")}, content_type="multipart/form-data"
    )
    page = client.get(upload.headers["Location"]).get_data(as_text=True)
    assert "错误 1" in page and f"里程碑!E{row}" in page and "确认导入" not in page
    batch = session.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()))
    refused = client.post(f"/imports/{batch.id}/apply", data={"sha256": batch.sha256})
    assert refused.status_code == 302
    assert session.get(ImportBatch, batch.id).status is ImportStatus.PREVIEWED
    rejected = client.get(f"/imports/{batch.id}/rejected.xlsx")
    assert rejected.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(rejected.data))[C.MILESTONES_SHEET]
    assert re.search("无法识别的日期", sheet.cell(sheet.max_row, sheet.max_column).value)


def test_after_confirm_the_page_shows_what_was_applied_with_links(session, login):
    from tests.fixtures import workbooks as W

    seed(session, ["szwz"], demo=True)
    session.commit()
    client = login(_user(session, "office"), "demo-office-2026")
    upload = client.post(
        "/imports/new",
        data={"file": (io.BytesIO(W.old_plan_table()), "2027计划.xlsx"), "plan": "szwz"},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 302
    preview = client.get(upload.headers["Location"]).get_data(as_text=True)
    assert "如何读取的" in preview and "E列“建设起止年限”：读作" in preview
    skipped = client.get(upload.headers["Location"] + "?show=skipped").get_data(as_text=True)
    assert "合计/小计行" in skipped and "注释或签名行" in skipped and "分组标题行" in skipped
    batch = session.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()))
    client.post(f"/imports/{batch.id}/apply", data={"sha256": batch.sha256})
    result = client.get(f"/imports/{batch.id}").get_data(as_text=True)
    assert "导入结果" in result and "已写入" in result and "没有要显示的行" not in result
    assert "智慧停车诱导系统" in result and "扩容流量统计与计费系统" in result
    session.expire_all()
    from tracker.models import Project

    parking = session.scalar(select(Project).where(Project.name == "智慧停车诱导系统"))
    assert f'href="/projects/{parking.id}"' in result  # the new project, linked from the row that made it


def test_a_large_apply_runs_after_the_request_and_the_page_follows_it(app, session, login):
    import datetime as dt

    from tests.fixtures import workbooks as W
    from tracker.models import utcnow

    seed(session, ["szwz"], demo=True)
    session.commit()
    client = login(_user(session, "office"), "demo-office-2026")
    upload = client.post(
        "/imports/new",
        data={"file": (io.BytesIO(W.old_plan_table()), "2027计划.xlsx"), "plan": "szwz"},
        content_type="multipart/form-data",
    )
    batch = session.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()))
    app.config["IMPORT_INLINE_LIMIT"] = 1  # everything bigger than one record goes to the background
    try:
        started = client.post(f"/imports/{batch.id}/apply", data={"sha256": batch.sha256})
        assert started.status_code == 302
        app.extensions["import_threads"][batch.id].join(60)  # the test's one connection: no overlap
    finally:
        app.config["IMPORT_INLINE_LIMIT"] = 3000
    session.expire_all()
    done = session.get(ImportBatch, batch.id)
    assert done.status is ImportStatus.APPLIED and done.applied_count == 4 and done.failure is None
    result = client.get(upload.headers["Location"]).get_data(as_text=True)
    assert "导入结果" in result and "智慧停车诱导系统" in result and "http-equiv" not in result

    # While a batch is being written its page follows it, and a second 确认导入 is refused.
    client.post(
        "/imports/new",
        data={"file": (io.BytesIO(W.summary_by_department()), "汇总.xlsx"), "plan": "szwz"},
        content_type="multipart/form-data",
    )
    busy = session.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()))
    busy.status, busy.progress_done, busy.progress_total, busy.started_at = ImportStatus.APPLYING, 2, 3, utcnow()
    session.commit()
    page = client.get(f"/imports/{busy.id}").get_data(as_text=True)
    assert 'id="applying"' in page and "已写入 2 / 3 行" in page and 'http-equiv="refresh"' in page
    assert "确认导入" not in page
    client.post(f"/imports/{busy.id}/apply", data={"sha256": busy.sha256})
    session.expire_all()
    assert session.get(ImportBatch, busy.id).status is ImportStatus.APPLYING
    # A worker that died mid-import leaves it 正在导入; after 30 minutes the page releases it.
    stale = session.get(ImportBatch, busy.id)
    stale.started_at = utcnow() - dt.timedelta(minutes=31)
    session.commit()
    page = client.get(f"/imports/{busy.id}").get_data(as_text=True)
    assert "中断，未写入任何数据" in page and "确认导入" in page


def test_a_failed_background_apply_writes_nothing_and_can_be_retried(app, session, login, monkeypatch):
    from tests.fixtures import workbooks as W
    from tracker.services import imports as service

    seed(session, ["szwz"], demo=True)
    session.commit()
    client = login(_user(session, "office"), "demo-office-2026")
    client.post(
        "/imports/new",
        data={"file": (io.BytesIO(W.old_plan_table()), "2027计划.xlsx"), "plan": "szwz"},
        content_type="multipart/form-data",
    )
    batch = session.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()))
    real = service._create_children

    def broken(*args, **kwargs):
        real(*args, **kwargs)
        raise RuntimeError("disk full")  # after some rows were flushed: they must not stay

    monkeypatch.setattr(service, "_create_children", broken)
    app.config["IMPORT_INLINE_LIMIT"] = 1
    try:
        client.post(f"/imports/{batch.id}/apply", data={"sha256": batch.sha256})
        app.extensions["import_threads"][batch.id].join(60)
    finally:
        app.config["IMPORT_INLINE_LIMIT"] = 3000
    session.expire_all()
    failed = session.get(ImportBatch, batch.id)
    assert failed.status is ImportStatus.PREVIEWED and "未写入任何数据" in failed.failure
    from tracker.models import Project

    assert session.scalar(select(Project).where(Project.name == "智慧停车诱导系统")) is None
    page = client.get(f"/imports/{batch.id}").get_data(as_text=True)
    assert "未写入任何数据" in page and "确认导入" in page


def test_a_preview_left_unconfirmed_for_7_days_leaves_the_list_and_cannot_be_applied(session, login):
    import datetime as dt

    from tracker.models import utcnow

    seed(session, ["szwz"], demo=True)
    session.commit()
    plan = session.scalar(select(Plan).where(Plan.code == "szwz"))
    client = login(_user(session, "xxb"), "demo-dept-2026")
    data = client.get(f"/plans/{plan.id}/export.xlsx").data
    for name in ("旧的.xlsx", "新的.xlsx"):
        client.post("/imports/new", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")
    old, new = session.scalars(select(ImportBatch).order_by(ImportBatch.id)).all()
    old.created_at = utcnow() - dt.timedelta(days=7, minutes=1)
    new.created_at = utcnow() - dt.timedelta(days=6, hours=23)
    session.commit()
    listing = client.get("/imports").get_data(as_text=True)
    assert "新的.xlsx" in listing and "旧的.xlsx" not in listing
    assert "SHA-256" not in listing and old.sha256[:12] not in listing  # checksums on the detail page only
    assert new.sha256 in client.get(f"/imports/{new.id}").get_data(as_text=True)
    refused = client.post(f"/imports/{old.id}/apply", data={"sha256": old.sha256}, follow_redirects=True)
    assert "超过 7 天" in refused.get_data(as_text=True)
    session.expire_all()
    assert session.get(ImportBatch, old.id).status is ImportStatus.PREVIEWED


def test_a_page_of_a_long_preview_reads_that_page_not_the_whole_file(session, login):
    """A whole plan's workbook is 100,000 rows; its preview is shown 500 at a time, and each page (the
    changes, every row, the rows after 确认导入) reads only its own rows from the stored preview."""
    plan = make_plan(session)
    project = make_project(session, plan, code="1.1", name="基础网络建设", lead_department=make_department(session))
    project.milestones = [Milestone(ordinal=n, name=f"节点{n}") for n in range(1, 621)]
    office = make_user(session, password=PASSWORD)
    session.commit()
    client = login(office)
    data = client.get(f"/plans/{plan.id}/export.xlsx").data
    row = find_row(data, C.MILESTONES_SHEET, 4, "节点555")
    data = edit(data, {C.MILESTONES_SHEET: {f"{get_column_letter(MILESTONE_STATUS)}{row}": "已完成"}})
    upload = client.post(
        "/imports/new", data={"file": (io.BytesIO(data), "节点.xlsx")}, content_type="multipart/form-data"
    )
    batch_page = upload.headers["Location"]

    with counting_queries() as statements:
        changes = client.get(batch_page).get_data(as_text=True)
        every_row = client.get(batch_page + "?show=all").get_data(as_text=True)
        last_page = client.get(batch_page + "?show=all&page=2").get_data(as_text=True)
    assert "修改 1" in changes and "未变 621" in changes  # the project and its 620 milestones
    assert set(re.findall(r"节点\d+", changes)) == {"节点555"}
    assert "共 635 行" in every_row  # with the 13 title, header and note rows, each with its reason
    first, second = (set(re.findall(r"节点(\d+)", page)) for page in (every_row, last_page))
    assert first.isdisjoint(second) and first | second == {str(n) for n in range(1, 621)}
    assert "1" in first and "620" in second  # in the order of the file
    reads = [s for s in statements if "import_rows" in s and "count(" not in s.lower()]
    assert reads and all("LIMIT" in s.upper() for s in reads)

    batch = session.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()))
    assert client.post(f"/imports/{batch.id}/apply", data={"sha256": batch.sha256}).status_code == 302
    applied = client.get(batch_page).get_data(as_text=True)
    assert 'id="applied"' in applied and set(re.findall(r"节点\d+", applied)) == {"节点555"}
