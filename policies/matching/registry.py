"""The kinds of condition a policy may set, each declared once (``CONDITIONS``).

A kind knows, for one policy:

- whether the policy sets it, its words (``text``: "企业规模：小型、微型") and, when the
  enterprise has not filled in the field it needs, what to fill in (``missing``);
- ``evaluate``: the Python predicate, three-valued (True, False, None = unknown), read
  from the policy's own fields and prefetched condition sets (``CONDITION_PREFETCH``);
- ``sql``: the same predicate as one SQL expression on the policy's row ``p`` and the
  enterprise's profile ``pf`` (the ``profile`` CTE of ``matching.sql``), NULL = unknown;
  ``explain`` words the value the SQL computed, exactly as ``evaluate`` does;
- ``q``: the condition as a filter on ``matching.orm.enterprise_profiles()``, selecting
  only the enterprises that meet it (unknown is not met).

Every engine loops over ``CONDITIONS``: the Python evaluator (calculator, policy page,
stored eligibility at submission), the SQL classifying the catalogue for one enterprise
("my matches", re-matching) and the ORM filter of one policy's enterprises (push, 免申即享
grants, the admin's reach). ``tests/policies/test_matching.py`` proves they agree.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, TextChoices
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from policies.conditions import evaluate_tree, tree_to_q
from policies.models import ENTERPRISE_FIELDS, field_value_text
from portal.models import Enterprise

# The policy's condition sets that ``evaluate`` and ``q`` read: prefetch them when
# evaluating many policies (``Policy.objects.prefetch_related(*CONDITION_PREFETCH)``).
CONDITION_PREFETCH = ["region", "regions", "industries", "tags_all", "tags_any", "tags_excluded"]


@dataclass
class ConditionResult:
    key: str
    met: bool | None
    text: str  # what the condition asks, e.g. 须具备：高新技术企业
    missing: str = ""  # the enterprise field to fill in when unknown
    # Not met, it alone makes the policy "not eligible" (not "almost"): 适用区域.
    decisive: bool = False


@dataclass(frozen=True)
class Names:
    """What the SQL explanation needs to word conditions kept as ids on the policy row:
    industries (in the order of their codes) and tags (by name)."""

    industries: dict[int, str]
    tags: dict[int, str]


class Condition:
    """One kind of condition. A subclass sets ``key`` (also the name of its column,
    ``c_<key>``, in the explaining query), ``sql`` and ``missing``, and implements
    ``evaluate``, ``explain`` and ``q``."""

    key: str
    sql: str
    missing: str | Promise = ""  # the field to fill in; "" for a condition never unknown
    # Evaluated in SQL only where it can change the class (see matching.sql): the tree.
    deferred = False

    @property
    def column(self) -> str:
        return f"c_{self.key}"

    # A failure of a decisive kind settles the class: 不符合, never 差一项.
    decisive = False

    def result(self, met: bool | None, text, key: str | None = None) -> ConditionResult:
        return ConditionResult(
            key or self.key, met, str(text), str(self.missing) if met is None else "", decisive=self.decisive
        )

    def evaluate(self, policy, profile) -> list[ConditionResult]:
        """The policy's conditions of this kind against the profile; [] when it sets none."""
        raise NotImplementedError

    def explain(self, policy, row: dict, names: Names, profile) -> list[ConditionResult]:
        """``evaluate``'s results, read from the SQL row's ``column``."""
        raise NotImplementedError

    def q(self, policy) -> Q:
        """The enterprises meeting the policy's conditions of this kind; Q() when it sets none."""
        raise NotImplementedError

    # How the classifying query counts this kind's failures and unknowns (matching.sql).
    @property
    def weight(self) -> int:
        """What a failure counts: 2 for a decisive kind, enough to settle the class."""
        return 2 if self.decisive else 1

    @property
    def _times_weight(self) -> str:
        return f" * {self.weight}" if self.weight != 1 else ""  # no multiplication per row for nothing

    def score_sql(self) -> str:
        """Failures count 1 (2 if decisive) and an unknown 1,000 in the policy's score."""
        if self.missing:
            return f"COALESCE((NOT ({self.sql}))::int{self._times_weight}, 1000)"
        return f"(NOT ({self.sql}))::int{self._times_weight}"

    def failed_sql(self, value: str) -> str:
        return f"({value} IS FALSE)::int{self._times_weight}"

    def unknown_sql(self, value: str) -> str | None:
        return f"({value} IS NULL)::int" if self.missing else None


def _within(path: str | None, roots: list[str]) -> bool | None:
    if path is None:
        return None
    return any(path.startswith(root) for root in roots)


def _any_of(parts: Iterable[Q]) -> Q:
    q = Q()
    for part in parts:
        q |= part
    return q


def listed(items: Iterable[str]) -> str:
    """A、B、C: the way the pages list names."""
    return "、".join(items)


def either(items: Iterable[str]) -> str:
    """A级、B级或M级: one of several."""
    items = list(items)
    if len(items) < 2:
        return "".join(items)
    return _("%(first)s或%(last)s") % {"first": "、".join(items[:-1]), "last": items[-1]}


@functools.lru_cache(maxsize=16384)
def _worded(language: str | None, words, *args) -> str:
    """A condition's words for the same arguments in the same language, composed once:
    "my matches" words every shown policy's conditions, mostly the same few hundred
    (B2: a fifth of the page's time was gettext and number formatting)."""
    return words(*args)


class Area(Condition):
    """适用区域: the region a policy applies in, its lower divisions included
    (``Policy.region``). Every policy has one; an enterprise outside it is not eligible
    whatever else it meets (decisive), and the SQL leaves such policies out of an
    enterprise's catalogue altogether (``matching.sql.AREA_SQL``, from an index). An
    enterprise without a region leaves it unknown."""

    key = "area"
    decisive = True
    missing = gettext_lazy("所在区划")
    sql = "CASE WHEN pf.region_path IS NULL THEN NULL ELSE p.region_id = ANY(pf.region_ids) END"

    @staticmethod
    def _compose(name) -> str:
        return _("适用区域：%(name)s") % {"name": name}

    def _words(self, region) -> str:
        return _worded(get_language(), self._compose, region.display_name)

    def evaluate(self, policy, profile):
        return [self.result(_within(profile.region_path, [policy.region.path]), self._words(policy.region))]

    def explain(self, policy, row, names, profile):
        return [self.result(row[self.column], self._words(policy.region))]

    def q(self, policy):
        return Q(region__path__startswith=policy.region.path)


class Within(Condition):
    """The enterprise's region or industry lies within one the policy names (a code
    covers the codes under it): ``relation`` on the policy, its ids copied by the
    database to ``condition_<key>_ids`` on the policy row; the profile's ``<key>_path``
    and, in SQL, ``<key>_ids`` (the node and its ancestors). ``text`` may list the
    nodes' names (``%(names)s``), which the explanation finds in ``Names.<names>``."""

    def __init__(self, key: str, *, relation: str, text, missing, names: str = ""):
        self.key, self.relation, self.text, self.missing, self.names = key, relation, text, missing, names
        self.ids = f"condition_{key}_ids"
        self.sql = f"""CASE WHEN cardinality(p.{self.ids}) = 0 THEN TRUE WHEN pf.{key}_path IS NULL THEN NULL
           ELSE p.{self.ids} && pf.{key}_ids END"""

    def evaluate(self, policy, profile):
        nodes = list(getattr(policy, self.relation).all())
        if not nodes:
            return []
        met = _within(getattr(profile, f"{self.key}_path"), [node.path for node in nodes])
        return [self.result(met, self._words(node.display_name for node in nodes))]

    def explain(self, policy, row, names, profile):
        ids = getattr(policy, self.ids)
        if not ids:
            return []
        known = getattr(names, self.names) if self.names else {}
        return [self.result(row[self.column], self._words(name for pk, name in known.items() if pk in ids))]

    def _words(self, names) -> str:
        return self.text % {"names": listed(names)}

    def q(self, policy):
        return _any_of(
            Q(**{f"{self.key}__path__startswith": node.path}) for node in getattr(policy, self.relation).all()
        )


class OneOf(Condition):
    """The enterprise's field ``key`` (a choice; blank = unknown) is one of those in the
    policy's array ``field``. ``text`` words the accepted ``choices``' labels, listed
    by ``join``."""

    def __init__(self, key: str, *, field: str, choices: type[TextChoices], text, missing, join=listed):
        self.key, self.field, self.choices = key, field, choices
        self.text, self.missing, self.join = text, missing, join
        self.sql = f"""CASE WHEN cardinality(p.{field}) = 0 THEN TRUE WHEN pf.{key} = '' THEN NULL
           ELSE pf.{key} = ANY(p.{field}) END"""

    def _compose(self, values: tuple[str, ...]) -> str:
        return self.text % {"labels": self.join(str(self.choices(value).label) for value in values)}

    def _words(self, policy) -> str:
        return _worded(get_language(), self._compose, tuple(getattr(policy, self.field)))

    def evaluate(self, policy, profile):
        accepted = getattr(policy, self.field)
        if not accepted:
            return []
        value = getattr(profile, self.key)
        return [self.result(None if not value else value in accepted, self._words(policy))]

    def explain(self, policy, row, names, profile):
        return [self.result(row[self.column], self._words(policy))] if getattr(policy, self.field) else []

    def q(self, policy):
        accepted = getattr(policy, self.field)
        return Q(**{f"{self.key}__in": accepted}) if accepted else Q()


class Between(Condition):
    """A figure of the enterprise (or derived from it) between the policy's bounds
    ``min_<key>`` and, when there is one, ``max_<key>``: either may be empty. ``orm``
    is its column on ``enterprise_profiles()``."""

    def __init__(self, key: str, *, upper: bool = True, orm: str | None = None):
        self.key, self.orm = key, orm or key
        self.missing = ENTERPRISE_FIELDS[key]
        self.low, self.high = f"min_{key}", (f"max_{key}" if upper else None)
        low, value = f"p.{self.low}", f"pf.{key}"
        if self.high:
            high = f"p.{self.high}"
            self.sql = f"""CASE WHEN {low} IS NULL AND {high} IS NULL THEN TRUE
           ELSE ({low} IS NULL OR {value} >= {low})
            AND ({high} IS NULL OR {value} <= {high}) END"""
        else:
            self.sql = f"CASE WHEN {low} IS NULL THEN TRUE ELSE {value} >= {low} END"

    def _bounds(self, policy):
        return getattr(policy, self.low), (getattr(policy, self.high) if self.high else None)

    def _words(self, low, high) -> str:
        return _worded(get_language(), self._compose, low, high)

    def _compose(self, low, high) -> str:
        label = ENTERPRISE_FIELDS[self.key]
        if low is not None and high is not None:
            return _("%(label)s在%(low)s至%(high)s之间") % {
                "label": label,
                "low": field_value_text(self.key, low),
                "high": field_value_text(self.key, high),
            }
        if low is not None:
            return _("%(label)s不低于%(low)s") % {"label": label, "low": field_value_text(self.key, low)}
        return _("%(label)s不高于%(high)s") % {"label": label, "high": field_value_text(self.key, high)}

    def evaluate(self, policy, profile):
        low, high = self._bounds(policy)
        if low is None and high is None:
            return []
        value = getattr(profile, self.key)
        met = None if value is None else (low is None or value >= low) and (high is None or value <= high)
        return [self.result(met, self._words(low, high))]

    def explain(self, policy, row, names, profile):
        low, high = self._bounds(policy)
        if low is None and high is None:
            return []
        return [self.result(row[self.column], self._words(low, high))]

    def q(self, policy):
        low, high = self._bounds(policy)
        q = Q()
        if low is not None:
            q &= Q(**{f"{self.orm}__gte": low})
        if high is not None:
            q &= Q(**{f"{self.orm}__lte": high})
        return q


def _has_tag(**lookup) -> Exists:
    return Exists(Enterprise.tags.through.objects.filter(enterprise_id=OuterRef("pk"), **lookup))


class TagsAll(Condition):
    """Every tag the policy names, one result per tag (key ``tag:<id>``). Its SQL value
    is the array of the tags the enterprise lacks, each a failure; never unknown."""

    key = "tags_all"
    sql = """CASE WHEN p.condition_tags_all_ids <@ pf.tag_ids THEN '{}'::bigint[]
           ELSE ARRAY(SELECT t FROM unnest(p.condition_tags_all_ids) t WHERE t <> ALL(pf.tag_ids)) END"""

    def _words(self, name):
        return _("须具备：%(tag)s") % {"tag": name}

    def evaluate(self, policy, profile):
        return [
            self.result(tag.pk in profile.tag_ids, self._words(tag.display_name), key=f"tag:{tag.pk}")
            for tag in policy.tags_all.all()
        ]

    def explain(self, policy, row, names, profile):
        lacking = set(row[self.column])
        return [
            self.result(pk not in lacking, self._words(name), key=f"tag:{pk}")
            for pk, name in names.tags.items()
            if pk in policy.condition_tags_all_ids
        ]

    def q(self, policy):
        q = Q()
        for tag in policy.tags_all.all():
            q &= Q(_has_tag(enterprisetag_id=tag.pk))
        return q

    def score_sql(self):
        # The lacking tags counted without building the array where one tag is named (most
        # policies): the subquery per row was a fifth of B2's scoring time.
        return """CASE WHEN p.condition_tags_all_ids <@ pf.tag_ids THEN 0
           WHEN cardinality(p.condition_tags_all_ids) = 1 THEN 1
           ELSE cardinality(ARRAY(SELECT t FROM unnest(p.condition_tags_all_ids) t WHERE t <> ALL(pf.tag_ids))) END"""

    def failed_sql(self, value):
        return f"cardinality({value})"


class AnyTag(Condition):
    """The enterprise has one of the tags the policy names (``tags_any``) or, with
    ``exclude``, none of them (``tags_excluded``); never unknown. ``text`` words the
    tags' names."""

    def __init__(self, key: str, *, text, exclude: bool = False):
        self.key, self.text, self.exclude = key, text, exclude
        self.ids = f"condition_{key}_ids"
        if exclude:
            self.sql = f"NOT (p.{self.ids} && pf.tag_ids)"
        else:
            self.sql = f"""CASE WHEN cardinality(p.{self.ids}) = 0 THEN TRUE
           ELSE p.{self.ids} && pf.tag_ids END"""

    def _words(self, names):
        return self.text % {"tags": listed(names)}

    def evaluate(self, policy, profile):
        tags = {tag.pk: tag.display_name for tag in getattr(policy, self.key).all()}
        if not tags:
            return []
        return [self.result(bool(profile.tag_ids & set(tags)) != self.exclude, self._words(tags.values()))]

    def explain(self, policy, row, names, profile):
        ids = getattr(policy, self.ids)
        if not ids:
            return []
        return [self.result(row[self.column], self._words(name for pk, name in names.tags.items() if pk in ids))]

    def q(self, policy):
        ids = [tag.pk for tag in getattr(policy, self.key).all()]
        if not ids:
            return Q()
        return ~Q(_has_tag(enterprisetag_id__in=ids)) if self.exclude else Q(_has_tag(enterprisetag_id__in=ids))


class Advanced(Condition):
    """The policy's JSON condition tree (``policies.conditions``), in SQL the PL/pgSQL
    function ``policy_condition`` (``policy_condition.sql``). The dearest check, so the
    SQL evaluates it last and only where it can change the class; where it did not,
    ``explain`` evaluates it in Python."""

    key = "advanced"
    missing = gettext_lazy("企业经营数据")
    deferred = True
    # On the row carrying the policy's tree (``k``) once the other conditions are counted.
    sql = "policy_condition(k.advanced_condition, %(profile_json)s::jsonb)"
    # Whether the policy has a tree (the column may hold JSON null or {} as well as NULL).
    has_sql = "p.advanced_condition IS NOT NULL AND p.advanced_condition NOT IN ('null'::jsonb, '{}'::jsonb)"
    text = gettext_lazy("满足政策规定的其他条件")

    def evaluate(self, policy, profile):
        if not policy.advanced_condition:
            return []
        return [self.result(evaluate_tree(policy.advanced_condition, profile), self.text)]

    def explain(self, policy, row, names, profile):
        if not policy.advanced_condition:
            return []
        met = evaluate_tree(policy.advanced_condition, profile) if row["advanced_skipped"] else row[self.column]
        return [self.result(met, self.text)]

    def q(self, policy):
        return tree_to_q(policy.advanced_condition) if policy.advanced_condition else Q()


# Every kind, in the order a policy's conditions are listed.
CONDITIONS: list[Condition] = [
    Area(),
    Within(
        "region",
        relation="regions",
        text=gettext_lazy("企业注册地在指定区划内"),
        missing=gettext_lazy("所在区划"),
    ),
    Within(
        "industry",
        relation="industries",
        text=gettext_lazy("所属行业：%(names)s"),
        missing=gettext_lazy("所属行业"),
        names="industries",
    ),
    OneOf(
        "scale",
        field="scales",
        choices=Enterprise.Scale,
        text=gettext_lazy("企业规模：%(labels)s"),
        missing=gettext_lazy("企业规模"),
    ),
    OneOf(
        "ownership",
        field="ownerships",
        choices=Enterprise.Ownership,
        text=gettext_lazy("所有制类型：%(labels)s"),
        missing=gettext_lazy("所有制类型"),
    ),
    OneOf(
        "tax_credit_grade",
        field="tax_credit_grades",
        choices=Enterprise.TaxCreditGrade,
        text=gettext_lazy("需纳税信用等级%(labels)s"),
        missing=gettext_lazy("纳税信用等级"),
        join=either,
    ),
    TagsAll(),
    AnyTag("tags_any", text=gettext_lazy("具备其一：%(tags)s")),
    AnyTag("tags_excluded", text=gettext_lazy("不属于：%(tags)s"), exclude=True),
    Between("employees"),
    Between("annual_revenue"),
    Between("tax_paid", upper=False),
    Between("rd_intensity", upper=False, orm="p_rd_intensity"),
    Between("years_since_founding", orm="p_years"),
    Advanced(),
]
