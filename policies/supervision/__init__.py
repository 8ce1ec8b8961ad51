"""Supervision of applications (督): per region (the enterprise's county) and per issuing
department, the applications, approval rate, amount paid, median days to payout and
overdue reviews, with a green / yellow / red ranking. All figures are SQL aggregates:
two grouped queries and one for names, however many applications there are."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Aggregate, Case, Count, F, FloatField, Func, IntegerField, Q, Sum, When
from django.db.models.functions import Now, TruncDate
from django.utils.translation import gettext_lazy as _

from policies.models import Application
from policies.selectors import view_totals_by_issuer
from portal.localized import localized
from portal.models import Region

GREEN, YELLOW, RED = "green", "yellow", "red"
COLOUR_LABELS = {GREEN: _("绿色（良好）"), YELLOW: _("黄色（关注）"), RED: _("红色（预警）")}

# A unit is green when it has at most ``max_overdue`` overdue reviews and its median
# days to payout is at most ``max_median_days`` (no payout yet counts as within);
# yellow within the yellow limits; red otherwise. Override with the setting
# POLICY_SUPERVISION_THRESHOLDS (same shape).
DEFAULT_THRESHOLDS = {
    GREEN: {"max_overdue": 0, "max_median_days": 20},
    YELLOW: {"max_overdue": 2, "max_median_days": 40},
}

DECIDED = [Application.Status.APPROVED, Application.Status.PAID, Application.Status.REJECTED]
APPROVED = [Application.Status.APPROVED, Application.Status.PAID]
PENDING = [Application.Status.SUBMITTED, Application.Status.UNDER_REVIEW]


def thresholds() -> dict:
    return getattr(settings, "POLICY_SUPERVISION_THRESHOLDS", DEFAULT_THRESHOLDS)


class Median(Aggregate):
    """percentile_cont(0.5): the median, interpolated, in PostgreSQL."""

    function = "percentile_cont"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def _days_to_payout():
    """Calendar days from the (local) submission date to the payout date."""
    return Func(
        F("paid_on"),
        TruncDate("submitted_at"),
        template="(%(expressions)s)",
        arg_joiner=" - ",
        output_field=IntegerField(),
    )


def _figures():
    return {
        "applications": Count("id"),
        "decided": Count("id", filter=Q(status__in=DECIDED)),
        "approved": Count("id", filter=Q(status__in=APPROVED)),
        "paid_amount": Sum("paid_amount", filter=Q(status=Application.Status.PAID)),
        "median_days": Median(_days_to_payout(), filter=Q(status=Application.Status.PAID, submitted_at__isnull=False)),
        "overdue": Count("id", filter=Q(status__in=PENDING, review_due_at__lt=Now())),
    }


def _county():
    """The enterprise's county: its region, or the region's parent for a township."""
    return Case(
        When(enterprise__region__level=Region.Level.TOWNSHIP, then=F("enterprise__region__parent_id")),
        default=F("enterprise__region_id"),
    )


def colour(row: dict, limits: dict | None = None) -> str:
    limits = limits or thresholds()
    median = row["median_days"]
    for key in (GREEN, YELLOW):
        limit = limits[key]
        if row["overdue"] <= limit["max_overdue"] and (median is None or median <= limit["max_median_days"]):
            return key
    return RED


def _rate(row: dict) -> None:
    row["approval_rate"] = row["approved"] / row["decided"] if row["decided"] else None
    row["approval_percent"] = round(row["approval_rate"] * 100, 1) if row["decided"] else None


def _finish(row: dict, name: str) -> dict:
    row["name"] = name
    _rate(row)
    row["colour"] = colour(row)
    row["colour_label"] = COLOUR_LABELS[row["colour"]]
    return row


def _ranked(rows: list[dict]) -> list[dict]:
    order = {GREEN: 0, YELLOW: 1, RED: 2}
    return sorted(rows, key=lambda r: (order[r["colour"]], -r["overdue"], -(r["approval_rate"] or 0), r["name"]))


def report(queryset=None) -> dict:
    """The supervision figures over non-draft applications, and the policies' page
    views per issuing department and in all (over every policy, whatever the
    queryset)."""
    base = (queryset if queryset is not None else Application.objects.all()).exclude(status=Application.Status.DRAFT)
    by_department = list(
        base.values("policy__issuer_id", "policy__issuer__name", "policy__issuer__name_en")
        .annotate(**_figures())
        .order_by("policy__issuer_id")
    )
    by_region = list(base.annotate(county=_county()).values("county").annotate(**_figures()).order_by("county"))
    region_names = {
        pk: localized(name, name_en)
        for pk, name, name_en in Region.objects.filter(
            pk__in=[row["county"] for row in by_region if row["county"]]
        ).values_list("pk", "name", "name_en")
    }
    departments = _ranked(
        [_finish(row, localized(row["policy__issuer__name"], row["policy__issuer__name_en"])) for row in by_department]
    )
    regions = _ranked([_finish(row, region_names.get(row["county"]) or str(_("未填写区划"))) for row in by_region])
    totals = base.aggregate(**_figures())
    _rate(totals)
    # 浏览量 (policies.views_counter): per issuing department and in all ("企业浏览量超N次").
    views = view_totals_by_issuer()
    for row in departments:
        row["views"] = views.get(row["policy__issuer_id"], 0)
    totals["views"] = sum(views.values())
    return {
        "departments": departments,
        "regions": regions,
        "totals": totals,
        "thresholds": thresholds(),
        "chart": {
            "type": "bar",
            "labels": [row["name"] for row in departments],
            "datasets": [
                {"label": str(_("申报量")), "data": [row["applications"] for row in departments]},
                {"label": str(_("已核准")), "data": [row["approved"] for row in departments]},
                {"label": str(_("超期未审")), "data": [row["overdue"] for row in departments]},
            ],
        },
    }


# --- 帮办代办 (applications staff prepared for enterprises) ------------------------------


def _assisted_figures():
    return {
        "prepared": Count("id"),
        "enterprises": Count("enterprise_id", distinct=True),
        "submitted": Count("id", filter=~Q(status=Application.Status.DRAFT)),
        "under_mandate": Count("id", filter=Q(mandate__isnull=False)),
        "approved": Count("id", filter=Q(status__in=APPROVED)),
    }


def assisted_report(queryset=None) -> dict:
    """帮办代办 counts (明光: "为94家企业帮办代办…266次"): the applications staff prepared,
    the enterprises they served, how many were submitted (by the enterprise or under its
    mandate) and approved — per unit (the preparer's department), per person and in
    total. Three grouped queries, however many applications or people."""
    base = (queryset if queryset is not None else Application.objects.all()).filter(prepared_by__isnull=False)
    by_person = list(
        base.values(
            "prepared_by_id",
            "prepared_by__full_name",
            "prepared_by__department__name",
            "prepared_by__department__name_en",
        )
        .annotate(**_assisted_figures())
        .order_by("prepared_by_id")
    )
    by_unit = list(
        base.values("prepared_by__department_id", "prepared_by__department__name", "prepared_by__department__name_en")
        .annotate(**_assisted_figures())
        .order_by("prepared_by__department_id")
    )
    no_unit = str(_("未填写单位"))
    for row in [*by_person, *by_unit]:
        name, name_en = row["prepared_by__department__name"], row["prepared_by__department__name_en"]
        row["unit"] = localized(name, name_en or "") if name else no_unit
    for row in by_person:
        row["name"] = row["prepared_by__full_name"]
    # Most prepared first.
    by_person.sort(key=lambda row: (-row["prepared"], row["name"] or ""))
    by_unit.sort(key=lambda row: (-row["prepared"], row["unit"]))
    return {"people": by_person, "units": by_unit, "totals": base.aggregate(**_assisted_figures())}
