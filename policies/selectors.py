"""Reads of the policy catalogue that pages and the API share, with visibility built in:
the public sees published policies; officials who may change policies also see drafts
and withdrawn ones (on their own page, never in the catalogue)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from policies.matching import CONDITION_PREFETCH
from policies.models import Policy, PolicyMaterial, PolicyQuestion, PolicyViewDay
from portal import roles
from portal import selectors as portal_selectors
from portal.models import Enterprise, User

# States anyone may read on the policy's own page (an expired policy stays readable).
PUBLIC_STATES = [Policy.State.PUBLISHED, Policy.State.EXPIRED]


def can_manage(user: User) -> bool:
    return user.is_authenticated and user.has_perm("policies.change_policy")


def policy_list() -> QuerySet[Policy]:
    """The public catalogue: published policies with what a list row shows (not the
    long texts, which only a policy's own page shows)."""
    return (
        Policy.objects.filter(state=Policy.State.PUBLISHED, archived_at__isnull=True)
        .select_related("issuer", "category")
        .defer(*Policy.LONG_TEXTS)
    )


def policy_get_for_user(*, user: User, pk: int) -> Policy:
    """One policy with everything its page shows, or 404 when the user may not see it."""
    queryset = Policy.objects.select_related(
        "issuer", "category", "region", "supersedes", "superseded_by"
    ).prefetch_related(
        *CONDITION_PREFETCH,
        "co_issuers",
        Prefetch("materials", queryset=PolicyMaterial.objects.order_by("sort_order", "id")),
        Prefetch(
            "questions",
            queryset=PolicyQuestion.objects.filter(is_published=True).order_by("sort_order", "id"),
            to_attr="published_questions",
        ),
    )
    if not can_manage(user):
        queryset = queryset.filter(state__in=PUBLIC_STATES)
    try:
        return queryset.get(pk=pk)
    except Policy.DoesNotExist:
        raise Http404 from None


def represented_enterprises(*, user: User) -> QuerySet[Enterprise]:
    """The enterprises the user represents (approved membership), whoever they are:
    an official sees every enterprise but represents none."""
    if not user.is_authenticated:
        return Enterprise.objects.none()
    return (
        portal_selectors.enterprise_list(user=user)
        .filter(pk__in=portal_selectors.member_enterprise_ids(user))
        .order_by("name", "id")
    )


def policy_rating(*, policy) -> dict:
    """评政策: the average score and the number of ratings, in one aggregate."""
    from django.db.models import Avg, Count

    from policies.models import ApplicationRating

    return ApplicationRating.objects.filter(application__policy=policy).aggregate(
        average=Avg("score"), count=Count("id")
    )


# --- 浏览量 (page views, counted by policies.views_counter) ------------------------------

RECENT_VIEW_DAYS = 30


@dataclass(frozen=True)
class ViewCounts:
    total: int = 0
    recent: int = 0  # the last RECENT_VIEW_DAYS days, today included


def may_see_views(user: User, policy: Policy) -> bool:
    """浏览量 are for the staff who answer for the policy: officials, and the issuing
    (or co-issuing) department's handlers. ``co_issuers`` as prefetched by
    :func:`policy_get_for_user` (no query)."""
    if not user.is_authenticated:
        return False
    if roles.is_official(user):
        return True
    department_id = user.department_id
    return bool(department_id) and (
        department_id == policy.issuer_id or any(co.pk == department_id for co in policy.co_issuers.all())
    )


def policy_view_counts(*, policy_ids, today: dt.date | None = None) -> dict[int, ViewCounts]:
    """Each policy's views in all and over the last 30 days, for a page's policies: one
    grouped query however many. Policies never viewed are absent (``ViewCounts()``)."""
    today = today or timezone.localdate()
    since = today - dt.timedelta(days=RECENT_VIEW_DAYS - 1)
    rows = (
        PolicyViewDay.objects.filter(policy_id__in=list(policy_ids))
        .order_by()
        .values("policy_id")
        .annotate(total=Sum("views"), recent=Sum("views", filter=Q(day__gte=since, day__lte=today)))
    )
    return {row["policy_id"]: ViewCounts(total=row["total"] or 0, recent=row["recent"] or 0) for row in rows}


def view_totals_by_issuer() -> dict[int, int]:
    """Views of every policy by issuing department (the lead issuer): one grouped query.
    Their sum is every view counted."""
    return dict(
        PolicyViewDay.objects.order_by()
        .values_list("policy__issuer_id")
        .annotate(views=Sum("views"))
        .values_list("policy__issuer_id", "views")
    )
