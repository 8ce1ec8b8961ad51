"""精准推送 and re-matching, run by the django-q2 cluster.

A push inserts one ``PolicyPush`` row per eligible enterprise and the members'
notifications in the same transaction, batch by batch. The unique constraint on
(policy, enterprise) makes a retried or resumed task skip what was already pushed,
so every enterprise hears once, even after a worker dies midway.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from policies import matching
from policies.models import Policy, PolicyPush, PushRun
from portal import pagecache
from portal.models import Enterprise, EnterpriseMembership
from portal.schedules import Recurring
from portal.services import notifications_insert_sql

# Large enough that a push to 100k enterprises is 20 short transactions, not 200 (B5).
BATCH_SIZE = 5000

# Push a batch: the enterprises of the batch not yet pushed get their row and their
# members an inbox notification, in one statement.
_PUSH_ROWS = """
WITH pushed AS (
    INSERT INTO policies_policypush (policy_id, enterprise_id, pushed_at)
    SELECT %(policy_id)s, unnest(%(enterprise_ids)s::bigint[]), %(now)s
    ON CONFLICT DO NOTHING
    RETURNING enterprise_id
)
"""

PUSH_BATCH_SQL = _PUSH_ROWS + notifications_insert_sql(
    """SELECT m.user_id AS recipient_id, 'policy.matched' AS kind, %(title)s AS title, %(link)s AS link,
           'policy.matched:' || %(policy_id)s || ':' || pushed.enterprise_id AS dedup_key, %(now)s AS created_at
      FROM pushed
      JOIN portal_enterprisemembership m ON m.enterprise_id = pushed.enterprise_id AND m.status = %(approved)s
      JOIN portal_user u ON u.id = m.user_id AND u.is_active"""
)


def push_policy(policy_id: int, batch_size: int = BATCH_SIZE) -> int:
    """Tell the members of every eligible enterprise about the policy. Returns how many
    enterprises were newly pushed by this run."""
    policy = Policy.objects.get(pk=policy_id)
    if policy.state != Policy.State.PUBLISHED:
        return 0
    eligible = matching.eligible_enterprises(policy)
    PushRun.objects.update_or_create(policy=policy, defaults={"total": eligible.count(), "finished_at": None})
    remaining = eligible.exclude(pk__in=PolicyPush.objects.filter(policy=policy).values("enterprise_id"))
    ids = list(remaining.order_by("pk").values_list("pk", flat=True))
    pushed = 0
    for start in range(0, len(ids), batch_size):
        batch = ids[start : start + batch_size]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                PUSH_BATCH_SQL,
                {
                    "policy_id": policy.pk,
                    "enterprise_ids": batch,
                    "now": timezone.now(),
                    "title": _("贵企业符合“%(policy)s”的条件") % {"policy": policy.title[:150]},
                    "link": reverse("policies:detail", args=[policy.pk]),
                    "approved": EnterpriseMembership.Status.APPROVED,
                },
            )
        pushed += len(batch)
    PushRun.objects.filter(policy=policy).update(finished_at=timezone.now())
    return pushed


def rematch_enterprise(enterprise_id: int) -> int:
    """After a profile change: push the open policies the enterprise now qualifies for
    (each once, by the same constraint). Returns how many were new."""
    enterprise = Enterprise.objects.select_related("region", "industry").get(pk=enterprise_id)
    eligible = matching.eligible_policy_ids(enterprise)
    already = set(
        PolicyPush.objects.filter(enterprise=enterprise, policy_id__in=eligible).values_list("policy_id", flat=True)
    )
    new = [policy_id for policy_id in eligible if policy_id not in already]
    for policy in Policy.objects.filter(pk__in=new):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                PUSH_BATCH_SQL,
                {
                    "policy_id": policy.pk,
                    "enterprise_ids": [enterprise.pk],
                    "now": timezone.now(),
                    "title": _("贵企业符合“%(policy)s”的条件") % {"policy": policy.title[:150]},
                    "link": reverse("policies:detail", args=[policy.pk]),
                    "approved": EnterpriseMembership.Status.APPROVED,
                },
            )
    return len(new)


def expire_policies() -> int:
    """Daily: published policies past their effective date become expired."""
    expired = Policy.objects.filter(state=Policy.State.PUBLISHED, effective_until__lt=timezone.localdate()).update(
        state=Policy.State.EXPIRED
    )
    if expired:  # an update() sends no signal: the kept catalogue pages go by hand
        pagecache.bump(pagecache.POLICIES)
    return expired


# Nightly at 01:00: policies past their end date leave the catalogue.
SCHEDULES = [
    Recurring(name="政策到期处理", func="policies.tasks.expire_policies", daily_at=dt.time(1, 0)),
    # The month-end 三色图 (and its 督办), taken on the first night of the next month.
    Recurring(
        name="政策兑付三色图月末快照", func="policies.supervision.tasks.snapshot_last_month", daily_at=dt.time(2, 0)
    ),
]
