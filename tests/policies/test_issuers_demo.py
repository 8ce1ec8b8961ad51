"""The demo shows policies kept by their issuers, once however often ``seed_demo`` runs:
`handler` (发改委) has a draft and one awaiting 审核发布, and published policies carry
revisions with reasons."""

import os

import pytest
from django.core.management import call_command
from django.urls import reverse

from policies.models import Policy, PolicyRevision


@pytest.mark.django_db
def test_demo_shows_the_issuers_drafts_the_queue_and_revisions(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    for _run in range(2):
        call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    mine = Policy.objects.filter(issuer__staff__username="handler")
    assert mine.filter(state=Policy.State.DRAFT, revisions__actor__username="handler").distinct().count() >= 1
    in_review = mine.get(state=Policy.State.IN_REVIEW)
    kinds = list(in_review.revisions.values_list("kind", flat=True))
    assert kinds == ["created", "submitted", "returned", "edited", "submitted"]
    updated = PolicyRevision.objects.filter(kind="edited", policy__state=Policy.State.PUBLISHED)
    assert updated.count() >= 2 and all(revision.reason for revision in updated)

    from portal.models import User

    client.force_login(User.objects.get(username="handler"))
    listed = client.get(reverse("policies:manage_list")).content.decode()
    assert in_review.title in listed
    client.force_login(User.objects.get(username="official"))
    assert in_review.title in client.get(reverse("policies:review_queue")).content.decode()
