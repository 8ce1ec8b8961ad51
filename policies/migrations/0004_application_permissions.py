from django.db import migrations

from portal import roles

PERMISSIONS = {
    roles.OFFICIAL: [
        "policies.review_application",
        "policies.grant_policy",
        "policies.view_application",
        "policies.view_policypush",
        "policies.view_pushrun",
    ],
    # Handlers review the applications of their own department's policies.
    roles.HANDLER: ["policies.review_application"],
}


def grant(apps, schema_editor):
    roles.sync_groups(apps, PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [("policies", "0003_push_and_applications")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
