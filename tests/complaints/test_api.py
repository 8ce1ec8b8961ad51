"""The cases API: scoping, the lifecycle through its actions, errors, idempotency,
filters, query counts and the confidentiality of the complainant."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from complaints import services
from complaints.models import Case, CaseEvent, Channel, NonAcceptanceReason, ProblemCategory, Status, Tier
from portal import roles
from tests import factories

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases/"


# --- Helpers -----------------------------------------------------------------------


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def official():
    return factories.official()


@pytest.fixture
def department():
    return factories.department()


@pytest.fixture
def handler(department):
    return factories.handler(department)


def category():
    return ProblemCategory.objects.get(name="审批服务")


def file_case(actor=None, **fields) -> Case:
    values = {
        "channel": Channel.WEB,
        "title": "施工许可审批超过承诺时限",
        "description": "项目施工许可申请提交已二十个工作日，仍未办结。",
        "category": category(),
        "complainant_name": "张经理",
        "complainant_phone": "13800138000",
    }
    return services.case_file(actor=actor, **{**values, **fields})


def assigned_case(official, department, **fields) -> Case:
    case = file_case(**fields)
    services.case_accept(case=case, actor=official)
    return services.case_assign(case=case, actor=official, lead_department=department)


def url(case, action: str = "") -> str:
    number = case if isinstance(case, str) else case.number
    return f"{CASES}{number}/" + (f"{action}/" if action else "")


def future(days: int = 10) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def task(department, **fields) -> dict:
    return {
        "task": "加快施工许可审批",
        "measure": "并联审查，限时办结",
        "deadline": future(),
        "department": department.pk,
        "responsible_person": "李科长",
        **fields,
    }


def errors(response) -> list[dict]:
    body = response.json()
    assert set(body) == {"errors"}, body
    return body["errors"]


def numbers(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["number"] for row in response.json()["results"]}


# --- Authentication and scoping ------------------------------------------------------


def test_token_authentication_works_on_cases(api):
    account = factories.enterprise_user(username="case-token-user")
    mine = file_case(actor=account)
    token = api.post("/api/v1/auth/token/", {"username": "case-token-user", "password": factories.PASSWORD}).json()[
        "token"
    ]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert numbers(api.get(CASES)) == {mine.number}
    assert api.get(url(mine)).json()["number"] == mine.number


def test_anonymous_calls_are_refused(api):
    case = file_case()
    assert api.get(CASES).status_code in (401, 403)
    assert api.get(url(case)).status_code in (401, 403)
    response = api.post(CASES, {"title": "x"}, format="json")
    assert response.status_code in (401, 403)
    assert errors(response)[0]["field"] is None
    assert Case.objects.count() == 1


def test_each_user_lists_the_cases_they_may_see(api, official, department, handler):
    enterprise = factories.enterprise()
    member = factories.enterprise_user(enterprise)
    ours = assigned_case(official, department)
    other_department = assigned_case(official, factories.department())
    enterprise_case = file_case(actor=official, enterprise=enterprise)
    own_filing = file_case(actor=member)
    experience_officer = factories.user(roles.EXPERIENCE_OFFICER)
    theirs = file_case(actor=experience_officer)

    api.force_authenticate(official)
    assert numbers(api.get(CASES)) == {c.number for c in (ours, other_department, enterprise_case, own_filing, theirs)}
    api.force_authenticate(handler)
    assert numbers(api.get(CASES)) == {ours.number}
    api.force_authenticate(member)
    assert numbers(api.get(CASES)) == {enterprise_case.number, own_filing.number}
    api.force_authenticate(experience_officer)
    assert numbers(api.get(CASES)) == {theirs.number}


def test_a_handler_of_another_department_gets_404(api, official, department):
    case = assigned_case(official, department)
    api.force_authenticate(factories.handler(factories.department()))

    for response in (
        api.get(url(case)),
        api.get(url(case, "events")),
        api.post(url(case, "set-measures"), {"tasks": [task(department)]}, format="json"),
        # Even bad input: the case does not exist for this user.
        api.post(url(case, "resolve"), {}, format="json"),
    ):
        assert response.status_code == 404
        assert errors(response)[0]["field"] is None
    case.refresh_from_db()
    assert case.status == Status.ASSIGNED


def test_an_action_the_user_may_not_take_is_403(api, official, department, handler):
    enterprise_user = factories.enterprise_user()
    received = file_case(actor=enterprise_user)
    api.force_authenticate(enterprise_user)
    response = api.post(url(received, "accept"), {}, format="json")
    assert response.status_code == 403
    assert errors(response)[0]["field"] is None

    assigned = assigned_case(official, department)
    api.force_authenticate(handler)
    assert api.post(url(assigned, "escalate"), {"chief_officer": official.pk}, format="json").status_code == 403
    received.refresh_from_db()
    assert received.status == Status.RECEIVED


# --- The lifecycle ------------------------------------------------------------------


def test_full_lifecycle_through_the_api(api, official, department, handler):
    enterprise = factories.enterprise()
    member = factories.enterprise_user(enterprise)

    api.force_authenticate(member)
    response = api.post(
        CASES,
        {
            "title": "厂房竣工验收久拖不决",
            "description": "竣工验收材料已齐全，三个月未安排验收。",
            "category": "审批服务",
            "complainant_name": "王总",
            "complainant_phone": "+86 139-0000-1111",
            "enterprise": enterprise.pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    created = response.json()
    number = created["number"]
    assert response["Location"].endswith(url(number))
    assert created["status"] == Status.RECEIVED
    assert created["status_display"] == "待受理"
    assert created["channel"] == Channel.API
    assert created["category"] == "审批服务"
    assert created["complainant_phone"] == "13900001111"
    assert created["enterprise"] == enterprise.pk
    assert created["enterprise_name"] == enterprise.name

    api.force_authenticate(official)
    response = api.post(url(number, "accept"), {"note": "属于营商环境问题，予以受理。"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == Status.ACCEPTED
    assert response.json()["stage"] == "assign"
    assert response.json()["flag"] in ("green", "yellow")

    co_department = factories.department()
    # A cross-department case is owned by a chief problem officer (首席问题官).
    chief = factories.user(roles.CHIEF_PROBLEM_OFFICER)
    response = api.post(
        url(number, "assign"),
        {
            "lead_department": department.pk,
            "co_departments": [co_department.pk],
            "tier": Tier.CROSS_DEPARTMENT,
            "chief_officer": chief.pk,
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    assigned = response.json()
    assert assigned["status"] == Status.ASSIGNED
    assert assigned["lead_department"] == {"id": department.pk, "name": department.name}
    assert assigned["co_departments"] == [{"id": co_department.pk, "name": co_department.name}]
    assert assigned["tier"] == Tier.CROSS_DEPARTMENT
    assert assigned["stage"] == "measures"
    assert assigned["stage_due_at"]

    api.force_authenticate(handler)
    response = api.post(
        url(number, "set-measures"),
        {"tasks": [task(department), task(co_department, task="组织联合验收")], "note": "两项措施"},
        format="json",
    )
    assert response.status_code == 200, response.content
    measures = response.json()
    assert measures["status"] == Status.MEASURES_SET
    assert [row["task"] for row in measures["tasks"]] == ["加快施工许可审批", "组织联合验收"]
    assert measures["tasks"][0]["department"] == {"id": department.pk, "name": department.name}
    assert measures["tasks"][0]["deadline"] == future()

    response = api.post(url(number, "feedback"), {"feedback": "已约定下周联合验收。"}, format="json")
    assert response.json()["status"] == Status.FEEDBACK_GIVEN
    # Each task of the four lists is signed off (销号) before 办结.
    for row in measures["tasks"]:
        response = api.post(url(number, f"tasks/{row['id']}/done"), {"note": "已完成。"}, format="json")
        assert response.status_code == 200, response.content
    assert all(row["done_at"] for row in response.json()["tasks"])
    response = api.post(url(number, "resolve"), {"resolution": "已完成竣工验收。"}, format="json")
    assert response.json()["status"] == Status.RESOLVED

    api.force_authenticate(member)
    response = api.post(url(number, "rate"), {"rating": "satisfied", "comment": "办得快"}, format="json")
    assert response.status_code == 200, response.content
    closed = response.json()
    assert closed["status"] == Status.CLOSED
    assert closed["status_display"] == "已销单"
    assert closed["ratings"] == [
        {
            "round": 1,
            "rating": "satisfied",
            "rating_display": "满意",
            "method": "enterprise",
            "method_display": "企业评价",
            "comment": "办得快",
            "created_at": closed["ratings"][0]["created_at"],
        }
    ]

    kinds = [event["kind"] for event in api.get(url(number, "events")).json()]
    assert kinds == [
        "received",
        "accepted",
        "assigned",
        "measures_set",
        "feedback",
        "task_done",
        "task_done",
        "resolved",
        "rated",
        "closed",
    ]


def test_reject_suspend_resume_escalate_and_a_return_visit(api, official, department, handler):
    chief = factories.user(roles.CHIEF_PROBLEM_OFFICER, full_name="赵首席")
    api.force_authenticate(official)

    declined = file_case()
    reason = NonAcceptanceReason.objects.order_by("sort_order").first()
    response = api.post(url(declined, "reject"), {"reason": reason.pk, "reply": "请依法申请复议。"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == Status.NOT_ACCEPTED
    assert response.json()["non_acceptance_reason"] == reason.title

    case = assigned_case(official, department)
    response = api.post(url(case, "suspend"), {"reason": "等待企业补充材料"}, format="json")
    assert response.json()["is_suspended"] is True
    assert response.json()["flag"] == ""
    response = api.post(url(case, "resume"), {"note": "材料已补齐"}, format="json")
    assert response.json()["is_suspended"] is False
    response = api.post(url(case, "escalate"), {"chief_officer": chief.pk, "note": "涉及多部门"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["chief_officer"] == {"id": chief.pk, "name": "赵首席"}
    assert response.json()["is_escalated"] is True

    services.case_set_measures(
        case=case,
        actor=handler,
        tasks=[{**task(department), "deadline": timezone.localdate(), "department": department}],
    )
    services.case_give_feedback(case=case, actor=handler, feedback="已处理")
    services.case_resolve(case=case, actor=handler, resolution="已办结", open_tasks_reason="任务已并入常态化工作")
    # An official's return visit (回访) instead of the enterprise's own rating.
    response = api.post(url(case, "rate"), {"rating": "basically", "method": "phone"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == Status.CLOSED
    assert response.json()["ratings"][0]["method"] == "phone"


def test_an_official_may_record_another_channel_others_may_not(api, official):
    payload = {
        "title": "热线转办",
        "description": "企业来电反映。",
        "category": category().pk,
        "complainant_name": "刘",
    }
    api.force_authenticate(official)
    response = api.post(CASES, {**payload, "channel": Channel.HOTLINE_12345}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["channel"] == Channel.HOTLINE_12345

    api.force_authenticate(factories.enterprise_user())
    response = api.post(CASES, {**payload, "channel": Channel.HOTLINE_12345}, format="json")
    assert response.status_code == 400
    assert [error["field"] for error in errors(response)] == ["channel"]
    assert api.post(CASES, {**payload, "channel": Channel.API}, format="json").status_code == 201


def test_a_refused_transition_names_the_state(api, official):
    case = file_case()
    api.force_authenticate(official)
    response = api.post(url(case, "resolve"), {"resolution": "已办结"}, format="json")
    assert response.status_code == 409
    [error] = errors(response)
    assert error["field"] is None
    assert "当前状态为“待受理”" in error["message"]
    assert case.number in error["message"]


def test_an_enterprise_the_user_does_not_represent_is_refused(api):
    factories.enterprise_user(factories.enterprise())
    stranger = factories.enterprise()
    api.force_authenticate(factories.enterprise_user(factories.enterprise()))
    payload = {"title": "t", "description": "d", "category": "融资", "complainant_name": "n", "enterprise": stranger.pk}
    response = api.post(CASES, payload, format="json")
    assert response.status_code == 400
    assert errors(response) == [{"field": "enterprise", "message": "您尚未获准代表该企业。"}]
    assert not Case.objects.exists()


# --- Bad input is a 400, never a 500 --------------------------------------------------


@pytest.mark.parametrize(
    ("action", "payload", "field"),
    [
        ("assign", {"lead_department": 999999}, "lead_department"),
        ("assign", {"lead_department": 10**20}, "lead_department"),
        ("assign", {"lead_department": "abc"}, "lead_department"),
        ("assign", {"lead_department": "LEAD", "tier": "enormous"}, "tier"),
        ("assign", {"lead_department": "LEAD", "co_departments": "1,2"}, "co_departments"),
        ("assign", {"lead_department": "LEAD", "tier": Tier.MAJOR}, "chief_officer"),
        ("assign", {"lead_department": "LEAD", "chief_officer": "OFFICIAL"}, "chief_officer"),
        ("assign", {"lead_department": "LEAD", "tier": Tier.CROSS_DEPARTMENT}, "co_departments"),
        ("accept", [1, 2], None),
        ("reject", {"reason": 999999, "reply": "x"}, "reason"),
        ("reject", {"reason": "REASON", "reply": "  "}, "reply"),
        ("escalate", {"chief_officer": "OFFICIAL"}, "chief_officer"),
        ("escalate", {}, "chief_officer"),
    ],
)
def test_bad_input_to_an_official_action_is_400(api, official, department, action, payload, field):
    case = file_case()
    services.case_accept(case=case, actor=official)
    substitutes = {
        "LEAD": department.pk,
        "OFFICIAL": official.pk,
        "REASON": NonAcceptanceReason.objects.first().pk,
    }
    if isinstance(payload, dict):
        payload = {
            key: substitutes.get(value, value) if isinstance(value, str) else value for key, value in payload.items()
        }
    api.force_authenticate(official)
    response = api.post(url(case, action), payload, format="json")
    assert response.status_code == 400, response.content
    found = errors(response)
    assert found
    assert found[0]["field"] == field
    assert all(error["message"] for error in found)


@pytest.mark.parametrize(
    ("tasks", "field"),
    [
        ([], "tasks"),
        ("not a list", "tasks"),
        ([{"deadline": "tomorrow"}], "tasks.0.task"),
        (["TASK", {"deadline": "2026-13-45"}], "tasks.1.task"),
        ("BAD_DATE", "tasks.0.deadline"),
        ("PAST", "tasks"),
        ("UNKNOWN_DEPARTMENT", "tasks.0.department"),
    ],
)
def test_bad_measures_are_400(api, official, department, handler, tasks, field):
    case = assigned_case(official, department)
    good = task(department)
    tasks = (
        {
            "BAD_DATE": [{**good, "deadline": "2026-02-30"}],
            "PAST": [{**good, "deadline": "2020-01-01"}],
            "UNKNOWN_DEPARTMENT": [{**good, "department": 999999}],
        }.get(tasks, tasks)
        if isinstance(tasks, str)
        else [good if item == "TASK" else item for item in tasks]
    )
    api.force_authenticate(handler)
    response = api.post(url(case, "set-measures"), {"tasks": tasks}, format="json")
    assert response.status_code == 400, response.content
    assert field in [error["field"] for error in errors(response)]
    case.refresh_from_db()
    assert case.status == Status.ASSIGNED


def test_bad_filing_input_is_400(api):
    api.force_authenticate(factories.enterprise_user())
    response = api.post(
        CASES,
        {"title": "", "category": "不存在的分类", "complainant_name": "n", "complainant_phone": "12345", "region": "x"},
        format="json",
    )
    assert response.status_code == 400
    fields = {error["field"] for error in errors(response)}
    assert fields == {"title", "description", "category", "region"}
    assert "问题分类“不存在的分类”不存在或已停用。" in [error["message"] for error in errors(response)]

    # The model's own validation (the mobile number) answers in the same shape.
    payload = {
        "title": "t",
        "description": "d",
        "category": "融资",
        "complainant_name": "n",
        "complainant_phone": "123",
    }
    response = api.post(CASES, payload, format="json")
    assert response.status_code == 400
    assert errors(response) == [{"field": "complainant_phone", "message": "请输入有效的11位手机号码（以13至19开头）。"}]

    response = api.post(CASES, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert errors(response)[0]["field"] is None
    assert not Case.objects.exists()


def test_rating_refusals(api, official, department, handler):
    member = factories.enterprise_user()
    case = file_case(actor=member)
    services.case_accept(case=case, actor=official)
    services.case_assign(case=case, actor=official, lead_department=department)
    services.case_set_measures(
        case=case,
        actor=handler,
        tasks=[{**task(department), "deadline": timezone.localdate(), "department": department}],
    )
    services.case_give_feedback(case=case, actor=handler, feedback="f")
    services.case_resolve(case=case, actor=handler, resolution="r", open_tasks_reason="已并入常态化工作")
    api.force_authenticate(member)

    assert errors(api.post(url(case, "rate"), {"rating": "great"}, format="json"))[0]["field"] == "rating"
    response = api.post(url(case, "rate"), {"rating": "unsatisfied"}, format="json")
    assert response.status_code == 400
    assert errors(response) == [{"field": "comment", "message": "不满意时请说明原因，以便再次办理。"}]
    # A return visit is for officials.
    assert api.post(url(case, "rate"), {"rating": "satisfied", "method": "phone"}, format="json").status_code == 403

    response = api.post(url(case, "rate"), {"rating": "unsatisfied", "comment": "没解决"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == Status.ASSIGNED
    assert response.json()["round"] == 2


# --- Timeline ------------------------------------------------------------------------


def test_the_enterprise_side_sees_public_events_only(api, official, department):
    member = factories.enterprise_user()
    case = file_case(actor=member)
    services.case_accept(case=case, actor=official)
    chief = factories.user(roles.CHIEF_PROBLEM_OFFICER)
    services.case_escalate(case=case, actor=official, chief_officer=chief, note="内部：提级")

    api.force_authenticate(member)
    public = api.get(url(case, "events")).json()
    assert [event["kind"] for event in public] == ["received", "accepted"]
    assert all(event["is_public"] for event in public)
    assert all(event["actor"] is None for event in public)
    assert "内部：提级" not in api.get(url(case, "events")).content.decode()

    api.force_authenticate(official)
    internal = api.get(url(case, "events")).json()
    assert [event["kind"] for event in internal] == ["received", "accepted", "escalated"]
    assert internal[2]["is_public"] is False
    assert internal[1]["actor"] == official.get_full_name()


# --- Idempotency -----------------------------------------------------------------------


def test_the_same_idempotency_key_files_one_case(api):
    account = factories.enterprise_user()
    api.force_authenticate(account)
    payload = {"title": "重复提交", "description": "d", "category": "用地", "complainant_name": "n"}

    first = api.post(CASES, payload, format="json", HTTP_IDEMPOTENCY_KEY="form-123")
    assert first.status_code == 201
    again = api.post(CASES, {**payload, "title": "改过的标题"}, format="json", HTTP_IDEMPOTENCY_KEY="form-123")
    assert again.status_code == 200
    assert again.json()["number"] == first.json()["number"]
    assert again.json()["title"] == "重复提交"
    assert Case.objects.count() == 1
    assert CaseEvent.objects.count() == 1

    # Without a key every post is a new case.
    assert api.post(CASES, payload, format="json").status_code == 201
    assert api.post(CASES, payload, format="json").status_code == 201
    assert Case.objects.count() == 3

    # Someone else's key is not theirs to reuse.
    api.force_authenticate(factories.enterprise_user())
    assert api.post(CASES, payload, format="json", HTTP_IDEMPOTENCY_KEY="form-123").status_code == 403
    response = api.post(CASES, payload, format="json", HTTP_IDEMPOTENCY_KEY="k" * 65)
    assert response.status_code == 400
    assert errors(response)[0]["field"] == "Idempotency-Key"
    assert Case.objects.count() == 3


# --- Filters and query counts --------------------------------------------------------


def test_filters(api, official, department):
    received = file_case(title="用地指标")
    late = assigned_case(official, department, title="审批超期")
    Case.objects.filter(pk=late.pk).update(stage_due_at=timezone.now() - dt.timedelta(days=2))
    elsewhere = factories.department()
    co_handled = file_case()
    services.case_accept(case=co_handled, actor=official)
    services.case_assign(
        case=co_handled,
        actor=official,
        lead_department=elsewhere,
        co_departments=[department],
        tier=Tier.CROSS_DEPARTMENT,
        chief_officer=factories.user(roles.CHIEF_PROBLEM_OFFICER),
    )
    api.force_authenticate(official)

    assert numbers(api.get(CASES, {"status": "received"})) == {received.number}
    assert numbers(api.get(CASES, {"status": ["received", "assigned"]})) == {
        received.number,
        late.number,
        co_handled.number,
    }
    overdue = api.get(CASES, {"overdue": "true"})
    assert numbers(overdue) == {late.number}
    assert overdue.json()["results"][0]["flag"] == "red"
    assert numbers(api.get(CASES, {"overdue": "false"})) == {received.number, co_handled.number}
    assert numbers(api.get(CASES, {"department": department.pk})) == {late.number, co_handled.number}
    assert numbers(api.get(CASES, {"department": elsewhere.pk})) == {co_handled.number}
    assert numbers(api.get(CASES, {"q": "用地"})) == {received.number}
    assert numbers(api.get(CASES, {"q": late.number})) == {late.number}
    assert numbers(api.get(CASES, {"open": "true", "channel": "web", "category": category().pk})) == {
        received.number,
        late.number,
        co_handled.number,
    }
    assert numbers(api.get(CASES, {"received_after": timezone.localdate().isoformat()})) == {
        received.number,
        late.number,
        co_handled.number,
    }
    assert numbers(api.get(CASES, {"received_before": "2000-01-01"})) == set()

    # The received case's 交办 deadline (a working day from receipt) comes before the
    # assigned one's 明确措施 deadline.
    ordered = api.get(CASES, {"ordering": "stage_due_at"}).json()["results"]
    assert [row["number"] for row in ordered] == [late.number, received.number, co_handled.number]
    # Cases due at the same moment keep one order (by id) from page to page.
    # Written newest first, so the table holds them out of id order, as it does after edits.
    tied = sorted([late, received, co_handled], key=lambda case: case.pk)
    due = timezone.now()
    for case in reversed(tied):
        Case.objects.filter(pk=case.pk).update(stage_due_at=due)
    in_id_order = [case.number for case in tied]
    for ordering in ("stage_due_at", "-stage_due_at"):
        ordered = api.get(CASES, {"ordering": ordering}).json()["results"]
        assert [row["number"] for row in ordered] == in_id_order
    # Ordering by the complainant would leak a confidential name through the order: ignored.
    assert api.get(CASES, {"ordering": "complainant_name"}).status_code == 200

    for bad in ({"status": "lost"}, {"department": "x"}, {"received_after": "yesterday"}):
        response = api.get(CASES, bad)
        assert response.status_code == 400
        assert errors(response)[0]["field"] == next(iter(bad))
    # An id that names no department is a valid id, as the schema says: no case has it (#19).
    response = api.get(CASES, {"department": 999999})
    assert response.status_code == 200 and response.json()["results"] == []


@pytest.mark.parametrize("reader", ["official", "handler", "enterprise"])
def test_the_list_runs_a_constant_number_of_queries(
    api, official, department, handler, reader, django_assert_num_queries
):
    enterprise = factories.enterprise()
    member = factories.enterprise_user(enterprise)
    chief = factories.user(roles.CHIEF_PROBLEM_OFFICER)

    def fill(count):
        for index in range(count):
            case = file_case(actor=member, enterprise=enterprise, is_confidential=index % 2 == 0)
            services.case_accept(case=case, actor=official)
            services.case_assign(
                case=case,
                actor=official,
                lead_department=department,
                co_departments=[factories.department()],
                tier=Tier.MAJOR,
                chief_officer=chief,
            )

    # A session login loads the user and their permissions afresh per request.
    api.force_login({"official": official, "handler": handler, "enterprise": member}[reader])
    fill(3)
    api.get(CASES)
    with CaptureQueriesContext(connection) as small:
        assert api.get(CASES).json()["count"] == 3
    fill(20)
    with django_assert_num_queries(len(small.captured_queries)):
        response = api.get(CASES)
    assert response.json()["count"] == 23


# --- Confidentiality -------------------------------------------------------------------

SECRET_NAME = "欧阳保密人"
SECRET_PHONE = "13912345678"
SECRET_EMAIL = "ouyang.secret@example.com"
SECRET_ENTERPRISE = "绝密测试精密机械有限公司"
SECRET_ORGANISATION = "宣城市绝密商会"
SECRETS = [SECRET_NAME, SECRET_PHONE, SECRET_EMAIL, SECRET_ENTERPRISE, SECRET_ORGANISATION]


def assert_no_secrets(response):
    texts = [response.content.decode()]
    if response.content:
        texts.append(json.dumps(response.json(), ensure_ascii=False))
    for text in texts:
        for secret in SECRETS:
            assert secret not in text, (secret, response.request["PATH_INFO"])


@pytest.fixture
def confidential(api, official, department):
    """A confidential case an enterprise user filed through the API, assigned to ``department``."""
    enterprise = factories.enterprise(name=SECRET_ENTERPRISE)
    # The filer's own name is the identity too: it shows as the actor of their events.
    member = factories.enterprise_user(enterprise, full_name=SECRET_NAME)
    api.force_authenticate(member)
    response = api.post(
        CASES,
        {
            "title": "反映执法检查频次过高",
            "description": "一个月内被不同部门检查六次。",
            "category": "执法监管",
            "complainant_name": SECRET_NAME,
            "complainant_phone": SECRET_PHONE,
            "complainant_email": SECRET_EMAIL,
            "on_behalf_of_organisation": SECRET_ORGANISATION,
            "enterprise": enterprise.pk,
            "is_confidential": True,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    # The complainant sees their own identity.
    assert response.json()["complainant_name"] == SECRET_NAME
    assert response.json()["enterprise"] == enterprise.pk
    case = Case.objects.get(number=response.json()["number"])
    services.case_accept(case=case, actor=official)
    services.case_assign(case=case, actor=official, lead_department=department)
    api.force_authenticate(None)
    return case, member, enterprise


def test_a_handler_never_sees_a_confidential_identity(api, confidential, handler, department):
    case, member, _ = confidential
    api.force_authenticate(handler)

    listed = api.get(CASES)
    assert_no_secrets(listed)
    [row] = listed.json()["results"]
    assert row["complainant_name"] == "（保密）"
    assert row["enterprise"] is None
    assert row["enterprise_name"] == "（保密）"
    assert row["identity_visible"] is False

    detail = api.get(url(case))
    assert_no_secrets(detail)
    body = detail.json()
    assert body["complainant_name"] == body["complainant_phone"] == body["complainant_email"] == "（保密）"
    assert body["on_behalf_of_organisation"] == "（保密）"
    assert body["enterprise"] is None

    responses = [
        api.post(url(case, "suspend"), {"reason": "等待材料"}, format="json"),
        api.post(url(case, "resume"), {}, format="json"),
        api.post(url(case, "set-measures"), {"tasks": [task(department)]}, format="json"),
        api.post(url(case, "feedback"), {"feedback": "已约谈相关部门"}, format="json"),
        api.post(
            url(case, "resolve"), {"resolution": "已统筹检查计划", "open_tasks_reason": "任务转入常态化"}, format="json"
        ),
        # Refused ones too.
        api.post(url(case, "resolve"), {"resolution": "again"}, format="json"),
        api.post(url(case, "accept"), {}, format="json"),
        api.post(url(case, "rate"), {"rating": "satisfied"}, format="json"),
    ]
    assert [response.status_code for response in responses] == [200, 200, 200, 200, 200, 409, 403, 403]
    for response in responses:
        assert_no_secrets(response)
        if response.status_code == 200:
            assert response.json()["enterprise"] is None

    # The enterprise rates: the rater is the complainant's side, so masked too.
    api.force_authenticate(member)
    response = api.post(url(case, "rate"), {"rating": "unsatisfied", "comment": "检查仍然频繁"}, format="json")
    assert response.status_code == 200, response.content
    api.force_authenticate(handler)
    events = api.get(url(case, "events"))
    assert_no_secrets(events)
    actors = {event["kind"]: event["actor"] for event in events.json()}
    assert actors["received"] == actors["rated"] == "（保密）"
    assert actors["accepted"] == actors["assigned"]
    assert actors["feedback"] == handler.get_full_name()
    assert_no_secrets(api.get(url(case)))
    assert_no_secrets(api.get(CASES, {"q": SECRET_NAME}))


def test_an_official_sees_a_confidential_identity(api, confidential, official):
    case, _, enterprise = confidential
    api.force_authenticate(official)
    body = api.get(url(case)).json()
    assert body["identity_visible"] is True
    assert body["complainant_name"] == SECRET_NAME
    assert body["complainant_phone"] == SECRET_PHONE
    assert body["complainant_email"] == SECRET_EMAIL
    assert body["on_behalf_of_organisation"] == SECRET_ORGANISATION
    assert body["enterprise"] == enterprise.pk
    assert body["enterprise_name"] == SECRET_ENTERPRISE
    [row] = api.get(CASES).json()["results"]
    assert row["complainant_name"] == SECRET_NAME
    assert api.get(url(case, "events")).json()[0]["actor"] == SECRET_NAME


def test_a_chief_officer_of_the_case_does_not_see_the_identity(api, confidential, official):
    case, _, _ = confidential
    chief = factories.user(roles.CHIEF_PROBLEM_OFFICER)
    services.case_escalate(case=case, actor=official, chief_officer=chief)
    api.force_authenticate(chief)
    for response in (api.get(CASES), api.get(url(case)), api.get(url(case, "events"))):
        assert response.status_code == 200
        assert_no_secrets(response)


# --- Schema ---------------------------------------------------------------------------


def test_the_schema_documents_the_cases_api_without_warnings(client):
    from drf_spectacular.drainage import GENERATOR_STATS

    GENERATOR_STATS.reset()
    with GENERATOR_STATS.silence():
        response = client.get("/api/schema/")
    assert response.status_code == 200
    content = response.content.decode()
    for path in ("/api/v1/cases/", "/api/v1/cases/{number}/events/", "/api/v1/cases/{number}/set-measures/"):
        assert f"{path}:" in content
    messages = [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
    ours = ("complaints", "Case", "Status", "Stage", "Channel", "Tier", "Rating", "Kind", "Flag")
    assert [message for message in messages if any(word in message for word in ours)] == []


def test_the_count_stops_at_the_cap_and_says_so(api, client, official, monkeypatch):
    # At city scale an exact count of a million cases cost over a second a page; lists
    # count up to a cap (10,000) and flag that there are more. Here the cap is 3.
    from portal.pagination import CappedCountPaginator

    enterprise = factories.enterprise()
    member = factories.enterprise_user(enterprise)
    for _ in range(5):
        file_case(actor=member, enterprise=enterprise)
    api.force_login(official)
    assert api.get(CASES).json()["count"] == 5
    monkeypatch.setattr(CappedCountPaginator, "count_cap", 3)
    body = api.get(CASES).json()
    assert body["count"] == 3 and body["count_capped"] is True
    # Every case is still listed: the cap limits the count, not the rows.
    assert len(body["results"]) == 5

    monkeypatch.setattr(CappedCountPaginator, "count_cap", 10)
    assert api.get(CASES).json() | {"results": []} == {
        "count": 5,
        "count_capped": False,
        "next": None,
        "previous": None,
        "results": [],
    }

    # The workbench pages 30 to a page: over the cap it shows the page count with a "+".
    monkeypatch.setattr(CappedCountPaginator, "count_cap", 40)
    for _ in range(40):
        file_case(actor=member, enterprise=enterprise)
    client.force_login(official)
    page = client.get("/cases/").content.decode()
    assert "1 / 2+" in page and "page=2" in page


def test_labels_of_choices_follow_the_readers_language(api, official, department):
    case = assigned_case(official, department)
    api.force_authenticate(official)
    row = api.get(CASES).json()["results"][0]
    assert (row["number"], row["status_display"], row["tier_display"]) == (case.number, "已交办", "一般")
    api.cookies["django_language"] = "en"
    row = api.get(CASES).json()["results"][0]
    assert (row["status_display"], row["tier_display"]) == ("Assigned", "Ordinary")
