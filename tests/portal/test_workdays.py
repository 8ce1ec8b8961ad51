"""China's working-day calendar: the official 2026 schedule (国办发明电〔2025〕7号),
officials' entries for later years, the statutory fallback for years nobody has
published, and the warnings about such years."""

import datetime as dt
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
import time_machine
from lunar_python import Lunar, LunarYear, Solar

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


def test_admin_changelists_warn_about_years_without_a_schedule(client):
    from tests import factories

    official = factories.official()
    year = max(workdays.official_years()) + 3
    url = "/admin/portal/holidayschedule/"
    with time_machine.travel(at(year, 3, 1), tick=False):
        client.force_login(official)  # in the travelled-to time, so the session is fresh
        text = client.get(url).content.decode()
        assert f"{year}年的法定节假日和调休安排尚未录入" in text
        assert f"{year + 1}年" not in text  # next year only from 1 November

    with time_machine.travel(at(year, 11, 1), tick=False):
        client.force_login(official)
        text = client.get("/admin/portal/calendarday/").content.decode()
        assert f"{year}年的法定节假日和调休安排尚未录入" in text
        assert f"{year + 1}年的法定节假日和调休安排尚未录入" in text

        HolidaySchedule.objects.create(year=year)
        text = client.get(url).content.decode()
        assert f"{year}年的法定节假日和调休安排尚未录入" not in text
        assert f"{year + 1}年的法定节假日和调休安排尚未录入" in text


# --- The statutory fallback: 《全国年节及纪念日放假办法》 (2024 amendment) for 2027 on ---------


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (dt.date(2027, 1, 1), "元旦"),  # Friday
        (dt.date(2027, 2, 5), "春节"),  # 除夕 (腊月廿九), Friday
        (dt.date(2027, 2, 6), "春节"),  # 正月初一
        (dt.date(2027, 2, 7), "春节"),
        (dt.date(2027, 2, 8), "春节"),  # 正月初三, Monday
        (dt.date(2027, 4, 5), "清明节"),  # the 清明 solar term, Monday
        (dt.date(2027, 5, 1), "劳动节"),
        (dt.date(2027, 5, 2), "劳动节"),
        (dt.date(2027, 6, 9), "端午节"),  # 五月初五, Wednesday
        (dt.date(2027, 9, 15), "中秋节"),  # 八月十五, Wednesday
        (dt.date(2027, 10, 1), "国庆节"),
        (dt.date(2027, 10, 2), "国庆节"),
        (dt.date(2027, 10, 3), "国庆节"),
        (dt.date(2028, 1, 25), "春节"),  # 除夕 2028 (腊月廿九)
        (dt.date(2028, 1, 26), "春节"),  # 正月初一
        (dt.date(2028, 1, 28), "春节"),  # 正月初三
    ],
)
def test_statutory_holidays_are_off_in_a_year_nobody_has_published(day, name):
    assert day.year not in workdays.official_years()
    assert workdays.day_info(day) == workdays.DayInfo(day, False, name, workdays.SOURCE_FALLBACK)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (dt.date(2027, 1, 4), True),  # Monday after 元旦
        (dt.date(2027, 2, 4), True),  # Thursday before 除夕
        (dt.date(2027, 2, 9), True),  # Tuesday, 正月初四: back to work
        (dt.date(2027, 2, 13), False),  # a Saturday: no guessed 调休上班
        (dt.date(2027, 2, 20), False),
        (dt.date(2027, 4, 6), True),
        (dt.date(2027, 5, 3), True),  # Monday: only two days for 劳动节
        (dt.date(2027, 10, 4), True),  # Monday: only three days for 国庆节
        (dt.date(2027, 10, 9), False),  # Saturday
        (dt.date(2028, 1, 24), True),
        (dt.date(2028, 1, 31), True),
    ],
)
def test_other_fallback_days_follow_the_week_without_adjustments(day, working):
    info = workdays.day_info(day)
    assert info == workdays.DayInfo(day, working, "", workdays.SOURCE_FALLBACK)


def test_deadline_across_new_year_2027_skips_the_holiday_and_the_weekend():
    # Thursday 31 December 2026 (official data) → Friday 1 January 2027 (元旦, fallback) off,
    # the weekend off: day one is Monday 4 January.
    assert workdays.deadline(at(2026, 12, 31, 10), 1) == at(2027, 1, 4, 17, 30)


def test_an_entered_schedule_turns_the_statutory_fallback_off():
    HolidaySchedule.objects.create(year=2027, document_number="国办发明电〔测试〕2号")
    # Officials' entries are the whole schedule: a day they did not list follows the week.
    assert workdays.day_info(dt.date(2027, 1, 1)) == workdays.DayInfo(
        dt.date(2027, 1, 1), True, "", workdays.SOURCE_OVERRIDE
    )
    assert workdays.is_working_day(dt.date(2027, 2, 8))
    # Other years keep the fallback.
    assert workdays.day_info(dt.date(2028, 1, 1)).source == workdays.SOURCE_FALLBACK
    assert not workdays.is_working_day(dt.date(2028, 1, 1))


@pytest.mark.parametrize("year", [2025, 2026])
def test_statutory_holidays_agree_with_the_published_schedules(year):
    """Every statutory holiday is a holiday of that year's State Council schedule, under
    the same name; the schedules only add days around them (调休)."""
    holidays = workdays.statutory_holidays(year)
    assert len(holidays) == 13  # 1 + 4 + 1 + 2 + 1 + 1 + 3 days; none coincide in these years
    for day, name in holidays.items():
        is_holiday, official_name = chinese_calendar.get_holiday_detail(day)
        assert is_holiday, day
        assert str(name) == str(workdays._HOLIDAY_NAMES[official_name]), day


@pytest.mark.parametrize("year", range(2025, 2061))
def test_statutory_lunar_dates(year):
    """除夕 is the last day of the 12th lunar month (the 29th or 30th), then 正月初一 to 初三;
    端午 is 五月初五, 中秋 八月十五, 清明 the solar term's day in early April."""
    holidays = workdays.statutory_holidays(year)
    spring = sorted(day for day, name in holidays.items() if str(name) == "春节")
    assert len(spring) == 4
    assert spring[-1] - spring[0] == dt.timedelta(days=3)
    eve = Solar.fromYmd(spring[0].year, spring[0].month, spring[0].day).getLunar()
    assert (abs(eve.getMonth()), eve.getDay()) in {(12, 29), (12, 30)}
    assert eve.getDay() == LunarYear.fromYear(eve.getYear()).getMonth(eve.getMonth()).getDayCount()
    first = Solar.fromYmd(spring[1].year, spring[1].month, spring[1].day).getLunar()
    assert (first.getYear(), first.getMonth(), first.getDay()) == (year, 1, 1)
    (qingming,) = [day for day, name in holidays.items() if str(name) == "清明节"]
    assert qingming.month == 4 and qingming.day in (4, 5, 6)
    lunar_days = {
        (lunar.getMonth(), lunar.getDay())
        for lunar in (Solar.fromYmd(day.year, day.month, day.day).getLunar() for day in holidays)
    }
    assert (5, 5) in lunar_days
    assert (8, 15) in lunar_days  # even when it falls within 国庆节, as in 2028


def _mid_autumn(year):
    solar = Lunar.fromYmd(year, 8, 15).getSolar()
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())


def test_mid_autumn_on_national_day_adds_no_day():
    holidays = workdays.statutory_holidays(2028)  # 中秋 2028 is 3 October
    assert _mid_autumn(2028) == dt.date(2028, 10, 3)
    assert len(holidays) == 12
    assert not workdays.is_working_day(dt.date(2028, 10, 3))
    assert workdays.is_working_day(dt.date(2028, 10, 4))


# --- Warnings from 1 November ------------------------------------------------------------


def test_no_warning_for_next_year_before_november():
    assert workdays.schedule_warnings(dt.date(2026, 10, 31)) == []


def test_from_1_november_a_missing_schedule_for_next_year_is_warned_about():
    (warning,) = workdays.schedule_warnings(dt.date(2026, 11, 1))
    assert warning.startswith("2027年的法定节假日和调休安排尚未录入")
    assert "《全国年节及纪念日放假办法》" in warning
    assert workdays.schedule_warnings(dt.date(2026, 12, 31)) == [warning]

    HolidaySchedule.objects.create(year=2027)
    assert workdays.schedule_warnings(dt.date(2026, 11, 1)) == []


def test_the_current_year_is_warned_about_all_year():
    assert [w[:6] for w in workdays.schedule_warnings(dt.date(2027, 3, 1))] == ["2027年的"]
    assert [w[:6] for w in workdays.schedule_warnings(dt.date(2027, 11, 1))] == ["2027年的", "2028年的"]


def test_warnings_take_at_most_one_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        workdays.schedule_warnings(dt.date(2026, 3, 1))  # chinesecalendar knows 2026
    with django_assert_num_queries(1):
        workdays.schedule_warnings(dt.date(2027, 11, 1))


def test_admin_index_shows_the_warning_in_november(admin_client):
    with time_machine.travel(at(2026, 11, 15), tick=False):
        response = admin_client.get("/admin/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "2027年的法定节假日和调休安排尚未录入" in text
    assert "/admin/portal/holidayschedule/add/" in text

    with time_machine.travel(at(2026, 10, 15), tick=False):
        text = admin_client.get("/admin/").content.decode()
    assert "calendar-warnings" not in text


def _render_warnings(user):
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    request = RequestFactory().get("/reports/dashboard/")
    request.user = user
    return render_to_string("portal/_calendar_warnings.html", request=request)


def test_dashboard_include_shows_the_warning_to_staff():
    from tests import factories

    official = factories.official()
    with time_machine.travel(at(2026, 11, 15), tick=False):
        html = _render_warnings(official)
        assert 'class="alert alert-warning"' in html
        assert "2027年的法定节假日和调休安排尚未录入" in html

        assert _render_warnings(factories.official(is_staff=False)).strip() == ""

        HolidaySchedule.objects.create(year=2027)
        assert _render_warnings(official).strip() == ""


def test_the_quick_answers_agree_with_the_full_day_and_a_day_by_day_count():
    """is_working_day skips the holiday's name and working_days_between reads running
    counts; both must say what day() and counting day by day say, across an official
    year, an entered override, a fallback year and the years' edges."""
    schedule = HolidaySchedule.objects.create(year=2026, document_number="国办发明电〔测试〕2号")
    CalendarDay.objects.create(schedule=schedule, date=dt.date(2026, 12, 26), is_working_day=True, name="调休上班")
    calendar = workdays.WorkCalendar()
    days = [dt.date(2025, 12, 20) + dt.timedelta(days=n) for n in range(800)]
    for day in days:
        assert calendar.is_working_day(day) is calendar.day(day).is_working_day, day
    for start, end in [(days[0], days[-1]), (days[3], days[400]), (days[370], days[372]), (days[500], days[10])]:
        step = 1 if end >= start else -1
        by_day = sum(
            calendar.day(start + dt.timedelta(days=n * step)).is_working_day
            for n in range(1, abs((end - start).days) + 1)
        )
        assert calendar.working_days_between(start, end) == step * by_day
