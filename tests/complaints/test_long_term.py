"""需长期推进: a handler or an official asks, a chief officer approves or refuses; an
approved case leaves every overdue count (list, start page, dashboard, figures API,
sweep) and is counted on its own, until the chief officer, reminded on the review
date, extends it or ends it and the clock resumes."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from complaints import selectors, services
from complaints.models import Case, CaseEvent, EventKind, LongTermRequest, Stage, Status
from complaints.reporting import selectors as reports
from complaints.tasks import remind_long_term_reviews, sweep_overdue_cases
from portal.models import Notification
from portal.workdays import WorkCalendar

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args):
    return dt.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def clock():
    """Moves the clock: ``clock(at(...))``; stopped while a test looks."""
    travellers = []

    def move(moment):
        if travellers:
            travellers.pop().stop()
        traveller = time_machine.travel(moment, tick=False)
        traveller.start()
        travellers.append(traveller)

    yield move
    for traveller in travellers:
        traveller.stop()


def working_day_after(days: int = 3) -> dt.date:
    return WorkCalendar().add_working_days(timezone.localdate(), days)


def make_late(case: Case, days: int = 2) -> Case:
    Case.objects.filter(pk=case.pk).update(stage_due_at=timezone.now() - dt.timedelta(days=days))
    return Case.objects.get(pk=case.pk)


def long_term(people, case: Case, *, review_on: dt.date | None = None) -> Case:
    """Asked for by the lead department's handler, approved by the chief officer."""
    services.case_long_term_request(
        case=case, actor=people.handler_x, reason="需省级用地指标，预计半年", review_on=review_on or working_day_after()
    )
    return services.case_long_term_decide(case=case, actor=people.chief, approved=True, note="同意")


def numbers(html: str) -> set[str]:
    return set(re.findall(r'href="/cases/(SQ\d{4}-\d{6})/"', html))


# --- The journey in the browser ------------------------------------------------------


def test_a_handler_asks_and_a_chief_officer_approves_on_the_case_page(client, people, case_at):
    case = make_late(case_at("assigned"))
    review_on = working_day_after(5)

    client.force_login(people.handler_x)
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert 'data-action="long_term"' in page
    response = client.post(
        f"/cases/{case.number}/long_term/", {"reason": "需省级用地指标，预计半年", "review_on": f"{review_on:%Y-%m-%d}"}
    )
    assert response.status_code == 302
    request = LongTermRequest.objects.get(case=case)
    assert request.approved is None and request.requested_by == people.handler_x
    start = {item.label: item.count for item in selectors.start_items(user=people.chief)}
    assert start["待审批的长期推进申请"] == 1
    # The chief officers are asked to decide.
    assert Notification.objects.filter(recipient=people.chief, kind="case.long_term.requested").exists()
    # Asked for, not yet approved: still overdue.
    assert Case.objects.filter(pk=case.pk).get().long_term_since is None

    client.force_login(people.chief)
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert 'data-testid="long-term-request"' in page and "需省级用地指标" in page
    assert 'data-action="long_term_decide"' in page
    response = client.post(f"/cases/{case.number}/long_term_decide/", {"approved": "yes", "note": "同意"})
    assert response.status_code == 302

    case.refresh_from_db()
    assert case.long_term_since is not None
    assert case.long_term_reason == "需省级用地指标，预计半年"
    assert case.long_term_review_on == review_on
    approved = CaseEvent.objects.get(case=case, kind=EventKind.LONG_TERM_APPROVED)
    assert approved.is_public and approved.actor == people.chief
    assert Notification.objects.filter(recipient=people.handler_x, kind="case.long_term.decided").exists()

    # Its own list, with the badge and the review date; out of the overdue list.
    client.force_login(people.official)
    listed = client.get("/cases/", {"long_term": "true"}).content.decode()
    assert numbers(listed) == {case.number}
    assert 'data-testid="long-term">需长期推进</span>' in listed
    assert f"下次评估 {review_on:%Y-%m-%d}" in listed
    assert case.number not in numbers(client.get("/cases/", {"overdue": "true"}).content.decode())
    detail = client.get(f"/cases/{case.number}/").content.decode()
    assert 'data-testid="long-term"' in detail and "超期</span>" not in detail


def test_a_review_date_that_is_not_a_future_working_day_is_refused_keeping_the_input(client, people, case_at):
    case = case_at("assigned")
    client.force_login(people.handler_x)
    calendar = WorkCalendar()
    day_off = timezone.localdate() + dt.timedelta(days=1)
    while calendar.is_working_day(day_off):
        day_off += dt.timedelta(days=1)
    for bad in (timezone.localdate(), day_off):
        response = client.post(
            f"/cases/{case.number}/long_term/", {"reason": "等待省厅批复", "review_on": f"{bad:%Y-%m-%d}"}
        )
        assert response.status_code == 400
        page = response.content.decode()
        assert "下次评估日期须为今天以后的工作日。" in page
        assert "等待省厅批复" in page  # what was typed stays
    assert not LongTermRequest.objects.filter(case=case).exists()


def test_a_refusal_needs_a_reason_and_leaves_the_case_on_its_clock(people, case_at):
    case = make_late(case_at("assigned"))
    services.case_long_term_request(case=case, actor=people.official, reason="等待", review_on=working_day_after())
    with pytest.raises(services.CaseError, match="不同意时请说明理由"):
        services.case_long_term_decide(case=case, actor=people.chief, approved=False)
    case = services.case_long_term_decide(case=case, actor=people.chief, approved=False, note="一个月内可以办结")
    assert case.long_term_since is None
    assert LongTermRequest.objects.get(case=case).approved is False
    assert CaseEvent.objects.filter(case=case, kind=EventKind.LONG_TERM_REJECTED, is_public=False).exists()
    assert Case.objects.filter(pk=case.pk).filter(selectors.sla.overdue_q(timezone.now())).exists()
    # A new request may be made afterwards.
    services.case_long_term_request(case=case, actor=people.handler_x, reason="再次申请", review_on=working_day_after())


# --- Who may --------------------------------------------------------------------------


def test_only_the_lead_department_or_an_official_asks_and_only_a_chief_officer_decides(client, people, case_at):
    case = case_at("assigned")
    data = {"reason": "等待", "review_on": f"{working_day_after():%Y-%m-%d}"}
    api = APIClient()

    # Another department's handler may not even see the case.
    client.force_login(people.handler_y)
    assert client.post(f"/cases/{case.number}/long_term/", data).status_code == 404
    api.force_authenticate(people.handler_y)
    assert api.post(f"/api/v1/cases/{case.number}/long-term/", data, format="json").status_code == 404
    # The enterprise sees its case but may not ask, nor decide.
    client.force_login(people.member_a)
    assert client.post(f"/cases/{case.number}/long_term/", data).status_code == 403
    api.force_authenticate(people.member_a)
    assert api.post(f"/api/v1/cases/{case.number}/long-term/", data, format="json").status_code == 403
    assert 'data-action="long_term' not in client.get(f"/cases/{case.number}/").content.decode()

    api.force_authenticate(people.handler_x)
    assert api.post(f"/api/v1/cases/{case.number}/long-term/", data, format="json").status_code == 201
    for user in (people.handler_x, people.official, people.member_a):
        api.force_authenticate(user)
        response = api.post(f"/api/v1/cases/{case.number}/long-term/decide/", {"approved": True}, format="json")
        assert response.status_code == 403, user
    client.force_login(people.official)
    assert client.post(f"/cases/{case.number}/long_term_decide/", {"approved": "yes"}).status_code == 403
    with pytest.raises(services.PermissionDenied):
        services.case_long_term_decide(case=case, actor=people.handler_x, approved=True)
    assert Case.objects.get(pk=case.pk).long_term_since is None


def test_a_co_handling_department_may_not_ask(people, case_at):
    case = case_at("accepted")
    case = services.case_assign(
        case=case,
        actor=people.official,
        lead_department=people.x,
        co_departments=[people.y],
        chief_officer=people.chief,
    )
    with pytest.raises(services.PermissionDenied):
        services.case_long_term_request(case=case, actor=people.handler_y, reason="等待", review_on=working_day_after())


# --- Out of every overdue count, in its own figure -------------------------------------


def test_the_dashboard_the_list_filter_the_start_page_and_the_api_agree(client, people, case_at):
    late = [make_late(case_at("assigned")) for _ in range(3)]
    long = long_term(people, make_late(case_at("assigned")))
    Case.objects.filter(pk=long.pk).update(stage_due_at=timezone.now() - dt.timedelta(days=2))
    case_at("assigned")  # on time
    expected_overdue = {case.number for case in late}

    client.force_login(people.official)
    listed = numbers(client.get("/cases/", {"overdue": "true"}).content.decode())
    assert listed == expected_overdue

    dashboard = client.get("/reports/dashboard/").content.decode()
    assert re.search(r'data-testid="overdue-count">\s*3\s*<', dashboard)
    assert re.search(r'data-testid="long-term-count">\s*1件\s*<', dashboard)
    assert long.number not in dashboard.split('data-testid="overdue"')[1]

    api = APIClient()
    api.force_authenticate(people.official)
    figures = api.get("/api/v1/reports/case-figures/").json()
    assert (figures["overdue_open"], figures["long_term"]) == (3, 1)
    api_overdue = {row["number"] for row in api.get("/api/v1/cases/", {"overdue": "true"}).json()["results"]}
    assert api_overdue == expected_overdue
    api_long = api.get("/api/v1/cases/", {"long_term": "true"}).json()["results"]
    assert [(row["number"], row["is_long_term"], row["flag"]) for row in api_long] == [(long.number, True, "")]
    assert api_long[0]["long_term_review_on"] == f"{long.long_term_review_on:%Y-%m-%d}"

    start = {item.label: item.count for item in selectors.start_items(user=people.official)}
    assert start["全市超期"] == 3
    handler_start = {item.label: item.count for item in selectors.start_items(user=people.handler_x)}
    assert handler_start["超期"] == 3

    period = reports.Period.this_year()
    assert reports.case_figures(period).overdue_open == 3
    assert reports.case_figures(period).long_term == 1


def test_the_sweep_does_not_flag_a_long_term_case_and_flags_it_again_once_ended_late(people, case_at, clock):
    clock(at(2026, 11, 2, 9, 0))
    case = case_at("assigned")  # measures due 4 Nov
    clock(at(2026, 11, 10, 9, 0))  # late by four working days when approved
    case = long_term(people, case, review_on=dt.date(2026, 11, 12))
    clock(at(2026, 11, 20, 10, 0))
    assert sweep_overdue_cases() == 0
    assert not CaseEvent.objects.filter(case=case, kind=EventKind.OVERDUE).exists()

    # Ended, it has the time it had left: none; late again at once.
    case = services.case_long_term_end(case=case, actor=people.chief)
    assert case.stage_due_at == at(2026, 11, 16, 17, 30)
    assert sweep_overdue_cases() == 1


# --- Review: reminder, extend, end ----------------------------------------------------------


def test_the_chief_officer_is_reminded_once_when_the_review_date_comes(people, case_at, clock):
    clock(at(2026, 11, 2, 9, 0))
    case = long_term(people, case_at("assigned"), review_on=dt.date(2026, 11, 6))
    assert remind_long_term_reviews() == 0  # not yet

    clock(at(2026, 11, 6, 8, 0))
    assert remind_long_term_reviews() == 1
    assert remind_long_term_reviews() == 0  # once per review date
    reminder = Notification.objects.get(recipient=people.chief, kind="case.long_term.review")
    assert case.number in reminder.title and reminder.link == f"/cases/{case.number}/"
    assert selectors.long_term_reviews_due().get() == case
    start = {item.label: (item.count, item.url) for item in selectors.start_items(user=people.chief)}
    assert start["需长期推进待评估"] == (1, "/cases/?long_term=review")
    assert start["待审批的长期推进申请"][0] == 0

    # Extended to a new date: reminded again on that date.
    case = services.case_long_term_extend(case=case, actor=people.chief, review_on=dt.date(2026, 11, 20), note="")
    assert case.long_term_review_on == dt.date(2026, 11, 20)
    assert CaseEvent.objects.filter(case=case, kind=EventKind.DEADLINE_CHANGED, note__contains="2026-11-20").exists()
    assert remind_long_term_reviews() == 0
    clock(at(2026, 11, 20, 8, 0))
    assert remind_long_term_reviews() == 1


def test_ending_resumes_the_clock_with_the_time_left_when_it_was_approved(people, case_at, clock):
    """Like a suspension: each running deadline moves later by the working days spent
    long-term, so the stage resumes with the time it had left."""
    calendar = WorkCalendar()
    clock(at(2026, 11, 2, 9, 0))
    case = case_at("assigned")
    measures_due, resolve_due = case.measures_due_at, case.resolve_due_at
    case = long_term(people, case, review_on=dt.date(2026, 11, 6))

    clock(at(2026, 11, 16, 10, 0))
    spent = calendar.working_days_between(dt.date(2026, 11, 2), dt.date(2026, 11, 16))
    assert spent == 10
    client_case = services.case_long_term_end(case=case, actor=people.chief, note="用地指标已下达")
    case = Case.objects.get(pk=client_case.pk)
    assert case.long_term_since is None and case.long_term_review_on is None
    assert case.measures_due_at == at(2026, 11, 18, 17, 30) == measures_due + dt.timedelta(days=14)
    assert case.stage_due_at == case.measures_due_at
    assert timezone.localtime(case.resolve_due_at).date() == calendar.add_working_days(
        timezone.localtime(resolve_due).date(), spent
    )
    ended = CaseEvent.objects.get(case=case, kind=EventKind.LONG_TERM_ENDED)
    assert ended.is_public and "顺延至2026-11-18 17:30" in ended.note and "用地指标已下达" in ended.note
    assert not Case.objects.filter(pk=case.pk).filter(selectors.sla.overdue_q(timezone.now())).exists()


def test_a_stage_begun_during_the_period_gets_its_full_time_from_the_end(people, case_at, clock):
    clock(at(2026, 11, 2, 9, 0))
    case = long_term(people, case_at("assigned"), review_on=dt.date(2026, 11, 6))
    clock(at(2026, 11, 9, 9, 0))
    case = services.case_set_measures(
        case=case,
        actor=people.handler_x,
        tasks=[
            {
                "task": "争取用地指标",
                "measure": "报省厅",
                "deadline": dt.date(2026, 12, 30),
                "department": people.x,
                "responsible_person": "李科长",
            }
        ],
    )
    assert case.stage == Stage.FEEDBACK
    clock(at(2026, 11, 23, 10, 0))
    case = services.case_long_term_end(case=case, actor=people.chief)
    # The rule's 3 working days for feedback, counted from the end (23 Nov).
    assert case.feedback_due_at == at(2026, 11, 26, 17, 30)
    # The measures stage was done before: its deadline is history, unchanged.
    assert case.measures_due_at == at(2026, 11, 4, 17, 30)


def test_resolving_a_long_term_case_ends_the_period(people, case_at):
    case = long_term(people, case_at("feedback_given"))
    for task in case.tasks.filter(done_at__isnull=True):
        services.case_task_complete(case=case, task=task, actor=people.handler_x, note="完成")
    case = services.case_resolve(case=case, actor=people.handler_x, resolution="指标已落实")
    assert case.status == Status.RESOLVED and case.long_term_since is None
    assert CaseEvent.objects.filter(case=case, kind=EventKind.LONG_TERM_ENDED).exists()


def test_a_long_term_case_cannot_be_suspended_nor_asked_for_twice(people, case_at):
    case = long_term(people, case_at("assigned"))
    with pytest.raises(services.CaseError, match="无需暂停"):
        services.case_suspend(case=case, actor=people.handler_x, reason="等待")
    with pytest.raises(services.CaseError, match="已是需长期推进事项"):
        services.case_long_term_request(case=case, actor=people.handler_x, reason="x", review_on=working_day_after())


# --- The API ------------------------------------------------------------------------------


def test_the_api_journey(people, case_at):
    case = case_at("measures_set")
    api = APIClient()
    api.force_authenticate(people.handler_x)
    url = f"/api/v1/cases/{case.number}/long-term/"
    bad = api.post(url, {"reason": "x", "review_on": f"{timezone.localdate():%Y-%m-%d}"}, format="json")
    assert bad.status_code == 400
    assert bad.json()["errors"][0] == {"field": "review_on", "message": "下次评估日期须为今天以后的工作日。"}
    review_on = working_day_after(4)
    response = api.post(url, {"reason": "等待省厅批复", "review_on": f"{review_on:%Y-%m-%d}"}, format="json")
    assert response.status_code == 201, response.content
    detail = response.json()
    assert detail["long_term_request"]["reason"] == "等待省厅批复"
    assert detail["is_long_term"] is False
    assert "long_term_decide" not in detail["actions"]

    api.force_authenticate(people.chief)
    detail = api.get(f"/api/v1/cases/{case.number}/").json()
    assert "long_term_decide" in detail["actions"]
    response = api.post(f"{url}decide/", {"approved": True, "note": "同意"}, format="json")
    assert response.status_code == 200, response.content
    detail = response.json()
    assert (detail["is_long_term"], detail["long_term_review_on"]) == (True, f"{review_on:%Y-%m-%d}")
    assert detail["long_term_reason"] == "等待省厅批复" and detail["flag"] == ""
    assert {"long_term_extend", "long_term_end"} <= set(detail["actions"])

    new_date = working_day_after(8)
    response = api.post(f"{url}extend/", {"review_on": f"{new_date:%Y-%m-%d}"}, format="json")
    assert response.json()["long_term_review_on"] == f"{new_date:%Y-%m-%d}"
    response = api.post(f"{url}end/", {}, format="json")
    assert response.status_code == 200
    assert response.json()["is_long_term"] is False
    # Ending again: the case is no longer long-term.
    again = api.post(f"{url}end/", {}, format="json")
    assert again.status_code == 400
    assert "不是需长期推进事项" in again.json()["errors"][0]["message"]

    # The enterprise sees the public trail: approved, ended; not the request.
    api.force_authenticate(people.member_a)
    kinds = [event["kind"] for event in api.get(f"/api/v1/cases/{case.number}/events/").json()]
    assert EventKind.LONG_TERM_APPROVED in kinds and EventKind.LONG_TERM_ENDED in kinds
    assert EventKind.LONG_TERM_REQUESTED not in kinds
    assert api.get(f"/api/v1/cases/{case.number}/").json()["long_term_request"] is None
