"""Reads of the policy catalogue that pages and the API share, with visibility built in:
the public sees published policies; officials who may change policies also see drafts
and withdrawn ones (on their own page, never in the catalogue)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from policies.matching import CONDITION_PREFETCH
from policies.models import Policy, PolicyMaterial, PolicyQuestion
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
