"""The demo shows 帮办代办 at work, once however often ``seed_demo`` runs: 马管家's two
applications for the demo enterprise (one awaiting its confirmation, one submitted),
a 一企一策 report, and enterprise2's standing mandate with an application under it."""

import os

import pytest
from django.core.management import call_command

from policies.models import Application, ApplicationMandate, PolicyPlan


@pytest.mark.django_db
def test_demo_shows_assisted_applications_mandate_and_report(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    for _run in range(2):
        call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    by_steward = Application.objects.filter(
        prepared_by__username="steward", enterprise__memberships__user__username="enterprise"
    )
    assert sorted(by_steward.values_list("status", flat=True)) == ["draft", "submitted"]
    assert PolicyPlan.objects.filter(prepared_by__username="steward").count() == 1
    mandate = ApplicationMandate.objects.get(granted_by__username="enterprise2")
    assert mandate.is_active
    under_mandate = Application.objects.get(mandate=mandate)
    assert under_mandate.prepared_by.username == "official" and under_mandate.status == "submitted"
