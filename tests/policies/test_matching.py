"""Matching: the Python, SQL and ORM engines agree, hierarchies cover their children,
the almost and unknown classes name what is missing, amounts show their arithmetic."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policies import matching
from policies.conditions import ConditionError, validate_tree
from policies.models import Policy
from portal.models import Enterprise, Industry
from tests import factories

pytestmark = pytest.mark.django_db


def _enterprise(regions, **fields):
    fields.setdefault("region", regions["xuanzhou"])
    tags = fields.pop("tags", [])
    enterprise = factories.enterprise(**fields)
    enterprise.tags.set(tags)
    return Enterprise.objects.get(pk=enterprise.pk)


def _sql_evaluation(policy, enterprise):
    """The policy as "my matches" classes and explains it for the enterprise (SQL)."""
    evaluations = matching.match_page(enterprise, include_not_eligible=True).evaluations
    return next(e for e in evaluations if e.policy.pk == policy.pk)


def _sql_class(policy, enterprise):
    return _sql_evaluation(policy, enterprise).klass


def _reaches(policy, enterprise):
    return matching.eligible_enterprises(policy).filter(pk=enterprise.pk).exists()


def test_a_region_covers_its_children_and_an_industry_its_sub_codes(make_policy, regions):
    policy = make_policy(regions=[regions["city"]], industries=[Industry.objects.get(code="C")])
    inside = _enterprise(regions, industry=Industry.objects.get(code="36"))
    elsewhere = _enterprise(regions, region=regions["hefei"], industry=Industry.objects.get(code="36"))
    other_trade = _enterprise(regions, industry=Industry.objects.get(code="65"))
    assert matching.evaluate(policy, matching.Profile.of(inside)).klass == matching.ELIGIBLE
    assert _sql_class(policy, inside) == matching.ELIGIBLE
    assert _reaches(policy, inside) and not _reaches(policy, elsewhere) and not _reaches(policy, other_trade)
    assert _sql_class(policy, other_trade) == matching.ALMOST


def test_a_policy_applies_in_its_own_region_only(make_policy, regions):
    """适用区域 (含下级区划) decides alone: a firm elsewhere is not eligible, not "almost",
    and the policy is not in its matches at all; a firm without a region is asked for it."""
    county_policy = make_policy(title="宁国市县级奖补", region=regions["ningguo"])
    city_policy = make_policy(title="宣城市级奖补", region=regions["city"])
    in_ningguo = _enterprise(regions, region=regions["ningguo"])
    in_xuanzhou = _enterprise(regions)
    in_hefei = _enterprise(regions, region=regions["hefei"])
    no_region = _enterprise(regions, region=None)

    for enterprise in (in_ningguo, in_xuanzhou):
        assert _sql_class(city_policy, enterprise) == matching.ELIGIBLE
    assert _sql_class(county_policy, in_ningguo) == matching.ELIGIBLE
    assert _reaches(county_policy, in_ningguo) and _reaches(city_policy, in_xuanzhou)

    elsewhere = matching.evaluate(county_policy, matching.Profile.of(in_xuanzhou))
    assert elsewhere.klass == matching.NOT_ELIGIBLE
    assert elsewhere.unmet_texts == ["适用区域：宁国市"]
    shown = {e.policy.pk for e in matching.match_page(in_xuanzhou, include_not_eligible=True).evaluations}
    assert county_policy.pk not in shown and city_policy.pk in shown
    assert not _reaches(county_policy, in_xuanzhou) and not _reaches(city_policy, in_hefei)
    assert county_policy.pk not in matching.eligible_policy_ids(in_xuanzhou)

    unknown = matching.evaluate(county_policy, matching.Profile.of(no_region))
    assert unknown.klass == matching.UNKNOWN == _sql_class(county_policy, no_region)
    assert unknown.missing_fields == ["所在区划"]
    assert not _reaches(county_policy, no_region)


def test_almost_names_the_one_unmet_condition(make_policy, regions, tags):
    policy = make_policy(tags_all=[tags["高新技术企业"]], min_employees=10)
    enterprise = _enterprise(regions, employees=50, tags=[tags["专精特新"]])
    evaluation = matching.evaluate(policy, matching.Profile.of(enterprise))
    assert evaluation.klass == matching.ALMOST == _sql_class(policy, enterprise)
    assert evaluation.unmet_texts == ["须具备：高新技术企业"]
    assert _sql_evaluation(policy, enterprise).unmet_texts == ["须具备：高新技术企业"]


def test_unknown_names_the_field_to_fill_in(make_policy, regions):
    policy = make_policy(min_annual_revenue=Decimal("20000000"), min_rd_intensity=Decimal("0.03"))
    enterprise = _enterprise(regions, annual_revenue=None, rd_spend=Decimal("100"))
    evaluation = matching.evaluate(policy, matching.Profile.of(enterprise))
    assert evaluation.klass == matching.UNKNOWN == _sql_class(policy, enterprise)
    assert {c.missing for c in evaluation.unknown} == {"年营业收入", "研发投入强度"}
    assert not _reaches(policy, enterprise)


def test_amount_rules_show_their_arithmetic(make_policy, regions):
    enterprise = matching.Profile(employees=120, rd_spend=Decimal("3000000"), annual_revenue=Decimal("50000000"))
    fixed = make_policy(amount_rule="fixed", amount_fixed=Decimal("200000"))
    assert matching.estimate_amount(fixed, enterprise) == (Decimal("200000"), "固定金额 20万元")
    share = make_policy(
        amount_rule="percentage", amount_field="rd_spend", amount_rate=Decimal("0.1"), amount_cap=Decimal("250000")
    )
    amount, text = matching.estimate_amount(share, enterprise)
    assert amount == Decimal("250000")
    assert text == "年研发投入 300万元 × 10% = 30万元，超过上限，按上限 25万元"
    per_head = make_policy(amount_rule="per_unit", amount_field="employees", amount_rate=Decimal("1000"))
    assert matching.estimate_amount(per_head, enterprise)[0] == Decimal("120000")
    assert matching.estimate_amount(per_head, matching.Profile())[1] == "需填写从业人数后才能测算"


def test_a_bad_tree_is_refused_naming_the_node(make_policy):
    with pytest.raises(ConditionError, match=r"\$\.all\[1\]"):
        validate_tree(
            {"all": [{"field": "employees", "op": ">=", "value": 10}, {"field": "salary", "op": ">", "value": 1}]}
        )
    with pytest.raises(ConditionError, match=r"\$\.any\[0\]\.not"):
        validate_tree({"any": [{"not": {"field": "scale", "op": ">=", "value": "small"}}]})
    policy = make_policy()
    policy.advanced_condition = {"all": []}
    with pytest.raises(ValidationError) as refused:
        policy.full_clean()
    assert "advanced_condition" in refused.value.message_dict


def test_matching_one_enterprise_costs_a_fixed_number_of_queries(make_policy, regions, tags):
    enterprise = _enterprise(regions, employees=30, tags=[tags["高新技术企业"]])

    def add(count):
        for index in range(count):
            make_policy(
                title=f"政策{index}",
                tags_all=[tags["高新技术企业"]],
                regions=[regions["city"]],
                advanced_condition={"field": "employees", "op": ">=", "value": index},
            )

    add(3)
    with CaptureQueriesContext(connection) as few:
        matching.match_page(Enterprise.objects.get(pk=enterprise.pk))
    add(15)
    with CaptureQueriesContext(connection) as many:
        results = matching.match_page(Enterprise.objects.get(pk=enterprise.pk)).evaluations
    assert len(many.captured_queries) == len(few.captured_queries)
    assert len(results) == 18


def test_a_policys_condition_ids_follow_its_condition_sets_whatever_is_saved(make_policy, regions, tags):
    policy = make_policy(regions=[regions["city"]], tags_all=[tags["专精特新"]])
    stale = Policy.objects.get(pk=policy.pk)
    policy.tags_all.add(tags["高新技术企业"])
    policy.regions.remove(regions["city"])
    stale.title = "改了标题"
    stale.save()  # writes the arrays it loaded before the change: the database keeps the truth
    stale.refresh_from_db()
    assert stale.condition_region_ids == []
    assert sorted(stale.condition_tags_all_ids) == sorted([tags["专精特新"].pk, tags["高新技术企业"].pk])
    assert not stale.events.filter(pgh_label="update").exclude(title="改了标题").exists()


# --- 纳税信用等级: a kind of condition added through the registry alone ------------------


def test_a_tax_credit_grade_condition_in_python_sql_and_the_orm(make_policy, regions):
    policy = make_policy(tax_credit_grades=["A", "B"])
    graded_a = _enterprise(regions, tax_credit_grade="A")
    graded_c = _enterprise(regions, tax_credit_grade="C")
    ungraded = _enterprise(regions, tax_credit_grade="")
    for enterprise, klass in [(graded_a, matching.ELIGIBLE), (graded_c, matching.ALMOST), (ungraded, matching.UNKNOWN)]:
        python = matching.evaluate(policy, matching.Profile.of(enterprise))
        sql = _sql_evaluation(policy, enterprise)
        assert python.klass == sql.klass == klass
        assert python.conditions == sql.conditions
        assert _reaches(policy, enterprise) == (klass == matching.ELIGIBLE)
    assert _sql_evaluation(policy, graded_c).unmet_texts == ["需纳税信用等级A级或B级"]
    unknown = _sql_evaluation(policy, ungraded)
    assert unknown.missing_fields == ["纳税信用等级"] and unknown.missing_text == "纳税信用等级"
    assert matching.eligible_policy_ids(graded_a) == [policy.pk] and matching.eligible_policy_ids(ungraded) == []


def test_one_grade_or_three_read_naturally(make_policy):
    assert matching.evaluate(make_policy(tax_credit_grades=["A"]), matching.Profile()).conditions[-1].text == (
        "需纳税信用等级A级"
    )
    three = matching.evaluate(make_policy(tax_credit_grades=["A", "B", "M"]), matching.Profile(tax_credit_grade="D"))
    assert three.unmet_texts == ["需纳税信用等级A级、B级或M级"]


def test_a_condition_tree_may_name_the_tax_credit_grade(make_policy, regions):
    tree = {"field": "tax_credit_grade", "op": "in", "value": ["A", "B"]}
    validate_tree(tree)
    policy = make_policy(advanced_condition=tree)
    for grade, klass in [("A", matching.ELIGIBLE), ("D", matching.ALMOST), ("", matching.UNKNOWN)]:
        enterprise = _enterprise(regions, tax_credit_grade=grade)
        assert matching.evaluate(policy, matching.Profile.of(enterprise)).klass == klass
        assert _sql_class(policy, enterprise) == klass
        assert _reaches(policy, enterprise) == (klass == matching.ELIGIBLE)
    # No other condition settles the class, so the SQL's came from the PL/pgSQL function,
    # which reads the grade like any choice field:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT policy_condition(%s::jsonb, %s::jsonb)",
            ['{"field": "tax_credit_grade", "op": "==", "value": "M"}', '{"tax_credit_grade": "M"}'],
        )
        assert cursor.fetchone()[0] is True


# --- The three engines agree -------------------------------------------------------------

TREES = [
    {"field": "annual_revenue", "op": ">=", "value": 20000000},
    {
        "any": [
            {"field": "scale", "op": "in", "value": ["small", "micro"]},
            {"field": "tags", "op": "has", "value": "专精特新"},
        ]
    },
    {"not": {"field": "employees", "op": "<", "value": 50}},
    {
        "all": [
            {"field": "rd_intensity", "op": ">=", "value": "0.03"},
            {"not": {"field": "ownership", "op": "==", "value": "foreign"}},
        ]
    },
    {"field": "years_since_founding", "op": "!=", "value": 3},
    {
        "any": [
            {"field": "tax_credit_grade", "op": "in", "value": ["A", "M"]},
            {"not": {"field": "tax_credit_grade", "op": "!=", "value": "C"}},
        ]
    },
]


@pytest.fixture
def catalogue(make_policy, regions, tags):
    c, it = Industry.objects.get(code="C"), Industry.objects.get(code="I")
    return [
        make_policy(title="区域", regions=[regions["xuanzhou"]]),
        make_policy(title="县级", region=regions["ningguo"], scales=["small"]),
        make_policy(title="行业", industries=[c]),
        make_policy(title="规模", scales=["small", "micro"], ownerships=["private"]),
        make_policy(title="纳税信用", tax_credit_grades=["A", "B"], min_tax_paid=Decimal("10000")),
        make_policy(title="标签", tags_all=[tags["高新技术企业"]], tags_excluded=[tags["规上工业企业"]]),
        make_policy(title="其一", tags_any=[tags["专精特新"], tags["高新技术企业"]]),
        make_policy(title="人数收入", min_employees=20, max_employees=500, min_annual_revenue=Decimal("1000000")),
        make_policy(title="纳税强度", min_tax_paid=Decimal("50000"), min_rd_intensity=Decimal("0.02")),
        make_policy(title="年限", min_years_since_founding=2, max_years_since_founding=10, industries=[it]),
        make_policy(
            title="多项",
            regions=[regions["city"]],
            scales=["small"],
            tax_credit_grades=["A"],
            tags_all=[tags["专精特新"], tags["高新技术企业"]],
            max_annual_revenue=Decimal("30000000"),
            advanced_condition=TREES[0],
        ),
        *[make_policy(title=f"高级{index}", advanced_condition=tree) for index, tree in enumerate(TREES)],
    ]


profiles = st.fixed_dictionaries(
    {
        "region": st.sampled_from(["xuanzhou", "ningguo", "hefei", None]),
        "industry": st.sampled_from(["36", "13", "65", None]),
        "scale": st.sampled_from(["", "large", "small", "micro"]),
        "ownership": st.sampled_from(["", "private", "foreign"]),
        "tax_credit_grade": st.sampled_from(["", "A", "B", "M", "C", "D"]),
        "tags": st.sets(st.sampled_from(["高新技术企业", "专精特新", "规上工业企业"])),
        "employees": st.one_of(st.none(), st.integers(0, 1000)),
        "annual_revenue": st.one_of(st.none(), st.integers(0, 60_000_000).map(Decimal)),
        "tax_paid": st.one_of(st.none(), st.integers(0, 200_000).map(Decimal)),
        "rd_spend": st.one_of(st.none(), st.integers(0, 3_000_000).map(Decimal)),
        "founded_years_ago": st.one_of(st.none(), st.integers(0, 20)),
    }
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=profiles)
def test_the_python_sql_and_orm_engines_agree(catalogue, regions, tags, data):
    """Every kind of condition, through every live path: the Python evaluator; the SQL
    class query (``match_page``'s classes, ``eligible_policy_ids``) and its explaining
    query (each condition's result and words); the ORM filter (``eligible_enterprises``)."""
    founded = None
    if data["founded_years_ago"] is not None:
        founded = dt.date.today() - dt.timedelta(days=365 * data["founded_years_ago"] + 40)
    enterprise = _enterprise(
        regions,
        region=regions[data["region"]] if data["region"] else None,
        industry=Industry.objects.get(code=data["industry"]) if data["industry"] else None,
        scale=data["scale"],
        ownership=data["ownership"],
        tax_credit_grade=data["tax_credit_grade"],
        tags=[tags[name] for name in data["tags"]],
        employees=data["employees"],
        annual_revenue=data["annual_revenue"],
        tax_paid=data["tax_paid"],
        rd_spend=data["rd_spend"],
        founded_on=founded,
    )
    profile = matching.Profile.of(enterprise)
    reached = set(
        policy.pk for policy in catalogue if matching.eligible_enterprises(policy).filter(pk=enterprise.pk).exists()
    )
    eligible_in_sql = set(matching.eligible_policy_ids(enterprise))
    # The page's classes come from the classifying query, the reasons from the explaining one.
    explained = {e.policy.pk: e for e in matching.match_page(enterprise, include_not_eligible=True).evaluations}
    for policy in catalogue:
        python = matching.evaluate(policy, profile)
        if policy.pk not in explained:
            # Outside its 适用区域: left out of the enterprise's catalogue by the class query.
            assert python.klass == matching.NOT_ELIGIBLE, (policy.title, data)
            assert any(c.key == "area" and c.met is False for c in python.conditions), (policy.title, data)
            assert policy.pk not in eligible_in_sql and policy.pk not in reached, (policy.title, data)
            continue
        assert explained[policy.pk].klass == python.klass, (policy.title, data)
        assert explained[policy.pk].conditions == python.conditions, (policy.title, data)
        assert (policy.pk in eligible_in_sql) == (python.klass == matching.ELIGIBLE), (policy.title, data)
        assert (policy.pk in reached) == (python.klass == matching.ELIGIBLE), (policy.title, data)
    enterprise.delete()


def test_the_area_restriction_is_read_from_an_index(make_policy, regions):
    """At province scale a county firm's catalogue is its area's few thousand policies of
    46,000: the class query finds them through the index on the policy's region (the plan is
    asked with sequential scans priced out, as on a table too big to read whole)."""
    from policies.matching import sql as matching_sql

    elsewhere = make_policy(region=regions["hefei"])
    copies = []
    for _ in range(400):  # a catalogue mostly of other regions' policies, as a province's is
        elsewhere.pk = None
        copies.append(Policy(**{f.attname: getattr(elsewhere, f.attname) for f in Policy._meta.concrete_fields}))
    Policy.objects.bulk_create(copies)
    make_policy(region=regions["ningguo"])
    profile = matching.Profile.of(_enterprise(regions))
    query = matching_sql.CLASS_SQL.replace(
        "{policies}", matching_sql.OPEN_POLICIES_SQL + matching_sql.AREA_SQL
    ).replace("{order}", matching_sql.MATCH_ORDER[""])
    params = matching_sql._params(profile, include_not_eligible=False, offset=0, limit=20)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE policies_policy")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + query, params)
        plan = "\n".join(line for (line,) in cursor.fetchall())
    assert "Index Cond: (region_id = ANY" in plan, plan
