"""One policy against every enterprise, as one ORM query: who a policy reaches
(精准推送, 免申即享 grants, the admin's "将覆盖 N 家企业")."""

from __future__ import annotations

import datetime as dt

from django.db.models import DecimalField, ExpressionWrapper, F, Func, IntegerField, Q, QuerySet, Value
from django.db.models.functions import Cast, NullIf, Round
from django.utils import timezone

from policies.matching.registry import CONDITIONS
from policies.models import Policy
from portal.models import Enterprise


def enterprise_profiles(today: dt.date | None = None) -> QuerySet[Enterprise]:
    """Enterprises annotated with the derived fields conditions read, computed as the
    Python ``Profile`` computes them (R&D intensity to six places; whole years)."""
    today = today or timezone.localdate()
    decimal = DecimalField(max_digits=24, decimal_places=6)
    return Enterprise.objects.annotate(
        p_rd_intensity=Round(
            ExpressionWrapper(
                F("rd_spend") / NullIf(Cast(F("annual_revenue"), decimal), Value(0)), output_field=decimal
            ),
            6,
        ),
        p_years=Cast(
            Func(Func(Value(today), F("founded_on"), function="age"), template="date_part('year', %(expressions)s)"),
            IntegerField(),
        ),
    )


def eligibility_q(policy: Policy) -> Q:
    """The policy's conditions as a filter on ``enterprise_profiles()`` (met only: an
    enterprise whose data leaves a condition unknown is not selected)."""
    q = Q()
    for condition in CONDITIONS:
        q &= condition.q(policy)
    return q


def eligible_enterprises(policy: Policy) -> QuerySet[Enterprise]:
    """Every enterprise the policy reaches, as one query."""
    return enterprise_profiles().filter(eligibility_q(policy))
