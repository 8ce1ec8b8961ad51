"""The month-end 三色图, run daily by the django-q2 cluster (policies.tasks.SCHEDULES)."""

from __future__ import annotations

from django.utils import timezone

from policies.models import MonthlySnapshot
from policies.supervision.services import previous_month, snapshot_take


def snapshot_last_month() -> int:
    """Early each day: if last month has no 三色图 yet, take it (and its 督办). A month
    already taken is left alone; re-run a past month with ``manage.py supervision_snapshot``."""
    month = previous_month(timezone.localdate())
    if MonthlySnapshot.objects.filter(month=month).exists():
        return 0
    return len(snapshot_take(month=month))
