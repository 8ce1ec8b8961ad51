"""一企一策: the report's items, for the live report and the staff's dated snapshot
alike, and who may read which saved report."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from policies import matching
from policies.matching import ALMOST, ELIGIBLE
from policies.models import ApplicationMethod, Policy, PolicyMaterial, PolicyPlan
from portal.models import Enterprise, User


@dataclass
class ReportItems:
    eligible: list[matching.Evaluation]
    almost: list[matching.Evaluation]
    total: Decimal | None  # the eligible policies' estimated amounts added up


def next_step(evaluation: matching.Evaluation) -> str:
    """What the enterprise does next for this policy, in one sentence."""
    policy = evaluation.policy
    if evaluation.klass == ALMOST:
        return _("还差：%(missing)s。补齐后可申报。") % {"missing": evaluation.unmet_text}
    if policy.application_method == ApplicationMethod.AUTO_GRANT:
        return _("免申即享：无需申报，符合条件即直接兑现。")
    if policy.application_method == ApplicationMethod.ONLINE:
        return _("在线申报：在申报期内通过本平台提交申请。")
    contact = "，".join(v for v in [policy.contact_department, policy.contact_phone] if v)
    if contact:
        return _("线下申报：请联系%(contact)s。") % {"contact": contact}
    return _("线下申报：请向发布部门咨询。")


def report_items(enterprise: Enterprise) -> ReportItems:
    """The open policies the enterprise qualifies for and those it misses by one
    condition ("差一项", as ``policies.matching`` classifies them), each with its
    ``next_step`` and ``materials``: a constant number of queries."""
    evaluations = [
        e for e in matching.enterprise_matches(enterprise=enterprise).evaluations if e.klass in (ELIGIBLE, ALMOST)
    ]
    materials: dict[int, list] = {}
    for material in PolicyMaterial.objects.filter(policy__in=[e.policy.pk for e in evaluations]).order_by(
        "sort_order", "id"
    ):
        materials.setdefault(material.policy_id, []).append(material)
    for evaluation in evaluations:
        evaluation.next_step = next_step(evaluation)
        evaluation.materials = materials.get(evaluation.policy.pk, [])
    eligible = [e for e in evaluations if e.klass == ELIGIBLE]
    almost = [e for e in evaluations if e.klass == ALMOST]
    total = sum((e.amount or Decimal(0) for e in eligible), Decimal(0))
    return ReportItems(eligible, almost, total or None)


def window_text(policy: Policy) -> str:
    """The application window in words, as ``policies/_window.html`` writes it."""
    opens, closes = policy.application_opens, policy.application_closes
    if policy.application_method == ApplicationMethod.AUTO_GRANT and not opens and not closes:
        return _("无需申报")
    if opens or closes:
        return _("%(opens)s 至 %(closes)s") % {
            "opens": opens.isoformat() if opens else "…",
            "closes": closes.isoformat() if closes else "…",
        }
    return _("常年受理")


def snapshot_items(items: ReportItems) -> list[dict]:
    """The report's items as they stand now, in words, for a ``PolicyPlan`` to keep:
    later changes to a policy or the enterprise leave a saved report as it was."""
    rows = []
    for evaluation in [*items.eligible, *items.almost]:
        policy = evaluation.policy
        rows.append(
            {
                "policy": policy.pk,
                "title": policy.title,
                "document_number": policy.document_number,
                "issuer": policy.issuer.display_name,
                "klass": evaluation.klass,
                "klass_label": evaluation.klass_label,
                "amount": str(evaluation.amount) if evaluation.amount is not None else None,
                "amount_explanation": evaluation.amount_explanation,
                "unmet": evaluation.unmet_texts,
                "window": window_text(policy),
                "next_step": evaluation.next_step,
                "materials": [
                    material.name + (_("（零材料）") if material.zero_material else "")
                    for material in evaluation.materials
                ]
                if evaluation.klass == ELIGIBLE and policy.application_method != ApplicationMethod.AUTO_GRANT
                else [],
            }
        )
    return rows


def _readable_enterprises(user: User):
    from portal import selectors as portal_selectors

    return portal_selectors.enterprise_list(user=user)


def plan_list(*, user: User, enterprise: Enterprise | None = None) -> QuerySet[PolicyPlan]:
    """The saved reports the user may read, newest first: those of the enterprises the
    user may see (members their own, a 管家 those assigned to them, officials all)."""
    if not user.is_authenticated:
        return PolicyPlan.objects.none()
    plans = PolicyPlan.objects.select_related("enterprise", "prepared_by", "prepared_by__department")
    if not user.has_perm("portal.view_enterprise"):
        plans = plans.filter(enterprise__in=_readable_enterprises(user).values("pk"))
    if enterprise is not None:
        plans = plans.filter(enterprise=enterprise)
    return plans.order_by("-prepared_at", "-id")


def plan_get_for_user(*, user: User, pk) -> PolicyPlan:
    """One saved report, or 404 for a user who may not read it (existence does not leak)."""
    plan = plan_list(user=user).filter(pk=pk).first()
    if plan is None:
        raise Http404
    return plan


def plan_sections(plan: PolicyPlan) -> tuple[list[dict], list[dict]]:
    """The saved report's items: (qualifies, almost), amounts as numbers again."""
    eligible: list[dict] = []
    almost: list[dict] = []
    for item in plan.items:
        item = {**item, "amount": Decimal(item["amount"]) if item.get("amount") is not None else None}
        (eligible if item["klass"] == ELIGIBLE else almost).append(item)
    return eligible, almost
