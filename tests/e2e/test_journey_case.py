"""Journey 3: a department handler takes an assigned case through measures, feedback and
resolution; the enterprise rates it unsatisfied (with the keyboard only); the case comes
back to the department as assigned (二次交办), and its flag says so in words too."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from complaints import services
from complaints.models import ProblemCategory, Status, Tier
from tests import factories
from tests.e2e.conftest import assert_accessible

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def press_tab_until(page, predicate, *, limit=80):
    """Move the focus with Tab until ``predicate`` (JS, given the focused element) holds."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(el => {predicate})(document.activeElement)"):
            return
    raise AssertionError(f"Tab never reached an element where {predicate}")


def test_handler_resolves_a_case_the_enterprise_rates_it_unsatisfied_and_it_comes_back(journey, cluster):
    city = factories.region()
    department = factories.department("宣城市发展和改革委员会", city)
    official = factories.official(username="dispatcher")
    factories.handler(department, username="handler", full_name="孙经办")
    enterprise = factories.enterprise(name="宣城评价示范有限公司", region=city)
    member = factories.enterprise_user(enterprise, username="owner", full_name="钱老板")
    case = services.case_file(
        actor=member,
        channel="web",
        title="施工许可审批材料反复退回",
        description="同一份材料被要求修改三次，每次意见不同。",
        category=ProblemCategory.objects.get(name="审批服务"),
        enterprise=enterprise,
        complainant_name="钱老板",
        complainant_phone="13912345678",
    )
    case = services.case_accept(case=case, actor=official)
    services.case_assign(case=case, actor=official, lead_department=department, tier=Tier.ORDINARY)

    handler = journey.log_in("handler")
    handler.get_by_role("link", name="部门工作台").click()
    row = handler.get_by_role("row").filter(has_text=case.number)
    # The clock flag is a word, not only a colour.
    expect(row.locator(".badge")).to_have_text("正常")
    assert_accessible(handler)
    journey.shot(handler, "workbench")
    row.get_by_role("link").first.click()
    expect(handler.get_by_test_id("case-status")).to_have_text("已交办")

    measures = handler.locator("form[data-action='measures']")
    measures.get_by_label("任务*", exact=True).fill("统一审查口径")
    measures.get_by_label("措施").fill("一次性告知全部修改意见")
    measures.get_by_label("完成期限").fill((dt.date.today() + dt.timedelta(days=5)).isoformat())
    measures.get_by_label("责任单位").select_option(label="宣城市发展和改革委员会")
    measures.get_by_label("责任人").fill("李科长")
    assert_accessible(handler)
    journey.shot(handler, "measures")
    measures.get_by_role("button", name="提交").click()
    expect(handler.get_by_role("alert").first).to_contain_text("已明确办理措施")

    handler.locator("form[data-action='feedback']").get_by_label("反馈内容").fill("已约谈审查人员，明日一次性办结。")
    handler.locator("form[data-action='feedback']").get_by_role("button", name="提交").click()
    expect(handler.get_by_role("alert").first).to_contain_text("已反馈企业")

    # 四个清单 销号: the task is signed off with a note, one button on its line.
    sign_off = handler.locator("form[data-action='task_done']")
    sign_off.get_by_label("完成情况").fill("已统一审查口径，一次性告知企业。")
    sign_off.get_by_role("button", name="销号").click()
    expect(handler.get_by_role("alert").first).to_contain_text("任务已销号")
    expect(handler.locator("form[data-action='task_done']")).to_have_count(0)
    journey.shot(handler, "task-signed-off")

    # An empty resolution is refused, and the error is announced with the field.
    resolve = handler.locator("form[data-action='resolve']")
    resolve.get_by_role("button", name="提交").click()
    field = handler.locator("form[data-action='resolve']").get_by_label("办理结果")
    expect(field).to_have_attribute("aria-invalid", "true")
    assert handler.locator("[role=alert]").count() >= 1
    journey.shot(handler, "resolve-error")
    field.fill("材料已一次性审核通过，施工许可证已核发。")
    handler.locator("form[data-action='resolve']").get_by_role("button", name="提交").click()
    expect(handler.get_by_test_id("case-status")).to_have_text("已办结")
    journey.shot(handler, "resolved")

    # The enterprise rates with the keyboard only: Tab to the choice, arrows, Tab, Enter.
    owner = journey.log_in("owner")
    owner.goto(f"/cases/{case.number}/")
    assert_accessible(owner)
    press_tab_until(owner, "el.name === 'rating'")
    focus_ring = owner.evaluate("(s => s.outlineStyle + '|' + s.boxShadow)(getComputedStyle(document.activeElement))")
    assert focus_ring != "none|none", "the focused choice shows no focus indicator"
    while owner.evaluate("document.activeElement.value") != "unsatisfied":
        owner.keyboard.press("ArrowDown")
    owner.keyboard.press("Space")
    owner.keyboard.press("Tab")
    owner.keyboard.type("审批还是拖了两周，不满意。")
    journey.shot(owner, "rating-by-keyboard")
    press_tab_until(owner, "el.tagName === 'BUTTON' && el.type === 'submit'")
    owner.keyboard.press("Enter")
    expect(owner.get_by_role("alert").first).to_contain_text("感谢您的评价")
    journey.shot(owner, "rated-unsatisfied")

    case.refresh_from_db()
    assert case.status == Status.ASSIGNED
    assert case.unsatisfied_count == 1
    handler.goto("/cases/")
    row = handler.get_by_role("row").filter(has_text=case.number)
    expect(row).to_contain_text("已交办")
    expect(row.locator(".badge")).to_have_text("正常")
    journey.shot(handler, "back-on-the-workbench")
