"""Scheduled work on cases, run by the django-q2 cluster."""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from complaints import sla
from complaints.models import Case, EventKind
from portal import roles
from portal.models import User
from portal.schedules import Recurring
from portal.services import notification_send, notifications_insert_sql

# One statement does the whole sweep, however many cases are late:
#  1. flag every running stage whose deadline has passed and that is not flagged yet —
#     "overdue" is sla.overdue_q, compiled by the ORM into the first CTE, so the sweep,
#     the lists, the filters and the figures share one definition;
#  2. write one "overdue" event per case, stage and round (a unique index makes a
#     second write a no-op);
#  3. put a notification in the inbox of the lead department's handlers and its lead
#     (a case not yet assigned has none: the 营商办's summary below covers it).
# Running it again finds nothing unflagged and changes nothing.
_SWEEP_STEPS = """
WITH candidates AS ({candidates}
), overdue AS (
    UPDATE complaints_case c
       SET stage_overdue_at = %s
      FROM candidates
     WHERE c.id = candidates.id
 RETURNING c.id, c.number, c.title, c.status, c.stage, c.round, c.lead_department_id
), events AS (
    INSERT INTO complaints_caseevent
           (case_id, kind, actor_id, created_at, from_status, to_status, stage, round, note, is_public)
    SELECT id, %s, NULL, %s, status, status, stage, round, %s, FALSE
      FROM overdue
    ON CONFLICT DO NOTHING
), recipients AS (
    SELECT o.id AS case_id, o.number, o.title, o.stage, o.round, u.id AS user_id
      FROM overdue o
      JOIN portal_user u ON u.department_id = o.lead_department_id AND u.is_active
     WHERE EXISTS (
           SELECT 1 FROM portal_user_groups ug JOIN auth_group g ON g.id = ug.group_id
            WHERE ug.user_id = u.id AND g.name = %s)
    UNION
    SELECT o.id, o.number, o.title, o.stage, o.round, d.lead_id
      FROM overdue o JOIN portal_department d ON d.id = o.lead_department_id
     WHERE d.lead_id IS NOT NULL
), notified AS (
"""

SWEEP_SQL = (
    _SWEEP_STEPS  # noqa: S608 - assembled from constant SQL only; every value is a bound parameter
    + notifications_insert_sql(
        """SELECT user_id AS recipient_id, 'case.overdue' AS kind, %s || number || ' ' || left(title, 150) AS title,
           %s || number || '/' AS link, 'case.overdue:' || case_id || ':' || stage || ':' || round AS dedup_key,
           %s AS created_at
      FROM recipients"""
    )
    + """
)
SELECT count(*) FROM overdue
"""
)


def _candidates(now):
    """The cases to flag, as SQL: overdue by the shared definition and not yet flagged,
    locked so that a concurrent service call on one of them waits."""
    queryset = (
        Case.objects.filter(sla.overdue_q(now), stage_overdue_at__isnull=True)
        .order_by()
        .values("id")
        .select_for_update(of=("self",))
    )
    return queryset.query.sql_with_params()


def sweep_overdue_cases() -> int:
    """Flag newly overdue stages, record and notify them. Returns how many were new."""
    now = timezone.now()
    link_prefix = reverse("complaints:case_detail", args=["X"])[:-2]
    with transaction.atomic(), connection.cursor() as cursor:
        candidates_sql, candidates_params = _candidates(now)
        params = [
            *candidates_params,
            now,
            EventKind.OVERDUE.value,
            now,
            _("当前环节已超过办理期限。"),
            roles.HANDLER,
            _("诉求件超期："),
            link_prefix,
            now,
        ]
        cursor.execute(SWEEP_SQL.format(candidates=candidates_sql), params)
        count = cursor.fetchone()[0]
        if count:
            # Officials get one summary per sweep, not one message per case.
            for official in User.objects.filter(groups__name=roles.OFFICIAL, is_active=True):
                notification_send(
                    recipient=official,
                    kind="case.overdue.summary",
                    title=_("新增超期诉求件 %(count)d 件") % {"count": count},
                    link=reverse("complaints:case_list") + "?overdue=true",
                    dedup_key=f"case.overdue.summary:{now.isoformat()}",
                )
    return count


def remind_long_term_reviews() -> int:
    """Remind the chief officers of each 需长期推进 case whose review date has come to
    review it: extend it to a new date or end it (恢复常规办理). Once per case and
    review date (an extension to a new date reminds again). Returns how many were sent."""
    from complaints.selectors import long_term_reviews_due
    from complaints.services import long_term_reviewers

    sent = 0
    with transaction.atomic():
        cases = long_term_reviews_due().select_related("chief_officer", "region")
        for case in cases:
            # The chief officer who approved it, when the case has no chief officer of its own.
            approver = (
                None
                if case.chief_officer_id
                else case.long_term_requests.filter(approved=True)
                .select_related("decided_by")
                .order_by("-decided_at")
                .first()
            )
            reviewers = [approver.decided_by] if approver and approver.decided_by else long_term_reviewers(case)
            for chief in reviewers:
                if not chief.is_active:
                    continue
                notification = notification_send(
                    recipient=chief,
                    kind="case.long_term.review",
                    title=_("需长期推进的诉求件 %(number)s 已到评估日期，请评估：继续推进或恢复常规办理")
                    % {"number": case.number},
                    link=reverse("complaints:case_detail", args=[case.number]),
                    dedup_key=f"case.long_term.review:{case.pk}:{case.long_term_review_on}",
                    email=True,
                )
                sent += notification is not None
    return sent


def sweep_overdue_consultations() -> int:
    """咨询 past their answer limit unanswered: flagged (overdue_at) and their 管家 told, once
    (complaints.consultations.services). Returns how many were new."""
    from complaints.consultations.services import consultation_sweep_overdue

    return consultation_sweep_overdue()


# Every 5 minutes: new overdue stages are flagged within minutes of their deadline.
# Every morning: the chief officers are reminded of the 需长期推进 cases due for review.
SCHEDULES = [
    Recurring(name="诉求件超期巡查", func="complaints.tasks.sweep_overdue_cases", minutes=5),
    # The name is a database key (django-q2's schedule), like the one above.
    Recurring(
        name=gettext_noop("需长期推进评估提醒"),
        func="complaints.tasks.remind_long_term_reviews",
        daily_at=dt.time(8, 0),
    ),
    # 咨询 past their answer limit, flagged like cases' stages (complaints/consultations/).
    Recurring(name=gettext_noop("咨询超期巡查"), func="complaints.tasks.sweep_overdue_consultations", minutes=5),
]
