"""Roundtable operations: generating sessions on the rule, the week-ahead rule,
sign-up without overbooking, the waiting list, invitations, appeals as cases, reminders."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from complaints.models import Status as CaseStatus
from portal.models import Notification
from roundtables import services, tasks
from roundtables.models import Appeal, Invitation, Registration, Session

SHANGHAI = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def sign_up(session, user, enterprise, **fields):
    fields.setdefault("attendee_name", "王总")
    fields.setdefault("attendee_mobile", "13900001234")
    return services.registration_create(session=session, actor=user, enterprise=enterprise, **fields)


def test_generation_follows_the_rule_skips_existing_dates_and_flags_holidays(series, official, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2026, 9, 1, 10, 0, tzinfo=SHANGHAI))
    created, skipped = services.series_generate_sessions(series=series, months=3, actor=official)
    dates = [timezone.localtime(session.starts_at).date() for session in created]
    assert dates == [dt.date(2026, 9, 5), dt.date(2026, 10, 3), dt.date(2026, 11, 7)]
    assert [session.number for session in created] == [1, 2, 3]
    notes = {timezone.localtime(s.starts_at).date(): s.calendar_note for s in created}
    assert notes[dt.date(2026, 10, 3)] == "国庆节假期"
    assert notes[dt.date(2026, 9, 5)] == ""
    assert all(session.state == Session.State.DRAFT for session in created)
    assert timezone.localtime(created[0].starts_at).time() == dt.time(9, 0)

    again, skipped = services.series_generate_sessions(series=series, months=3, actor=official)
    assert (again, skipped) == ([], 3)


def test_a_weekly_rule(series, official, monkeypatch):
    series.rrule = "FREQ=WEEKLY;BYDAY=WE"
    series.save()
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2026, 9, 28, 10, 0, tzinfo=SHANGHAI))
    created, _ = services.series_generate_sessions(series=series, months=1, actor=official)
    dates = [timezone.localtime(s.starts_at).date() for s in created]
    assert dates[:3] == [dt.date(2026, 9, 30), dt.date(2026, 10, 7), dt.date(2026, 10, 14)]
    assert created[1].calendar_note == "国庆节假期"


def test_only_officials_generate_and_publish(series, make_session, member):
    user, _ = member()
    with pytest.raises(PermissionDenied):
        services.series_generate_sessions(series=series, months=1, actor=user)
    with pytest.raises(PermissionDenied):
        services.session_publish(session=make_session(Session.State.DRAFT), actor=user)


def test_publishing_needs_a_week_or_a_reason(make_session, official):
    soon = make_session(Session.State.DRAFT, days=3)
    with pytest.raises(ValidationError) as refused:
        services.session_publish(session=soon, actor=official)
    assert "不足7天" in str(refused.value)
    published = services.session_publish(session=soon, actor=official, reason="书记临时调整议程")
    assert published.state == Session.State.ANNOUNCED
    assert published.early_publish_reason == "书记临时调整议程"

    later = make_session(Session.State.DRAFT, days=10, registration_closes_at=None)
    later = services.session_publish(session=later, actor=official)
    assert later.registration_closes_at < later.starts_at
    with pytest.raises(ValidationError, match="当前状态为“已发布”"):
        services.session_publish(session=later, actor=official)


def test_sign_up_confirms_then_waitlists_and_a_cancellation_promotes_at_once(make_session, member):
    session = make_session(capacity=2, reserved=0)
    (a, ea), (b, eb), (c, ec), (d, ed) = member(), member(), member(), member()
    assert sign_up(session, a, ea).status == Registration.Status.CONFIRMED
    assert sign_up(session, b, eb).status == Registration.Status.CONFIRMED
    third = sign_up(session, c, ec)
    fourth = sign_up(session, d, ed)
    assert third.status == fourth.status == Registration.Status.WAITLISTED
    assert services.waitlist_position(third) == 1
    assert services.waitlist_position(fourth) == 2

    services.registration_cancel(registration=Registration.objects.get(enterprise=ea), actor=a)
    third.refresh_from_db()
    assert third.status == Registration.Status.CONFIRMED
    assert services.waitlist_position(Registration.objects.get(pk=fourth.pk)) == 1
    assert Notification.objects.filter(recipient=c, kind="roundtable.promoted").count() == 1


def test_one_active_registration_per_enterprise(make_session, member):
    session = make_session()
    user, enterprise = member()
    first = sign_up(session, user, enterprise)
    with pytest.raises(services.RegistrationExists) as refused:
        sign_up(session, user, enterprise)
    assert refused.value.registration == first
    with pytest.raises(IntegrityError), transaction.atomic():
        Registration.objects.create(
            session=session,
            enterprise=enterprise,
            attendee_name="x",
            attendee_mobile="13900001234",
            status="waitlisted",
        )
    # After cancelling, the enterprise may sign up again.
    services.registration_cancel(registration=first, actor=user)
    assert sign_up(session, user, enterprise).status == Registration.Status.CONFIRMED


def test_an_enterprise_user_cannot_sign_up_an_enterprise_they_do_not_represent(make_session, member):
    session = make_session()
    user, _ = member()
    _, other_enterprise = member()
    with pytest.raises(PermissionDenied):
        sign_up(session, user, other_enterprise)
    assert not Registration.objects.exists()


def test_sign_up_outside_the_window_says_why(make_session, member):
    user, enterprise = member()
    with pytest.raises(ValidationError, match="尚未发布"):
        sign_up(make_session(Session.State.DRAFT), user, enterprise)
    closed = make_session(registration_closes_at=timezone.now() - dt.timedelta(hours=1))
    with pytest.raises(ValidationError, match="截止"):
        sign_up(closed, user, enterprise)


def test_written_appeals_take_no_seat_and_become_accepted_cases(make_session, member):
    session = make_session(capacity=1, reserved=0)
    writer, writer_enterprise = member()
    registration = sign_up(
        session, writer, writer_enterprise, mode=Registration.Mode.WRITTEN, intended_problems="厂房扩建用地审批慢"
    )
    assert registration.status == Registration.Status.CONFIRMED and not registration.takes_a_seat
    appeal = Appeal.objects.get(registration=registration)
    case = appeal.case
    assert case.channel == "roundtable"
    assert case.status == CaseStatus.ACCEPTED
    assert case.enterprise == writer_enterprise
    assert case.stage_due_at is not None  # the 1-2-3 clock started at once
    assert appeal.source == Appeal.Source.WRITTEN
    # The one seat is still free.
    attendee, enterprise = member()
    assert sign_up(session, attendee, enterprise).status == Registration.Status.CONFIRMED


def test_invited_enterprises_take_reserved_seats_and_may_decline(make_session, member, official):
    session = make_session(capacity=2, reserved=1)
    (a, ea), (b, eb), (c, ec) = member(), member(), member()
    assert sign_up(session, a, ea).pool == Registration.Pool.OPEN
    services.invitations_send(session=session, enterprises=[eb, ec], actor=official)
    assert Notification.objects.filter(recipient=b, kind="roundtable.invited").exists()
    invited = sign_up(session, b, eb)
    assert (invited.status, invited.pool) == (Registration.Status.CONFIRMED, Registration.Pool.RESERVED)
    assert Invitation.objects.get(session=session, enterprise=eb).status == Invitation.Status.ACCEPTED
    services.invitation_decline(invitation=Invitation.objects.get(session=session, enterprise=ec), actor=c)
    assert Invitation.objects.get(session=session, enterprise=ec).status == Invitation.Status.DECLINED
    # Inviting again does not duplicate.
    assert services.invitations_send(session=session, enterprises=[eb], actor=official) == 0
    outsider, eo = member()
    assert sign_up(session, outsider, eo).status == Registration.Status.WAITLISTED


def test_officials_hear_at_50_80_and_100_percent_once_each(make_session, member, official):
    session = make_session(capacity=4, reserved=0)
    for _ in range(4):
        user, enterprise = member()
        sign_up(session, user, enterprise)
    titles = list(
        Notification.objects.filter(recipient=official, kind="roundtable.capacity").values_list("title", flat=True)
    )
    assert len(titles) == 3
    assert any("50%" in t for t in titles) and any("100%" in t for t in titles)


def test_on_site_appeals_are_for_staff(make_session, member, official):
    session = make_session(Session.State.HELD, days=-1)
    user, enterprise = member()
    with pytest.raises(PermissionDenied):
        services.appeal_file(
            session=session, actor=user, enterprise=enterprise, title="t", description="d", source="on_site"
        )
    appeal = services.appeal_file(
        session=session,
        actor=official,
        enterprise=enterprise,
        title="园区道路破损",
        description="货车通行困难",
        source="on_site",
        on_site_answer="交通局当场表示本月内修复",
    )
    assert appeal.case.status == CaseStatus.ACCEPTED and appeal.on_site_answer


def test_cancelling_a_session_tells_everyone_registered(make_session, member, official):
    session = make_session()
    user, enterprise = member()
    sign_up(session, user, enterprise)
    services.session_cancel(session=session, actor=official, reason="台风预警")
    assert Notification.objects.filter(recipient=user, kind="roundtable.cancelled").count() == 1
    with pytest.raises(ValidationError):
        services.session_mark_held(session=session, actor=official)


def test_check_in(make_session, member, official):
    session = make_session()
    user, enterprise = member()
    registration = sign_up(session, user, enterprise)
    checked = services.registration_check_in(registration=registration, actor=official)
    assert checked.checked_in_at is not None
    with pytest.raises(PermissionDenied):
        services.registration_check_in(registration=registration, actor=user)


def test_county_sub_sessions(make_session, official, city):
    session = make_session(Session.State.DRAFT)
    created = services.session_create_county_sessions(session=session, actor=official)
    assert {s.region.name for s in created} == {"宣州区", "宁国市"}
    assert all(s.starts_at == session.starts_at and s.number == session.number for s in created)
    assert services.session_create_county_sessions(session=session, actor=official) == []


def test_reminders_are_sent_once_whatever_the_retries(make_session, member, official, series):
    tomorrow = timezone.localtime() + dt.timedelta(days=1)
    session = make_session(
        starts_at=tomorrow,
        ends_at=tomorrow + dt.timedelta(hours=2),
        registration_closes_at=tomorrow + dt.timedelta(hours=1),
    )
    user, enterprise = member()
    sign_up(session, user, enterprise, intended_problems="融资难")
    assert tasks.remind_tomorrow() == 1
    assert tasks.remind_tomorrow() == 0
    services.session_mark_held(session=session, actor=official)
    assert tasks.notify_case_numbers(session.pk) == 1
    assert tasks.notify_case_numbers(session.pk) == 0
    number = Appeal.objects.get().case.number
    assert (
        Notification.objects.filter(recipient=user, kind="roundtable.case_number", title__contains=number).count() == 1
    )


def test_announcement_tells_invited_and_matching_industries(make_session, member, official):
    from portal.models import Industry

    manufacturing = Industry.objects.get(code="C")
    session = make_session(Session.State.DRAFT)
    session.industries.add(manufacturing)
    maker, maker_enterprise = member()
    maker_enterprise.industry = Industry.objects.get(code="36")
    maker_enterprise.save()
    invited_user, invited_enterprise = member()
    bystander, _ = member()
    services.invitations_send(session=session, enterprises=[invited_enterprise], actor=official)
    services.session_publish(session=session, actor=official)
    assert tasks.notify_announcement(session.pk) == 2
    assert tasks.notify_announcement(session.pk) == 0
    told = set(Notification.objects.filter(kind="roundtable.announced").values_list("recipient__username", flat=True))
    assert told == {maker.username, invited_user.username}
    assert bystander.username not in told


def test_a_session_needs_a_theme_to_be_published(make_session, official):
    session = make_session(Session.State.DRAFT, theme="")
    with pytest.raises(ValidationError, match="主题"):
        services.session_publish(session=session, actor=official)


def test_a_written_appeal_posted_twice_files_one_case(make_session, member):
    session = make_session()
    user, enterprise = member()
    first = services.appeal_file(
        session=session,
        actor=user,
        enterprise=enterprise,
        title="t",
        description="d",
        source="written",
        idempotency_key="k1",
    )
    again = services.appeal_file(
        session=session,
        actor=user,
        enterprise=enterprise,
        title="t",
        description="d",
        source="written",
        idempotency_key="k1",
    )
    assert first.pk == again.pk and Appeal.objects.count() == 1


def test_an_answered_invitation_cannot_be_declined(make_session, member, official):
    session = make_session()
    user, enterprise = member()
    services.invitations_send(session=session, enterprises=[enterprise], actor=official)
    sign_up(session, user, enterprise)
    with pytest.raises(ValidationError, match="已接受"):
        services.invitation_decline(invitation=Invitation.objects.get(), actor=user)


def test_invitations_to_a_draft_are_told_on_publication(make_session, member, official):
    session = make_session(Session.State.DRAFT)
    user, enterprise = member()
    services.invitations_send(session=session, enterprises=[enterprise], actor=official)
    assert not Notification.objects.filter(recipient=user).exists()
    services.session_publish(session=session, actor=official)
    tasks.notify_announcement(session.pk)
    assert Notification.objects.filter(recipient=user, kind="roundtable.announced").exists()


def test_a_registration_is_archived_not_deleted_and_leaves_the_lists(make_session, member, client):
    from django.test import Client

    from tests.archive_checks import assert_archived_not_deleted

    session = make_session()
    user, enterprise = member()
    registration = sign_up(session, user, enterprise)

    assert_archived_not_deleted(Client(), registration)
    client.force_login(user)
    assert client.get("/api/v1/registrations/").json()["results"] == []
    assert client.delete(f"/api/v1/registrations/{registration.pk}/").status_code == 405
    # Deleting its session would take it along: the database refuses that too.
    with pytest.raises(DatabaseError, match="archive_not_delete"), transaction.atomic():
        session.delete()


def test_sign_up_closes_on_the_last_working_day_before_the_session_not_on_a_holiday(make_session, official):
    # Monday 4 January 2027: the day before is a Sunday, 1 January is 元旦.
    starts = timezone.make_aware(dt.datetime(2027, 1, 4, 9, 0))
    session = make_session(
        Session.State.DRAFT, starts_at=starts, ends_at=starts + dt.timedelta(hours=3), registration_closes_at=None
    )
    services.session_publish(session=session, actor=official)
    session.refresh_from_db()
    assert timezone.localtime(session.registration_closes_at) == timezone.make_aware(dt.datetime(2026, 12, 31, 17, 0))
