"""The facts of issue 12 in the workbook: 支持/审查 departments beside 配合单位, a 资金来源 sheet with one row
per source of a year's money, and the plan's 大事记 — exported, and read back from files clerks type."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import select

from tests.excel_helpers import export_bytes
from tests.factories import make_user
from tracker.excel import columns as C
from tracker.models import ChangeRecord, Department, Investment, InvestmentFunding, Plan, PlanEvent, Project
from tracker.services.imports import commit_import, load_preview, preview_workbook, stage_import
from tracker.services.seeding import seed
from tracker.vocab import ChangeSource, FundingSource, ProjectRoleKind, Role


@pytest.fixture()
def lishui(session):
    seed(session, ["ls2007"])
    session.commit()
    return session.scalar(select(Plan).where(Plan.code == "ls2007"))


def _book(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))


def _save(book) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _rows(ws, first: int):
    return [row for row in ws.iter_rows(min_row=first, values_only=True) if any(v is not None for v in row)]


def test_the_plan_workbook_carries_roles_fundings_and_events(session, lishui):
    events = session.scalars(select(PlanEvent).where(PlanEvent.plan_id == lishui.id)).all()
    data = export_bytes(session, lishui)
    book = _book(data)
    assert book.sheetnames.index(C.FUNDINGS_SHEET) == book.sheetnames.index(C.INVESTMENTS_SHEET) + 1
    projects = book[C.PROJECTS_SHEET]
    header = [projects.cell(4, c).value or projects.cell(3, c).value for c in range(1, projects.max_column + 1)]
    support_col = header.index("支持单位") + 1
    assert header[header.index("配合单位") + 2] == "审查单位"
    ls1 = next(r for r in range(5, projects.max_row + 1) if projects.cell(r, 2).value == "LS-1")
    assert projects.cell(ls1, support_col).value == "中国电信丽水分公司"

    fundings = book[C.FUNDINGS_SHEET]
    assert fundings["A2"].value == "单位：万元"
    assert [c.value for c in fundings[3]] == [c.header for c in C.FUNDING_COLUMNS]
    assert [(r[0], r[2], r[3], r[5]) for r in _rows(fundings, 4) if r[0] == "LS-1"] == [
        ("LS-1", 2007, "财政", "政府投资"),
        ("LS-1", 2007, "其他", "部门联建"),
        ("LS-1", 2007, "社会资金", "电信支持"),
    ]  # 丽水 网络图书馆: "由政府投资、部门联建、电信支持"

    written = _rows(book[C.EVENTS_SHEET], 3)
    assert len(written) == len(events) > 0
    assert {r[1] for r in written} == {e.text for e in events}

    preview = preview_workbook(session, data, user=make_user(session, Role.OFFICE))
    assert preview.counts["changed"] == preview.counts["new"] == preview.counts["error"] == 0
    read = {(r.sheet, r.key) for r in preview.rows if r.outcome == "unchanged"}
    assert (C.FUNDINGS_SHEET, "LS-1 2007年 社会资金") in read
    assert f"工作表“{C.EVENTS_SHEET}”：未导入（大事记只读，请在系统中修改（规划页 → 大事记））" in preview.sheets


def clerk_roles_sheet() -> bytes:
    """The office's own project list with who supports and who reviews, typed by hand."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "项目分工"
    ws.append(["丽水市信息化项目分工表"])
    ws.merge_cells("A1:E1")
    ws.append(["序号", "项目名称", "牵头单位", "技术支持单位", "审核单位"])
    ws.append([1, "丽水市网络图书馆", "丽水市政府", "市电信", "丽水市信息办、丽水市发改委"])
    ws.append([2, "农技110", None, "丽水市信息中心", "丽水市财政局"])  # no 丽水市财政局 in the city's list
    return _save(book)


def test_support_and_review_departments_typed_by_a_clerk_are_read_applied_and_recorded(session, lishui):
    office = make_user(session, Role.OFFICE)
    session.commit()
    batch, preview = stage_import(session, clerk_roles_sheet(), "分工.xlsx", office, ChangeSource.WEB, "ls2007")
    preview = load_preview(session, batch)
    assert preview.columns["项目分工"][3:] == ["D列“技术支持单位”：读作“支持单位”", "E列“审核单位”：读作“审查单位”"]
    by_row = {r.row: r for r in preview.rows}
    library = by_row[3]
    assert library.outcome == "changed" and library.key == "LS-1"
    assert {(c.field, c.old, c.new, c.cell) for c in library.changes} == {
        ("reviewers", None, "丽水市信息化办公室、丽水市发展和改革委员会", "项目分工!E3"),
    }  # 市电信 is the alias of the 支持单位 already recorded: no change
    bad = by_row[4]
    assert bad.outcome == "error"
    assert bad.messages == ["项目分工!E4：未知单位“丽水市财政局”（在丽水市的单位中没有找到；请使用全称、简称或别名）"]

    commit_import(session, batch, office, valid_only=True)
    session.commit()
    project = session.scalar(select(Project).where(Project.plan_id == lishui.id, Project.code == "LS-1"))
    assert [d.name for d in project.reviewers] == ["丽水市信息化办公室", "丽水市发展和改革委员会"]
    assert [d.name for d in project.supporters] == ["中国电信丽水分公司"]
    assert project.department_ids_as(ProjectRoleKind.REVIEW) == sorted(d.id for d in project.reviewers)
    recorded = session.scalars(
        select(ChangeRecord).where(
            ChangeRecord.entity == "project_roles",
            ChangeRecord.project_id == project.id,
            ChangeRecord.field == "department_id",
        )
    ).all()
    imported = [r for r in recorded if r.source is ChangeSource.IMPORT]
    assert len(imported) == 2 and {r.user_id for r in imported} == {office.id}
    farm = session.scalar(select(Project).where(Project.plan_id == lishui.id, Project.code == "LS-10"))
    assert farm.roles == []  # the row with an error wrote nothing

    again = preview_workbook(session, clerk_roles_sheet(), user=office, plan_code="ls2007")
    assert {r.row: r.outcome for r in again.rows}[3] == "unchanged"


def clerk_funding_sheet() -> bytes:
    """Sources of money as an office lists them: in 元, a year typed as 2008年, one bad row of each kind."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "资金来源明细"
    ws.append(["丽水市信息化项目资金来源明细表"])
    ws.merge_cells("A1:E1")
    ws.append([None, None, None, None, "单位：元"])
    ws.append(["项目名称", "年度", "资金来源", "金额", "备注"])
    ws.append(["丽水市网络图书馆", 2007, "政府投资", "3,000,000", "政府投资"])
    ws.append(["丽水市网络图书馆", "2008年", "上级补助", 500000, None])
    ws.append(["丽水市网络图书馆", "明年", "自筹", 100000, None])
    ws.append(["丽水市网络图书馆", 2008, None, 100000, None])
    return _save(book)


def test_a_funding_sheet_typed_by_a_clerk_changes_adds_and_refuses_by_cell(session, lishui):
    office = make_user(session, Role.OFFICE)
    session.commit()
    batch, preview = stage_import(session, clerk_funding_sheet(), "资金.xlsx", office, ChangeSource.WEB, "ls2007")
    preview = load_preview(session, batch)
    assert "工作表“资金来源明细”：读作资金来源（4 行数据）" in preview.sheets
    assert "D列“金额”：读作“金额（按元读入，已换算为万元）”" in preview.columns["资金来源明细"]
    by_row = {r.row: r for r in preview.rows}
    fiscal = by_row[4]
    assert (fiscal.outcome, fiscal.key) == ("changed", "丽水市网络图书馆 2007年 财政")
    assert [(c.field, c.old, c.new, c.cell) for c in fiscal.changes] == [("amount", None, "300.00", "资金来源明细!D4")]
    added = by_row[5]
    assert added.outcome == "new"
    assert [(c.field, c.new) for c in added.changes] == [("source", "2008年 上级专项"), ("amount", "50.00")]
    assert by_row[6].outcome == "error" and by_row[6].messages == [
        "资金来源明细!B6：应为四位年份（如 2027 或 2027年）：“明年”"
    ]
    assert by_row[7].outcome == "error" and by_row[7].messages == ["资金来源明细!C7：缺少资金来源"]

    commit_import(session, batch, office, valid_only=True)
    session.commit()
    project = session.scalar(select(Project).where(Project.plan_id == lishui.id, Project.code == "LS-1"))
    sources = session.execute(
        select(Investment.year, InvestmentFunding.source, InvestmentFunding.amount, InvestmentFunding.note)
        .join(Investment)
        .where(InvestmentFunding.project_id == project.id)
        .order_by(Investment.year, InvestmentFunding.id)
    ).all()
    assert sources == [
        (2007, FundingSource.FISCAL, Decimal("300.00"), "政府投资"),
        (2007, FundingSource.OTHER, None, "部门联建"),
        (2007, FundingSource.SOCIAL, None, "电信支持"),
        (2008, FundingSource.SUPERIOR, Decimal("50.00"), None),
    ]
    year_2008 = session.scalar(select(Investment).where(Investment.project_id == project.id, Investment.year == 2008))
    assert (year_2008.planned_amount, year_2008.completed_amount) == (None, None)  # made to hold the source
    history = session.scalars(
        select(ChangeRecord).where(
            ChangeRecord.entity == "investment_fundings",
            ChangeRecord.project_id == project.id,
            ChangeRecord.source == ChangeSource.IMPORT,
        )
    ).all()
    assert {(h.field, h.old_value, h.new_value) for h in history if h.field == "amount"} == {
        ("amount", None, "300.00"),
        ("amount", None, "50.00"),
    }

    again = preview_workbook(session, clerk_funding_sheet(), user=office, plan_code="ls2007")
    assert [r.outcome for r in again.rows if r.row in (4, 5)] == ["unchanged", "unchanged"]


def test_a_department_may_not_change_or_add_sources_of_money(session, lishui):
    library = session.scalar(select(Project).where(Project.plan_id == lishui.id, Project.code == "LS-1"))
    government = session.get(Department, library.lead_department_id)
    user = make_user(session, Role.DEPARTMENT, department=government)
    session.commit()
    book = _book(export_bytes(session, lishui, government))
    ws = book[C.FUNDINGS_SHEET]
    fiscal = next(r for r in range(4, ws.max_row + 1) if ws.cell(r, 4).value == "财政")
    assert ws.cell(fiscal, 5).protection.locked  # the department sees its sources, locked
    ws.cell(fiscal, 5).value = 300
    ws.append(["LS-1", "丽水市网络图书馆", 2008, "自筹", 10, None])
    preview = preview_workbook(session, _save(book), user=user)
    by_row = {r.row: r for r in preview.rows if r.sheet == C.FUNDINGS_SHEET}
    assert by_row[fiscal].outcome == "error"
    assert by_row[fiscal].messages == [f"{C.FUNDINGS_SHEET}!E{fiscal}：“金额”不能由本单位修改（原值：空）"]
    last = ws.max_row
    assert by_row[last].messages == [f"{C.FUNDINGS_SHEET}!{last}：本单位不能新增资金来源（请联系信息办）"]


def test_two_sources_of_one_kind_in_a_year_are_told_apart_by_how_they_are_written(session, lishui):
    library = session.scalar(select(Project).where(Project.plan_id == lishui.id, Project.code == "LS-1"))
    investment = session.scalar(select(Investment).where(Investment.project_id == library.id, Investment.year == 2007))
    from tracker.models import set_change_context

    set_change_context(session, ChangeSource.CLI)
    investment.fundings.append(InvestmentFunding(source=FundingSource.SOCIAL, note="移动支持"))
    session.commit()
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["项目编号", "年度", "资金来源", "金额", "原文写法"])
    ws.append(["LS-1", 2007, "社会资金", 20, "移动支持"])
    ws.append(["LS-1", 2007, "社会资金", 30, None])
    preview = preview_workbook(session, _save(book), user=make_user(session, Role.OFFICE), plan_code="ls2007")
    by_row = {r.row: r for r in preview.rows}
    assert by_row[2].outcome == "changed" and [(c.field, c.new) for c in by_row[2].changes] == [("amount", "20.00")]
    assert by_row[3].outcome == "error"
    assert by_row[3].messages == [
        "Sheet!E3：2007年有多条“社会资金”资金来源，请在“原文写法”列填写与系统中一致的写法以区分"
    ]
    session.expire_all()  # the preview never wrote: both sources keep no amount
    assert [f.amount for f in investment.fundings if f.source is FundingSource.SOCIAL] == [None, None]


def test_the_office_uploads_a_funding_sheet_on_the_web_and_sees_each_row_and_cell(session, lishui, login):
    office = make_user(session, Role.OFFICE)
    session.commit()
    client = login(office, "correct horse")
    upload = client.post(
        "/imports/new",
        data={"file": (io.BytesIO(clerk_funding_sheet()), "资金来源.xlsx"), "plan": "ls2007"},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 302
    page = client.get(upload.headers["Location"]).get_data(as_text=True)
    assert "工作表“资金来源明细”：读作资金来源（4 行数据）" in page
    assert "D列“金额”：读作“金额（按元读入，已换算为万元）”" in page
    assert "资金来源明细!B6：应为四位年份" in page and "资金来源明细!C7：缺少资金来源" in page


def test_a_new_project_comes_with_its_support_department_and_its_sources_of_money_in_one_file(session, lishui):
    office = make_user(session, Role.OFFICE)
    session.commit()
    book = openpyxl.Workbook()
    projects = book.active
    projects.title = "新项目"
    projects.append(["项目编号", "项目名称", "责任单位", "支持单位", "总投资"])
    projects.append(["LS-99", "丽水市政务云", "丽水市信息办", "市电信", 800])
    money = book.create_sheet("资金")
    money.append(["项目编号", "项目名称", "年度", "资金来源", "金额", "原文写法"])
    money.append(["LS-99", "丽水市政务云", 2027, "财政", 500, "市本级财政"])
    money.append(["LS-99", "丽水市政务云", 2027, "运营商投资", 300, "电信投资"])
    batch, preview = stage_import(session, _save(book), "政务云.xlsx", office, ChangeSource.WEB, "ls2007")
    preview = load_preview(session, batch)
    assert [(r.sheet, r.outcome) for r in preview.rows if r.outcome != "skipped"] == [
        ("新项目", "new"),
        ("资金", "new"),
        ("资金", "new"),
    ]
    commit_import(session, batch, office)
    session.commit()
    project = session.scalar(select(Project).where(Project.plan_id == lishui.id, Project.code == "LS-99"))
    assert [d.name for d in project.supporters] == ["中国电信丽水分公司"]
    year = session.scalar(select(Investment).where(Investment.project_id == project.id))
    assert year.year == 2027
    assert [(f.source, f.amount, f.note) for f in year.fundings] == [
        (FundingSource.FISCAL, Decimal("500.00"), "市本级财政"),
        (FundingSource.SOCIAL, Decimal("300.00"), "电信投资"),
    ]


def test_sources_of_money_on_a_sheet_before_the_year_they_belong_to_commit_under_it(session, lishui, monkeypatch):
    """The 资金 sheet comes first; the 新项目 sheet after it creates the project and its 2027 plan figure.
    Applied as read back one row at a time, the year is made once, with its figure, and both sources
    sit under it."""
    from tracker.services import imports

    office = make_user(session, Role.OFFICE)
    session.commit()
    book = openpyxl.Workbook()
    money = book.active
    money.title = "资金"
    money.append(["项目编号", "项目名称", "年度", "资金来源", "金额", "原文写法"])
    money.append(["LS-98", "丽水市视频共享平台", 2027, "财政", 500, "市本级财政"])
    money.append(["LS-98", "丽水市视频共享平台", 2027, "运营商投资", 300, "电信投资"])
    projects = book.create_sheet("新项目")
    projects.append(["项目编号", "项目名称", "责任单位", "总投资", "2027年计划投资"])
    projects.append(["LS-98", "丽水市视频共享平台", "丽水市信息办", 800, 800])
    monkeypatch.setattr(imports, "STORE_CHUNK", 1)
    batch, preview = stage_import(session, _save(book), "视频.xlsx", office, ChangeSource.WEB, "ls2007")
    assert preview.counts["new"] == 3 and not preview.blocked
    assert commit_import(session, batch, office) == 3
    session.commit()
    project = session.scalar(select(Project).where(Project.plan_id == lishui.id, Project.code == "LS-98"))
    years = session.scalars(select(Investment).where(Investment.project_id == project.id)).all()
    assert [(y.year, y.planned_amount) for y in years] == [(2027, Decimal("800.00"))]
    assert [(f.source, f.amount) for f in years[0].fundings] == [
        (FundingSource.FISCAL, Decimal("500.00")),
        (FundingSource.SOCIAL, Decimal("300.00")),
    ]
    applied = load_preview(session, batch, outcomes=("new",)).rows
    assert all(r.applied and r.entity_id and r.project_id == project.id for r in applied)
