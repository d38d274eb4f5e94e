"""月报 workbooks: tracker's export in the office's layout, and filled workbooks brought back — tracker's
own and ones departments laid out themselves — with every row accounted for and nothing misread."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD
from tests.factories import make_department, make_plan, make_project, make_user
from tracker.models import Investment, ReportEntry, ReportSubmission
from tracker.services import ServiceError
from tracker.services import reporting as R
from tracker.services.imports import ImportRefused
from tracker.services.report_workbooks import (
    commit_report_import,
    export_department_report,
    export_period_reports,
    export_summary,
    preview_report,
    stage_report_import,
)
from tracker.vocab import ProjectStatus, ReportKind, Role, SubmissionStatus


@pytest.fixture()
def city(session):
    """October confirmed for 交通局; November open."""
    plan = make_plan(session, name="数字某市", region="某市")
    roads = make_department(session, "某市交通局", short_name="交通局", region="某市")
    health = make_department(session, "某市卫生局", short_name="卫生局", region="某市")
    p1 = make_project(
        session,
        plan,
        code="2.1",
        name="智能交通",
        lead_department=roads,
        total_budget=Decimal(500),
        planned_start_on=dt.date(2026, 1, 1),
        planned_end_on=dt.date(2027, 6, 30),
    )
    p2 = make_project(session, plan, code="2.2", name="公交一卡通", lead_department=roads, total_budget=Decimal(80))
    p3 = make_project(session, plan, code="3.1", name="区域卫生平台", lead_department=health)
    done = make_project(
        session, plan, code="2.9", name="已完工的项目", lead_department=roads, status=ProjectStatus.COMPLETED
    )
    session.add_all(
        [
            Investment(project=p1, year=2026, planned_amount=Decimal(300)),
            Investment(project=p2, year=2026, planned_amount=Decimal(60)),
        ]
    )
    office = make_user(session, Role.OFFICE, password=PASSWORD, username="office-r")
    clerk = make_user(session, Role.DEPARTMENT, department=roads, password=PASSWORD, username="roads-r")
    october = R.open_period(session, plan, ReportKind.MONTH, 2026, 10)
    sub = next(s for s in october.submissions if s.department_id == roads.id)
    R.save_submission(
        session,
        sub,
        {p1.id: R.EntryInput("完成招标", Decimal(100), None), p2.id: R.EntryInput("需求调研", Decimal(5), None)},
        {},
        clerk,
        sub.version,
        submit=True,
    )
    R.confirm_submission(session, sub, office, sub.version)
    R.close_period(session, october, office, october.version)
    november = R.open_period(session, plan, ReportKind.MONTH, 2026, 11)
    session.commit()
    return locals()


def _submission(session, city, dept="roads"):
    return session.scalar(
        select(ReportSubmission).where(
            ReportSubmission.period_id == city["november"].id, ReportSubmission.department_id == city[dept].id
        )
    )


def _export(session, city) -> bytes:
    out = io.BytesIO()
    export_department_report(session, _submission(session, city), out)
    return out.getvalue()


def _save(book) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _changes(preview):
    return {(r.key, r.outcome): r.changes for r in preview.rows if r.outcome not in ("unchanged", "skipped")}


def test_export_is_in_the_office_layout(session, city):
    book = openpyxl.load_workbook(io.BytesIO(_export(session, city)))
    ws = book["某市交通局"]
    assert ws["A1"].value == "2026年11月信息化项目建设进度月报表"
    assert ws["A2"].value == "报送部门：某市交通局"
    row2 = [c.value for c in ws[2]]
    assert row2[-1] == "单位：万元"
    upper = [c.value for c in ws[3]]
    lower = [c.value for c in ws[4]]
    assert upper[:6] == ["序号", "项目名称", "建设起止年限", "总投资", "年度计划投资", "年计划形象进度"]
    assert upper[6] == "1月" and upper[6 + 2 * 10] == "11月" and lower[6:8] == ["形象进度", "实际完成投资"]
    assert upper[-3:] == ["自开始累计完成投资", "存在问题", "备注"]
    rows = {r[1].value: r for r in ws.iter_rows(min_row=5) if r[1].value}
    first = rows["智能交通"]
    assert first[0].value == 1 and first[2].value == "2026-01-01—2027-06-30" and first[4].value == 300
    october_progress, october_amount = first[6 + 2 * 9], first[6 + 2 * 9 + 1]
    november_progress, november_amount = first[6 + 2 * 10], first[6 + 2 * 10 + 1]
    assert (october_progress.value, october_amount.value) == ("完成招标", 100)
    assert october_progress.protection.locked and october_amount.protection.locked  # past months: locked
    assert not november_progress.protection.locked and not november_amount.protection.locked
    assert ws.protection.sheet
    total = rows["合计：3 个"]
    assert total[3].value == 580 and total[4].value == 360 and total[6 + 2 * 9 + 1].value == 105
    assert "区域卫生平台" not in rows  # only the department's own projects
    assert book["_tracker"].sheet_state == "hidden"


def test_filled_export_comes_back_as_exact_changes_and_is_submitted(session, city):
    book = openpyxl.load_workbook(io.BytesIO(_export(session, city)))
    ws = book["某市交通局"]
    for row in ws.iter_rows(min_row=5):
        if row[1].value == "智能交通":
            row[26].value, row[27].value = "信号系统安装", 36.5
        elif row[1].value == "公交一卡通":
            row[26].value, row[29].value = "系统联调", "卡片供应延迟"
    data = _save(book)
    preview = preview_report(session, data, city["november"], city["office"])
    assert _changes(preview) == {
        ("2.1 智能交通", "new"): [("本期形象进度", "—", "信号系统安装"), ("本期完成投资", "—", "36.50")],
        ("2.2 公交一卡通", "new"): [("本期形象进度", "—", "系统联调"), ("存在问题", "—", "卡片供应延迟")],
    }
    assert preview.counts["skipped"] == 1  # the 合计 row
    (line,) = preview.submissions.values()
    assert line["after"] == "已报"  # 2.9 is finished: no 形象进度 needed
    batch, _ = stage_report_import(session, data, "交通局.xlsx", city["november"], city["office"])
    assert commit_report_import(session, batch, city["office"]) == 2
    session.commit()
    sub = _submission(session, city)
    assert sub.status is SubmissionStatus.SUBMITTED
    entries = {e.project_id: e for e in session.scalars(select(ReportEntry).where(ReportEntry.submission_id == sub.id))}
    assert entries[city["p1"].id].completed_amount == Decimal("36.50")
    assert entries[city["p2"].id].issues == "卡片供应延迟"
    # The same file again: nothing left to do, and a second commit of the batch is refused.
    assert preview_report(session, data, city["november"], city["office"]).counts["new"] == 0
    with pytest.raises(ServiceError):
        commit_report_import(session, batch, city["office"])


def _department_layout(title="某市交通局 2026年11月 信息化项目进度月报", unit="单位：元", rows=None, headers=None):
    """A department's own layout, typed as a clerk would: flat headers, 元, a 合计 and a 填报人 line."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "11月"
    ws.append([title])
    ws.append(["填报单位：某市交通局", None, None, None, unit])
    ws.append(headers or ["序号", "项目名称", "11月形象进度", "11月完成投资", "1-11月累计完成投资", "存在问题", "备注"])
    for row in rows or [
        [1, "智能交通", "信号系统安装", 365000, 1365000, None, "按计划"],
        [2, "公交一卡通 ", "系统联调", 0, 50000, "卡片供应延迟", None],
    ]:
        ws.append(row)
    ws.append([None, "合计", None, 365000, 1415000])
    ws.append(["填报人：李四", None, "审核人：王五"])
    return book


def test_a_departments_own_layout_in_yuan_is_read_and_checked(session, city):
    data = _save(_department_layout())
    preview = preview_report(session, data, city["november"], city["office"])
    assert _changes(preview) == {
        ("2.1 智能交通", "new"): [("本期形象进度", "—", "信号系统安装"), ("本期完成投资", "—", "36.50")],
        ("2.2 公交一卡通", "new"): [
            ("本期形象进度", "—", "系统联调"),
            ("本期完成投资", "—", "0.00"),
            ("存在问题", "—", "卡片供应延迟"),
        ],
    }
    columns = " ".join(preview.columns["11月"])
    assert "D列“11月完成投资”：读作“本期完成投资（按元读入，已换算为万元）”" in columns
    assert "G列“备注”：未导入（备注不导入）" in columns
    assert preview.counts["skipped"] == 2  # 合计 and 填报人
    # A 1–11月累计 that does not add up with what was confirmed before is refused, not guessed.
    book = _department_layout(rows=[[1, "智能交通", "信号系统安装", 365000, 1300000, None, None]])
    preview = preview_report(session, _save(book), city["november"], city["office"])
    (row,) = [r for r in preview.rows if r.outcome == "error"]
    assert "1–11月累计 130.00 ≠ 此前各期已确认 100.00 + 本期 36.50" in row.messages[0]


def test_only_a_year_to_date_column_gives_this_month_by_difference(session, city):
    book = _department_layout(
        unit="单位：万元",
        headers=["序号", "项目名称", "本月形象进度", "1—11月累计完成投资"],
        rows=[[1, "智能交通", "信号系统安装", 136.5]],
    )
    preview = preview_report(session, _save(book), city["november"], city["office"])
    (row,) = [r for r in preview.rows if r.project_id == city["p1"].id]
    assert ("本期完成投资", "—", "36.50") in row.changes
    assert "本期完成投资 = 1–11月累计 136.50 − 此前已确认 100.00 = 36.50" in row.notes[0]


def test_later_months_and_other_periods_are_never_read_as_this_one(session, city):
    book = _department_layout(
        headers=["序号", "项目名称", "11月形象进度", "11月完成投资", "12月形象进度"],
        rows=[[1, "智能交通", "安装", 100000, "12月要做的事"]],
    )
    preview = preview_report(session, _save(book), city["november"], city["office"])
    (row,) = [r for r in preview.rows if r.outcome == "error"]
    assert "11月!E4：填写了晚于本期的数据" in row.messages[0]
    with pytest.raises(ImportRefused, match="2026年10月 月报"):
        preview_report(
            session, _save(_department_layout(title="2026年10月信息化项目进度月报")), city["november"], city["office"]
        )


def test_a_summary_with_merged_department_cells_is_split_by_department(session, city):
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["2026年11月各单位信息化项目进度汇总"])
    ws.append(["责任单位", "项目名称", "本月", None, "存在问题"])
    ws.append([None, None, "形象进度", "实际完成投资", None])
    ws.merge_cells("C2:D2")
    ws.merge_cells("A2:A3")
    ws.merge_cells("B2:B3")
    ws.merge_cells("E2:E3")
    ws.append(["交通局", "智能交通", "安装", 36.5, None])
    ws.append([None, "公交一卡通", "联调", 0, None])
    ws.merge_cells("A4:A5")  # one 责任单位 over its two rows
    ws.append(["卫生局", "区域卫生平台", "需求调研", 12, "人手不足"])
    preview = preview_report(session, _save(book), city["november"], city["office"])
    by_project = {r.project_id: r for r in preview.rows if r.project_id}
    assert set(by_project) == {city["p1"].id, city["p2"].id, city["p3"].id}
    assert all(r.outcome == "new" for r in by_project.values())
    assert {v["department"]: v["after"] for v in preview.submissions.values()} == {
        "某市交通局": "已报",
        "某市卫生局": "已报",
    }


def test_a_department_user_cannot_import_another_departments_rows(session, city):
    book = _department_layout(title="2026年11月 月报", rows=[[1, "区域卫生平台", "x", 10000, 10000]])
    book.active["A2"] = "填报单位：某市卫生局"
    preview = preview_report(session, _save(book), city["november"], city["clerk"])
    (row,) = [r for r in preview.rows if r.outcome == "error"]
    assert "不是本单位" in row.messages[0]


def test_a_change_in_tracker_after_export_is_a_conflict_and_errors_block_the_commit(session, city):
    data = _export(session, city)
    sub = _submission(session, city)
    R.save_submission(
        session, sub, {city["p1"].id: R.EntryInput("网页上填的", None, None)}, {}, city["clerk"], sub.version
    )
    session.commit()
    book = openpyxl.load_workbook(io.BytesIO(data))
    ws = book["某市交通局"]
    ws["AA5"] = "表里填的"
    ws["AA6"] = "联调"
    ws["B7"] = "改了名字的项目"
    data = _save(book)
    preview = preview_report(session, data, city["november"], city["office"])
    outcomes = {r.row: r.outcome for r in preview.rows}
    assert outcomes[5] == "conflict" and outcomes[7] == "error"
    batch, _ = stage_report_import(session, data, "x.xlsx", city["november"], city["office"])
    with pytest.raises(ServiceError, match="错误"):
        commit_report_import(session, batch, city["office"])
    session.rollback()
    assert (
        session.scalar(
            select(ReportEntry.progress_text).where(
                ReportEntry.project_id == city["p1"].id, ReportEntry.submission_id == sub.id
            )
        )
        == "网页上填的"
    )


def test_period_zip_and_summary(session, city):
    out = io.BytesIO()
    assert export_period_reports(session, city["november"], out) == 2
    names = zipfile.ZipFile(io.BytesIO(out.getvalue())).namelist()
    assert sorted(names) == sorted(
        [f"{city['plan'].code}-2026年11月月报-某市交通局.xlsx", f"{city['plan'].code}-2026年11月月报-某市卫生局.xlsx"]
    )
    out = io.BytesIO()
    export_summary(session, city["november"], out)
    ws = openpyxl.load_workbook(io.BytesIO(out.getvalue())).active
    assert ws["A1"].value == "2026年11月信息化项目建设进度月汇总表"
    rows = {r[1]: r for r in ws.iter_rows(min_row=4, values_only=True)}
    assert rows["某市交通局"][2] == "未报" and rows["某市交通局"][7] == 105
    assert rows["合计：2 个单位"][5] == 360


def test_quarterly_reports_read_quarter_columns(session, city):
    plan = city["plan"]
    R.close_period(session, city["november"], city["office"], city["november"].version)
    plan.report_cadence = ReportKind.QUARTER
    quarter = R.open_period(session, plan, ReportKind.QUARTER, 2027, 1)
    session.commit()
    book = _department_layout(
        title="2027年第一季度信息化项目进度季报",
        unit="单位：万元",
        headers=["序号", "项目名称", "第一季度形象进度", "第一季度完成投资", "第二季度形象进度"],
        rows=[[1, "智能交通", "验收准备", 20, None]],
    )
    preview = preview_report(session, _save(book), quarter, city["office"])
    (row,) = [r for r in preview.rows if r.project_id == city["p1"].id]
    assert row.outcome == "new" and ("本期完成投资", "—", "20.00") in row.changes


def test_upload_preview_and_apply_on_the_web(session, login, city):
    client = login(city["clerk"])
    data = _save(_department_layout())
    response = client.post(
        f"/periods/{city['november'].id}/import",
        data={"file": (io.BytesIO(data), "交通局11月.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "新增 2" in page and "信号系统安装" in page and "某市交通局：当前未报 → 已报" in page
    apply = response.headers["Location"] + "/apply"
    assert client.post(apply, data={}).status_code == 302
    session.expire_all()
    assert _submission(session, city).status is SubmissionStatus.SUBMITTED
    # A file that is not a workbook: a clear refusal, nothing kept.
    response = client.post(
        f"/periods/{city['november'].id}/import",
        data={"file": (io.BytesIO(b"not excel"), "x.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and "不是 Excel 工作簿" in response.get_data(as_text=True)


@pytest.mark.parametrize("target", ["xls", "ods"])
def test_a_filled_export_saved_by_libreoffice_as_xls_or_ods_reads_the_same(session, city, target):
    from tests.excel_helpers import libreoffice_resave

    book = openpyxl.load_workbook(io.BytesIO(_export(session, city)))
    ws = book["某市交通局"]
    ws["AA5"], ws["AB5"] = "信号系统安装", 36.5
    data = _save(book)
    expected = _changes(preview_report(session, data, city["november"], city["office"]))
    again = preview_report(session, libreoffice_resave(data, target), city["november"], city["office"])
    assert (
        _changes(again)
        == expected
        == {("2.1 智能交通", "new"): [("本期形象进度", "—", "信号系统安装"), ("本期完成投资", "—", "36.50")]}
    )
