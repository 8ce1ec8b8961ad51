"""Background work of the shared core, run by the django-q2 cluster (``manage.py qcluster``).

Tasks take ids, not objects, and must be safe to run twice: the cluster hands a
task out again when a worker dies before acknowledging it.
"""

from __future__ import annotations

from portal import services


def deliver_notification(notification_id: int) -> str:
    """Send a notification's e-mail and text message, each at most once."""
    return services.notification_deliver(notification_id=notification_id)
