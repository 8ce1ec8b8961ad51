"""The policies API: the public catalogue and a policy's key elements, who a policy
reaches (policy managers only), an enterprise's matches (its members and officials),
and the calculator on a profile that is not stored."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve

from policies.api.views import EnterpriseMatchesView
from policies.models import Policy, PolicyMaterial
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client):
    return client


def test_the_list_is_public_searchable_and_filterable(api, make_policy):
    high_tech = make_policy(title="高新技术企业认定奖励", keywords="高新技术企业", level="provincial")
    auto = make_policy(title="稳岗返还", application_method="auto")
    make_policy(title="草稿政策", state=Policy.State.DRAFT)
    response = api.get("/api/v1/policies/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert {row["title"] for row in body["results"]} == {"高新技术企业认定奖励", "稳岗返还"}
    row = next(r for r in body["results"] if r["id"] == high_tech.pk)
    assert row["issuer"]["name"] == "宣城市经济和信息化局" and row["category"] == "资金奖补"
    assert row["level"] == "provincial" and row["level_display"] == "省级"
    assert [r["id"] for r in api.get("/api/v1/policies/?search=高新").json()["results"]] == [high_tech.pk]
    assert [r["id"] for r in api.get("/api/v1/policies/?auto_grant=true").json()["results"]] == [auto.pk]
    assert [r["id"] for r in api.get("/api/v1/policies/?level=provincial").json()["results"]] == [high_tech.pk]


def test_the_list_runs_a_constant_number_of_queries(api, make_policy):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert api.get("/api/v1/policies/").status_code == 200
        return len(queries)

    for _ in range(3):
        make_policy()
    few = count()
    for _ in range(12):
        make_policy()
    assert count() == few


def test_the_detail_has_the_key_elements_and_drafts_are_404(api, make_policy, tags):
    policy = make_policy(title="专精特新奖励", tags_all=[tags["专精特新"]], min_employees=10)
    PolicyMaterial.objects.create(policy=policy, name="营业执照", zero_material=True)
    body = api.get(f"/api/v1/policies/{policy.pk}/").json()
    assert body["title"] == "专精特新奖励"
    assert body["conditions"] == ["适用区域：宣城市", "须具备：专精特新", "从业人数不低于10人"]
    assert body["materials"] == [{"name": "营业执照", "zero_material": True}]
    draft = make_policy(state=Policy.State.DRAFT)
    response = api.get(f"/api/v1/policies/{draft.pk}/")
    assert response.status_code == 404 and response.json()["errors"][0]["field"] is None
    assert api.get("/api/v1/policies/abc/").status_code == 404
    api.force_login(factories.official())
    assert api.get(f"/api/v1/policies/{draft.pk}/").status_code == 200


def test_eligible_enterprises_are_for_policy_managers(api, make_policy, tags):
    policy = make_policy(tags_all=[tags["高新技术企业"]])
    with_tag = []
    for name in ["甲科技有限公司", "乙科技有限公司"]:
        enterprise = factories.enterprise(name=name)
        enterprise.tags.add(tags["高新技术企业"])
        with_tag.append(enterprise)
    without = factories.enterprise(name="丙贸易有限公司")
    url = f"/api/v1/policies/{policy.pk}/eligible-enterprises/"
    assert api.get(url).status_code in (401, 403)
    api.force_login(factories.enterprise_user(without))
    response = api.get(url)
    assert response.status_code == 403 and "errors" in response.json()
    api.force_login(factories.official())
    body = api.get(url).json()
    assert body["count"] == 2
    assert body["results"] == [
        {"id": e.pk, "name": e.name, "credit_code": e.credit_code} for e in sorted(with_tag, key=lambda e: e.name)
    ]


def test_the_matches_route_resolves_to_the_policies_view():
    assert resolve("/api/v1/enterprises/5/matches/").func.view_class is EnterpriseMatchesView


def test_enterprise_matches_are_scoped_to_members_and_officials(api, make_policy, tags, regions):
    a = factories.enterprise(name="甲企业", region=regions["xuanzhou"], rd_spend=Decimal("1000000"))
    b = factories.enterprise(name="乙企业")
    almost = make_policy(title="高新技术企业奖励", tags_all=[tags["高新技术企业"]])
    percent = make_policy(
        title="研发补助",
        regions=[regions["city"]],
        amount_rule="percentage",
        amount_field="rd_spend",
        amount_rate=Decimal("0.05"),
    )
    unknown = make_policy(title="稳岗补贴", min_employees=10)
    make_policy(title="不符合", tags_all=[tags["高新技术企业"], tags["专精特新"]])
    url = f"/api/v1/enterprises/{a.pk}/matches/"
    api.force_login(factories.enterprise_user(b))
    response = api.get(url)
    assert response.status_code == 404 and response.json()["errors"]
    api.force_login(factories.enterprise_user(a))
    body = api.get(url).json()
    assert body["enterprise"]["name"] == "甲企业"
    by_id = {m["policy"]["id"]: m for m in body["matches"]}
    assert set(by_id) == {almost.pk, percent.pk, unknown.pk}
    assert by_id[almost.pk]["klass"] == "almost" and by_id[almost.pk]["unmet"] == ["须具备：高新技术企业"]
    assert by_id[percent.pk]["klass"] == "eligible"
    assert by_id[percent.pk]["amount"] == "50000.00"
    assert by_id[percent.pk]["amount_explanation"] == "年研发投入 100万元 × 5% = 5万元"
    assert by_id[unknown.pk]["klass"] == "unknown" and by_id[unknown.pk]["unknown"] == ["从业人数"]
    assert len(api.get(url + "?show=all").json()["matches"]) == 4
    api.force_login(factories.official())
    assert api.get(url).status_code == 200


def test_the_calculator_evaluates_a_profile_that_is_not_stored(api, make_policy, tags, regions):
    policy = make_policy(
        regions=[regions["xuanzhou"]],
        tags_all=[tags["高新技术企业"]],
        min_employees=50,
        amount_rule="percentage",
        amount_field="annual_revenue",
        amount_rate=Decimal("0.01"),
        amount_cap=Decimal("100000"),
    )
    url = f"/api/v1/policies/{policy.pk}/evaluate/"
    assert api.post(url, {}, content_type="application/json").status_code in (401, 403)
    api.force_login(factories.user())
    body = api.post(
        url,
        {"region": "341802", "tags": ["高新技术企业"], "employees": 80, "annual_revenue": "20000000"},
        content_type="application/json",
    ).json()
    assert body["klass"] == "eligible" and body["klass_display"] == "符合"
    assert [c["met"] for c in body["conditions"]] == [True, True, True, True]
    assert body["amount"] == "100000.00"
    assert body["amount_explanation"] == "年营业收入 2,000万元 × 1% = 20万元，超过上限，按上限 10万元"

    body = api.post(url, {"region": "341881", "tags": ["高新技术企业"]}, content_type="application/json").json()
    assert body["klass"] == "not_eligible"
    assert [c["met"] for c in body["conditions"]] == [True, False, True, None]
    assert body["conditions"][3]["missing"] == "从业人数"
    assert body["amount"] is None and body["amount_explanation"] == "需填写年营业收入后才能测算"

    body = api.post(url, {"region": "341802", "employees": 80}, content_type="application/json").json()
    assert body["klass"] == "almost"

    graded = make_policy(tax_credit_grades=["A", "B"])
    graded_url = f"/api/v1/policies/{graded.pk}/evaluate/"
    body = api.post(graded_url, {"region": "341802", "tax_credit_grade": "M"}, content_type="application/json").json()
    assert body["klass"] == "almost" and body["conditions"][1]["text"] == "需纳税信用等级A级或B级"
    body = api.post(graded_url, {}, content_type="application/json").json()
    assert body["klass"] == "unknown" and [c["missing"] for c in body["conditions"]] == ["所在区划", "纳税信用等级"]
    assert api.post(graded_url, {"tax_credit_grade": "E"}, content_type="application/json").status_code == 400

    response = api.post(url, {"tags": ["没有的标签"], "region": "999999"}, content_type="application/json")
    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"tags", "region"}
    assert Policy.objects.count() == 2
