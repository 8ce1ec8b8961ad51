"""Journey 1: an enterprise user signs up, claims an enterprise by its credit code, and an
official approves the claim in the admin; the user is told (inbox, and e-mail through the
task cluster) and may now act for the enterprise."""

import time

import pytest
from playwright.sync_api import expect

from portal.models import Notification
from tests import factories
from tests.e2e.conftest import assert_accessible

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def wait_until(condition, *, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.3)
    return False


def test_enterprise_user_signs_up_claims_an_enterprise_and_an_official_approves(journey, cluster):
    enterprise = factories.enterprise(name="宣城亲清示范科技有限公司")
    factories.official(username="approver", full_name="王审核")

    page = journey.page()
    page.goto("/")
    assert_accessible(page)
    # The first Tab shows the skip link; Enter puts the keyboard in the page's content.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="跳到主要内容")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    journey.shot(page, "home-skip-link")
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.get_by_role("link", name="注册", exact=True).click()

    # An empty form: every error is announced and tied to its field.
    page.get_by_role("button", name="注册").click()
    username = page.get_by_label("用户名")
    expect(username).to_have_attribute("aria-invalid", "true")
    described_by = username.get_attribute("aria-describedby") or ""
    assert any(page.locator(f"#{ident}").inner_text().strip() for ident in described_by.split()), described_by
    assert_accessible(page)
    journey.shot(page, "sign-up-errors")

    username.fill("zhangsan")
    page.get_by_label("姓名").fill("张三")
    page.get_by_label("手机号码").fill("13912345678")
    page.get_by_label("电子邮箱").fill("zhangsan@example.com")
    page.get_by_label("密码*", exact=True).fill("Qinqing-2026-secret")
    page.get_by_label("密码确认*", exact=True).fill("Qinqing-2026-secret")
    page.get_by_label("我已阅读并同意《隐私政策》", exact=False).check()
    journey.shot(page, "sign-up-filled")
    page.get_by_role("button", name="注册").click()

    expect(page).to_have_url(journey.url("/my/enterprises/"))
    expect(page.get_by_role("alert")).to_contain_text("注册成功")
    # The credit code as people type it: lower case, full-width digits are converted.
    page.get_by_label("统一社会信用代码").fill(enterprise.credit_code.lower())
    page.get_by_label("您在企业的职务").fill("总经理")
    page.get_by_role("button", name="提交认领申请").click()
    expect(page.get_by_role("alert")).to_contain_text("宣城亲清示范科技有限公司")
    row = page.get_by_role("row").filter(has_text="宣城亲清示范科技有限公司")
    expect(row).to_contain_text("待审核")
    assert_accessible(page)
    journey.shot(page, "claim-pending")

    official = journey.log_in("approver")
    official.goto("/admin/portal/enterprisemembership/?status__exact=pending")
    claim = official.get_by_role("row").filter(has_text="宣城亲清示范科技有限公司")
    claim.get_by_role("checkbox").check()
    official.get_by_label("动作").select_option(label="通过所选申请")
    journey.shot(official, "admin-approve")
    official.get_by_role("button", name="执行").click()
    expect(official.locator(".messagelist")).to_contain_text("已通过 1 条申请")
    journey.shot(official, "admin-approved")

    page.reload()
    expect(row).to_contain_text("已通过")
    expect(row.get_by_role("link", name="企业信息")).to_be_visible()
    journey.shot(page, "claim-approved")
    page.get_by_role("link", name="消息").click()
    expect(page.get_by_role("main")).to_contain_text("宣城亲清示范科技有限公司")
    assert_accessible(page)
    journey.shot(page, "inbox")

    # The e-mail goes out through the task cluster.
    notification = Notification.objects.get(recipient__username="zhangsan")
    assert wait_until(lambda: Notification.objects.get(pk=notification.pk).emailed_at is not None)
