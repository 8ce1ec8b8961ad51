"""One check for every record that must never be deleted (cases, registrations,
applications, walkthroughs, policies): the admin offers no delete and archives instead,
with the acting user in the history; the database refuses a DELETE from anywhere."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from pghistory.models import Events

from tests import factories


def last_history_user(obj) -> int | None:
    event = Events.objects.tracks(obj).order_by("-pgh_created_at", "-pgh_id").first()
    return (event.pgh_context or {}).get("user") if event else None


def assert_archived_not_deleted(client, obj) -> None:
    model = type(obj)
    opts = model._meta
    clerk = factories.user(username=f"archivist_{opts.model_name}", is_staff=True, is_superuser=True)
    client.force_login(clerk)

    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    page = client.get(changelist)
    assert page.status_code == 200
    actions = dict(page.context["action_form"].fields["action"].choices)
    assert "delete_selected" not in actions
    assert "archive" in actions
    assert obj.pk in {row.pk for row in page.context["cl"].result_list}
    delete_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[obj.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()

    response = client.post(changelist, {"action": "archive", "_selected_action": [obj.pk]})
    assert response.status_code == 302
    obj.refresh_from_db()
    assert obj.archived_at is not None
    # The history has the change, and who made it.
    assert last_history_user(obj) == clerk.pk
    # The everyday admin list leaves it out; the archive filter finds it.
    assert obj.pk not in {row.pk for row in client.get(changelist).context["cl"].result_list}
    assert obj.pk in {row.pk for row in client.get(changelist, {"archived": "yes"}).context["cl"].result_list}

    # Whoever asks (a shell, a cascade, raw SQL), the database refuses to delete it.
    with pytest.raises(DatabaseError, match="archive_not_delete"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f'DELETE FROM "{opts.db_table}" WHERE "{opts.pk.column}" = %s', [obj.pk])  # noqa: S608
    assert model.objects.filter(pk=obj.pk).exists()
