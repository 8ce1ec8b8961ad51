"""浏览量 on a policy's page, for the staff who answer for it:
``{% policy_view_counts policy %}`` (one query for them, none for anyone else)."""

from __future__ import annotations

from django import template

from policies import selectors

register = template.Library()


@register.inclusion_tag("policies/_view_counts.html", takes_context=True)
def policy_view_counts(context, policy):
    request = context.get("request")
    if request is None or not selectors.may_see_views(request.user, policy):
        return {"counts": None}
    return {"counts": selectors.policy_view_counts(policy_ids=[policy.pk]).get(policy.pk, selectors.ViewCounts())}
