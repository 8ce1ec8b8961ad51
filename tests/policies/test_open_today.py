""" "Open for application today" has one definition (``Policy.open_q``); the matcher's
SQL and the reasons an enterprise reads (``window_message``) say the same thing for
every kind of policy: drafts, withdrawn, expired, out of effect, before and after the
window, no window at all, and 免申即享."""

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.utils import timezone

from policies.applications.selectors import window_message
from policies.filters import open_today_q
from policies.matching.sql import OPEN_POLICIES_SQL
from policies.models import Policy

pytestmark = pytest.mark.django_db


@pytest.fixture
def every_kind(make_policy):
    today = timezone.localdate()
    day = dt.timedelta(days=1)
    windows = [(None, None), (today - day, today + day), (today, today), (today + day, None), (None, today - day)]
    states = [Policy.State.PUBLISHED, Policy.State.DRAFT, Policy.State.WITHDRAWN, Policy.State.EXPIRED]
    effective = [None, today, today - day]
    methods = ["online", "auto"]
    policies = []
    for (opens, closes), state, until, method in itertools.product(windows, states, effective, methods):
        policies.append(
            make_policy(
                application_opens=opens,
                application_closes=closes,
                state=state,
                effective_until=until,
                application_method=method,
                title=f"{state}-{opens}-{closes}-{until}-{method}",
            )
        )
    return policies


def test_the_sql_the_filter_and_the_words_agree_on_what_is_open_today(every_kind):
    today = timezone.localdate()
    by_q = set(Policy.objects.filter(Policy.open_q(today)).values_list("pk", flat=True))
    assert set(Policy.objects.filter(open_today_q()).values_list("pk", flat=True)) == by_q
    with connection.cursor() as cursor:
        cursor.execute("SELECT p.id FROM policies_policy p WHERE " + OPEN_POLICIES_SQL, {"today": today})  # noqa: S608
        by_sql = {row[0] for row in cursor.fetchall()}
    assert by_sql == by_q
    applicable = {policy.pk for policy in every_kind if window_message(policy) is None}
    granted = set(Policy.objects.filter(pk__in=by_q, application_method="auto").values_list("pk", flat=True))
    assert applicable == by_q - granted
    assert 0 < len(applicable) < len(by_q) < len(every_kind)


def test_a_policy_out_of_effect_says_so_and_takes_no_application(make_policy):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    policy = make_policy(effective_until=yesterday)
    assert window_message(policy) == f"该政策已于{yesterday:%Y-%m-%d}失效，不能申报。"
