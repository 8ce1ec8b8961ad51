"""Admin actions that change records need the change (or add) permission, not just
the view permission that lets a user open the list."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from complaints.models import Checklist, ChecklistQuestion, ExperienceOfficer
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer(client):
    """Staff who may look at checklists and officers but change nothing (an auditor)."""
    user = factories.user(username="auditor", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_checklist", "view_experienceofficer"]))
    client.force_login(user)
    return user


def test_a_viewer_cannot_publish_copy_or_retire_through_actions(client, viewer):
    draft = Checklist.objects.create(version=99, title="草稿清单")
    ChecklistQuestion.objects.create(checklist=draft, order=1, text="是否一次告知", problem_answer="no")
    officer = ExperienceOfficer.objects.create(
        user=factories.user(username="volunteer"), affiliation="某企业", appointed_from=timezone.localdate()
    )
    page = client.get("/admin/complaints/checklist/")
    assert page.status_code == 200
    assert 'value="publish"' not in page.content.decode()
    for action in ["publish", "copy_as_new_version"]:
        client.post("/admin/complaints/checklist/", {"action": action, "_selected_action": [draft.pk]})
    client.post("/admin/complaints/experienceofficer/", {"action": "retire", "_selected_action": [officer.pk]})
    draft.refresh_from_db()
    officer.refresh_from_db()
    assert not draft.is_published
    assert Checklist.objects.filter(version__gt=99).count() == 0
    assert officer.is_active


def test_an_official_still_can(client):
    client.force_login(factories.official(username="official_actions"))
    draft = Checklist.objects.create(version=99, title="草稿清单")
    ChecklistQuestion.objects.create(checklist=draft, order=1, text="是否一次告知", problem_answer="no")
    client.post("/admin/complaints/checklist/", {"action": "publish", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.is_published
