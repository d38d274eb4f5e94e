"""As a person would: a department marks a 数字温州 milestone done, a leader sees the stage move."""

from __future__ import annotations

import re

DEPT = ("xxb", "demo-dept-2026")  # 市信息办
LEADER = ("leader", "demo-leader-2026")
STAGE_LINK = "第一阶段：与时俱进，全面启动数字温州建设"
MILESTONE = "城市出口带宽扩容至10G"  # 1.1 基础网络建设, led by 市信息办, 进行中 in the demo
OTHER_DEPARTMENTS_MILESTONE = "人口基础信息数据库整合"  # 1.3, led by 市公安局


def _open_stage(page, live_server):
    page.goto(f"{live_server}/plans")
    page.click("text='数字温州'建设规划纲要")
    page.click(f"text={STAGE_LINK}")
    page.wait_for_load_state()


def _stage_completion(page) -> str:
    return re.search(r"\d+\.\d%", page.locator("#phase-completion").inner_text()).group(0)


def test_department_marks_done_and_leader_sees_the_stage_move(page_as, live_server, output_folder):
    leader = page_as(*LEADER)
    _open_stage(leader, live_server)
    before = _stage_completion(leader)
    leader.screenshot(path=str(output_folder / "stage-before.png"), full_page=True)

    dept = page_as(*DEPT)
    _open_stage(dept, live_server)
    row = dept.locator("tr", has_text=MILESTONE)
    row.locator("select[name=status]").select_option(label="已完成")
    row.locator("input[name=note]").fill("出口带宽已扩容，验收通过")
    row.locator("button[type=submit]").click()
    dept.wait_for_load_state()
    assert "已保存" in dept.content()
    row = dept.locator("tr", has_text=MILESTONE)
    assert "已完成" in row.inner_text() and "出口带宽已扩容，验收通过" in row.inner_text()

    leader.reload()
    after = _stage_completion(leader)
    assert float(after[:-1]) > float(before[:-1]), (before, after)
    leader.screenshot(path=str(output_folder / "stage.png"), full_page=True)
    leader.click("text='数字温州'建设规划纲要")
    leader.wait_for_load_state()
    leader.screenshot(path=str(output_folder / "plan.png"), full_page=True)

    leader.click("text=1.1 基础网络建设")
    leader.wait_for_load_state()
    history = leader.locator("#history").inner_text()
    assert "市信息办 张工" in history and "出口带宽已扩容，验收通过" in history


def test_department_is_refused_another_departments_milestone(page_as, live_server):
    dept = page_as(*DEPT)
    _open_stage(dept, live_server)
    row = dept.locator("tr", has_text=OTHER_DEPARTMENTS_MILESTONE)
    assert row.locator("form").count() == 0  # no form offered …
    milestone_id = row.get_attribute("data-milestone")
    response = dept.goto(f"{live_server}/milestones/{milestone_id}/progress")
    assert response.status == 403  # … and the server refuses the URL too
    assert "没有权限" in dept.content()
    token = dept.evaluate("document.querySelector('input[name=csrf_token]')?.value") or ""
    posted = dept.request.post(
        f"{live_server}/milestones/{milestone_id}/progress",
        form={"status": "done", "note": "越权", "csrf_token": token},
    )
    assert posted.status == 403
    _open_stage(dept, live_server)
    assert "越权" not in dept.locator("tr", has_text=OTHER_DEPARTMENTS_MILESTONE).inner_text()


def test_pages_load_with_no_console_errors(page_as, live_server):
    page = page_as(*LEADER)
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    for path in ("/plans", "/projects", "/departments"):
        page.goto(f"{live_server}{path}")
    _open_stage(page, live_server)
    assert errors == []
