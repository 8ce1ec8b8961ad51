"""The 1-2-3 clock from the moment an appeal arrives, round by round, with frozen clocks
around 2026's National Day and the 2026→2027 new year; and who is told about a case."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from rest_framework.test import APIClient

from complaints import services
from complaints.models import (
    Case,
    CaseEvent,
    EventKind,
    NonAcceptanceReason,
    Rating,
    SlaPolicy,
    Stage,
    Status,
    Tier,
)
from complaints.tasks import sweep_overdue_cases
from portal.models import Notification

SHANGHAI = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


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


def api_as(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def file_through_api(people, category, **fields):
    body = {
        "title": "用地手续迟迟未批",
        "description": "项目用地报批材料已齐，三周无进展。",
        "category": category.pk,
        "complainant_name": "张诉求",
    }
    body.update(fields)
    response = api_as(people.member_a).post("/api/v1/cases/", body, format="json")
    assert response.status_code == 201, response.json()
    return Case.objects.get(number=response.json()["number"])


def test_an_appeal_filed_before_national_day_is_due_for_assignment_after_it(people, category, clock):
    clock(at(2026, 9, 30, 16, 0))
    case = file_through_api(people, category)
    assert case.status == Status.RECEIVED
    assert case.stage == Stage.ASSIGN
    # 1 working day from receipt: 10-01..10-07 are the holiday.
    assert case.assign_due_at == case.stage_due_at == at(2026, 10, 8, 17, 30)
    detail = api_as(people.official).get(f"/api/v1/cases/{case.number}/").json()
    assert detail["stage_due_at"].startswith("2026-10-08T17:30")


def test_after_hours_and_on_a_day_off_the_clock_starts_the_next_working_day(people, file_case, clock):
    clock(at(2026, 10, 3, 11, 0))  # a Saturday in the holiday
    assert file_case().assign_due_at == at(2026, 10, 9, 17, 30)
    clock(at(2026, 10, 9, 18, 0))  # Friday, after office hours; Saturday 10-10 is a working day (调休)
    assert file_case().assign_due_at == at(2026, 10, 12, 17, 30)


def test_the_new_year_of_2027_is_a_holiday_though_its_schedule_is_not_published(people, file_case, clock):
    clock(at(2026, 12, 31, 16, 0))
    case = file_case()
    # 2027-01-01 (元旦, statutory) and the weekend are days off: Monday the 4th.
    assert case.assign_due_at == at(2027, 1, 4, 17, 30)
    clock(at(2027, 1, 4, 9, 0))
    case = services.case_accept(case=case, actor=people.official)
    case = services.case_assign(case=case, actor=people.official, lead_department=people.x)
    assert case.measures_due_at == at(2027, 1, 6, 17, 30)
    assert case.resolve_due_at == at(2027, 2, 4, 17, 30)  # one month from 交办


def test_an_appeal_nobody_touches_becomes_overdue_and_comes_first(client, people, file_case, clock):
    clock(at(2026, 11, 2, 9, 0))  # Monday
    untouched = file_case(title="无人受理的诉求")
    assigned = services.case_assign(
        case=services.case_accept(case=file_case(), actor=people.official),
        actor=people.official,
        lead_department=people.x,
    )
    clock(at(2026, 11, 4, 9, 0))  # Tuesday 17:30 has passed for the untouched one
    assert sweep_overdue_cases() == 1
    untouched.refresh_from_db()
    assert untouched.stage_overdue_at is not None
    overdue = CaseEvent.objects.get(case=untouched, kind=EventKind.OVERDUE)
    assert (overdue.stage, overdue.get_kind_display()) == (Stage.ASSIGN, "超期")
    # The 营商办 is told (nobody else: no department holds the case yet).
    assert Notification.objects.filter(recipient=people.official, kind="case.overdue.summary").exists()
    assert sweep_overdue_cases() == 0

    client.force_login(people.official)
    page = client.get("/cases/").content.decode()
    assert page.index(untouched.number) < page.index(assigned.number)
    listed = client.get("/cases/", {"overdue": "true"}).content.decode()
    assert untouched.number in listed and assigned.number not in listed


def test_acceptance_does_not_restart_the_assignment_clock(people, file_case, clock):
    clock(at(2026, 11, 2, 9, 0))
    case = file_case()
    clock(at(2026, 11, 3, 16, 0))
    case = services.case_accept(case=case, actor=people.official)
    assert case.stage_due_at == at(2026, 11, 3, 17, 30)


def test_assignment_sets_the_round_by_the_tier_rule(people, file_case, clock):
    SlaPolicy.objects.filter(name__startswith="钱塘").update(is_active=True)
    clock(at(2026, 11, 2, 9, 0))
    case = services.case_accept(case=file_case(), actor=people.official)
    case = services.case_assign(
        case=case,
        actor=people.official,
        lead_department=people.x,
        tier=Tier.CROSS_DEPARTMENT,
        co_departments=[people.y],
        chief_officer=people.chief,
    )
    # 钱塘: cross-department cases resolved within 5 working days of 交办.
    assert case.sla_policy.name == "钱塘 · 跨部门 5 天办"
    assert case.resolve_due_at == at(2026, 11, 9, 17, 30)
    assert case.measures_due_at == at(2026, 11, 4, 17, 30)


def test_a_second_round_starts_with_its_own_deadlines(people, case_at, clock):
    clock(at(2026, 11, 2, 9, 0))
    case = case_at("resolved")
    first_resolve_due = case.resolve_due_at
    # The enterprise rates it unsatisfied long after every first-round deadline.
    clock(at(2027, 3, 1, 10, 0))
    case = services.case_rate(case=case, actor=people.member_a, rating=Rating.UNSATISFIED, comment="仍未解决")
    now = at(2027, 3, 1, 10, 0)
    assert (case.round, case.status, case.stage) == (2, Status.ASSIGNED, Stage.MEASURES)
    assert case.measures_due_at == at(2027, 3, 3, 17, 30)
    assert case.resolve_due_at == at(2027, 4, 1, 17, 30)
    assert case.stage_due_at > now and case.resolve_due_at > now
    assert case.feedback_due_at is None
    assert sweep_overdue_cases() == 0  # no round begins overdue
    # The earlier round's deadlines stay in the trail.
    reassigned = case.events.get(kind=EventKind.REASSIGNED)
    assert f"{first_resolve_due.astimezone(SHANGHAI):%Y-%m-%d %H:%M}" in reassigned.note


def test_a_return_visit_that_finds_the_problem_unsolved_reopens_with_a_fresh_clock(people, case_at, clock):
    clock(at(2026, 11, 2, 9, 0))
    case = services.case_rate(case=case_at("resolved"), actor=people.member_a, rating=Rating.SATISFIED)
    assert case.status == Status.CLOSED
    clock(at(2026, 12, 15, 10, 0))
    services.case_return_visit(case=case, actor=people.official, method="phone", solved=False, note="设备仍未通电")
    case.refresh_from_db()
    assert (case.round, case.status, case.closed_at) == (2, Status.ASSIGNED, None)
    assert case.stage_due_at == at(2026, 12, 17, 17, 30)


def test_a_problem_written_on_a_sign_up_is_received_at_the_session(people, category, clock):
    from roundtables import services as roundtable_services
    from roundtables.models import Series, Session

    clock(at(2026, 11, 20, 10, 0))
    series = Series.objects.create(name="宣城市政商恳谈会", region=people.x.region, rrule="FREQ=MONTHLY;BYDAY=1SA")
    session = Session.objects.create(
        series=series,
        region=people.x.region,
        number=1,
        year=2026,
        theme="项目建设要素保障",
        starts_at=at(2026, 12, 5, 9, 0),  # the first Saturday
        ends_at=at(2026, 12, 5, 12, 0),
        capacity=30,
        reserved_seats=0,
        registration_closes_at=at(2026, 12, 4, 17, 0),
        state=Session.State.ANNOUNCED,
    )
    registration = roundtable_services.registration_create(
        session=session,
        actor=people.member_a,
        enterprise=people.enterprise_a,
        attendee_name="张总",
        attendee_mobile="13912345678",
        intended_problems="厂房验收迟迟未办；用电增容申请无人回复。",
        category=category,
    )
    case = registration.appeals.get().case
    assert case.received_at == session.starts_at
    assert case.status == Status.RECEIVED
    assert case.assign_due_at == at(2026, 12, 8, 17, 30)  # Saturday: counted from Monday, due Tuesday

    # The session moves a week: the problem is heard then, and its clock follows.
    session.starts_at, session.ends_at = at(2026, 12, 12, 9, 0), at(2026, 12, 12, 12, 0)
    session.save()
    assert roundtable_services.session_moved(session=session, actor=people.official) == 1
    case.refresh_from_db()
    assert (case.received_at, case.assign_due_at) == (at(2026, 12, 12, 9, 0), at(2026, 12, 15, 17, 30))
    assert case.events.filter(kind=EventKind.DEADLINE_CHANGED).exists()
    session.starts_at, session.ends_at = at(2026, 12, 5, 9, 0), at(2026, 12, 5, 12, 0)
    session.save()
    roundtable_services.session_moved(session=session, actor=people.official)
    case.refresh_from_db()

    # 一事一件: triage splits the sign-up's two problems into two cases of the registration.
    clock(at(2026, 12, 7, 10, 0))
    parts = [
        {"title": "厂房验收迟迟未办", "description": "厂房验收迟迟未办。", "category": category},
        {"title": "用电增容申请无人回复", "description": "用电增容申请无人回复。", "category": category},
    ]
    (second,) = services.case_split(case=case, actor=people.official, parts=parts)
    assert second.received_at == case.received_at
    assert second.assign_due_at == case.assign_due_at
    assert second.origin_case_id == case.pk
    assert sorted(registration.appeals.values_list("case__title", flat=True)) == sorted(p["title"] for p in parts)


def test_messages_about_a_case_registered_by_staff_go_to_the_complainant(people, category, sms_outbox, clock):
    clock(at(2026, 11, 2, 9, 0))
    # A call to the hotline, typed in by the official: no account speaks for the caller.
    case = services.case_file(
        actor=people.official,
        channel="hotline",
        title="工地夜间施工噪声",
        description="夜间施工影响职工休息。",
        category=category,
        complainant_name="刘先生",
        complainant_phone="13800001111",
    )
    case = services.case_reject(
        case=case,
        actor=people.official,
        reason=NonAcceptanceReason.objects.first(),
        reply="请向生态环境部门反映。",
    )
    assert not Notification.objects.filter(recipient=people.official, kind__startswith="case.not_accepted").exists()
    message = Notification.objects.get(kind="case.not_accepted")
    assert (message.recipient, message.to_mobile) == (None, "13800001111")

    # For an enterprise: its approved members, never the official who typed it.
    case = services.case_file(
        actor=people.official,
        channel="phone",
        title="退税进度",
        description="出口退税三个月未到账。",
        category=category,
        enterprise=people.enterprise_a,
        complainant_name="张诉求",
    )
    case = services.case_accept(case=case, actor=people.official)
    case = services.case_assign(case=case, actor=people.official, lead_department=people.x)
    case = services.case_set_measures(
        case=case,
        actor=people.handler_x,
        tasks=[
            {
                "task": "核查退税",
                "measure": "会同税务部门核查",
                "deadline": dt.date(2026, 11, 10),
                "department": people.x,
                "responsible_person": "王科长",
            }
        ],
    )
    services.case_give_feedback(case=case, actor=people.handler_x, feedback="已核查，本周内到账。")
    assert Notification.objects.filter(recipient=people.member_a, kind="case.feedback").exists()
    assert not Notification.objects.filter(recipient=people.official, kind="case.feedback").exists()


def test_the_admin_previews_a_rule_as_filed_now(admin_client, clock):
    clock(at(2026, 9, 30, 16, 0))
    rule = SlaPolicy.objects.get(name="宣城 1-2-3")
    page = admin_client.get(f"/admin/complaints/slapolicy/{rule.pk}/change/").content.decode()
    assert "时限预览" in page
    assert "交办期限：2026-10-08 17:30" in page
    # Each step taking all its time: 交办 at 17:30 on 10-08 counts from 10-09, and two
    # working days on (the adjusted Saturday 10-10 counts) is Monday 10-12.
    assert "明确措施期限（交办后）：2026-10-12 17:30" in page
    assert "反馈期限（明确措施后）：2026-10-16 17:30" in page
    assert "办结期限（交办后）：2026-11-09 17:30" in page
    assert "适用渠道" not in page  # rules are keyed by tier, not channel


def test_the_workbench_and_the_case_tell_the_time_in_working_days(client, people, file_case, clock):
    clock(at(2026, 9, 29, 10, 0))  # Tuesday before National Day
    late = file_case(title="迟迟无人受理")
    clock(at(2026, 10, 9, 10, 0))  # 交办 was due 09-30 17:30; 10-08 and 10-09 are working days
    fresh = file_case(title="刚刚登记")
    client.force_login(people.official)
    page = client.get("/cases/").content.decode()
    row = page[page.index(late.number) :]
    assert "超期 2 个工作日" in row[: row.index("</tr>")]
    row = page[page.index(fresh.number) :]
    assert "剩余 1 个工作日" in row[: row.index("</tr>")]  # due Saturday 10-10, an adjusted working day
    detail = client.get(f"/cases/{late.number}/").content.decode()
    assert '<span data-testid="clock">超期 2 个工作日</span>' in detail


def test_staff_date_a_late_registered_letter_from_its_arrival(people, category, clock):
    clock(at(2026, 11, 4, 10, 0))  # Wednesday
    official = api_as(people.official)
    body = {
        "channel": "letter",
        "title": "来信反映厂区道路积水",
        "description": "雨后积水，货车无法进出。",
        "category": category.pk,
        "complainant_name": "王先生",
        "complainant_phone": "13800002222",
        "received_at": "2026-11-02T09:00:00+08:00",  # the letter came in on Monday
    }
    response = official.post("/api/v1/cases/", body, format="json")
    assert response.status_code == 201, response.json()
    case = Case.objects.get(number=response.json()["number"])
    assert case.received_at == at(2026, 11, 2, 9, 0)
    assert case.assign_due_at == at(2026, 11, 3, 17, 30)  # already past: the clock tells the truth

    for when, message in (("2026-11-05T09:00:00+08:00", "不能晚于现在"), ("2026-09-01T09:00:00+08:00", "30天前")):
        refused = official.post("/api/v1/cases/", {**body, "received_at": when}, format="json")
        assert refused.status_code == 400
        assert message in refused.json()["errors"][0]["message"]
        assert refused.json()["errors"][0]["field"] == "received_at"
    # The enterprise side files now, not in the past.
    refused = api_as(people.member_a).post("/api/v1/cases/", {**body, "channel": "api"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "received_at"


def test_the_admin_registers_a_phone_call_with_its_arrival_time(admin_client, category, clock):
    clock(at(2026, 11, 4, 10, 0))
    form = {
        "channel": "phone",
        "title": "电话反映园区停电",
        "description": "园区停电两天。",
        "category": category.pk,
        "complainant_name": "李女士",
        "complainant_phone": "13800003333",
        "arrived_at": "2026-11-03T16:00",
    }
    response = admin_client.post("/admin/complaints/case/add/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get(title="电话反映园区停电")
    assert case.received_at == at(2026, 11, 3, 16, 0)
    assert case.assign_due_at == at(2026, 11, 4, 17, 30)
    response = admin_client.post("/admin/complaints/case/add/", {**form, "arrived_at": "2026-11-09T09:00"})
    assert response.status_code == 200
    assert "收到时间不能晚于现在" in response.content.decode()
