"""Demo 三色图: twelve month-end snapshots per county and issuing department, each unit
improving, slipping or holding over the year so the page shows trends, with the 督办
they trigger; the older 督办 answered, evaluated and published
(公示). Idempotent: skipped once any snapshot exists."""

from __future__ import annotations

import random
from decimal import Decimal

from django.utils import timezone

from policies.models import MonthlySnapshot, SupervisionNotice, SupervisionUnitKind
from policies.supervision import services
from portal.models import Department, Region, User

MONTHS = 12
ISSUERS = ["经信局", "发改委", "科技局", "人社局", "商务局", "税务局", "金融监管局"]
# Units that lag in given months (months ago), so the demo shows 督办 arising.
WEAK = {"发改委": {7, 8, 3, 2}, "泾县": {6, 5}}
SLOPES = [0.4, -0.35, 0.0, 0.3, -0.3, 0.15, -0.2]


def _figures(rng: random.Random, quality: float) -> dict:
    eligible = rng.randint(20, 80)
    benefited = round(eligible * quality * 0.85)
    payments = benefited + rng.randint(0, 5)
    decided = rng.randint(10, 40)
    submitted = rng.randint(10, 40)
    return {
        "eligible_firms": eligible,
        "benefited_firms": benefited,
        "payments": payments,
        "paid_amount": Decimal(payments * rng.randint(2, 20) * 10000),
        "median_workdays": round(4 + (1 - quality) * 30 + rng.random() * 3, 1),
        "decided": decided,
        "decided_on_time": round(decided * (0.45 + 0.55 * quality)),
        "easy_payments": round(payments * quality * 0.9),
        "submitted": submitted,
        "not_returned": round(submitted * (0.55 + 0.45 * quality)),
    }


def seed(stdout=None) -> None:
    if MonthlySnapshot.objects.exists():
        return
    city = Region.objects.filter(code="341800").first()
    if city is None:
        return
    rng = random.Random(20261206)
    counties = list(Region.objects.filter(parent=city).order_by("code"))
    departments = list(Department.objects.filter(short_name__in=ISSUERS).order_by("id"))
    units: list[tuple[str, int, str]] = [(SupervisionUnitKind.REGION, r.pk, r.name) for r in counties]
    units += [(SupervisionUnitKind.DEPARTMENT, d.pk, d.short_name) for d in departments]
    base = {unit: 0.55 + rng.random() * 0.4 for unit in units}
    # Each unit's course over the year (quality gained from the first month to the last):
    # some improve, some slip, some hold, so the grid changes colour over the months.
    slopes = {unit: SLOPES[index % len(SLOPES)] for index, unit in enumerate(units)}
    first = services.month_start(timezone.localdate())
    for _step in range(MONTHS):
        first = services.previous_month(first)
    month = first
    for ago in range(MONTHS, 0, -1):
        figures = {}
        for unit in units:
            kind, pk, name = unit
            progress = (MONTHS - ago) / (MONTHS - 1) - 0.5  # -0.5 in the first month, 0.5 in the last
            quality = base[unit] + slopes[unit] * progress + rng.uniform(-0.08, 0.08)
            if ago in WEAK.get(name, set()):
                quality = 0.2 + rng.random() * 0.1
            figures[(kind, pk)] = _figures(rng, min(max(quality, 0.1), 1.0))
        services.snapshot_store(month=month, figures=figures)
        month = services.next_month(month)
    _settle_older_notices()
    if stdout:
        stdout.write(
            f"三色图: {MONTHS} months, {MonthlySnapshot.objects.count()} snapshots, "
            f"{SupervisionNotice.objects.count()} 督办"
        )


def _settle_older_notices() -> None:
    """督办 of more than two months ago: answered, evaluated and published."""
    official = User.objects.filter(username="official").first()
    if official is None:
        return
    cutoff = services.previous_month(services.previous_month(services.month_start(timezone.localdate())))
    for notice in SupervisionNotice.objects.filter(month__lt=cutoff).prefetch_related("respondents"):
        respondent = notice.respondents.first()
        if respondent is None:
            continue
        services.notice_answer(
            notice=notice,
            actor=respondent,
            answer="已逐项梳理积压申报，明确审核时限并压缩兑付流程，推行零材料办理。",
        )
        services.notice_evaluate(
            notice=notice, actor=official, verdict="done", evaluation="整改措施落实到位，次月排名回升。", publish=True
        )
