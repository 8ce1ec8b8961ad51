"""Text messages (短信). The gateway is a deployment choice: set ``SMS_BACKEND`` to the
dotted path of a :class:`BaseSmsBackend` subclass. The default only writes to the log."""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.module_loading import import_string
from django.utils.translation import gettext

from portal.validators import normalize_mobile, validate_mobile

logger = logging.getLogger(__name__)


class BaseSmsBackend:
    """Sends one text message. Raise an exception on failure so the task retries."""

    def send(self, *, mobile: str, text: str) -> None:
        raise NotImplementedError


class LogSmsBackend(BaseSmsBackend):
    def send(self, *, mobile: str, text: str) -> None:
        # Only the last four digits: the log is read by more people than the inbox.
        logger.info("SMS to ****%s: %s", mobile[-4:], text)


class MemorySmsBackend(BaseSmsBackend):
    """Keeps messages in ``outbox``, for tests."""

    outbox: list[dict] = []

    def send(self, *, mobile: str, text: str) -> None:
        MemorySmsBackend.outbox.append({"mobile": mobile, "text": text})


def get_sms_backend() -> BaseSmsBackend:
    return import_string(settings.SMS_BACKEND)()


# --- Verification codes (短信验证码) ---------------------------------------------------
# A phone number given by someone without an account (an anonymous appeal) is confirmed
# with a code sent to it, when settings.APPEAL_PHONE_VERIFICATION is on (production's
# default). The code: six digits, valid five minutes, five wrong tries; kept as a keyed
# hash only, and only the latest code of a number counts.

CODE_DIGITS = 6
CODE_VALIDITY = timedelta(minutes=5)
MAX_ATTEMPTS = 5


def _code_hash(*, phone: str, purpose: str, code: str, salt: str) -> str:
    digest = salted_hmac("portal.sms.verification", f"{purpose}:{phone}:{code}:{salt}", algorithm="sha256")
    return f"{salt}${digest.hexdigest()}"


def _matches(verification, code: str) -> bool:
    salt = verification.code_hash.split("$", 1)[0]
    expected = _code_hash(phone=verification.phone, purpose=verification.purpose, code=code, salt=salt)
    return constant_time_compare(expected, verification.code_hash)


def phone_verification_required(*, user, phone: str) -> bool:
    """Whether an appeal giving ``phone`` must carry its code: with the setting on, an
    anonymous appeal always, a signed-in one when the number is not the account's own."""
    if not settings.APPEAL_PHONE_VERIFICATION:
        return False
    if user is None or not user.is_authenticated:
        return True
    return normalize_mobile(phone) != normalize_mobile(user.mobile or "")


def phone_code_send(*, phone: str, purpose: str = "appeal"):
    """Send a new code to ``phone``; earlier codes of the number stop counting. Raises
    ValidationError for a number that is not a mainland mobile or when the gateway fails."""
    from portal.models import PhoneVerification

    phone = normalize_mobile(phone)
    validate_mobile(phone)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    now = timezone.now()
    with transaction.atomic():
        PhoneVerification.objects.filter(phone=phone, purpose=purpose, expires_at__gt=now).update(expires_at=now)
        verification = PhoneVerification.objects.create(
            phone=phone,
            purpose=purpose,
            code_hash=_code_hash(phone=phone, purpose=purpose, code=code, salt=secrets.token_hex(8)),
            created_at=now,
            expires_at=now + CODE_VALIDITY,
        )
    minutes = int(CODE_VALIDITY.total_seconds() // 60)
    text = gettext("【亲清政企服务平台】您的验证码为%(code)s，%(minutes)d分钟内有效。如非本人操作，请忽略本短信。") % {
        "code": code,
        "minutes": minutes,
    }
    try:
        get_sms_backend().send(mobile=phone, text=text)
    except Exception:
        logger.exception("Sending a verification code to ****%s failed", phone[-4:])
        raise ValidationError(gettext("短信发送失败，请稍后重试。"), code="sms_failed") from None
    return verification


def phone_code_check(*, phone: str, code: str, purpose: str = "appeal") -> None:
    """Check ``code`` against the latest code sent to ``phone``. A right code marks the
    number verified, and stays good until it expires (a form posted again after another
    mistake); a wrong one counts, and the fifth locks the code. Raises ValidationError."""
    from portal.models import PhoneVerification

    phone = normalize_mobile(phone)
    code = (code or "").strip()
    now = timezone.now()
    error = None
    # The wrong try is counted in its own transaction, committed before the refusal.
    with transaction.atomic():
        verification = (
            PhoneVerification.objects.select_for_update()
            .filter(phone=phone, purpose=purpose)
            .order_by("-created_at", "-pk")
            .first()
        )
        if verification is None or not code:
            error = ValidationError(gettext("请先获取并填写短信验证码。"), code="phone_code_missing")
        elif verification.attempts >= MAX_ATTEMPTS:
            error = ValidationError(gettext("验证码错误次数过多，请重新获取。"), code="phone_code_locked")
        elif now >= verification.expires_at:
            error = ValidationError(gettext("验证码已过期，请重新获取。"), code="phone_code_expired")
        elif not _matches(verification, code):
            verification.attempts += 1
            verification.save(update_fields=["attempts"])
            left = MAX_ATTEMPTS - verification.attempts
            if left:
                error = ValidationError(
                    gettext("验证码不正确，还可以再试%(left)d次。") % {"left": left}, code="phone_code_wrong"
                )
            else:
                error = ValidationError(gettext("验证码错误次数过多，请重新获取。"), code="phone_code_locked")
        elif verification.verified_at is None:
            verification.verified_at = now
            verification.save(update_fields=["verified_at"])
    if error is not None:
        raise error


# Codes are personal data (a phone number): kept a day past their expiry for a question
# about a text that did not arrive, then deleted by the nightly task (portal.tasks).
CODE_RETENTION = timedelta(days=1)


def phone_codes_purge(*, now: datetime | None = None) -> int:
    """Delete the codes that expired more than CODE_RETENTION ago; returns how many."""
    from portal.models import PhoneVerification

    cutoff = (now or timezone.now()) - CODE_RETENTION
    deleted, _by_model = PhoneVerification.objects.filter(expires_at__lt=cutoff).delete()
    return deleted
