"""What matching reads of an enterprise: its ``Profile``, and the profile as the SQL
function of advanced conditions reads it (``profile_json``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from portal.models import Enterprise

RD_PLACES = Decimal("0.000001")


@dataclass(frozen=True)
class Profile:
    """What matching reads of an enterprise; also built from a form for the calculator.
    A field left empty ("" or None) makes the conditions on it *unknown*."""

    region_path: str | None = None
    industry_path: str | None = None
    scale: str = ""
    ownership: str = ""
    tax_credit_grade: str = ""
    tag_ids: frozenset[int] = frozenset()
    tag_names: frozenset[str] = frozenset()
    employees: int | None = None
    annual_revenue: Decimal | None = None
    tax_paid: Decimal | None = None
    rd_spend: Decimal | None = None
    founded_on: dt.date | None = None
    today: dt.date = field(default_factory=timezone.localdate)

    @classmethod
    def of(cls, enterprise: Enterprise) -> Profile:
        """Reads the enterprise's region, industry and tags: select and prefetch them
        when building many profiles."""
        tags = list(enterprise.tags.all())
        return cls(
            region_path=enterprise.region.path if enterprise.region is not None else None,
            industry_path=enterprise.industry.path if enterprise.industry is not None else None,
            scale=enterprise.scale,
            ownership=enterprise.ownership,
            tax_credit_grade=enterprise.tax_credit_grade,
            tag_ids=frozenset(tag.pk for tag in tags),
            tag_names=frozenset(tag.name for tag in tags),
            employees=enterprise.employees,
            annual_revenue=enterprise.annual_revenue,
            tax_paid=enterprise.tax_paid,
            rd_spend=enterprise.rd_spend,
            founded_on=enterprise.founded_on,
        )

    @property
    def rd_intensity(self) -> Decimal | None:
        if self.rd_spend is None or not self.annual_revenue:
            return None
        return (Decimal(self.rd_spend) / Decimal(self.annual_revenue)).quantize(RD_PLACES, ROUND_HALF_UP)

    @property
    def years_since_founding(self) -> int | None:
        if self.founded_on is None:
            return None
        before_birthday = (self.today.month, self.today.day) < (self.founded_on.month, self.founded_on.day)
        return self.today.year - self.founded_on.year - before_birthday


def profile_json(profile: Profile) -> dict:
    """The profile as the SQL function ``policy_condition`` reads it: the fields an
    advanced condition tree may name (``policies.conditions``)."""

    def number(value):
        return None if value is None else str(value)

    return {
        "employees": number(profile.employees),
        "annual_revenue": number(profile.annual_revenue),
        "tax_paid": number(profile.tax_paid),
        "rd_spend": number(profile.rd_spend),
        "rd_intensity": number(profile.rd_intensity),
        "years_since_founding": number(profile.years_since_founding),
        "scale": profile.scale,
        "ownership": profile.ownership,
        "tax_credit_grade": profile.tax_credit_grade,
        "tags": sorted(profile.tag_names),
    }


def path_and_ancestors(path: str | None) -> list[str]:
    """ "/34/3418/341802/" → the paths of the node and every node above it."""
    if not path:
        return []
    codes = path.strip("/").split("/")
    return ["/" + "/".join(codes[: depth + 1]) + "/" for depth in range(len(codes))]
