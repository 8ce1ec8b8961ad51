"""Journey 5: an experience officer logs a walkthrough on a phone (390×844), reloads in the
middle without losing what was typed (the form autosaves the draft to the server), submits;
an official promotes a finding to a case."""

import pytest
from playwright.sync_api import expect

from complaints.models import Walkthrough
from portal import roles
from tests import factories
from tests.e2e.conftest import assert_accessible

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}


def test_officer_logs_a_walkthrough_on_a_phone_reloads_submits_and_a_finding_becomes_a_case(journey, cluster):
    city = factories.region()
    factories.department("宣城市数据资源管理局", city)
    factories.user(roles.EXPERIENCE_OFFICER, username="walker", full_name="何体验", mobile="13900002222")
    factories.official(username="reviewer", full_name="吴科长")

    phone = journey.log_in("walker", viewport=PHONE)
    # On a phone the menu folds behind one button.
    menu = phone.get_by_role("button", name="展开导航")
    expect(menu).to_be_visible()
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    journey.shot(phone, "phone-menu", full_page=False)
    phone.get_by_role("link", name="换位体验").click()
    phone.wait_for_url("**/walkthroughs/")
    # Nothing wider than the phone.
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.get_by_role("link", name="开始走流程").click()
    phone.wait_for_url("**/walkthroughs/new/")
    assert not Walkthrough.objects.filter(officer__username="walker").exists()  # a tap stores nothing
    phone.get_by_label("体验日期").fill("2026-11-18")
    phone.get_by_label("体验形式").select_option(label="窗口间换位")
    phone.get_by_label("体验身份").select_option(label="我是办事人")
    phone.get_by_label("体验主题").select_option(index=1)
    phone.get_by_label("办理事项").fill("企业开办登记")
    phone.get_by_label("办理地点").fill("宣城市政务服务中心")
    if not phone.locator("[name='steps-0-action']").count():
        phone.get_by_role("button", name="添加办理环节").click()
    phone.locator("[name='steps-0-action']").fill("取号排队")
    phone.locator("[name='steps-0-minutes_waited']").fill("35")
    status = phone.locator("[data-autosave-status]")
    expect(status).to_contain_text("草稿已自动保存")
    # The first input created the draft; the address is now the draft's own.
    phone.wait_for_url("**/edit/")
    assert Walkthrough.objects.filter(officer__username="walker").count() == 1
    assert_accessible(phone)
    journey.shot(phone, "phone-draft-autosaved")

    phone.reload()
    expect(phone.get_by_label("办理事项")).to_have_value("企业开办登记")
    expect(phone.get_by_label("办理地点")).to_have_value("宣城市政务服务中心")
    expect(phone.locator("[name='steps-0-action']")).to_have_value("取号排队")
    expect(phone.get_by_label("体验形式")).to_have_value("windows")
    journey.shot(phone, "phone-after-reload")

    # The network drops while typing (autosave fails): this browser's copy brings it back
    # after the reload, a new step row included, and then saves it to the server.
    def no_network_for_saves(route):
        route.abort() if route.request.method == "POST" else route.continue_()

    phone.route("**/edit/", no_network_for_saves)
    phone.get_by_label("窗口", exact=True).fill("A12")
    phone.get_by_role("button", name="添加办理环节").click()
    phone.locator("[name='steps-1-action']").fill("窗口受理")
    expect(status).to_contain_text("网络不通")
    journey.shot(phone, "phone-offline")
    phone.unroute("**/edit/")
    phone.reload()
    expect(phone.get_by_label("窗口", exact=True)).to_have_value("A12")
    expect(phone.locator("[name='steps-1-action']")).to_have_value("窗口受理")
    expect(status).to_contain_text("草稿已自动保存")
    draft = Walkthrough.objects.get(officer__username="walker")
    assert draft.window == "A12"
    assert list(draft.steps.order_by("order").values_list("action", flat=True)) == ["取号排队", "窗口受理"]
    assert phone.evaluate("Object.keys(localStorage).filter(k => k.startsWith('qinqing.walkthrough')).length") == 0

    phone.get_by_label("办理结果").select_option(label="办不成")
    for question in phone.locator("fieldset[data-question]").all():
        problem = question.get_attribute("data-problem-answer")
        question.locator(f"input[type=radio]:not([value='{problem}'])").first.check()
    phone.get_by_role("button", name="添加发现的问题").click()
    phone.locator("textarea[name='findings-0-description']").fill("窗口要求提供可共享获取的房产证复印件")
    # Each finding's cause is analysed before submitting (逐一分析产生原因).
    phone.locator("textarea[name='findings-0-cause']").fill("窗口未接入不动产登记信息共享，仍按旧清单索要")
    journey.shot(phone, "phone-finding")
    phone.get_by_role("button", name="提交", exact=True).click()
    expect(phone.get_by_role("alert").first).to_be_visible()
    assert_accessible(phone)
    journey.shot(phone, "phone-submitted")

    walkthrough = Walkthrough.objects.get(officer__username="walker")
    assert walkthrough.status == Walkthrough.Status.SUBMITTED

    official = journey.log_in("reviewer")
    official.goto(f"/walkthroughs/{walkthrough.pk}/")
    assert_accessible(official)
    official.get_by_label("承办单位").select_option(label="宣城市数据资源管理局")
    journey.shot(official, "promote")
    official.get_by_role("button", name="转为诉求件").click()
    finding_case = official.get_by_test_id("finding-case")
    expect(finding_case).to_contain_text("已转为诉求件")
    expect(finding_case).to_contain_text("宣城市数据资源管理局")
    number = walkthrough.findings.get().case.number
    expect(finding_case).to_contain_text(number)
    assert_accessible(official)
    journey.shot(official, "finding-promoted")
