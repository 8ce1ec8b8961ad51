"""三色图 at each month's end and the 督办 that follows (issue #18, seed 001 §1: "一图了解各地
政策兑付的力度、速度和便利度"; "对指标连续两个月位于末两位的地市予以督办，并对督办整改结果进行公示").

``snapshot_take`` computes a month's figures per county and per issuing department in
two grouped SQL queries over the applications plus two over the pushes (however many
applications there are), scores and colours them against the officials' thresholds,
ranks each kind and replaces that month's rows: re-running a month gives the same rows.
``notices_issue`` then gives a 督办 to every unit in the last two places this month and
the month before, once per unit and month, and tells the responsible staff.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, F, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from policies.models import (
    Application,
    ApplicationEvent,
    ColourThreshold,
    MonthlySnapshot,
    PolicyMaterial,
    PolicyPush,
    SupervisionColour,
    SupervisionDimension,
    SupervisionNotice,
    SupervisionUnitKind,
)
from policies.supervision import Median, _county
from portal.models import Department, Region, User
from portal.services import notification_send
from portal.workdays import WorkCalendar

# 整改 is due this many working days after the 督办 is issued.
ANSWER_WORKING_DAYS = 10
# The last places that count: "末两位".
LAST_PLACES = 2
# Used when officials have not set a dimension's thresholds: (green from, yellow from).
FALLBACK_THRESHOLDS = {
    SupervisionDimension.STRENGTH: (60.0, 30.0),
    SupervisionDimension.SPEED: (90.0, 70.0),
    SupervisionDimension.CONVENIENCE: (80.0, 50.0),
    SupervisionDimension.OVERALL: (80.0, 60.0),
}
# How far back a submission may lie for its working days to payment to be counted exactly.
_CALENDAR_YEARS_BACK = 3

FIGURES = (
    "eligible_firms",
    "benefited_firms",
    "payments",
    "paid_amount",
    "median_workdays",
    "decided",
    "decided_on_time",
    "easy_payments",
    "submitted",
    "not_returned",
)


class SupervisionError(ValidationError):
    """A 督办 step refused: not the right person, or not the right moment."""


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def previous_month(month: dt.date) -> dt.date:
    return (month.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def thresholds() -> dict[str, tuple[float, float]]:
    limits = {key: value for key, value in FALLBACK_THRESHOLDS.items()}
    for row in ColourThreshold.objects.all():
        limits[SupervisionDimension(row.dimension)] = (float(row.green_from), float(row.yellow_from))
    return {str(key): value for key, value in limits.items()}


def colour_for(score: float | None, limits: tuple[float, float]) -> str:
    if score is None:
        return ""
    green, yellow = limits
    if score >= green:
        return SupervisionColour.GREEN
    if score >= yellow:
        return SupervisionColour.YELLOW
    return SupervisionColour.RED


def _percent(part: int, whole: int) -> float | None:
    return round(min(part, whole) * 100 / whole, 1) if whole else None


def scores(figures: dict) -> dict[str, float | None]:
    """The three dimensions' scores (0–100) from a unit's figures, and the overall score
    (their mean). 力度: firms that benefited against eligible firms; 速度: reviews
    decided within their limit; 便利度: the mean of the share of 零材料/免申即享 payments
    and the share of new applications not returned for 补正."""
    strength = _percent(figures["benefited_firms"], figures["eligible_firms"])
    speed = _percent(figures["decided_on_time"], figures["decided"])
    parts = [
        p
        for p in (
            _percent(figures["easy_payments"], figures["payments"]),
            _percent(figures["not_returned"], figures["submitted"]),
        )
        if p is not None
    ]
    convenience = round(statistics.fmean(parts), 1) if parts else None
    present = [s for s in (strength, speed, convenience) if s is not None]
    overall = round(statistics.fmean(present), 1) if present else None
    return {"strength": strength, "speed": speed, "convenience": convenience, "overall": overall}


def _working_days_sql(calendar_days: list[dt.date]) -> RawSQL:
    """Working days after the (local) submission date up to and including the payment
    date, counted in SQL against the list of working days the calendar gives."""
    return RawSQL(
        "(SELECT count(*) FROM unnest(%s::date[]) AS d"
        " WHERE d > (policies_application.submitted_at AT TIME ZONE %s)::date"
        " AND d <= policies_application.paid_on)",
        (calendar_days, settings.TIME_ZONE),
    )


def _working_days(start: dt.date, end: dt.date) -> list[dt.date]:
    calendar = WorkCalendar()
    days, day = [], start
    while day <= end:
        if calendar.is_working_day(day):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def _bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime, dt.date]:
    """The month as aware datetimes [start, end) and its last day."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(month, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(next_month(month), dt.time.min, tzinfo=tz)
    return start, end, next_month(month) - dt.timedelta(days=1)


def _application_figures(month: dt.date) -> dict:
    start, end, last_day = _bounds(month)
    paid = Q(status=Application.Status.PAID, paid_on__gte=month, paid_on__lte=last_day)
    decided_in_month = Q(decided_at__gte=start, decided_at__lt=end)
    calendar_days = _working_days(month.replace(year=month.year - _CALENDAR_YEARS_BACK), last_day)
    return {
        "benefited_firms": Count("enterprise_id", distinct=True, filter=paid),
        "payments": Count("id", filter=paid),
        "paid_amount": Sum("paid_amount", filter=paid),
        "median_workdays": Median(_working_days_sql(calendar_days), filter=paid & Q(submitted_at__isnull=False)),
        "decided": Count("id", filter=decided_in_month),
        "decided_on_time": Count("id", filter=decided_in_month & Q(decided_at__lte=F("review_due_at"))),
        "easy_payments": Count("id", filter=paid & (Q(is_auto_grant=True) | Q(zero_material=True))),
        "submitted": Count("id", filter=Q(first_submitted_at__gte=start, first_submitted_at__lt=end)),
        "not_returned": Count(
            "id", filter=Q(first_submitted_at__gte=start, first_submitted_at__lt=end, returned_by_end=False)
        ),
    }


def _applications(month: dt.date) -> QuerySet:
    _start, end, _last = _bounds(month)
    events = ApplicationEvent.objects.filter(application=OuterRef("pk"), created_at__lt=end)
    first = events.values("application").annotate(at=Min("created_at")).values("at")
    return (
        Application.objects.exclude(status=Application.Status.DRAFT)
        .filter(archived_at__isnull=True)
        .annotate(
            decided_at=Subquery(
                first.filter(kind__in=[ApplicationEvent.Kind.APPROVED, ApplicationEvent.Kind.REJECTED])[:1]
            ),
            first_submitted_at=Subquery(first.filter(kind=ApplicationEvent.Kind.SUBMITTED)[:1]),
            returned_by_end=Exists(events.filter(kind=ApplicationEvent.Kind.RETURNED)),
            zero_material=~Exists(PolicyMaterial.objects.filter(policy=OuterRef("policy_id"), zero_material=False)),
        )
    )


def month_figures(month: dt.date) -> dict[tuple[str, int], dict]:
    """Every unit's raw figures for the month, keyed by (unit kind, region or department id)."""
    month = month_start(month)
    _start, end, _last = _bounds(month)
    aggregates = _application_figures(month)
    base = _applications(month)
    rows: dict[tuple[str, int], dict] = {}

    def put(kind: str, pk: int | None, row: Mapping[str, Any]) -> None:
        if pk is None:
            return
        figures = rows.setdefault((kind, pk), dict.fromkeys(FIGURES, 0) | {"median_workdays": None})
        figures.update({key: value for key, value in row.items() if key in FIGURES and value is not None})

    for row in base.annotate(unit=_county()).values("unit").annotate(**aggregates).order_by("unit"):
        put(SupervisionUnitKind.REGION, row["unit"], row)
    for row in base.values(unit=F("policy__issuer_id")).annotate(**aggregates).order_by("unit"):
        put(SupervisionUnitKind.DEPARTMENT, row["unit"], row)
    pushes = PolicyPush.objects.filter(pushed_at__lt=end)
    region_pushes = (
        pushes.annotate(unit=_county_of_enterprise())
        .values("unit")
        .annotate(eligible_firms=Count("enterprise_id", distinct=True))
    )
    for row in region_pushes.order_by("unit"):
        put(SupervisionUnitKind.REGION, row["unit"], row)
    department_pushes = pushes.values(unit=F("policy__issuer_id")).annotate(
        eligible_firms=Count("enterprise_id", distinct=True)
    )
    for row in department_pushes.order_by("unit"):
        put(SupervisionUnitKind.DEPARTMENT, row["unit"], row)
    return rows


def _county_of_enterprise():
    from django.db.models import Case, When

    return Case(
        When(enterprise__region__level=Region.Level.TOWNSHIP, then=F("enterprise__region__parent_id")),
        default=F("enterprise__region_id"),
    )


def _active(figures: dict) -> bool:
    """A unit with nothing paid, decided or submitted this month has nothing to rank."""
    return bool(figures["payments"] or figures["decided"] or figures["submitted"])


@transaction.atomic
def snapshot_take(*, month: dt.date) -> list[MonthlySnapshot]:
    """Take (or retake) the month's 三色图: one row per county and per issuing department
    active that month, with figures, scores, colours and places. Then issue the 督办
    the month calls for. Idempotent: a second run replaces the rows with equal ones."""
    month = month_start(month)
    return snapshot_store(month=month, figures=month_figures(month))


@transaction.atomic
def snapshot_store(*, month: dt.date, figures: dict[tuple[str, int], dict]) -> list[MonthlySnapshot]:
    """Score, colour and rank the units' figures, replace the month's rows with them and
    issue the 督办 the month calls for (``snapshot_take``'s second half; the demo feeds it
    figures of months before the demo's applications)."""
    limits = thresholds()
    snapshots: list[MonthlySnapshot] = []
    now = timezone.now()
    for (kind, pk), row in figures.items():
        if not _active(row):
            continue
        score = scores(row)
        snapshots.append(
            MonthlySnapshot(
                month=month,
                unit_kind=kind,
                region_id=pk if kind == SupervisionUnitKind.REGION else None,
                department_id=pk if kind == SupervisionUnitKind.DEPARTMENT else None,
                eligible_firms=row["eligible_firms"],
                benefited_firms=row["benefited_firms"],
                payments=row["payments"],
                paid_amount=row["paid_amount"] or Decimal(0),
                median_workdays=row["median_workdays"],
                decided=row["decided"],
                decided_on_time=row["decided_on_time"],
                easy_payments=row["easy_payments"],
                submitted=row["submitted"],
                not_returned=row["not_returned"],
                strength_score=score["strength"],
                speed_score=score["speed"],
                convenience_score=score["convenience"],
                overall_score=score["overall"],
                strength_colour=colour_for(score["strength"], limits["strength"]),
                speed_colour=colour_for(score["speed"], limits["speed"]),
                convenience_colour=colour_for(score["convenience"], limits["convenience"]),
                colour=colour_for(score["overall"], limits["overall"]),
                taken_at=now,
            )
        )
    for kind in SupervisionUnitKind.values:
        ranked = sorted(
            (s for s in snapshots if s.unit_kind == kind and s.overall_score is not None),
            key=lambda s: (-(s.overall_score or 0), s.region_id or s.department_id or 0),
        )
        for place, snapshot in enumerate(ranked, start=1):
            snapshot.rank = place
            snapshot.ranked_units = len(ranked)
    MonthlySnapshot.objects.filter(month=month).delete()
    MonthlySnapshot.objects.bulk_create(snapshots)
    notices_issue(month=month)
    return snapshots


def _last_places(month: dt.date) -> set[tuple[str, int]]:
    """The units in the last two places of their kind that month; with two units or
    fewer ranked, nobody is "last" in the seed's sense."""
    rows = MonthlySnapshot.objects.filter(
        month=month, rank__isnull=False, ranked_units__gt=LAST_PLACES, rank__gt=F("ranked_units") - LAST_PLACES
    )
    return {(row.unit_kind, int(row.region_id or row.department_id or 0)) for row in rows}


def _lead_ids(kind: str, pk: int) -> list[int]:
    if kind == SupervisionUnitKind.DEPARTMENT:
        return [lead for lead in Department.objects.filter(pk=pk).values_list("lead_id", flat=True) if lead]
    return [
        lead
        for lead in Department.objects.filter(region_id=pk, lead__isnull=False).values_list("lead_id", flat=True)
        if lead
    ]


@transaction.atomic
def notices_issue(*, month: dt.date) -> list[SupervisionNotice]:
    """督办 for every unit ranked in the last two places this month and the month before
    (never after one month alone). One notice per unit and month, however often the
    month is retaken; the responsible staff are told once."""
    month = month_start(month)
    due = WorkCalendar().add_working_days(_bounds(month)[2], ANSWER_WORKING_DAYS)
    twice = _last_places(month) & _last_places(previous_month(month))
    issued = []
    for kind, pk in sorted(twice):
        unit = {"region_id": pk} if kind == SupervisionUnitKind.REGION else {"department_id": pk}
        notice, created = SupervisionNotice.objects.get_or_create(
            month=month,
            unit_kind=kind,
            **unit,
            defaults={
                "subject": _(
                    "%(month)s 政策兑付三色图综合排名连续两个月位于末两位，请分析原因、制定整改措施并按期答复。"
                )
                % {"month": f"{month:%Y-%m}"},
                "due_on": due,
            },
        )
        if not created:
            continue
        people = set(User.objects.filter(is_active=True).filter(_people_filter(kind, pk)).values_list("pk", flat=True))
        people |= set(_lead_ids(kind, pk))
        notice.respondents.set(sorted(people))
        for user in User.objects.filter(pk__in=people):
            notification_send(
                recipient=user,
                kind="supervision.notice",
                title=_("督办：%(unit)s 请于 %(due)s 前答复整改情况") % {"unit": notice.unit, "due": f"{due:%Y-%m-%d}"},
                dedup_key=f"supervision.notice:{notice.pk}",
                link=reverse("policy_supervision:notice", args=[notice.pk]),
                email=True,
            )
        issued.append(notice)
    return issued


def _people_filter(kind: str, pk: int) -> Q:
    if kind == SupervisionUnitKind.DEPARTMENT:
        return Q(department_id=pk)
    return Q(region_id=pk)


def _can_answer(notice: SupervisionNotice, actor: User) -> bool:
    return notice.respondents.filter(pk=actor.pk).exists()


@transaction.atomic
def notice_answer(*, notice: SupervisionNotice, actor: User, answer: str) -> SupervisionNotice:
    """整改: a responsible person records what was put right. Until evaluated, it may be
    corrected."""
    notice = SupervisionNotice.objects.select_for_update().get(pk=notice.pk)
    if not _can_answer(notice, actor):
        raise PermissionDenied
    if notice.verdict:
        raise SupervisionError(_("该督办已评价，不能再修改整改情况。"))
    if not answer.strip():
        raise SupervisionError(_("请填写整改情况。"))
    notice.answer, notice.answered_by, notice.answered_at = answer.strip(), actor, timezone.now()
    notice.save(update_fields=["answer", "answered_by", "answered_at"])
    return notice


@transaction.atomic
def notice_evaluate(
    *, notice: SupervisionNotice, actor: User, verdict: str, evaluation: str, publish: bool
) -> SupervisionNotice:
    """An official evaluates the 整改 answer and may publish the notice with its result (公示)."""
    notice = SupervisionNotice.objects.select_for_update().get(pk=notice.pk)
    if not actor.has_perm("policies.supervise_units"):
        raise PermissionDenied
    if not notice.answer:
        raise SupervisionError(_("责任单位尚未答复整改情况，暂不能评价。"))
    if verdict not in (SupervisionNotice.Verdict.DONE, SupervisionNotice.Verdict.NOT_DONE):
        raise SupervisionError(_("请选择评价结果。"))
    now = timezone.now()
    notice.verdict, notice.evaluation, notice.evaluated_by, notice.evaluated_at = verdict, evaluation, actor, now
    fields = ["verdict", "evaluation", "evaluated_by", "evaluated_at"]
    if publish and not notice.published:
        notice.published, notice.published_at = True, now
        fields += ["published", "published_at"]
    notice.save(update_fields=fields)
    return notice
