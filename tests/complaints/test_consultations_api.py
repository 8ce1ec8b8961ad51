"""咨询 through the API (/api/v1/consultations/): ask, list, read, answer, to-case, rate,
each refused as the pages refuse it (404 for someone else's, 403 for a role that may not,
409 for a state that no longer allows it), and the figures API's consultations block."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from complaints.consultations import services
from complaints.models import Channel, Consultation, Rating, Status
from portal import roles
from tests import factories
from tests.complaints import test_consultations as pages

pytestmark = pytest.mark.django_db

URL = "/api/v1/consultations/"
QUESTION = pages.QUESTION
make_late = pages.make_late
# The pages' fixtures: enterprise A's 管家 and a question of A's member.
steward = pages.steward
ask = pages.ask


def api_as(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_a_member_asks_and_reads_the_answer_due_date(people, steward):
    response = api_as(people.member_a).post(
        URL, {"enterprise": people.enterprise_a.pk, "question": QUESTION}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    consultation = Consultation.objects.get()
    assert response["Location"].endswith(f"{URL}{consultation.pk}/")
    assert body["status"] == "pending" and body["status_display"] == "待答复"
    assert body["flag"] == "green" and body["asked_by"]["name"] == people.member_a.get_full_name()
    assert body["answer_due_at"] and body["actions"] == []
    assert body["enterprise"] == people.enterprise_a.pk and body["enterprise_name"] == "宣城甲企业有限公司"


def test_asking_for_an_enterprise_one_does_not_represent_is_refused_as_the_case_api_does(people, steward):
    response = api_as(people.member_b).post(
        URL, {"enterprise": people.enterprise_a.pk, "question": QUESTION}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "enterprise", "message": "您尚未获准代表该企业。"}]
    empty = api_as(people.member_a).post(URL, {"enterprise": people.enterprise_a.pk, "question": ""}, format="json")
    assert empty.status_code == 400 and empty.json()["errors"][0]["field"] == "question"
    assert api_as().post(URL, {}, format="json").status_code in (401, 403)
    assert not Consultation.objects.exists()


def test_each_reader_lists_what_they_may_see(people, steward, ask):
    mine = ask()
    theirs = services.consultation_ask(actor=people.member_b, enterprise=people.enterprise_b, question="乙的问题")

    def listed(user, query=""):
        response = api_as(user).get(f"{URL}{query}")
        assert response.status_code == 200
        return {row["id"] for row in response.json()["results"]}

    assert listed(people.member_a) == {mine.pk}
    assert listed(people.member_b) == {theirs.pk}
    assert listed(steward) == {mine.pk}
    assert listed(people.official) == {mine.pk, theirs.pk}
    # Department handlers, chief officers and the like have no consultations: an empty list.
    assert listed(people.handler_x) == set() and listed(people.chief) == set()
    assert listed(people.official, "?status=pending") == {mine.pk, theirs.pk}
    assert api_as(people.official).get(f"{URL}?overdue=maybe").status_code == 400


def test_someone_elses_consultation_is_not_found(people, steward, ask):
    consultation = ask()
    other_steward = factories.user(roles.STEWARD)
    for user in (people.member_b, people.handler_x, people.chief, other_steward):
        client = api_as(user)
        assert client.get(f"{URL}{consultation.pk}/").status_code == 404
        for step, body in (("answer", {"answer": "答复"}), ("to-case", {}), ("rate", {"rating": "satisfied"})):
            assert client.post(f"{URL}{consultation.pk}/{step}/", body, format="json").status_code == 404
    assert api_as(people.member_a).get(f"{URL}abc/").status_code == 404


def test_the_steward_answers_once(people, steward, ask):
    consultation = ask()
    url = f"{URL}{consultation.pk}/answer/"
    assert api_as(people.member_a).post(url, {"answer": "自己答"}, format="json").status_code == 403
    detail = api_as(steward).get(f"{URL}{consultation.pk}/").json()
    assert detail["actions"] == ["answer", "to_case"]
    response = api_as(steward).post(url, {"answer": "请准备专项审计报告。"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "answered" and body["answered_by"]["name"] == steward.display_name
    assert body["flag"] == "" and body["answered_late"] is False
    again = api_as(people.official).post(url, {"answer": "再答一次"}, format="json")
    assert again.status_code == 409 and "不能重复答复" in again.json()["errors"][0]["message"]


def test_to_case_files_an_accepted_case_and_a_second_call_conflicts(people, steward, ask, category):
    consultation = ask(question="园区道路破损，货车无法通行。")
    url = f"{URL}{consultation.pk}/to-case/"
    assert api_as(people.member_a).post(url, {}, format="json").status_code == 403
    response = api_as(steward).post(url, {"category": category.name}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "to_case" and body["case"]["status"] == Status.ACCEPTED
    number = body["case"]["number"]
    assert response["Location"].endswith(f"/api/v1/cases/{number}/")
    case = Consultation.objects.get().case
    assert (case.number, case.channel, case.enterprise_id) == (number, Channel.CONSULTATION, people.enterprise_a.pk)
    # The asker follows it through the cases API.
    assert api_as(people.member_a).get(f"/api/v1/cases/{number}/").status_code == 200
    again = api_as(people.official).post(url, {}, format="json")
    assert again.status_code == 409 and number in again.json()["errors"][0]["message"]


def test_to_case_without_a_category_files_it_under_other(people, steward, ask):
    consultation = ask()
    response = api_as(people.official).post(f"{URL}{consultation.pk}/to-case/", {}, format="json")
    assert response.status_code == 201
    assert Consultation.objects.get().case.category.name == "其他"


def test_the_enterprise_rates_once_after_the_answer(people, steward, ask):
    consultation = ask()
    url = f"{URL}{consultation.pk}/rate/"
    member = api_as(people.member_a)
    assert member.post(url, {"rating": "satisfied"}, format="json").status_code == 409
    services.consultation_answer(consultation=consultation, actor=steward, answer="答复")
    assert api_as(steward).post(url, {"rating": "satisfied"}, format="json").status_code == 403
    assert member.post(url, {"rating": "great"}, format="json").status_code == 400
    response = member.post(url, {"rating": Rating.SATISFIED, "comment": "很及时"}, format="json")
    assert response.status_code == 200
    assert (response.json()["rating"], response.json()["rating_display"]) == ("satisfied", "满意")
    assert member.post(url, {"rating": "unsatisfied"}, format="json").status_code == 409


def test_the_list_runs_a_constant_number_of_queries(people, steward, ask, django_assert_num_queries):
    ask()
    client = api_as(steward)
    with CaptureQueriesContext(connection) as one:
        assert client.get(URL).status_code == 200
    for index in range(8):
        consultation = ask(question=f"问题{index}")
        if index % 2:
            services.consultation_answer(consultation=consultation, actor=steward, answer="答复")
        if index == 2:
            services.consultation_to_case(consultation=consultation, actor=steward)
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(URL)
    assert response.json()["count"] == 9


def test_the_figures_api_has_a_consultations_block(people, steward, ask):
    answered = ask()
    services.consultation_answer(consultation=answered, actor=steward, answer="答复")
    make_late(ask())
    today = timezone.localdate()
    response = api_as(people.official).get(
        f"/api/v1/reports/case-figures/?from={today - dt.timedelta(days=1)}&to={today}"
    )
    assert response.status_code == 200
    block = response.json()["consultations"]
    assert (block["asked"], block["answered"], block["answered_on_time"], block["overdue_unanswered"]) == (2, 1, 1, 1)
    assert block["on_time_rate"] == {"numerator": 1, "denominator": 2, "percent": 50.0}
