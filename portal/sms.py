"""Text messages (短信). The gateway is a deployment choice: set ``SMS_BACKEND`` to the
dotted path of a :class:`BaseSmsBackend` subclass. The default only writes to the log."""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils.module_loading import import_string

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
