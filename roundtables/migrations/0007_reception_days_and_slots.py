"""企业接待日 and 直通车: the series' kind, the leader present at a session, bookable
time slots (registrations name one), and the officials' permissions on slots."""

import django.core.validators
import django.db.models.deletion
import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models

from portal import roles

# Officials define a session's slots in the admin, deleting those nobody booked.
PERMISSIONS = {
    roles.OFFICIAL: [f"roundtables.{action}_slot" for action in ("view", "add", "change", "delete")],
}


def grant(apps, schema_editor):
    roles.sync_groups(apps, PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("pghistory", "0007_auto_20250421_0444"),
        ("roundtables", "0006_series_english_name"),
        ("portal", "0002_roles"),
    ]

    operations = [
        migrations.CreateModel(
            name="Slot",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("starts_at", models.DateTimeField(verbose_name="开始时间")),
                ("ends_at", models.DateTimeField(verbose_name="结束时间")),
                (
                    "capacity",
                    models.PositiveSmallIntegerField(
                        default=1, validators=[django.core.validators.MinValueValidator(1)], verbose_name="可预约企业数"
                    ),
                ),
            ],
            options={
                "verbose_name": "预约时段",
                "verbose_name_plural": "预约时段",
                "ordering": ["session", "starts_at", "id"],
            },
        ),
        migrations.CreateModel(
            name="SlotEvent",
            fields=[
                ("pgh_id", models.AutoField(primary_key=True, serialize=False)),
                ("pgh_created_at", models.DateTimeField(auto_now_add=True)),
                ("pgh_label", models.TextField(help_text="The event label.")),
                ("id", models.BigIntegerField()),
                ("starts_at", models.DateTimeField(verbose_name="开始时间")),
                ("ends_at", models.DateTimeField(verbose_name="结束时间")),
                (
                    "capacity",
                    models.PositiveSmallIntegerField(
                        default=1, validators=[django.core.validators.MinValueValidator(1)], verbose_name="可预约企业数"
                    ),
                ),
            ],
            options={
                "abstract": False,
            },
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="registration",
            name="insert_insert",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="registration",
            name="update_update",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="registration",
            name="delete_delete",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="session",
            name="insert_insert",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="session",
            name="update_update",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="session",
            name="delete_delete",
        ),
        migrations.AddField(
            model_name="series",
            name="kind",
            field=models.CharField(
                choices=[("roundtable", "政商恳谈会"), ("reception_day", "企业接待日"), ("direct_line", "直通车")],
                default="roundtable",
                help_text="企业接待日和直通车按时段预约：报名时须选择一个时段。",
                max_length=20,
                verbose_name="类型",
            ),
        ),
        migrations.AddField(
            model_name="session",
            name="leader_name",
            field=models.CharField(blank=True, max_length=50, verbose_name="接待领导姓名"),
        ),
        migrations.AddField(
            model_name="session",
            name="leader_title",
            field=models.CharField(blank=True, help_text="如“市长”", max_length=50, verbose_name="接待领导职务"),
        ),
        migrations.AddField(
            model_name="sessionevent",
            name="leader_name",
            field=models.CharField(blank=True, max_length=50, verbose_name="接待领导姓名"),
        ),
        migrations.AddField(
            model_name="sessionevent",
            name="leader_title",
            field=models.CharField(blank=True, help_text="如“市长”", max_length=50, verbose_name="接待领导职务"),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="registration",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "roundtables_registrationevent" ("archived_at", "attendee_mobile", "attendee_name", "attendee_title", "cancelled_at", "checked_in_at", "code", "created_at", "enterprise_id", "id", "intended_problems", "mode", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "pool", "privacy_consent_at", "session_id", "signed_up_by_id", "slot_id", "status") VALUES (NEW."archived_at", NEW."attendee_mobile", NEW."attendee_name", NEW."attendee_title", NEW."cancelled_at", NEW."checked_in_at", NEW."code", NEW."created_at", NEW."enterprise_id", NEW."id", NEW."intended_problems", NEW."mode", _pgh_attach_context(), clock_timestamp(), \'insert\', NEW."id", NEW."pool", NEW."privacy_consent_at", NEW."session_id", NEW."signed_up_by_id", NEW."slot_id", NEW."status"); RETURN NULL;',
                    hash="1f0cd1f77ace55444550b4ba15d3ddb258dae477",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_3d6bf",
                    table="roundtables_registration",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="registration",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition="WHEN (OLD.* IS DISTINCT FROM NEW.*)",
                    func='INSERT INTO "roundtables_registrationevent" ("archived_at", "attendee_mobile", "attendee_name", "attendee_title", "cancelled_at", "checked_in_at", "code", "created_at", "enterprise_id", "id", "intended_problems", "mode", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "pool", "privacy_consent_at", "session_id", "signed_up_by_id", "slot_id", "status") VALUES (NEW."archived_at", NEW."attendee_mobile", NEW."attendee_name", NEW."attendee_title", NEW."cancelled_at", NEW."checked_in_at", NEW."code", NEW."created_at", NEW."enterprise_id", NEW."id", NEW."intended_problems", NEW."mode", _pgh_attach_context(), clock_timestamp(), \'update\', NEW."id", NEW."pool", NEW."privacy_consent_at", NEW."session_id", NEW."signed_up_by_id", NEW."slot_id", NEW."status"); RETURN NULL;',
                    hash="98a6eb6dcd947d9bbe05ed4145184ce451a26860",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_63a46",
                    table="roundtables_registration",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="registration",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "roundtables_registrationevent" ("archived_at", "attendee_mobile", "attendee_name", "attendee_title", "cancelled_at", "checked_in_at", "code", "created_at", "enterprise_id", "id", "intended_problems", "mode", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "pool", "privacy_consent_at", "session_id", "signed_up_by_id", "slot_id", "status") VALUES (OLD."archived_at", OLD."attendee_mobile", OLD."attendee_name", OLD."attendee_title", OLD."cancelled_at", OLD."checked_in_at", OLD."code", OLD."created_at", OLD."enterprise_id", OLD."id", OLD."intended_problems", OLD."mode", _pgh_attach_context(), clock_timestamp(), \'delete\', OLD."id", OLD."pool", OLD."privacy_consent_at", OLD."session_id", OLD."signed_up_by_id", OLD."slot_id", OLD."status"); RETURN NULL;',
                    hash="d78d986af479d8be2dccdced53c2a0eddecf5565",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_00ecb",
                    table="roundtables_registration",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="session",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "roundtables_sessionevent" ("calendar_note", "capacity", "chairs", "created_at", "description", "early_publish_reason", "ends_at", "id", "leader_name", "leader_title", "minutes", "number", "online_link", "parent_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "published_at", "region_id", "registration_closes_at", "reserved_seats", "series_id", "starts_at", "state", "theme", "venue", "video_url", "year") VALUES (NEW."calendar_note", NEW."capacity", NEW."chairs", NEW."created_at", NEW."description", NEW."early_publish_reason", NEW."ends_at", NEW."id", NEW."leader_name", NEW."leader_title", NEW."minutes", NEW."number", NEW."online_link", NEW."parent_id", _pgh_attach_context(), clock_timestamp(), \'insert\', NEW."id", NEW."published_at", NEW."region_id", NEW."registration_closes_at", NEW."reserved_seats", NEW."series_id", NEW."starts_at", NEW."state", NEW."theme", NEW."venue", NEW."video_url", NEW."year"); RETURN NULL;',
                    hash="9a4ae7885d8c1adb7f4d4065647679f6504430e3",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_da0e1",
                    table="roundtables_session",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="session",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition="WHEN (OLD.* IS DISTINCT FROM NEW.*)",
                    func='INSERT INTO "roundtables_sessionevent" ("calendar_note", "capacity", "chairs", "created_at", "description", "early_publish_reason", "ends_at", "id", "leader_name", "leader_title", "minutes", "number", "online_link", "parent_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "published_at", "region_id", "registration_closes_at", "reserved_seats", "series_id", "starts_at", "state", "theme", "venue", "video_url", "year") VALUES (NEW."calendar_note", NEW."capacity", NEW."chairs", NEW."created_at", NEW."description", NEW."early_publish_reason", NEW."ends_at", NEW."id", NEW."leader_name", NEW."leader_title", NEW."minutes", NEW."number", NEW."online_link", NEW."parent_id", _pgh_attach_context(), clock_timestamp(), \'update\', NEW."id", NEW."published_at", NEW."region_id", NEW."registration_closes_at", NEW."reserved_seats", NEW."series_id", NEW."starts_at", NEW."state", NEW."theme", NEW."venue", NEW."video_url", NEW."year"); RETURN NULL;',
                    hash="7d26a083296c6ed2739caf981a3fca34263b6cdf",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_f5e55",
                    table="roundtables_session",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="session",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "roundtables_sessionevent" ("calendar_note", "capacity", "chairs", "created_at", "description", "early_publish_reason", "ends_at", "id", "leader_name", "leader_title", "minutes", "number", "online_link", "parent_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "published_at", "region_id", "registration_closes_at", "reserved_seats", "series_id", "starts_at", "state", "theme", "venue", "video_url", "year") VALUES (OLD."calendar_note", OLD."capacity", OLD."chairs", OLD."created_at", OLD."description", OLD."early_publish_reason", OLD."ends_at", OLD."id", OLD."leader_name", OLD."leader_title", OLD."minutes", OLD."number", OLD."online_link", OLD."parent_id", _pgh_attach_context(), clock_timestamp(), \'delete\', OLD."id", OLD."published_at", OLD."region_id", OLD."registration_closes_at", OLD."reserved_seats", OLD."series_id", OLD."starts_at", OLD."state", OLD."theme", OLD."venue", OLD."video_url", OLD."year"); RETURN NULL;',
                    hash="21f399ba515470d3d11abf0ed3dea17a13c7541c",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_80f73",
                    table="roundtables_session",
                    when="AFTER",
                ),
            ),
        ),
        migrations.AddField(
            model_name="slot",
            name="session",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="slots",
                to="roundtables.session",
                verbose_name="会议",
            ),
        ),
        migrations.AddField(
            model_name="registration",
            name="slot",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="registrations",
                to="roundtables.slot",
                verbose_name="预约时段",
            ),
        ),
        migrations.AddField(
            model_name="registrationevent",
            name="slot",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to="roundtables.slot",
                verbose_name="预约时段",
            ),
        ),
        migrations.AddField(
            model_name="slotevent",
            name="pgh_context",
            field=models.ForeignKey(
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="pghistory.context",
            ),
        ),
        migrations.AddField(
            model_name="slotevent",
            name="pgh_obj",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="events",
                to="roundtables.slot",
            ),
        ),
        migrations.AddField(
            model_name="slotevent",
            name="session",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to="roundtables.session",
                verbose_name="会议",
            ),
        ),
        migrations.AddConstraint(
            model_name="slot",
            constraint=models.UniqueConstraint(
                fields=("session", "starts_at"),
                name="one_slot_per_start",
                violation_error_message="本期已有同一开始时间的时段。",
            ),
        ),
        migrations.AddConstraint(
            model_name="slot",
            constraint=models.CheckConstraint(
                condition=models.Q(("ends_at__gt", models.F("starts_at"))),
                name="slot_ends_after_start",
                violation_error_message="时段的结束时间应晚于开始时间。",
            ),
        ),
        migrations.AddConstraint(
            model_name="slot",
            constraint=models.CheckConstraint(
                condition=models.Q(("capacity__gte", 1)),
                name="slot_capacity_positive",
                violation_error_message="每个时段至少可约1家企业。",
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="slot",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "roundtables_slotevent" ("capacity", "ends_at", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "session_id", "starts_at") VALUES (NEW."capacity", NEW."ends_at", NEW."id", _pgh_attach_context(), clock_timestamp(), \'insert\', NEW."id", NEW."session_id", NEW."starts_at"); RETURN NULL;',
                    hash="9622ab3a6f9c31d501e83481c2f04aa967278020",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_5273b",
                    table="roundtables_slot",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="slot",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition="WHEN (OLD.* IS DISTINCT FROM NEW.*)",
                    func='INSERT INTO "roundtables_slotevent" ("capacity", "ends_at", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "session_id", "starts_at") VALUES (NEW."capacity", NEW."ends_at", NEW."id", _pgh_attach_context(), clock_timestamp(), \'update\', NEW."id", NEW."session_id", NEW."starts_at"); RETURN NULL;',
                    hash="1d82810fb24393d30d9744b7100e05f6b2ead902",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_81981",
                    table="roundtables_slot",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="slot",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "roundtables_slotevent" ("capacity", "ends_at", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "session_id", "starts_at") VALUES (OLD."capacity", OLD."ends_at", OLD."id", _pgh_attach_context(), clock_timestamp(), \'delete\', OLD."id", OLD."session_id", OLD."starts_at"); RETURN NULL;',
                    hash="d4113d957fe02e6dea1fc21dfd09c98abb24e4c8",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_14e39",
                    table="roundtables_slot",
                    when="AFTER",
                ),
            ),
        ),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
