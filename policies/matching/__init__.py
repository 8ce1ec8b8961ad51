"""Matching policies and enterprises (智能匹配), in Python, in SQL and with the ORM.

Every condition of a policy is *met*, *not met* or *unknown* (the enterprise has not
filled in the field it needs). A policy is, for an enterprise:

- eligible: every condition met;
- almost: exactly one condition not met, none unknown ("还差：…");
- unknown: none not met, some unknown ("请补充：…", naming the fields to fill in);
- not eligible: otherwise.

The package, in reading order:

- ``registry``: every kind of condition, declared once — its words, the field to fill
  in when unknown, its Python predicate, its SQL expression and its ORM filter;
- ``profile``: what matching reads of an enterprise (``Profile``);
- ``evaluation``: one policy against one profile in Python (``evaluate``) — the
  calculator, a policy's page, the eligibility stored at submission — and the amount;
- ``sql``: one enterprise against the whole open catalogue in one query
  (``match_page``), then the rows shown explained condition by condition;
- ``orm``: one policy against every enterprise as one query (``eligible_enterprises``):
  精准推送, 免申即享 grants, the admin's reach;
- ``selectors``: "my matches" for the page, the report and the API — who may read
  an enterprise's matches and what each match says;
- ``policy_condition.sql``: the PL/pgSQL evaluator of advanced condition trees
  (``policies.conditions``), installed by a migration.

Adding a kind of condition:

1. the policy's field (``policies/models.py``) and, if it is new, the enterprise's
   (``portal/models.py``), with their migrations; the field in the admin's policy form and
   fieldsets, and an enterprise field in the profile form, the admin and the API serializers;
2. the enterprise field on ``Profile`` (``profile.py``: the field and ``Profile.of``), in the
   ``profile`` CTE and ``_params`` of ``sql.py``, and in ``profile_json`` if a condition tree
   may name it (then also ``policies.conditions`` and ``policy_condition.sql``, with a new
   migration);
3. one entry in ``registry.CONDITIONS`` — often an instance of an existing class
   (``OneOf`` for a choice, ``Between`` for a figure, ``Within`` for a code tree), else a
   new ``Condition`` subclass with ``evaluate``, ``explain``, ``sql`` and ``q``;
4. the kind in the agreement test's catalogue and profiles (``tests/policies/test_matching.py``),
   which then proves the three engines agree on it.
"""

from policies.matching.evaluation import (
    ALMOST,
    CLASS_LABELS,
    CLASS_ORDER,
    ELIGIBLE,
    NOT_ELIGIBLE,
    UNKNOWN,
    Evaluation,
    classify,
    estimate_amount,
    evaluate,
)
from policies.matching.orm import eligibility_q, eligible_enterprises, enterprise_profiles
from policies.matching.profile import Profile, path_and_ancestors, profile_json
from policies.matching.registry import CONDITION_PREFETCH, CONDITIONS, ConditionResult
from policies.matching.selectors import (
    EnterpriseMatches,
    MatchGroup,
    enterprise_choice,
    enterprise_matches,
    matches_enterprise_get,
)
from policies.matching.sql import AREA_SQL, OPEN_POLICIES_SQL, MatchPage, eligible_policy_ids, match_page
from portal.money import format_number

__all__ = [
    "ALMOST",
    "AREA_SQL",
    "CLASS_LABELS",
    "CLASS_ORDER",
    "CONDITIONS",
    "CONDITION_PREFETCH",
    "ELIGIBLE",
    "NOT_ELIGIBLE",
    "OPEN_POLICIES_SQL",
    "UNKNOWN",
    "ConditionResult",
    "EnterpriseMatches",
    "Evaluation",
    "MatchGroup",
    "MatchPage",
    "Profile",
    "classify",
    "eligibility_q",
    "eligible_enterprises",
    "eligible_policy_ids",
    "enterprise_choice",
    "enterprise_matches",
    "enterprise_profiles",
    "estimate_amount",
    "evaluate",
    "format_number",
    "match_page",
    "matches_enterprise_get",
    "path_and_ancestors",
    "profile_json",
]
