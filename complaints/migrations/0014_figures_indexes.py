# The figures at a million cases a year (issue #20, B8): a covering index for the cohort
# (a period's cases by receipt, with the id and lead department their ratings and visits
# are joined and grouped by) replacing the plain one on received_at, and the dashboard's
# overdue list read in order from a partial index. Built CONCURRENTLY, so a live table
# keeps taking writes meanwhile; the new index exists before the old one goes.

import django.utils.timezone
from django.conf import settings
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("complaints", "0013_rankings"),
        ("portal", "0016_phone_verification"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="case",
            index=models.Index(fields=["received_at"], include=("id", "lead_department"), name="case_cohort_idx"),
        ),
        AddIndexConcurrently(
            model_name="case",
            index=models.Index(
                condition=models.Q(
                    ("long_term_since__isnull", True),
                    ("status__in", ("received", "accepted", "assigned", "measures_set", "feedback_given")),
                    ("suspended_at__isnull", True),
                ),
                fields=["stage_due_at", "id"],
                name="case_overdue_idx",
            ),
        ),
        migrations.AlterField(
            model_name="case",
            name="received_at",
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name="登记时间"),
        ),
    ]
