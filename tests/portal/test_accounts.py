"""Sign-up, login, claiming an enterprise and an official's approval, as a person does it."""

import pytest

from portal import roles
from portal.models import Enterprise, EnterpriseMembership, Notification, User
from tests import factories

pytestmark = pytest.mark.django_db


def test_pages_speak_chinese_by_default(client):
    page = client.get("/accounts/login/").content.decode()
    assert "亲清政企服务平台" in page
    assert "登录" in page
    assert '<html lang="zh-hans">' in page


def test_chinese_even_when_the_browser_asks_for_english(client):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in page


def test_english_is_available(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in page
    assert "Log in" in page
    assert "Qinqing Government–Enterprise Service Portal" in page


def test_home_has_skip_link_and_large_text_toggle(client):
    page = client.get("/").content.decode()
    assert 'href="#main"' in page
    assert "data-large-text-toggle" in page
    assert "/static/vendor/bootstrap/css/bootstrap.min.css" in page


def test_sign_up_creates_an_enterprise_user(client, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    response = client.post(
        "/accounts/signup/",
        {
            "username": "newcomer",
            "full_name": "王新来",
            "mobile": "+86 138-0013-8000",
            "email": "",
            "password1": "a-long-pass-phrase-2026",
            "password2": "a-long-pass-phrase-2026",
            "privacy_consent": "on",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="newcomer")
    assert user.privacy_consent_at is not None
    assert user.mobile == "13800138000"
    assert user.groups.filter(name=roles.ENTERPRISE_USER).exists()
    assert user.check_password("a-long-pass-phrase-2026")
    assert user.password.startswith("argon2")


def test_sign_up_with_bad_input_keeps_what_was_typed(client):
    response = client.post(
        "/accounts/signup/",
        {"username": "newcomer", "full_name": "王新来", "mobile": "12345", "password1": "x", "password2": "y"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "请输入有效的11位手机号码" in page
    assert 'value="王新来"' in page
    assert not User.objects.filter(username="newcomer").exists()


def test_claim_then_approval_grants_access(client):
    enterprise = factories.enterprise(name="宣城瑞丰电子科技有限公司")
    applicant = factories.enterprise_user(email="applicant@example.com")
    official = factories.official()
    client.force_login(applicant)

    # Typed in full-width lower case, as a phone keyboard might.
    typed = enterprise.credit_code.lower().translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    response = client.post("/my/enterprises/", {"credit_code": typed, "position": "办公室主任"})
    assert response.status_code == 302
    membership = EnterpriseMembership.objects.get(user=applicant)
    assert membership.status == EnterpriseMembership.Status.PENDING
    assert client.get(f"/enterprises/{enterprise.pk}/").status_code == 404
    assert Notification.objects.filter(recipient=official, kind="membership.requested").exists()

    client.force_login(official)
    response = client.post(
        "/admin/portal/enterprisemembership/",
        {"action": "approve", "_selected_action": [membership.pk]},
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.status == EnterpriseMembership.Status.APPROVED
    assert membership.decided_by == official

    client.force_login(applicant)
    page = client.get(f"/enterprises/{enterprise.pk}/")
    assert page.status_code == 200
    assert "宣城瑞丰电子科技有限公司" in page.content.decode()
    assert Notification.objects.filter(recipient=applicant, kind="membership.approved").exists()


def test_claiming_an_unknown_code_registers_the_enterprise_when_named(client):
    client.force_login(factories.enterprise_user())
    code = factories.credit_code()
    response = client.post("/my/enterprises/", {"credit_code": code})
    assert "请填写企业名称" in response.content.decode()
    assert not Enterprise.objects.filter(credit_code=code).exists()

    client.post("/my/enterprises/", {"credit_code": code, "enterprise_name": "宣城新登记有限公司"})
    assert Enterprise.objects.get(credit_code=code).name == "宣城新登记有限公司"


def test_claiming_twice_is_refused_with_a_message(client):
    enterprise = factories.enterprise()
    client.force_login(factories.enterprise_user())
    client.post("/my/enterprises/", {"credit_code": enterprise.credit_code})
    response = client.post("/my/enterprises/", {"credit_code": enterprise.credit_code})
    assert "您已申请过该企业" in response.content.decode()
    assert EnterpriseMembership.objects.count() == 1


def test_member_edits_the_profile_and_a_stranger_cannot_see_it(client):
    enterprise = factories.enterprise(name="宣城嘉禾食品有限公司")
    member = factories.enterprise_user(enterprise)
    client.force_login(member)
    response = client.post(
        f"/enterprises/{enterprise.pk}/",
        {
            "name": "宣城嘉禾食品有限公司",
            "employees": "120",
            "contact_phone": "139 0000 0000",
            "scale": "small",
            "tax_credit_grade": "A",
        },
    )
    assert response.status_code == 302
    enterprise.refresh_from_db()
    assert enterprise.employees == 120 and enterprise.tax_credit_grade == "A"
    assert client.get(f"/api/v1/enterprises/{enterprise.pk}/").json()["tax_credit_grade"] == "A"
    assert enterprise.contact_phone == "13900000000"

    client.force_login(factories.enterprise_user(factories.enterprise()))
    assert client.get(f"/enterprises/{enterprise.pk}/").status_code == 404
    assert client.post(f"/enterprises/{enterprise.pk}/", {"name": "被改了"}).status_code == 404
    enterprise.refresh_from_db()
    assert enterprise.name == "宣城嘉禾食品有限公司"


def test_password_change_page(client):
    account = factories.enterprise_user()
    client.force_login(account)
    assert "修改密码" in client.get("/accounts/password/").content.decode()
    response = client.post(
        "/accounts/password/",
        {
            "old_password": factories.PASSWORD,
            "new_password1": "another-long-phrase-9",
            "new_password2": "another-long-phrase-9",
        },
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.check_password("another-long-phrase-9")


@pytest.mark.parametrize("url", ["/my/enterprises/", "/enterprises/1/", "/notifications/", "/accounts/password/"])
def test_pages_for_signed_in_users_send_others_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_signed_in_user_is_not_shown_sign_up_again(client):
    client.force_login(factories.enterprise_user())
    assert client.get("/accounts/signup/")["Location"] == "/"
