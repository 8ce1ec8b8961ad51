"""Deadline rules keyed by tier, and the 交办 clock for cases already waiting.

The seeds' rules, only 宣城's switched on:

* 宣城 1-2-3: 交办 1, measures 2, feedback 3 working days, resolved within a month;
* 钱塘: "简单诉求1天办、单一部门3天办、跨部门5天办" (resolution in working days);
* 湖州: "2天内交办、2周内办理回复" (two weeks read as ten working days).

Cases received or accepted before this change had no 交办 deadline: they get one
counted from their receipt, as new cases do.
"""

from django.db import migrations

RULES = [
    # name, tiers, assign, measures, feedback, resolve working days, resolve months, priority, active
    ("宣城 1-2-3", [], 1, 2, 3, None, 1, 0, True),
    ("钱塘 · 简单诉求 1 天办", ["simple"], 1, 1, 1, 1, 1, 30, False),
    ("钱塘 · 单一部门 3 天办", ["ordinary"], 1, 1, 2, 3, 1, 20, False),
    ("钱塘 · 跨部门 5 天办", ["cross", "difficult", "major"], 1, 2, 3, 5, 1, 10, False),
    ("湖州 · 2 天交办、2 周回复", [], 2, 5, 10, 10, 1, 5, False),
]
RENAMED = {
    "钱塘 1-3-5 · 简单件": "钱塘 · 简单诉求 1 天办",
    "钱塘 1-3-5 · 单部门": "钱塘 · 单一部门 3 天办",
    "钱塘 1-3-5 · 跨部门": "钱塘 · 跨部门 5 天办",
}


def rules(apps, schema_editor):
    SlaPolicy = apps.get_model("complaints", "SlaPolicy")
    for old, new in RENAMED.items():
        SlaPolicy.objects.filter(name=old).exclude(name=new).update(name=new)
    for name, tiers, assign, measures, feedback, resolve_days, months, priority, active in RULES:
        SlaPolicy.objects.update_or_create(
            name=name,
            defaults={
                "tiers": tiers,
                "assign_days": assign,
                "measures_days": measures,
                "feedback_days": feedback,
                "resolve_working_days": resolve_days,
                "resolve_months": months,
                "priority": priority,
            },
            create_defaults={
                "tiers": tiers,
                "assign_days": assign,
                "measures_days": measures,
                "feedback_days": feedback,
                "resolve_working_days": resolve_days,
                "resolve_months": months,
                "priority": priority,
                "is_active": active,
            },
        )


def start_waiting_clocks(apps, schema_editor):
    from portal.workdays import WorkCalendar

    Case = apps.get_model("complaints", "Case")
    SlaPolicy = apps.get_model("complaints", "SlaPolicy")
    policy = SlaPolicy.objects.filter(is_active=True, tiers=[]).order_by("-priority", "id").first()
    days = policy.assign_days if policy else 1
    calendar = WorkCalendar()
    waiting = Case.objects.filter(status__in=["received", "accepted"], assign_due_at__isnull=True)
    for case in waiting.only("id", "received_at").iterator():
        due = calendar.deadline(case.received_at, days)
        Case.objects.filter(pk=case.pk).update(stage="assign", assign_due_at=due, stage_due_at=due, sla_policy=policy)


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0007_clock_from_receipt"),
        ("portal", "0006_clock_from_receipt"),
    ]

    operations = [
        migrations.RunPython(rules, migrations.RunPython.noop),
        migrations.RunPython(start_waiting_clocks, migrations.RunPython.noop),
    ]
