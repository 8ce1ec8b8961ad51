"""Reads of the monthly 三色图 and of 督办, shared by the pages and the API."""

from __future__ import annotations

import datetime as dt
import re

from django.db.models import Prefetch, QuerySet

from policies.models import MonthlySnapshot, SupervisionNotice, SupervisionUnitKind
from policies.supervision.services import month_start, previous_month
from portal.models import User

COLOUR_ORDER = {"green": 0, "yellow": 1, "red": 2, "": 3}


def parse_month(value: str | None) -> dt.date | None:
    """``YYYY-MM`` as the month's first day; ``None`` when absent or malformed."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", value or "")
    if not match:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), 1)
    except ValueError:
        return None


def snapshot_months() -> list[dt.date]:
    """The months that have a 三色图, newest first."""
    return list(MonthlySnapshot.objects.order_by("-month").values_list("month", flat=True).distinct())


def colour_map(*, month: dt.date) -> dict:
    """The month's units by kind, best first, each with last month's colour and place
    beside it (month-on-month). Two queries, however many units."""
    month = month_start(month)
    before = previous_month(month)
    rows = list(
        MonthlySnapshot.objects.filter(month__in=[month, before])
        .select_related("region", "department")
        .order_by("unit_kind", "rank", "id")
    )
    earlier = {(row.unit_kind, row.region_id or row.department_id): row for row in rows if row.month == before}
    units: dict[str, list[MonthlySnapshot]] = {kind: [] for kind in SupervisionUnitKind.values}
    for row in rows:
        if row.month != month:
            continue
        previous = earlier.get((row.unit_kind, row.region_id or row.department_id))
        row.previous = previous
        row.score_change = (
            round(row.overall_score - previous.overall_score, 1)
            if previous and previous.overall_score is not None and row.overall_score is not None
            else None
        )
        row.rank_change = previous.rank - row.rank if previous and previous.rank and row.rank else None
        units[row.unit_kind].append(row)
    for kind in units:
        units[kind].sort(key=lambda r: (r.rank is None, r.rank or 0, COLOUR_ORDER[r.colour]))
    return {
        "month": month,
        "previous_month": before,
        "regions": units[SupervisionUnitKind.REGION],
        "departments": units[SupervisionUnitKind.DEPARTMENT],
    }


def published_notices() -> QuerySet[SupervisionNotice]:
    """公示: the published 督办 with their 整改 results, newest first."""
    return SupervisionNotice.objects.filter(published=True).select_related("region", "department")


def notice_for_user(*, user: User, pk: int) -> SupervisionNotice | None:
    """A 督办 as ``user`` may see it: officials who supervise see every one, a
    respondent their own; anyone else gets ``None`` (the page answers 404)."""
    notices = SupervisionNotice.objects.select_related(
        "region", "department", "answered_by", "evaluated_by"
    ).prefetch_related(Prefetch("respondents", queryset=User.objects.select_related("department")))
    if not user.has_perm("policies.supervise_units"):
        notices = notices.filter(respondents=user)
    return notices.filter(pk=pk).first()


def notices_for_user(*, user: User) -> QuerySet[SupervisionNotice]:
    notices = SupervisionNotice.objects.select_related("region", "department")
    if not user.has_perm("policies.supervise_units"):
        notices = notices.filter(respondents=user)
    return notices
