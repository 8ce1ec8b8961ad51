"""My matches (我的匹配政策): the one way in for the page, the 一企一策 report and the API.

Who may read an enterprise's matches is decided here (``matches_enterprise_get``), and
what each match says — its class's name, the conditions unmet, the fields to fill in —
is read from ``Evaluation`` (``klass_label``, ``unmet_texts``, ``missing_fields``), so the
page and the API say the same things in the same words.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404

from policies.matching.evaluation import CLASS_LABELS, CLASS_ORDER, NOT_ELIGIBLE, Evaluation
from policies.matching.sql import match_page
from portal.models import Enterprise, User


def matches_enterprise_get(*, user: User, pk) -> Enterprise:
    """The enterprise whose matches the user asks for (``pk``, an id or its text): one
    they represent, or any for those who may see every enterprise (officials, chief
    problem officers); 404 otherwise, so existence does not leak."""
    from portal import selectors as portal_selectors

    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    return portal_selectors.enterprise_get_for_user(user=user, pk=pk)


def enterprise_choice(*, user: User, wanted: str = "") -> tuple[Enterprise | None, list[Enterprise]]:
    """For the pages: the enterprises the user represents (to switch between) and the
    one the page is about — ``wanted`` (an id, by the rule of ``matches_enterprise_get``),
    else the first represented; None when there is none."""
    from policies.selectors import represented_enterprises

    enterprises = list(represented_enterprises(user=user))
    if not wanted:
        return (enterprises[0] if enterprises else None), enterprises
    chosen = next((enterprise for enterprise in enterprises if str(enterprise.pk) == wanted), None)
    return chosen or matches_enterprise_get(user=user, pk=wanted), enterprises


@dataclass
class MatchGroup:
    """One class of a page of matches: those shown, and how many the class holds."""

    klass: str
    label: str
    evaluations: list[Evaluation]
    total: int
    more: bool  # the class holds more than is shown up to this page


@dataclass
class EnterpriseMatches:
    enterprise: Enterprise
    evaluations: list[Evaluation]
    groups: list[MatchGroup]


def enterprise_matches(
    *,
    enterprise: Enterprise,
    include_not_eligible: bool = False,
    klass: str | None = None,
    sort: str = "",
    page: int = 1,
    per_class: int | None = None,
) -> EnterpriseMatches:
    """The open catalogue classified for the enterprise (get it with
    ``matches_enterprise_get`` or ``enterprise_choice``): not "not eligible" unless
    asked; ``per_class`` of each class (every one when None), or with ``klass`` that
    class alone, page by page. A constant number of queries (``matching.match_page``)."""
    if klass not in CLASS_ORDER:
        klass = None
    matches = match_page(
        enterprise,
        include_not_eligible=include_not_eligible,
        klass=klass,
        sort=sort,
        offset=(page - 1) * per_class if klass and per_class else 0,
        per_class=per_class,
    )
    groups = []
    for name in [klass] if klass else CLASS_ORDER:
        if name == NOT_ELIGIBLE and not include_not_eligible and klass != NOT_ELIGIBLE:
            continue
        members = [e for e in matches.evaluations if e.klass == name]
        shown_until = (page - 1) * per_class + len(members) if klass and per_class else len(members)
        total = matches.totals[name]
        groups.append(MatchGroup(name, str(CLASS_LABELS[name]), members, total, total > shown_until))
    return EnterpriseMatches(enterprise, matches.evaluations, groups)


# 即将截止: an eligible policy whose application window closes within this many working days.
CLOSING_SOON_WORKING_DAYS = 10
# The start page's counts are one classification of the whole open catalogue (~80 ms):
# kept per enterprise profile and day for a few minutes, so a start page's reload is cheap.
START_COUNTS_SECONDS = 300


def start_items(*, user: User) -> list:
    """An enterprise member's start page: the open policies their enterprise is eligible
    for (可申报) and those of them closing soon (即将截止), linked to "my matches"."""
    from django.core.cache import cache
    from django.urls import reverse
    from django.utils import timezone
    from django.utils.translation import gettext

    from policies.matching.evaluation import ELIGIBLE
    from policies.matching.sql import eligible_policy_ids
    from policies.models import ApplicationMethod, Policy
    from policies.selectors import represented_enterprises
    from portal import workdays
    from portal.selectors import StartItem

    enterprise = represented_enterprises(user=user).first()
    if enterprise is None:
        return []
    today = timezone.localdate()
    key = f"policies:start:{enterprise.pk}:{enterprise.updated_at.timestamp()}:{today.isoformat()}"
    counts = cache.get(key)
    if counts is None:
        ids = eligible_policy_ids(enterprise)
        closing_by = workdays.add_working_days(today, CLOSING_SOON_WORKING_DAYS)
        closing = (
            Policy.objects.filter(pk__in=ids, application_closes__gte=today, application_closes__lte=closing_by)
            .exclude(application_method=ApplicationMethod.AUTO_GRANT)
            .count()
            if ids
            else 0
        )
        counts = (len(ids), closing)
        cache.set(key, counts, START_COUNTS_SECONDS)
    eligible, closing = counts
    url = reverse("policies:my_matches")
    items = []
    if eligible:
        items.append(StartItem(gettext("可申报的政策"), eligible, f"{url}?klass={ELIGIBLE}"))
    if closing:
        items.append(StartItem(gettext("即将截止申报"), closing, f"{url}?klass={ELIGIBLE}&sort=deadline", "warning"))
    return items
