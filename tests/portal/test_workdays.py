"""China's working-day calendar: the official 2026 schedule (国办发明电〔2025〕7号),
officials' entries for later years, and the Monday–Friday fallback."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from portal import workdays
from portal.models import CalendarDay, HolidaySchedule

SHANGHAI = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def at(year, month, day, hour=10, minute=0):
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("day", "working", "name"),
    [
        (dt.date(2026, 9, 30), True, ""),  # Wednesday before the holiday
        (dt.date(2026, 10, 1), False, "国庆节"),
        (dt.date(2026, 10, 7), False, "国庆节"),
        (dt.date(2026, 10, 8), True, ""),
        (dt.date(2026, 9, 20), True, "国庆节"),  # Sunday, adjusted working day (调休上班)
        (dt.date(2026, 10, 10), True, "国庆节"),  # Saturday, adjusted working day
        (dt.date(2026, 10, 11), False, ""),  # an ordinary Sunday
        (dt.date(2026, 9, 25), False, "中秋节"),  # Friday, Mid-autumn Festival
    ],
)
def test_2026_national_day_schedule(day, working, name):
    info = workdays.day_info(day)
    assert info.is_working_day is working
    assert info.name == name
    assert info.source == workdays.SOURCE_OFFICIAL


def test_adding_working_days_skips_the_golden_week():
    assert workdays.add_working_days(dt.date(2026, 9, 30), 1) == dt.date(2026, 10, 8)
    # The adjusted Saturday counts as a working day.
    assert workdays.add_working_days(dt.date(2026, 9, 30), 3) == dt.date(2026, 10, 10)
    assert workdays.add_working_days(dt.date(2026, 10, 3), 0) == dt.date(2026, 10, 8)


def test_working_days_between_counts_adjusted_weekend_days():
    assert workdays.working_days_between(dt.date(2026, 9, 30), dt.date(2026, 10, 10)) == 3
    assert workdays.working_days_between(dt.date(2026, 10, 10), dt.date(2026, 9, 30)) == -3
    assert workdays.working_days_between(dt.date(2026, 9, 18), dt.date(2026, 9, 21)) == 2  # Sun 20th + Mon 21st


@pytest.mark.parametrize(
    ("received", "n", "due"),
    [
        # The 1-2-3 rule on an appeal received the morning before National Day.
        (at(2026, 9, 30, 10), 1, at(2026, 10, 8, 17, 30)),
        (at(2026, 9, 30, 10), 2, at(2026, 10, 9, 17, 30)),
        (at(2026, 9, 30, 10), 3, at(2026, 10, 10, 17, 30)),
        # After office hours the clock starts on the next working day.
        (at(2026, 9, 30, 18), 1, at(2026, 10, 9, 17, 30)),
        (at(2026, 9, 30, 17, 30), 1, at(2026, 10, 9, 17, 30)),
        # During the holiday it starts on the first day back.
        (at(2026, 10, 3, 9), 1, at(2026, 10, 9, 17, 30)),
        # On an ordinary Saturday before an adjusted Sunday, the Sunday is day zero.
        (at(2026, 9, 19, 9), 1, at(2026, 9, 21, 17, 30)),
        (at(2026, 9, 30, 10), 0, at(2026, 9, 30, 17, 30)),
    ],
)
def test_deadline_is_end_of_office_hours_on_the_nth_working_day(received, n, due):
    assert workdays.deadline(received, n) == due


def test_deadline_accepts_utc_moments():
    received = dt.datetime(2026, 9, 30, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai
    assert workdays.deadline(received, 1) == at(2026, 10, 8, 17, 30)


def test_office_hours_end_is_configurable(settings):
    settings.OFFICE_HOURS_END = "18:00"
    assert workdays.deadline(at(2026, 9, 30, 17, 45), 1) == at(2026, 10, 8, 18, 0)


def test_a_year_without_data_falls_back_to_monday_to_friday_and_says_so():
    year = max(workdays.official_years()) + 1
    assert workdays.years_without_schedule([year]) == [year]
    monday = dt.date(year, 1, 4) - dt.timedelta(days=dt.date(year, 1, 4).weekday())
    saturday = monday + dt.timedelta(days=5)
    assert workdays.day_info(monday).source == workdays.SOURCE_FALLBACK
    assert workdays.is_working_day(monday)
    assert not workdays.is_working_day(saturday)


def test_officials_entries_win_and_cover_the_year():
    year = max(workdays.official_years()) + 1
    schedule = HolidaySchedule.objects.create(year=year, document_number="国办发明电〔测试〕1号")
    new_year = dt.date(year, 1, 1)
    adjusted = dt.date(year, 1, 2) + dt.timedelta(days=(5 - dt.date(year, 1, 2).weekday()) % 7)  # a Saturday
    CalendarDay.objects.create(schedule=schedule, date=new_year, is_working_day=False, name="元旦")
    CalendarDay.objects.create(schedule=schedule, date=adjusted, is_working_day=True, name="元旦调休上班")

    assert workdays.day_info(new_year) == workdays.DayInfo(new_year, False, "元旦", workdays.SOURCE_OVERRIDE)
    assert workdays.is_working_day(adjusted)
    assert workdays.years_without_schedule([year]) == []
    # Days not listed follow the week, and no longer count as fallback.
    assert workdays.day_info(dt.date(year, 3, 3)).source == workdays.SOURCE_OVERRIDE


def test_an_override_corrects_a_year_the_package_knows():
    schedule = HolidaySchedule.objects.create(year=2026)
    CalendarDay.objects.create(schedule=schedule, date=dt.date(2026, 10, 8), is_working_day=False, name="临时调整")
    assert workdays.add_working_days(dt.date(2026, 9, 30), 1) == dt.date(2026, 10, 9)


def test_admin_warns_about_years_without_a_schedule(client, monkeypatch):
    from django.utils import timezone

    from tests import factories

    client.force_login(factories.official())
    year = max(workdays.official_years()) + 3
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: dt.date(year, 3, 1))
    response = client.get("/admin/portal/holidayschedule/")
    text = response.content.decode()
    assert f"{year}年尚无官方放假安排" in text
    assert f"{year + 1}年尚无官方放假安排" in text

    HolidaySchedule.objects.create(year=year)
    text = client.get("/admin/portal/holidayschedule/").content.decode()
    assert f"{year}年尚无官方放假安排" not in text
    assert f"{year + 1}年尚无官方放假安排" in text
