"""Reads of 咨询 shared by pages, the API, the dashboard and the figures API, scoped to
what the user may see: officials every consultation, a 亲商管家 those of the enterprises
assigned to them, an enterprise member those of their enterprises, nobody else any."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import models
from django.db.models import Case as SqlCase
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Now
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.models import Consultation
from complaints.reporting.selectors import SATISFIED_RATINGS, Period, Rate
from portal import deadlines, roles
from portal.models import EnterpriseMembership, StewardAssignment, User
from portal.selectors import member_enterprise_ids
from portal.workdays import WorkCalendar

# Which of a user's consultations a list shows.
SCOPE_MINE = "mine"  # the enterprise's side: the user's enterprises' questions
SCOPE_ANSWERS = "answers"  # the answerers' side: every one for officials, a 管家's firms'


class State(models.TextChoices):
    """Where a consultation stands, derived from its fields (``state_expression``)."""

    PENDING = "pending", _("待答复")
    ANSWERED = "answered", _("已答复")
    TO_CASE = "to_case", _("已转诉求")


def state_expression():
    """SQL for the state: turned into a case first (the case carries it on), then answered."""
    return SqlCase(
        When(case__isnull=False, then=Value(State.TO_CASE.value)),
        When(answered_at__isnull=False, then=Value(State.ANSWERED.value)),
        default=Value(State.PENDING.value),
        output_field=models.CharField(),
    )


def state_of(consultation: Consultation) -> str:
    """The same state, for a consultation in memory."""
    if consultation.case_id is not None:
        return State.TO_CASE
    if consultation.answered_at is not None:
        return State.ANSWERED
    return State.PENDING


def pending_q() -> Q:
    """待答复: neither answered nor turned into a case (consultation_unanswered_idx)."""
    return Q(answered_at__isnull=True, case__isnull=True)


def overdue_q(now: dt.datetime | None = None) -> Q:
    """超期: still waiting for its answer after the limit. The one definition, used by the
    flag, the lists' filter, the figures, the start page and the sweep; ``now`` None
    compares with the database's clock."""
    return pending_q() & Q(answer_due_at__lt=now if now is not None else Now())


def flag_expression(threshold: dt.datetime):
    """SQL for the flag a list shows, as cases have it: red 超期, yellow due within one
    working day (``deadlines.yellow_threshold``), green; none once answered or a case."""
    return SqlCase(
        When(~pending_q(), then=Value("")),
        When(overdue_q(), then=Value(deadlines.RED)),
        When(answer_due_at__lte=threshold, then=Value(deadlines.YELLOW)),
        default=Value(deadlines.GREEN),
        output_field=models.CharField(),
    )


def _looked_after(user: User):
    return StewardAssignment.objects.filter(steward=user).values("enterprise_id")


def _visible(user: User, scope: str | None) -> Q | None:
    """The consultations the user may see in ``scope``, as a filter; None means all."""
    mine = Q(enterprise_id__in=member_enterprise_ids(user))
    if scope == SCOPE_MINE:
        return mine
    answers = None if roles.is_official(user) else Q(enterprise_id__in=_looked_after(user))
    if scope == SCOPE_ANSWERS or answers is None:
        return answers
    return mine | answers


def consultation_list(*, user, scope: str | None = None, filters=None) -> QuerySet[Consultation]:
    """The consultations the user may see, newest first, each with ``state``, ``flag``,
    ``answered_late`` and what ``permissions`` asks (``user_is_member``,
    ``user_is_steward``). ``scope``: ``SCOPE_MINE`` (the enterprise's side),
    ``SCOPE_ANSWERS`` (the answerers' side) or None (both). ``filters``:
    ``ConsultationFilter`` parameters. A constant number of queries for any number of rows."""
    if not (user and user.is_authenticated):
        return Consultation.objects.none()
    memberships = EnterpriseMembership.objects.filter(
        user=user, enterprise_id=OuterRef("enterprise_id"), status=EnterpriseMembership.Status.APPROVED
    )
    queryset = Consultation.objects.select_related(
        "enterprise", "asked_by", "answered_by__department", "case"
    ).annotate(
        state=state_expression(),
        flag=flag_expression(deadlines.yellow_threshold()),
        answered_late=models.ExpressionWrapper(
            Q(answered_at__gt=models.F("answer_due_at")), output_field=models.BooleanField()
        ),
        user_is_member=Exists(memberships),
        user_is_steward=Exists(StewardAssignment.objects.filter(steward=user, enterprise_id=OuterRef("enterprise_id"))),
    )
    visible = _visible(user, scope)
    if visible is not None:
        queryset = queryset.filter(visible)
    if filters is not None:
        from complaints.consultations.filters import ConsultationFilter

        queryset = ConsultationFilter(filters, queryset=queryset).qs
    return queryset.order_by("-asked_at", "-id")


def consultation_get_for_user(*, user, pk: int) -> Consultation:
    """The consultation, or 404 when the user may not see it (so its existence does not leak)."""
    try:
        return consultation_list(user=user).get(pk=pk)
    except Consultation.DoesNotExist:
        raise Http404 from None


def may_answer_any(user) -> bool:
    """Whether the user has a 咨询答复 list: officials, and 管家 with enterprises."""
    if not (user and user.is_authenticated):
        return False
    return roles.is_official(user) or (
        roles.has_role(user, roles.STEWARD) and StewardAssignment.objects.filter(steward=user).exists()
    )


def with_clock_text(consultations, now: dt.datetime | None = None):
    """Sets ``clock_text`` ("剩余 2 个工作日", "今日到期", "超期 1 个工作日") on each
    consultation still waiting for its answer, with one calendar for them all."""
    calendar, now = WorkCalendar(), now or timezone.now()
    for consultation in consultations:
        waiting = consultation.answered_at is None and consultation.case_id is None
        consultation.clock_text = deadlines.time_left_text(consultation.answer_due_at, now, calendar) if waiting else ""
    return consultations


def answerers(*, enterprise_id: int) -> list[User]:
    """Who is told of a new question: the enterprise's 管家, or with none, the 营商办's
    officials (who may always answer). Active accounts only; one query."""
    stewards = list(
        User.objects.filter(stewarded__enterprise_id=enterprise_id, is_active=True).order_by("pk").distinct()
    )
    if stewards:
        return stewards
    return list(User.objects.filter(groups__name=roles.OFFICIAL, is_active=True).order_by("pk").distinct())


# --- Figures: 咨询按时答复 -----------------------------------------------------------


@dataclass(frozen=True)
class ConsultationFigures:
    """The consultations asked in a period: how many were answered, how many on time
    (answered_at ≤ answer_due_at), how many wait past their limit, how many became cases."""

    asked: int = 0
    answered: int = 0
    answered_on_time: int = 0
    overdue_unanswered: int = 0
    to_case: int = 0
    rated: int = 0
    satisfied: int = 0

    @property
    def on_time_rate(self) -> Rate:
        """按时答复率 = answered on time ÷ (answered + waiting past the limit), as cases'
        按时办理率 counts a stage: done, or due and not done."""
        return Rate(self.answered_on_time, self.answered + self.overdue_unanswered)

    @property
    def answer_rate(self) -> Rate:
        """答复率 = answered ÷ asked."""
        return Rate(self.answered, self.asked)

    @property
    def satisfaction_rate(self) -> Rate:
        """满意率 = 满意 and 基本满意 ÷ rated answers."""
        return Rate(self.satisfied, self.rated)

    def as_json(self) -> dict:
        return {
            "asked": self.asked,
            "answered": self.answered,
            "answered_on_time": self.answered_on_time,
            "overdue_unanswered": self.overdue_unanswered,
            "to_case": self.to_case,
            "on_time_rate": self.on_time_rate.as_json(),
            "answer_rate": self.answer_rate.as_json(),
            "satisfaction_rate": self.satisfaction_rate.as_json(),
        }


def consultation_figures(period: Period, *, now: dt.datetime | None = None) -> ConsultationFigures:
    """咨询按时答复 for the consultations asked in the period (local days, both included).
    One query."""
    start, end = period.bounds
    now = now or timezone.now()
    row = (
        Consultation.objects.filter(asked_at__gte=start, asked_at__lt=end)
        .order_by()
        .aggregate(
            asked=Count("pk"),
            answered=Count("pk", filter=Q(answered_at__isnull=False)),
            answered_on_time=Count("pk", filter=Q(answered_at__lte=models.F("answer_due_at"))),
            overdue_unanswered=Count("pk", filter=overdue_q(now)),
            to_case=Count("pk", filter=Q(case__isnull=False)),
            rated=Count("pk", filter=~Q(rating="")),
            satisfied=Count("pk", filter=Q(rating__in=SATISFIED_RATINGS)),
        )
    )
    return ConsultationFigures(**row)


# --- The start page -----------------------------------------------------------------


def start_items(*, user) -> list:
    """What waits for the user among consultations: for the enterprise's side the answers
    to rate; for the answerers the questions waiting and those past their limit. One
    query per side."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from portal.selectors import StartItem

    if not (user and user.is_authenticated):
        return []
    items = []
    if roles.has_role(user, roles.ENTERPRISE_USER):
        to_rate = Consultation.objects.filter(
            enterprise_id__in=member_enterprise_ids(user), answered_at__isnull=False, rating=""
        ).count()
        if to_rate:
            items.append(StartItem(_("待评价的咨询答复"), to_rate, reverse("consultations:mine"), "warning"))
    if roles.is_official(user) or roles.has_role(user, roles.STEWARD):
        scope = _visible(user, SCOPE_ANSWERS)
        waiting = Consultation.objects.filter(pending_q())
        if scope is not None:
            waiting = waiting.filter(scope)
        counts = waiting.aggregate(pending=Count("pk"), overdue=Count("pk", filter=overdue_q(timezone.now())))
        url = reverse("consultations:answers")
        if counts["pending"]:
            items.append(
                StartItem(_("待答复的咨询"), counts["pending"], f"{url}?status={State.PENDING.value}", "warning")
            )
        if counts["overdue"]:
            items.append(StartItem(_("超期未答复的咨询"), counts["overdue"], f"{url}?overdue=true", "danger"))
    return items
