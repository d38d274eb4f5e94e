"""Forms people can fill: errors tied to their fields and summed up at the top, required fields marked,
typed values kept, dates with examples of this year, department pickers of the plan's own region,
the programme tree with its numbers."""

from __future__ import annotations

import datetime as dt
import html
import re

from sqlalchemy import select

from tests.conftest import PASSWORD
from tests.factories import make_department, make_user
from tracker.models import Plan
from tracker.services.seeding import seed
from tracker.vocab import Role


def _plan(session) -> Plan:
    seed(session, ["szwz"], demo=True)
    make_department(session, "杭州市数据资源管理局", region="杭州市")
    session.commit()
    return session.scalar(select(Plan).where(Plan.code == "szwz"))


def test_a_failed_form_says_what_is_wrong_at_the_top_and_at_each_field_and_keeps_what_was_typed(session, login):
    plan = _plan(session)
    client = login(make_user(session, Role.OFFICE, password=PASSWORD))
    response = client.post(
        f"/plans/{plan.id}/projects/new",
        data={"code": "", "name": "城市大脑一期", "planned_start_on": "明年春天", "total_budget": "1,200"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    summary = page.split('id="form-errors"')[1].split("</div>")[0]
    assert "请修正以下 2 处" in summary and 'href="#code"' in summary and 'href="#planned_start_on"' in summary
    code_input = re.search(r'<input[^>]*id="code"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in code_input and 'aria-required="true"' in code_input
    assert 'aria-describedby="code-error"' in code_input and 'id="code-error"' in page
    start = re.search(r'<input[^>]*id="planned_start_on"[^>]*>', page).group(0)
    assert 'aria-describedby="planned_start_on-hint planned_start_on-error"' in start
    assert 'value="明年春天"' in start and 'value="城市大脑一期"' in page and 'value="1,200"' in page
    assert re.search(r'for="code">项目编号 <span class="text-danger" aria-hidden="true">\*</span>', page)


def test_dates_are_typed_or_picked_with_this_year_as_the_example(session, login):
    plan = _plan(session)
    page = (
        login(make_user(session, Role.OFFICE, password=PASSWORD))
        .get(f"/plans/{plan.id}/projects/new")
        .get_data(as_text=True)
    )
    year = dt.date.today().year
    hint = page.split('id="planned_end_on-hint">')[1].split("</div>")[0]
    assert f"{year}年" in hint and f"{year}-" in hint and "2007" not in hint and "日历" in hint
    assert re.search(
        r'<input[^>]*data-date-text="1"[^>]*id="planned_end_on"|<input[^>]*id="planned_end_on"'
        r'[^>]*data-date-text="1"',
        page,
    )
    assert "/static/js/forms.js" in page


def test_department_pickers_list_the_plan_s_region_and_cooperators_are_checkboxes(session, login):
    plan = _plan(session)
    page = (
        login(make_user(session, Role.OFFICE, password=PASSWORD))
        .get(f"/plans/{plan.id}/projects/new")
        .get_data(as_text=True)
    )
    lead = page.split('id="lead_department_id"')[1].split("</select>")[0]
    assert "温州市公安局" in lead and "杭州市数据资源管理局" not in lead
    cooperators = page.split('<legend class="form-label fs-6">配合单位')[1].split("</fieldset>")[0]
    assert 'type="checkbox" name="cooperators"' in cooperators and "温州市公安局" in cooperators
    assert "杭州市数据资源管理局" not in cooperators
    boxes = cooperators.count('type="checkbox"')
    assert ('data-filter-choices="cooperators"' in cooperators) == (boxes > 8)  # a filter when the list is long


def test_the_section_picker_shows_the_tree_in_order_with_its_numbers(session, login):
    plan = _plan(session)
    page = (
        login(make_user(session, Role.OFFICE, password=PASSWORD))
        .get(f"/plans/{plan.id}/projects/new")
        .get_data(as_text=True)
    )
    options = re.findall(r"<option[^>]*>([^<]*)</option>", page.split('id="section_id"')[1].split("</select>")[0])
    numbered = [o.strip("\u3000 ") for o in options if o[:1] in "\u30001234567890"]
    codes = [o.split(" ")[0] for o in numbered]
    assert "1.1" in codes and "2.13" in codes and codes.index("1.1") < codes.index("2.13")
    child = next(o for o in options if o.strip("\u3000").startswith("1.1 "))
    assert child.startswith("\u3000")  # indented under its programme
    assert codes.index("2.2") < codes.index("2.10")  # numbers in reading order, not as text


def test_every_page_has_a_skip_link_and_marks_the_current_menu_entry(session, login):
    plan = _plan(session)
    client = login(make_user(session, Role.OFFICE, password=PASSWORD))
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert '<a class="skip-link visually-hidden-focusable" href="#content">跳到正文</a>' in page
    assert 'id="content"' in page
    current = re.findall(r'<a class="nav-link" href="([^"]+)" aria-current="page">', page)
    assert current == ["/plans"]
    assert re.findall(r'aria-current="page">([^<]+)<', client.get("/projects").get_data(as_text=True)) == ["项目"]


def test_forms_and_record_pages_carry_breadcrumbs_naming_the_plan(session, login):
    from tracker.models import Milestone, Project

    plan = _plan(session)
    milestone = session.scalar(
        select(Milestone)
        .join(Project)
        .where(Project.plan_id == plan.id, Project.lead_department_id.is_not(None))
        .order_by(Milestone.id)
    )
    # Read before any request: a request ends the test's session, and these are not loaded yet.
    plan_name, milestone_id, milestone_name = plan.name, milestone.id, milestone.name
    project_code, lead_id, lead_name = (
        milestone.project.code,
        milestone.project.lead_department_id,
        milestone.project.lead_department.name,
    )
    client = login(make_user(session, Role.OFFICE, password=PASSWORD))

    def trail(url):
        page = client.get(url).get_data(as_text=True)
        assert page.count('class="breadcrumb"') == 1, url
        nav = page.split('class="breadcrumb"')[1].split("</ol>")[0]
        items = [re.sub(r"<[^>]+>", "", "<" + item).strip() for item in nav.split('<li class="breadcrumb-item')[1:]]
        return [html.unescape(item.split(">", 1)[-1]) for item in items]

    steps = trail(f"/milestones/{milestone_id}/edit")
    assert steps[:4] == ["规划", plan_name, project_code, milestone_name] and "编辑" in steps[-1]
    new_project = trail(f"/plans/{plan.id}/projects/new")
    assert new_project[:2] == ["规划", plan_name] and "新建" in new_project[-1]
    department = trail(f"/departments/{lead_id}")
    assert department == ["单位", lead_name]
