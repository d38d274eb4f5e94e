"""Every kind of page, for each role, in a real browser: no serious or critical axe-core violation at
1366 px, and nothing wider than a 390 px phone screen (wide tables scroll inside their own box)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
ROLES = {
    "office": "demo-office-2026",
    "admin": "demo-admin-2026",
    "leader": "demo-leader-2026",
    "xxb": "demo-dept-2026",
}

# role → the page kinds it uses, each (name, a path, or "pattern [words]": a link on the pages seen so
# far, the latest first, whose address matches and whose text holds the words)
PAGES = {
    "office": [
        ("规划列表", "/plans"),
        ("规划页", r"^/plans/\d+$ 数字温州"),
        ("阶段页", r"^/phases/\d+$"),
        ("项目页", r"^/projects/\d+$"),
        ("项目编辑", r"^/projects/\d+/edit$"),
        ("里程碑编辑", r"^/milestones/\d+/edit$"),
        ("项目列表", "/projects?overdue=1"),
        ("单位列表", "/departments"),
        ("单位页", r"^/departments/\d+$"),
        ("报送期列表", r"^/plans/\d+/periods$"),
        ("报送期页", r"^/periods/\d+$"),
        ("报送页", r"^/submissions/\d+$"),
        ("通报", r"^/periods/\d+/bulletin$"),
        ("驾驶舱", "/dashboard"),
        ("导入记录", "/imports"),
        ("导入工作簿", "/imports/new"),
        ("修改密码", "/account/password"),
    ],
    "admin": [
        ("用户", "/admin/users"),
        ("编辑用户", r"^/admin/users/\d+/edit$"),
        ("新建用户", "/admin/users/new"),
        ("安全日志", "/admin/security"),
    ],
    "leader": [("驾驶舱", "/dashboard"), ("通报", r"^/periods/\d+/bulletin$")],
    "anonymous": [("登录", "/login")],
    "xxb": [("我的工作", "/my"), ("本期报表导入", r"^/periods/\d+/import$"), ("项目页", r"^/projects/\d+$")],
}


def _axe_problems(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => JSON.stringify(await axe.run(document, {resultTypes: ['violations']}))")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:3]]}"
        for v in json.loads(result)["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _open(context, live_server, username, password):
    page = context.new_page()
    if username == "anonymous":
        return page
    page.goto(f"{live_server}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def _page_problems(page, small, live_server, output_folder, name, path, label) -> list[str]:
    """The page `page` shows (at 1366 px) checked by axe-core, then `path` on the 390 px phone: no wider than
    the screen, no button whose words wrap."""
    problems = [f"{name} {path}: {p}" for p in _axe_problems(page)]
    small.goto(live_server + path)
    width = small.evaluate("document.documentElement.scrollWidth")
    if width > 390:
        small.screenshot(path=str(output_folder / f"narrow-{label}.png"), full_page=True)
        problems.append(f"{name} {path}: {width} px wide on a 390 px screen")
    squeezed = small.evaluate("""() => Array.from(document.querySelectorAll('.btn')).filter(
        b => b.offsetParent && b.textContent.trim().length > 1 && b.getClientRects().length &&
        b.getBoundingClientRect().height > 2.2 * parseFloat(getComputedStyle(b).lineHeight)).map(
        b => b.textContent.trim())""")
    return problems + [f"{name} {path}: button “{b}” wraps" for b in squeezed]


def test_an_uploaded_workbook_s_preview_and_result_pass_axe_and_fit_a_phone(
    browser, live_server, output_folder, tmp_path
):
    """The preview of a workbook a clerk typed (the city's old 计划表) and each of its views: no serious
    axe-core violation, nothing wider than 390 px. Not confirmed: the live server's demo data is shared
    with the other browser tests (the page after 确认导入 is tests/test_web_imports.py's)."""
    from tests.fixtures import workbooks as W

    wide = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN", bypass_csp=True)
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True, has_touch=True)
    try:
        page = _open(wide, live_server, "office", ROLES["office"])
        small = _open(phone, live_server, "office", ROLES["office"])
        upload = tmp_path / "2027计划.xlsx"
        upload.write_bytes(W.old_plan_table())
        page.goto(f"{live_server}/imports/new")
        page.set_input_files("#file", str(upload))
        page.select_option("#plan", label=page.locator("#plan option", has_text="数字温州").first.inner_text())
        page.click("form[enctype='multipart/form-data'] button[type=submit]")
        page.wait_for_load_state()
        preview = page.url.removeprefix(live_server)
        assert re.fullmatch(r"/imports/\d+", preview), page.url
        problems = []
        for name, path in (
            ("导入预览", preview),
            ("全部行", preview + "?show=all"),
            ("跳过的行", preview + "?show=skipped"),
        ):
            page.goto(live_server + path)
            assert page.locator("#preview tbody tr").count() > 0, path
            problems += _page_problems(page, small, live_server, output_folder, name, path, f"import-{name}")
        assert problems == [], "\n".join(problems)
    finally:
        wide.close()
        phone.close()


@pytest.mark.parametrize("role", list(PAGES))
def test_every_page_kind_passes_axe_and_fits_a_phone(browser, live_server, output_folder, role):
    wide = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN", bypass_csp=True)
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True, has_touch=True)
    try:
        page = _open(wide, live_server, role, ROLES.get(role))
        small = _open(phone, live_server, role, ROLES.get(role))
        problems, visited, links = [], [], []
        for name, where in PAGES[role]:
            if where.startswith("^"):
                pattern, _, words = where.partition(" ")
                found = next(
                    (h for h, text in links if re.match(pattern, h.split("#")[0].split("?")[0]) and words in text), None
                )
                assert found, f"{role}: no link to {name} ({where}) on {page.url}"
                path = found.split("#")[0]
            else:
                path = where
            response = page.goto(live_server + path)
            assert response.status < 400, (role, name, path, response.status)
            if name == "项目编辑":  # dates typed as text, with the browser's date picker beside each
                assert page.locator("input[data-date-text] + input[type=date]").count() == 2
            links[:0] = page.eval_on_selector_all(
                "a[href]", "as => as.map(a => [a.getAttribute('href'), a.textContent])"
            )
            visited.append(path)
            problems += _page_problems(page, small, live_server, output_folder, name, path, f"{role}-{len(visited)}")
        assert problems == [], "\n".join(problems)
        assert len(visited) == len(PAGES[role])
    finally:
        wide.close()
        phone.close()


def test_the_keyboard_reaches_the_content_first_and_the_focus_is_visible(browser, live_server):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    try:
        page = _open(context, live_server, "office", ROLES["office"])
        page.goto(f"{live_server}/plans")
        page.keyboard.press("Tab")
        focused = page.evaluate("""() => { const e = document.activeElement; const s = getComputedStyle(e);
            const r = e.getBoundingClientRect();
            return {text: e.textContent.trim(), outline: s.outlineStyle, width: parseFloat(s.outlineWidth), seen: r.width > 0} }""")
        assert focused["text"] == "跳到正文" and focused["seen"]  # the skip link shows itself when focused
        assert focused["outline"] != "none" and focused["width"] >= 2  # and carries a ring anyone can see
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "content"
        current = page.locator('nav a[aria-current="page"]')
        assert current.count() == 1 and current.inner_text() == "规划"
    finally:
        context.close()
