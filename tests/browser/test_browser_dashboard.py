"""A leader's morning: sign in, land on the 驾驶舱, switch stage, open what is late."""

from __future__ import annotations

LEADER = ("leader", "demo-leader-2026")
LATE = "人口基础信息数据库整合"  # 1.3, due 2026-08-31, 已延期 in the demo


def test_leader_lands_on_the_dashboard_switches_stage_and_opens_a_late_milestone(page_as, live_server, output_folder):
    page = page_as(*LEADER)  # signing in lands on the 驾驶舱: no click needed
    assert "/dashboard" in page.url
    assert "'数字温州'建设规划纲要" in page.locator("h1").inner_text()  # the plan being reported on
    headline = page.locator("#headline").inner_text()
    assert "开工率" in headline and "年度投资完成率" in headline and "序时进度" in headline
    page.locator("#stage-tabs").get_by_role("link", name="第二阶段").click()  # click 1
    page.wait_for_load_state()
    assert "第二阶段" in page.locator("h1").inner_text() and "phase=" in page.url
    page.locator("#stage-tabs").get_by_role("link", name="第一阶段").click()  # click 2
    page.wait_for_load_state()
    page.screenshot(path=str(output_folder / "dashboard.png"), full_page=True)
    row = page.locator("#late-table tr", has_text=LATE)
    assert "市公安局" in row.inner_text()
    row.get_by_role("link", name=LATE).click()  # click 3
    page.wait_for_load_state()
    assert "基础及应用信息资源数据库" in page.locator("h1").inner_text()
    assert LATE in page.locator(f"#{page.url.split('#')[1]}").inner_text()


def test_leader_prints_the_bulletin(page_as, live_server, output_folder):
    page = page_as(*LEADER)
    page.locator("#headline").get_by_role("link", name="督查通报").click()  # one click from landing
    page.wait_for_load_state()
    headline = page.locator("#bulletin-headline").inner_text()
    assert headline.startswith("截至2026年11月底，纳入跟踪的") and "序时进度" in headline
    page.emulate_media(media="print")
    assert not page.locator(".navbar").is_visible()  # the print stylesheet leaves only the 通报
    pdf = output_folder / "bulletin.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=False)
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 10_000
    page.screenshot(path=str(output_folder / "bulletin.png"), full_page=True)
