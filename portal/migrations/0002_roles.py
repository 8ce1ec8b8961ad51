from django.db import migrations

from portal import roles

_CORE_MODELS = ["region", "department", "industry", "enterprisetag", "enterprise", "enterprisemembership"]
_CALENDAR_MODELS = ["holidayschedule", "calendarday"]

PERMISSIONS = {
    roles.OFFICIAL: [
        *[f"portal.{action}_{model}" for model in _CORE_MODELS for action in ("view", "add", "change")],
        *[f"portal.{action}_{model}" for model in _CALENDAR_MODELS for action in ("view", "add", "change", "delete")],
        "portal.view_user",
        "portal.view_notification",
        "portal.approve_membership",
        # Who changed what and when (django-pghistory's events admin).
        "pghistory.view_events",
        "pghistory.view_middlewareevents",
    ],
    roles.CHIEF_PROBLEM_OFFICER: [
        *[f"portal.view_{model}" for model in _CORE_MODELS],
        "portal.view_holidayschedule",
        "portal.view_calendarday",
    ],
    roles.HANDLER: [
        "portal.view_region",
        "portal.view_department",
        "portal.view_industry",
        "portal.view_enterprisetag",
    ],
    roles.ENTERPRISE_USER: [],
    roles.EXPERIENCE_OFFICER: [],
}


def create_role_groups(apps, schema_editor):
    roles.sync_groups(apps, PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_role_groups, migrations.RunPython.noop)]
