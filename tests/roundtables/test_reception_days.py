"""企业接待日 and 直通车: series kinds, the leader and departments present, bookable time
slots (API, sign-up page, check-in, sign-in sheet, admin), appeals received on the day,
and 湘潭's sentence "开展N次，接待企业X家，受理诉求Y件，已办结Z件" per kind."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from complaints.models import Case, Channel, NonAcceptanceReason, ProblemCategory, Status
from roundtables import services
from roundtables.models import Appeal, Registration, Series, Session, Slot
from roundtables.reporting import reports
from tests import factories

pytestmark = pytest.mark.django_db

SESSIONS = "/api/v1/roundtables/"


def at(year, month, day, hour=9, minute=0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(year, month, day, hour, minute))


@pytest.fixture
def make_session(make_session):
    """The roundtables' ``make_session``, numbered within the series it is given."""

    def make(state=Session.State.ANNOUNCED, **fields):
        series_ = fields.get("series")
        if series_ is not None and "number" not in fields:
            fields["number"] = Session.objects.filter(series=series_).count() + 1
        return make_session(state, **fields)

    return make


@pytest.fixture
def reception_series(city):
    return Series.objects.create(
        name="宣城市企业接待日",
        kind=Series.Kind.RECEPTION_DAY,
        region=city,
        rrule="FREQ=MONTHLY;BYDAY=3TH",
        default_capacity=6,
        default_reserved_seats=0,
    )


@pytest.fixture
def direct_line_series(city):
    return Series.objects.create(
        name="周三亲清直通车", kind=Series.Kind.DIRECT_LINE, region=city, rrule="FREQ=WEEKLY;BYDAY=WE"
    )


def add_slots(session, count=3, capacity=1, minutes=30) -> list[Slot]:
    return [
        Slot.objects.create(
            session=session,
            starts_at=session.starts_at + dt.timedelta(minutes=minutes * n),
            ends_at=session.starts_at + dt.timedelta(minutes=minutes * (n + 1)),
            capacity=capacity,
        )
        for n in range(count)
    ]


@pytest.fixture
def reception_day(make_session, reception_series):
    """An announced reception day ten days ahead: the mayor, two departments, and
    three half-hour slots — the first for two firms, the others for one."""
    day = timezone.localdate() + dt.timedelta(days=10)
    starts = timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))
    session = make_session(
        series=reception_series,
        capacity=6,
        reserved=0,
        leader_title="市长",
        leader_name="张三",
        theme="现场接待企业",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=3),
        year=day.year,
        registration_closes_at=starts - dt.timedelta(days=1),
    )
    session.departments.set([factories.department("宣城市经济和信息化局"), factories.department("宣城市人社局")])
    first, *_ = add_slots(session, 3)
    first.capacity = 2
    first.save()
    return session


def slots_of(session) -> list[Slot]:
    return list(session.slots.order_by("starts_at"))


def book(api, session, user, enterprise, **fields):
    api.force_authenticate(user)
    body = {"enterprise": enterprise.pk, "attendee_name": "王总", "attendee_mobile": "13900001234", **fields}
    return api.post(f"{SESSIONS}{session.pk}/registrations/", body, format="json")


def errors(response) -> list[dict]:
    return response.json()["errors"]


# --- Booking a slot through the API ------------------------------------------------------


def test_a_reception_day_reads_with_its_kind_leader_departments_and_slots(reception_day):
    body = APIClient().get(f"{SESSIONS}{reception_day.pk}/").json()
    assert (body["kind"], body["kind_display"]) == ("reception_day", "企业接待日")
    assert body["leader"] == "市长 张三"
    assert sorted(d["name"] for d in body["departments"]) == ["宣城市人社局", "宣城市经济和信息化局"]
    assert [(s["capacity"], s["places_left"]) for s in body["slots"]] == [(2, 2), (1, 1), (1, 1)]
    assert body["seats_left"] == 4  # the slots' places, not the hall's seats

    listed = APIClient().get(SESSIONS, {"kind": "reception_day"}).json()["results"]
    assert [row["id"] for row in listed] == [reception_day.pk]


def test_booking_a_slot_confirms_and_counts_it(reception_day, member):
    api = APIClient()
    first = slots_of(reception_day)[0]
    response = book(api, reception_day, *member(), slot=first.pk)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "confirmed"
    assert body["slot"]["id"] == first.pk
    assert body["waitlist_position"] is None

    session = APIClient().get(f"{SESSIONS}{reception_day.pk}/").json()
    assert [s["places_left"] for s in session["slots"]] == [1, 1, 1]
    assert session["seats_left"] == 3


def test_a_full_slot_is_refused_and_nobody_waits_for_it(reception_day, member):
    api = APIClient()
    _, second, _ = slots_of(reception_day)
    assert book(api, reception_day, *member(), slot=second.pk).status_code == 201
    user, enterprise = member()

    response = book(api, reception_day, user, enterprise, slot=second.pk)

    assert response.status_code == 400
    assert errors(response) == [{"field": "slot", "message": "时段09:30–10:00已约满，请选择其他时段。"}]
    assert not Registration.objects.filter(enterprise=enterprise).exists()
    # Another time is still free for it.
    third = slots_of(reception_day)[2]
    assert book(api, reception_day, user, enterprise, slot=third.pk).status_code == 201


def test_cancelling_frees_the_place_in_the_slot(reception_day, member):
    api = APIClient()
    _, second, _ = slots_of(reception_day)
    user, enterprise = member()
    registration_id = book(api, reception_day, user, enterprise, slot=second.pk).json()["id"]
    assert api.post(f"/api/v1/registrations/{registration_id}/cancel/").json()["status"] == "cancelled"
    assert book(api, reception_day, *member(), slot=second.pk).status_code == 201


def test_a_slot_is_required_for_in_person_sign_up_at_a_slot_kind(reception_day, member):
    api = APIClient()
    response = book(api, reception_day, *member())
    assert response.status_code == 400
    assert errors(response) == [{"field": "slot", "message": "企业接待日按时段接待，请选择一个预约时段。"}]
    # Only writing does not book a time.
    response = book(api, reception_day, *member(), mode="written", intended_problems="厂房审批慢")
    assert response.status_code == 201
    assert response.json()["slot"] is None


def test_a_slot_of_another_session_is_refused(reception_day, make_session, reception_series, member):
    other = make_session(series=reception_series, days=40, capacity=2, reserved=0)
    (foreign,) = add_slots(other, 1)
    response = book(APIClient(), reception_day, *member(), slot=foreign.pk)
    assert response.status_code == 400
    assert errors(response) == [{"field": "slot", "message": "所选时段不属于本期会议，请重新选择。"}]
    assert not Registration.objects.filter(session=reception_day).exists()


def test_an_unknown_slot_is_refused(reception_day, member):
    response = book(APIClient(), reception_day, *member(), slot=999_999)
    assert response.status_code == 400
    assert errors(response)[0]["field"] == "slot"


def test_a_roundtable_takes_no_slot(make_session, member, reception_day):
    roundtable = make_session()
    slot = slots_of(reception_day)[0]
    response = book(APIClient(), roundtable, *member(), slot=slot.pk)
    assert response.status_code == 400
    assert errors(response) == [{"field": "slot", "message": "政商恳谈会不按时段预约，请不要选择时段。"}]
    # Without one it signs up as always.
    assert book(APIClient(), roundtable, *member()).json()["status"] == "confirmed"


def test_a_direct_line_session_books_slots_too(make_session, direct_line_series, member):
    session = make_session(series=direct_line_series, capacity=4, reserved=0)
    (slot,) = add_slots(session, 1)
    api = APIClient()
    assert book(api, session, *member(), slot=slot.pk).status_code == 201
    response = book(api, session, *member(), slot=slot.pk)
    assert response.status_code == 400 and "已约满" in errors(response)[0]["message"]


def test_an_enterprise_already_booked_is_told_so_before_the_slot_is_checked(reception_day, member):
    api = APIClient()
    user, enterprise = member()
    first = slots_of(reception_day)[0]
    registration_id = book(api, reception_day, user, enterprise, slot=first.pk).json()["id"]
    response = book(api, reception_day, user, enterprise)
    assert response.status_code == 409
    assert response.json()["registration_id"] == registration_id


def test_the_session_list_api_costs_the_same_for_few_or_many_slot_sessions(
    make_session, reception_series, django_assert_num_queries
):
    def arrange(n):
        for _ in range(n):
            add_slots(make_session(series=reception_series, capacity=6, reserved=0), 3)

    arrange(2)
    api = APIClient()
    with CaptureQueriesContext(connection) as few:
        assert api.get(SESSIONS).status_code == 200
    arrange(8)
    with django_assert_num_queries(len(few.captured_queries)):
        assert len(api.get(SESSIONS).json()["results"]) == 10


# --- The pages --------------------------------------------------------------------------


def test_the_session_page_shows_the_kind_leader_departments_and_free_slots(client, reception_day, member):
    first, second, third = slots_of(reception_day)
    services.registration_create(
        session=reception_day,
        actor=factories.official(),
        enterprise=factories.enterprise(),
        attendee_name="李总",
        attendee_mobile="13900001111",
        slot=second,
    )
    user, _ = member()
    client.force_login(user)
    page = client.get(f"/roundtables/{reception_day.pk}/").content.decode()

    assert re.search(r'data-testid="session-kind">企业接待日<', page)
    assert re.search(r'data-testid="leader">市长 张三<', page)
    assert "宣城市经济和信息化局" in page and "宣城市人社局" in page
    assert page.count('data-testid="slot"') == 3
    assert re.findall(r'data-testid="places-left">([^<]+)<', page) == ["2", "已约满", "1"]
    # The form offers the free slots only, with their places left.
    offered = re.findall(r'name="slot" value="(\d+)"', page)
    assert offered == [str(first.pk), str(third.pk)]
    assert "09:00–09:30（尚可预约2家）" in page and "10:00–10:30（尚可预约1家）" in page
    assert "09:30–10:00（尚可预约" not in page


def test_booking_on_the_page_and_a_full_slot_keeps_the_input(client, reception_day, member):
    first, second, _ = slots_of(reception_day)
    user, enterprise = member()
    client.force_login(user)
    form = {
        "enterprise": enterprise.pk,
        "attendee_name": "王总",
        "attendee_mobile": "13900001234",
        "mode": "in_person",
        "privacy_consent": "on",
    }
    response = client.post(f"/roundtables/{reception_day.pk}/signup/", {**form, "slot": second.pk}, follow=True)
    page = response.content.decode()
    assert "预约成功" in page and str(second) in page
    assert re.search(r'data-testid="registration-slot">[^<]*09:30–10:00<', page)

    other_user, other = member()
    client.force_login(other_user)
    response = client.post(
        f"/roundtables/{reception_day.pk}/signup/",
        {**form, "enterprise": other.pk, "attendee_name": "赵总", "slot": second.pk},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "已约满，请选择其他时段" in page
    assert 'value="赵总"' in page
    assert f'name="slot" value="{first.pk}"' in page

    response = client.post(f"/roundtables/{reception_day.pk}/signup/", {**form, "enterprise": other.pk})
    assert response.status_code == 400
    assert "请选择一个预约时段" in response.content.decode()


def test_the_list_shows_the_kind_and_filters_by_it(client, make_session, reception_day):
    roundtable = make_session()
    page = client.get("/roundtables/").content.decode()
    assert f'data-session="{roundtable.pk}"' in page and f'data-session="{reception_day.pk}"' in page
    assert re.search(r'data-testid="session-kind">企业接待日<', page)
    assert 'data-kind="direct_line"' in page  # the filter offers every kind

    page = client.get("/roundtables/", {"kind": "reception_day"}).content.decode()
    assert f'data-session="{reception_day.pk}"' in page
    assert f'data-session="{roundtable.pk}"' not in page
    assert "可预约4家" in page

    # An unknown kind is ignored, not an error.
    response = client.get("/roundtables/", {"kind": "nonsense"})
    assert response.status_code == 200 and f'data-session="{roundtable.pk}"' in response.content.decode()


def test_check_in_and_the_sign_in_sheet_show_the_slot(client, reception_day, official):
    _, second, _ = slots_of(reception_day)
    enterprise = factories.enterprise(name="宣城预约企业有限公司")
    services.registration_create(
        session=reception_day,
        actor=official,
        enterprise=enterprise,
        attendee_name="李总",
        attendee_mobile="13900001111",
        slot=second,
    )
    client.force_login(official)
    page = client.get(f"/roundtables/{reception_day.pk}/check-in/").content.decode()
    assert re.search(r'data-testid="slot">预约时段 09:30–10:00<', page)
    sheet = client.get(f"/roundtables/{reception_day.pk}/sign-in-sheet/").content.decode()
    assert '<th scope="col">预约时段</th>' in sheet
    assert re.search(r'data-testid="slot">09:30–10:00<', sheet)


def test_a_roundtable_sign_in_sheet_has_no_slot_column(client, make_session, official):
    session = make_session()
    client.force_login(official)
    assert "预约时段" not in client.get(f"/roundtables/{session.pk}/sign-in-sheet/").content.decode()


@pytest.mark.parametrize("page", ["", "check-in/", "sign-in-sheet/"])
def test_slot_pages_cost_the_same_for_few_or_many_bookings(
    client, make_session, reception_series, official, member, page, django_assert_num_queries
):
    session = make_session(series=reception_series, capacity=12, reserved=0)
    slots = add_slots(session, 12)
    user, _ = member()
    client.force_login(official if page else user)

    def book(slots_):
        for slot in slots_:
            services.registration_create(
                session=session,
                actor=official,
                enterprise=factories.enterprise(),
                attendee_name="李总",
                attendee_mobile="13900001111",
                slot=slot,
            )

    url = f"/roundtables/{session.pk}/{page}"
    book(slots[:2])
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    book(slots[2:10])
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200


# --- Appeals on the day are received that day ----------------------------------------------


def test_appeals_at_a_reception_day_are_received_on_the_day(make_session, reception_series, official, member):
    day = at(2026, 3, 19, 9)
    with time_machine.travel(day - dt.timedelta(days=10), tick=False):
        session = make_session(
            series=reception_series,
            capacity=6,
            reserved=0,
            starts_at=day,
            ends_at=day + dt.timedelta(hours=3),
            year=2026,
            registration_closes_at=day - dt.timedelta(days=1),
        )
        first, *_ = add_slots(session, 3)
        user, enterprise = member()
        # A problem written on the booking is heard, hence received, at the session.
        registration = services.registration_create(
            session=session,
            actor=user,
            enterprise=enterprise,
            attendee_name="王总",
            attendee_mobile="13900001234",
            intended_problems="标准厂房租金补贴迟迟未兑现",
            slot=first,
        )
    written_case = registration.appeals.get().case
    assert written_case.received_at == day
    assert written_case.status == Status.RECEIVED  # waits for triage at the session

    raised = at(2026, 3, 19, 10, 15)
    with time_machine.travel(raised, tick=False):
        session.state = Session.State.HELD
        session.save()
        appeal = services.appeal_file(
            session=session,
            actor=official,
            enterprise=enterprise,
            title="社保登记仍需跑窗口",
            description="企业开办后社保登记仍需到窗口办理。",
            source=Appeal.Source.ON_SITE,
            registration=registration,
            on_site_answer="人社局现场答复：下周上线网办。",
        )
    case = Case.objects.get(pk=appeal.case.pk)
    assert case.channel == Channel.ROUNDTABLE
    assert case.received_at == raised and timezone.localdate(case.received_at) == day.date()
    assert case.status == Status.ACCEPTED and case.accepted_at == raised
    assert case.events.filter(note__contains="企业接待日诉求，登记即受理").exists()


# --- 湘潭's sentence per kind --------------------------------------------------------------


def make_case(session, *, status, enterprise=None, accepted=True, registration=None, **fields) -> Case:
    number = Case.objects.count() + 1
    if status == Status.NOT_ACCEPTED:
        fields["non_acceptance_reason"] = NonAcceptanceReason.objects.first()
        accepted = False
    case = Case.objects.create(
        number=f"SQ2026-{number:06d}",
        lookup_code="X",
        channel=Channel.ROUNDTABLE,
        title=f"诉求{number}",
        description="说明",
        category=ProblemCategory.objects.first(),
        complainant_name="诉求人",
        enterprise=enterprise,
        status=status,
        received_at=session.starts_at,
        accepted_at=session.starts_at if accepted and status != Status.RECEIVED else None,
        **fields,
    )
    Appeal.objects.create(session=session, case=case, registration=registration, source=Appeal.Source.ON_SITE)
    return case


def register(session, enterprise, *, checked_in=False, status=Registration.Status.CONFIRMED, **fields):
    fields.setdefault("attendee_name", "张三")
    fields.setdefault("attendee_mobile", "13900001234")
    return Registration.objects.create(
        session=session,
        enterprise=enterprise,
        status=status,
        checked_in_at=session.starts_at if checked_in else None,
        **fields,
    )


@pytest.fixture
def year_2026(make_session, reception_series, direct_line_series, series):
    """Held in 2026, counted by hand:

    R1 reception day 03-19, check-in used: E1, E2 checked in; E3 confirmed, never came;
       E4 only wrote. Cases: resolved, closed, assigned (E1, E2), not accepted (E3).
    R2 reception day 04-16, nobody checked in: its confirmed in-person E1 (again) and E5
       count; E6 cancelled. Cases: resolved, feedback given, received (not yet triaged).
    R3 reception day 05-21, announced (not held): E7 and a resolved case — not counted.
    R4 reception day 2025-12-18, held, E8 — another year.
    D1 直通车 04-01, held: E9 checked in, a resolved case.
    T1 政商恳谈会 04-04, held: E10 checked in, an accepted open case.
    """

    def held(series_, starts, state=Session.State.HELD):
        return make_session(
            series=series_,
            state=state,
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=3),
            year=starts.year,
            capacity=6,
            reserved=0,
        )

    e = {i: factories.enterprise(name=f"企业{i}") for i in range(1, 11)}
    r1 = held(reception_series, at(2026, 3, 19), Session.State.CLOSED)
    r2 = held(reception_series, at(2026, 4, 16), Session.State.FOLLOWING_UP)
    r3 = held(reception_series, at(2026, 5, 21), Session.State.ANNOUNCED)
    r4 = held(reception_series, at(2025, 12, 18))
    d1 = held(direct_line_series, at(2026, 4, 1, 14))
    t1 = held(series, at(2026, 4, 4))
    slots = {session.pk: add_slots(session, 6) for session in (r1, r2, r3, r4, d1)}

    reg1 = register(r1, e[1], checked_in=True, slot=slots[r1.pk][0])
    register(r1, e[2], checked_in=True, slot=slots[r1.pk][1])
    register(r1, e[3], slot=slots[r1.pk][2])
    register(r1, e[4], mode=Registration.Mode.WRITTEN)
    make_case(r1, status=Status.RESOLVED, enterprise=e[1], registration=reg1)
    make_case(r1, status=Status.CLOSED, enterprise=e[1])
    make_case(r1, status=Status.ASSIGNED, enterprise=e[2])
    make_case(r1, status=Status.NOT_ACCEPTED, enterprise=e[3])

    register(r2, e[1], slot=slots[r2.pk][0])
    register(r2, e[5], slot=slots[r2.pk][1])
    register(r2, e[6], status=Registration.Status.CANCELLED, slot=slots[r2.pk][2])
    make_case(r2, status=Status.RESOLVED, enterprise=e[5])
    make_case(r2, status=Status.FEEDBACK_GIVEN, enterprise=e[5])
    make_case(r2, status=Status.RECEIVED, enterprise=e[1])

    register(r3, e[7], slot=slots[r3.pk][0])
    make_case(r3, status=Status.RESOLVED, enterprise=e[7])
    register(r4, e[8], checked_in=True, slot=slots[r4.pk][0])
    make_case(r4, status=Status.RESOLVED, enterprise=e[8])

    register(d1, e[9], checked_in=True, slot=slots[d1.pk][0])
    make_case(d1, status=Status.RESOLVED, enterprise=e[9])
    register(t1, e[10], checked_in=True)
    make_case(t1, status=Status.MEASURES_SET, enterprise=e[10])
    return e


def test_figures_per_kind_count_as_xiangtan_does(year_2026):
    figures = reports.kind_figures(reports.Period(2026))
    reception = figures.kind("reception_day")
    # N: R1 and R2 (R3 not held, R4 in 2025). X: E1, E2 checked in at R1 (E3 never came,
    # E4 only wrote); R2 used no check-in, so E1 (counted once) and E5. Y: accepted cases,
    # 3 at R1 (not its 不予受理) and 2 at R2 (not the one still waiting). Z: 办结 of those,
    # 2 at R1 (resolved, closed) and 1 at R2.
    assert (reception.sessions, reception.enterprises, reception.accepted, reception.resolved) == (2, 3, 5, 3)
    direct = figures.kind("direct_line")
    assert (direct.sessions, direct.enterprises, direct.accepted, direct.resolved) == (1, 1, 1, 1)
    roundtable = figures.kind("roundtable")
    assert (roundtable.sessions, roundtable.enterprises, roundtable.accepted, roundtable.resolved) == (1, 1, 1, 0)
    assert [row.kind for row in figures.kinds] == ["roundtable", "reception_day", "direct_line"]
    total = figures.total
    assert (total.sessions, total.enterprises, total.accepted, total.resolved) == (4, 5, 7, 4)

    last_year = reports.kind_figures(reports.Period(2025)).kind("reception_day")
    assert (last_year.sessions, last_year.enterprises, last_year.accepted, last_year.resolved) == (1, 1, 1, 1)
    april = reports.kind_figures(reports.Period(2026, 4)).kind("reception_day")
    assert (april.sessions, april.enterprises, april.accepted, april.resolved) == (1, 2, 2, 1)


def test_the_figures_page_says_the_sentence_per_kind(client, official, year_2026):
    client.force_login(official)
    page = client.get("/roundtables/reports/figures/", {"year": "2026"}).content.decode()
    assert "企业接待日：开展2次，接待企业3家，受理诉求5件，已办结3件" in page
    assert "直通车：开展1次，接待企业1家，受理诉求1件，已办结1件" in page
    assert "政商恳谈会：开展1次，接待企业1家，受理诉求1件，已办结0件" in page
    assert page.count('data-testid="kind-row"') == 3
    total = re.search(r'data-testid="kind-total-row">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r">(\d+)</td>", total) == ["4", "5", "7", "4"]


def test_xiangtans_own_numbers(client, official, make_session, reception_series):
    """湘潭: "开展6次，接待企业30家，受理企业诉求59件，已办结38件"."""
    firms = [factories.enterprise() for _ in range(30)]
    cases = 0
    for n in range(6):
        day = at(2026, n + 1, 15)
        session = make_session(
            series=reception_series,
            state=Session.State.CLOSED,
            starts_at=day,
            ends_at=day + dt.timedelta(hours=3),
            year=2026,
            capacity=5,
            reserved=0,
        )
        for slot, firm in zip(add_slots(session, 5), firms[n * 5 : n * 5 + 5], strict=True):
            register(session, firm, checked_in=True, slot=slot)
        for _ in range(10 if n < 5 else 9):
            make_case(session, status=Status.RESOLVED if cases < 38 else Status.ASSIGNED, enterprise=firms[n * 5])
            cases += 1
    client.force_login(official)
    page = client.get("/roundtables/reports/figures/", {"year": "2026"}).content.decode()
    assert "企业接待日：开展6次，接待企业30家，受理诉求59件，已办结38件" in page


def test_figures_per_kind_take_a_constant_number_of_queries(
    year_2026, make_session, reception_series, django_assert_num_queries
):
    with CaptureQueriesContext(connection) as few:
        reports.kind_figures(reports.Period(2026))
    for month in (6, 7, 8):
        day = at(2026, month, 18)
        session = make_session(
            series=reception_series,
            state=Session.State.HELD,
            starts_at=day,
            ends_at=day + dt.timedelta(hours=3),
            year=2026,
            capacity=6,
            reserved=0,
        )
        for slot in add_slots(session, 3):
            firm = factories.enterprise()
            register(session, firm, checked_in=True, slot=slot)
            make_case(session, status=Status.RESOLVED, enterprise=firm)
    assert len(few.captured_queries) == 4
    with django_assert_num_queries(4):
        figures = reports.kind_figures(reports.Period(2026))
    assert figures.kind("reception_day").sessions == 5


# --- The admin ----------------------------------------------------------------------------


def test_the_official_generates_slots_and_edits_the_leader(client, official, make_session, reception_series):
    session = make_session(series=reception_series, capacity=6, reserved=0)
    session.ends_at = session.starts_at + dt.timedelta(hours=2)
    session.save()
    client.force_login(official)

    response = client.post(
        "/admin/roundtables/session/", {"action": "generate_slots", "_selected_action": [session.pk]}
    )
    assert response["Location"] == f"/admin/roundtables/session/{session.pk}/slots/"
    assert "每个时段（分钟）" in client.get(response["Location"]).content.decode()
    response = client.post(response["Location"], {"minutes": "30", "capacity": "2"}, follow=True)
    assert "已生成 4 个预约时段" in response.content.decode()
    assert [(s.ends_at - s.starts_at, s.capacity) for s in slots_of(session)] == [(dt.timedelta(minutes=30), 2)] * 4
    # Again: nothing twice.
    response = client.post(f"/admin/roundtables/session/{session.pk}/slots/", {"minutes": "30", "capacity": "2"})
    assert session.slots.count() == 4

    page = client.get(f"/admin/roundtables/session/{session.pk}/change/").content.decode()
    assert "接待领导职务" in page and "预约时段" in page and 'name="slots-TOTAL_FORMS"' in page


def test_slots_are_only_for_slot_kinds(client, official, make_session):
    roundtable = make_session()
    client.force_login(official)
    page = client.post(
        f"/admin/roundtables/session/{roundtable.pk}/slots/", {"minutes": "30", "capacity": "1"}
    ).content.decode()
    assert "政商恳谈会不按时段预约" in page
    assert not Slot.objects.exists()
    assert (
        'name="slots-TOTAL_FORMS"'
        not in client.get(f"/admin/roundtables/session/{roundtable.pk}/change/").content.decode()
    )


def test_a_booked_slot_cannot_be_deleted_in_the_admin(rf, official, reception_day):
    from django.contrib import admin

    from roundtables.admin import SlotInline

    first, second, third = slots_of(reception_day)
    services.registration_create(
        session=reception_day,
        actor=official,
        enterprise=factories.enterprise(),
        attendee_name="李总",
        attendee_mobile="13900001111",
        slot=first,
    )
    request = rf.post("/")
    request.user = official
    FormSet = SlotInline(Session, admin.site).get_formset(request, reception_day)

    def data(*deleted):
        fields = {"slots-TOTAL_FORMS": "3", "slots-INITIAL_FORMS": "3"}
        for index, slot in enumerate((first, second, third)):
            local_start, local_end = timezone.localtime(slot.starts_at), timezone.localtime(slot.ends_at)
            fields |= {
                f"slots-{index}-id": str(slot.pk),
                f"slots-{index}-session": str(reception_day.pk),
                f"slots-{index}-starts_at_0": f"{local_start:%Y-%m-%d}",
                f"slots-{index}-starts_at_1": f"{local_start:%H:%M:%S}",
                f"slots-{index}-ends_at_0": f"{local_end:%Y-%m-%d}",
                f"slots-{index}-ends_at_1": f"{local_end:%H:%M:%S}",
                f"slots-{index}-capacity": str(slot.capacity),
            }
            if slot in deleted:
                fields[f"slots-{index}-DELETE"] = "on"
        return fields

    refused = FormSet(data(first, third), instance=reception_day, prefix="slots")
    assert not refused.is_valid()
    assert "受保护的相关对象" in str([*refused.errors, *refused.non_form_errors()]), refused.non_form_errors()

    shrunk = data()
    shrunk["slots-0-capacity"] = "0"
    assert not FormSet(shrunk, instance=reception_day, prefix="slots").is_valid()
    first.capacity = 3
    first.save()
    shrunk["slots-0-capacity"] = "1"
    services.registration_create(
        session=reception_day,
        actor=official,
        enterprise=factories.enterprise(),
        attendee_name="赵总",
        attendee_mobile="13900002222",
        slot=first,
    )
    too_small = FormSet(shrunk, instance=reception_day, prefix="slots")
    assert not too_small.is_valid()
    assert too_small.non_form_errors() == [f"时段{first}已有2家企业预约，可预约企业数不能少于2。"]

    allowed = FormSet(data(third), instance=reception_day, prefix="slots")
    assert allowed.is_valid(), allowed.errors
    allowed.save()
    assert slots_of(reception_day) == [first, second]


def test_series_are_filtered_by_kind_in_the_admin(client, official, series, reception_series):
    client.force_login(official)
    page = client.get("/admin/roundtables/series/", {"kind__exact": "reception_day"}).content.decode()
    assert "宣城市企业接待日" in page and "宣城市政商恳谈会" not in page
    page = client.get("/admin/roundtables/session/", {"series__kind": "reception_day"})
    assert page.status_code == 200


@pytest.mark.parametrize("who", ["anonymous", "member", "handler", "chief"])
def test_only_organisers_generate_slots(client, reception_day, member, chief, who):
    url = f"/admin/roundtables/session/{reception_day.pk}/slots/"
    account = {"anonymous": None, "member": member()[0], "handler": factories.handler(), "chief": chief}[who]
    if account is not None:
        client.force_login(account)
    response = client.post(url, {"minutes": "30", "capacity": "1"})
    # Staff without the permission get 403; everyone else the admin's login page.
    assert response.status_code == (403 if who == "chief" else 302)
    assert reception_day.slots.count() == 3


# --- Demo data ----------------------------------------------------------------------------


def test_the_demo_holds_reception_days_and_a_weekly_direct_line_and_runs_twice(city):
    from roundtables import demo

    factories.official(username="official")
    development = factories.department("宣城市发展和改革委员会", city)
    development.short_name = "发改委"
    development.save()
    factories.handler(development, username="handler")
    for _ in range(12):
        factories.enterprise(region=city)

    for _ in range(2):
        demo._seed_reception_days(city)
        demo._seed_direct_line(city)

    reception = Series.objects.get(kind=Series.Kind.RECEPTION_DAY)
    held = reception.sessions.filter(state__in=reports.HELD_STATES)
    assert held.count() == 6
    assert all(session.leader and session.slots.count() == 6 for session in held)
    assert Registration.objects.filter(session__in=held, slot__isnull=False, checked_in_at__isnull=False).count() == 30
    year = timezone.localdate().year
    rows = [reports.kind_figures(reports.Period(y)).kind("reception_day") for y in (year - 1, year)]
    assert sum(row.sessions for row in rows) == 6
    assert sum(row.enterprises for row in rows) >= 5  # the sample may meet a firm twice
    assert sum(row.resolved for row in rows) >= 1
    cases = Case.objects.filter(roundtable_appeal__session__in=held)
    assert cases.filter(status__in=[Status.RESOLVED, Status.CLOSED]).exists()
    assert cases.exclude(status__in=[Status.RESOLVED, Status.CLOSED]).exists()
    (coming,) = reception.sessions.filter(state=Session.State.ANNOUNCED)
    assert coming.starts_at > timezone.now()
    assert coming.registrations.count() == 1 and coming.slots.count() == 6

    direct = Series.objects.get(kind=Series.Kind.DIRECT_LINE)
    assert direct.rrule == "FREQ=WEEKLY;BYDAY=WE"
    assert direct.sessions.filter(state__in=reports.HELD_STATES).count() == 4
    assert direct.sessions.filter(state=Session.State.ANNOUNCED, starts_at__gt=timezone.now()).count() == 2
