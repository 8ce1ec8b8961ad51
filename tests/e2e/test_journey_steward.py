"""Journey 6: a 亲商管家 opens the 管家工作台 from the menu and sees the enterprise they look
after; records a 走访 on a phone (390×844) with one problem found; turns the problem into a
case on the visit page; the case page opens for the 管家 read-only and says where the case
came from (走访发现); the enterprise's member finds the new case in their list."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from complaints.models import Case, Channel, Status, Visit
from portal import roles
from portal import services as portal_services
from portal.models import Enterprise
from tests import factories
from tests.e2e.conftest import assert_accessible

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}


def test_steward_records_a_visit_on_a_phone_and_its_problem_becomes_a_case_the_enterprise_sees(journey):
    city = factories.region()
    unit = factories.department("宣城市经济和信息化局", city)
    steward = factories.user(
        roles.STEWARD, username="guanjia", full_name="郑管家", department=unit, work_phone="0563-3021234"
    )
    enterprise = factories.enterprise(name="宣城走访示范有限公司", region=city, contact_person="陈总")
    factories.enterprise(name="宣城无关企业有限公司", region=city)  # someone else's firm, never shown
    factories.enterprise_user(enterprise, username="boss", full_name="陈总")
    portal_services.steward_assign(
        enterprises=Enterprise.objects.filter(pk=enterprise.pk),
        steward=steward,
        actor=factories.official(username="assigner"),
    )

    # The 管家 opens the workspace from the menu and finds the one firm they look after.
    desk = journey.log_in("guanjia")
    desk.get_by_role("navigation", name="主导航").get_by_role("link", name="管家工作台").click()
    desk.wait_for_url("**/steward/")
    expect(desk.get_by_role("heading", name="管家工作台", level=1)).to_be_visible()
    expect(desk.get_by_test_id("summary-enterprises")).to_have_text("1")
    expect(desk.get_by_test_id("summary-visits")).to_have_text("0")
    row = desk.locator(f"tr[data-enterprise='{enterprise.pk}']")
    expect(row).to_contain_text("宣城走访示范有限公司")
    expect(row.get_by_test_id("open-cases")).to_have_text("0")
    expect(row.get_by_test_id("last-visit")).to_contain_text("—")
    expect(desk.get_by_role("main")).not_to_contain_text("宣城无关企业有限公司")
    assert_accessible(desk)
    journey.shot(desk, "workspace")

    # On the phone, at the firm: the visit form, the enterprise chosen from the row's link.
    phone = journey.log_in("guanjia", viewport=PHONE)
    phone.goto("/steward/")
    phone.locator(f"tr[data-enterprise='{enterprise.pk}']").get_by_role("link", name="记录走访").click()
    phone.wait_for_url(f"**/steward/visits/new/?enterprise={enterprise.pk}")
    expect(phone.get_by_label("企业")).to_have_value(str(enterprise.pk))
    today = timezone.localdate().isoformat()
    phone.get_by_label("走访日期").fill(today)
    phone.get_by_label("接待人员").fill("陈总（总经理）、李会计")
    phone.get_by_label("交流内容").fill("了解二期扩建进度和用工需求。")
    phone.locator("textarea[name='problems-0-description']").fill("二期扩建用地规划调整审批已三个月没有进展")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_accessible(phone)
    journey.shot(phone, "phone-visit-form")
    phone.get_by_role("button", name="保存走访记录").click()
    expect(phone.get_by_role("alert").first).to_contain_text("走访记录已保存")
    visit = Visit.objects.get(steward=steward)
    phone.wait_for_url(f"**/steward/visits/{visit.pk}/")
    expect(phone.get_by_test_id("visited-on")).to_have_text(today)
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_accessible(phone)
    journey.shot(phone, "phone-visit-saved")

    # Back at the desk: the visit page turns the problem into a case in one action.
    desk.goto(f"/steward/visits/{visit.pk}/")
    problem = desk.locator(f"[data-problem='{visit.problems.get().pk}']")
    expect(problem).to_contain_text("二期扩建用地规划调整审批")
    assert_accessible(desk)
    journey.shot(desk, "visit-page")
    problem.get_by_role("button", name="转为诉求件").click()
    case = Case.objects.get(enterprise=enterprise)
    expect(desk.get_by_role("alert").first).to_contain_text(f"已转为诉求件 {case.number}")
    expect(problem.get_by_test_id("problem-case")).to_contain_text(case.number)
    expect(problem.get_by_role("button", name="转为诉求件")).to_have_count(0)
    assert (case.channel, case.status) == (Channel.STEWARD_VISIT, Status.ACCEPTED)
    journey.shot(desk, "problem-converted")

    # The case page: read-only for the 管家, and it says where the case came from.
    problem.get_by_role("link", name=case.number).click()
    desk.wait_for_url(f"**/cases/{case.number}/")
    expect(desk.get_by_test_id("case-status")).to_have_text("已受理")
    origin = desk.get_by_test_id("visit-origin")
    expect(origin).to_contain_text(f"{today} 亲商管家郑管家走访时发现")
    expect(origin.get_by_role("link", name="查看走访记录")).to_have_attribute("href", f"/steward/visits/{visit.pk}/")
    expect(desk.locator("main form[data-action]")).to_have_count(0)
    expect(desk.get_by_role("main").get_by_role("button")).to_have_count(0)
    assert_accessible(desk)
    journey.shot(desk, "case-read-only")

    # The workspace counts the visit and the open case.
    desk.goto("/steward/")
    expect(desk.get_by_test_id("summary-visits")).to_have_text("1")
    expect(desk.get_by_test_id("summary-open")).to_have_text("1")
    expect(row.get_by_test_id("last-visit")).to_contain_text(today)

    # The enterprise's member sees the new case in their list.
    boss = journey.log_in("boss")
    boss.get_by_role("navigation", name="主导航").get_by_role("link", name="诉求件").click()
    boss.wait_for_url("**/cases/")
    case_row = boss.get_by_role("row").filter(has_text=case.number)
    expect(case_row).to_contain_text("【走访】宣城走访示范有限公司")
    expect(case_row).to_contain_text("已受理")
    assert_accessible(boss)
    journey.shot(boss, "enterprise-case-list")
