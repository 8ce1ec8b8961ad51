"""Roles' permissions for roundtables and the daily reminder schedule."""

import datetime

from django.db import migrations
from django.utils import timezone

from portal import roles

PERMISSIONS = {
    roles.OFFICIAL: [
        "roundtables.manage_sessions",
        *[
            f"roundtables.{action}_{model}"
            for model in ["series", "session", "registration", "invitation", "appeal", "sessionattachment"]
            for action in ("view", "add", "change")
        ],
    ],
    roles.CHIEF_PROBLEM_OFFICER: ["roundtables.view_session", "roundtables.view_appeal"],
}


def seed(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    # Every morning at 08:00 (Asia/Shanghai), for the sessions of the next day.
    now = timezone.localtime()
    next_run = now.replace(hour=8, minute=0, second=0, microsecond=0)
    if next_run <= now:
        next_run += datetime.timedelta(days=1)
    Schedule.objects.update_or_create(
        name="恳谈会前一天提醒",
        defaults={
            "func": "roundtables.tasks.remind_tomorrow",
            "schedule_type": "D",
            "repeats": -1,
            "next_run": next_run,
        },
    )
    roles.sync_groups(apps, PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("roundtables", "0001_initial"),
        ("portal", "0002_roles"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
