"""The 走访 log: a 亲商管家 records visits to the enterprises they look after, with the
problems found; each problem becomes a case (channel 走访) in one action, once. Pages,
API and admin, and who may read what."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from complaints import permissions
from complaints.models import Case, Channel, ProblemCategory, Stage, Status, Visit, VisitProblem
from complaints.visits import services
from portal import roles
from portal import services as portal_services
from portal.models import Enterprise, Notification
from tests import factories

pytestmark = pytest.mark.django_db


def _steward(people, username: str, *enterprises) -> object:
    unit = factories.department(f"{username}的单位", people.x.region)
    account = factories.user(roles.STEWARD, username=username, full_name=f"{username}管家", department=unit)
    portal_services.steward_assign(
        enterprises=Enterprise.objects.filter(pk__in=[e.pk for e in enterprises]),
        steward=account,
        actor=people.official,
    )
    return account


@pytest.fixture
def steward(people):
    return _steward(people, "steward", people.enterprise_a)


@pytest.fixture
def other_steward(people):
    """Enterprise B's 管家."""
    return _steward(people, "steward_b", people.enterprise_b)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _visit(steward, enterprise, *, problems=("厂房扩建用地手续推进慢",), days_ago=3) -> Visit:
    return services.visit_record(
        steward=steward,
        enterprise=enterprise,
        visited_on=timezone.localdate() - dt.timedelta(days=days_ago),
        people_met="张总（总经理）",
        discussed="企业计划扩建二期，内部考虑裁员。",
        problems=list(problems),
    )


def _form(enterprise, *, visited_on=None, problems=("用地规划调整慢", "", "夜班通勤不便")) -> dict:
    data = {
        "enterprise": enterprise.pk,
        "visited_on": (visited_on or timezone.localdate()).isoformat(),
        "people_met": "陈总（总经理）",
        "discussed": "了解一季度生产经营情况。",
        "problems-TOTAL_FORMS": str(len(problems)),
        "problems-INITIAL_FORMS": "0",
        "problems-MIN_NUM_FORMS": "0",
        "problems-MAX_NUM_FORMS": "20",
    }
    for index, text in enumerate(problems):
        data[f"problems-{index}-description"] = text
    return data


# --- Recording a visit -----------------------------------------------------------------


def test_steward_records_a_visit_with_its_problems(people, steward):
    client = _client(steward)
    form = client.get("/steward/visits/new/")
    assert form.status_code == 200
    assert people.enterprise_a.name in form.content.decode()
    assert people.enterprise_b.name not in form.content.decode()  # only their own enterprises

    response = client.post("/steward/visits/new/", _form(people.enterprise_a))

    visit = Visit.objects.get()
    assert response["Location"] == f"/steward/visits/{visit.pk}/"
    assert (visit.steward, visit.enterprise, visit.visited_on) == (steward, people.enterprise_a, timezone.localdate())
    # The blank row is left out.
    assert list(visit.problems.values_list("description", flat=True)) == ["用地规划调整慢", "夜班通勤不便"]
    page = client.get(response["Location"]).content.decode()
    assert "了解一季度生产经营情况。" in page and "用地规划调整慢" in page
    # In the history (pghistory), with the steward as the acting user.
    event = Visit.pgh_event_model.objects.get(pgh_obj=visit)
    assert event.pgh_context.metadata["user"] == steward.pk


def test_a_future_date_or_another_enterprise_is_refused_and_the_input_kept(people, steward):
    client = _client(steward)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = client.post("/steward/visits/new/", _form(people.enterprise_a, visited_on=tomorrow))
    assert response.status_code == 400
    page = response.content.decode()
    assert "走访日期不能晚于今天。" in page
    assert "了解一季度生产经营情况。" in page and "夜班通勤不便" in page  # what was typed stays

    response = client.post("/steward/visits/new/", _form(people.enterprise_b))
    assert response.status_code == 400
    assert not Visit.objects.exists()
    # The service refuses it too, whatever the surface.
    with pytest.raises(services.VisitError):
        _visit(steward, people.enterprise_b)


def test_only_stewards_record_visits(people, steward):
    for user in [people.official, people.member_a, people.handler_x]:
        assert _client(user).get("/steward/visits/new/").status_code == 403
        assert _client(user).post("/steward/visits/new/", _form(people.enterprise_a)).status_code == 403
    assert not Visit.objects.exists()


def test_the_log_filters_by_enterprise_and_dates(people, steward):
    portal_services.steward_assign(
        enterprises=Enterprise.objects.filter(pk=people.enterprise_b.pk), steward=steward, actor=people.official
    )
    recent = _visit(steward, people.enterprise_a, days_ago=2)
    older = _visit(steward, people.enterprise_a, days_ago=40)
    elsewhere = _visit(steward, people.enterprise_b, days_ago=2)
    client = _client(steward)

    def listed(**params):
        html = client.get("/steward/visits/", params).content.decode()
        return {visit.pk for visit in (recent, older, elsewhere) if f'data-visit="{visit.pk}"' in html}

    assert listed() == {recent.pk, older.pk, elsewhere.pk}
    assert listed(enterprise=people.enterprise_a.pk) == {recent.pk, older.pk}
    since = (timezone.localdate() - dt.timedelta(days=10)).isoformat()
    assert listed(enterprise=people.enterprise_a.pk, visited_after=since) == {recent.pk}
    assert listed(visited_before=since) == {older.pk}


# --- Who reads a visit -------------------------------------------------------------------


def test_who_reads_a_visit(people, steward, other_steward):
    """The 管家 their own, officials every one, the enterprise's members theirs without the
    管家's notes; another 管家, another enterprise, a handler: 404."""
    visit = _visit(steward, people.enterprise_a)
    url = f"/steward/visits/{visit.pk}/"
    notes = "内部考虑裁员"
    for reader in [steward, people.official]:
        page = _client(reader).get(url)
        assert page.status_code == 200 and notes in page.content.decode()
    page = _client(people.member_a).get(url)
    assert page.status_code == 200
    assert "厂房扩建用地手续推进慢" in page.content.decode() and notes not in page.content.decode()
    for stranger in [other_steward, people.member_b, people.handler_x, people.chief]:
        assert _client(stranger).get(url).status_code == 404
    # The other 管家's log does not list it.
    assert f'data-visit="{visit.pk}"' not in _client(other_steward).get("/steward/visits/").content.decode()


def test_the_api_reads_visits_as_the_pages_do(people, steward, other_steward):
    visit = _visit(steward, people.enterprise_a)
    _visit(other_steward, people.enterprise_b)
    url = f"/api/v1/visits/{visit.pk}/"

    mine = _client(steward).get("/api/v1/visits/").json()
    assert [row["id"] for row in mine["results"]] == [visit.pk]
    detail = _client(steward).get(url).json()
    assert detail["steward"]["name"] == "steward管家" and detail["steward"]["unit"]
    assert detail["enterprise"]["id"] == people.enterprise_a.pk
    assert detail["discussed"].startswith("企业计划扩建二期")
    assert detail["problems"] == [
        {"id": visit.problems.get().pk, "description": "厂房扩建用地手续推进慢", "case": None}
    ]
    assert len(_client(people.official).get("/api/v1/visits/").json()["results"]) == 2
    as_member = _client(people.member_a).get(url).json()
    assert as_member["discussed"] is None and as_member["problems"][0]["description"]
    for stranger in [other_steward, people.member_b, people.handler_x]:
        response = _client(stranger).get(url)
        assert response.status_code == 404
        assert response.json()["errors"][0]["message"]


def test_the_api_records_a_visit(people, steward):
    body = {
        "enterprise": people.enterprise_a.pk,
        "visited_on": timezone.localdate().isoformat(),
        "people_met": "陈总",
        "discussed": "宣讲政策",
        "problems": ["融资难", " "],
    }
    response = _client(steward).post("/api/v1/visits/", body, content_type="application/json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert response["Location"].endswith(f"/api/v1/visits/{created['id']}/")
    assert [problem["description"] for problem in created["problems"]] == ["融资难"]

    refused = _client(steward).post(
        "/api/v1/visits/", {**body, "enterprise": people.enterprise_b.pk}, content_type="application/json"
    )
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "enterprise"
    future = _client(steward).post(
        "/api/v1/visits/",
        {**body, "visited_on": (timezone.localdate() + dt.timedelta(days=1)).isoformat()},
        content_type="application/json",
    )
    assert future.status_code == 400
    assert future.json()["errors"] == [{"field": "visited_on", "message": "走访日期不能晚于今天。"}]
    assert _client(people.official).post("/api/v1/visits/", body, content_type="application/json").status_code == 403
    assert Visit.objects.count() == 1


# --- A problem becomes a case -------------------------------------------------------------


def test_a_problem_becomes_an_accepted_case_in_one_action(people, steward):
    visit = _visit(steward, people.enterprise_a)
    problem = visit.problems.get()
    client = _client(steward)
    land = ProblemCategory.objects.get(name="用地")

    response = client.post(f"/steward/visits/{visit.pk}/problems/{problem.pk}/to-case/", {"category": land.pk})

    assert response["Location"] == f"/steward/visits/{visit.pk}/"
    problem.refresh_from_db()
    case = problem.case
    assert case.channel == Channel.STEWARD_VISIT
    assert (case.enterprise, case.filed_by, case.category) == (people.enterprise_a, steward, land)
    # Accepted at once, on the 1-2-3 clock: 交办 due within the rule's working day.
    assert case.status == Status.ACCEPTED and case.stage == Stage.ASSIGN and case.assign_due_at
    assert "厂房扩建用地手续推进慢" in case.title and "张总（总经理）" in case.description
    page = client.get(response["Location"]).content.decode()
    assert f"已转为诉求件 {case.number}" in page or case.number in page
    # The enterprise's members hear of it; the 管家 is staff, not the 诉求人.
    assert case.events.filter(kind="accepted").exists()
    assert not permissions.represents(steward, case)
    assert permissions.represents(people.member_a, case)
    assert "rate" not in permissions.case_actions(steward, case)
    # The enterprise's member sees it among its cases.
    assert case.number in _client(people.member_a).get("/cases/").content.decode()


def test_a_problem_becomes_a_case_only_once(people, steward):
    visit = _visit(steward, people.enterprise_a)
    problem = visit.problems.get()
    client = _client(steward)
    url = f"/steward/visits/{visit.pk}/problems/{problem.pk}/to-case/"
    client.post(url)
    number = VisitProblem.objects.get(pk=problem.pk).case.number

    again = client.post(url, follow=True)
    assert f"该问题已转为诉求件 {number}，不能重复转办。" in again.content.decode()
    api = client.post(f"/api/v1/visits/{visit.pk}/problems/{problem.pk}/to-case/", {}, content_type="application/json")
    assert api.status_code == 409
    assert number in api.json()["errors"][0]["message"]
    assert Case.objects.filter(channel=Channel.STEWARD_VISIT).count() == 1


def test_the_api_turns_a_problem_into_a_case(people, steward, other_steward):
    visit = _visit(steward, people.enterprise_a, problems=["融资难", "招工难"])
    first, second = visit.problems.order_by("id")
    url = f"/api/v1/visits/{visit.pk}/problems/{first.pk}/to-case/"
    # Another 管家: 404; the enterprise's member sees the visit but may not: 403.
    assert _client(other_steward).post(url, {}, content_type="application/json").status_code == 404
    assert _client(people.member_a).post(url, {}, content_type="application/json").status_code == 403
    # Another visit's problem is not found under this visit.
    elsewhere = _visit(other_steward, people.enterprise_b).problems.get()
    wrong = f"/api/v1/visits/{visit.pk}/problems/{elsewhere.pk}/to-case/"
    assert _client(steward).post(wrong, {}, content_type="application/json").status_code == 404

    response = _client(steward).post(url, {}, content_type="application/json")
    assert response.status_code == 201
    number = response.json()["number"]
    assert response.json()["status"] == Status.ACCEPTED
    assert response["Location"].endswith(f"/api/v1/cases/{number}/")
    assert Case.objects.get(number=number).category.name == "其他"
    detail = _client(steward).get(f"/api/v1/visits/{visit.pk}/").json()
    assert [problem["case"] and problem["case"]["number"] for problem in detail["problems"]] == [number, None]
    # An official may convert too.
    official = _client(people.official).post(
        f"/api/v1/visits/{visit.pk}/problems/{second.pk}/to-case/", {}, content_type="application/json"
    )
    assert official.status_code == 201


def test_the_case_page_names_the_visit_for_staff(people, steward):
    visit = _visit(steward, people.enterprise_a)
    case = services.visit_problem_to_case(problem=visit.problems.get(), actor=steward)
    link = f'href="/steward/visits/{visit.pk}/"'
    for reader in [people.official, steward]:
        page = _client(reader).get(f"/cases/{case.number}/").content.decode()
        assert 'data-testid="visit-origin"' in page and link in page
    member_page = _client(people.member_a).get(f"/cases/{case.number}/").content.decode()
    assert 'data-testid="visit-origin"' not in member_page and link not in member_page


def test_members_are_told_of_the_case_not_the_steward(people, steward):
    visit = _visit(steward, people.enterprise_a)
    case = services.visit_problem_to_case(problem=visit.problems.get(), actor=steward)
    official = people.official
    from complaints import services as case_services

    case = case_services.case_assign(case=case, actor=official, lead_department=people.x)
    case = case_services.case_set_measures(
        case=case,
        actor=people.handler_x,
        tasks=[
            {
                "task": "加快用地手续",
                "measure": "专班推进",
                "deadline": timezone.localdate() + dt.timedelta(days=5),
                "department": people.x,
                "responsible_person": "李科长",
            }
        ],
    )
    case = case_services.case_give_feedback(case=case, actor=people.handler_x, feedback="已协调")
    case_services.case_resolve(
        case=case, actor=people.handler_x, resolution="已办结", open_tasks_reason="用地手续已办妥"
    )
    assert Notification.objects.filter(recipient=people.member_a, kind="case.resolved").exists()
    assert not Notification.objects.filter(recipient=steward, kind="case.resolved").exists()
    # The 管家's list does not ask them to rate it.
    assert "待评价" not in _client(steward).get("/").content.decode()


# --- Admin -----------------------------------------------------------------------------


def test_officials_read_visits_in_the_admin(people, steward):
    visit = _visit(steward, people.enterprise_a)
    client = _client(people.official)
    page = client.get(f"/admin/complaints/visit/{visit.pk}/change/")
    assert page.status_code == 200
    assert "厂房扩建用地手续推进慢" in page.content.decode()  # the problems inline
    assert client.get("/admin/complaints/visit/add/").status_code == 403
    assert client.get(f"/admin/complaints/visit/{visit.pk}/delete/").status_code == 403


# --- Demo ------------------------------------------------------------------------------


def test_the_demo_steward_has_visits_one_problem_made_a_case():
    from complaints.visits import demo
    from portal import demo as portal_demo

    portal_demo.seed()
    demo.seed()
    demo.seed()  # idempotent
    visits = Visit.objects.filter(steward__username="steward")
    assert visits.count() == 5
    assert visits.filter(enterprise__memberships__user__username="enterprise").count() == 2
    converted = VisitProblem.objects.filter(visit__in=visits, case__isnull=False)
    assert converted.count() == 1
    assert converted.get().case.channel == Channel.STEWARD_VISIT
    assert VisitProblem.objects.filter(visit__in=visits, case__isnull=True).exists()
