"""浏览量 per policy: counted in memory and written in batches (never a write per view),
added up across flushes, days and processes, shown to the staff who answer for the
policy and summed in the supervision figures."""

from __future__ import annotations

import datetime as dt
import time
import zoneinfo

import pytest
import time_machine
from django.db import DatabaseError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from policies import selectors, views_counter
from policies.models import Application, Policy, PolicyViewDay
from tests import factories
from tests.concurrency import run_at_once

pytestmark = pytest.mark.django_db

BROWSER = {"HTTP_USER_AGENT": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 MicroMessenger"}
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.fixture
def batches(settings):
    """Flush after five views; never by time unless a test says so."""
    settings.POLICY_VIEWS_FLUSH_EVERY = 5
    settings.POLICY_VIEWS_FLUSH_SECONDS = 3600
    views_counter.reset()


def inserts(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if "policies_policyviewday" in q["sql"]]


def views_of(policy) -> dict[dt.date, int]:
    return dict(PolicyViewDay.objects.filter(policy=policy).values_list("day", "views"))


def test_views_are_kept_in_memory_until_the_threshold_then_written_in_one_statement(client, make_policy, batches):
    policy = make_policy()
    url = reverse("policies:detail", args=[policy.pk])
    with CaptureQueriesContext(connection) as queries:
        for _ in range(4):
            assert client.get(url, **BROWSER).status_code == 200
    assert inserts(queries) == []
    assert not PolicyViewDay.objects.exists()

    with CaptureQueriesContext(connection) as queries:
        client.get(url, **BROWSER)
    assert len(inserts(queries)) == 1
    assert "ON CONFLICT" in inserts(queries)[0]
    assert views_of(policy) == {timezone.localdate(): 5}


def test_every_view_in_a_batch_costs_the_same_queries_as_none(client, make_policy, batches):
    """A counted view adds no query below the threshold: the page costs what it did."""
    policy = make_policy()
    url = reverse("policies:detail", args=[policy.pk])
    client.get(url)  # warm: no user agent, not counted
    with CaptureQueriesContext(connection) as uncounted:
        client.get(url)
    with CaptureQueriesContext(connection) as counted:
        client.get(url, **BROWSER)
    assert len(counted) == len(uncounted)
    assert views_counter.pending() == {(policy.pk, timezone.localdate()): 1}


def test_flushes_add_up_and_a_row_already_there_is_added_to(make_policy, batches):
    first, second = make_policy(), make_policy(title="人才引进补贴")
    today = timezone.localdate()
    for _ in range(3):
        views_counter.record_view(first.pk)
    assert views_counter.flush_views() == 3
    for _ in range(2):
        views_counter.record_view(first.pk)
    views_counter.record_view(second.pk)
    assert views_counter.flush_views() == 3
    assert views_of(first) == {today: 5}
    assert views_of(second) == {today: 1}

    # A row written by another process in the meantime is added to, not overwritten.
    PolicyViewDay.objects.filter(policy=second).update(views=100)
    views_counter.record_view(second.pk)
    views_counter.flush_views()
    assert views_of(second) == {today: 101}
    assert views_counter.flush_views() == 0  # nothing pending: no statement


def test_views_either_side_of_midnight_go_to_their_own_day(client, make_policy, batches):
    policy = make_policy()
    url = reverse("policies:detail", args=[policy.pk])
    with time_machine.travel(dt.datetime(2026, 3, 9, 23, 59, 30, tzinfo=SHANGHAI), tick=False):
        client.get(url, **BROWSER)
        client.get(url, **BROWSER)
    with time_machine.travel(dt.datetime(2026, 3, 10, 0, 0, 30, tzinfo=SHANGHAI), tick=False):
        client.get(url, **BROWSER)
        views_counter.flush_views()
    assert views_of(policy) == {dt.date(2026, 3, 9): 2, dt.date(2026, 3, 10): 1}


def test_a_quiet_policy_is_written_after_the_time_limit(client, make_policy, settings):
    settings.POLICY_VIEWS_FLUSH_EVERY = 1000
    settings.POLICY_VIEWS_FLUSH_SECONDS = 0.2
    views_counter.reset()
    policy = make_policy()
    url = reverse("policies:detail", args=[policy.pk])
    client.get(url, **BROWSER)
    assert not PolicyViewDay.objects.exists()
    time.sleep(0.25)
    client.get(url, **BROWSER)
    assert views_of(policy) == {timezone.localdate(): 2}


def test_robots_staff_drafts_and_posts_are_not_counted(client, make_policy, batches, regions):
    policy = make_policy()
    draft = make_policy(title="尚未发布", state=Policy.State.DRAFT)
    url = reverse("policies:detail", args=[policy.pk])
    client.get(
        url, HTTP_USER_AGENT="Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)"
    )
    client.get(url, HTTP_USER_AGENT="python-requests/2.32")
    client.get(url)  # no user agent at all: a script
    official = Client()
    official.force_login(factories.official())
    official.get(url, **BROWSER)
    official.get(reverse("policies:detail", args=[draft.pk]), **BROWSER)  # a preview of a draft
    handler = Client()
    handler.force_login(factories.handler(policy.issuer))
    handler.get(url, **BROWSER)
    member = Client()
    member.force_login(factories.enterprise_user(factories.enterprise(region=regions["city"])))
    member.post(reverse("policies:ask", args=[policy.pk]), {"question": ""}, **BROWSER)  # the form again: no view
    assert views_counter.pending() == {}

    member.get(url, **BROWSER)
    client.get(url, **BROWSER)
    client.get(f"/api/v1/policies/{policy.pk}/", **BROWSER)
    assert views_counter.pending() == {(policy.pk, timezone.localdate()): 3}


def test_a_failed_flush_keeps_the_counts_and_the_page_answers(client, make_policy, batches, monkeypatch):
    """Views are a running total: a batch the database refused is kept for the next try
    rather than lost, and the reader sees the page as usual."""
    policy = make_policy()
    url = reverse("policies:detail", args=[policy.pk])

    def refuse(batch):
        raise DatabaseError("the database is restarting")

    monkeypatch.setattr(views_counter, "_write", refuse)
    for _ in range(5):
        assert client.get(url, **BROWSER).status_code == 200
    assert views_counter.pending() == {(policy.pk, timezone.localdate()): 5}
    client.get(url, **BROWSER)  # within the back-off: no new try on every page
    monkeypatch.undo()
    assert views_counter.flush_views() == 6
    assert views_of(policy) == {timezone.localdate(): 6}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_processes_flushing_the_same_policy_and_day_at_once_add_up(make_policy, settings):
    settings.POLICY_VIEWS_FLUSH_EVERY = 10_000
    settings.POLICY_VIEWS_FLUSH_SECONDS = 3600
    first, second = make_policy(), make_policy(title="人才引进补贴")
    views_counter.reset()

    def view_and_flush(index):
        views_counter.reset()
        for _ in range(30 + index):
            views_counter.record_view(first.pk)
            views_counter.record_view(second.pk)
        return views_counter.flush_views()

    assert run_at_once(view_and_flush, 2) == [60, 62]
    today = timezone.localdate()
    assert views_of(first) == {today: 61}
    assert views_of(second) == {today: 61}


def _seed_views(policy, today):
    for days_ago, views in [(0, 3), (10, 2), (40, 2)]:
        PolicyViewDay.objects.create(policy=policy, day=today - dt.timedelta(days=days_ago), views=views)


def test_the_issuer_and_officials_see_the_views_the_public_and_enterprises_do_not(client, make_policy, regions):
    policy = make_policy()
    _seed_views(policy, timezone.localdate())
    url = reverse("policies:detail", args=[policy.pk])
    shown = "浏览量 7（近30日 5）"

    def page(user):
        reader = Client()
        if user is not None:
            reader.force_login(user)
        return reader.get(url).content.decode()

    assert shown in page(factories.official())
    assert shown in page(factories.handler(policy.issuer))
    assert shown not in page(factories.handler(factories.department("宣城市商务局", regions["city"])))
    assert shown not in page(factories.enterprise_user(factories.enterprise(region=regions["city"])))
    assert shown not in page(None)
    assert 'data-testid="views"' not in page(None)


def test_view_counts_for_a_page_of_policies_take_one_query(make_policy, django_assert_num_queries):
    today = timezone.localdate()
    policies = [make_policy(title=f"政策{i}") for i in range(6)]
    for policy in policies[:4]:
        _seed_views(policy, today)
    with django_assert_num_queries(1):
        counts = selectors.policy_view_counts(policy_ids=[p.pk for p in policies[:2]], today=today)
    with django_assert_num_queries(1):
        many = selectors.policy_view_counts(policy_ids=[p.pk for p in policies], today=today)
    assert counts[policies[0].pk] == selectors.ViewCounts(total=7, recent=5)
    assert len(many) == 4 and policies[5].pk not in many


def test_the_supervision_figures_sum_the_views(client, make_policy, regions):
    policy = make_policy()
    other = make_policy(title="商贸流通奖励", issuer=factories.department("宣城市商务局", regions["city"]))
    today = timezone.localdate()
    _seed_views(policy, today)
    PolicyViewDay.objects.create(policy=other, day=today, views=4)
    Application.objects.create(
        policy=policy,
        enterprise=factories.enterprise(region=regions["xuanzhou"]),
        status="submitted",
        year=today.year,
        submitted_at=timezone.now(),
    )
    official = factories.official()
    client.force_login(official)
    page = client.get(reverse("policy_applications:supervision")).content.decode()
    total = sum(PolicyViewDay.objects.values_list("views", flat=True))
    assert total == 11
    assert 'data-testid="total-views">11次<' in page
    table = page[page.index('data-testid="by-department"') : page.index('data-testid="by-region"')]
    assert 'data-testid="views">7<' in table
