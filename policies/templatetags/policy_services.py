"""The enterprise page's 惠企政策服务 box: 委托代办 for its members, 帮办代办 and 一企一策
for its 管家 and officials (``{% enterprise_policy_services enterprise %}``)."""

from __future__ import annotations

from django import template

from policies.applications.selectors import active_mandate, can_prepare
from portal.selectors import is_approved_member

register = template.Library()


@register.inclusion_tag("policies/_enterprise_services.html", takes_context=True)
def enterprise_policy_services(context, enterprise):
    """Up to three queries: membership, the 管家's assignment, the mandate in force."""
    user = context["request"].user
    is_member = is_approved_member(user=user, enterprise=enterprise)
    preparer = not is_member and can_prepare(user, enterprise)
    return {
        "enterprise": enterprise,
        "is_member": is_member,
        "is_preparer": preparer,
        "mandate": active_mandate(enterprise) if is_member or preparer else None,
    }
