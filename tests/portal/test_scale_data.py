"""The scale-data generator writes valid, linked, deterministic rows and refuses a
database people work in."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, F
from django.utils import timezone

from complaints.models import Case
from policies.models import Policy
from portal.models import Enterprise
from roundtables.models import Appeal, Registration, Series, Session
from tests import factories


@pytest.mark.django_db
def test_generated_rows_are_valid_and_linked(capsys):
    call_command("generate_scale_data", enterprises=300, policies=40, cases=200, seed=3)
    assert Enterprise.objects.count() == 300 and Policy.objects.count() == 40 and Case.objects.count() == 200
    for enterprise in Enterprise.objects.order_by("?")[:25]:
        enterprise.full_clean()
    assert Case.objects.values("number").distinct().count() == 200
    assert "Done in" in capsys.readouterr().out
    # The generator fills the condition id arrays the triggers would keep (they are off for the load).
    for policy in Policy.objects.prefetch_related("regions", "tags_all")[:20]:
        assert policy.condition_region_ids == sorted(r.pk for r in policy.regions.all())
        assert policy.condition_tags_all_ids == sorted(t.pk for t in policy.tags_all.all())


@pytest.mark.django_db
def test_roundtables_span_every_state_with_registrations_and_appeals():
    call_command("generate_scale_data", enterprises=200, policies=0, cases=300, roundtables=60, seed=5)
    assert Session.objects.count() == 60
    states = set(Session.objects.values_list("state", flat=True))
    assert {"announced", "held", "closed", "cancelled"} <= states
    for session in Session.objects.order_by("?")[:10]:
        session.full_clean()
    assert set(Registration.objects.values_list("status", flat=True)) == {"confirmed", "waitlisted", "cancelled"}
    assert not Registration.objects.filter(session__state="draft").exists()
    appeals = Appeal.objects.select_related("case", "session")
    assert appeals.exists()
    assert all(a.case.channel == "roundtable" and a.session.state != "announced" for a in appeals)
    fingerprint = list(Session.objects.order_by("pk").values_list("state", "starts_at", "region_id"))
    Appeal.objects.all().delete()
    Registration.objects.all().delete()
    Session.objects.all().delete()
    Series.objects.all().delete()
    call_command("generate_scale_data", enterprises=0, policies=0, cases=0, roundtables=60, seed=5)
    again = list(Session.objects.order_by("pk").values_list("state", "starts_at", "region_id"))
    assert [row[0] for row in again] == [row[0] for row in fingerprint]  # the same draw from the same seed


@pytest.mark.django_db
def test_it_refuses_a_database_with_real_roundtables():
    city = factories.region()
    series = Series.objects.create(name="宣城市政商恳谈会", region=city, rrule="FREQ=MONTHLY;BYDAY=1SA")
    starts = timezone.now() + dt.timedelta(days=30)
    Session.objects.create(
        series=series, region=city, year=starts.year, number=1, theme="营商环境", starts_at=starts,
        ends_at=starts + dt.timedelta(hours=3), capacity=30,
    )  # fmt: skip
    with pytest.raises(CommandError, match="not generated"):
        call_command("generate_scale_data", enterprises=0, policies=0, cases=0, roundtables=5)


@pytest.mark.django_db
def test_it_refuses_a_database_with_real_data():
    factories.enterprise(name="宣城真实企业有限公司")
    with pytest.raises(CommandError, match="not generated"):
        call_command("generate_scale_data", enterprises=10, policies=0, cases=0)


@pytest.mark.django_db
def test_the_province_profile_is_one_province_eleven_cities_and_ninety_counties():
    from policies import matching
    from portal.models import Region

    call_command("generate_scale_data", profile="province", enterprises=3000, policies=1500, cases=0, roundtables=0)
    levels = dict(Region.objects.values_list("level").annotate(n=Count("id")))
    assert levels == {"province": 1, "city": 11, "county": 90}
    # Every enterprise in a county; every policy issued in its own area, by level.
    assert not Enterprise.objects.exclude(region__level="county").exists()
    by_level = dict(Policy.objects.values_list("level").annotate(n=Count("id")))
    assert 0.02 < by_level["provincial"] / 1500 < 0.09 and 0.55 < by_level["county"] / 1500 < 0.75
    assert not Policy.objects.filter(level="county").exclude(region__level="county").exists()
    assert not Policy.objects.exclude(issuer__region=F("region")).exists()
    for policy in Policy.objects.prefetch_related("regions", "industries", "tags_any", "tags_excluded")[:40]:
        assert policy.condition_industry_ids == sorted(i.pk for i in policy.industries.all())
        assert policy.condition_tags_any_ids == sorted(t.pk for t in policy.tags_any.all())
        assert policy.condition_tags_excluded_ids == sorted(t.pk for t in policy.tags_excluded.all())
    assert Policy.objects.exclude(advanced_condition=None).values("advanced_condition").distinct().count() > 50

    # One county firm: only its province's, city's and county's policies are classified,
    # and the SQL classes agree with the Python evaluator on each of them.
    enterprise = Enterprise.objects.select_related("region", "industry").order_by("pk").first()
    area = [enterprise.region_id, enterprise.region.parent_id, enterprise.region.parent.parent_id]
    page = matching.match_page(enterprise, include_not_eligible=True)
    assert {e.policy.region_id for e in page.evaluations} <= set(area)
    profile = matching.Profile.of(enterprise)
    for evaluation in page.evaluations:
        policy = Policy.objects.prefetch_related(*matching.CONDITION_PREFETCH).get(pk=evaluation.policy.pk)
        assert matching.evaluate(policy, profile).klass == evaluation.klass, policy.advanced_condition
