"""One policy against one profile, in Python: the calculator, a policy's page, the
eligibility stored with an application at submission, and the reference the SQL and
the ORM are tested against. Also the classes and the amount (政策计算器)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from policies.matching.profile import Profile
from policies.matching.registry import CONDITIONS, ConditionResult
from policies.models import ENTERPRISE_FIELDS, AmountRule, Policy, field_value_text
from portal.money import format_number, yuan

ELIGIBLE, ALMOST, UNKNOWN, NOT_ELIGIBLE = "eligible", "almost", "unknown", "not_eligible"
# The classes in the order they are shown, with their names on every page and in the API.
CLASS_ORDER = [ELIGIBLE, ALMOST, UNKNOWN, NOT_ELIGIBLE]
CLASS_LABELS = {
    ELIGIBLE: gettext_lazy("符合"),
    ALMOST: gettext_lazy("差一项"),
    UNKNOWN: gettext_lazy("待补充信息"),
    NOT_ELIGIBLE: gettext_lazy("不符合"),
}


@dataclass
class Evaluation:
    """A policy for one enterprise: its class, each condition's result and the amount,
    with what the pages and the API say of them."""

    policy: Policy
    klass: str
    conditions: list[ConditionResult]
    amount: Decimal | None
    amount_explanation: str
    position: int = 0  # rank within its class, when classified in SQL
    # Set by the 一企一策 report (policies.plans.selectors.report_items).
    next_step: str = ""
    materials: list = field(default_factory=list)

    @property
    def unmet(self) -> list[ConditionResult]:
        return [c for c in self.conditions if c.met is False]

    @property
    def unknown(self) -> list[ConditionResult]:
        return [c for c in self.conditions if c.met is None]

    @property
    def klass_label(self) -> str:
        return str(CLASS_LABELS[self.klass])

    @property
    def unmet_texts(self) -> list[str]:
        """The conditions not met (还差：…)."""
        return [c.text for c in self.unmet]

    @property
    def met_texts(self) -> list[str]:
        """The conditions met: why it matches (符合：…). 适用区域 goes without saying on
        a list of the enterprise's own region's policies."""
        return [c.text for c in self.conditions if c.met is True and not c.decisive]

    @property
    def missing_fields(self) -> list[str]:
        """The enterprise fields to fill in, each once (请补充：…)."""
        return list(dict.fromkeys(c.missing for c in self.unknown if c.missing))

    @property
    def unmet_text(self) -> str:
        return "；".join(self.unmet_texts)

    @property
    def met_text(self) -> str:
        return "；".join(self.met_texts)

    @property
    def missing_text(self) -> str:
        return "、".join(self.missing_fields)

    @property
    def amount_text(self) -> str:
        return "" if self.amount is None else format_number(self.amount)


def classify(results: list[ConditionResult]) -> str:
    """Eligible: every condition met; almost: exactly one not met, none unknown;
    unknown: none not met, some unknown; not eligible: otherwise, or a decisive
    condition (适用区域) not met."""
    failed = sum(2 if r.decisive else 1 for r in results if r.met is False)
    unknown = sum(1 for r in results if r.met is None)
    if failed == 0 and unknown == 0:
        return ELIGIBLE
    if failed == 1 and unknown == 0:
        return ALMOST
    if failed == 0:
        return UNKNOWN
    return NOT_ELIGIBLE


def evaluate(policy: Policy, profile: Profile) -> Evaluation:
    """Every condition of the policy against the profile, the class and the amount.

    Reads the policy's regions, industries and tag sets: prefetch them when evaluating
    many policies (``Policy.objects.prefetch_related(*CONDITION_PREFETCH)``)."""
    results = [result for condition in CONDITIONS for result in condition.evaluate(policy, profile)]
    amount, explanation = estimate_amount(policy, profile)
    return Evaluation(policy, classify(results), results, amount, explanation)


def estimate_amount(policy: Policy, profile: Profile) -> tuple[Decimal | None, str]:
    """政策计算器: the amount the enterprise could receive, with its arithmetic."""
    if policy.amount_rule == AmountRule.FIXED and policy.amount_fixed is not None:
        return policy.amount_fixed, _("固定金额 %(amount)s") % {"amount": yuan(policy.amount_fixed)}
    if policy.amount_rule not in (AmountRule.PERCENTAGE, AmountRule.PER_UNIT) or policy.amount_rate is None:
        return None, ""
    base = getattr(profile, policy.amount_field or "", None)
    label = ENTERPRISE_FIELDS.get(policy.amount_field, "")
    if base is None:
        return None, _("需填写%(label)s后才能测算") % {"label": label}
    raw = (Decimal(base) * Decimal(policy.amount_rate)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    if policy.amount_rule == AmountRule.PERCENTAGE:
        text = _("%(label)s %(base)s × %(rate)s%%") % {
            "label": label,
            "base": field_value_text(policy.amount_field, base),
            "rate": format_number(Decimal(policy.amount_rate) * 100),
        }
    else:
        text = _("%(label)s %(base)s × 每单位 %(rate)s") % {
            "label": label,
            "base": field_value_text(policy.amount_field, base),
            "rate": yuan(policy.amount_rate),
        }
    text += _(" = %(amount)s") % {"amount": yuan(raw)}
    if policy.amount_cap is not None and raw > policy.amount_cap:
        text += _("，超过上限，按上限 %(cap)s") % {"cap": yuan(policy.amount_cap)}
        raw = policy.amount_cap
    return raw, text
