"""Roundtable reminders, run by the django-q2 cluster. Each notification carries a
dedup key, so a retried task never tells anyone twice."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import Enterprise
from portal.schedules import Recurring
from portal.selectors import approved_members
from portal.services import notification_send
from roundtables.models import Appeal, Registration, Session


def notify_announcement(session_id: int) -> int:
    """On publication: invited enterprises and those of the theme's industries."""
    session = Session.objects.select_related("series").get(pk=session_id)
    industry_paths = list(session.industries.values_list("path", flat=True))
    concerned = Q(pk__in=session.invitations.values("enterprise"))
    for path in industry_paths:
        concerned |= Q(industry__path__startswith=path)
    link = reverse("roundtables:session_detail", args=[session.pk])
    sent = 0
    for member in approved_members(Enterprise.objects.filter(concerned)):
        created = notification_send(
            recipient=member,
            kind="roundtable.announced",
            title=_("“%(session)s”开始报名：%(theme)s") % {"session": session, "theme": session.theme},
            link=link,
            dedup_key=f"roundtable.announced:{session.pk}",
            email=True,
        )
        sent += created is not None
    return sent


def remind_tomorrow() -> int:
    """The day before: confirmed attendees of tomorrow's sessions."""
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    registrations = Registration.objects.filter(
        session__starts_at__date=tomorrow,
        session__state__in=[Session.State.ANNOUNCED, Session.State.REGISTRATION_CLOSED],
        status=Registration.Status.CONFIRMED,
        mode=Registration.Mode.IN_PERSON,
        signed_up_by__isnull=False,
    ).select_related("session__series", "session__region", "signed_up_by")
    sent = 0
    for registration in registrations:
        session = registration.session
        created = notification_send(
            recipient=registration.signed_up_by,
            kind="roundtable.reminder",
            title=_("明天%(time)s在%(venue)s召开“%(session)s”，签到码 %(code)s")
            % {
                "time": timezone.localtime(session.starts_at).strftime("%H:%M"),
                "venue": session.venue,
                "session": session,
                "code": registration.code,
            },
            link=reverse("roundtables:my_registrations"),
            dedup_key=f"roundtable.reminder:{registration.pk}",
            sms=True,
        )
        sent += created is not None
    return sent


def notify_case_numbers(session_id: int) -> int:
    """After the session: each appeal's enterprise learns its case number."""
    appeals = Appeal.objects.filter(session_id=session_id, case__enterprise__isnull=False).select_related(
        "case", "session__series", "session__region"
    )
    sent = 0
    for appeal in appeals:
        for member in approved_members(appeal.case.enterprise_id):
            created = notification_send(
                recipient=member,
                kind="roundtable.case_number",
                title=_("您在“%(session)s”反映的诉求已登记为 %(number)s")
                % {"session": appeal.session, "number": appeal.case.number},
                link=reverse("complaints:case_detail", args=[appeal.case.number]),
                dedup_key=f"roundtable.case_number:{appeal.pk}",
                email=True,
                sms=True,
            )
            sent += created is not None
    return sent


# Every morning at 08:00 (Asia/Shanghai), for the sessions of the next day.
SCHEDULES = [Recurring(name="恳谈会前一天提醒", func="roundtables.tasks.remind_tomorrow", daily_at=dt.time(8, 0))]
