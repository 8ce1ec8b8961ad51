"""Reads of the quarterly lists and the 约谈, shared by the pages and the API."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from fractions import Fraction

from django.db.models import Count, Prefetch, Q, QuerySet

from complaints.models import (
    Interview,
    InterviewItem,
    InterviewLevel,
    ItemSignOff,
    QuarterRanking,
    RankingEntry,
    RankingList,
    RankingRule,
    RankingState,
)
from complaints.reporting.selectors import Period, Rate

QUARTER_RE = re.compile(r"^(?P<year>\d{4})Q(?P<quarter>[1-4])$")
LIST_ORDER = (RankingList.RED, RankingList.YELLOW, RankingList.BLACK, RankingList.NONE)


def parse_quarter(code: str) -> tuple[int, int] | None:
    """``"2026Q1"`` → ``(2026, 1)``; None when it is not a quarter."""
    match = QUARTER_RE.match((code or "").strip().upper())
    return (int(match["year"]), int(match["quarter"])) if match else None


def quarter_period(year: int, quarter: int) -> Period:
    first = dt.date(year, 3 * quarter - 2, 1)
    after = dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1)
    return Period(first, after - dt.timedelta(days=1))


def current_rule() -> RankingRule:
    rule, _created = RankingRule.objects.get_or_create(id=1)
    return rule


def may_manage(user) -> bool:
    """Officials draft, adjust and publish the lists and see drafts."""
    return bool(user and user.is_authenticated and user.has_perm("complaints.change_quarterranking"))


def may_record_interviews(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("complaints.add_interview"))


def _at_least(rate: Rate, percent) -> bool:
    fraction = rate.fraction
    return fraction is not None and fraction * 100 >= Fraction(percent)


def apply_rule(
    rule: RankingRule, *, accepted: int, on_time: Rate, resolution: Rate, satisfaction: Rate, overdue: int
) -> str:
    """The list the rule puts a unit on (see RankingRule). Units with too few cases,
    or without ratings or stages to judge, are not listed."""
    if accepted < max(rule.min_cases, 1) or not on_time.denominator or not satisfaction.denominator:
        return RankingList.NONE
    rates = (
        (on_time, rule.red_on_time, rule.yellow_on_time),
        (resolution, rule.red_resolution, rule.yellow_resolution),
        (satisfaction, rule.red_satisfaction, rule.yellow_satisfaction),
    )
    if overdue >= rule.black_min_overdue > 0 or any(not _at_least(rate, yellow) for rate, _red, yellow in rates):
        return RankingList.BLACK
    if overdue <= rule.red_max_overdue and all(_at_least(rate, red) for rate, red, _yellow in rates):
        return RankingList.RED
    return RankingList.YELLOW


def entry_rates(entry: RankingEntry) -> dict[str, Rate]:
    return {
        "on_time": Rate(entry.on_time, entry.on_time_of),
        "resolution": Rate(entry.resolved, entry.accepted),
        "satisfaction": Rate(entry.satisfied, entry.rated),
        "return_visit": Rate(entry.visited, entry.resolved),
    }


def rankings_for(user) -> QuerySet[QuarterRanking]:
    """The lists the user may read: published ones, and drafts for officials."""
    rankings = QuarterRanking.objects.all()
    if not may_manage(user):
        rankings = rankings.filter(state=RankingState.PUBLISHED)
    return rankings


def ranking_get(*, user, year: int, quarter: int, draft: bool = False) -> QuarterRanking | None:
    """The quarter's list with its entries (departments and movers loaded): the published
    one, or — with ``draft`` and for officials — the list in whatever state. Two queries."""
    rankings = rankings_for(user) if draft else QuarterRanking.objects.filter(state=RankingState.PUBLISHED)
    entries = RankingEntry.objects.select_related("department__region", "moved_by__department").order_by(
        "department__name"
    )
    return (
        rankings.filter(year=year, quarter=quarter)
        .select_related("published_by__department", "drafted_by__department")
        .prefetch_related(Prefetch("entries", queryset=entries))
        .first()
    )


@dataclass
class Section:
    key: str
    label: str
    entries: list[RankingEntry]


def sections(ranking: QuarterRanking) -> list[Section]:
    """The entries by list (red, yellow, black, not listed), best first within each."""
    by_list: dict[str, list[RankingEntry]] = {key: [] for key in LIST_ORDER}
    for entry in ranking.entries.all():
        entry.rates = entry_rates(entry)  # type: ignore[attr-defined]
        by_list[entry.list].append(entry)

    def best_first(entry):
        rates = entry.rates
        return (
            -(rates["on_time"].fraction or 0),
            -(rates["satisfaction"].fraction or 0),
            entry.overdue_open,
            entry.department.name,
        )

    return [Section(key, str(RankingList(key).label), sorted(by_list[key], key=best_first)) for key in LIST_ORDER]


def published_quarters() -> list[tuple[int, int]]:
    return list(
        QuarterRanking.objects.filter(state=RankingState.PUBLISHED)
        .order_by("-year", "-quarter")
        .values_list("year", "quarter")
    )


@dataclass(frozen=True)
class YearCounts:
    """家次 per list over a year's published lists, and the 约谈 held that year."""

    year: int
    red: int
    yellow: int
    black: int
    interviews: int
    by_level: dict[int, int]


def year_counts(year: int) -> YearCounts:
    """明光's "评选'红榜'单位N家次、'黄榜'单位N家次、'黑榜'单位N家次；'三级约谈'单位N家次":
    each unit counted once per published quarter it is listed in, and each 约谈 held in
    the year. Two queries."""
    listed = RankingEntry.objects.filter(ranking__year=year, ranking__state=RankingState.PUBLISHED).aggregate(
        **{key: Count("id", filter=Q(list=key)) for key in (RankingList.RED, RankingList.YELLOW, RankingList.BLACK)}
    )
    by_level = dict(
        Interview.objects.filter(held_on__year=year).order_by().values_list("level").annotate(n=Count("id"))
    )
    return YearCounts(
        year=year,
        red=listed[RankingList.RED],
        yellow=listed[RankingList.YELLOW],
        black=listed[RankingList.BLACK],
        interviews=sum(by_level.values()),
        by_level=by_level,
    )


def counts_by_year() -> list[YearCounts]:
    """:func:`year_counts` for every year with a published list or a 约谈, latest
    first. Two queries."""
    listed: dict[int, dict[str, int]] = {}
    for year, list_, n in (
        RankingEntry.objects.filter(ranking__state=RankingState.PUBLISHED)
        .order_by()
        .values_list("ranking__year", "list")
        .annotate(n=Count("id"))
    ):
        listed.setdefault(year, {})[list_] = n
    levels: dict[int, dict[int, int]] = {}
    for year, level, n in Interview.objects.order_by().values_list("held_on__year", "level").annotate(n=Count("id")):
        levels.setdefault(year, {})[level] = n
    return [
        YearCounts(
            year=year,
            red=listed.get(year, {}).get(RankingList.RED, 0),
            yellow=listed.get(year, {}).get(RankingList.YELLOW, 0),
            black=listed.get(year, {}).get(RankingList.BLACK, 0),
            interviews=sum(levels.get(year, {}).values()),
            by_level=levels.get(year, {}),
        )
        for year in sorted(set(listed) | set(levels), reverse=True)
    ]


def interviews_of(ranking: QuarterRanking) -> QuerySet[Interview]:
    """The 约谈 linked to a quarter's entries, with their items and monthly sign-offs."""
    return (
        Interview.objects.filter(entry__ranking=ranking)
        .select_related("entry__department", "recorded_by")
        .prefetch_related(
            Prefetch(
                "items",
                queryset=InterviewItem.objects.prefetch_related(
                    Prefetch("sign_offs", queryset=ItemSignOff.objects.select_related("signed_by"))
                ),
            )
        )
    )


# --- 约谈 pages ----------------------------------------------------------------------


def may_read_interviews(user) -> bool:
    """Officials read every 约谈; a 承办单位's handlers read their own unit's (read-only:
    the 对账 is the office's, done with the unit). Nobody else."""
    if not (user and user.is_authenticated):
        return False
    return user.has_perm("complaints.view_interview") or _unit_handler(user)


def _unit_handler(user) -> bool:
    from portal import roles

    return bool(user.department_id) and roles.has_role(user, roles.HANDLER)


def interviews_for(user) -> QuerySet[Interview]:
    """The 约谈 ``user`` may read (see :func:`may_read_interviews`), newest first."""
    interviews = Interview.objects.all()
    if not (user and user.is_authenticated):
        return interviews.none()
    if user.has_perm("complaints.view_interview"):
        return interviews
    if _unit_handler(user):
        return interviews.filter(entry__department_id=user.department_id)
    return interviews.none()


def interview_list(*, user, year: int | None = None) -> QuerySet[Interview]:
    """The list page's rows: unit, list and quarter, and how many items are still open.
    One query (with the page's count), however many interviews."""
    interviews = interviews_for(user)
    if year:
        interviews = interviews.filter(held_on__year=year)
    return (
        interviews.select_related("entry__ranking", "entry__department")
        .annotate(
            item_count=Count("items", distinct=True),
            open_count=Count("items", filter=Q(items__closed_on__isnull=True), distinct=True),
        )
        .order_by("-held_on", "-id")
    )


def interview_counts(*, user) -> list[tuple[int, list[int], int]]:
    """``(year, [level 1, level 2, level 3], total)`` over the 约谈 ``user`` may read,
    latest year first. One query."""
    by_year: dict[int, dict[int, int]] = {}
    rows = interviews_for(user).order_by().values_list("held_on__year", "level").annotate(n=Count("id"))
    for year, level, n in rows:
        by_year.setdefault(year, {})[level] = n
    return [
        (year, [levels.get(level, 0) for level in InterviewLevel.values], sum(levels.values()))
        for year, levels in sorted(by_year.items(), reverse=True)
    ]


def interview_get(*, user, pk: int) -> Interview | None:
    """One 约谈 with its unit, list and items, each item with its monthly sign-offs
    (people with their units): three queries. None when ``user`` may not read it."""
    return (
        interviews_for(user)
        .filter(pk=pk)
        .select_related("entry__ranking", "entry__department", "recorded_by__department")
        .prefetch_related(
            Prefetch(
                "items",
                queryset=InterviewItem.objects.order_by("kind", "id").prefetch_related(
                    Prefetch(
                        "sign_offs",
                        queryset=ItemSignOff.objects.order_by("month").select_related("signed_by__department"),
                    )
                ),
            )
        )
        .first()
    )
