"""Accounts and sessions, as an attacker and a user meet them: password rules,
login throttling, session timeouts, re-authentication, CSRF, the Content Security
Policy and the production security settings."""

import base64
import datetime as dt
import hashlib
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.authentication import SessionAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.views import APIView

import portal.settings as production_settings
from portal.models import User
from tests import factories

pytestmark = pytest.mark.django_db

BASE_DIR = Path(settings.BASE_DIR)
ATTACKER_IP = "203.0.113.7"
USER_IP = "198.51.100.20"
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _login(client, username, password, ip, url="/accounts/login/"):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=ip)


def _signed_in(client) -> bool:
    return SESSION_KEY in client.session


# --- Passwords ----------------------------------------------------------------


def test_production_hashes_new_passwords_with_argon2():
    # The tests' conftest swaps in a fast hasher; the settings module keeps Argon2 first.
    assert production_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_weak_passwords_are_refused_with_chinese_reasons(client):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "wangxinlai",
            "full_name": "王新来",
            "mobile": "13800138000",
            "password1": "12345678",
            "password2": "12345678",
        },
    )
    page = response.content.decode()
    assert "密码太短，至少需要10个字符。" in page
    assert "这个密码太常见了。" in page
    assert "密码只包含数字。" in page
    assert "too short" not in page

    response = client.post(
        "/accounts/signup/",
        {
            "username": "wangxinlai",
            "full_name": "王新来",
            "mobile": "13800138000",
            "password1": "wangxinlai1",
            "password2": "wangxinlai1",
        },
    )
    assert "太相似" in response.content.decode()
    assert not User.objects.filter(username="wangxinlai").exists()


# --- Login throttling ------------------------------------------------------------


def test_guessing_locks_the_username_at_that_address_only(client):
    victim = factories.enterprise_user(username="victim")
    bystander = factories.enterprise_user(username="bystander")

    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, "victim", "wrong-guess-123", ATTACKER_IP).status_code == 200
    locked = _login(client, "victim", "wrong-guess-123", ATTACKER_IP)
    assert locked.status_code == 429
    assert "已被暂时锁定" in locked.content.decode()
    assert "15分钟" in locked.content.decode()

    # The right password from the attacker's address is refused too ...
    assert _login(client, "victim", factories.PASSWORD, ATTACKER_IP).status_code == 429
    assert not _signed_in(client)

    # ... but the real user, from their own address, signs in ...
    user_client = Client()
    assert _login(user_client, "victim", factories.PASSWORD, USER_IP).status_code == 302
    assert user_client.session[SESSION_KEY] == str(victim.pk)

    # ... and other accounts from the attacker's address are not affected.
    assert _login(client, "bystander", factories.PASSWORD, ATTACKER_IP).status_code == 302
    assert client.session[SESSION_KEY] == str(bystander.pk)


def test_the_lock_lifts_after_the_cool_off_even_if_the_attacker_keeps_trying(client):
    factories.enterprise_user(username="victim")
    with time_machine.travel(START, tick=False) as traveller:
        for _attempt in range(settings.AXES_FAILURE_LIMIT):
            _login(client, "victim", "wrong-guess-123", ATTACKER_IP)
        traveller.shift(dt.timedelta(minutes=10))
        # Another guess while locked does not restart the clock.
        assert _login(client, "victim", "wrong-guess-456", ATTACKER_IP).status_code == 429
        traveller.shift(dt.timedelta(minutes=4))
        assert _login(client, "victim", factories.PASSWORD, ATTACKER_IP).status_code == 429

        traveller.shift(dt.timedelta(minutes=2))
        assert _login(client, "victim", factories.PASSWORD, ATTACKER_IP).status_code == 302
        assert _signed_in(client)


def test_admin_login_is_throttled_too(client):
    factories.official(username="official")
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        response = _login(client, "official", "wrong-guess-123", ATTACKER_IP, url="/admin/login/")
    assert response.status_code == 429
    assert "已被暂时锁定" in response.content.decode()
    assert _login(client, "official", factories.PASSWORD, ATTACKER_IP, url="/admin/login/").status_code == 429
    assert not _signed_in(client)


def test_api_token_endpoint_is_throttled_with_the_api_error_shape(client):
    account = factories.enterprise_user(username="integrator")
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        response = _login(client, "integrator", "wrong-guess-123", ATTACKER_IP, url="/api/v1/auth/token/")
        assert response.status_code == 400
    response = _login(client, "integrator", "wrong-guess-123", ATTACKER_IP, url="/api/v1/auth/token/")
    assert response.status_code == 429
    assert "已被暂时锁定" in response.json()["errors"][0]["message"]

    response = _login(client, "integrator", factories.PASSWORD, ATTACKER_IP, url="/api/v1/auth/token/")
    assert response.status_code == 429
    assert not Token.objects.filter(user=account).exists()

    response = _login(client, "integrator", factories.PASSWORD, USER_IP, url="/api/v1/auth/token/")
    assert response.status_code == 200
    assert response.json()["token"] == Token.objects.get(user=account).key


def test_behind_the_proxy_the_client_address_comes_from_the_proxy_header(client, settings):
    """Every request reaches the portal from the proxy's address; the lock must fall
    on the client's, and a client cannot pick one by sending its own header."""
    settings.TRUSTED_PROXY_COUNT = 1
    factories.enterprise_user(username="victim")
    proxy = "10.0.0.2"
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(
            "/accounts/login/",
            {"username": "victim", "password": "wrong-guess-123"},
            REMOTE_ADDR=proxy,
            # A different made-up address each time, then the one the proxy appended.
            HTTP_X_FORWARDED_FOR=f"192.0.2.{attempt}, {ATTACKER_IP}",
        )
    assert response.status_code == 429

    response = client.post(
        "/accounts/login/",
        {"username": "victim", "password": factories.PASSWORD},
        REMOTE_ADDR=proxy,
        HTTP_X_FORWARDED_FOR=USER_IP,
    )
    assert response.status_code == 302


# --- Sessions -----------------------------------------------------------------


def test_a_session_ends_after_thirty_idle_minutes(client):
    account = factories.enterprise_user()
    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(account)
        for _step in range(3):  # active every 29 minutes: the session slides along
            traveller.shift(dt.timedelta(minutes=29))
            assert client.get("/notifications/").status_code == 200

        traveller.shift(dt.timedelta(minutes=31))
        response = client.get("/notifications/", follow=True)
        assert response.redirect_chain[0][0].startswith("/accounts/login/?next=")
        assert "您长时间未操作" in response.content.decode()
        assert not _signed_in(client)


def test_a_session_ends_twelve_hours_after_sign_in_however_busy(client):
    account = factories.enterprise_user()
    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(account)
        for _step in range(12 * 60 // 20):
            traveller.shift(dt.timedelta(minutes=20))
            assert client.get("/notifications/").status_code == 200
        traveller.shift(dt.timedelta(minutes=20))
        assert client.get("/notifications/").status_code == 302


def test_session_cookie_is_http_only_and_lives_no_longer_than_the_browser(client):
    factories.enterprise_user(username="someone")
    response = _login(client, "someone", factories.PASSWORD, USER_IP)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"]
    assert not cookie["max-age"] and not cookie["expires"]


def test_changing_the_password_needs_the_old_one_and_signs_out_other_sessions(client):
    account = factories.enterprise_user()
    other_browser = Client()
    other_browser.force_login(account)
    client.force_login(account)

    response = client.post(
        "/accounts/password/",
        {
            "old_password": "not-my-password",
            "new_password1": "new-long-phrase-77",
            "new_password2": "new-long-phrase-77",
        },
    )
    assert response.status_code == 200
    assert "旧密码不正确" in response.content.decode()
    account.refresh_from_db()
    assert account.check_password(factories.PASSWORD)

    response = client.post(
        "/accounts/password/",
        {
            "old_password": factories.PASSWORD,
            "new_password1": "new-long-phrase-77",
            "new_password2": "new-long-phrase-77",
        },
    )
    assert response.status_code == 302
    assert client.get("/notifications/").status_code == 200  # this browser stays signed in
    assert other_browser.get("/notifications/").status_code == 302  # the other is signed out


def test_changing_email_or_mobile_needs_the_current_password(client):
    account = factories.enterprise_user(email="old@example.com", mobile="13800138000")
    client.force_login(account)
    form = {"email": "attacker@example.com", "mobile": "13800138000", "notify_by_email": "on"}

    page = client.post("/notifications/settings/", form).content.decode()
    assert "修改电子邮箱或手机号码前，请输入当前密码。" in page
    page = client.post("/notifications/settings/", {**form, "current_password": "a-wrong-guess"}).content.decode()
    assert "当前密码不正确。" in page
    page = client.post(
        "/notifications/settings/", {**form, "email": "old@example.com", "mobile": "13900139000"}
    ).content.decode()
    assert "请输入当前密码" in page
    account.refresh_from_db()
    assert (account.email, account.mobile) == ("old@example.com", "13800138000")
    assert 'value="a-wrong-guess"' not in page

    response = client.post("/notifications/settings/", {**form, "current_password": factories.PASSWORD})
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.email == "attacker@example.com"


# --- CSRF ---------------------------------------------------------------------


def _url_callbacks(patterns=None, prefix=""):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            yield from _url_callbacks(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def test_only_api_views_skip_django_csrf_and_they_enforce_it_for_sessions():
    """DRF views are csrf_exempt for Django and check CSRF themselves whenever the
    caller is authenticated by session; nothing else may skip it."""
    exempt = [(route, callback) for route, callback in _url_callbacks() if getattr(callback, "csrf_exempt", False)]
    assert exempt
    for route, callback in exempt:
        view_class = getattr(callback, "cls", None)
        assert view_class is not None and issubclass(view_class, APIView), route
        for authentication in view_class.authentication_classes:
            if issubclass(authentication, SessionAuthentication):
                assert authentication.enforce_csrf is SessionAuthentication.enforce_csrf, route


def test_no_project_code_exempts_a_view_from_csrf():
    offenders = [
        str(path.relative_to(BASE_DIR))
        for app in ("portal", "complaints", "roundtables", "policies")
        for path in (BASE_DIR / app).rglob("*.py")
        if "csrf_exempt" in path.read_text()
    ]
    assert offenders == []


def test_forms_and_session_api_calls_without_a_csrf_token_are_refused():
    account = factories.enterprise_user(username="someone")
    browser = Client(enforce_csrf_checks=True)
    assert browser.post("/accounts/login/", {"username": "someone", "password": factories.PASSWORD}).status_code == 403

    browser.force_login(account)
    assert browser.post("/notifications/read/", {}).status_code == 403
    response = browser.post("/api/v1/registrations/", {}, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.content.decode()

    # A script authenticated by token carries no cookie to forge, and needs no CSRF token.
    token = Token.objects.create(user=account)
    script = Client(enforce_csrf_checks=True)
    response = script.post(
        "/api/v1/registrations/", {}, content_type="application/json", HTTP_AUTHORIZATION=f"Token {token}"
    )
    assert response.status_code != 403


# --- Content Security Policy -----------------------------------------------------


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def test_pages_carry_a_policy_that_forbids_inline_script(client):
    client.force_login(factories.enterprise_user())
    for url in ["/", "/accounts/login/", "/notifications/", "/policies/"]:
        policy = _policy(client.get(url))
        assert policy["default-src"] == ["'self'"], url
        assert policy["script-src"] == ["'self'"], url
        assert policy["style-src"] == ["'self'"], url
        assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"], url


def test_admin_pages_carry_the_policy(client):
    client.force_login(factories.user(is_staff=True, is_superuser=True))
    for url in ["/admin/", "/admin/policies/policy/", "/admin/pghistory/middlewareevents/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert _policy(response)["script-src"] == ["'self'"], url


def test_import_export_page_allows_exactly_its_own_inline_handler_and_styles(client):
    client.force_login(factories.user(is_staff=True, is_superuser=True))
    response = client.get("/admin/policies/policy/export/")
    assert response.status_code == 200
    page = response.content.decode()
    for directive, attributes in [
        ("script-src", re.findall(r'\son[a-z]+="([^"]*)"', page)),
        ("style-src", re.findall(r'\sstyle="([^"]*)"', page)),
    ]:
        assert attributes
        allowed = _policy(response)[directive]
        assert allowed[:2] == ["'self'", "'unsafe-hashes'"]
        for attribute in attributes:
            digest = base64.b64encode(hashlib.sha256(attribute.encode()).digest()).decode()
            assert f"'sha256-{digest}'" in allowed, attribute


def test_api_docs_load_their_script_from_a_url_not_inline(client):
    client.force_login(factories.enterprise_user())
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert _policy(response)["script-src"] == ["'self'"]
    page = response.content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    assert scripts and all("src=" in attributes and not body.strip() for attributes, body in scripts)
    script_url = re.findall(r'<script src="([^"]*script=[^"]*)"', page)[0].replace("&amp;", "&")
    script = client.get(script_url)
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


def _project_templates():
    yield from (BASE_DIR / "templates").rglob("*.html")
    for app in ("portal", "complaints", "roundtables", "policies"):
        yield from (BASE_DIR / app).rglob("templates/**/*.html")


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)
INLINE_STYLE = re.compile(r"<style\b|<[^>]*\sstyle\s*=", re.I)


def test_templates_have_no_inline_script_handlers_or_styles():
    offenders = []
    for path in _project_templates():
        text = path.read_text()
        for name, pattern in [("script", INLINE_SCRIPT), ("handler", EVENT_HANDLER), ("style", INLINE_STYLE)]:
            if pattern.search(text) or (name == "script" and "javascript:" in text):
                offenders.append(f"{path.relative_to(BASE_DIR)}: inline {name}")
    assert list(_project_templates())
    assert offenders == []


def test_the_template_scan_catches_what_it_looks_for():
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert not INLINE_SCRIPT.search('<script src="/static/a.js"></script>')
    assert EVENT_HANDLER.search('<button type="button"\n onclick="go()">')
    assert not EVENT_HANDLER.search('<button data-print data-confirm="x">')
    assert INLINE_STYLE.search('<th style="width: 3rem">') and INLINE_STYLE.search("<style>")


# --- Production settings ----------------------------------------------------------
# `manage.py check --deploy` with these settings: tests/portal/test_operations.py.


def test_production_settings_protect_cookies_and_transport():
    code = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SECURE_SSL_REDIRECT, "
        "s.SECURE_HSTS_SECONDS, s.SECURE_CONTENT_TYPE_NOSNIFF, s.X_FRAME_OPTIONS, s.SECURE_REFERRER_POLICY, "
        "s.SECURE_PROXY_SSL_HEADER)"
    )
    environment = {
        **{key: value for key, value in os.environ.items() if key not in {"DEBUG", "DATABASE_URL"}},
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": "postgres://portal@db.invalid/qinqing",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert result.stdout.split("\n")[-2] == (
        "True True True True 31536000 True DENY same-origin ('HTTP_X_FORWARDED_PROTO', 'https')"
    )


def test_responses_carry_the_security_headers(client):
    response = client.get("/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


RENDERED_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/policies/",
        "/cases/",
        "/reports/dashboard/",
        "/admin/",
        "/admin/policies/policy/add/",
        "/admin/complaints/case/",
        "/api/v1/",
    ],
)
def test_rendered_pages_run_no_inline_script(client, url):
    """What the browser receives, third-party templates (admin, DRF) included: data in
    application/json script elements is fine, executable inline script is not."""
    client.force_login(factories.user(is_staff=True, is_superuser=True))
    response = client.get(url, HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    page = response.content.decode()
    assert RENDERED_SCRIPT.findall(page) == []
    assert EVENT_HANDLER.findall(page) == []
    assert "'unsafe-inline'" not in _policy(response)["script-src"]
