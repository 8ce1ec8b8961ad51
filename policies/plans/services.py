"""一企一策: saving a staff-prepared report (one function; the report is never changed
afterwards — the database refuses it)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from policies.applications.selectors import can_prepare, person_name
from policies.models import PolicyPlan
from policies.plans.selectors import report_items, snapshot_items
from portal.models import Enterprise, User
from portal.selectors import approved_members


@transaction.atomic
def plan_create(*, enterprise: Enterprise, actor: User, recommendations: str) -> PolicyPlan:
    """Save the enterprise's 一企一策 report as it stands now, with the preparer's
    recommended next steps; its members are told. Its 管家 and officials prepare
    reports (``can_prepare``); anyone else is refused."""
    if not can_prepare(actor, enterprise):
        raise PermissionDenied
    recommendations = recommendations.strip()
    if not recommendations:
        raise ValidationError({"recommendations": _("请填写工作建议。")}, code="required")
    items = report_items(enterprise)
    plan = PolicyPlan.objects.create(
        enterprise=enterprise,
        prepared_by=actor,
        items=snapshot_items(items),
        total_amount=items.total,
        recommendations=recommendations,
    )
    from portal.services import notification_send

    for user in approved_members(enterprise):
        notification_send(
            recipient=user,
            kind="policy.plan",
            title=(_("%(name)s为贵企业编制了一企一策报告") % {"name": person_name(actor)})[:200],
            link=reverse("policies:plan_detail", args=[plan.pk]),
            dedup_key=f"policy.plan:{plan.pk}",
        )
    return plan
