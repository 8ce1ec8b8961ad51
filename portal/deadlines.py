"""What every deadline of the portal shares, whatever it belongs to (a case's stage, an
application's review): the three colours a list shows (正常 / 临期 / 超期) and how lateness and
time left are told — in working days, the unit every deadline is set in."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal.workdays import WorkCalendar

GREEN = "green"
YELLOW = "yellow"
RED = "red"
FLAG_LABELS = {GREEN: _("正常"), YELLOW: _("临期"), RED: _("超期")}


def yellow_threshold(now: dt.datetime | None = None, calendar: WorkCalendar | None = None) -> dt.datetime:
    """A stage due before this moment is due within one working day (yellow)."""
    return (calendar or WorkCalendar()).deadline(now or timezone.now(), 1)


def working_days_late(due: dt.datetime, now: dt.datetime | None = None, calendar: WorkCalendar | None = None) -> int:
    """Working days a deadline has been passed by: 1 on the first working day after it
    (or later the same day), 0 while it has not passed. Lateness is told in working
    days ("超期 3 个工作日"), the unit every deadline here is set in."""
    now = now or timezone.now()
    if due >= now:
        return 0
    days = (calendar or WorkCalendar()).working_days_between(timezone.localdate(due), timezone.localdate(now))
    return max(days, 1)


def working_days_left(due: dt.datetime, now: dt.datetime | None = None, calendar: WorkCalendar | None = None) -> int:
    """Working days until a deadline: 0 when it falls today, negative once passed."""
    now = now or timezone.now()
    if due < now:
        return -working_days_late(due, now, calendar)
    return (calendar or WorkCalendar()).working_days_between(timezone.localdate(now), timezone.localdate(due))


def time_left_text(due: dt.datetime, now: dt.datetime | None = None, calendar: WorkCalendar | None = None) -> str:
    """ "剩余 2 个工作日", "今日到期" or "超期 3 个工作日"."""
    now = now or timezone.now()
    late = working_days_late(due, now, calendar)
    if late:
        return ngettext("超期 %(days)d 个工作日", "超期 %(days)d 个工作日", late) % {"days": late}
    left = working_days_left(due, now, calendar)
    if left == 0:
        return str(_("今日到期"))
    return ngettext("剩余 %(days)d 个工作日", "剩余 %(days)d 个工作日", left) % {"days": left}
