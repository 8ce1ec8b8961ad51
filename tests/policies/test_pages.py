"""Policy pages as people use them: the public catalogue (search, filters), a policy's
page with each represented enterprise's standing, an enterprise's matched policies and
its printable 一企一策 report, and who is refused."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from policies.models import Policy, PolicyMaterial, PolicyQuestion
from portal.models import Industry
from tests import factories

pytestmark = pytest.mark.django_db


def page_of(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.fixture
def company(regions, tags):
    """A small private enterprise in 宣州区 with 专精特新 (not 高新技术企业), R&D 3,000,000."""
    enterprise = factories.enterprise(
        name="宣城精工机械有限公司",
        region=regions["xuanzhou"],
        scale="small",
        ownership="private",
        employees=None,
        annual_revenue=Decimal("30000000"),
        rd_spend=Decimal("3000000"),
    )
    enterprise.tags.set([tags["专精特新"]])
    return enterprise


@pytest.fixture
def catalogue(make_policy, tags, regions):
    """One policy of each class for ``company``."""
    return {
        # Every condition met: in the region, small, and a percentage of R&D spend with a cap.
        "eligible": make_policy(
            title="研发投入后补助",
            regions=[regions["city"]],
            scales=["small", "micro"],
            amount_rule="percentage",
            amount_field="rd_spend",
            amount_rate=Decimal("0.1"),
            amount_cap=Decimal("200000"),
            application_closes=timezone.localdate() + dt.timedelta(days=30),
        ),
        # One condition not met: lacks the 高新技术企业 tag.
        "almost": make_policy(
            title="高新技术企业认定奖励",
            keywords="高新技术企业 认定",
            tags_all=[tags["高新技术企业"]],
            amount_rule="fixed",
            amount_fixed=Decimal("100000"),
            application_closes=timezone.localdate() + dt.timedelta(days=10),
        ),
        # Unknown: the enterprise has not filled in its employees.
        "unknown": make_policy(title="稳岗就业补贴", min_employees=50, application_method="auto"),
        # Two conditions not met.
        "not_eligible": make_policy(title="大型企业总部奖励", scales=["large"], tags_all=[tags["规上工业企业"]]),
    }


# --- Catalogue ----------------------------------------------------------------------------


def test_the_catalogue_lists_published_policies_and_hides_drafts(client, make_policy):
    make_policy(
        title="技术改造项目奖补",
        document_number="宣经信〔2025〕12号",
        amount_rule="fixed",
        amount_fixed=Decimal("500000"),
        application_method="auto",
    )
    make_policy(title="尚未发布的政策", state=Policy.State.DRAFT)
    make_policy(title="已撤回的政策", state=Policy.State.WITHDRAWN)
    page = page_of(client, "/policies/")
    assert "技术改造项目奖补" in page and "宣经信〔2025〕12号" in page
    assert "宣城市经济和信息化局" in page and "市级" in page and "资金奖补" in page and "资金奖励" in page
    assert "50万元" in page
    assert 'data-testid="auto-grant"' in page
    assert "尚未发布的政策" not in page and "已撤回的政策" not in page
    assert 'href="/policies/"' in page  # the navigation item


def test_searching_a_fragment_finds_the_title_and_keywords(client, make_policy):
    by_title = make_policy(title="高新技术企业培育奖励")
    by_keyword = make_policy(title="研发费用加计扣除", keywords="高新技术企业，研发")
    by_summary = make_policy(title="创新券", summary="支持高新区内企业购买服务")
    other = make_policy(title="外贸企业出口信用保险补贴")
    page = page_of(client, "/policies/?q=高新")
    for policy in (by_title, by_keyword, by_summary):
        assert f'data-policy="{policy.pk}"' in page
    assert f'data-policy="{other.pk}"' not in page
    assert "共 3 项政策" in page


def test_filters_narrow_the_catalogue(client, make_policy, regions):
    provincial = make_policy(title="省级政策", level="provincial", support_type="tax")
    auto = make_policy(title="免申政策", application_method="auto", application_closes=dt.date(2020, 1, 1))
    closed = make_policy(title="已截止政策", application_closes=timezone.localdate() - dt.timedelta(days=1))
    future = make_policy(title="尚未开始政策", application_opens=timezone.localdate() + dt.timedelta(days=5))
    manufacturing = make_policy(title="制造业政策", industries=[Industry.objects.get(code="13")])
    software = make_policy(title="软件业政策", industries=[Industry.objects.get(code="I")])
    other_issuer = make_policy(title="其他部门政策", issuer=factories.department("宣城市科学技术局", regions["city"]))

    def ids(query):
        page = page_of(client, f"/policies/?{query}")
        return {p.pk for p in Policy.objects.all() if f'data-policy="{p.pk}"' in page}

    assert ids("level=provincial") == {provincial.pk}
    assert ids("support_type=tax") == {provincial.pk}
    assert ids("auto_grant=true") == {auto.pk}
    assert ids(f"issuer={other_issuer.issuer_id}") == {other_issuer.pk}
    open_now = ids("open_now=true")
    assert auto.pk in open_now and provincial.pk in open_now
    assert closed.pk not in open_now and future.pk not in open_now
    # Industry: the division (13) finds its section's policy (C ⊃ 13) and its own;
    # the section finds a policy naming one of its divisions.
    assert ids("industry=131") == {manufacturing.pk}
    assert ids("industry=C") == {manufacturing.pk}
    assert ids("industry=I") == {software.pk}
    assert ids("industry=nonsense") == set()
    category = provincial.category
    assert provincial.pk in ids(f"category={category.pk}")


def test_the_catalogue_runs_a_constant_number_of_queries(client, make_policy):
    def count():
        with CaptureQueriesContext(connection) as queries:
            page_of(client, "/policies/?q=奖补")
        return len(queries)

    for _ in range(3):
        make_policy(title="技术改造项目奖补")
    few = count()
    for _ in range(12):
        make_policy(title="技术改造项目奖补")
    assert count() == few


# --- Policy page ----------------------------------------------------------------------------


def test_the_policy_page_lays_out_key_elements_and_conditions_in_words(client, make_policy, tags, regions):
    policy = make_policy(
        title="专精特新企业奖励",
        document_number="宣政〔2025〕3号",
        regions=[regions["xuanzhou"]],
        tags_all=[tags["专精特新"]],
        min_employees=20,
        min_annual_revenue=Decimal("10000000"),
        contact_department="市经信局中小企业科",
        contact_phone="0563-1234567",
        interpretation="本政策鼓励企业走专精特新道路。",
        application_method="online",
    )
    PolicyMaterial.objects.create(policy=policy, name="营业执照", zero_material=True)
    PolicyMaterial.objects.create(policy=policy, name="项目申报书")
    PolicyQuestion.objects.create(policy=policy, question="外地企业可以申报吗？", answer="不可以。", is_published=True)
    PolicyQuestion.objects.create(policy=policy, question="未公开的问题", is_published=False)
    page = page_of(client, f"/policies/{policy.pk}/")
    for heading in ["基本信息", "支持内容", "申报条件", "申报方式与材料", "联系方式", "政策解读", "常见问答"]:
        assert heading in page
    assert "宣政〔2025〕3号" in page
    assert "企业注册地在指定区划内" in page
    assert "须具备：专精特新" in page
    assert "从业人数不低于20人" in page
    assert "年营业收入不低于1,000万元" in page
    assert "营业执照" in page and "零材料" in page and "项目申报书" in page
    assert "0563-1234567" in page and "本政策鼓励企业走专精特新道路。" in page
    assert "外地企业可以申报吗？" in page and "未公开的问题" not in page
    assert 'data-testid="standing"' not in page  # anonymous: no enterprise box


def test_drafts_and_withdrawn_policies_are_404_except_for_policy_managers(client, make_policy, company):
    draft = make_policy(title="草稿政策", state=Policy.State.DRAFT)
    withdrawn = make_policy(title="撤回政策", state=Policy.State.WITHDRAWN)
    for policy in (draft, withdrawn):
        assert client.get(f"/policies/{policy.pk}/").status_code == 404
    client.force_login(factories.enterprise_user(company))
    assert client.get(f"/policies/{draft.pk}/").status_code == 404
    client.force_login(factories.official())
    assert "草稿政策" in page_of(client, f"/policies/{draft.pk}/")
    assert client.get("/policies/999999/").status_code == 404


def test_an_enterprise_user_sees_what_is_missing_and_the_amount_arithmetic(client, catalogue, company):
    client.force_login(factories.enterprise_user(company))
    page = page_of(client, f"/policies/{catalogue['almost'].pk}/")
    assert "宣城精工机械有限公司" in page
    assert "差一项" in page
    assert "还差：须具备：高新技术企业" in page
    assert "固定金额 10万元" in page

    page = page_of(client, f"/policies/{catalogue['eligible'].pk}/")
    assert ">符合<" in page
    assert "年研发投入 300万元 × 10% = 30万元，超过上限，按上限 20万元" in page
    assert "20万元" in page

    page = page_of(client, f"/policies/{catalogue['unknown'].pk}/")
    assert "待补充信息" in page
    assert "请补充：从业人数" in page
    assert f'href="/enterprises/{company.pk}/"' in page


def test_an_official_sees_no_enterprise_box(client, catalogue, company):
    client.force_login(factories.official())
    page = page_of(client, f"/policies/{catalogue['almost'].pk}/")
    assert 'data-testid="standing"' not in page


# --- My matches -------------------------------------------------------------------------------


def test_my_matches_groups_by_class_and_hides_not_eligible_by_default(client, catalogue, company):
    client.force_login(factories.enterprise_user(company))
    page = page_of(client, "/policies/matches/")
    assert 'href="/policies/matches/"' in page  # the navigation item
    for klass in ["eligible", "almost", "unknown"]:
        section = page[page.index(f'data-testid="group-{klass}"') :]
        assert f'data-policy="{catalogue[klass].pk}"' in section.split("</section>")[0]
    assert "大型企业总部奖励" not in page
    assert "还差：须具备：高新技术企业" in page
    assert "请补充：从业人数" in page
    assert "30万元，超过上限，按上限 20万元" in page
    assert f'href="/policies/{catalogue["eligible"].pk}/"' in page

    page = page_of(client, "/policies/matches/?show=all")
    assert 'data-testid="group-not_eligible"' in page and "大型企业总部奖励" in page


def test_my_matches_sorts_by_amount_or_deadline(client, make_policy, company):
    late_big = make_policy(
        title="甲政策", amount_rule="fixed", amount_fixed=Decimal("900000"), application_closes=dt.date(2099, 12, 1)
    )
    soon_small = make_policy(
        title="乙政策", amount_rule="fixed", amount_fixed=Decimal("1000"), application_closes=dt.date(2099, 1, 1)
    )
    client.force_login(factories.enterprise_user(company))
    page = page_of(client, "/policies/matches/?sort=amount")
    assert page.index(f'data-policy="{late_big.pk}"') < page.index(f'data-policy="{soon_small.pk}"')
    page = page_of(client, "/policies/matches/?sort=deadline")
    assert page.index(f'data-policy="{soon_small.pk}"') < page.index(f'data-policy="{late_big.pk}"')


def test_my_matches_switches_between_represented_enterprises_only(client, catalogue, company, regions):
    second = factories.enterprise(name="宁国第二有限公司", region=regions["ningguo"])
    stranger = factories.enterprise(name="别人的企业")
    user = factories.enterprise_user(company)
    from portal.models import EnterpriseMembership

    EnterpriseMembership.objects.create(user=user, enterprise=second, status=EnterpriseMembership.Status.APPROVED)
    client.force_login(user)
    page = page_of(client, f"/policies/matches/?enterprise={second.pk}")
    assert 'id="enterprise-switch"' in page and "宁国第二有限公司" in page
    assert client.get(f"/policies/matches/?enterprise={stranger.pk}").status_code == 404
    assert client.get("/policies/matches/?enterprise=abc").status_code == 404
    assert client.get(f"/policies/matches/report/?enterprise={stranger.pk}").status_code == 404


def test_my_matches_needs_a_login_and_says_when_no_enterprise_is_represented(client):
    response = client.get("/policies/matches/")
    assert response.status_code == 302 and "/login" in response["Location"]
    client.force_login(factories.enterprise_user())
    assert 'data-testid="no-enterprise"' in page_of(client, "/policies/matches/")


def test_my_matches_runs_a_constant_number_of_queries(client, make_policy, company, tags, regions):
    client.force_login(factories.enterprise_user(company))

    def add(n):
        for i in range(n):
            make_policy(
                title=f"政策{i}",
                regions=[regions["city"]],
                tags_all=[tags["高新技术企业"]] if i % 2 else [],
                min_employees=10 if i % 3 == 0 else None,
            )

    def count():
        with CaptureQueriesContext(connection) as queries:
            page_of(client, "/policies/matches/?show=all")
        return len(queries)

    add(3)
    few = count()
    add(12)
    assert count() == few


def test_my_matches_shows_twenty_of_a_class_and_pages_through_the_rest(client, make_policy, company):
    amounts = [Decimal(1000 * (index + 1)) for index in range(23)]
    policies = [make_policy(title=f"奖补{i:02d}", amount_rule="fixed", amount_fixed=a) for i, a in enumerate(amounts)]
    largest_first = list(reversed(policies))
    client.force_login(factories.enterprise_user(company))
    page = page_of(client, "/policies/matches/")
    eligible = page[page.index('data-testid="group-eligible"') :].split("</section>")[0]
    assert eligible.count('data-testid="match"') == 20
    assert '<span class="badge text-bg-light border">23</span>' in eligible
    assert f'data-policy="{largest_first[19].pk}"' in eligible
    assert f'data-policy="{largest_first[20].pk}"' not in eligible
    assert 'data-testid="more-eligible"' in eligible and "查看全部 23 项" in eligible

    second = page_of(client, "/policies/matches/?klass=eligible&page=2")
    assert second.count('data-testid="match"') == 3
    assert all(f'data-policy="{policy.pk}"' in second for policy in largest_first[20:])
    assert 'data-testid="group-almost"' not in second and 'rel="prev"' in second and 'rel="next"' not in second
    assert page_of(client, "/policies/matches/?klass=nonsense&page=x").count('data-testid="match"') == 20


def test_my_matches_words_a_tax_credit_grade_condition(client, make_policy, company):
    policy = make_policy(title="纳税信用贷款贴息", tax_credit_grades=["A", "B"])
    client.force_login(factories.enterprise_user(company))
    page = page_of(client, "/policies/matches/")
    unknown = page[page.index('data-testid="group-unknown"') :].split("</section>")[0]
    assert f'data-policy="{policy.pk}"' in unknown and "请补充：纳税信用等级" in unknown
    company.tax_credit_grade = "C"
    company.save()
    almost = page_of(client, "/policies/matches/")
    almost = almost[almost.index('data-testid="group-almost"') :].split("</section>")[0]
    assert f'data-policy="{policy.pk}"' in almost and "还差：需纳税信用等级A级或B级" in almost
    company.tax_credit_grade = "B"
    company.save()
    eligible = page_of(client, "/policies/matches/")
    eligible = eligible[eligible.index('data-testid="group-eligible"') :].split("</section>")[0]
    assert f'data-policy="{policy.pk}"' in eligible and "符合：需纳税信用等级A级或B级" in eligible
    assert "需纳税信用等级A级或B级" in page_of(client, f"/policies/{policy.pk}/")


def test_the_page_and_the_api_say_the_same_of_each_match(client, catalogue, company):
    """One selector behind both: the same classes, unmet conditions and fields to fill in,
    for the same people (the enterprise's members, and officials for any enterprise)."""
    for user in [factories.enterprise_user(company), factories.official()]:
        client.force_login(user)
        page = page_of(client, f"/policies/matches/?enterprise={company.pk}&show=all")
        matches = client.get(f"/api/v1/enterprises/{company.pk}/matches/?show=all").json()["matches"]
        assert {m["policy"]["id"] for m in matches} == {policy.pk for policy in catalogue.values()}
        for match in matches:
            card = page[page.index(f'data-policy="{match["policy"]["id"]}"') :].split("</article>")[0]
            assert match["klass_display"] in card
            assert ("还差：" + "；".join(match["unmet"]) in card) == bool(match["unmet"])
            assert ("请补充：" + "、".join(match["unknown"]) in card) == bool(match["unknown"])
    # The official's links (report, sort, show all) keep to the enterprise asked for.
    assert f'href="/policies/matches/report/?enterprise={company.pk}"' in page
    report = page_of(client, f"/policies/matches/report/?enterprise={company.pk}")
    assert "宣城精工机械有限公司 一企一策政策清单" in report
    client.force_login(factories.enterprise_user(factories.enterprise()))
    assert client.get(f"/policies/matches/?enterprise={company.pk}").status_code == 404
    assert client.get(f"/api/v1/enterprises/{company.pk}/matches/").status_code == 404


# --- 一企一策 ---------------------------------------------------------------------------------


def test_the_report_lists_eligible_and_almost_policies_with_next_steps(client, catalogue, company, make_policy):
    auto = make_policy(title="规上企业免申奖励", application_method="auto", amount_rule="fixed", amount_fixed=10000)
    PolicyMaterial.objects.create(policy=catalogue["eligible"], name="研发费用专项审计报告")
    client.force_login(factories.enterprise_user(company))
    page = page_of(client, "/policies/matches/report/")
    assert "宣城精工机械有限公司 一企一策政策清单" in page
    assert "data-print" in page and "打印" in page
    assert "/static/policies/enterprise-report-print.css" in page
    eligible = page[page.index('data-testid="report-eligible"') : page.index('data-testid="report-almost"')]
    almost = page[page.index('data-testid="report-almost"') :]
    assert "研发投入后补助" in eligible and "规上企业免申奖励" in eligible
    assert "在线申报" in eligible and "研发费用专项审计报告" in eligible
    assert "免申即享：无需申报" in eligible
    assert "预计合计 21万元" in page
    assert "高新技术企业认定奖励" in almost and "还差：须具备：高新技术企业" in almost
    assert "稳岗就业补贴" not in page and "大型企业总部奖励" not in page
    assert auto.pk


@pytest.mark.django_db
def test_asking_a_question_and_seeing_it_once_answered(client, make_policy):
    from policies.models import PolicyQuestion

    policy = make_policy()
    client.force_login(factories.enterprise_user(factories.enterprise()))
    response = client.post(f"/policies/{policy.pk}/ask/", {"question": "研发费用如何认定？"})
    assert response.status_code == 302
    question = PolicyQuestion.objects.get(policy=policy)
    assert "研发费用如何认定" not in client.get(f"/policies/{policy.pk}/").content.decode()
    question.answer = "以税务备案为准。"
    question.is_published = True
    question.save()
    page = client.get(f"/policies/{policy.pk}/").content.decode()
    assert "研发费用如何认定" in page and "以税务备案为准" in page
    empty = client.post(f"/policies/{policy.pk}/ask/", {"question": ""})
    assert empty.status_code == 400


@pytest.mark.django_db
def test_ratings_are_shown_aggregated(client, make_policy):
    from policies.models import Application, ApplicationRating

    policy = make_policy()
    for score in (5, 4):
        application = Application.objects.create(
            policy=policy, enterprise=factories.enterprise(), year=2026, status="paid"
        )
        ApplicationRating.objects.create(application=application, score=score)
    assert "企业评价 4.5 分" in client.get(f"/policies/{policy.pk}/").content.decode()


@pytest.mark.django_db
def test_the_issuing_department_answers_questions(client, make_policy):
    from policies.models import PolicyQuestion

    policy = make_policy()
    question = PolicyQuestion.objects.create(policy=policy, question="是否需要审计报告？")
    other = factories.handler(factories.department("宣城市商务局"))
    client.force_login(other)
    assert "是否需要审计报告" not in client.get("/policies/questions/").content.decode()
    assert client.post("/policies/questions/", {"question": question.pk, "answer": "x"}).status_code == 404
    client.force_login(factories.handler(policy.issuer))
    assert "是否需要审计报告" in client.get("/policies/questions/").content.decode()
    assert client.post("/policies/questions/", {"question": question.pk, "answer": ""}).status_code == 400
    client.post("/policies/questions/", {"question": question.pk, "answer": "不需要，系统核验。"})
    question.refresh_from_db()
    assert question.is_published and "不需要，系统核验" in client.get(f"/policies/{policy.pk}/").content.decode()
    client.force_login(factories.enterprise_user())
    assert client.get("/policies/questions/").status_code == 403


@pytest.mark.parametrize("rows", [5, 50])
def test_the_questions_to_answer_cost_the_same_for_5_or_50(client, make_policy, rows):
    from policies.models import PolicyQuestion

    policies = [make_policy(title=f"政策{index}") for index in range(3)]
    client.force_login(factories.handler(policies[0].issuer))

    def queries():
        with CaptureQueriesContext(connection) as captured:
            page = page_of(client, "/policies/questions/")
        return len(captured.captured_queries), page

    PolicyQuestion.objects.create(policy=policies[0], question="问题0")
    one, _ = queries()
    for index in range(1, rows):
        PolicyQuestion.objects.create(policy=policies[index % 3], question=f"问题{index}")
    count, page = queries()
    assert count == one and f"问题{rows - 1}" in page


@pytest.mark.parametrize("rows", [5, 50])
def test_the_report_runs_the_same_queries_for_5_or_50_policies(client, company, make_policy, regions, tags, rows):
    client.force_login(factories.enterprise_user(company))

    def add(index):
        eligible = make_policy(
            title=f"符合政策{index}", regions=[regions["city"]], amount_rule="fixed", amount_fixed=Decimal("1000")
        )
        PolicyMaterial.objects.create(policy=eligible, name=f"申报材料{index}")
        make_policy(title=f"差一项政策{index}", tags_all=[tags["高新技术企业"]])

    def count():
        with CaptureQueriesContext(connection) as captured:
            page = page_of(client, "/policies/matches/report/")
        return len(captured.captured_queries), page

    add(0)
    one, _ = count()
    for index in range(1, rows):
        add(index)
    queries, page = count()
    assert queries == one
    eligible = page[page.index('data-testid="report-eligible"') : page.index('data-testid="report-almost"')]
    almost = page[page.index('data-testid="report-almost"') :]
    assert all(f"符合政策{index}" in eligible and f"申报材料{index}" in eligible for index in range(rows))
    assert all(f"差一项政策{index}" in almost for index in range(rows))
