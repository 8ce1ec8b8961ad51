"""Figures about cases, for the officials' dashboard and the public statistics page.

Every figure is a SQL aggregate (conditional ``Count``, ``TruncMonth``, ``GROUP BY``),
so a page costs the same few queries whether there are ten cases or a million.
Rates are kept as numerator and denominator (:class:`Rate`) and shown with one
decimal; an empty denominator shows "—" instead of dividing by zero.

Definitions:

* intake (受理量): cases received (登记) in the period, whatever became of them;
* resolution rate (办结率): resolved or closed cases over cases accepted or later
  (不予受理 and 待受理 are left out of both);
* on-time rate of a stage (按时率): cases whose stage was completed by its deadline,
  over cases with a deadline for the stage and the stage completed. Per lead
  department, per stage; a department's overall on-time rate pools its four stages;
* satisfaction rate (满意率): 满意 and 基本满意 ratings over all ratings;
* department lists (红黄黑榜): see :func:`ranking_list`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import Count, F, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.models import (
    OPEN_STATUSES,
    Case,
    CaseRating,
    Channel,
    ProblemCategory,
    Rating,
    Stage,
    Status,
    TypicalCase,
)

# Department lists: at or above "red" on both rates → 红榜; below "yellow" on
# either → 黑榜; otherwise 黄榜. Override with settings.CASE_RANKING_THRESHOLDS.
DEFAULT_RANKING_THRESHOLDS = {
    "red": {"on_time": 0.95, "satisfaction": 0.95},
    "yellow": {"on_time": 0.85, "satisfaction": 0.90},
}
CASE_RANKING_THRESHOLDS = getattr(settings, "CASE_RANKING_THRESHOLDS", DEFAULT_RANKING_THRESHOLDS)

DASHBOARD_MONTHS = 12
OVERDUE_LIST_LIMIT = 50

ACCEPTED_OR_LATER = (
    Status.ACCEPTED,
    Status.ASSIGNED,
    Status.MEASURES_SET,
    Status.FEEDBACK_GIVEN,
    Status.RESOLVED,
    Status.CLOSED,
)
DONE_STATUSES = (Status.RESOLVED, Status.CLOSED)
SATISFIED_RATINGS = (Rating.SATISFIED, Rating.BASICALLY_SATISFIED)

# (stage, when it was done, when it was due)
STAGE_FIELDS = (
    (Stage.ASSIGN, "assigned_at", "assign_due_at"),
    (Stage.MEASURES, "measures_set_at", "measures_due_at"),
    (Stage.FEEDBACK, "feedback_at", "feedback_due_at"),
    (Stage.RESOLVE, "resolved_at", "resolve_due_at"),
)

RED_LIST = "red"
YELLOW_LIST = "yellow"
BLACK_LIST = "black"
RANKING_LABELS = {RED_LIST: _("红榜"), YELLOW_LIST: _("黄榜"), BLACK_LIST: _("黑榜")}
RANKING_ORDER = (RED_LIST, YELLOW_LIST, BLACK_LIST)


@dataclass(frozen=True)
class Rate:
    """A share, kept exact: ``numerator`` of ``denominator``."""

    numerator: int = 0
    denominator: int = 0

    @property
    def fraction(self) -> Fraction | None:
        return Fraction(self.numerator, self.denominator) if self.denominator else None

    @property
    def percent(self) -> Decimal | None:
        """The rate in per cent with one decimal, rounded half up; None without a denominator."""
        if not self.denominator:
            return None
        exact = Decimal(self.numerator * 100) / Decimal(self.denominator)
        return exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    def at_least(self, threshold: float) -> bool:
        fraction = self.fraction
        return fraction is not None and fraction >= Fraction(str(threshold))

    def __add__(self, other: Rate) -> Rate:
        return Rate(self.numerator + other.numerator, self.denominator + other.denominator)

    def __str__(self) -> str:
        percent = self.percent
        return "—" if percent is None else f"{percent}%"


def percent_or_none(rate: Rate) -> float | None:
    """For chart data: the percentage as a number, or None (a gap) without data."""
    percent = rate.percent
    return None if percent is None else float(percent)


# --- Periods -------------------------------------------------------------------


def dashboard_months(today: dt.date | None = None) -> list[dt.date]:
    """The first days of the last twelve months, oldest first, this month last."""
    first = (today or timezone.localdate()).replace(day=1)
    return [first - relativedelta(months=back) for back in range(DASHBOARD_MONTHS - 1, -1, -1)]


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    return _start_of(dt.date(year, 1, 1)), _start_of(dt.date(year + 1, 1, 1))


# --- Shared expressions --------------------------------------------------------


def overdue_q(now: dt.datetime) -> Q:
    """Open, running (not suspended) cases whose current stage is past its deadline."""
    return Q(status__in=OPEN_STATUSES, suspended_at__isnull=True, stage_due_at__lt=now)


def _stage_counts() -> dict:
    """Per stage: cases measured (deadline set and stage done) and cases done on time."""
    counts = {}
    for stage, done, due in STAGE_FIELDS:
        measured = Q(**{f"{due}__isnull": False, f"{done}__isnull": False})
        counts[f"{stage}_total"] = Count("id", filter=measured)
        counts[f"{stage}_on_time"] = Count("id", filter=measured & Q(**{f"{done}__lte": F(due)}))
    return counts


def _stage_rates(row: dict) -> dict[str, Rate]:
    return {stage: Rate(row[f"{stage}_on_time"], row[f"{stage}_total"]) for stage, _done, _due in STAGE_FIELDS}


# --- Department lists ----------------------------------------------------------


def ranking_list(on_time: Rate, satisfaction: Rate, thresholds: dict | None = None) -> str | None:
    """红榜 when both rates reach the red thresholds; 黑榜 when either falls below the
    yellow thresholds; otherwise 黄榜. None (not listed) without data for both rates."""
    thresholds = thresholds or CASE_RANKING_THRESHOLDS
    if not on_time.denominator or not satisfaction.denominator:
        return None
    red, yellow = thresholds["red"], thresholds["yellow"]
    if on_time.at_least(red["on_time"]) and satisfaction.at_least(red["satisfaction"]):
        return RED_LIST
    if not on_time.at_least(yellow["on_time"]) or not satisfaction.at_least(yellow["satisfaction"]):
        return BLACK_LIST
    return YELLOW_LIST


@dataclass
class DepartmentFigures:
    id: int
    name: str
    intake: int
    stages: dict[str, Rate]
    satisfaction: Rate
    list: str | None = None

    @property
    def on_time(self) -> Rate:
        return sum(self.stages.values(), Rate())

    @property
    def stage_rates(self) -> list[tuple[str, Rate]]:
        """The stages' rates in stage order, for templates."""
        return [(stage, self.stages[stage]) for stage, _done, _due in STAGE_FIELDS]

    @property
    def list_label(self):
        return RANKING_LABELS.get(self.list, _("暂不列榜"))


@dataclass
class Ranking:
    lists: dict[str, list[DepartmentFigures]] = field(default_factory=dict)
    unlisted: list[DepartmentFigures] = field(default_factory=list)

    @property
    def sections(self) -> list[tuple[str, object, list[DepartmentFigures]]]:
        return [(key, RANKING_LABELS[key], self.lists.get(key, [])) for key in RANKING_ORDER]


def rank_departments(departments: list[DepartmentFigures], thresholds: dict | None = None) -> Ranking:
    """Sort departments into the red, yellow and black lists, best first within each."""
    ranking = Ranking(lists={key: [] for key in RANKING_ORDER})
    for department in departments:
        department.list = ranking_list(department.on_time, department.satisfaction, thresholds)
        (ranking.lists[department.list] if department.list else ranking.unlisted).append(department)

    def best_first(department):
        return (-(department.on_time.fraction or 0), -(department.satisfaction.fraction or 0), department.name)

    for members in ranking.lists.values():
        members.sort(key=best_first)
    ranking.unlisted.sort(key=lambda department: department.name)
    return ranking


# --- The dashboard -------------------------------------------------------------


@dataclass
class Dashboard:
    months: list[dt.date]
    start: dt.datetime
    intake: int
    handled: int
    resolved: int
    open_cases: int
    overdue_count: int
    by_channel: list[tuple[object, int]]
    by_category: list[tuple[str, int]]
    by_month: list[tuple[dt.date, int]]
    departments: list[DepartmentFigures]
    stage_totals: dict[str, Rate]
    satisfaction: Rate
    overdue: list[Case]
    ranking: Ranking
    thresholds: dict

    @property
    def resolution(self) -> Rate:
        return Rate(self.resolved, self.handled)

    @property
    def on_time(self) -> Rate:
        return sum(self.stage_totals.values(), Rate())

    @property
    def stage_total_rates(self) -> list[tuple[str, Rate]]:
        return [(stage, self.stage_totals[stage]) for stage, _done, _due in STAGE_FIELDS]


def dashboard(*, now: dt.datetime | None = None, thresholds: dict | None = None) -> Dashboard:
    """Everything the officials' dashboard shows for the last twelve months (cases
    received since the first day of the month eleven months ago). Seven queries."""
    now = now or timezone.now()
    thresholds = thresholds or CASE_RANKING_THRESHOLDS
    months = dashboard_months(timezone.localdate(now))
    start = _start_of(months[0])
    in_period = Q(received_at__gte=start)
    period_cases = Case.objects.filter(in_period).order_by()

    summary = Case.objects.aggregate(
        intake=Count("id", filter=in_period),
        handled=Count("id", filter=in_period & Q(status__in=ACCEPTED_OR_LATER)),
        resolved=Count("id", filter=in_period & Q(status__in=DONE_STATUSES)),
        open_cases=Count("id", filter=Q(status__in=OPEN_STATUSES)),
        overdue_count=Count("id", filter=overdue_q(now)),
    )

    channel_counts = dict(period_cases.values_list("channel").annotate(n=Count("id")))
    by_channel = [(label, channel_counts.get(value, 0)) for value, label in Channel.choices]

    categories = (
        ProblemCategory.objects.annotate(n=Count("case", filter=Q(case__received_at__gte=start)))
        .filter(Q(is_active=True) | Q(n__gt=0))
        .order_by("sort_order", "name")
        .values_list("name", "n")
    )
    by_category = list(categories)

    month_counts = {
        timezone.localtime(month).date(): n
        for month, n in period_cases.annotate(month=TruncMonth("received_at"))
        .values("month")
        .annotate(n=Count("id"))
        .values_list("month", "n")
    }
    by_month = [(month, month_counts.get(month, 0)) for month in months]

    department_rows = (
        period_cases.values("lead_department_id", "lead_department__name")
        .annotate(intake=Count("id"), **_stage_counts())
        .order_by("lead_department__name")
    )
    rating_rows = (
        CaseRating.objects.filter(case__received_at__gte=start)
        .values("case__lead_department_id")
        .annotate(total=Count("id"), satisfied=Count("id", filter=Q(rating__in=SATISFIED_RATINGS)))
        .order_by()
    )
    ratings = {row["case__lead_department_id"]: Rate(row["satisfied"], row["total"]) for row in rating_rows}

    departments = []
    stage_totals = {stage: Rate() for stage, _done, _due in STAGE_FIELDS}
    for row in department_rows:
        stages = _stage_rates(row)
        for stage, rate in stages.items():
            stage_totals[stage] += rate
        if row["lead_department_id"] is None:
            continue
        departments.append(
            DepartmentFigures(
                id=row["lead_department_id"],
                name=row["lead_department__name"],
                intake=row["intake"],
                stages=stages,
                satisfaction=ratings.get(row["lead_department_id"], Rate()),
            )
        )

    overdue = list(
        Case.objects.filter(overdue_q(now))
        .select_related("lead_department")
        .order_by("stage_due_at", "id")[:OVERDUE_LIST_LIMIT]
    )

    return Dashboard(
        months=months,
        start=start,
        intake=summary["intake"],
        handled=summary["handled"],
        resolved=summary["resolved"],
        open_cases=summary["open_cases"],
        overdue_count=summary["overdue_count"],
        by_channel=by_channel,
        by_category=by_category,
        by_month=by_month,
        departments=departments,
        stage_totals=stage_totals,
        satisfaction=sum(ratings.values(), Rate()),
        overdue=overdue,
        ranking=rank_departments(departments, thresholds),
        thresholds=thresholds,
    )


# --- The public statistics page ------------------------------------------------


@dataclass
class YearFigures:
    year: int
    accepted: int
    resolved: int
    satisfaction: Rate
    by_category: list[tuple[str, int]]

    @property
    def resolution(self) -> Rate:
        return Rate(self.resolved, self.accepted)


def year_figures(year: int | None = None) -> YearFigures:
    """This year's totals for the public: cases accepted this year (受理时间 in the
    year), how many of them are resolved or closed, and the satisfaction rate of
    their ratings. Three queries; no case details."""
    year = year or timezone.localdate().year
    start, end = year_bounds(year)
    accepted_in_year = Q(accepted_at__gte=start, accepted_at__lt=end) & ~Q(status=Status.NOT_ACCEPTED)
    totals = Case.objects.filter(accepted_in_year).aggregate(
        accepted=Count("id"), resolved=Count("id", filter=Q(status__in=DONE_STATUSES))
    )
    rated = (
        CaseRating.objects.filter(case__accepted_at__gte=start, case__accepted_at__lt=end)
        .exclude(case__status=Status.NOT_ACCEPTED)
        .aggregate(total=Count("id"), satisfied=Count("id", filter=Q(rating__in=SATISFIED_RATINGS)))
    )
    categories = (
        Case.objects.filter(accepted_in_year)
        .values_list("category__name", "category__sort_order")
        .annotate(n=Count("id"))
        .order_by("category__sort_order", "category__name")
    )
    return YearFigures(
        year=year,
        accepted=totals["accepted"],
        resolved=totals["resolved"],
        satisfaction=Rate(rated["satisfied"], rated["total"]),
        by_category=[(name, n) for name, _order, n in categories],
    )


# --- Typical cases ---------------------------------------------------------------


def published_typical_cases():
    return (
        TypicalCase.objects.filter(is_published=True).select_related("problem_class").order_by("-published_at", "-id")
    )
