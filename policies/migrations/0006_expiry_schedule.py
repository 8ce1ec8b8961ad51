import datetime

from django.db import migrations
from django.utils import timezone


def schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    now = timezone.localtime()
    next_run = now.replace(hour=1, minute=0, second=0, microsecond=0)
    if next_run <= now:
        next_run += datetime.timedelta(days=1)
    Schedule.objects.update_or_create(
        name="政策到期处理",
        defaults={"func": "policies.tasks.expire_policies", "schedule_type": "D", "repeats": -1, "next_run": next_run},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("policies", "0005_versions"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(schedule, migrations.RunPython.noop)]
