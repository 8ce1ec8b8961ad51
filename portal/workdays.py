"""China's working-day calendar (工作日), the clock every deadline here runs on.

China moves working days around public holidays (调休): a holiday may fall on a
weekday and a Saturday or Sunday may be a working day. A day's status comes from,
in order:

1. the admin-editable :class:`~portal.models.CalendarDay` table, where officials
   enter a year's schedule as soon as the State Council publishes it, and correct
   anything else;
2. the ``chinesecalendar`` package, which knows the official schedules up to the
   last year it was released for;
3. for a year neither knows, the statutory holidays of 《全国年节及纪念日放假办法》
   as amended in 2024 (see :func:`statutory_holidays`) and Monday–Friday otherwise,
   with no moved working days (调休): never a guessed schedule. Such a day reports
   ``source="fallback"``. Until its schedule is entered, the admin index and the
   officials' dashboard warn about such a year: the current one, and from 1 November
   the next (:func:`schedule_warnings`).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from functools import cache

import chinese_calendar
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from lunar_python import Lunar

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


# 《全国年节及纪念日放假办法》 as amended by State Council Decree No. 795 (2024),
# in force from 1 January 2025. Earlier years are all in ``chinesecalendar``.
STATUTORY_RULES_SINCE = 2025

# From this (month, day) on, the next year's missing schedule is warned about.
WARN_NEXT_YEAR_FROM = (11, 1)


@cache
def statutory_holidays(year: int) -> dict[dt.date, str]:
    """The statutory public holidays (全体公民放假的节日) of ``year`` under the 2024
    amendment of 《全国年节及纪念日放假办法》, date → holiday name (lazily translated).

    元旦 1 January; 春节 除夕 to 正月初三 (4 days); 清明节 the day of the 清明 solar
    term; 劳动节 1–2 May; 端午节 五月初五; 中秋节 八月十五; 国庆节 1–3 October.
    Only the holidays themselves: the moved working days (调休) of each year's
    schedule are the State Council's decision and are not guessed here. Lunar dates
    and the solar term come from ``lunar_python``.
    """
    names = _HOLIDAY_NAMES
    days: dict[dt.date, str] = {dt.date(year, 1, 1): names["New Year's Day"]}
    # 除夕 is the day before 正月初一: the 29th or 30th of the 12th month (or of a leap 12th).
    new_year = _solar_date(Lunar.fromYmd(year, 1, 1).getSolar())
    for offset in range(-1, 3):
        days[new_year + dt.timedelta(days=offset)] = names["Spring Festival"]
    days[_solar_date(Lunar.fromYmd(year, 1, 1).getJieQiTable()["清明"])] = names["Tomb-sweeping Day"]
    for day in (1, 2):
        days[dt.date(year, 5, day)] = names["Labour Day"]
    days[_solar_date(Lunar.fromYmd(year, 5, 5).getSolar())] = names["Dragon Boat Festival"]
    days[_solar_date(Lunar.fromYmd(year, 8, 15).getSolar())] = names["Mid-autumn Festival"]
    for day in (1, 2, 3):
        days[dt.date(year, 10, day)] = names["National Day"]
    return days


def _solar_date(solar) -> dt.date:
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())


def years_without_schedule(years) -> list[int]:
    """Of ``years``, those that neither ``chinesecalendar`` nor an entered
    :class:`~portal.models.HolidaySchedule` covers: their deadlines use the statutory fallback."""
    from portal.models import HolidaySchedule

    unknown = [year for year in years if year not in official_years()]
    if not unknown:
        return []
    entered = set(HolidaySchedule.objects.filter(year__in=unknown).values_list("year", flat=True))
    return [year for year in unknown if year not in entered]


def schedule_warnings(today: dt.date | None = None) -> list[str]:
    """Warnings, translated, about this year and, from 1 November, next year when no
    official schedule is known for them (see :func:`years_without_schedule`): their
    deadlines use the statutory fallback. At most one query, none while
    ``chinesecalendar`` knows both years."""
    today = today or timezone.localdate()
    years = [today.year]
    if (today.month, today.day) >= WARN_NEXT_YEAR_FROM:
        years.append(today.year + 1)
    return [
        gettext(
            "%(year)s年的法定节假日和调休安排尚未录入：在录入前按《全国年节及纪念日放假办法》的法定节假日计算期限，"
            "周末不调休。请在“年度放假安排”中录入国务院办公厅公布的安排。"
        )
        % {"year": year}
        for year in years_without_schedule(years)
    ]


# WorkCalendar._counts' running counts, shared by every calendar in the process (read only).
_SHARED_COUNTS: dict[tuple, list[int]] = {}
_SHARED_COUNTS_MAX = 64


class WorkCalendar:
    """Answers working-day questions, loading each year's overrides once.

    Build one per request or task when asking about many dates; the module-level
    functions below build a fresh one per call so an admin edit is seen at once.
    """

    def __init__(self):
        self._overrides: dict[int, dict[dt.date, tuple[bool, str]]] = {}
        self._scheduled_years: set[int] | None = None
        # Per year: working days from 1 January up to and including each day.
        self._running_counts: dict[int, list[int]] = {}

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
        if day.year >= STATUTORY_RULES_SINCE:
            holiday = statutory_holidays(day.year).get(day)
            if holiday is not None:
                return DayInfo(day, False, str(holiday), SOURCE_FALLBACK)
        return DayInfo(day, working, "", SOURCE_FALLBACK)

    def is_working_day(self, day: dt.date) -> bool:
        """:meth:`day` without the holiday's name: this runs for every day a count
        walks over, and naming (a translation) is most of the cost of a day."""
        override = self._year_overrides(day.year).get(day)
        if override is not None:
            return override[0]
        if day.year in official_years():
            return chinese_calendar.is_workday(day)
        if not self._year_is_scheduled(day.year):
            _warn_fallback(day.year)
            if day.year >= STATUTORY_RULES_SINCE and day in statutory_holidays(day.year):
                return False
        return day.weekday() < 5

    def _counts(self, year: int) -> list[int]:
        counts = self._running_counts.get(year)
        if counts is None:
            # A year's counts follow from its overrides (read by this calendar, so an edit
            # is seen at once) and, outside chinesecalendar's years, whether its schedule
            # was entered: kept per process under those, as walking the year's 365 days
            # cost 5 ms of each workbench page (bench B3).
            overrides = frozenset((day, working) for day, (working, _name) in self._year_overrides(year).items())
            key = (year, overrides, year in official_years() or self._year_is_scheduled(year))
            counts = _SHARED_COUNTS.get(key)
            if counts is None:
                counts, total, day = [], 0, dt.date(year, 1, 1)
                while day.year == year:
                    total += self.is_working_day(day)
                    counts.append(total)
                    day += dt.timedelta(days=1)
                if len(_SHARED_COUNTS) >= _SHARED_COUNTS_MAX:
                    _SHARED_COUNTS.clear()
                _SHARED_COUNTS[key] = counts
            self._running_counts[year] = counts
        return counts

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
        # From per-year running counts: a case a year late costs two table look-ups,
        # not 365 days asked one by one (the workbench shows thirty such clocks).
        first = self._counts(start.year)
        start_index = start.timetuple().tm_yday - 1
        if start.year == end.year:
            return first[end.timetuple().tm_yday - 1] - first[start_index]
        count = first[-1] - first[start_index]
        for year in range(start.year + 1, end.year):
            count += self._counts(year)[-1]
        return count + self._counts(end.year)[end.timetuple().tm_yday - 1]

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
        "No official holiday schedule for %s: until officials enter it in the admin, that "
        "year's working days are Monday–Friday less the statutory holidays, with no moved "
        "working days.",
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
