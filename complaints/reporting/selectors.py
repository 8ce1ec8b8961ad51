"""Figures about cases: one definition of each, read by the officials' dashboard, the
public statistics, the roundtable figures, the red/yellow/black lists, the JSON at
``/api/v1/reports/case-figures/`` and the exports. README "Figures" repeats them.

Every figure is over a cohort: the cases received (登记, ``received_at``) in a period,
optionally of one channel, one lead department or one roundtable series. Each is a
SQL aggregate (conditional ``Count``), so a page costs the same few queries whether
there are ten cases or a million. Rates are kept as numerator and denominator
(:class:`Rate`) and shown with one decimal; an empty denominator shows "—".

* received (登记量): the cohort;
* accepted (受理量): those accepted (受理), whatever became of them since;
* not_accepted (不予受理): those declined with a reason from the non-acceptance list;
* assigned (交办量): those assigned (交办) to a lead department;
* resolved (办结量): those 已办结 or 已销单 (``DONE_STATUSES``);
* resolution_rate (办结率) = resolved ÷ accepted (宣城's "251 个问题，已办结 248 个");
* overdue_open (超期未办结): open cases whose running stage is past its deadline
  (``sla.overdue_q``, the sweep's own definition), 需长期推进 ones left out;
* long_term (需长期推进): open cases a chief officer approved as needing long-term
  work (``sla.long_term_q``) — 湘潭's "正在跟进并需长期推进事项共8件";
* on_time_rate (按时办理率) = stages finished by their deadline ÷ (stages finished with a
  deadline + open stages already past theirs). The stages are 交办 (counted from
  receipt), 明确措施, 反馈 and 办结 of the current round; per stage the same;
* return_visits (回访次数): return visits recorded on the cohort's cases;
  return_visit_rate (回访率) = resolved cases whose current round has a return visit
  ÷ resolved;
* satisfaction_rate (满意率) = 满意 and 基本满意 ratings ÷ all ratings of the cohort's cases;
* department lists (红黄黑榜): see :func:`ranking_list`, on the departments' on-time
  and satisfaction rates above.
"""

from __future__ import annotations

import builtins
import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import cast

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import connections
from django.db.models import Count, DateTimeField, F, FilteredRelation, Func, IntegerField, Q, QuerySet, Value
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints import sla
from complaints.models import (
    DONE_STATUSES,
    Case,
    CaseRating,
    Channel,
    ProblemCategory,
    Rating,
    ReturnVisit,
    Stage,
    Status,
    TypicalCase,
)
from portal import deadlines
from portal.localized import localized
from portal.models import Department
from portal.workdays import WorkCalendar

# Department lists: at or above "red" on both rates → 红榜; below "yellow" on
# either → 黑榜; otherwise 黄榜. Override with settings.CASE_RANKING_THRESHOLDS.
DEFAULT_RANKING_THRESHOLDS = {
    "red": {"on_time": 0.95, "satisfaction": 0.95},
    "yellow": {"on_time": 0.85, "satisfaction": 0.90},
}
CASE_RANKING_THRESHOLDS = getattr(settings, "CASE_RANKING_THRESHOLDS", DEFAULT_RANKING_THRESHOLDS)

DASHBOARD_MONTHS = 12
OVERDUE_LIST_LIMIT = 50

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

    def as_json(self) -> dict:
        """For the API: exact parts and the percentage shown (a number, or null)."""
        percent = self.percent
        return {
            "numerator": self.numerator,
            "denominator": self.denominator,
            "percent": None if percent is None else float(percent),
        }

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


@dataclass(frozen=True)
class Period:
    """Days ``start`` to ``end``, both included, in local time."""

    start: dt.date
    end: dt.date

    @property
    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        return _start_of(self.start), _start_of(self.end + dt.timedelta(days=1))

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31))

    @classmethod
    def this_year(cls, today: dt.date | None = None) -> Period:
        today = today or timezone.localdate()
        return cls(dt.date(today.year, 1, 1), today)

    @classmethod
    def last_twelve_months(cls, today: dt.date | None = None) -> Period:
        today = today or timezone.localdate()
        return cls(dashboard_months(today)[0], today)


def dashboard_months(today: dt.date | None = None) -> list[dt.date]:
    """The first days of the last twelve months, oldest first, this month last."""
    first = (today or timezone.localdate()).replace(day=1)
    return [first - relativedelta(months=back) for back in range(DASHBOARD_MONTHS - 1, -1, -1)]


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    return Period.year(year).bounds


# --- The figures ---------------------------------------------------------------


def cohort(
    period: Period, *, channel: str | None = None, department: int | None = None, series: int | None = None
) -> QuerySet[Case]:
    """The cases a figure counts: received in the period, optionally of one channel,
    one lead department or one roundtable series."""
    start, end = period.bounds
    cases = Case.objects.filter(received_at__gte=start, received_at__lt=end).order_by()
    if channel:
        cases = cases.filter(channel=channel)
    if department:
        cases = cases.filter(lead_department_id=department)
    if series:
        # The roundtables app builds on this one; its appeals are reached by the relation.
        cases = cases.filter(roundtable_appeal__session__series_id=series)
    return cases


# The return visit of a case's current round, joined (at most one: one visit per round)
# rather than looked up per case, so the figures stay one pass the database may split
# over parallel workers (a correlated EXISTS would forbid it).
CURRENT_ROUND_VISIT = "current_round_visit"


def _with_current_round_visit(cases: QuerySet[Case]) -> QuerySet[Case]:
    return cases.annotate(
        **{CURRENT_ROUND_VISIT: FilteredRelation("return_visits", condition=Q(return_visits__round=F("round")))}
    )


def _figure_counts(now: dt.datetime) -> dict:
    """The conditional counts behind :class:`CaseFigures`, for ``aggregate`` or, per
    group, ``values(…).annotate`` over :func:`_with_current_round_visit` cases.

    A million cases cost a million evaluations of every condition, so each is written
    with its most selective, cheapest test first (PostgreSQL evaluates ``AND`` in the
    order written): the stage before the open-status list, a null check before a
    comparison. ``Count(column)`` counts the rows where the column is set."""
    counts = {
        "received": Count("*"),
        "accepted": Count("accepted_at"),
        "not_accepted": Count("id", filter=Q(status=Status.NOT_ACCEPTED)),
        "assigned": Count("assigned_at"),
        "resolved": Count("id", filter=Q(status__in=DONE_STATUSES)),
        "visited": Count("id", filter=Q(**{f"{CURRENT_ROUND_VISIT}__isnull": False}) & Q(status__in=DONE_STATUSES)),
        "long_term": Count("id", filter=sla.long_term_q()),
    }
    overdue = sla.overdue_q(now)
    for stage, done, due in STAGE_FIELDS:
        counts[f"{stage}_finished"] = Count("id", filter=Q(**{f"{done}__isnull": False, f"{due}__isnull": False}))
        # Both set, or the comparison is not true: the same rows as "finished and by the deadline".
        counts[f"{stage}_on_time"] = Count("id", filter=Q(**{f"{done}__lte": F(due)}))
        counts[f"{stage}_overdue"] = Count("id", filter=Q(stage=stage) & overdue)
    return counts


FIGURE_COUNTS = (
    "received",
    "accepted",
    "not_accepted",
    "assigned",
    "resolved",
    "visited",
    "long_term",
    *(f"{stage}_{what}" for stage, _done, _due in STAGE_FIELDS for what in ("finished", "on_time", "overdue")),
)


@dataclass(frozen=True)
class CaseFigures:
    received: int = 0
    accepted: int = 0
    not_accepted: int = 0
    assigned: int = 0
    resolved: int = 0
    overdue_open: int = 0
    long_term: int = 0
    visited: int = 0
    return_visits: int = 0
    # Per stage: on time ÷ (finished + open and past the deadline).
    stages: dict = field(default_factory=dict)
    satisfaction_rate: Rate = Rate()

    @classmethod
    def from_row(cls, row: dict, *, return_visits: int = 0, satisfaction: Rate | None = None) -> CaseFigures:
        stages = {
            stage: Rate(row[f"{stage}_on_time"], row[f"{stage}_finished"] + row[f"{stage}_overdue"])
            for stage, _done, _due in STAGE_FIELDS
        }
        return cls(
            received=row["received"],
            accepted=row["accepted"],
            not_accepted=row["not_accepted"],
            assigned=row["assigned"],
            resolved=row["resolved"],
            long_term=row["long_term"],
            visited=row["visited"],
            return_visits=return_visits,
            stages=stages,
            satisfaction_rate=satisfaction or Rate(),
            overdue_open=sum(row[f"{stage}_overdue"] for stage, _done, _due in STAGE_FIELDS),
        )

    @property
    def resolution_rate(self) -> Rate:
        return Rate(self.resolved, self.accepted)

    @property
    def on_time_rate(self) -> Rate:
        return sum(self.stages.values(), Rate())

    @property
    def return_visit_rate(self) -> Rate:
        return Rate(self.visited, self.resolved)

    @property
    def stage_rates(self) -> list[tuple[str, Rate]]:
        """The stages' on-time rates in stage order, for templates."""
        return [(stage, self.stages.get(stage, Rate())) for stage, _done, _due in STAGE_FIELDS]

    def __add__(self, other: CaseFigures) -> CaseFigures:
        """The figures of two disjoint cohorts together: every count and every rate's
        parts add up (the dashboard's total is its departments' sum)."""
        return CaseFigures(
            received=self.received + other.received,
            accepted=self.accepted + other.accepted,
            not_accepted=self.not_accepted + other.not_accepted,
            assigned=self.assigned + other.assigned,
            resolved=self.resolved + other.resolved,
            overdue_open=self.overdue_open + other.overdue_open,
            long_term=self.long_term + other.long_term,
            visited=self.visited + other.visited,
            return_visits=self.return_visits + other.return_visits,
            stages={
                stage: self.stages.get(stage, Rate()) + other.stages.get(stage, Rate())
                for stage, _done, _due in STAGE_FIELDS
            },
            satisfaction_rate=self.satisfaction_rate + other.satisfaction_rate,
        )

    def as_json(self) -> dict:
        return {
            "received": self.received,
            "accepted": self.accepted,
            "not_accepted": self.not_accepted,
            "assigned": self.assigned,
            "resolved": self.resolved,
            "resolution_rate": self.resolution_rate.as_json(),
            "overdue_open": self.overdue_open,
            "long_term": self.long_term,
            "on_time_rate": self.on_time_rate.as_json(),
            "on_time_by_stage": {stage: rate.as_json() for stage, rate in self.stage_rates},
            "return_visits": self.return_visits,
            "return_visit_rate": self.return_visit_rate.as_json(),
            "satisfaction_rate": self.satisfaction_rate.as_json(),
        }


def case_figures(
    period: Period,
    *,
    channel: str | None = None,
    department: int | None = None,
    series: int | None = None,
    now: dt.datetime | None = None,
) -> CaseFigures:
    """The figures of one cohort. Two queries."""
    return case_figures_grouped(period, group=None, channel=channel, department=department, series=series, now=now)[
        None
    ]


def case_figures_by_department(period: Period, *, now: dt.datetime | None = None, **scope) -> dict:
    """{lead department id (None: not yet assigned): its figures}. Two queries."""
    return case_figures_grouped(period, group="lead_department_id", now=now, **scope)


def case_figures_grouped(period: Period, *, group: str | None, now=None, **scope) -> dict:
    """{value of ``group`` (a field path from the case): its figures}; with ``group``
    None, {None: the figures}. Two queries."""
    figures, _rows = _figures(cohort(period, **scope), group=group, now=now)
    return figures


def figures_of(cases: QuerySet[Case], *, group: str | None, now=None) -> dict:
    """The figures of any set of cases (e.g. those raised at some sessions), grouped as
    ``case_figures_grouped`` groups them, with the same definitions. Two queries."""
    figures, _rows = _figures(cases, group=group, now=now)
    return figures


def _figures(
    cases: QuerySet[Case], *, group: str | None, now=None, breakdown: tuple[str, ...] = ()
) -> tuple[dict, list[dict]]:
    """The figures of ``cases`` by ``group``, and the rows they were summed from. Two
    queries: one pass over the cases (grouped by ``group`` and, for the dashboard, the
    ``breakdown`` fields too, whose rows it returns), one over their ratings and visits."""
    now = now or timezone.now()
    counts = _figure_counts(now)
    visited = _with_current_round_visit(cases)
    if group is None and not breakdown:
        rows = [visited.aggregate(**counts)]
    else:
        rows = list(visited.values(*([group] if group else []), *breakdown).annotate(**counts))
    summed: dict = {}
    for row in rows:
        key = row[group] if group else None
        total = summed.setdefault(key, dict.fromkeys(FIGURE_COUNTS, 0))
        for name in FIGURE_COUNTS:
            total[name] += row[name]
    feedback = _feedback_counts(cases, group)
    figures = {}
    for key, row in summed.items():
        ratings, satisfied, visits = feedback.get(key, (0, 0, 0))
        figures[key] = CaseFigures.from_row(row, return_visits=visits, satisfaction=Rate(satisfied, ratings))
    return figures, rows


def _feedback_counts(cases: QuerySet[Case], group: str | None) -> dict:
    """{group: (ratings, of which 满意 or 基本满意, return visits)} of the cases' ratings
    (every round) and return visits (every round).

    Both tables are joined with the cases' ids in one statement, so the cases are read
    once more, not twice; the cases' part is the ORM's own SQL for ``cases``. Read from
    the database ``cases`` reads from (the reports' replica, when one is set)."""
    database = cases.db
    ids = cases.values_list("pk", group) if group else cases.values_list("pk", Value(None, output_field=IntegerField()))
    cases_sql, cases_params = ids.query.get_compiler(using=database).as_sql()
    sql = f"""
        SELECT cohort.grp,
               count(*) FILTER (WHERE feedback.is_rating),
               count(*) FILTER (WHERE feedback.is_rating AND feedback.rating = ANY(%s)),
               count(*) FILTER (WHERE NOT feedback.is_rating)
          FROM ({cases_sql}) AS cohort (id, grp)
          JOIN (SELECT case_id, TRUE AS is_rating, rating FROM {CaseRating._meta.db_table}
                UNION ALL
                SELECT case_id, FALSE, NULL FROM {ReturnVisit._meta.db_table}) AS feedback
            ON feedback.case_id = cohort.id
         GROUP BY 1
    """  # noqa: S608 - table names from the models; values are parameters
    with connections[database].cursor() as cursor:
        cursor.execute(sql, [[str(rating) for rating in SATISFIED_RATINGS], *cases_params])
        return {key: (ratings, satisfied, visits) for key, ratings, satisfied, visits in cursor.fetchall()}


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
    figures: CaseFigures
    list: str | None = None

    @property
    def received(self) -> int:
        return self.figures.received

    @property
    def on_time(self) -> Rate:
        return self.figures.on_time_rate

    @property
    def satisfaction(self) -> Rate:
        return self.figures.satisfaction_rate

    # In this class's body `list` is the field above, so the builtin is spelled out.
    @property
    def stage_rates(self) -> builtins.list[tuple[str, Rate]]:
        return self.figures.stage_rates

    @property
    def list_label(self):
        return RANKING_LABELS.get(self.list or "", _("暂不列榜"))


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


def department_figures(
    period: Period, *, now: dt.datetime | None = None, by_department: dict | None = None
) -> list[DepartmentFigures]:
    """Each lead department's figures over the period, by name. Three queries (one when
    ``by_department``, from :func:`case_figures_by_department`, is given)."""
    if by_department is None:
        by_department = case_figures_by_department(period, now=now)
    names = {
        pk: localized(name, name_en)
        for pk, name, name_en in Department.objects.filter(pk__in=[key for key in by_department if key]).values_list(
            "pk", "name", "name_en"
        )
    }
    return sorted(
        (DepartmentFigures(id=key, name=names[key], figures=figures) for key, figures in by_department.items() if key),
        key=lambda department: department.name,
    )


# --- The dashboard -------------------------------------------------------------


@dataclass
class OverdueCase:
    case: Case
    working_days_late: int


@dataclass
class Dashboard:
    period: Period
    summary: CaseFigures
    open_cases: int
    by_channel: list[tuple[object, int]]
    by_category: list[tuple[str, int]]
    by_month: list[tuple[dt.date, int]]
    departments: list[DepartmentFigures]
    overdue: list[OverdueCase]
    ranking: Ranking
    thresholds: dict

    @property
    def months(self) -> list[dt.date]:
        return [month for month, _n in self.by_month]


def _months_between(start: dt.date, end: dt.date) -> list[dt.date]:
    month, last = start.replace(day=1), end.replace(day=1)
    months = []
    while month <= last:
        months.append(month)
        month += relativedelta(months=1)
    return months


def _counts_by_month(cases: QuerySet[Case], period: Period) -> list[tuple[dt.date, int]]:
    """{first day of a month: cases received in it} for every month of the period, in
    order. The months' boundaries are computed here, in local time, and each case is
    placed between them by ``width_bucket`` (a binary search over a constant array) —
    not by truncating every case's time zone-converted timestamp, which cost a million
    conversions — reading only the (covering) index on ``received_at``."""
    months = _months_between(period.start, period.end)
    bounds = [_start_of(month) for month in months] + [_start_of(months[-1] + relativedelta(months=1))]
    bucket = Func(
        F("received_at"),
        Value(bounds, output_field=ArrayField(DateTimeField())),
        function="width_bucket",
        output_field=IntegerField(),
    )
    counts = dict(cases.annotate(month=bucket).values_list("month").annotate(n=Count("*")))
    # Bucket i (from 1) is [bounds[i - 1], bounds[i]); the cohort lies within the bounds.
    return [(month, counts.get(index, 0)) for index, month in enumerate(months, start=1)]


def dashboard(
    *, period: Period | None = None, now: dt.datetime | None = None, thresholds: dict | None = None
) -> Dashboard:
    """Everything the officials' dashboard shows for the cases received in the period
    (by default the last twelve months). Seven queries, whatever the number of cases."""
    now = now or timezone.now()
    period = period or Period.last_twelve_months(timezone.localdate(now))
    thresholds = thresholds or CASE_RANKING_THRESHOLDS
    cases = cohort(period)

    # One pass over the cohort, grouped by lead department and, for the charts, channel
    # and category: the departments' figures are the sums of their rows, the total the
    # sum of the departments' (not-yet-assigned cases are the group without one).
    by_department, rows = _figures(cases, group="lead_department_id", now=now, breakdown=("channel", "category_id"))
    summary = sum(by_department.values(), CaseFigures())
    # 在办: every status is open, not accepted or done (tests/complaints/test_figures_scale.py
    # holds the statuses to that), so the open cases are what the other two leave.
    open_cases = summary.received - summary.not_accepted - summary.resolved

    channel_counts: dict = {}
    category_counts: dict = {}
    for row in rows:
        channel_counts[row["channel"]] = channel_counts.get(row["channel"], 0) + row["received"]
        category_counts[row["category_id"]] = category_counts.get(row["category_id"], 0) + row["received"]
    by_channel: list[tuple[object, int]] = [(label, channel_counts.get(value, 0)) for value, label in Channel.choices]

    categories = (
        ProblemCategory.objects.filter(Q(is_active=True) | Q(pk__in=[pk for pk, n in category_counts.items() if n]))
        .order_by("sort_order", "name")
        .values_list("pk", "name", "name_en")
    )
    by_category = [(localized(name, name_en), category_counts.get(pk, 0)) for pk, name, name_en in categories]

    by_month = _counts_by_month(cases, period)

    departments = department_figures(period, by_department=by_department)

    calendar = WorkCalendar()
    overdue = [
        OverdueCase(
            case=case,
            # overdue_q matches only cases whose running stage has a deadline.
            working_days_late=deadlines.working_days_late(cast(dt.datetime, case.stage_due_at), now, calendar),
        )
        for case in cases.filter(sla.overdue_q(now))
        .select_related("lead_department")
        .order_by("stage_due_at", "id")[:OVERDUE_LIST_LIMIT]
    ]

    return Dashboard(
        period=period,
        summary=summary,
        open_cases=open_cases,
        by_channel=by_channel,
        by_category=by_category,
        by_month=by_month,
        departments=departments,
        overdue=overdue,
        ranking=rank_departments(departments, thresholds),
        thresholds=thresholds,
    )


# --- The public statistics page ------------------------------------------------


@dataclass
class YearFigures:
    year: int
    figures: CaseFigures
    by_category: list[tuple[str, int]]


def year_figures(year: int | None = None) -> YearFigures:
    """A year's figures for the public: the cases received in the year, with the same
    definitions as everywhere (:func:`case_figures`); no case details."""
    year = year or timezone.localdate().year
    period = Period.year(year)
    categories = (
        cohort(period)
        .filter(accepted_at__isnull=False)
        .values_list("category__name", "category__name_en", "category__sort_order")
        .annotate(n=Count("id"))
        .order_by("category__sort_order", "category__name")
    )
    return YearFigures(
        year=year,
        figures=case_figures(period),
        by_category=[(localized(name, name_en), n) for name, name_en, _order, n in categories],
    )


# --- Typical cases ---------------------------------------------------------------


def published_typical_cases():
    return (
        TypicalCase.objects.filter(is_published=True).select_related("problem_class").order_by("-published_at", "-id")
    )
