"""Calendar files: a session's .ics and a series' feed, read back with icalendar as a
calendar application would read them."""

import datetime as dt
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.utils import timezone

from roundtables import services
from roundtables.models import Series, Session

SHANGHAI = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "https://qinqing.example.gov.cn"


def nine_am(days: int) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(9, 0), tzinfo=SHANGHAI)


def at_nine(make_session, days=10, **fields):
    starts = nine_am(days)
    return make_session(days=days, starts_at=starts, ends_at=starts + dt.timedelta(hours=3), **fields)


def fetch(client, url) -> icalendar.Calendar:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


def test_a_session_as_an_ics_file(client, make_session):
    session = at_nine(
        make_session,
        theme="优化营商环境 助力民营经济",
        chairs="李市长\n王局长",
        description="围绕融资难问题恳谈。",
        venue="宣城市行政中心3楼会议室",
    )
    calendar = fetch(client, f"/roundtables/{session.pk}/calendar.ics")
    assert str(calendar["VERSION"]) == "2.0"
    assert "Qinqing" in str(calendar["PRODID"])

    (zone,) = calendar.timezones
    assert str(zone["TZID"]) == "Asia/Shanghai"
    assert all(offset.to_ical() == "+0800" for sub in zone.subcomponents for offset in [sub["TZOFFSETTO"]])

    (event,) = calendar.events
    assert str(event["UID"]) == f"session-{session.pk}@qinqing"
    assert event["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert event["DTEND"].params["TZID"] == "Asia/Shanghai"
    assert event.start == session.starts_at and event.end == session.ends_at
    assert event.start.utcoffset() == dt.timedelta(hours=8)
    assert (event.start.hour, event.start.minute) == (9, 0)
    summary = str(event["SUMMARY"])
    assert "宣城市政商恳谈会" in summary and f"第{session.number}期" in summary
    assert "优化营商环境 助力民营经济" in summary
    assert str(event["LOCATION"]) == "宣城市行政中心3楼会议室"
    assert str(event["URL"]) == f"https://qinqing.example.gov.cn/roundtables/{session.pk}/"
    description = str(event["DESCRIPTION"])
    assert "围绕融资难问题恳谈。" in description and "李市长\n王局长" in description
    assert f"https://qinqing.example.gov.cn/roundtables/{session.pk}/" in description
    assert str(event["STATUS"]) == "CONFIRMED"
    assert "DTSTAMP" in event


def test_the_file_is_written_with_the_local_wall_clock(client, make_session):
    session = at_nine(make_session)
    content = client.get(f"/roundtables/{session.pk}/calendar.ics").content.decode()
    local = timezone.localtime(session.starts_at, SHANGHAI)
    assert f"DTSTART;TZID=Asia/Shanghai:{local:%Y%m%d}T090000" in content
    assert f"DTEND;TZID=Asia/Shanghai:{local:%Y%m%d}T120000" in content
    assert "BEGIN:VTIMEZONE" in content and content.index("BEGIN:VTIMEZONE") < content.index("BEGIN:VEVENT")
    assert "\r\n" in content  # RFC 5545 line endings


def test_drafts_have_no_calendar_file(client, make_session, official):
    draft = make_session(Session.State.DRAFT)
    assert client.get(f"/roundtables/{draft.pk}/calendar.ics").status_code == 404
    client.force_login(official)
    assert client.get(f"/roundtables/{draft.pk}/calendar.ics").status_code == 404
    assert client.get("/roundtables/999999/calendar.ics").status_code == 404


def test_the_series_feed(client, make_session, series, official, city):
    announced = at_nine(make_session, days=10, theme="下期主题")
    held = at_nine(make_session, days=-20, state=Session.State.HELD, theme="上期主题")
    draft = at_nine(make_session, days=40, state=Session.State.DRAFT, theme="草稿主题")
    cancelled = at_nine(make_session, days=25, theme="取消的主题")
    services.session_cancel(session=cancelled, actor=official, reason="台风预警")
    services.session_create_county_sessions(session=announced, actor=official)
    Session.objects.filter(parent=announced).update(state=Session.State.ANNOUNCED)
    other_series = Series.objects.create(name="宁国市政商恳谈会", region=city, rrule="FREQ=MONTHLY;BYDAY=1WE")
    elsewhere = at_nine(make_session, days=12, series=other_series, number=1, theme="别的系列")

    url = f"/roundtables/series/{series.pk}/calendar.ics"
    calendar = fetch(client, url)
    assert str(calendar["VERSION"]) == "2.0" and calendar["PRODID"]
    assert str(calendar["X-WR-CALNAME"]) == "宣城市政商恳谈会"
    assert [str(zone["TZID"]) for zone in calendar.timezones] == ["Asia/Shanghai"]
    events = {str(event["UID"]): event for event in calendar.events}
    assert set(events) == {f"session-{s.pk}@qinqing" for s in (announced, held, cancelled)}
    assert f"session-{draft.pk}@qinqing" not in events and f"session-{elsewhere.pk}@qinqing" not in events
    assert str(events[f"session-{cancelled.pk}@qinqing"]["STATUS"]) == "CANCELLED"
    assert str(events[f"session-{held.pk}@qinqing"]["STATUS"]) == "CONFIRMED"
    for session in (announced, held):
        event = events[f"session-{session.pk}@qinqing"]
        assert event["DTSTART"].params["TZID"] == "Asia/Shanghai"
        assert event.start == session.starts_at
        assert session.theme in str(event["SUMMARY"])
    # In time order, with the same UIDs on every fetch, so subscribed calendars update.
    assert [event.start for event in calendar.events] == sorted(event.start for event in calendar.events)
    again = fetch(client, url)
    assert [str(event["UID"]) for event in again.events] == [str(event["UID"]) for event in calendar.events]

    assert client.get("/roundtables/series/999999/calendar.ics").status_code == 404


def test_an_empty_feed_is_still_a_valid_calendar(client, series):
    calendar = fetch(client, f"/roundtables/series/{series.pk}/calendar.ics")
    assert calendar.events == []
    assert [str(zone["TZID"]) for zone in calendar.timezones] == ["Asia/Shanghai"]


def test_a_county_session_names_its_county(client, make_session, official):
    session = at_nine(make_session)
    services.session_create_county_sessions(session=session, actor=official)
    sub = session.sub_sessions.get(region__name="宁国市")
    Session.objects.filter(pk=sub.pk).update(state=Session.State.ANNOUNCED, venue="宁国市民中心")
    (event,) = fetch(client, f"/roundtables/{sub.pk}/calendar.ics").events
    assert "宁国市" in str(event["SUMMARY"]) and str(event["LOCATION"]) == "宁国市民中心"
