"""Deadline rules for cases, in one place: which rule applies, when each stage is
due, what "overdue" means, and how late a stage is (green / yellow / red).

The clock (宣城's 1-2-3 by default): the 交办 deadline counts from receipt
(``received_at``) with the rule for the tier the case is filed with; acceptance and
assignment both happen inside it. At 交办 the rule for the assigned tier sets the
measures deadline (from 交办), then the feedback deadline (from the measures) and
the resolve deadline (from 交办). 二次交办 starts those three again from the
reassignment, so no round begins overdue."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.db.models import Case as SqlCase
from django.db.models import Q, Value, When
from django.db.models.functions import Now
from django.utils import timezone

from complaints.models import OPEN_STATUSES, SlaPolicy, Stage
from portal.deadlines import GREEN, RED, YELLOW, time_left_text
from portal.workdays import WorkCalendar, office_hours_end

# Used only when officials have switched every policy off.
FALLBACK_POLICY = SlaPolicy(name="1-2-3", assign_days=1, measures_days=2, feedback_days=3, resolve_months=1)


def policy_for(*, tier: str) -> SlaPolicy:
    """The active rule with the highest priority that covers the tier."""
    policy = (
        SlaPolicy.objects.filter(is_active=True)
        .filter(Q(tiers=[]) | Q(tiers__contains=[tier]))
        .order_by("-priority", "id")
        .first()
    )
    return policy or FALLBACK_POLICY


def stage_days(policy: SlaPolicy, stage: str) -> int:
    return {
        Stage.ASSIGN: policy.assign_days,
        Stage.MEASURES: policy.measures_days,
        Stage.FEEDBACK: policy.feedback_days,
    }[stage]


def stage_deadline(*, policy: SlaPolicy, stage: str, start: dt.datetime, calendar: WorkCalendar) -> dt.datetime:
    return calendar.deadline(start, stage_days(policy, stage))


def resolve_deadline(*, policy: SlaPolicy, start: dt.datetime, calendar: WorkCalendar) -> dt.datetime:
    """Resolution limit: n working days, or n calendar months ("原则上一个月内办结").

    A month ending on a day off ends on the next working day, as Chinese
    administrative practice counts periods.
    """
    if policy.resolve_working_days:
        return calendar.deadline(start, policy.resolve_working_days)
    local = timezone.localtime(start)
    due = calendar.add_working_days(local.date() + relativedelta(months=policy.resolve_months), 0)
    return timezone.make_aware(dt.datetime.combine(due, office_hours_end()), local.tzinfo)


def shift_by_working_days(moment: dt.datetime | None, days: int, calendar: WorkCalendar) -> dt.datetime | None:
    """Move a deadline later by ``days`` working days, keeping its time of day."""
    if moment is None or days <= 0:
        return moment
    local = timezone.localtime(moment)
    return timezone.make_aware(
        dt.datetime.combine(calendar.add_working_days(local.date(), days), local.time()), local.tzinfo
    )


def overdue_q(now: dt.datetime | None = None, *, prefix: str = "") -> Q:
    """超期: an open case whose running (not suspended) stage is past its deadline, and
    that a chief officer has not approved as 需长期推进 (those are counted on their own,
    ``long_term_q``, never as late).

    The one definition, used by lists, filters, figures, flags and the overdue sweep
    (which embeds its compiled SQL); ``now`` None compares with the database's clock.
    ``prefix`` reaches the case through a relation."""
    return Q(
        **{
            f"{prefix}status__in": OPEN_STATUSES,
            f"{prefix}suspended_at__isnull": True,
            f"{prefix}long_term_since__isnull": True,
            f"{prefix}stage_due_at__lt": now if now is not None else Now(),
        }
    )


def long_term_q(*, prefix: str = "") -> Q:
    """需长期推进: an open case a chief officer approved as one to pursue over the long
    term (湘潭's "正在跟进并需长期推进事项"). Its clock stands still meanwhile."""
    return Q(**{f"{prefix}status__in": OPEN_STATUSES, f"{prefix}long_term_since__isnull": False})


def flag_expression(threshold: dt.datetime, *, prefix: str = ""):
    """SQL for a case's flag, so lists can show and sort by it without Python loops.
    ``prefix`` reaches the case through a relation, e.g. ``"case__"`` from an appeal."""
    due, suspended, long_term = f"{prefix}stage_due_at", f"{prefix}suspended_at", f"{prefix}long_term_since"
    return SqlCase(
        # No clock runs: none set, suspended, or 需长期推进 (shown by its own badge).
        When(
            Q(**{f"{due}__isnull": True}) | Q(**{f"{suspended}__isnull": False}) | Q(**{f"{long_term}__isnull": False}),
            then=Value(""),
        ),
        When(overdue_q(prefix=prefix), then=Value(RED)),
        When(**{f"{due}__lte": threshold}, then=Value(YELLOW)),
        default=Value(GREEN),
    )


def clock_text(case, now: dt.datetime | None = None, calendar: WorkCalendar | None = None) -> str:
    """The running stage's time in working days, as a handler reads it: "剩余 2 个工作日",
    "今日到期" or "超期 3 个工作日"; empty when no clock runs."""
    if not (case.is_open and case.stage_due_at and not case.is_suspended and case.long_term_since is None):
        return ""
    return time_left_text(case.stage_due_at, now, calendar)


def with_clock_text(cases, now: dt.datetime | None = None):
    """Sets ``clock_text`` on each case, with one calendar for them all (a query per year
    it looks at, whatever the number of cases)."""
    calendar, now = WorkCalendar(), now or timezone.now()
    for case in cases:
        case.clock_text = clock_text(case, now, calendar)
    return cases


@dataclass(frozen=True)
class Deadlines:
    """A round's deadlines if each step took all the time the rule gives it."""

    assign: dt.datetime
    measures: dt.datetime
    feedback: dt.datetime
    resolve: dt.datetime


def preview(policy: SlaPolicy, *, received_at: dt.datetime | None = None, calendar=None) -> Deadlines:
    """What a case received at ``received_at`` (now) would be given: the admin's
    "filed now → these deadlines"."""
    calendar = calendar or WorkCalendar()
    received_at = received_at or timezone.now()
    assign = stage_deadline(policy=policy, stage=Stage.ASSIGN, start=received_at, calendar=calendar)
    measures = stage_deadline(policy=policy, stage=Stage.MEASURES, start=assign, calendar=calendar)
    feedback = stage_deadline(policy=policy, stage=Stage.FEEDBACK, start=measures, calendar=calendar)
    return Deadlines(assign, measures, feedback, resolve_deadline(policy=policy, start=assign, calendar=calendar))
