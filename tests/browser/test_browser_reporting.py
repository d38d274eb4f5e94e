"""The monthly report, as people do it: 市信息办 fills 本期应报 and submits, 信息办 returns it, it is fixed
and resubmitted, confirmed, the period closed — and a later edit leaves the closed period's figures alone."""

from __future__ import annotations

DEPT = ("xxb", "demo-dept-2026")  # 市信息办: 2026年11月 still 未报 in the demo, a draft for 2.10 only
OFFICE = ("office", "demo-office-2026")
PLAN = "'数字温州'建设规划纲要"


def _period_page(page, live_server):
    page.goto(f"{live_server}/plans")
    page.click(f"text={PLAN}")
    page.click("text=月报/季报")
    page.get_by_role("link", name="2026年11月 月报", exact=True).click()
    page.wait_for_load_state()


def _office_row(page) -> str:
    return page.locator("#departments tr", has_text="温州市信息化办公室").inner_text()


def test_a_month_from_report_to_frozen_figures(page_as, live_server, output_folder):
    dept = page_as(*DEPT)
    dept.goto(f"{live_server}/my")
    due = dept.locator("#due-reports").inner_text()
    assert "2026年11月 月报" in due and "截止 2026-12-05" in due
    dept.get_by_label("1.1 本期形象进度").fill("出口带宽扩容至10G，测试通过")
    dept.get_by_label("1.1 本期完成投资（万元）").fill("36.5")
    dept.get_by_label("1.2 本期形象进度").fill("计费系统招标文件编制完成")
    dept.get_by_label("1.2 本期完成投资（万元）").fill("10")
    dept.screenshot(path=str(output_folder / "report-form.png"), full_page=True)
    dept.get_by_role("button", name="提交").click()
    dept.wait_for_load_state()
    assert "已提交 2026年11月 月报" in dept.content()

    office = page_as(*OFFICE)
    _period_page(office, live_server)
    assert "已报" in _office_row(office)
    office.locator("#departments tr", has_text="温州市信息化办公室").get_by_role("link", name="查看").click()
    office.wait_for_load_state()
    assert "出口带宽扩容至10G，测试通过" in office.locator("#entries").inner_text()
    office.get_by_label("退回原因（单位会看到）").fill("1.1 完成投资应为 35 万元")
    office.get_by_role("button", name="退回").click()
    office.wait_for_load_state()
    assert "已退回" in office.content()

    dept.goto(f"{live_server}/my")
    assert "1.1 完成投资应为 35 万元" in dept.locator("#due-reports").inner_text()
    dept.get_by_label("1.1 本期完成投资（万元）").fill("35")
    dept.get_by_role("button", name="提交（重新提交）").click()
    dept.wait_for_load_state()
    assert "已提交" in dept.content()

    _period_page(office, live_server)
    office.locator("#departments tr", has_text="温州市信息化办公室").get_by_role("link", name="查看").click()
    office.get_by_role("button", name="确认").click()
    office.wait_for_load_state()
    assert "已确认 温州市信息化办公室 的报送" in office.content()
    row = _office_row(office)
    assert "已确认" in row and "45.00" in row  # 35 + 10 this month
    office.get_by_role("button", name="关闭并冻结本期数据").click()
    office.wait_for_load_state()
    assert "已关闭" in office.content()
    frozen = _office_row(office)
    office.screenshot(path=str(output_folder / "period.png"), full_page=True)

    # A later edit of 1.1's 2026 investment: the project shows it, the closed period does not.
    office.goto(f"{live_server}/plans")
    office.click(f"text={PLAN}")
    office.click("text=1.1 基础网络建设")
    office.locator("#investments tr", has_text="2026").get_by_role("link", name="编辑").click()
    office.get_by_label("完成投资（万元）").fill("999")
    office.get_by_role("button", name="保存").click()
    office.wait_for_load_state()
    assert "999.00" in office.locator("#investments").inner_text()
    _period_page(office, live_server)
    assert _office_row(office) == frozen
