"""iCalendar (RFC 5545) files for roundtables: one session to add to a calendar, and a
series' feed to subscribe to. Times are given in Asia/Shanghai with its VTIMEZONE."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from roundtables.models import Series, Session

TIMEZONE = ZoneInfo("Asia/Shanghai")
PRODID = "-//Qinqing Portal//Roundtables//ZH"
CONTENT_TYPE = "text/calendar; charset=utf-8"


@functools.cache
def _vtimezone() -> bytes:
    # China has kept +08:00 without daylight saving since 1992; a compact definition
    # from 2000 on is exact for every session the portal holds.
    return icalendar.Timezone.from_tzinfo(
        TIMEZONE, tzid="Asia/Shanghai", first_date=dt.date(2000, 1, 1), last_date=dt.date(2100, 1, 1)
    ).to_ical()


def session_uid(session: Session) -> str:
    return f"session-{session.pk}@qinqing"


def session_url(session: Session) -> str:
    return settings.SITE_URL + reverse("roundtables:session_detail", args=[session.pk])


def session_summary(session: Session) -> str:
    summary = _("%(series)s %(year)s年第%(number)s期") % {
        "series": session.series.display_name,
        "year": session.year,
        "number": session.number,
    }
    if session.parent_id:
        summary += _("（%(region)s分会场）") % {"region": session.region.display_name}
    if session.theme:
        summary += _("：%(theme)s") % {"theme": session.theme}
    if session.state == Session.State.CANCELLED:
        summary = _("【已取消】") + summary
    return summary


def _description(session: Session) -> str:
    lines = []
    if session.theme:
        lines.append(_("主题：%(theme)s") % {"theme": session.theme})
    if session.description:
        lines.extend(["", session.description.strip()])
    chairs = [line.strip() for line in session.chairs.splitlines() if line.strip()]
    if chairs:
        lines.extend(["", _("主持人："), *chairs])
    if session.online_link:
        lines.extend(["", _("线上参会：%(link)s") % {"link": session.online_link}])
    if session.registration_closes_at and session.state == Session.State.ANNOUNCED:
        closes = timezone.localtime(session.registration_closes_at, TIMEZONE).strftime("%Y-%m-%d %H:%M")
        lines.extend(["", _("报名截止：%(time)s") % {"time": closes}])
    lines.extend(["", _("详情与报名：%(url)s") % {"url": session_url(session)}])
    return "\n".join(lines).strip()


def session_event(session: Session, *, stamp: dt.datetime | None = None) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", session_uid(session))
    event.add("dtstamp", stamp or timezone.now().astimezone(dt.UTC))
    event.add("dtstart", timezone.localtime(session.starts_at, TIMEZONE))
    event.add("dtend", timezone.localtime(session.ends_at, TIMEZONE))
    event.add("summary", session_summary(session))
    location = session.venue or session.online_link
    if location:
        event.add("location", location)
    event.add("description", _description(session))
    event.add("url", session_url(session))
    if session.published_at:
        event.add("created", session.published_at.astimezone(dt.UTC))
    event.add("status", "CANCELLED" if session.state == Session.State.CANCELLED else "CONFIRMED")
    return event


def _calendar(name: str, sessions: Iterable[Session]) -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Asia/Shanghai")
    calendar.add_component(icalendar.Timezone.from_ical(_vtimezone()))
    stamp = timezone.now().astimezone(dt.UTC)
    for session in sessions:
        calendar.add_component(session_event(session, stamp=stamp))
    return calendar.to_ical()


def session_calendar(session: Session) -> bytes:
    """One session, to add to a calendar."""
    return _calendar(str(session), [session])


def series_calendar(series: Series, sessions: Iterable[Session]) -> bytes:
    """A series' feed (subscribe once, get every session as it is published)."""
    return _calendar(series.display_name, sessions)
