"""The portal's recurring work, declared next to the tasks it runs and registered with
django-q2 by ``manage.py sync_schedules`` — which ``migrate`` also runs at its end — rather
than by data migrations, so a schedule's rule lives in one place and a changed rule reaches
existing installations.

Each app's ``tasks.py`` lists its ``SCHEDULES``; registering is idempotent (by name) and
keeps a schedule's next run when its rule is unchanged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from importlib import import_module

from django.apps import apps
from django.utils import timezone

# The apps whose tasks.py may declare SCHEDULES.
SCHEDULING_APPS = ("portal", "complaints", "policies", "roundtables")


@dataclass(frozen=True)
class Recurring:
    """Run ``func`` every ``minutes`` minutes, or daily at ``daily_at`` (local time)."""

    name: str
    func: str
    minutes: int | None = None
    daily_at: dt.time | None = None

    def next_run(self, now: dt.datetime | None = None) -> dt.datetime:
        now = timezone.localtime(now)
        if self.daily_at is None:
            return now
        run = now.replace(hour=self.daily_at.hour, minute=self.daily_at.minute, second=0, microsecond=0)
        return run if run > now else run + dt.timedelta(days=1)


def declared_schedules() -> list[Recurring]:
    schedules = []
    for label in SCHEDULING_APPS:
        if apps.is_installed(label):
            schedules += getattr(import_module(f"{label}.tasks"), "SCHEDULES", [])
    return schedules


def sync_schedules() -> tuple[int, int]:
    """Create or update the declared schedules. Returns (created, updated)."""
    from django_q.models import Schedule

    created = updated = 0
    for recurring in declared_schedules():
        rule = {
            "func": recurring.func,
            "schedule_type": Schedule.MINUTES if recurring.minutes else Schedule.DAILY,
            "minutes": recurring.minutes,
            "repeats": -1,
        }
        schedule = Schedule.objects.filter(name=recurring.name).first()
        if schedule is None:
            Schedule.objects.create(name=recurring.name, next_run=recurring.next_run(), **rule)
            created += 1
        elif any(getattr(schedule, field) != value for field, value in rule.items()):
            for field, value in rule.items():
                setattr(schedule, field, value)
            schedule.next_run = recurring.next_run()
            schedule.save()
            updated += 1
    return created, updated


def sync_after_migrate(sender, using="default", **kwargs) -> None:
    """post_migrate: every migrate (deploys, tests) leaves the schedules registered —
    unless it migrated django_q itself away."""
    from django.db import connections
    from django_q.models import Schedule

    if Schedule._meta.db_table in connections[using].introspection.table_names():
        sync_schedules()
