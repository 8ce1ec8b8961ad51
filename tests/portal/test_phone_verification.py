"""The phone number of an anonymous appeal, confirmed by a text-message code (portal.sms):
six digits, valid five minutes, five wrong tries, kept hashed; on by default in production,
off in development and the tests unless turned on (as here)."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from complaints.models import Case, ProblemCategory
from portal.models import PhoneVerification
from tests import factories

pytestmark = pytest.mark.django_db

PHONE = "13800001111"


@pytest.fixture
def verification_on(settings):
    settings.APPEAL_PHONE_VERIFICATION = True


@pytest.fixture
def category():
    return ProblemCategory.objects.get(name="审批服务")


def _intake(category, **extra):
    return {
        "title": "窗口要求重复提交材料",
        "description": "说明",
        "category": category.pk,
        "complainant_name": "王反映",
        "complainant_phone": PHONE,
        "complainant_email": "",
        "on_behalf_of_organisation": "",
        "idempotency_key": "k1",
        "privacy_consent": "on",
        **extra,
    }


def _code_sent(sms_outbox) -> str:
    message = sms_outbox[-1]
    assert message["mobile"] == PHONE
    return re.search(r"验证码为(\d{6})", message["text"]).group(1)


def _send(client, category):
    return client.post("/cases/new/phone-code/", _intake(category))


def test_off_in_the_tests_the_form_asks_for_no_code(client):
    page = client.get("/cases/new/").content.decode()
    assert "获取验证码" not in page and 'name="phone_code"' not in page


def test_on_by_default_in_production():
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "x" * 60,
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
    }
    env.pop("APPEAL_PHONE_VERIFICATION", None)
    result = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.APPEAL_PHONE_VERIFICATION)"],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "True"


def test_an_anonymous_appeal_is_filed_with_the_code_sent_to_its_phone(client, category, verification_on, sms_outbox):
    page = client.get("/cases/new/").content.decode()
    assert "获取验证码" in page and 'name="phone_code"' in page

    sent = _send(client, category)
    assert sent.status_code == 200
    page = sent.content.decode()
    assert "验证码已发送至尾号1111的手机" in page
    assert "窗口要求重复提交材料" in page  # what was typed is kept
    code = _code_sent(sms_outbox)
    verification = PhoneVerification.objects.get()
    assert code not in verification.code_hash  # kept hashed only
    assert verification.expires_at - verification.created_at == dt.timedelta(minutes=5)

    missing = client.post("/cases/new/", _intake(category))
    assert "请先获取并填写短信验证码" in missing.content.decode()
    assert not Case.objects.exists()

    filed = client.post("/cases/new/", _intake(category, phone_code=code))
    assert filed.status_code == 302
    assert Case.objects.get().complainant_phone == PHONE
    assert PhoneVerification.objects.get().verified_at is not None


def test_the_code_expires_after_five_minutes(client, category, verification_on, sms_outbox):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        _send(client, category)
        code = _code_sent(sms_outbox)
        clock.shift(dt.timedelta(minutes=5, seconds=1))
        expired = client.post("/cases/new/", _intake(category, phone_code=code))
        assert "验证码已过期，请重新获取" in expired.content.decode()
        assert not Case.objects.exists()
        # A new code works.
        _send(client, category)
        assert client.post("/cases/new/", _intake(category, phone_code=_code_sent(sms_outbox))).status_code == 302


def test_five_wrong_tries_lock_the_code(client, category, verification_on, sms_outbox):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        _send(client, category)
        code = _code_sent(sms_outbox)
        wrong = "000000" if code != "000000" else "111111"
        answers = []
        for _ in range(5):
            clock.shift(dt.timedelta(seconds=10))
            answers.append(client.post("/cases/new/", _intake(category, phone_code=wrong)).content.decode())
        assert "还可以再试4次" in answers[0] and "还可以再试1次" in answers[3]
        assert "验证码错误次数过多，请重新获取" in answers[4]
        locked = client.post("/cases/new/", _intake(category, phone_code=code))
        assert "验证码错误次数过多，请重新获取" in locked.content.decode()
        assert not Case.objects.exists()
        assert PhoneVerification.objects.get().attempts == 5


def test_a_signed_in_user_s_own_number_needs_no_code(client, category, verification_on, sms_outbox):
    client.force_login(factories.user(mobile=PHONE, full_name="王反映"))
    assert client.post("/cases/new/", _intake(category)).status_code == 302
    other = client.post("/cases/new/", _intake(category, complainant_phone="13900002222", idempotency_key="k2"))
    assert "请先获取并填写短信验证码" in other.content.decode()


def test_an_invalid_number_gets_no_code(client, category, verification_on, sms_outbox):
    response = client.post("/cases/new/phone-code/", _intake(category, complainant_phone="12345"))
    assert response.status_code == 400
    assert "请先填写有效的11位手机号码" in response.content.decode()
    assert sms_outbox == [] and not PhoneVerification.objects.exists()


def test_sending_is_braked_per_number_and_per_address(client, category, verification_on, sms_outbox, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "phone_code": "2/hour", "phone_code_phone": "2/hour"}
    for address in ("10.0.0.1", "10.0.0.2"):
        assert client.post("/cases/new/phone-code/", _intake(category), REMOTE_ADDR=address).status_code == 200
    # The same number from a third address: braked by the number.
    by_number = client.post("/cases/new/phone-code/", _intake(category), REMOTE_ADDR="10.0.0.3")
    assert by_number.status_code == 429 and "Retry-After" in by_number
    assert len(sms_outbox) == 2
    # Other numbers from one address: braked by the address.
    other = _intake(category, complainant_phone="13900002222")
    assert client.post("/cases/new/phone-code/", other, REMOTE_ADDR="10.0.0.1").status_code == 200
    third = _intake(category, complainant_phone="13700003333")
    assert client.post("/cases/new/phone-code/", third, REMOTE_ADDR="10.0.0.1").status_code == 429
    assert len(sms_outbox) == 3


def test_the_api_asks_for_the_code_of_a_number_that_is_not_the_account_s(category, verification_on, sms_outbox):
    api = APIClient()
    api.force_authenticate(factories.user(mobile="13900002222"))
    body = {
        "title": "接口登记",
        "description": "说明",
        "category": category.pk,
        "complainant_name": "王反映",
        "complainant_phone": PHONE,
    }
    refused = api.post("/api/v1/cases/", body, format="json")
    assert refused.status_code == 400
    assert [error["field"] for error in refused.json()["errors"]] == ["phone_code"]

    sent = api.post("/api/v1/cases/phone-code/", {"complainant_phone": PHONE}, format="json")
    assert sent.status_code == 202 and "1111" in sent.json()["detail"]
    filed = api.post("/api/v1/cases/", {**body, "phone_code": _code_sent(sms_outbox)}, format="json")
    assert filed.status_code == 201
    # The account's own number needs none.
    own = api.post("/api/v1/cases/", {**body, "complainant_phone": "13900002222"}, format="json")
    assert own.status_code == 201


def test_without_verification_no_code_is_sent(client, category, sms_outbox):
    assert client.post("/cases/new/phone-code/", _intake(category)).status_code == 404
    api = APIClient()
    api.force_authenticate(factories.user())
    refused = api.post("/api/v1/cases/phone-code/", {"complainant_phone": PHONE}, format="json")
    assert refused.status_code == 404 and "errors" in refused.json()
    assert sms_outbox == []


def test_the_nightly_task_deletes_codes_a_day_after_they_expired(client, verification_on, category):
    """A code holds a phone number: the scheduled purge keeps it one day past its expiry."""
    from django_q.models import Schedule

    from portal import tasks

    start = dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        assert _send(client, category).status_code == 200
    with time_machine.travel(start + dt.timedelta(hours=24), tick=False):
        tasks.purge_phone_codes()
        assert PhoneVerification.objects.filter(phone=PHONE).count() == 1  # expired, but not a day ago
    with time_machine.travel(start + dt.timedelta(hours=24, minutes=6), tick=False):
        assert tasks.purge_phone_codes() == "1 expired codes deleted"
        assert not PhoneVerification.objects.filter(phone=PHONE).exists()
    assert Schedule.objects.get(name="过期短信验证码清理").func == "portal.tasks.purge_phone_codes"
