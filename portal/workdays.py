"""China's working-day calendar (工作日), the clock every deadline here runs on.

China moves working days around public holidays (调休): a holiday may fall on a
weekday and a Saturday or Sunday may be a working day. A day's status comes from,
in order:

1. the admin-editable :class:`~portal.models.CalendarDay` table, where officials
   enter a year's schedule as soon as the State Council publishes it, and correct
   anything else;
2. the ``chinesecalendar`` package, which knows the official schedules up to the
   last year it was released for;
3. Monday–Friday, for a year neither knows. Such a day reports ``source="fallback"``
   and the admin warns about the year until its schedule is entered.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from functools import cache

import chinese_calendar
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

SOURCE_OVERRIDE = "override"
SOURCE_OFFICIAL = "official"
SOURCE_FALLBACK = "fallback"

_HOLIDAY_NAMES = {
    "New Year's Day": _("元旦"),
    "Spring Festival": _("春节"),
    "Tomb-sweeping Day": _("清明节"),
    "Labour Day": _("劳动节"),
    "Dragon Boat Festival": _("端午节"),
    "National Day": _("国庆节"),
    "Mid-autumn Festival": _("中秋节"),
    "Anti-Fascist 70th Day": _("中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日"),
}


@dataclass(frozen=True)
class DayInfo:
    date: dt.date
    is_working_day: bool
    name: str
    source: str  # SOURCE_OVERRIDE, SOURCE_OFFICIAL or SOURCE_FALLBACK


@cache
def official_years() -> range:
    """The years the installed ``chinesecalendar`` release has official data for."""
    years = {day.year for day in chinese_calendar.holidays}
    return range(min(years), max(years) + 1)


def years_without_schedule(years) -> list[int]:
    """Of ``years``, those that neither ``chinesecalendar`` nor an entered
    :class:`~portal.models.HolidaySchedule` covers: their deadlines use Monday–Friday."""
    from portal.models import HolidaySchedule

    unknown = [year for year in years if year not in official_years()]
    if not unknown:
        return []
    entered = set(HolidaySchedule.objects.filter(year__in=unknown).values_list("year", flat=True))
    return [year for year in unknown if year not in entered]


class WorkCalendar:
    """Answers working-day questions, loading each year's overrides once.

    Build one per request or task when asking about many dates; the module-level
    functions below build a fresh one per call so an admin edit is seen at once.
    """

    def __init__(self):
        self._overrides: dict[int, dict[dt.date, tuple[bool, str]]] = {}
        self._scheduled_years: set[int] | None = None

    def _year_overrides(self, year: int) -> dict[dt.date, tuple[bool, str]]:
        if year not in self._overrides:
            from portal.models import CalendarDay

            rows = CalendarDay.objects.filter(date__year=year).values_list("date", "is_working_day", "name")
            self._overrides[year] = {day: (working, name) for day, working, name in rows}
        return self._overrides[year]

    def _year_is_scheduled(self, year: int) -> bool:
        if self._scheduled_years is None:
            from portal.models import HolidaySchedule

            self._scheduled_years = set(HolidaySchedule.objects.values_list("year", flat=True))
        return year in self._scheduled_years

    def day(self, day: dt.date) -> DayInfo:
        override = self._year_overrides(day.year).get(day)
        if override is not None:
            return DayInfo(day, override[0], override[1], SOURCE_OVERRIDE)
        if day.year in official_years():
            is_holiday, name = chinese_calendar.get_holiday_detail(day)
            return DayInfo(day, not is_holiday, str(_HOLIDAY_NAMES.get(name, name or "")), SOURCE_OFFICIAL)
        working = day.weekday() < 5
        if self._year_is_scheduled(day.year):
            # Officials entered this year's schedule: days not listed follow the week.
            return DayInfo(day, working, "", SOURCE_OVERRIDE)
        _warn_fallback(day.year)
        return DayInfo(day, working, "", SOURCE_FALLBACK)

    def is_working_day(self, day: dt.date) -> bool:
        return self.day(day).is_working_day

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        """The ``n``-th working day after ``start`` (``start`` itself not counted).
        ``n=0`` gives ``start`` if it is a working day, else the next working day."""
        if n < 0:
            raise ValueError("n must not be negative")
        day = start
        if n == 0:
            while not self.is_working_day(day):
                day += dt.timedelta(days=1)
            return day
        while n:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                n -= 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end``; negative when ``end``
        is before ``start``. ``working_days_between(d, add_working_days(d, n)) == n``."""
        if end < start:
            return -self.working_days_between(end, start)
        count = 0
        day = start
        while day < end:
            day += dt.timedelta(days=1)
            count += self.is_working_day(day)
        return count

    def deadline(self, moment: dt.datetime, n: int) -> dt.datetime:
        """End of office hours on the ``n``-th working day after ``moment``.

        A moment on a non-working day or after office hours counts from the next
        working day, as if it had arrived that morning.
        """
        local = timezone.localtime(moment)
        office_end = office_hours_end()
        start = local.date()
        if not self.is_working_day(start) or local.time() >= office_end:
            start = self.add_working_days(start, 1)
        due = self.add_working_days(start, n)
        return timezone.make_aware(dt.datetime.combine(due, office_end), local.tzinfo)


def office_hours_end() -> dt.time:
    return dt.time.fromisoformat(settings.OFFICE_HOURS_END)


@cache
def _warn_fallback(year: int) -> None:
    logger.warning(
        "No official holiday schedule for %s: working days in that year are Monday–Friday "
        "until officials enter the schedule in the admin.",
        year,
    )


def day_info(day: dt.date) -> DayInfo:
    return WorkCalendar().day(day)


def is_working_day(day: dt.date) -> bool:
    return WorkCalendar().is_working_day(day)


def add_working_days(start: dt.date, n: int) -> dt.date:
    return WorkCalendar().add_working_days(start, n)


def working_days_between(start: dt.date, end: dt.date) -> int:
    return WorkCalendar().working_days_between(start, end)


def deadline(moment: dt.datetime, n: int) -> dt.datetime:
    return WorkCalendar().deadline(moment, n)
