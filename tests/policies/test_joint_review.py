"""联审 (001 §1: "对于审查遴选类项目，实行网上跨部门、跨层级联审"): the reviewer of a 审查遴选
application sends it to the policy's joint departments, each answers on its own working-day
clock, and the issuer decides only once every department has answered. 资格定补 stays as it was."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from policies.applications import services
from policies.models import Application, ApplicationEvent, JointOpinion, PolicyMaterial
from portal.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def joint(make_policy, regions):
    """A 审查遴选 policy of 经信局 asking 发改委 and 自然资源和规划局, with a handler each, a
    reviewer at the issuer, a handler of an unconcerned department and a member of the applicant."""
    city = regions["city"]
    today = timezone.localdate()
    policy = make_policy(
        title="产业链协同创新项目遴选",
        project_type="selection",
        joint_review_days=3,
        application_opens=today - dt.timedelta(days=400),
        application_closes=today + dt.timedelta(days=400),
        amount_rule="fixed",
        amount_fixed=Decimal("500000"),
    )
    fgw = factories.department("宣城市发展和改革委员会", city)
    zgj = factories.department("宣城市自然资源和规划局", city)
    policy.joint_review_departments.set([fgw, zgj])
    enterprise = factories.enterprise(name="宣城协同制造有限公司", region=regions["xuanzhou"])

    class People:
        pass

    people = People()
    people.policy, people.fgw, people.zgj, people.enterprise = policy, fgw, zgj, enterprise
    people.member = factories.enterprise_user(enterprise, full_name="陈企业")
    people.reviewer = factories.handler(policy.issuer, full_name="钱审核")
    people.fgw_handler = factories.handler(fgw, full_name="郑发改")
    people.zgj_handler = factories.handler(zgj, full_name="冯规划")
    people.outsider = factories.handler(factories.department("宣城市教育体育局", city), full_name="韩教体")
    people.official = factories.official(full_name="周营商")
    return people


def submitted(people, enterprise=None, member=None) -> Application:
    enterprise = enterprise or people.enterprise
    member = member or people.member
    application = services.application_start(policy=people.policy, enterprise=enterprise, actor=member)
    return services.application_submit(application=application, actor=member, confirmed=True)


def detail(application) -> str:
    return reverse("policy_applications:detail", args=[application.pk])


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- The decision waits for every department ------------------------------------------


def test_the_issuer_decides_only_after_every_department_answered(client, joint):
    application = submitted(joint)
    client.force_login(joint.reviewer)

    # Approval before any joint review is refused for a 审查遴选 policy naming departments.
    response = client.post(detail(application), {"action": "approve", "amount": "500000"})
    assert response.status_code == 400
    assert "须先发起跨部门联审" in response.content.decode()

    page = client.get(detail(application)).content.decode()
    assert 'data-testid="joint-request-form"' in page
    response = client.post(detail(application), {"action": "joint_request"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.JOINT_REVIEW
    assert application.reviewer == joint.reviewer
    assert set(application.joint_opinions.values_list("department__name", flat=True)) == {
        "宣城市发展和改革委员会",
        "宣城市自然资源和规划局",
    }
    # Each department's handlers are told, with a link to the application.
    for handler in (joint.fgw_handler, joint.zgj_handler):
        notice = Notification.objects.get(recipient=handler, kind="policy.joint_review")
        assert "提出联审意见" in notice.title and notice.link == detail(application) + "#joint"
    assert not Notification.objects.filter(recipient=joint.outsider).exists()

    # While both are pending the decision is refused, naming the departments still to answer.
    with pytest.raises(ValidationError) as refused:
        services.application_approve(application=application, actor=joint.reviewer, amount=Decimal("500000"))
    assert "宣城市发展和改革委员会" in refused.value.messages[0]
    assert "宣城市自然资源和规划局" in refused.value.messages[0]
    with pytest.raises(ValidationError):
        services.application_reject(application=application, actor=joint.reviewer, reason="不符合")
    with pytest.raises(ValidationError):
        services.application_return(application=application, actor=joint.reviewer, correction_request="补充")
    assert 'data-testid="approve-form"' not in client.get(detail(application)).content.decode()

    # 发改委 agrees on its page.
    client.force_login(joint.fgw_handler)
    page = client.get(detail(application)).content.decode()
    assert 'data-testid="joint-form"' in page
    response = client.post(
        detail(application), {"action": "joint_answer", "department": joint.fgw.pk, "opinion": "agree"}
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.JOINT_REVIEW

    # One department left: the refusal names only it.
    client.force_login(joint.reviewer)
    response = client.post(detail(application), {"action": "approve", "amount": "500000"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "待宣城市自然资源和规划局回复意见" in body and "待宣城市发展和改革委员会" not in body

    # 自然资源和规划局 disagrees: a reason is required.
    client.force_login(joint.zgj_handler)
    response = client.post(
        detail(application), {"action": "joint_answer", "department": joint.zgj.pk, "opinion": "disagree"}
    )
    assert response.status_code == 400 and "不同意的，请写明理由" in response.content.decode()
    response = client.post(
        detail(application),
        {"action": "joint_answer", "department": joint.zgj.pk, "opinion": "disagree", "comment": "项目用地未落实。"},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.UNDER_REVIEW
    done = Notification.objects.get(recipient=joint.reviewer, kind="policy.joint_review")
    assert "各联审部门已回复意见" in done.title

    # The reviewer sees every opinion, who gave it (name and unit) and the comment; then decides.
    client.force_login(joint.reviewer)
    page = client.get(detail(application)).content.decode()
    assert "郑发改（宣城市发展和改革委员会）" in page and "冯规划（宣城市自然资源和规划局）" in page
    assert "项目用地未落实。" in page
    response = client.post(detail(application), {"action": "approve", "amount": "500000"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.APPROVED
    kinds = list(application.events.order_by("created_at", "id").values_list("kind", flat=True))
    assert kinds[-4:] == ["joint_requested", "joint_opinion", "joint_opinion", "approved"]


def test_a_qualification_policy_is_decided_as_before(joint, make_policy):
    policy = make_policy(title="资格定补", project_type="qualification", amount_rule="fixed", amount_fixed=Decimal("1"))
    policy.joint_review_departments.set([joint.fgw])  # named, but only 审查遴选 goes to joint review
    application = services.application_start(policy=policy, enterprise=joint.enterprise, actor=joint.member)
    application = services.application_submit(application=application, actor=joint.member, confirmed=True)
    reviewer = factories.handler(policy.issuer)
    with pytest.raises(ValidationError) as refused:
        services.joint_review_request(application=application, actor=reviewer)
    assert refused.value.code == "not_selection"
    services.application_approve(application=application, actor=reviewer, amount=Decimal("1"))
    application.refresh_from_db()
    assert application.status == Application.Status.APPROVED


# --- Working-day clocks -----------------------------------------------------------------


def test_due_dates_count_working_days_across_national_day(client, joint):
    application = submitted(joint)
    # Wednesday 30 September 2026: 国庆 runs 1–7 October, Saturday 10 October is a working day.
    with time_machine.travel(dt.datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI), tick=False):
        services.joint_review_request(application=application, actor=joint.reviewer)
    due = dt.datetime(2026, 10, 10, 17, 30, tzinfo=SHANGHAI)
    assert {opinion.due_at for opinion in JointOpinion.objects.filter(application=application)} == {due}

    with time_machine.travel(dt.datetime(2026, 10, 9, 10, 0, tzinfo=SHANGHAI), tick=False):
        client.force_login(joint.fgw_handler)  # signed in then: sessions end 12 hours after sign-in
        page = client.get(reverse("policy_applications:joint_list")).content.decode()
        assert 'data-flag="yellow"' in page and "剩余 1 个工作日" in page
        services.joint_opinion_give(
            opinion=JointOpinion.objects.get(application=application, department=joint.zgj),
            actor=joint.zgj_handler,
            verdict="agree",
        )
    with time_machine.travel(dt.datetime(2026, 10, 12, 10, 0, tzinfo=SHANGHAI), tick=False):
        client.force_login(joint.fgw_handler)
        page = client.get(reverse("policy_applications:joint_list")).content.decode()
        assert 'data-flag="red"' in page and "超期 1 个工作日" in page
        # Each department on its own clock: the answered one shows no flag on the reviewer's page.
        client.force_login(joint.reviewer)
        page = client.get(detail(application)).content.decode()
        assert page.count('data-flag="red"') == 1 and "超期 1 个工作日" in page


# --- Who may do what ----------------------------------------------------------------------


def test_other_departments_and_the_enterprise_are_kept_out(client, joint):
    application = submitted(joint)
    services.joint_review_request(application=application, actor=joint.reviewer)
    fgw_opinion = reverse(
        "policy-application-joint-opinion", kwargs={"pk": application.pk, "department_id": joint.fgw.pk}
    )

    # A department not asked does not see the application at all.
    client.force_login(joint.outsider)
    assert client.get(detail(application)).status_code == 404
    assert api_as(joint.outsider).post(fgw_opinion, {"opinion": "agree"}, format="json").status_code == 404
    assert (
        client.get(reverse("policy_applications:joint_list")).content.decode().count('data-testid="joint-opinion"') == 0
    )

    # 自然资源和规划局 sees it but may not answer for 发改委; nor may the issuer's reviewer.
    client.force_login(joint.zgj_handler)
    response = client.post(
        detail(application), {"action": "joint_answer", "department": joint.fgw.pk, "opinion": "agree"}
    )
    assert response.status_code == 404
    assert api_as(joint.zgj_handler).post(fgw_opinion, {"opinion": "agree"}, format="json").status_code == 403
    assert api_as(joint.reviewer).post(fgw_opinion, {"opinion": "agree"}, format="json").status_code == 403
    # A joint department does not decide or send to joint review.
    assert (
        api_as(joint.zgj_handler)
        .post(reverse("policy-application-approve", args=[application.pk]), {"amount": "1"}, format="json")
        .status_code
        == 403
    )
    assert JointOpinion.objects.filter(application=application, opinion="").count() == 2

    # The enterprise sees that its application is 联审中 and by when, never the departments' words.
    services.joint_opinion_give(
        opinion=JointOpinion.objects.get(application=application, department=joint.fgw),
        actor=joint.fgw_handler,
        verdict="disagree",
        comment="内部意见：投资额存疑",
    )
    client.force_login(joint.member)
    page = client.get(detail(application)).content.decode()
    assert "联审中" in page and 'data-testid="joint-notice"' in page and "预计于" in page
    assert "内部意见" not in page and 'data-testid="joint-review"' not in page
    data = api_as(joint.member).get(reverse("policy-application-detail", args=[application.pk])).json()
    assert data["status"] == "joint_review" and data["joint_opinions"] is None
    assert data["joint_review_due_at"] is not None
    assert "内部意见" not in str(data)
    assert api_as(joint.member).post(fgw_opinion, {"opinion": "agree"}, format="json").status_code == 403


def test_double_requests_and_double_answers_are_refused(client, joint):
    application = submitted(joint)
    api = api_as(joint.reviewer)
    url = reverse("policy-application-joint-review", args=[application.pk])
    assert api.post(url).status_code == 200
    again = api.post(url)
    assert again.status_code == 409 and "已发起过联审" in again.json()["errors"][0]["message"]
    assert JointOpinion.objects.filter(application=application).count() == 2

    opinion_url = reverse(
        "policy-application-joint-opinion", kwargs={"pk": application.pk, "department_id": joint.fgw.pk}
    )
    fgw = api_as(joint.fgw_handler)
    assert fgw.post(opinion_url, {"opinion": "agree"}, format="json").status_code == 200
    twice = fgw.post(opinion_url, {"opinion": "disagree", "comment": "改主意"}, format="json")
    assert twice.status_code == 409 and "不能重复回复" in twice.json()["errors"][0]["message"]
    assert JointOpinion.objects.get(application=application, department=joint.fgw).opinion == "agree"
    # On the page too: the second answer is refused, and the page says why.
    client.force_login(joint.fgw_handler)
    response = client.post(
        detail(application),
        {"action": "joint_answer", "department": joint.fgw.pk, "opinion": "disagree", "comment": "x"},
    )
    assert response.status_code == 400 and any("不能重复回复" in text for text in messages_of(response))
    assert ApplicationEvent.objects.filter(application=application, kind="joint_opinion").count() == 1


# --- API round trip -----------------------------------------------------------------------


def test_api_round_trip(joint):
    application = submitted(joint)
    reviewer = api_as(joint.reviewer)
    data = reviewer.post(reverse("policy-application-joint-review", args=[application.pk])).json()
    assert data["status"] == "joint_review"
    assert data["policy"]["project_type"] == "selection" and data["policy"]["project_type_display"] == "审查遴选"
    opinions = {row["department"]["name"]: row for row in data["joint_opinions"]}
    assert set(opinions) == {"宣城市发展和改革委员会", "宣城市自然资源和规划局"}
    assert all(row["opinion"] == "" and row["flag"] in ("green", "yellow") for row in opinions.values())
    assert all("个工作日" in row["time_left"] for row in opinions.values())

    for handler, department, body in [
        (joint.fgw_handler, joint.fgw, {"opinion": "agree", "comment": "已备案"}),
        (joint.zgj_handler, joint.zgj, {"opinion": "disagree"}),
    ]:
        url = reverse("policy-application-joint-opinion", kwargs={"pk": application.pk, "department_id": department.pk})
        response = api_as(handler).post(url, body, format="json")
        if body["opinion"] == "disagree":
            assert response.status_code == 400 and response.json()["errors"][0]["field"] == "comment"
            response = api_as(handler).post(url, {**body, "comment": "用地未落实"}, format="json")
        assert response.status_code == 200, response.json()
        # The joint department sees every department's opinion too.
        assert response.json()["joint_opinions"] is not None

    data = reviewer.get(reverse("policy-application-detail", args=[application.pk])).json()
    assert data["status"] == "under_review" and data["joint_review_due_at"] is None
    answered = {row["department"]["name"]: row for row in data["joint_opinions"]}
    assert answered["宣城市自然资源和规划局"]["opinion"] == "disagree"
    assert answered["宣城市自然资源和规划局"]["answered_by"] == "冯规划（宣城市自然资源和规划局）"
    assert answered["宣城市发展和改革委员会"]["comment"] == "已备案"
    approved = reviewer.post(
        reverse("policy-application-approve", args=[application.pk]), {"amount": "400000"}, format="json"
    )
    assert approved.status_code == 200 and approved.json()["status"] == "approved"


def test_approving_during_joint_review_is_a_conflict_in_the_api(joint):
    application = submitted(joint)
    services.joint_review_request(application=application, actor=joint.reviewer)
    response = api_as(joint.reviewer).post(
        reverse("policy-application-approve", args=[application.pk]), {"amount": "1"}, format="json"
    )
    assert response.status_code == 409
    assert "联审尚未完成" in response.json()["errors"][0]["message"]


# --- The 待联审 list, the start page and the policy page -----------------------------------


def _pending_for_fgw(joint, count: int) -> None:
    for _index in range(count):
        enterprise = factories.enterprise(region=joint.enterprise.region)
        member = factories.enterprise_user(enterprise)
        application = submitted(joint, enterprise=enterprise, member=member)
        services.joint_review_request(application=application, actor=joint.reviewer)


def test_the_joint_list_costs_the_same_queries_for_one_opinion_or_many(client, joint):
    client.force_login(joint.fgw_handler)
    url = reverse("policy_applications:joint_list")
    _pending_for_fgw(joint, 1)
    client.get(url)  # warm the per-process caches (site settings, permissions)
    with CaptureQueriesContext(connection) as one:
        page = client.get(url)
    assert page.content.decode().count('data-testid="joint-opinion"') == 1
    _pending_for_fgw(joint, 4)
    # One answered by the other department stays out of 发改委's list; one answered by 发改委
    # moves under "已回复".
    first = JointOpinion.objects.filter(department=joint.fgw).order_by("id").first()
    services.joint_opinion_give(opinion=first, actor=joint.fgw_handler, verdict="agree")
    with CaptureQueriesContext(connection) as five:
        page = client.get(url)
    assert page.content.decode().count('data-testid="joint-opinion"') == 4
    assert len(five) == len(one)
    answered = client.get(url + "?show=answered").content.decode()
    assert answered.count('data-testid="joint-opinion"') == 1 and "郑发改（宣城市发展和改革委员会）" in answered


def test_the_joint_list_is_for_reviewing_departments(client, joint):
    client.force_login(joint.member)
    assert client.get(reverse("policy_applications:joint_list")).status_code == 403


def test_a_handlers_start_page_counts_what_waits_for_their_opinion(client, joint):
    _pending_for_fgw(joint, 2)
    client.force_login(joint.fgw_handler)
    page = client.get("/").content.decode()
    assert "待联审" in page
    cards = page[page.index('data-testid="start-items"') :]
    assert '<div class="small text-muted">待联审</div><div class="fs-4 fw-bold text-warning">2</div>' in cards
    client.force_login(joint.outsider)
    assert "待联审</div>" not in client.get("/").content.decode()


def test_the_policy_page_shows_its_project_type(client, joint, make_policy):
    page = client.get(reverse("policies:detail", args=[joint.policy.pk])).content.decode()
    assert "审查遴选" in page and "零材料办理" not in page
    zero = make_policy(title="数据核校类奖补", project_type="qualification")
    PolicyMaterial.objects.create(policy=zero, name="营业执照", zero_material=True)
    page = client.get(reverse("policies:detail", args=[zero.pk])).content.decode()
    assert "资格定补" in page and 'data-testid="zero-material"' in page
    PolicyMaterial.objects.create(policy=zero, name="申请表")
    page = client.get(reverse("policies:detail", args=[zero.pk])).content.decode()
    assert "资格定补" in page and 'data-testid="zero-material"' not in page


# --- Demo -----------------------------------------------------------------------------------


def test_the_demo_shows_one_application_in_joint_review_and_one_completed(settings, tmp_path):
    from policies.applications import demo as joint_demo
    from portal import demo

    settings.MEDIA_ROOT = tmp_path
    demo.seed()
    joint_demo.seed()
    joint_demo.seed()  # idempotent
    opinions = JointOpinion.objects.select_related("application", "department")
    assert {application.status for application in Application.objects.filter(joint_opinions__isnull=False)} == {
        "joint_review",
        "approved",
    }
    pending = opinions.get(opinion="")
    assert pending.department.short_name == "发改委" and pending.application.status == "joint_review"
    assert opinions.filter(opinion="agree").count() == 3
