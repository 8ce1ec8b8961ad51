"""Background work of the shared core, run by the django-q2 cluster (``manage.py qcluster``).

Tasks take ids, not objects, and must be safe to run twice: the cluster hands a
task out again when a worker dies before acknowledging it.
"""

from __future__ import annotations

import datetime as dt

from portal import services, sms
from portal.schedules import Recurring

SCHEDULES = [
    # Text-message codes hold phone numbers: none is kept long past its use.
    Recurring(name="过期短信验证码清理", func="portal.tasks.purge_phone_codes", daily_at=dt.time(3, 30)),
]


def purge_phone_codes() -> str:
    return f"{sms.phone_codes_purge()} expired codes deleted"


def deliver_notification(notification_id: int) -> str:
    """Send a notification's e-mail and text message, each at most once."""
    return services.notification_deliver(notification_id=notification_id)
