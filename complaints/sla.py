"""Deadline rules for cases, in one place: which policy applies, when each stage is
due, and how late a stage is (green / yellow / red)."""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.db.models import Case as SqlCase
from django.db.models import Q, Value, When
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.models import SlaPolicy, Stage
from portal.workdays import WorkCalendar, office_hours_end

GREEN = "green"
YELLOW = "yellow"
RED = "red"
FLAG_LABELS = {GREEN: _("正常"), YELLOW: _("临期"), RED: _("超期")}

# Used only when officials have switched every policy off.
FALLBACK_POLICY = SlaPolicy(name="1-2-3", assign_days=1, measures_days=2, feedback_days=3, resolve_months=1)


def policy_for(*, channel: str, tier: str) -> SlaPolicy:
    """The active policy with the highest priority that covers the channel and tier."""
    policy = (
        SlaPolicy.objects.filter(is_active=True)
        .filter(Q(channels=[]) | Q(channels__contains=[channel]))
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


def yellow_threshold(now: dt.datetime | None = None, calendar: WorkCalendar | None = None) -> dt.datetime:
    """A stage due before this moment is due within one working day (yellow)."""
    return (calendar or WorkCalendar()).deadline(now or timezone.now(), 1)


def flag_expression(threshold: dt.datetime, *, prefix: str = ""):
    """SQL for a case's flag, so lists can show and sort by it without Python loops.
    ``prefix`` reaches the case through a relation, e.g. ``"case__"`` from an appeal."""
    due, suspended = f"{prefix}stage_due_at", f"{prefix}suspended_at"
    return SqlCase(
        When(Q(**{f"{due}__isnull": True}) | Q(**{f"{suspended}__isnull": False}), then=Value("")),
        When(**{f"{due}__lt": Now()}, then=Value(RED)),
        When(**{f"{due}__lte": threshold}, then=Value(YELLOW)),
        default=Value(GREEN),
    )
