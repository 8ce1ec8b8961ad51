"""Journey 7: a 问题专员 on duty at a village (社区) 办不成事 window registers what could not
be done there, with the 原因分析 (an empty one is refused, the input kept), and escalates
it one level up for 会商联办 with a reason; the 专员 on duty at the township window above is
told, finds the case on their list with its escalation and carries it on; the first 专员
can no longer escalate it."""

import pytest
from playwright.sync_api import expect

from complaints.models import Case, ServiceWindow, Status, WindowLevel
from portal import roles
from portal.models import Region
from tests import factories
from tests.e2e.conftest import assert_accessible

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_specialist_registers_a_window_case_escalates_it_and_the_upper_specialist_takes_it_on(journey):
    city = factories.region("341800", "宣城市", Region.Level.CITY)
    county = factories.region("341802", "宣州区", Region.Level.COUNTY, parent=city)
    township = factories.region("341802001", "澄江街道", Region.Level.TOWNSHIP, parent=county)
    centre = factories.department("宣州区政务服务中心", county)
    village_specialist = factories.user(roles.SPECIALIST, username="zhou", full_name="周专员", department=centre)
    township_specialist = factories.user(roles.SPECIALIST, username="wu", full_name="吴专员", department=centre)
    village = ServiceWindow.objects.create(
        name="梅园社区办不成事窗口", level=WindowLevel.VILLAGE, region=township, address="梅园社区服务中心一楼"
    )
    village.specialists.add(village_specialist)
    upper = ServiceWindow.objects.create(
        name="澄江街道办不成事窗口", level=WindowLevel.TOWNSHIP, region=township, address="澄江街道便民服务中心"
    )
    upper.specialists.add(township_specialist)
    enterprise = factories.enterprise(name="宣城梅园商贸有限公司", region=county)

    # The village 专员 opens their windows from the menu and registers a walk-in's matter.
    zhou = journey.log_in("zhou")
    zhou.get_by_role("navigation", name="主导航").get_by_role("link", name="办不成事窗口").click()
    zhou.wait_for_url("**/windows/")
    my_windows = zhou.get_by_test_id("my-windows")
    expect(my_windows).to_contain_text("梅园社区办不成事窗口")
    expect(my_windows).to_contain_text("村（社区）级")
    expect(my_windows).not_to_contain_text("澄江街道办不成事窗口")
    assert_accessible(zhou)
    journey.shot(zhou, "my-windows")
    my_windows.get_by_role("link", name="登记办不成的事").click()
    zhou.wait_for_url(f"**/windows/{village.pk}/cases/new/")
    zhou.get_by_label("诉求标题").fill("个体户变更经营范围需跑区里办理")
    zhou.get_by_label("诉求内容").fill("社区窗口无法受理经营范围变更，群众被告知去区政务服务中心。")
    zhou.get_by_label("问题分类").select_option(label="审批服务")
    zhou.get_by_label("企业统一社会信用代码").fill(enterprise.credit_code.lower())
    zhou.get_by_label("诉求人姓名").fill("汪女士")
    zhou.get_by_label("诉求人手机").fill("13905630001")
    # Without the 原因分析 it is refused on that field, and what was typed stays.
    zhou.get_by_role("button", name="登记", exact=True).click()
    cause = zhou.get_by_label("原因分析")
    expect(cause).to_have_attribute("aria-invalid", "true")
    expect(zhou.get_by_label("诉求标题")).to_have_value("个体户变更经营范围需跑区里办理")
    assert not Case.objects.exists()
    assert_accessible(zhou)
    journey.shot(zhou, "cause-required")
    cause.fill("经营范围变更未下放到社区，社区窗口无受理权限，也无法线上代办。")
    zhou.get_by_role("button", name="登记", exact=True).click()

    case = Case.objects.get()
    zhou.wait_for_url(f"**/windows/cases/{case.number}/")
    expect(zhou.get_by_role("alert").first).to_contain_text(f"已登记为诉求件 {case.number}")
    expect(zhou.get_by_test_id("case-status")).to_have_text("已受理")
    expect(zhou.get_by_test_id("cause-analysis")).to_contain_text("社区窗口无受理权限")
    expect(zhou.get_by_test_id("current-window")).to_have_text("梅园社区办不成事窗口（村（社区）级）")
    assert (case.status, case.enterprise_id, case.window_id) == (Status.ACCEPTED, enterprise.pk, village.pk)
    assert_accessible(zhou)
    journey.shot(zhou, "registered")

    # 上报会商联办, with a reason; the browser asks to confirm first.
    escalate = zhou.get_by_role("region", name="上报上一级会商联办")
    expect(escalate).to_contain_text("将上报至“澄江街道办不成事窗口”")
    escalate.get_by_label("上报理由").fill("涉及区级审批权限下放，社区层面协调不了，请街道会商联办。")
    questions = []

    def confirm(dialog):
        questions.append(dialog.message)
        dialog.accept()

    zhou.once("dialog", confirm)
    escalate.get_by_role("button", name="上报").click()
    expect(zhou.get_by_role("alert").first).to_contain_text("已上报“澄江街道办不成事窗口”会商联办")
    assert questions == ["确定上报上一级会商联办吗？"]
    expect(zhou.get_by_test_id("current-window")).to_have_text("澄江街道办不成事窗口（乡镇级）")
    steps = zhou.get_by_test_id("escalations")
    expect(steps).to_contain_text("梅园社区办不成事窗口 → 澄江街道办不成事窗口")
    expect(steps).to_contain_text("周专员")
    # The case has left their window: the first 专员 cannot take it further up.
    expect(zhou.get_by_role("region", name="上报上一级会商联办")).to_have_count(0)
    expect(zhou.get_by_role("button", name="上报")).to_have_count(0)
    assert_accessible(zhou)
    journey.shot(zhou, "escalated")
    zhou.goto("/windows/")
    row = zhou.get_by_role("row").filter(has_text=case.number)
    expect(row).to_contain_text("已上报")

    # The township 专员 is told, and finds the case on their list with its escalation.
    wu = journey.log_in("wu")
    expect(wu.get_by_test_id("unread-count")).to_contain_text("1")
    wu.get_by_role("navigation", name="主导航").get_by_role("link", name="办不成事窗口").click()
    wu.wait_for_url("**/windows/")
    row = wu.get_by_role("row").filter(has_text=case.number)
    expect(row).to_contain_text("个体户变更经营范围需跑区里办理")
    expect(row).to_contain_text("梅园社区办不成事窗口")
    expect(row).to_contain_text("澄江街道办不成事窗口")
    expect(row).to_contain_text("已上报")
    assert_accessible(wu)
    journey.shot(wu, "upper-window-list")
    row.get_by_role("link", name=case.number).click()
    wu.wait_for_url(f"**/windows/cases/{case.number}/")
    steps = wu.get_by_test_id("escalations")
    expect(steps).to_contain_text("梅园社区办不成事窗口 → 澄江街道办不成事窗口")
    expect(steps).to_contain_text("涉及区级审批权限下放")
    expect(wu.get_by_test_id("cause-analysis")).to_contain_text("社区窗口无受理权限")
    # They may carry it on; with no county window entered above, the page says so.
    expect(wu.get_by_role("region", name="上报上一级会商联办")).to_contain_text("当前窗口没有可上报的上一级窗口")
    assert_accessible(wu)
    journey.shot(wu, "upper-window-case")

    wu.goto("/notifications/")
    expect(wu.get_by_role("main")).to_contain_text(f"诉求件 {case.number} 上报“澄江街道办不成事窗口”会商联办")
