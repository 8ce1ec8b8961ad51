"""Journey 4: an official publishes a policy in the admin; the cluster pushes it to the
enterprises it matches; the enterprise sees it in its matches with the reasons and the
amount, applies with an upload, and follows it through review and approval to payout."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from policies.models import Application, Policy, PolicyCategory, PolicyMaterial
from portal.models import Notification, Region
from tests import factories
from tests.e2e.conftest import assert_accessible
from tests.e2e.test_journey_accounts import wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_published_policy_reaches_the_enterprise_which_applies_and_is_paid(journey, cluster, media, tmp_path):
    city = factories.region("341800", "宣城市", Region.Level.CITY)
    xuanzhou = factories.region("341802", "宣州区", Region.Level.COUNTY, city)
    issuer = factories.department("宣城市经济和信息化局", city)
    factories.official(username="publisher", full_name="郑发布")
    factories.handler(issuer, username="reviewer", full_name="冯审核")
    enterprise = factories.enterprise(name="宣城政策示范制造有限公司", region=xuanzhou)
    factories.enterprise_user(enterprise, username="maker", full_name="卫经理")
    today = timezone.localdate()
    policy = Policy.objects.create(
        title="技术改造项目奖补",
        issuer=issuer,
        level="municipal",
        region=city,
        category=PolicyCategory.objects.get(name="资金奖补"),
        summary="对技改投入给予奖补",
        support_type="cash",
        application_method="online",
        amount_rule="fixed",
        amount_fixed=Decimal("100000"),
        amount_cap=Decimal("100000"),
        application_opens=today - dt.timedelta(days=1),
        application_closes=today + dt.timedelta(days=30),
        state=Policy.State.DRAFT,
    )
    policy.regions.set([city])
    PolicyMaterial.objects.create(policy=policy, name="申请表")

    official = journey.log_in("publisher")
    official.goto("/admin/policies/policy/")
    official.get_by_role("row").filter(has_text="技术改造项目奖补").get_by_role("checkbox").check()
    official.get_by_label("动作").select_option(label="发布所选政策")
    official.get_by_role("button", name="执行").click()
    expect(official.locator(".messagelist")).to_be_visible()
    journey.shot(official, "admin-published")

    # The push runs in the cluster and tells the matching enterprise.
    assert wait_until(lambda: Notification.objects.filter(recipient__username="maker").exists())

    maker = journey.log_in("maker")
    maker.get_by_role("link", name="我的匹配政策").click()
    match = maker.get_by_role("main")
    expect(match).to_contain_text("技术改造项目奖补")
    # The reasons: the conditions it meets (its registered region is covered).
    expect(match.get_by_test_id("match-reasons")).to_contain_text("企业注册地在指定区划内")
    expect(match).to_contain_text("预计可获")
    expect(match).to_contain_text("10万元")
    assert_accessible(maker)
    journey.shot(maker, "my-matches")

    maker.get_by_role("link", name="技术改造项目奖补").first.click()
    maker.get_by_role("button", name="在线申报").first.click()
    application = Application.objects.get(policy=policy, enterprise=enterprise)
    maker.wait_for_url(f"**/policies/applications/{application.pk}/")
    upload = maker.get_by_test_id("upload-form")
    pdf = tmp_path / "申请表.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%test\n")
    upload.get_by_label("对应材料").select_option(label="申请表")
    upload.locator("input[type=file]").set_input_files(pdf)
    upload.get_by_role("button", name="上传").click()
    expect(maker.get_by_role("main")).to_contain_text("申请表.pdf")
    declare = maker.get_by_test_id("declare-form")
    declare.locator("textarea").first.fill("技改项目投资800万元")
    declare.locator("input[type=checkbox]").check()
    assert_accessible(maker)
    journey.shot(maker, "application-filled")
    declare.get_by_role("button", name="提交申报").click()
    expect(maker.get_by_role("alert").first).to_be_visible()
    journey.shot(maker, "application-submitted")

    reviewer = journey.log_in("reviewer")
    reviewer.goto(f"/policies/applications/{application.pk}/")
    reviewer.get_by_role("button", name="开始审核").click()
    approve = reviewer.get_by_test_id("approve-form")
    expect(approve.locator("input[name=amount]")).to_have_value("100000.00")
    assert_accessible(reviewer)
    approve.get_by_role("button", name="核准").click()
    payout = reviewer.get_by_test_id("payout-form")
    payout.locator("input[name=amount]").fill("100000")
    payout.locator("input[name=paid_on]").fill(today.isoformat())
    payout.locator("input[name=voucher_number]").fill("PZ-2026-001")
    journey.shot(reviewer, "payout")
    payout.get_by_role("button", name="登记兑付").click()
    expect(reviewer.get_by_role("alert").first).to_be_visible()

    maker.goto("/policies/applications/")
    row = maker.get_by_role("row").filter(has_text="技术改造项目奖补")
    expect(row).to_contain_text("已兑付")
    assert_accessible(maker)
    journey.shot(maker, "paid")
