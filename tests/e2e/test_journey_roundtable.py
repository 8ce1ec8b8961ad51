"""Journey 2: an official creates a roundtable in the admin and publishes it; an enterprise
signs up with an appeal; the official checks the attendee in at the door and marks the
session held; the appeal is a case with its number, which the enterprise is told (a task
of the cluster)."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from complaints.models import Case
from portal.models import Notification, Region
from roundtables.models import Registration, Series
from tests import factories
from tests.e2e.conftest import assert_accessible
from tests.e2e.test_journey_accounts import wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_official_publishes_a_roundtable_an_enterprise_signs_up_with_an_appeal_and_it_becomes_a_case(journey, cluster):
    city = factories.region("341800", "宣城市", Region.Level.CITY)
    Series.objects.create(
        name="宣城市政商恳谈会", region=city, rrule="FREQ=MONTHLY;BYDAY=1SA", default_venue="宣城市行政中心"
    )
    factories.official(username="organiser", full_name="李组织")
    enterprise = factories.enterprise(name="宣城恳谈示范有限公司", region=city)
    factories.enterprise_user(enterprise, username="boss", full_name="赵总", mobile="13955556666")

    official = journey.log_in("organiser")
    official.goto("/admin/roundtables/session/add/")
    official.get_by_label("系列:", exact=True).select_option(label="宣城市政商恳谈会")
    official.locator("#id_region").locator("xpath=following-sibling::span[1]").click()
    official.locator("input[aria-controls='select2-id_region-results']").fill("宣城")
    official.locator(".select2-results__option", has_text="宣城市").first.click()
    starts = timezone.localtime() + dt.timedelta(days=14)
    official.get_by_label("年度:", exact=True).fill(str(starts.year))
    official.get_by_label("期次:", exact=True).fill("1")
    official.get_by_label("主题:", exact=True).fill("优化营商环境 助力民营经济")
    official.locator("#id_starts_at_0").fill(starts.strftime("%Y-%m-%d"))
    official.locator("#id_starts_at_1").fill("09:00:00")
    official.locator("#id_ends_at_0").fill(starts.strftime("%Y-%m-%d"))
    official.locator("#id_ends_at_1").fill("12:00:00")
    official.get_by_label("地点:", exact=True).fill("宣城市行政中心三楼会议室")
    official.get_by_label("现场名额:", exact=True).fill("20")
    journey.shot(official, "admin-new-session")
    official.get_by_role("button", name="保存", exact=True).click()
    expect(official.locator(".messagelist")).to_contain_text("成功")

    official.goto("/admin/roundtables/session/")
    official.get_by_role("row").filter(has_text="优化营商环境").get_by_role("checkbox").check()
    official.get_by_label("动作").select_option(label="发布（开始报名）")
    official.get_by_role("button", name="执行").click()
    official.get_by_role("button", name="确定").click()
    expect(official.locator(".messagelist")).to_contain_text("已发布，报名已开放")
    journey.shot(official, "admin-published")

    boss = journey.log_in("boss")
    boss.goto("/roundtables/")
    assert_accessible(boss)
    boss.get_by_role("link", name=f"宣城市政商恳谈会 {starts.year}年第1期").click()
    form = boss.get_by_test_id("signup-form")
    form.get_by_label("参会人*", exact=True).fill("赵总")
    form.get_by_label("手机号码").fill("13955556666")
    form.get_by_label("拟反映的问题").fill("厂区周边道路断头，货车绕行十公里，希望尽快打通。")
    assert_accessible(boss)
    journey.shot(boss, "sign-up-with-appeal")
    form.get_by_label("我已阅读并同意《隐私政策》", exact=False).check()
    form.get_by_role("button", name="提交报名").click()
    expect(boss.get_by_role("alert").first).to_contain_text("报名")
    assert_accessible(boss)
    journey.shot(boss, "signed-up")

    case = Case.objects.get(enterprise=enterprise)
    code = Registration.objects.get(enterprise=enterprise).code

    official.goto("/roundtables/")
    official.get_by_role("link", name=f"宣城市政商恳谈会 {starts.year}年第1期").click()
    official.goto(official.url.rstrip("/") + "/check-in/")
    official.get_by_label("按签到码签到").fill(code.lower())
    official.get_by_test_id("code-form").get_by_role("button", name="签到").click()
    expect(official.get_by_test_id("checkin-list")).to_contain_text("已签到")
    assert_accessible(official)
    journey.shot(official, "checked-in")

    official.goto(official.url.split("/check-in/")[0] + "/appeals/")
    row = official.locator(f"tr[data-case='{case.number}']")
    expect(row).to_contain_text(case.number)
    expect(row.get_by_test_id("case-flag")).not_to_be_empty()
    assert_accessible(official)
    journey.shot(official, "appeals-with-case-numbers")

    official.goto("/admin/roundtables/session/")
    official.get_by_role("row").filter(has_text="优化营商环境").get_by_role("checkbox").check()
    official.get_by_label("动作").select_option(label="标记为已召开")
    official.get_by_role("button", name="执行").click()
    expect(official.locator(".messagelist")).to_contain_text("已召开")

    # The cluster tells the enterprise its case number.
    assert wait_until(
        lambda: Notification.objects.filter(recipient__username="boss", title__contains=case.number).exists()
    ), list(Notification.objects.values_list("title", "body"))
    boss.goto("/cases/")
    expect(boss.get_by_role("main")).to_contain_text(case.number)
    assert_accessible(boss)
    journey.shot(boss, "enterprise-sees-case")
