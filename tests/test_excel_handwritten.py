"""A workbook an office typed by hand, in its own layout: what is valid is understood, each bad cell named."""

from __future__ import annotations

import io

import openpyxl
from sqlalchemy import select

from tests.factories import make_user
from tracker.models import Plan
from tracker.services.imports import preview_workbook
from tracker.services.seeding import seed
from tracker.vocab import Role


def handwritten() -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "2026年进度"
    ws.append(["温州市2026年信息化重点项目进度表"])
    ws.merge_cells("A1:I1")
    ws.append(["填报单位：市信息办", None, None, None, None, None, None, "单位：万元"])
    ws.append(["序号", "项目名称", "牵头单位", "投资情况", None, None, "完成时限", "项目状态", "备注"])
    ws.append([None, None, None, "计划总投资", "年度计划", "累计完成", None, None, None])
    for col in "ABCGHI":
        ws.merge_cells(f"{col}3:{col}4")
    ws.merge_cells("D3:F3")
    ws.append(["一、", "基础网络平台"])
    ws.append([1, "基础网络建设", "市信息办", "1300万", 800, 520.5, "2027年6月", "建设中", "按计划推进"])
    ws.append([2, "互联网交换中心", "火星局", "0.035亿", None, None, "2027-02-30", "在建", None])
    ws.append([None, "小计", None, 1650])
    ws.append(["合计", None, None, 1650])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_handwritten_office_layout(session):
    seed(session, ["szwz"], demo=True)
    office = make_user(session, Role.OFFICE)
    session.commit()
    preview = preview_workbook(session, handwritten(), user=office, plan_code="szwz")
    assert not preview.from_tracker
    by_row = {r.row: r for r in preview.rows}
    understood = by_row[6]
    assert understood.outcome == "changed" and understood.key == "1.1"  # found by (名称, 牵头单位)
    assert {(c.field, c.old, c.new, c.cell) for c in understood.changes} == {
        ("total_budget", "1200.00", "1300.00", "2026年进度!D6"),
        ("remarks", None, "按计划推进", "2026年进度!I6"),
    }  # 完成时限 2027年6月 = the stored 2027-06-30; 建设中 = 在建: not changes
    bad = by_row[7]
    assert bad.outcome == "error"
    assert any(m.startswith("2026年进度!C7：未知单位“火星局”") for m in bad.messages)
    assert any(m.startswith("2026年进度!G7：日期不存在") for m in bad.messages)
    assert {by_row[5].outcome, by_row[8].outcome, by_row[9].outcome} == {"skipped"}
    assert session.scalar(select(Plan).where(Plan.code == "szwz")) is not None
