"""After 办结: the return visit (回访) with 明光's questions and its 待回访 list, and the
回头看 some months after 销单 with its list, through the API and the pages."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from complaints import services
from complaints.models import Case, CaseEvent, EventKind, Recheck, ReturnVisit, Status

pytestmark = pytest.mark.django_db


def api_as(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def url(case, action: str = "") -> str:
    return f"/api/v1/cases/{case.number}/" + (f"{action}/" if action else "")


VISIT = {
    "method": "phone",
    "solved": True,
    "handling_smooth": True,
    "explanation_complete": False,
    "problems": "材料清单前后不一",
    "suggestions": "一次性告知",
    "note": "企业表示问题已解决",
}


@pytest.fixture
def closed_case(people, case_at):
    def make(**overrides):
        case = case_at("resolved", **overrides)
        return services.case_rate(case=case, actor=people.member_a, rating="satisfied")

    return make


# --- 回访 --------------------------------------------------------------------------------


def test_a_solved_return_visit_is_recorded_and_changes_nothing_else(people, case_at):
    case = case_at("resolved")
    people.official.full_name = "王回访"
    people.official.save(update_fields=["full_name"])
    api = api_as(people.official)
    assert "return_visit" in api.get(url(case)).json()["actions"]

    response = api.post(url(case, "return-visits"), VISIT, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == Status.RESOLVED and body["round"] == 1
    [visit] = body["return_visits"]
    assert visit["solved"] is True and visit["handling_smooth"] is True and visit["explanation_complete"] is False
    assert visit["problems"] == "材料清单前后不一" and visit["suggestions"] == "一次性告知"
    assert visit["method_display"] == "电话" and visit["visited_by"] == "王回访"
    assert "return_visit" not in body["actions"]
    assert CaseEvent.objects.filter(case=case, kind=EventKind.RETURN_VISIT).count() == 1
    # One per round.
    again = api.post(url(case, "return-visits"), VISIT, format="json")
    assert again.status_code == 400 and "本轮已回访" in again.json()["errors"][0]["message"]
    # The enterprise rates as before.
    assert services.case_rate(case=case, actor=people.member_a, rating="satisfied").status == Status.CLOSED


def test_not_solved_reopens_the_case_as_a_second_assignment_on_the_page(client, people, closed_case):
    case = closed_case()
    client.force_login(people.official)
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert 'data-action="return_visit"' in page
    for question in (
        "问题是否解决？",
        "办理过程是否顺畅？",
        "解释说明是否到位？",
        "办理中遇到了什么问题？",
        "意见建议",
    ):
        assert question in page

    typed = {"method": "visit", "solved": "no", "handling_smooth": "no", "problems": "口径仍不统一", "note": ""}
    response = client.post(f"/cases/{case.number}/return_visit/", typed)
    assert response.status_code == 400
    body = response.content.decode()
    assert "问题未解决时请记录原因，以便再次交办。" in body and "口径仍不统一" in body
    assert not ReturnVisit.objects.exists()

    before = timezone.now()
    response = client.post(f"/cases/{case.number}/return_visit/", {**typed, "note": "窗口仍要求补交材料"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.ASSIGNED and case.round == 2
    assert case.stage == "measures"
    assert case.stage_due_at > before and case.resolve_due_at > before
    assert case.closed_at is None and case.resolved_at is None
    visit = ReturnVisit.objects.get(case=case)
    assert visit.round == 1 and visit.solved is False and visit.handling_smooth is False
    assert visit.explanation_complete is None
    assert case.events.filter(kind=EventKind.REASSIGNED, round=2).exists()
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert "窗口仍要求补交材料" in page and 'data-action="measures"' in page


def test_return_visits_are_for_officials(client, people, case_at):
    case = case_at("resolved")
    for user, page_status, api_status in (
        (people.handler_x, 403, 403),
        (people.member_a, 403, 403),
        (people.handler_y, 404, 404),
        (people.member_b, 404, 404),
    ):
        client.force_login(user)
        assert 'data-action="return_visit"' not in client.get(f"/cases/{case.number}/").content.decode() or (
            page_status == 404
        )
        assert client.post(f"/cases/{case.number}/return_visit/", {"solved": "yes"}).status_code == page_status
        assert api_as(user).post(url(case, "return-visits"), VISIT, format="json").status_code == api_status
    assert not ReturnVisit.objects.exists()
    # The enterprise does not read the office's record of the visit.
    services.case_return_visit(case=case, actor=people.official, method="phone", solved=True, note="内部记录")
    assert api_as(people.member_a).get(url(case)).json()["return_visits"] == []
    assert len(api_as(people.official).get(url(case)).json()["return_visits"]) == 1


def test_a_return_visit_of_an_open_case_names_its_state(people, case_at):
    case = case_at("assigned")
    response = api_as(people.official).post(url(case, "return-visits"), VISIT, format="json")
    assert response.status_code == 409
    assert "当前状态为“已交办”" in response.json()["errors"][0]["message"]


# --- 待回访 -----------------------------------------------------------------------------


def test_the_awaiting_return_visit_list_shows_the_right_cases_oldest_first(client, people, case_at, closed_case):
    with time_machine.travel(timezone.now() - dt.timedelta(days=3), tick=False):
        oldest = closed_case()
    resolved = case_at("resolved")
    visited = case_at("resolved")
    services.case_return_visit(case=visited, actor=people.official, method="phone", solved=True)
    open_case = case_at("feedback_given")
    reopened = services.case_return_visit(
        case=case_at("resolved"), actor=people.official, method="sms", solved=False, note="没解决"
    ).case

    client.force_login(people.official)
    workbench = client.get("/cases/").content.decode()
    assert 'href="/cases/return-visits/"' in workbench and 'href="/cases/rechecks/"' in workbench
    page = client.get("/cases/return-visits/").content.decode()
    assert page.index(oldest.number) < page.index(resolved.number)
    for hidden in (visited, open_case, reopened):
        assert hidden.number not in page
    # Whom to call, and the number to call them on.
    row = page[page.index(resolved.number) :]
    row = row[: row.index("</tr>")]
    assert resolved.complainant_name in row
    assert f'<a href="tel:{resolved.complainant_phone}">' in row


def _queries(client, path) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured.captured_queries), response.content.decode()


def test_the_awaiting_return_visit_list_runs_a_constant_number_of_queries(
    client, people, closed_case, django_assert_num_queries
):
    cases = [closed_case()]
    client.force_login(people.official)
    client.get("/cases/return-visits/")
    one, page = _queries(client, "/cases/return-visits/")
    assert cases[0].number in page
    # Four more, confidential ones among them: the same queries for five rows as for one.
    cases += [closed_case(is_confidential=index % 2 == 0) for index in range(4)]
    with django_assert_num_queries(one):
        page = client.get("/cases/return-visits/").content.decode()
    assert all(case.number in page for case in cases)


def test_the_follow_up_lists_are_for_officials(client, people):
    for path in ("/cases/return-visits/", "/cases/rechecks/"):
        for user in (people.handler_x, people.member_a):
            client.force_login(user)
            assert client.get(path).status_code == 403, (path, user)
        client.force_login(people.chief)
        assert client.get(path).status_code == 200
        client.logout()
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    client.force_login(people.handler_x)
    assert 'href="/cases/return-visits/"' not in client.get("/cases/").content.decode()


# --- 回头看 ------------------------------------------------------------------------------


def test_the_recheck_list_shows_cases_closed_long_enough_ago(client, people, closed_case, settings):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        first = closed_case()
    with time_machine.travel(start + dt.timedelta(days=40), tick=False):
        later = closed_case()
    with time_machine.travel(start + dt.timedelta(days=10), tick=False):
        checked = closed_case()
        services.case_recheck(case=checked, actor=people.official, outcome="kept")

    # Three months and a day after the first closed: only it is due.
    with time_machine.travel(start + dt.timedelta(days=93), tick=False):
        client.force_login(people.official)
        page = client.get("/cases/rechecks/").content.decode()
        assert first.number in page
        assert later.number not in page and checked.number not in page
        assert "销单满3个月" in page
    # Five months on, both unchecked ones are due, the longest closed first.
    with time_machine.travel(start + dt.timedelta(days=150), tick=False):
        client.force_login(people.official)
        page = client.get("/cases/rechecks/").content.decode()
        assert page.index(first.number) < page.index(later.number)
        settings.CASE_RECHECK_MONTHS = 6
        page = client.get("/cases/rechecks/").content.decode()
        assert first.number not in page and "销单满6个月" in page


def test_the_recheck_list_runs_a_constant_number_of_queries(client, people, closed_case, django_assert_num_queries):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        cases = [closed_case()]
    with time_machine.travel(start + dt.timedelta(days=100), tick=False):
        client.force_login(people.official)
        client.get("/cases/rechecks/")
        one, page = _queries(client, "/cases/rechecks/")
    assert cases[0].number in page
    with time_machine.travel(start + dt.timedelta(days=1), tick=False):
        cases += [closed_case() for _ in range(4)]
    with time_machine.travel(start + dt.timedelta(days=100), tick=False):
        client.force_login(people.official)
        client.get("/cases/rechecks/")
        with django_assert_num_queries(one):
            page = client.get("/cases/rechecks/").content.decode()
    assert all(case.number in page for case in cases)


def test_a_kept_recheck_through_the_api(people, closed_case):
    case = closed_case()
    api = api_as(people.official)
    assert "recheck" in api.get(url(case)).json()["actions"]
    response = api.post(url(case, "recheck"), {"outcome": "kept", "note": "整改效果保持"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["recheck"]["outcome"] == "kept" and body["recheck"]["outcome_display"] == "保持"
    assert body["recheck"]["new_case"] is None and body["derived_cases"] == []
    assert "recheck" not in body["actions"]
    again = api.post(url(case, "recheck"), {"outcome": "kept"}, format="json")
    assert again.status_code == 400 and "已做过回头看" in again.json()["errors"][0]["message"]


def test_a_rebound_files_a_linked_case_shown_both_ways(client, people, closed_case):
    case = closed_case()
    api = api_as(people.official)
    refused = api.post(url(case, "recheck"), {"outcome": "rebounded"}, format="json")
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "note"

    response = api.post(url(case, "recheck"), {"outcome": "rebounded", "note": "窗口又开始反复退件"}, format="json")
    assert response.status_code == 201, response.content
    new_number = response.json()["recheck"]["new_case"]
    assert response.json()["derived_cases"] == [new_number]
    new_case = Case.objects.get(number=new_number)
    assert new_case.origin_case == case and new_case.status == Status.RECEIVED
    assert new_case.description == "窗口又开始反复退件"
    assert api.get(url(new_case)).json()["origin_case"] == case.number
    assert Recheck.objects.get(case=case).new_case == new_case

    # The enterprise follows both, linked (关联诉求件) on each page.
    client.force_login(people.member_a)
    old_page = client.get(f"/cases/{case.number}/").content.decode()
    assert "关联诉求件" in old_page and f'href="/cases/{new_number}/"' in old_page
    new_page = client.get(f"/cases/{new_number}/").content.decode()
    assert "关联诉求件" in new_page and f'href="/cases/{case.number}/"' in new_page


def test_rechecks_on_the_page_and_who_may_record_them(client, people, closed_case, case_at):
    case = closed_case()
    client.force_login(people.official)
    assert 'data-action="recheck"' in client.get(f"/cases/{case.number}/").content.decode()
    response = client.post(f"/cases/{case.number}/recheck/", {"outcome": "rebounded", "note": ""})
    assert response.status_code == 400
    assert "问题反弹时请说明情况" in response.content.decode()
    assert client.post(f"/cases/{case.number}/recheck/", {"outcome": "kept", "note": "保持良好"}).status_code == 302
    assert "保持良好" in client.get(f"/cases/{case.number}/").content.decode()

    other = closed_case()
    for user, expected in ((people.handler_x, 403), (people.member_a, 403), (people.handler_y, 404)):
        client.force_login(user)
        assert client.post(f"/cases/{other.number}/recheck/", {"outcome": "kept"}).status_code == expected
        assert api_as(user).post(url(other, "recheck"), {"outcome": "kept"}, format="json").status_code == expected
    # Only closed cases.
    resolved = case_at("resolved")
    response = api_as(people.official).post(url(resolved, "recheck"), {"outcome": "kept"}, format="json")
    assert response.status_code == 409 and "当前状态为“已办结”" in response.json()["errors"][0]["message"]
    assert not Recheck.objects.filter(case__in=[other, resolved]).exists()
