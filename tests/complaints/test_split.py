"""一事一件: an official splits a case raising several problems into one case per
problem, through the API and the case page; a roundtable sign-up's problem stays with
its session and registration."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from complaints import services
from complaints.models import Case, EventKind, ProblemCategory, Status
from portal.models import Region
from roundtables import services as roundtable_services
from roundtables.models import Appeal, Series, Session
from tests import factories

pytestmark = pytest.mark.django_db

PARTS = [
    {"title": "施工许可材料反复退回", "description": "同一份材料被要求修改三次。"},
    {"title": "竣工验收迟迟不安排", "description": "验收申请提交两个月未安排。", "category": "审批服务"},
    {"title": "招工补贴未到账", "description": "去年的补贴至今未发放。", "category": "人才招工"},
]


def api_as(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def split_url(case) -> str:
    return f"/api/v1/cases/{case.number}/split/"


def test_an_official_splits_a_received_case_through_the_api(people, case_at):
    case = case_at("received")
    api = api_as(people.official)
    assert "split" in api.get(f"/api/v1/cases/{case.number}/").json()["actions"]

    response = api.post(split_url(case), {"parts": PARTS}, format="json")

    assert response.status_code == 200, response.content
    numbers = response.json()["cases"]
    assert len(numbers) == 3 and numbers[0] == case.number
    case.refresh_from_db()
    assert (case.title, case.description) == (PARTS[0]["title"], PARTS[0]["description"])
    new_cases = [Case.objects.get(number=number) for number in numbers[1:]]
    for new_case, part in zip(new_cases, PARTS[1:], strict=True):
        assert new_case.title == part["title"] and new_case.category.name == part["category"]
        assert new_case.origin_case == case and new_case.status == Status.RECEIVED
        # Received when the original was, on the same clock.
        assert new_case.received_at == case.received_at and new_case.assign_due_at == case.assign_due_at
        assert new_case.enterprise == case.enterprise and new_case.complainant_name == case.complainant_name
    assert case.events.filter(kind=EventKind.SPLIT).exists()
    detail = api.get(f"/api/v1/cases/{case.number}/").json()
    assert detail["derived_cases"] == numbers[1:]
    assert api.get(f"/api/v1/cases/{numbers[1]}/").json()["origin_case"] == case.number
    # The enterprise follows each part.
    enterprise_api = api_as(people.member_a)
    assert all(enterprise_api.get(f"/api/v1/cases/{number}/").status_code == 200 for number in numbers)


def test_an_accepted_case_splits_into_accepted_cases(people, case_at):
    case = case_at("accepted")
    response = api_as(people.official).post(split_url(case), {"parts": PARTS[:2]}, format="json")
    assert response.status_code == 200, response.content
    assert Case.objects.get(number=response.json()["cases"][1]).status == Status.ACCEPTED


def test_bad_splits_are_refused_with_the_field(people, case_at):
    case = case_at("received")
    api = api_as(people.official)
    one = api.post(split_url(case), {"parts": PARTS[:1]}, format="json")
    assert one.status_code == 400 and one.json()["errors"][0]["field"] == "parts"
    untitled = api.post(split_url(case), {"parts": [PARTS[0], {"description": "没有标题"}]}, format="json")
    assert untitled.status_code == 400 and untitled.json()["errors"][0]["field"] == "parts.1.title"
    unknown = api.post(split_url(case), {"parts": [PARTS[0], {**PARTS[1], "category": "不存在"}]}, format="json")
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["field"] == "parts.1.category"
    assigned = case_at("assigned")
    late = api.post(split_url(assigned), {"parts": PARTS[:2]}, format="json")
    assert late.status_code == 409 and "当前状态为“已交办”" in late.json()["errors"][0]["message"]
    assert Case.objects.filter(origin_case__isnull=False).count() == 0


def test_only_officials_split(client, people, case_at):
    case = case_at("accepted")
    # The enterprise sees its case but may not split it; a handler does not see an unassigned one.
    for user, expected in ((people.member_a, 403), (people.member_b, 404), (people.handler_x, 404)):
        assert api_as(user).post(split_url(case), {"parts": PARTS[:2]}, format="json").status_code == expected
        client.force_login(user)
        assert client.post(f"/cases/{case.number}/split/", {}).status_code == expected
    assigned = case_at("assigned")
    assert api_as(people.handler_x).post(split_url(assigned), {"parts": PARTS[:2]}, format="json").status_code == 403
    assert APIClient().post(split_url(case), {"parts": PARTS[:2]}, format="json").status_code in (401, 403)
    assert Case.objects.filter(origin_case__isnull=False).count() == 0


def _formset(*parts, total=None):
    data = {
        "parts-TOTAL_FORMS": str(total if total is not None else len(parts)),
        "parts-INITIAL_FORMS": "0",
        "parts-MIN_NUM_FORMS": "2",
        "parts-MAX_NUM_FORMS": "5",
    }
    for index, part in enumerate(parts):
        for key, value in part.items():
            data[f"parts-{index}-{key}"] = value
    return data


def test_an_official_splits_a_case_on_the_page_and_keeps_what_was_typed(client, people, case_at, category):
    case = case_at("received")
    client.force_login(people.official)
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert 'data-action="split"' in page
    # Part 1 starts as the case itself.
    assert f'value="{case.title}"' in page and 'name="parts-1-title"' in page

    first = {"title": "施工许可材料反复退回", "description": "同一份材料被要求修改三次。", "category": category.pk}
    response = client.post(f"/cases/{case.number}/split/", _formset(first))
    assert response.status_code == 400
    body = response.content.decode()
    assert "拆分至少需要2个问题。" in body
    assert "同一份材料被要求修改三次。" in body
    assert not Case.objects.filter(origin_case=case).exists()

    second = {"title": "招工补贴未到账", "description": "去年的补贴至今未发放。", "category": category.pk}
    response = client.post(f"/cases/{case.number}/split/", _formset(first, second))
    assert response.status_code == 302
    new_case = Case.objects.get(origin_case=case)
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert f"已拆分，新登记诉求件：{new_case.number}" in page
    assert "关联诉求件" in page and f'href="/cases/{new_case.number}/"' in page


# --- A roundtable sign-up ----------------------------------------------------------------


@pytest.fixture
def session(db):
    city = factories.region("341800", "宣城市", Region.Level.CITY)
    series = Series.objects.create(name="宣城市政商恳谈会", region=city, rrule="FREQ=MONTHLY;BYDAY=1SA")
    starts = timezone.now() + dt.timedelta(days=10)
    return Session.objects.create(
        series=series,
        region=city,
        year=starts.year,
        number=1,
        theme="优化营商环境",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=3),
        venue="宣城市行政中心",
        capacity=10,
        state=Session.State.ANNOUNCED,
        registration_closes_at=starts - dt.timedelta(days=1),
    )


def test_splitting_a_sign_up_problem_files_appeals_of_the_same_registration(session):
    enterprise = factories.enterprise()
    member = factories.enterprise_user(enterprise, full_name="陈企业", mobile="13900001234")
    official = factories.official()
    registration = roundtable_services.registration_create(
        session=session,
        actor=member,
        enterprise=enterprise,
        attendee_name="陈企业",
        attendee_mobile="13900001234",
        intended_problems="一是施工许可材料反复退回；二是招工补贴未到账。",
        category=ProblemCategory.objects.get(name="审批服务"),
    )
    appeal = registration.appeals.get()
    case = appeal.case
    assert case.status == Status.RECEIVED

    response = api_as(official).post(split_url(case), {"parts": PARTS[:2]}, format="json")

    assert response.status_code == 200, response.content
    new_case = Case.objects.get(number=response.json()["cases"][1])
    new_appeal = Appeal.objects.get(case=new_case)
    assert new_appeal.session == session and new_appeal.registration == registration
    assert new_appeal.source == appeal.source == Appeal.Source.SIGN_UP
    # Received at the session, where the problem is heard, like the original.
    assert new_case.received_at == case.received_at == session.starts_at
    assert set(registration.appeals.values_list("case__number", flat=True)) == {case.number, new_case.number}
    # The registrant follows both.
    assert api_as(member).get(f"/api/v1/cases/{new_case.number}/").status_code == 200
    services.case_accept(case=new_case, actor=official)
