"""The roundtables API: public sessions, signing up with the waiting list, cancelling,
filters, appeals as cases, errors, query counts and token authentication."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from complaints.models import Case, Channel, ProblemCategory
from complaints.models import Status as CaseStatus
from roundtables import services
from roundtables.models import Appeal, Registration, Session
from tests import factories

pytestmark = pytest.mark.django_db

SESSIONS = "/api/v1/roundtables/"
REGISTRATIONS = "/api/v1/registrations/"


@pytest.fixture
def api():
    return APIClient()


def session_url(session, action: str = "") -> str:
    return f"{SESSIONS}{session.pk}/" + (f"{action}/" if action else "")


def cancel_url(registration_id: int) -> str:
    return f"{REGISTRATIONS}{registration_id}/cancel/"


def sign_up_body(enterprise, **fields) -> dict:
    return {"enterprise": enterprise.pk, "attendee_name": "王总", "attendee_mobile": "13900001234", **fields}


def sign_up(api, session, user, enterprise, **fields):
    api.force_authenticate(user)
    return api.post(session_url(session, "registrations"), sign_up_body(enterprise, **fields), format="json")


def errors(response) -> list[dict]:
    body = response.json()
    assert "errors" in body, body
    return body["errors"]


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def statuses(*registration_ids) -> list[str]:
    by_id = dict(Registration.objects.filter(pk__in=registration_ids).values_list("pk", "status"))
    return [by_id[pk] for pk in registration_ids]


# --- Reading sessions ----------------------------------------------------------------


def test_anonymous_lists_and_reads_published_sessions_but_not_drafts(api, make_session, official):
    published = make_session(Session.State.ANNOUNCED)
    held = make_session(Session.State.HELD, days=-30)
    draft = make_session(Session.State.DRAFT, days=40)

    assert ids(api.get(SESSIONS)) == {published.pk, held.pk}
    assert api.get(session_url(published)).json()["id"] == published.pk
    response = api.get(session_url(draft))
    assert response.status_code == 404
    assert errors(response)[0]["field"] is None
    assert api.get(f"{SESSIONS}abc/").status_code == 404

    api.force_authenticate(official)
    assert ids(api.get(SESSIONS)) == {published.pk, held.pk, draft.pk}
    assert api.get(session_url(draft)).status_code == 200


def test_a_session_reads_with_its_series_region_and_seats(api, make_session, member, city):
    session = make_session(capacity=2, reserved=0, venue="宣城市行政中心三楼会议室", chairs="张市长")
    sub = make_session(parent=session, region=city.children.get(code="341881"), number=session.number)
    for _ in range(3):
        sign_up(api, session, *member())
    api.force_authenticate(None)

    body = api.get(session_url(session)).json()
    assert body["series"] == {"id": session.series_id, "name": "宣城市政商恳谈会"}
    assert body["region"] == {"code": "341800", "name": "宣城市"}
    assert body["parent"] is None
    assert body["number"] == session.number
    assert body["year"] == session.year
    assert body["theme"] == "优化营商环境 助力民营经济"
    assert body["venue"] == "宣城市行政中心三楼会议室"
    assert body["chairs"] == "张市长"
    assert (body["capacity"], body["reserved_seats"], body["seats_left"], body["waitlisted"]) == (2, 0, 0, 1)
    assert (body["state"], body["state_display"]) == ("announced", "已发布")
    assert body["is_open_for_registration"] is True
    assert body["registration_closes_at"] is not None
    assert set(body) >= {"description", "starts_at", "ends_at", "online_link"}

    sub_body = api.get(session_url(sub)).json()
    assert sub_body["parent"] == session.pk
    assert sub_body["region"] == {"code": "341881", "name": "宁国市"}


def test_filters_by_state_seats_and_start_date(api, make_session, member):
    soon = make_session(days=5, capacity=1, reserved=0)
    later = make_session(days=20)
    closed = make_session(Session.State.REGISTRATION_CLOSED, days=8)
    user, enterprise = member()
    assert sign_up(api, soon, user, enterprise).status_code == 201
    api.force_authenticate(None)

    assert ids(api.get(SESSIONS, {"state": "announced"})) == {soon.pk, later.pk}
    assert ids(api.get(SESSIONS, {"state": ["announced", "closed_signup"]})) == {soon.pk, later.pk, closed.pk}
    assert ids(api.get(SESSIONS, {"has_seats": "true"})) == {later.pk, closed.pk}
    assert ids(api.get(SESSIONS, {"has_seats": "false"})) == {soon.pk}
    after = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    assert ids(api.get(SESSIONS, {"starts_after": after})) == {later.pk}
    assert ids(api.get(SESSIONS, {"starts_after": after, "state": "closed_signup"})) == set()

    response = api.get(SESSIONS, {"state": "nonsense"})
    assert response.status_code == 400
    assert errors(response)[0]["field"] == "state"


def test_the_session_list_takes_the_same_queries_for_3_or_12_sessions(
    api, make_session, member, official, django_assert_num_queries
):
    def fill(count):
        for _ in range(count):
            session = make_session()
            user, enterprise = member()
            services.registration_create(
                session=session, actor=user, enterprise=enterprise, attendee_name="王总", attendee_mobile="13900001234"
            )

    fill(3)
    for reader in (None, official):
        # A session login loads the user and their permissions afresh per request.
        if reader is not None:
            api.force_login(reader)
        # Sessions with registrations are never deleted, so each reader adds nine more.
        before = Session.objects.count()
        with CaptureQueriesContext(connection) as small:
            assert api.get(SESSIONS).json()["count"] == before
        fill(9)
        with django_assert_num_queries(len(small.captured_queries)):
            assert api.get(SESSIONS).json()["count"] == before + 9


# --- Signing up ------------------------------------------------------------------------


def test_anonymous_cannot_sign_up(api, make_session, member):
    session = make_session()
    _, enterprise = member()
    response = api.post(session_url(session, "registrations"), sign_up_body(enterprise), format="json")
    assert response.status_code in (401, 403)
    assert errors(response)[0]["field"] is None
    assert api.get(REGISTRATIONS).status_code in (401, 403)
    assert api.post(session_url(session, "appeals"), {"title": "x"}, format="json").status_code in (401, 403)
    assert not Registration.objects.exists()


def test_an_enterprise_user_signs_up_and_is_confirmed(api, make_session, member):
    session = make_session()
    user, enterprise = member()
    response = sign_up(api, session, user, enterprise, attendee_title="总经理", attendee_mobile="+86 139-0000-5678")
    assert response.status_code == 201, response.content
    body = response.json()
    registration = Registration.objects.get()
    assert body["id"] == registration.pk
    assert response["Location"].endswith(f"{REGISTRATIONS}{registration.pk}/")
    assert (body["status"], body["status_display"], body["waitlist_position"]) == ("confirmed", "已确认", None)
    assert body["enterprise"] == {"id": enterprise.pk, "name": enterprise.name}
    assert body["session"]["id"] == session.pk
    assert body["session"]["name"] == str(session)
    assert (body["mode"], body["pool"]) == ("in_person", "open")
    assert body["attendee_title"] == "总经理"
    assert body["attendee_mobile"] == "13900005678"
    assert body["code"] == registration.code
    assert registration.signed_up_by == user
    assert api.get(f"{REGISTRATIONS}{registration.pk}/").json()["status"] == "confirmed"


def test_a_full_session_puts_the_next_on_the_waiting_list_in_order(api, make_session, member):
    session = make_session(capacity=2, reserved=0)
    answers = [sign_up(api, session, *member()) for _ in range(4)]
    assert [r.status_code for r in answers] == [201] * 4
    bodies = [r.json() for r in answers]
    assert [(b["status"], b["waitlist_position"]) for b in bodies] == [
        ("confirmed", None),
        ("confirmed", None),
        ("waitlisted", 1),
        ("waitlisted", 2),
    ]
    api.force_authenticate(None)
    body = api.get(session_url(session)).json()
    assert (body["seats_left"], body["waitlisted"]) == (0, 2)


def test_written_only_sign_up_is_confirmed_without_a_seat(api, make_session, member):
    session = make_session(capacity=1, reserved=0)
    assert sign_up(api, session, *member()).json()["status"] == "confirmed"
    body = sign_up(api, session, *member(), mode="written").json()
    assert (body["status"], body["mode"]) == ("confirmed", "written")


def test_a_second_sign_up_of_the_same_enterprise_is_a_conflict(api, make_session, member):
    session = make_session()
    user, enterprise = member()
    first = sign_up(api, session, user, enterprise).json()
    colleague = factories.enterprise_user(enterprise)
    response = sign_up(api, session, colleague, enterprise, attendee_name="李经理")
    assert response.status_code == 409
    body = response.json()
    assert body["registration_id"] == first["id"]
    assert body["errors"] == [{"field": None, "message": "该企业已报名本期恳谈会（已确认）。"}]
    assert Registration.objects.count() == 1


def test_signing_up_an_enterprise_one_does_not_represent_is_forbidden(api, make_session, member):
    session = make_session()
    user, _ = member()
    _, other = member()
    response = sign_up(api, session, user, other)
    assert response.status_code == 403
    assert errors(response) == [{"field": None, "message": "您尚未获准代表该企业，不能为其报名。"}]
    assert not Registration.objects.exists()


def test_bad_input_is_refused_field_by_field(api, make_session, member):
    session = make_session()
    user, enterprise = member()
    api.force_authenticate(user)
    body = {**sign_up_body(enterprise), "enterprise": 999_999}
    response = api.post(session_url(session, "registrations"), body, format="json")
    assert response.status_code == 400
    assert [e["field"] for e in errors(response)] == ["enterprise"]

    response = sign_up(api, session, user, enterprise, attendee_mobile="12345", attendee_name="")
    assert response.status_code == 400
    assert {e["field"] for e in errors(response)} == {"attendee_mobile", "attendee_name"}

    response = sign_up(api, session, user, enterprise, mode="by_pigeon")
    assert [e["field"] for e in errors(response)] == ["mode"]
    assert not Registration.objects.exists()


def test_sign_up_outside_the_window_is_refused_with_the_reason(api, make_session, member, official):
    user, enterprise = member()
    past_deadline = make_session(registration_closes_at=timezone.now() - dt.timedelta(hours=1))
    response = sign_up(api, past_deadline, user, enterprise)
    assert response.status_code == 400
    [error] = errors(response)
    assert error["field"] is None
    assert error["message"].startswith("报名已于") and error["message"].endswith("截止。")

    closed = make_session(Session.State.REGISTRATION_CLOSED)
    response = sign_up(api, closed, user, enterprise)
    assert response.status_code == 400
    assert errors(response)[0]["message"] == "本期恳谈会报名截止，不能报名。"

    draft = make_session(Session.State.DRAFT)
    assert sign_up(api, draft, user, enterprise).status_code == 404
    assert not Registration.objects.exists()


def test_problems_raised_on_sign_up_become_cases_received_at_the_session(api, make_session, member):
    session = make_session()
    user, enterprise = member()
    category = ProblemCategory.objects.get(name="审批服务")
    response = sign_up(
        api, session, user, enterprise, intended_problems="厂房消防验收迟迟未排期。", category=category.pk
    )
    assert response.status_code == 201
    appeal = Appeal.objects.get()
    assert appeal.registration_id == response.json()["id"]
    assert appeal.source == Appeal.Source.SIGN_UP
    # Heard at the session: its clock starts there, and triage takes it from there.
    assert (appeal.case.channel, appeal.case.status, appeal.case.category) == (
        Channel.ROUNDTABLE,
        CaseStatus.RECEIVED,
        category,
    )
    assert appeal.case.received_at == session.starts_at
    assert appeal.case.assign_due_at > session.starts_at


# --- My registrations and cancelling --------------------------------------------------


def test_cancelling_a_confirmed_registration_promotes_the_first_waiting(api, make_session, member):
    session = make_session(capacity=2, reserved=0)
    people = [member() for _ in range(4)]
    first, second, third, fourth = (sign_up(api, session, *person).json()["id"] for person in people)
    assert statuses(first, second, third, fourth) == ["confirmed", "confirmed", "waitlisted", "waitlisted"]

    api.force_authenticate(people[0][0])
    response = api.post(cancel_url(first))
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["waitlist_position"]) == ("cancelled", None)
    assert body["cancelled_at"] is not None
    assert statuses(first, second, third, fourth) == ["cancelled", "confirmed", "confirmed", "waitlisted"]

    api.force_authenticate(people[3][0])
    [mine] = api.get(REGISTRATIONS).json()["results"]
    assert (mine["id"], mine["status"], mine["waitlist_position"]) == (fourth, "waitlisted", 1)
    api.force_authenticate(None)
    assert api.get(session_url(session)).json()["waitlisted"] == 1

    # Cancelling again changes nothing.
    api.force_authenticate(people[0][0])
    assert api.post(cancel_url(first)).json()["status"] == "cancelled"
    assert statuses(first, second, third, fourth) == ["cancelled", "confirmed", "confirmed", "waitlisted"]


def test_the_user_lists_their_registrations_with_positions(api, make_session, member):
    full = make_session(capacity=1, reserved=0)
    other = make_session(days=20)
    user, enterprise = member()
    sign_up(api, full, *member())
    waiting = sign_up(api, full, user, enterprise).json()["id"]
    confirmed = sign_up(api, other, user, enterprise).json()["id"]
    colleague = factories.enterprise_user(enterprise)

    for reader in (user, colleague):
        api.force_authenticate(reader)
        response = api.get(REGISTRATIONS)
        assert response.json()["count"] == 2
        rows = {row["id"]: row for row in response.json()["results"]}
        assert set(rows) == {waiting, confirmed}
        assert (rows[waiting]["status"], rows[waiting]["waitlist_position"]) == ("waitlisted", 1)
        assert (rows[confirmed]["status"], rows[confirmed]["waitlist_position"]) == ("confirmed", None)


def test_someone_elses_registration_is_not_found(api, make_session, member):
    session = make_session()
    owner, enterprise = member()
    registration = sign_up(api, session, owner, enterprise).json()["id"]
    stranger, _ = member()
    api.force_authenticate(stranger)
    assert api.get(REGISTRATIONS).json()["count"] == 0
    assert api.get(f"{REGISTRATIONS}{registration}/").status_code == 404
    response = api.post(cancel_url(registration))
    assert response.status_code == 404
    assert errors(response)[0]["field"] is None
    assert statuses(registration) == ["confirmed"]
    assert api.post(cancel_url(999_999)).status_code == 404
    assert api.post(f"{REGISTRATIONS}x/cancel/").status_code == 404


def test_cancelling_after_the_session_was_held_is_refused(api, make_session, member, official):
    session = make_session()
    user, enterprise = member()
    registration = sign_up(api, session, user, enterprise).json()["id"]
    services.session_mark_held(session=session, actor=official)
    response = api.post(cancel_url(registration))
    assert response.status_code == 400
    assert errors(response)[0]["message"] == "会议已召开或已取消，不能再取消报名。"
    assert statuses(registration) == ["confirmed"]


# --- Appeals ------------------------------------------------------------------------------


def test_an_enterprise_user_files_an_appeal_as_an_accepted_case(api, make_session, member):
    session = make_session()
    user, enterprise = member()
    api.force_authenticate(user)
    response = api.post(
        session_url(session, "appeals"),
        {"enterprise": enterprise.pk, "title": "用地指标迟迟未落实", "description": "项目二期用地指标申请已半年。"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    case = Case.objects.get()
    assert body["case"] == {"number": case.number, "status": "accepted", "status_display": "已受理"}
    assert response["Location"].endswith(f"/api/v1/cases/{case.number}/")
    assert (body["source"], body["on_site_answer"]) == ("written", "")
    assert (case.channel, case.status, case.enterprise, case.region) == (
        Channel.ROUNDTABLE,
        CaseStatus.ACCEPTED,
        enterprise,
        session.region,
    )
    assert case.category.name == "其他"
    assert Appeal.objects.get().session == session
    # The filer reads the case through the cases API.
    assert api.get(f"/api/v1/cases/{case.number}/").json()["status"] == "accepted"


def test_appeals_are_refused_to_those_who_may_not_file_them(api, make_session, member):
    session = make_session()
    user, enterprise = member()
    _, other = member()
    body = {"enterprise": enterprise.pk, "title": "用地指标", "description": "申请已半年。"}
    api.force_authenticate(user)

    response = api.post(session_url(session, "appeals"), {**body, "enterprise": other.pk}, format="json")
    assert response.status_code == 403
    response = api.post(session_url(session, "appeals"), {**body, "source": "on_site"}, format="json")
    assert response.status_code == 403
    response = api.post(session_url(session, "appeals"), {**body, "enterprise": None}, format="json")
    assert (response.status_code, errors(response)[0]["field"]) == (400, "enterprise")
    response = api.post(session_url(session, "appeals"), {**body, "on_site_answer": "当场答复"}, format="json")
    assert (response.status_code, errors(response)[0]["field"]) == (400, "on_site_answer")
    response = api.post(session_url(session, "appeals"), {**body, "source": "sign_up"}, format="json")
    assert (response.status_code, errors(response)[0]["field"]) == (400, "source")
    assert api.post(session_url(make_session(Session.State.DRAFT), "appeals"), body, format="json").status_code == 404
    closed = make_session(Session.State.CLOSED, days=-30)
    response = api.post(session_url(closed, "appeals"), body, format="json")
    assert (response.status_code, errors(response)[0]["message"]) == (400, "本期恳谈会不再接收书面诉求。")
    assert not Case.objects.exists()


def test_an_official_records_an_on_site_appeal_with_its_answer(api, make_session, member, official):
    session = make_session(Session.State.HELD, days=-1)
    _, enterprise = member()
    api.force_authenticate(official)
    response = api.post(
        session_url(session, "appeals"),
        {
            "enterprise": enterprise.pk,
            "title": "园区道路破损",
            "description": "园区主干道破损严重。",
            "source": "on_site",
            "on_site_answer": "交通局当场答复：本月内修复。",
            "complainant_name": "赵总",
            "complainant_phone": "13900007777",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["source"], body["on_site_answer"]) == ("on_site", "交通局当场答复：本月内修复。")
    case = Case.objects.get(number=body["case"]["number"])
    assert (case.status, case.complainant_name, case.complainant_phone) == (
        CaseStatus.ACCEPTED,
        "赵总",
        "13900007777",
    )


# --- Authentication ---------------------------------------------------------------------


def test_token_authentication_works(api, make_session):
    session = make_session()
    enterprise = factories.enterprise()
    factories.enterprise_user(enterprise, username="rt-token-user", mobile="13900001234")
    response = api.post("/api/v1/auth/token/", {"username": "rt-token-user", "password": factories.PASSWORD})
    token = response.json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = api.post(session_url(session, "registrations"), sign_up_body(enterprise), format="json")
    assert response.status_code == 201, response.content
    assert api.get(REGISTRATIONS).json()["count"] == 1
    api.credentials(HTTP_AUTHORIZATION="Token wrong")
    assert api.get(REGISTRATIONS).status_code in (401, 403)
