"""The advanced eligibility condition: a JSON tree over a whitelist of enterprise
fields and operators.

    {"all": [...]}   {"any": [...]}   {"not": {...}}
    {"field": "annual_revenue", "op": ">=", "value": 20000000}
    {"field": "scale", "op": "in", "value": ["small", "micro"]}
    {"field": "tags", "op": "has", "value": "高新技术企业"}

Evaluation is three-valued: a leaf on a field the enterprise has not filled in is
*unknown* (None), and unknowns propagate as in SQL, so the Python evaluator here,
the PL/pgSQL one (``policies/matching/policy_condition.sql``) and the ORM filter
(``tree_to_q``) always agree. A field added here must be added to all three.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

NUMERIC_FIELDS = {"employees", "annual_revenue", "tax_paid", "rd_spend", "rd_intensity", "years_since_founding"}
CHOICE_FIELDS = {"scale", "ownership", "tax_credit_grade"}
NUMERIC_OPS = {">=", ">", "<=", "<", "==", "!="}
MAX_DEPTH = 8


class ConditionError(ValueError):
    """A tree that cannot be evaluated; the message names the bad node by its path."""


def validate_tree(tree, path: str = "$", depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        raise ConditionError(_("%(path)s：条件嵌套超过%(max)d层。") % {"path": path, "max": MAX_DEPTH})
    if not isinstance(tree, dict) or len(tree) == 0:
        raise ConditionError(_("%(path)s：应为条件对象。") % {"path": path})
    if "all" in tree or "any" in tree:
        key = "all" if "all" in tree else "any"
        if set(tree) != {key} or not isinstance(tree[key], list) or not tree[key]:
            raise ConditionError(_("%(path)s：“%(key)s”应为非空的条件列表。") % {"path": path, "key": key})
        for index, child in enumerate(tree[key]):
            validate_tree(child, f"{path}.{key}[{index}]", depth + 1)
        return
    if "not" in tree:
        if set(tree) != {"not"}:
            raise ConditionError(_("%(path)s：“not”节点不能有其他键。") % {"path": path})
        validate_tree(tree["not"], f"{path}.not", depth + 1)
        return
    if set(tree) != {"field", "op", "value"}:
        raise ConditionError(_("%(path)s：叶子条件应包含且仅包含 field、op、value。") % {"path": path})
    field, op, value = tree["field"], tree["op"], tree["value"]
    if field in NUMERIC_FIELDS:
        if op not in NUMERIC_OPS:
            raise ConditionError(
                _("%(path)s：字段 %(field)s 不支持运算符“%(op)s”。") % {"path": path, "field": field, "op": op}
            )
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ConditionError(_("%(path)s：value 应为数值。") % {"path": path})
        try:
            Decimal(str(value))
        except InvalidOperation:
            raise ConditionError(_("%(path)s：value 应为数值。") % {"path": path}) from None
    elif field in CHOICE_FIELDS:
        if op not in {"in", "==", "!="}:
            raise ConditionError(
                _("%(path)s：字段 %(field)s 不支持运算符“%(op)s”。") % {"path": path, "field": field, "op": op}
            )
        if op == "in" and not (isinstance(value, list) and value and all(isinstance(v, str) for v in value)):
            raise ConditionError(_("%(path)s：“in”的 value 应为非空的字符串列表。") % {"path": path})
        if op != "in" and not isinstance(value, str):
            raise ConditionError(_("%(path)s：value 应为字符串。") % {"path": path})
    elif field == "tags":
        if op != "has" or not isinstance(value, str) or not value:
            raise ConditionError(
                _('%(path)s：标签条件应为 {"field": "tags", "op": "has", "value": 标签名}。') % {"path": path}
            )
    else:
        raise ConditionError(_("%(path)s：不支持的字段“%(field)s”。") % {"path": path, "field": field})


def evaluate_tree(tree, profile) -> bool | None:
    """Three-valued evaluation against a ``policies.matching.Profile``."""
    if "all" in tree:
        results = [evaluate_tree(child, profile) for child in tree["all"]]
        if False in results:
            return False
        return None if None in results else True
    if "any" in tree:
        results = [evaluate_tree(child, profile) for child in tree["any"]]
        if True in results:
            return True
        return None if None in results else False
    if "not" in tree:
        result = evaluate_tree(tree["not"], profile)
        return None if result is None else not result
    field, op, value = tree["field"], tree["op"], tree["value"]
    if field == "tags":
        return value in profile.tag_names
    actual = getattr(profile, field)
    if actual is None or actual == "":
        return None
    if field in CHOICE_FIELDS:
        if op == "in":
            return actual in value
        return actual == value if op == "==" else actual != value
    actual, value = Decimal(str(actual)), Decimal(str(value))
    return {
        ">=": actual >= value,
        ">": actual > value,
        "<=": actual <= value,
        "<": actual < value,
        "==": actual == value,
        "!=": actual != value,
    }[op]


def tree_to_q(tree, negate: bool = False) -> Q:
    """The tree as a filter on enterprises annotated by ``matching.enterprise_profiles``.

    Negations are pushed down to the leaves (De Morgan, inverted comparisons), so an
    unknown value stays unknown in SQL and the row is not selected, exactly as
    ``evaluate_tree`` does not call it eligible. (Django's ``~Q`` on a nullable column
    would add ``IS NOT NULL`` and turn unknown into true.)"""
    if "all" in tree or "any" in tree:
        key = "all" if "all" in tree else "any"
        conjunctive = (key == "all") != negate
        parts = [tree_to_q(child, negate) for child in tree[key]]
        q = parts[0]
        for part in parts[1:]:
            q = (q & part) if conjunctive else (q | part)
        return q
    if "not" in tree:
        return tree_to_q(tree["not"], not negate)
    field, op, value = tree["field"], tree["op"], tree["value"]
    if field == "tags":
        from portal.models import Enterprise

        has = Exists(Enterprise.tags.through.objects.filter(enterprise_id=OuterRef("pk"), enterprisetag__name=value))
        return ~Q(has) if negate else Q(has)
    if field in CHOICE_FIELDS:
        known = ~Q(**{field: ""})
        if op == "in":
            matched = Q(**{f"{field}__in": value})
        else:
            matched = Q(**{field: value})
            negate = negate != (op == "!=")
        return (known & ~matched) if negate else (known & matched)
    column = {"rd_intensity": "p_rd_intensity", "years_since_founding": "p_years"}.get(field, field)
    number = Decimal(str(value))
    if negate:
        op = {">=": "<", ">": "<=", "<=": ">", "<": ">=", "==": "!=", "!=": "=="}[op]
    if op == "!=":
        return Q(**{f"{column}__lt": number}) | Q(**{f"{column}__gt": number})
    lookups = {">=": "gte", ">": "gt", "<=": "lte", "<": "lt", "==": "exact"}
    return Q(**{f"{column}__{lookups[op]}": number})
