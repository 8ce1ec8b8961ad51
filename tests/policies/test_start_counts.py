"""An enterprise member's start page counts the open policies their enterprise may apply
for (可申报) and those closing within ten working days (即将截止), as "my matches" classes
them, and links to them."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from portal import workdays
from tests import factories

pytestmark = pytest.mark.django_db


def _cards(page: str) -> str:
    return page[page.index('data-testid="start-items"') : page.index("通知公告")]


def test_an_enterprise_sees_what_it_may_apply_for_and_what_closes_soon(client, make_policy, regions):
    cache.clear()
    today = timezone.localdate()
    enterprise = factories.enterprise(region=regions["xuanzhou"])
    member = factories.enterprise_user(enterprise)
    make_policy(title="技改奖补", application_closes=workdays.add_working_days(today, 3))
    make_policy(title="人才补贴", application_closes=today + dt.timedelta(days=60))
    make_policy(title="免申即享稳岗返还", application_method="auto", application_closes=today + dt.timedelta(days=2))
    make_policy(title="合肥专项", regions=[regions["hefei"]], application_closes=today + dt.timedelta(days=2))
    make_policy(title="已截止", application_closes=today - dt.timedelta(days=1))

    client.force_login(member)
    cards = _cards(client.get("/").content.decode())
    assert "可申报的政策" in cards and "即将截止申报" in cards
    # Three eligible (the Hefei one is for another region, the closed one is out of the
    # catalogue); one of them closes within ten working days (免申即享 needs no application).
    assert '<div class="small text-muted">可申报的政策</div><div class="fs-4 fw-bold text-secondary">3</div>' in cards
    assert '<div class="small text-muted">即将截止申报</div><div class="fs-4 fw-bold text-warning">1</div>' in cards
    assert 'href="/policies/matches/?klass=eligible&amp;sort=deadline"' in cards


def test_the_counts_follow_the_enterprise_profile(client, make_policy, regions):
    cache.clear()
    enterprise = factories.enterprise(region=regions["xuanzhou"])
    member = factories.enterprise_user(enterprise)
    make_policy(title="宁国专项", regions=[regions["ningguo"]])
    client.force_login(member)
    assert "可申报的政策" not in _cards(client.get("/").content.decode())

    # The enterprise moves to 宁国市: its saved profile changes the count at once.
    enterprise.region = regions["ningguo"]
    enterprise.save()
    assert "可申报的政策" in _cards(client.get("/").content.decode())


def test_people_without_an_enterprise_get_no_policy_counts(client, make_policy):
    make_policy()
    client.force_login(factories.official())
    assert "可申报的政策" not in client.get("/").content.decode()
