"""Brakes on the public forms (portal/throttling.py): one address, and one account, may post
each public form only so often; the page and the API count together; over the limit the
page answers a Chinese 429 page and the API its error shape, both with Retry-After; the
limit lifts by itself. A hidden honeypot field, filled, is answered as if accepted and
nothing is stored."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from complaints.models import Case, ProblemCategory
from portal.models import User
from roundtables.models import Registration
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def limits(settings):
    """Two posts a minute for every scope, so the tests reach the limit quickly."""
    settings.THROTTLE_RATES = {scope: "2/min" for scope in settings.THROTTLE_RATES}
    return settings.THROTTLE_RATES


@pytest.fixture
def category():
    return ProblemCategory.objects.get(name="审批服务")


def _intake(category, **extra):
    return {
        "title": "窗口要求重复提交材料",
        "description": "说明",
        "category": category.pk,
        "complainant_name": "王反映",
        "complainant_phone": "13800001111",
        "complainant_email": "",
        "on_behalf_of_organisation": "",
        "privacy_consent": "on",
        **extra,
    }


def _api_case(category, n):
    return {
        "title": f"接口登记{n}",
        "description": "说明",
        "category": category.pk,
        "complainant_name": "王反映",
        "complainant_phone": "13800001111",
    }


def test_the_public_form_is_braked_per_address_and_lifts_by_itself(client, limits, category):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for n in range(2):
            assert client.post("/cases/new/", _intake(category, idempotency_key=f"k{n}")).status_code == 302
        refused = client.post("/cases/new/", _intake(category, idempotency_key="k2"))
        assert refused.status_code == 429
        assert 1 <= int(refused["Retry-After"]) <= 60
        page = refused.content.decode()
        assert "提交过于频繁" in page and "分钟后再试" in page
        assert Case.objects.count() == 2
        # Reading the form is not counted.
        assert client.get("/cases/new/").status_code == 200
        # Another address is not braked by this one.
        assert (
            client.post("/cases/new/", _intake(category, idempotency_key="k3"), REMOTE_ADDR="10.0.0.9").status_code
            == 302
        )
        clock.shift(dt.timedelta(seconds=61))
        assert client.post("/cases/new/", _intake(category, idempotency_key="k4")).status_code == 302
    assert Case.objects.count() == 4


def test_the_api_counts_with_the_form_and_answers_in_its_error_shape(client, limits, category):
    client.post("/cases/new/", _intake(category, idempotency_key="k0"))
    api = APIClient()
    api.force_authenticate(factories.user(mobile="13800001111"))
    assert api.post("/api/v1/cases/", _api_case(category, 1), format="json").status_code == 201
    refused = api.post("/api/v1/cases/", _api_case(category, 2), format="json")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    body = refused.json()
    assert list(body) == ["errors"] and body["errors"][0]["field"] is None and body["errors"][0]["message"]
    # Reading is not braked.
    assert api.get("/api/v1/cases/").status_code == 200


def test_one_account_is_braked_whatever_its_address(limits, category):
    api = APIClient()
    api.force_authenticate(factories.user(mobile="13800001111"))
    for n, address in enumerate(["10.0.0.1", "10.0.0.2"]):
        assert api.post("/api/v1/cases/", _api_case(category, n), format="json", REMOTE_ADDR=address).status_code == 201
    refused = api.post("/api/v1/cases/", _api_case(category, 3), format="json", REMOTE_ADDR="10.0.0.3")
    assert refused.status_code == 429


def test_the_address_behind_the_proxy_is_the_one_counted(client, limits, category, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(2):
        client.post("/cases/new/", _intake(category, idempotency_key=f"p{n}"), HTTP_X_FORWARDED_FOR="1.2.3.4")
    # A client writing another address first is still counted by the one the proxy appended.
    refused = client.post(
        "/cases/new/", _intake(category, idempotency_key="p2"), HTTP_X_FORWARDED_FOR="9.9.9.9, 1.2.3.4"
    )
    assert refused.status_code == 429
    other = client.post("/cases/new/", _intake(category, idempotency_key="p3"), HTTP_X_FORWARDED_FOR="5.6.7.8")
    assert other.status_code == 302


def _sign_up(n, **extra):
    return {
        "username": f"newcomer{n}",
        "full_name": "张三",
        "mobile": "13800001111",
        "email": "",
        "password1": "a-long-passphrase-1",
        "password2": "a-long-passphrase-1",
        "privacy_consent": "on",
        **extra,
    }


def test_registration_is_braked(client, limits):
    for n in range(2):
        client.post("/accounts/signup/", _sign_up(n))
        client.logout()
    refused = client.post("/accounts/signup/", _sign_up(2))
    assert refused.status_code == 429 and "Retry-After" in refused
    assert set(User.objects.values_list("username", flat=True)) == {"newcomer0", "newcomer1"}


def test_the_lookup_is_braked(client, limits):
    for _ in range(2):
        assert client.post("/cases/lookup/", {"number": "SQ2026-000001", "lookup_code": "WRONG123"}).status_code == 200
    assert client.post("/cases/lookup/", {"number": "SQ2026-000001", "lookup_code": "WRONG124"}).status_code == 429
    # Opening the page with a number in a link is not a guess.
    assert client.get("/cases/lookup/?number=SQ2026-000001").status_code == 200


def test_roundtable_sign_up_is_braked_on_the_page_and_the_api(client, limits, world):
    client.force_login(world.member_a)
    url = f"/roundtables/{world.session.pk}/signup/"
    assert client.post(url, {}).status_code == 400  # counted, though refused
    api = APIClient()
    api.force_authenticate(world.member_a)
    assert api.post(f"/api/v1/roundtables/{world.session.pk}/registrations/", {}, format="json").status_code == 400
    assert client.post(url, {}).status_code == 429
    refused = api.post(f"/api/v1/roundtables/{world.session.pk}/registrations/", {}, format="json")
    assert refused.status_code == 429 and "errors" in refused.json()


def test_the_token_endpoint_is_braked_per_address(limits):
    factories.user(username="someone")
    api = APIClient()
    for name in ("alice", "bob"):
        assert api.post("/api/v1/auth/token/", {"username": name, "password": "x"}, format="json").status_code == 400
    refused = api.post("/api/v1/auth/token/", {"username": "someone", "password": factories.PASSWORD}, format="json")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1 and "errors" in refused.json()


def test_the_limits_are_in_settings(settings):
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] is settings.THROTTLE_RATES
    assert {"appeal", "roundtable_signup", "registration", "lookup", "token", "phone_code", "phone_code_phone"} <= set(
        settings.THROTTLE_RATES
    )


# --- The honeypot ---------------------------------------------------------------------


def test_the_honeypot_is_hidden_from_people(client):
    for url in ("/cases/new/", "/cases/lookup/", "/accounts/signup/"):
        page = client.get(url).content.decode()
        assert 'class="visually-hidden" aria-hidden="true"' in page, url
        assert 'name="homepage" id="id_homepage" value="" tabindex="-1" autocomplete="off"' in page, url


def test_a_filled_honeypot_is_answered_as_accepted_and_nothing_is_stored(client, category, world):
    filed = client.post("/cases/new/", _intake(category, idempotency_key="bot", homepage="http://spam.example"))
    assert filed.status_code == 302
    assert not Case.objects.filter(idempotency_key="bot").exists()

    signed_up = client.post("/accounts/signup/", _sign_up(9, homepage="http://spam.example"))
    assert signed_up.status_code == 302
    assert not User.objects.filter(username="newcomer9").exists()

    looked_up = client.post(
        "/cases/lookup/",
        {"number": world.case.number, "lookup_code": world.case.lookup_code, "homepage": "x"},
    ).content.decode()
    assert "未找到该诉求" in looked_up and world.case.title not in looked_up

    client.force_login(world.member_a)
    registrations = Registration.objects.count()
    response = client.post(
        f"/roundtables/{world.session.pk}/signup/",
        {"enterprise": world.enterprise_a.pk, "attendee_name": "张三", "homepage": "x"},
    )
    assert response.status_code == 302
    assert Registration.objects.count() == registrations
