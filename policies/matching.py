"""Matching policies and enterprises (智能匹配), in both directions and in SQL.

Every condition of a policy is *met*, *not met* or *unknown* (the enterprise has not
filled in the field it needs). A policy is, for an enterprise:

- eligible: every condition met;
- almost: exactly one condition not met, none unknown ("还差：…");
- unknown: none not met, some unknown (naming the fields to fill in);
- not eligible: otherwise.

``evaluate`` does this in Python for one policy and one profile (the calculator, and
the reference the SQL is tested against). ``matches_for_enterprise`` classifies the
whole catalogue for one enterprise in one query; ``eligible_enterprises`` is the set
of enterprises a policy reaches, as one query.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import DecimalField, ExpressionWrapper, F, Func, IntegerField, Q, QuerySet, Value
from django.db.models.functions import Cast, NullIf, Round
from django.utils import timezone
from django.utils.translation import gettext as _

from policies.conditions import evaluate_tree, tree_to_q
from policies.models import ENTERPRISE_FIELDS, AmountRule, Policy
from portal.models import Enterprise, EnterpriseTag, Industry

ELIGIBLE, ALMOST, UNKNOWN, NOT_ELIGIBLE = "eligible", "almost", "unknown", "not_eligible"
RD_PLACES = Decimal("0.000001")


@dataclass(frozen=True)
class Profile:
    """What matching reads of an enterprise; also built from a form for the calculator."""

    region_path: str | None = None
    industry_path: str | None = None
    scale: str = ""
    ownership: str = ""
    tag_ids: frozenset[int] = frozenset()
    tag_names: frozenset[str] = frozenset()
    employees: int | None = None
    annual_revenue: Decimal | None = None
    tax_paid: Decimal | None = None
    rd_spend: Decimal | None = None
    founded_on: dt.date | None = None
    today: dt.date = field(default_factory=timezone.localdate)

    @classmethod
    def of(cls, enterprise: Enterprise) -> Profile:
        tags = list(enterprise.tags.all())
        return cls(
            region_path=enterprise.region.path if enterprise.region_id else None,
            industry_path=enterprise.industry.path if enterprise.industry_id else None,
            scale=enterprise.scale,
            ownership=enterprise.ownership,
            tag_ids=frozenset(tag.pk for tag in tags),
            tag_names=frozenset(tag.name for tag in tags),
            employees=enterprise.employees,
            annual_revenue=enterprise.annual_revenue,
            tax_paid=enterprise.tax_paid,
            rd_spend=enterprise.rd_spend,
            founded_on=enterprise.founded_on,
        )

    @property
    def rd_intensity(self) -> Decimal | None:
        if self.rd_spend is None or not self.annual_revenue:
            return None
        return (Decimal(self.rd_spend) / Decimal(self.annual_revenue)).quantize(RD_PLACES, ROUND_HALF_UP)

    @property
    def years_since_founding(self) -> int | None:
        if self.founded_on is None:
            return None
        before_birthday = (self.today.month, self.today.day) < (self.founded_on.month, self.founded_on.day)
        return self.today.year - self.founded_on.year - before_birthday


@dataclass
class ConditionResult:
    key: str
    met: bool | None
    text: str  # what the condition asks, e.g. 须具备标签：高新技术企业
    missing: str = ""  # the enterprise field to fill in when unknown


@dataclass
class Evaluation:
    policy: Policy
    klass: str
    conditions: list[ConditionResult]
    amount: Decimal | None
    amount_explanation: str

    @property
    def unmet(self) -> list[ConditionResult]:
        return [c for c in self.conditions if c.met is False]

    @property
    def unknown(self) -> list[ConditionResult]:
        return [c for c in self.conditions if c.met is None]


def classify(results: list[bool | None]) -> str:
    failed = sum(1 for r in results if r is False)
    unknown = sum(1 for r in results if r is None)
    if failed == 0 and unknown == 0:
        return ELIGIBLE
    if failed == 1 and unknown == 0:
        return ALMOST
    if failed == 0:
        return UNKNOWN
    return NOT_ELIGIBLE


def _within(path: str | None, roots: list[str]) -> bool | None:
    if not roots:
        return True
    if path is None:
        return None
    return any(path.startswith(root) for root in roots)


def _between(value, low, high) -> bool | None:
    if low is None and high is None:
        return True
    if value is None:
        return None
    return (low is None or value >= low) and (high is None or value <= high)


def evaluate(policy: Policy, profile: Profile) -> Evaluation:
    """Every condition of the policy against the profile, the class and the amount.

    Reads the policy's regions, industries and tag sets: prefetch them when evaluating
    many policies (``Policy.objects.prefetch_related(*CONDITION_PREFETCH)``)."""
    region_paths = [r.path for r in policy.regions.all()]
    industry_paths = [i.path for i in policy.industries.all()]
    tags_all = {t.pk: t.name for t in policy.tags_all.all()}
    tags_any = {t.pk: t.name for t in policy.tags_any.all()}
    tags_excluded = {t.pk: t.name for t in policy.tags_excluded.all()}
    results = []

    def add(key, met, text, missing=""):
        results.append(ConditionResult(key, met, text, missing if met is None else ""))

    if region_paths:
        add("region", _within(profile.region_path, region_paths), _("企业注册地在适用区域内"), _("所在区划"))
    if industry_paths:
        names = "、".join(i.name for i in policy.industries.all())
        add(
            "industry",
            _within(profile.industry_path, industry_paths),
            _("所属行业：%(names)s") % {"names": names},
            _("所属行业"),
        )
    if policy.scales:
        labels = "、".join(str(Enterprise.Scale(s).label) for s in policy.scales)
        met = None if not profile.scale else profile.scale in policy.scales
        add("scale", met, _("企业规模：%(labels)s") % {"labels": labels}, _("企业规模"))
    if policy.ownerships:
        labels = "、".join(str(Enterprise.Ownership(o).label) for o in policy.ownerships)
        met = None if not profile.ownership else profile.ownership in policy.ownerships
        add("ownership", met, _("所有制类型：%(labels)s") % {"labels": labels}, _("所有制类型"))
    for tag_id, name in tags_all.items():
        add(f"tag:{tag_id}", tag_id in profile.tag_ids, _("须具备：%(tag)s") % {"tag": name})
    if tags_any:
        names = "、".join(tags_any.values())
        add("tags_any", bool(profile.tag_ids & set(tags_any)), _("具备其一：%(tags)s") % {"tags": names})
    if tags_excluded:
        names = "、".join(tags_excluded.values())
        add("tags_excluded", not (profile.tag_ids & set(tags_excluded)), _("不属于：%(tags)s") % {"tags": names})
    bounds = [
        ("employees", profile.employees, policy.min_employees, policy.max_employees),
        ("annual_revenue", profile.annual_revenue, policy.min_annual_revenue, policy.max_annual_revenue),
        ("tax_paid", profile.tax_paid, policy.min_tax_paid, None),
        ("rd_intensity", profile.rd_intensity, policy.min_rd_intensity, None),
        (
            "years_since_founding",
            profile.years_since_founding,
            policy.min_years_since_founding,
            policy.max_years_since_founding,
        ),
    ]
    for key, value, low, high in bounds:
        if low is None and high is None:
            continue
        add(key, _between(value, low, high), _bound_text(key, low, high), str(ENTERPRISE_FIELDS[key]))
    if policy.advanced_condition:
        add(
            "advanced",
            evaluate_tree(policy.advanced_condition, profile),
            _("满足政策规定的其他条件"),
            _("企业经营数据"),
        )
    amount, explanation = estimate_amount(policy, profile)
    return Evaluation(policy, classify([r.met for r in results]), results, amount, explanation)


def _bound_text(key, low, high) -> str:
    label = ENTERPRISE_FIELDS[key]
    if low is not None and high is not None:
        return _("%(label)s在%(low)s至%(high)s之间") % {
            "label": label,
            "low": format_number(low),
            "high": format_number(high),
        }
    if low is not None:
        return _("%(label)s不低于%(low)s") % {"label": label, "low": format_number(low)}
    return _("%(label)s不高于%(high)s") % {"label": label, "high": format_number(high)}


def format_number(value) -> str:
    """A number as the pages write it: thousands separated, no needless decimals."""
    value = Decimal(value)
    return f"{value:,.0f}" if value == value.to_integral() else f"{value.normalize():,}"


def estimate_amount(policy: Policy, profile: Profile) -> tuple[Decimal | None, str]:
    """政策计算器: the amount the enterprise could receive, with its arithmetic."""
    if policy.amount_rule == AmountRule.FIXED and policy.amount_fixed is not None:
        return policy.amount_fixed, _("固定金额 %(amount)s 元") % {"amount": format_number(policy.amount_fixed)}
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
            "base": format_number(base),
            "rate": format_number(Decimal(policy.amount_rate) * 100),
        }
    else:
        text = _("%(label)s %(base)s × 每单位 %(rate)s 元") % {
            "label": label,
            "base": format_number(base),
            "rate": format_number(policy.amount_rate),
        }
    text += _(" = %(amount)s 元") % {"amount": format_number(raw)}
    if policy.amount_cap is not None and raw > policy.amount_cap:
        text += _("，超过上限，按上限 %(cap)s 元") % {"cap": format_number(policy.amount_cap)}
        raw = policy.amount_cap
    return raw, text


CONDITION_PREFETCH = ["regions", "industries", "tags_all", "tags_any", "tags_excluded"]


def open_policies() -> QuerySet[Policy]:
    """Published policies in effect and open today: for application within their window,
    or granted without one (免申即享) whatever the window."""
    from policies.models import ApplicationMethod

    today = timezone.localdate()
    window_open = (Q(application_opens__isnull=True) | Q(application_opens__lte=today)) & (
        Q(application_closes__isnull=True) | Q(application_closes__gte=today)
    )
    return Policy.objects.filter(
        Q(state=Policy.State.PUBLISHED),
        Q(effective_until__isnull=True) | Q(effective_until__gte=today),
        Q(application_method=ApplicationMethod.AUTO_GRANT) | window_open,
    )


# --- SQL: one enterprise against the catalogue -------------------------------------------

# One query classifies every open policy for one enterprise, ranks each class and
# returns only the rows asked for (CLASS_SQL); a second explains the rows shown
# (EXPLAIN_SQL). Each condition is a three-valued SQL expression (NULL = unknown) on
# the policy's own row: the condition sets are copied into id arrays on the policy
# (``condition_*_ids``, kept by triggers), so a region or industry condition is ``&&``
# against the ids of the enterprise's region and its ancestors, and a tag condition
# ``<@`` / ``&&`` against its tag ids — no subquery per policy. The advanced tree (a
# PL/pgSQL function, the dearest check) is evaluated only where it can change the
# class: a policy already failing two conditions is not eligible whatever the tree says.

PROFILE_CTE = """
WITH profile AS (
    SELECT %(region_path)s::text AS region_path,
           ARRAY(SELECT id FROM portal_region WHERE path = ANY(%(region_paths)s::text[])) AS region_ids,
           %(industry_path)s::text AS industry_path,
           ARRAY(SELECT id FROM portal_industry WHERE path = ANY(%(industry_paths)s::text[])) AS industry_ids,
           %(scale)s::text AS scale, %(ownership)s::text AS ownership, %(tag_ids)s::bigint[] AS tag_ids,
           %(employees)s::bigint AS employees, %(annual_revenue)s::numeric AS annual_revenue,
           %(tax_paid)s::numeric AS tax_paid, %(rd_spend)s::numeric AS rd_spend,
           %(rd_intensity)s::numeric AS rd_intensity, %(years)s::int AS years
)"""

# Conditions the enterprise's data may leave unknown (NULL), then those it cannot.
CONDITIONS_MAYBE_UNKNOWN = {
    "c_region": """CASE WHEN cardinality(p.condition_region_ids) = 0 THEN TRUE WHEN pf.region_path IS NULL THEN NULL
           ELSE p.condition_region_ids && pf.region_ids END""",
    "c_industry": """CASE WHEN cardinality(p.condition_industry_ids) = 0 THEN TRUE
           WHEN pf.industry_path IS NULL THEN NULL ELSE p.condition_industry_ids && pf.industry_ids END""",
    "c_scale": """CASE WHEN cardinality(p.scales) = 0 THEN TRUE WHEN pf.scale = '' THEN NULL
           ELSE pf.scale = ANY(p.scales) END""",
    "c_ownership": """CASE WHEN cardinality(p.ownerships) = 0 THEN TRUE WHEN pf.ownership = '' THEN NULL
           ELSE pf.ownership = ANY(p.ownerships) END""",
    "c_employees": """CASE WHEN p.min_employees IS NULL AND p.max_employees IS NULL THEN TRUE
           ELSE (p.min_employees IS NULL OR pf.employees >= p.min_employees)
            AND (p.max_employees IS NULL OR pf.employees <= p.max_employees) END""",
    "c_annual_revenue": """CASE WHEN p.min_annual_revenue IS NULL AND p.max_annual_revenue IS NULL THEN TRUE
           ELSE (p.min_annual_revenue IS NULL OR pf.annual_revenue >= p.min_annual_revenue)
            AND (p.max_annual_revenue IS NULL OR pf.annual_revenue <= p.max_annual_revenue) END""",
    "c_tax_paid": "CASE WHEN p.min_tax_paid IS NULL THEN TRUE ELSE pf.tax_paid >= p.min_tax_paid END",
    "c_rd_intensity": "CASE WHEN p.min_rd_intensity IS NULL THEN TRUE ELSE pf.rd_intensity >= p.min_rd_intensity END",
    "c_years": """CASE WHEN p.min_years_since_founding IS NULL AND p.max_years_since_founding IS NULL THEN TRUE
           ELSE (p.min_years_since_founding IS NULL OR pf.years >= p.min_years_since_founding)
            AND (p.max_years_since_founding IS NULL OR pf.years <= p.max_years_since_founding) END""",
}
CONDITIONS_KNOWN = {
    "c_tags_any": """CASE WHEN cardinality(p.condition_tags_any_ids) = 0 THEN TRUE
           ELSE p.condition_tags_any_ids && pf.tag_ids END""",
    "c_tags_excluded": "NOT (p.condition_tags_excluded_ids && pf.tag_ids)",
}
MISSING_TAG_IDS = """CASE WHEN p.condition_tags_all_ids <@ pf.tag_ids THEN '{}'::bigint[]
           ELSE ARRAY(SELECT t FROM unnest(p.condition_tags_all_ids) t WHERE t <> ALL(pf.tag_ids)) END"""
HAS_ADVANCED = "p.advanced_condition IS NOT NULL AND p.advanced_condition NOT IN ('null'::jsonb, '{}'::jsonb)"
# The amount, as estimate_amount computes it, to rank by.
AMOUNT = """CASE WHEN p.amount_rule = 'fixed' THEN p.amount_fixed
           WHEN p.amount_rule IN ('percentage', 'per_unit') AND p.amount_rate IS NOT NULL THEN (
             SELECT CASE WHEN p.amount_cap IS NOT NULL AND raw > p.amount_cap THEN p.amount_cap ELSE raw END
             FROM (SELECT round(CASE p.amount_field WHEN 'employees' THEN pf.employees
                                 WHEN 'annual_revenue' THEN pf.annual_revenue WHEN 'tax_paid' THEN pf.tax_paid
                                 WHEN 'rd_spend' THEN pf.rd_spend WHEN 'rd_intensity' THEN pf.rd_intensity
                                 WHEN 'years_since_founding' THEN pf.years END * p.amount_rate, 2) AS raw) r)
      END"""
ADVANCED = """CASE WHEN NOT k.has_advanced THEN TRUE WHEN k.settled THEN NULL
             ELSE policy_condition(k.advanced_condition, %(profile_json)s::jsonb) END"""
SETTLED = "c.failed_before_advanced >= 2 OR (c.failed_before_advanced = 1 AND c.unknown_before_advanced > 0)"
KLASS = """CASE WHEN j.failed_before_advanced + (j.c_advanced IS FALSE)::int = 0
             THEN CASE WHEN j.unknown_before_advanced + (j.c_advanced IS NULL)::int = 0 THEN 'eligible'
                       ELSE 'unknown' END
           WHEN j.failed_before_advanced + (j.c_advanced IS FALSE)::int = 1
                AND j.unknown_before_advanced + (j.c_advanced IS NULL)::int = 0 THEN 'almost'
           ELSE 'not_eligible' END"""


def _columns(conditions: dict[str, str]) -> str:
    return ",\n      ".join(f"{sql} AS {name}" for name, sql in conditions.items())


# Every policy's class in one pass. The checks are summed as they are computed — a
# failure counts 1, an unknown 1,000 — so each policy row is projected once rather
# than carrying a column per condition through every step (B2: a third faster).
# Both are assembled from this module's constants only; input arrives as parameters.
CLASS_SQL = (
    PROFILE_CTE  # noqa: S608
    + """
, classed AS MATERIALIZED (
  SELECT j.id, j.application_closes, j.published_on, j.amount, """
    + KLASS
    + """ AS klass
  FROM (
    SELECT k.*, """
    + ADVANCED
    + """ AS c_advanced
    FROM (
      SELECT c.*, """
    + SETTLED
    + """ AS settled
      FROM (
        SELECT s.id, s.application_closes, s.published_on, s.amount, s.has_advanced, s.advanced_condition,
               s.score %% 1000 AS failed_before_advanced, s.score / 1000 AS unknown_before_advanced
        FROM (
          SELECT p.id, p.application_closes, p.published_on, p.advanced_condition, """
    + HAS_ADVANCED
    + """ AS has_advanced,
            """
    + AMOUNT
    + """ AS amount,
            """
    + "\n            + ".join(f"COALESCE((NOT ({sql}))::int, 1000)" for sql in CONDITIONS_MAYBE_UNKNOWN.values())
    + "\n            + "
    + "\n            + ".join(f"(NOT ({sql}))::int" for sql in CONDITIONS_KNOWN.values())
    + """
            + cardinality("""
    + MISSING_TAG_IDS
    + """) AS score
          FROM policies_policy p CROSS JOIN profile pf
          WHERE {policies}
          OFFSET 0  -- the score computed once, not once per reference above
        ) s
      ) c
    ) k
    OFFSET 0  -- the advanced tree evaluated once per policy
  ) j
  WHERE %(include_not_eligible)s OR """
    + KLASS
    + """ <> 'not_eligible'
), totals AS (
  SELECT klass, count(*) AS class_total FROM classed GROUP BY klass
)
-- The page of each class: a top-N sort per class, not a sort of every classified row.
SELECT c.id, c.klass, t.class_total,
  %(offset)s + row_number() OVER (PARTITION BY c.klass ORDER BY {order}) AS position
FROM (
  (SELECT c.* FROM classed c WHERE c.klass = 'eligible' ORDER BY {order} OFFSET %(offset)s LIMIT %(limit)s)
  UNION ALL
  (SELECT c.* FROM classed c WHERE c.klass = 'almost' ORDER BY {order} OFFSET %(offset)s LIMIT %(limit)s)
  UNION ALL
  (SELECT c.* FROM classed c WHERE c.klass = 'unknown' ORDER BY {order} OFFSET %(offset)s LIMIT %(limit)s)
  UNION ALL
  (SELECT c.* FROM classed c WHERE c.klass = 'not_eligible' ORDER BY {order} OFFSET %(offset)s LIMIT %(limit)s)
) c JOIN totals t USING (klass)
"""
)

# The named policies, each condition's outcome in its own column, for the reasons shown.
EXPLAIN_SQL = (
    PROFILE_CTE  # noqa: S608
    + """
SELECT j.*,
  j.failed_before_advanced + (j.c_advanced IS FALSE)::int AS failed,
  j.unknown_before_advanced + (j.c_advanced IS NULL)::int AS unknown,
  """
    + KLASS
    + """ AS klass
FROM (
  SELECT k.*, """
    + ADVANCED
    + """ AS c_advanced, k.has_advanced AND k.settled AS advanced_skipped
  FROM (
    SELECT c.*, """
    + SETTLED
    + """ AS settled
    FROM (
      SELECT c.*,
        """
    + "\n        + ".join(f"(c.{name} IS FALSE)::int" for name in [*CONDITIONS_MAYBE_UNKNOWN, *CONDITIONS_KNOWN])
    + """
        + cardinality(c.missing_tag_ids) AS failed_before_advanced,
        """
    + "\n        + ".join(f"(c.{name} IS NULL)::int" for name in CONDITIONS_MAYBE_UNKNOWN)
    + """ AS unknown_before_advanced
      FROM (
        SELECT p.id, p.advanced_condition, """
    + HAS_ADVANCED
    + """ AS has_advanced,
      """
    + _columns({**CONDITIONS_MAYBE_UNKNOWN, **CONDITIONS_KNOWN, "missing_tag_ids": MISSING_TAG_IDS})
    + """
        FROM policies_policy p CROSS JOIN profile pf
        WHERE p.id = ANY(%(policy_ids)s)
        OFFSET 0  -- each check computed once, not once per reference above
      ) c
    ) c
  ) k
  OFFSET 0
) j
"""
)

OPEN_POLICIES_SQL = """p.state = 'published'
      AND (p.effective_until IS NULL OR p.effective_until >= %(today)s)
      AND (p.application_method = 'auto'
           OR ((p.application_opens IS NULL OR p.application_opens <= %(today)s)
               AND (p.application_closes IS NULL OR p.application_closes >= %(today)s)))"""

# Within a class: by amount (largest first), then the nearest deadline, then the
# catalogue's own order (newest first); "deadline" puts the nearest deadline first.
MATCH_ORDER = {
    "": "COALESCE(c.amount, 0) DESC, c.application_closes ASC NULLS LAST, c.published_on DESC, c.id DESC",
    "amount": "COALESCE(c.amount, 0) DESC, c.application_closes ASC NULLS LAST, c.published_on DESC, c.id DESC",
    "deadline": "c.application_closes ASC NULLS LAST, COALESCE(c.amount, 0) DESC, c.published_on DESC, c.id DESC",
}
CLASS_ORDER = [ELIGIBLE, ALMOST, UNKNOWN, NOT_ELIGIBLE]


def profile_json(profile: Profile) -> dict:
    """The profile as the SQL function ``policy_condition`` reads it."""

    def number(value):
        return None if value is None else str(value)

    return {
        "employees": number(profile.employees),
        "annual_revenue": number(profile.annual_revenue),
        "tax_paid": number(profile.tax_paid),
        "rd_spend": number(profile.rd_spend),
        "rd_intensity": number(profile.rd_intensity),
        "years_since_founding": number(profile.years_since_founding),
        "scale": profile.scale,
        "ownership": profile.ownership,
        "tags": sorted(profile.tag_names),
    }


def _path_and_ancestors(path: str | None) -> list[str]:
    """ "/34/3418/341802/" → the paths of the node and every node above it."""
    if not path:
        return []
    codes = path.strip("/").split("/")
    return ["/" + "/".join(codes[: depth + 1]) + "/" for depth in range(len(codes))]


def _params(profile: Profile, **extra) -> dict:
    import json

    return {
        "region_path": profile.region_path,
        "region_paths": _path_and_ancestors(profile.region_path),
        "industry_path": profile.industry_path,
        "industry_paths": _path_and_ancestors(profile.industry_path),
        "scale": profile.scale,
        "ownership": profile.ownership,
        "tag_ids": sorted(profile.tag_ids),
        "employees": profile.employees,
        "annual_revenue": profile.annual_revenue,
        "tax_paid": profile.tax_paid,
        "rd_spend": profile.rd_spend,
        "rd_intensity": profile.rd_intensity,
        "years": profile.years_since_founding,
        "profile_json": json.dumps(profile_json(profile), ensure_ascii=False),
        "today": profile.today,
        **extra,
    }


def _fetch(sql: str, params: dict) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [column.name for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _class_rows(
    profile: Profile, *, include_not_eligible: bool, sort: str = "", offset: int = 0, limit: int | None = None
) -> list[dict]:
    """The open catalogue's classes for the profile: ``id``, ``klass``, ``class_total``
    and ``position`` of the rows from ``offset`` to ``offset + limit`` in each class."""
    sql = CLASS_SQL.replace("{policies}", OPEN_POLICIES_SQL).replace("{order}", MATCH_ORDER.get(sort, MATCH_ORDER[""]))
    return _fetch(sql, _params(profile, include_not_eligible=include_not_eligible, offset=offset, limit=limit))


def _explained_rows(profile: Profile, policy_ids: list[int]) -> list[dict]:
    """The named policies with each condition's outcome (``c_*``), ``missing_tag_ids``,
    ``failed``, ``unknown`` and ``klass``."""
    return _fetch(EXPLAIN_SQL, _params(profile, policy_ids=list(policy_ids)))


def classify_in_sql(profile: Profile, policy_ids: list[int]) -> dict[int, dict]:
    """{policy id: {"klass", "failed", "unknown", per-condition columns, "missing_tags"}}."""
    if not policy_ids:
        return {}
    rows = _explained_rows(profile, policy_ids)
    tag_names = dict(EnterpriseTag.objects.values_list("pk", "name"))
    for row in rows:
        row["missing_tags"] = sorted(tag_names[pk] for pk in row["missing_tag_ids"])
    return {row["id"]: row for row in rows}


@dataclass
class MatchPage:
    """Evaluations of one page of each class, and how many policies each class holds."""

    evaluations: list[Evaluation]
    totals: dict[str, int]


def match_page(
    enterprise: Enterprise,
    *,
    include_not_eligible: bool = False,
    klass: str | None = None,
    sort: str = "",
    offset: int = 0,
    per_class: int | None = None,
) -> MatchPage:
    """The open catalogue classified for one enterprise: the first ``per_class`` of each
    class (or of ``klass`` alone) from ``offset``, ranked in SQL, explained with reasons
    and amounts — five queries whatever the catalogue's size, and only the rows shown
    are loaded and explained (by a second query, per condition, for those rows only)."""
    profile = Profile.of(enterprise)
    rows = _class_rows(
        profile,
        include_not_eligible=include_not_eligible or klass == NOT_ELIGIBLE,
        sort=sort,
        offset=offset,
        limit=per_class,
    )
    totals = {name: 0 for name in CLASS_ORDER}
    for row in rows:
        totals[row["klass"]] = row["class_total"]
    if klass is not None:
        rows = [row for row in rows if row["klass"] == klass]
    explained = {row["id"]: row for row in _explained_rows(profile, [row["id"] for row in rows])}
    # The class and rank come from the classifying query; the reasons from the explaining one.
    rows = [{**explained[row["id"]], **row} for row in rows if row["id"] in explained]
    policies = (
        Policy.objects.select_related("issuer", "category", "region")
        .defer(*Policy.LONG_TEXTS)
        .in_bulk([row["id"] for row in rows])
    )
    industry_ids = {pk for pk in (policies[row["id"]].condition_industry_ids for row in rows) for pk in pk}
    industries = {
        pk: name for pk, name in Industry.objects.filter(pk__in=industry_ids).order_by("path").values_list("pk", "name")
    }
    tags = dict(EnterpriseTag.objects.order_by("name").values_list("pk", "name"))
    evaluations = [_explain(policies[row["id"]], row, profile, industries, tags) for row in rows]
    evaluations.sort(key=lambda e: (CLASS_ORDER.index(e.klass), e.position))
    return MatchPage(evaluations, totals)


def eligible_policy_ids(enterprise: Enterprise) -> list[int]:
    """The open policies the enterprise is eligible for, unexplained (one query)."""
    rows = _class_rows(Profile.of(enterprise), include_not_eligible=False)
    return [row["id"] for row in rows if row["klass"] == ELIGIBLE]


def matches_for_enterprise(enterprise: Enterprise, *, include_not_eligible: bool = False) -> list[Evaluation]:
    """Every open policy (not "not eligible", unless asked) classified for one
    enterprise, with reasons and amounts; see ``match_page`` for one page of each class."""
    return match_page(enterprise, include_not_eligible=include_not_eligible).evaluations


def _explain(policy: Policy, row: dict, profile: Profile, industries: dict, tags: dict) -> Evaluation:
    """The reasons of ``evaluate``, in its order and words, read from the SQL row."""
    results = []

    def add(key, met, text, missing=""):
        results.append(ConditionResult(key, met, text, missing if met is None else ""))

    if policy.condition_region_ids:
        add("region", row["c_region"], _("企业注册地在适用区域内"), _("所在区划"))
    if policy.condition_industry_ids:
        names = "、".join(name for pk, name in industries.items() if pk in policy.condition_industry_ids)
        add("industry", row["c_industry"], _("所属行业：%(names)s") % {"names": names}, _("所属行业"))
    if policy.scales:
        labels = "、".join(str(Enterprise.Scale(s).label) for s in policy.scales)
        add("scale", row["c_scale"], _("企业规模：%(labels)s") % {"labels": labels}, _("企业规模"))
    if policy.ownerships:
        labels = "、".join(str(Enterprise.Ownership(o).label) for o in policy.ownerships)
        add("ownership", row["c_ownership"], _("所有制类型：%(labels)s") % {"labels": labels}, _("所有制类型"))
    missing_tags = set(row["missing_tag_ids"])
    for tag_id, name in tags.items():
        if tag_id in policy.condition_tags_all_ids:
            add(f"tag:{tag_id}", tag_id not in missing_tags, _("须具备：%(tag)s") % {"tag": name})
    if policy.condition_tags_any_ids:
        names = "、".join(name for pk, name in tags.items() if pk in policy.condition_tags_any_ids)
        add("tags_any", row["c_tags_any"], _("具备其一：%(tags)s") % {"tags": names})
    if policy.condition_tags_excluded_ids:
        names = "、".join(name for pk, name in tags.items() if pk in policy.condition_tags_excluded_ids)
        add("tags_excluded", row["c_tags_excluded"], _("不属于：%(tags)s") % {"tags": names})
    for key, column, low, high in [
        ("employees", "c_employees", policy.min_employees, policy.max_employees),
        ("annual_revenue", "c_annual_revenue", policy.min_annual_revenue, policy.max_annual_revenue),
        ("tax_paid", "c_tax_paid", policy.min_tax_paid, None),
        ("rd_intensity", "c_rd_intensity", policy.min_rd_intensity, None),
        ("years_since_founding", "c_years", policy.min_years_since_founding, policy.max_years_since_founding),
    ]:
        if low is None and high is None:
            continue
        add(key, row[column], _bound_text(key, low, high), str(ENTERPRISE_FIELDS[key]))
    if policy.advanced_condition:
        # Not evaluated in SQL where the class was already settled: evaluated here.
        met = evaluate_tree(policy.advanced_condition, profile) if row["advanced_skipped"] else row["c_advanced"]
        add("advanced", met, _("满足政策规定的其他条件"), _("企业经营数据"))
    amount, explanation = estimate_amount(policy, profile)
    evaluation = Evaluation(policy, row["klass"], results, amount, explanation)
    evaluation.position = row["position"]
    return evaluation


# --- SQL: one policy against every enterprise ---------------------------------------------


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
    """The policy's conditions as a filter on ``enterprise_profiles()`` (TRUE only)."""
    q = Q()
    regions = [r.path for r in policy.regions.all()]
    if regions:
        region_q = Q()
        for path in regions:
            region_q |= Q(region__path__startswith=path)
        q &= region_q
    industries = [i.path for i in policy.industries.all()]
    if industries:
        industry_q = Q()
        for path in industries:
            industry_q |= Q(industry__path__startswith=path)
        q &= industry_q
    if policy.scales:
        q &= Q(scale__in=policy.scales)
    if policy.ownerships:
        q &= Q(ownership__in=policy.ownerships)
    from django.db.models import Exists, OuterRef

    through = Enterprise.tags.through
    for tag in policy.tags_all.all():
        q &= Q(Exists(through.objects.filter(enterprise_id=OuterRef("pk"), enterprisetag_id=tag.pk)))
    any_ids = [t.pk for t in policy.tags_any.all()]
    if any_ids:
        q &= Q(Exists(through.objects.filter(enterprise_id=OuterRef("pk"), enterprisetag_id__in=any_ids)))
    excluded_ids = [t.pk for t in policy.tags_excluded.all()]
    if excluded_ids:
        q &= ~Q(Exists(through.objects.filter(enterprise_id=OuterRef("pk"), enterprisetag_id__in=excluded_ids)))
    for column, low, high in [
        ("employees", policy.min_employees, policy.max_employees),
        ("annual_revenue", policy.min_annual_revenue, policy.max_annual_revenue),
        ("tax_paid", policy.min_tax_paid, None),
        ("p_rd_intensity", policy.min_rd_intensity, None),
        ("p_years", policy.min_years_since_founding, policy.max_years_since_founding),
    ]:
        if low is not None:
            q &= Q(**{f"{column}__gte": low})
        if high is not None:
            q &= Q(**{f"{column}__lte": high})
    if policy.advanced_condition:
        q &= tree_to_q(policy.advanced_condition)
    return q


def eligible_enterprises(policy: Policy) -> QuerySet[Enterprise]:
    """Every enterprise the policy reaches, as one query."""
    return enterprise_profiles().filter(eligibility_q(policy))
