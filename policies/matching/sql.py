"""One enterprise against the open catalogue, in SQL ("my matches", re-matching).

One query classifies every open policy for one enterprise, ranks each class and returns
only the rows asked for (``CLASS_SQL``); a second explains the rows shown (``EXPLAIN_SQL``).
Each condition is the three-valued SQL expression of its kind (``registry.CONDITIONS``;
NULL = unknown) on the policy's own row: the condition sets are copied into id arrays on
the policy (``condition_*_ids``, kept by triggers), so a region or industry condition is
``&&`` against the ids of the enterprise's region and its ancestors, and a tag condition
``<@`` / ``&&`` against its tag ids — no subquery per policy. The advanced tree (a PL/pgSQL
function, the dearest check) is evaluated only where it can change the class: a policy
already failing two conditions is not eligible whatever the tree says.

Both queries are assembled from this module's and the registry's constants only; input
arrives as parameters.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.db import connection

from policies.matching.evaluation import CLASS_ORDER, ELIGIBLE, NOT_ELIGIBLE, Evaluation, estimate_amount
from policies.matching.profile import Profile, path_and_ancestors, profile_json
from policies.matching.registry import CONDITIONS, Advanced, Names
from policies.models import Policy
from portal.localized import localized
from portal.models import Enterprise, EnterpriseTag, Industry

# The conditions computed on every policy's row, and the one evaluated last (the tree).
ROW_CONDITIONS = [condition for condition in CONDITIONS if not condition.deferred]
(LAST,) = [condition for condition in CONDITIONS if condition.deferred]
assert isinstance(LAST, Advanced), "the tree is the one condition the SQL evaluates last"

# The enterprise as the conditions' SQL reads it: ``pf.<column>``.
PROFILE_CTE = """
WITH profile AS (
    SELECT %(region_path)s::text AS region_path,
           ARRAY(SELECT id FROM portal_region WHERE path = ANY(%(region_paths)s::text[])) AS region_ids,
           %(industry_path)s::text AS industry_path,
           ARRAY(SELECT id FROM portal_industry WHERE path = ANY(%(industry_paths)s::text[])) AS industry_ids,
           %(scale)s::text AS scale, %(ownership)s::text AS ownership,
           %(tax_credit_grade)s::text AS tax_credit_grade, %(tag_ids)s::bigint[] AS tag_ids,
           %(employees)s::bigint AS employees, %(annual_revenue)s::numeric AS annual_revenue,
           %(tax_paid)s::numeric AS tax_paid, %(rd_spend)s::numeric AS rd_spend,
           %(rd_intensity)s::numeric AS rd_intensity, %(years_since_founding)s::int AS years_since_founding
)"""

# The amount, as estimate_amount computes it, to rank by.
AMOUNT = """CASE WHEN p.amount_rule = 'fixed' THEN p.amount_fixed
           WHEN p.amount_rule IN ('percentage', 'per_unit') AND p.amount_rate IS NOT NULL THEN (
             SELECT CASE WHEN p.amount_cap IS NOT NULL AND raw > p.amount_cap THEN p.amount_cap ELSE raw END
             FROM (SELECT round(CASE p.amount_field WHEN 'employees' THEN pf.employees
                                 WHEN 'annual_revenue' THEN pf.annual_revenue WHEN 'tax_paid' THEN pf.tax_paid
                                 WHEN 'rd_spend' THEN pf.rd_spend WHEN 'rd_intensity' THEN pf.rd_intensity
                                 WHEN 'years_since_founding' THEN pf.years_since_founding END * p.amount_rate, 2)
                   AS raw) r)
      END"""
ADVANCED = f"""CASE WHEN NOT k.has_advanced THEN TRUE WHEN k.settled THEN NULL
             ELSE {LAST.sql} END"""
SETTLED = "c.failed_before_advanced >= 2 OR (c.failed_before_advanced = 1 AND c.unknown_before_advanced > 0)"
KLASS = """CASE WHEN j.failed_before_advanced + (j.c_advanced IS FALSE)::int = 0
             THEN CASE WHEN j.unknown_before_advanced + (j.c_advanced IS NULL)::int = 0 THEN 'eligible'
                       ELSE 'unknown' END
           WHEN j.failed_before_advanced + (j.c_advanced IS FALSE)::int = 1
                AND j.unknown_before_advanced + (j.c_advanced IS NULL)::int = 0 THEN 'almost'
           ELSE 'not_eligible' END"""

# Every policy's class in one pass. The checks are summed as they are computed — a
# failure counts 1, an unknown 1,000 — so each policy row is projected once rather
# than carrying a column per condition through every step (B2: a third faster).
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
    + LAST.has_sql
    + """ AS has_advanced,
            """
    + AMOUNT
    + """ AS amount,
            """
    + "\n            + ".join(condition.score_sql() for condition in ROW_CONDITIONS)
    + """ AS score
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

# The named policies, each condition's value in its own column (``c_<key>``), for the
# reasons shown; the tree where the class query evaluated it (``advanced_skipped`` where not).
EXPLAIN_SQL = (
    PROFILE_CTE  # noqa: S608
    + """
SELECT k.*, """
    + ADVANCED
    + f""" AS {LAST.column}, k.has_advanced AND k.settled AS advanced_skipped
FROM (
  SELECT c.*, """
    + SETTLED
    + """ AS settled
  FROM (
    SELECT c.*,
      """
    + "\n      + ".join(condition.failed_sql(f"c.{condition.column}") for condition in ROW_CONDITIONS)
    + """ AS failed_before_advanced,
      """
    + "\n      + ".join(
        term for condition in ROW_CONDITIONS if (term := condition.unknown_sql(f"c.{condition.column}")) is not None
    )
    + """ AS unknown_before_advanced
    FROM (
      SELECT p.id, p.advanced_condition, """
    + LAST.has_sql
    + """ AS has_advanced,
        """
    + ",\n        ".join(f"{condition.sql} AS {condition.column}" for condition in ROW_CONDITIONS)
    + """
      FROM policies_policy p CROSS JOIN profile pf
      WHERE p.id = ANY(%(policy_ids)s)
      OFFSET 0  -- each check computed once, not once per reference above
    ) c
  ) c
) k
"""
)

# The open catalogue: published, in effect, and open for application today or granted
# without one (免申即享) whatever the window.
OPEN_POLICIES_SQL = """p.state = 'published'
      AND (p.effective_until IS NULL OR p.effective_until >= %(today)s)
      AND (p.application_method = 'auto'
           OR ((p.application_opens IS NULL OR p.application_opens <= %(today)s)
               AND (p.application_closes IS NULL OR p.application_closes >= %(today)s)))"""

# 适用区域 from an index: only the policies of the enterprise's region and the regions
# above it are classified at all (a county firm reads its province's, city's and county's
# few thousand, not the province's 46,000). Policies elsewhere are not eligible whatever
# else they ask (``registry.Area``), so leaving them out changes no class shown. An
# enterprise without a region has no restriction: its area condition is unknown.
AREA_SQL = """
      AND p.region_id = ANY(ARRAY(SELECT id FROM portal_region WHERE path = ANY(%(region_paths)s::text[])))"""

# Within a class: by amount (largest first), then the nearest deadline, then the
# catalogue's own order (newest first); "deadline" puts the nearest deadline first.
MATCH_ORDER = {
    "": "COALESCE(c.amount, 0) DESC, c.application_closes ASC NULLS LAST, c.published_on DESC, c.id DESC",
    "amount": "COALESCE(c.amount, 0) DESC, c.application_closes ASC NULLS LAST, c.published_on DESC, c.id DESC",
    "deadline": "c.application_closes ASC NULLS LAST, COALESCE(c.amount, 0) DESC, c.published_on DESC, c.id DESC",
}


def _params(profile: Profile, **extra) -> dict:
    return {
        "region_path": profile.region_path,
        "region_paths": path_and_ancestors(profile.region_path),
        "industry_path": profile.industry_path,
        "industry_paths": path_and_ancestors(profile.industry_path),
        "scale": profile.scale,
        "ownership": profile.ownership,
        "tax_credit_grade": profile.tax_credit_grade,
        "tag_ids": sorted(profile.tag_ids),
        "employees": profile.employees,
        "annual_revenue": profile.annual_revenue,
        "tax_paid": profile.tax_paid,
        "rd_spend": profile.rd_spend,
        "rd_intensity": profile.rd_intensity,
        "years_since_founding": profile.years_since_founding,
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
    policies = OPEN_POLICIES_SQL + (AREA_SQL if profile.region_path else "")
    sql = CLASS_SQL.replace("{policies}", policies).replace("{order}", MATCH_ORDER.get(sort, MATCH_ORDER[""]))
    return _fetch(sql, _params(profile, include_not_eligible=include_not_eligible, offset=offset, limit=limit))


def _explained_rows(profile: Profile, policy_ids: list[int]) -> list[dict]:
    """The named policies with each condition's value (``c_<key>``) and whether the
    tree was left to Python (``advanced_skipped``)."""
    return _fetch(EXPLAIN_SQL, _params(profile, policy_ids=list(policy_ids)))


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
    industry_ids = {pk for row in rows for pk in policies[row["id"]].condition_industry_ids}
    # Named in the reader's language, as ``evaluate`` names them (portal.localized).
    names = Names(
        industries={
            pk: localized(name, name_en)
            for pk, name, name_en in Industry.objects.filter(pk__in=industry_ids)
            .order_by("path")
            .values_list("pk", "name", "name_en")
        },
        tags={
            pk: localized(name, name_en)
            for pk, name, name_en in EnterpriseTag.objects.order_by("name").values_list("pk", "name", "name_en")
        },
    )
    evaluations = [_explain(policies[row["id"]], row, profile, names) for row in rows]
    evaluations.sort(key=lambda e: (CLASS_ORDER.index(e.klass), e.position))
    return MatchPage(evaluations, totals)


def _explain(policy: Policy, row: dict, profile: Profile, names: Names) -> Evaluation:
    """The reasons of ``evaluate``, in its order and words, read from the SQL row."""
    results = [result for condition in CONDITIONS for result in condition.explain(policy, row, names, profile)]
    amount, explanation = estimate_amount(policy, profile)
    return Evaluation(policy, row["klass"], results, amount, explanation, position=row["position"])


def eligible_policy_ids(enterprise: Enterprise) -> list[int]:
    """The open policies the enterprise is eligible for, unexplained (one query)."""
    rows = _class_rows(Profile.of(enterprise), include_not_eligible=False)
    return [row["id"] for row in rows if row["klass"] == ELIGIBLE]
