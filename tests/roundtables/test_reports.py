"""Roundtable reports: the follow-up report (回访情况报告), the year's figures and the
registration workbook, on hand-counted data in PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import re
from urllib.parse import quote

import openpyxl
import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complaints.models import (
    Case,
    CaseRating,
    Channel,
    NonAcceptanceReason,
    ProblemCategory,
    Rating,
    RatingMethod,
    Status,
)
from complaints.reporting.selectors import Rate
from portal.models import Region
from portal.workdays import WorkCalendar
from roundtables import services
from roundtables.models import Appeal, FollowUpIssue, Registration, Session
from roundtables.reporting import reports
from tests import factories

pytestmark = pytest.mark.django_db

_numbers = itertools.count(1)


def at(year, month, day, hour=9, minute=0) -> dt.datetime:
    """A moment in the portal's time zone (Asia/Shanghai)."""
    return timezone.make_aware(dt.datetime(year, month, day, hour, minute))


def make_case(**fields) -> Case:
    n = next(_numbers)
    fields.setdefault("number", f"SQ2026-{n:06d}")
    fields.setdefault("lookup_code", "X")
    fields.setdefault("channel", Channel.ROUNDTABLE)
    fields.setdefault("title", f"诉求{n}")
    fields.setdefault("description", "说明")
    fields.setdefault("category", ProblemCategory.objects.first())
    fields.setdefault("complainant_name", f"诉求人{n}")
    if fields.get("status") == Status.NOT_ACCEPTED:
        fields.setdefault("non_acceptance_reason", NonAcceptanceReason.objects.first())
    return Case.objects.create(**fields)


def appeal(session, registration=None, **case_fields) -> Case:
    case_fields.setdefault("received_at", session.starts_at)  # heard at the session
    case = make_case(**case_fields)
    Appeal.objects.create(session=session, case=case, registration=registration, source=Appeal.Source.ON_SITE)
    return case


def rate(case, rating, round_=1):
    return CaseRating.objects.create(case=case, round=round_, rating=rating, method=RatingMethod.PHONE)


def register(session, enterprise, status=Registration.Status.CONFIRMED, **fields):
    fields.setdefault("attendee_name", "张三")
    fields.setdefault("attendee_mobile", "13900001234")
    return Registration.objects.create(session=session, enterprise=enterprise, status=status, **fields)


def held_session(make_session, starts: dt.datetime, state=Session.State.HELD, **fields) -> Session:
    return make_session(
        state=state, starts_at=starts, ends_at=starts + dt.timedelta(hours=3), year=starts.year, **fields
    )


def grant_manage(account):
    account.user_permissions.add(
        Permission.objects.get(content_type__app_label="roundtables", codename="manage_sessions")
    )
    return account


# The moment the open cases are looked at in the tests of the report function.
NOW = at(2026, 10, 15, 12)


@pytest.fixture
def data(make_session, city):
    """Sessions of 2025 and 2026 with registrations and appeals; every figure counted by hand.

    S1   city, 2026-09-26, held: c1, c2, c3          S1a  宁国市 sub-session of S1: c4, c5
    S2   city, 2026-10-31, held: c6, c7              S3   city, 2025-12-06, held: c8
    S4   city, 2026-11-07, announced: c9 (written)   S5   city, 2026-08-01, cancelled
    """
    county = Region.objects.get(code="341881")
    s1 = held_session(make_session, at(2026, 9, 26))
    s1a = held_session(make_session, at(2026, 9, 26), parent=s1, region=county)
    s2 = held_session(make_session, at(2026, 10, 31))
    s3 = held_session(make_session, at(2025, 12, 6))
    s4 = held_session(make_session, at(2026, 11, 7), state=Session.State.ANNOUNCED)
    s5 = held_session(make_session, at(2026, 8, 1), state=Session.State.CANCELLED)

    e = {i: factories.enterprise(name=f"企业{i}") for i in range(1, 11)}
    in_person, written = Registration.Mode.IN_PERSON, Registration.Mode.WRITTEN
    # S1 recorded check-ins: only E1 and E2 attended (E3 confirmed but did not come).
    r1 = register(s1, e[1], checked_in_at=at(2026, 9, 26, 8, 50))
    register(s1, e[2], checked_in_at=at(2026, 9, 26, 8, 55))
    r3 = register(s1, e[3])
    register(s1, e[4], Registration.Status.WAITLISTED)
    # S1a recorded no check-in: its confirmed in-person registrations count (E5, E1).
    register(s1a, e[5])
    register(s1a, e[6], mode=written)
    register(s1a, e[7], Registration.Status.CANCELLED)
    register(s1a, e[1])
    # S2 recorded no check-in either: E2 (already counted) and E8.
    register(s2, e[2], mode=in_person)
    register(s2, e[8])
    register(s3, e[9], checked_in_at=at(2025, 12, 6, 8, 50))
    register(s4, e[10])

    a, b = factories.department("甲局"), factories.department("乙局")
    cases = {
        # Across the National Day holiday: 10-01..10-07 off, so 10-08 and 10-09 → 2 working days.
        "c1": appeal(
            s1,
            r1,
            enterprise=e[1],
            lead_department=a,
            title="厂房用地审批",
            status=Status.RESOLVED,
            accepted_at=at(2026, 9, 30, 10),
            resolved_at=at(2026, 10, 9, 15),
            resolve_due_at=at(2026, 10, 12, 17, 30),
        ),
        # Resolved on Saturday 10-10, an adjusted working day (调休), after its deadline:
        # 09-29, 09-30, 10-08, 10-09, 10-10 → 5 working days; late.
        "c2": appeal(
            s1,
            enterprise=e[2],
            lead_department=b,
            status=Status.CLOSED,
            accepted_at=at(2026, 9, 28),
            resolved_at=at(2026, 10, 10, 10),
            closed_at=at(2026, 10, 12),
            resolve_due_at=at(2026, 9, 30, 17, 30),
        ),
        # Open, not yet due at NOW; the enterprise known from the registration only.
        "c3": appeal(
            s1,
            r3,
            lead_department=a,
            status=Status.ASSIGNED,
            accepted_at=at(2026, 9, 29),
            resolve_due_at=at(2026, 10, 20, 17, 30),
        ),
        # Open and past its deadline at NOW.
        "c4": appeal(
            s1a,
            enterprise=e[5],
            lead_department=b,
            status=Status.FEEDBACK_GIVEN,
            accepted_at=at(2026, 9, 28),
            resolve_due_at=at(2026, 10, 9, 17, 30),
        ),
        # Resolved the day it was accepted, without a deadline; confidential.
        "c5": appeal(
            s1a,
            enterprise=e[6],
            is_confidential=True,
            status=Status.RESOLVED,
            accepted_at=at(2026, 9, 29, 9),
            resolved_at=at(2026, 9, 29, 16),
        ),
        "c6": appeal(s2, enterprise=e[8], status=Status.NOT_ACCEPTED),
        "c7": appeal(
            s2,
            enterprise=e[8],
            lead_department=a,
            status=Status.RESOLVED,
            accepted_at=at(2026, 11, 2),
            resolved_at=at(2026, 11, 4, 16),
            resolve_due_at=at(2026, 11, 30, 17, 30),
        ),
        "c8": appeal(
            s3, enterprise=e[9], status=Status.RESOLVED, accepted_at=at(2025, 12, 8), resolved_at=at(2025, 12, 9)
        ),
        "c9": appeal(s4, enterprise=e[10], status=Status.RECEIVED),
    }
    rate(cases["c1"], Rating.UNSATISFIED, 1)
    rate(cases["c1"], Rating.SATISFIED, 2)  # the latest round counts
    rate(cases["c2"], Rating.BASICALLY_SATISFIED)
    rate(cases["c4"], Rating.UNSATISFIED)
    return {"sessions": {"s1": s1, "s1a": s1a, "s2": s2, "s3": s3, "s4": s4, "s5": s5}, "cases": cases, "e": e}


def _report(**params):
    selection, error = reports.resolve_selection(params)
    assert error is None
    return reports.follow_up_report(selection, calendar=WorkCalendar(), now=NOW)


def _by_number(report):
    return {row.case_number: row for row in report.rows}


# --- Working days and classification --------------------------------------------


def test_working_days_across_national_day():
    calendar = WorkCalendar()
    assert calendar.working_days_between(dt.date(2026, 9, 30), dt.date(2026, 10, 9)) == 2
    assert calendar.working_days_between(dt.date(2026, 9, 28), dt.date(2026, 10, 10)) == 5


def test_follow_up_report_for_a_city_session_includes_its_sub_session(data):
    cases = data["cases"]
    report = _report(session=str(data["sessions"]["s1"].pk))
    rows = _by_number(report)
    assert [row.case_number for row in report.rows] == [cases[key].number for key in ("c1", "c2", "c3", "c4", "c5")]

    c1 = rows[cases["c1"].number]
    assert (c1.working_days, c1.timeliness_label, c1.rating_label) == (2, "按时", "满意")
    assert (c1.enterprise, c1.title, c1.lead_department, c1.status) == ("企业1", "厂房用地审批", "甲局", "已办结")
    assert c1.case_url == f"/cases/{cases['c1'].number}/"
    assert c1.session == str(data["sessions"]["s1"])

    c2 = rows[cases["c2"].number]
    assert (c2.working_days, c2.timeliness_label, c2.rating_label, c2.status) == (5, "超期", "基本满意", "已销单")

    # Open: counted to NOW (2026-10-15): 09-30, 10-08, 10-09, 10-10, 10-12..10-15.
    c3 = rows[cases["c3"].number]
    assert (c3.working_days, c3.timeliness_label, c3.rating_label) == (8, "办理中", "—")
    assert c3.enterprise == "企业3"  # from the registration

    c4 = rows[cases["c4"].number]
    assert (c4.working_days, c4.timeliness_label, c4.rating_label) == (9, "超期", "不满意")
    assert c4.session == str(data["sessions"]["s1a"])
    assert "宁国市" in c4.session

    c5 = rows[cases["c5"].number]
    assert (c5.working_days, c5.timeliness_label, c5.rating_label) == (0, "—", "—")

    assert report.appeals == 5
    assert report.resolved == 3  # c1, c2 (closed), c5
    assert report.resolution == Rate(3, 5)
    assert report.on_time == Rate(1, 3)  # c1 on time; c2, c4 late; c3 in progress; c5 no deadline
    assert report.satisfaction == Rate(2, 3)  # c1 satisfied, c2 basically; c4 unsatisfied
    assert [str(rate_) for rate_ in (report.resolution, report.on_time, report.satisfaction)] == [
        "60.0%",
        "33.3%",
        "66.7%",
    ]
    assert [line.name for line in report.sessions] == [str(data["sessions"]["s1"]), str(data["sessions"]["s1a"])]
    assert [line.appeals for line in report.sessions] == [3, 2]


def test_follow_up_report_for_a_sub_session_alone(data):
    cases = data["cases"]
    report = _report(session=str(data["sessions"]["s1a"].pk))
    assert [row.case_number for row in report.rows] == [cases["c4"].number, cases["c5"].number]


def test_suspended_open_case_is_not_late(data):
    case = data["cases"]["c4"]
    Case.objects.filter(pk=case.pk).update(suspended_at=at(2026, 10, 8))
    report = _report(session=str(data["sessions"]["s1a"].pk))
    assert _by_number(report)[case.number].timeliness_label == "办理中"


@pytest.mark.parametrize(
    ("period", "keys"),
    [
        ("2026-09", ["c1", "c2", "c3", "c4", "c5"]),
        ("2026-9", ["c1", "c2", "c3", "c4", "c5"]),
        ("2026-10", ["c6", "c7"]),
        ("2026-11", ["c9"]),
        ("2026-12", []),
        ("2025-12", ["c8"]),
        ("2025", ["c8"]),
        ("2026", ["c1", "c2", "c3", "c4", "c5", "c6", "c7", "c9"]),
    ],
)
def test_follow_up_report_for_a_period(data, period, keys):
    report = _report(period=period)
    assert [row.case_number for row in report.rows] == [data["cases"][key].number for key in keys]


def test_a_period_takes_sub_sessions_of_its_city_sessions(data):
    """A county sub-session belongs with its city session even if it started on another day."""
    s1a = data["sessions"]["s1a"]
    Session.objects.filter(pk=s1a.pk).update(starts_at=at(2026, 10, 1), ends_at=at(2026, 10, 1, 12))
    assert len(_report(period="2026-09").rows) == 5
    assert [row.case_number for row in _report(period="2026-10").rows] == [
        data["cases"][key].number for key in ("c4", "c5", "c6", "c7")
    ]


def test_year_report_summary(data):
    report = _report(period="2026")
    # c1, c2, c5, c7 resolved of the 6 accepted (c6 not accepted, c9 received and open);
    # on time c1, c7 of c1, c2, c4, c7 (c3 in progress, c5 without a deadline).
    assert report.resolution == Rate(4, 6)
    assert report.on_time == Rate(2, 4)
    assert report.satisfaction == Rate(2, 3)
    assert _by_number(report)[data["cases"]["c6"].number].working_days is None
    assert _by_number(report)[data["cases"]["c6"].number].timeliness_label == "—"
    assert _by_number(report)[data["cases"]["c9"].number].timeliness_label == "办理中"
    assert [line.name for line in report.sessions] == [
        str(data["sessions"][key]) for key in ("s5", "s1", "s1a", "s2", "s4")
    ]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, None),
        ({"session": "", "period": " "}, None),
        ({"period": "2026-13"}, "无法识别所选期间"),
        ({"period": "2026-00"}, "无法识别所选期间"),
        ({"period": "1999"}, "无法识别所选期间"),
        ({"period": "26-11"}, "无法识别所选期间"),
        ({"period": "2026/11"}, "无法识别所选期间"),
        ({"session": "abc"}, "找不到所选的恳谈会"),
        ({"session": "-1"}, "找不到所选的恳谈会"),
        ({"session": "999999"}, "找不到所选的恳谈会"),
        ({"session": "9" * 30}, "找不到所选的恳谈会"),
        ({"session": "1", "period": "2026"}, "不能同时选择"),
    ],
)
def test_unusable_selections(db, params, message):
    selection, error = reports.resolve_selection(params)
    assert selection is None
    if message is None:
        assert error is None
    else:
        assert message in error


# --- The follow-up page -----------------------------------------------------------


def test_follow_up_page(client, official, data):
    cases = data["cases"]
    client.force_login(official)
    response = client.get("/roundtables/reports/follow-up/", {"session": data["sessions"]["s1"].pk})
    assert response.status_code == 200
    page = response.content.decode()
    assert "政商恳谈会企业反映问题回访情况报告" in page
    assert "data-print" in page
    assert "/static/roundtables/report-print.css" in page
    assert f'href="/roundtables/reports/follow-up.xlsx?session={data["sessions"]["s1"].pk}"' in page
    for number in (cases[key].number for key in ("c1", "c2", "c3", "c4", "c5")):
        assert f'<a href="/cases/{number}/">{number}</a>' in page
    assert cases["c6"].number not in page
    assert "共收集问题 5 个，已办结 3 个，办结率 60.0%" in page
    assert re.search(r'data-testid="resolution-rate">60.0%<', page)
    assert re.search(r'data-testid="satisfaction-rate">66.7%<', page)

    row = page[page.index(f'data-case="{cases["c1"].number}"') :]
    row = row[: row.index("</tr>")]
    assert 'data-testid="working-days">2<' in row
    assert 'data-testid="timeliness">按时<' in row
    assert 'data-testid="rating">满意<' in row
    assert "甲局" in row
    assert "已办结" in row

    # Every table says what it is.
    tables = page.count("<table")
    assert tables == 2
    assert page.count("<caption>") == tables
    # The choosing form is there to switch, and hidden from print.
    assert 'name="period"' in page
    assert f'<option value="{data["sessions"]["s1"].pk}" selected>' in page


def test_follow_up_page_for_a_month(client, official, data):
    client.force_login(official)
    response = client.get("/roundtables/reports/follow-up/", {"period": "2026-10"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "2026年10月" in page
    assert "共收集问题 2 个，已办结 1 个，办结率 100.0%" in page  # c6 was not accepted
    assert 'href="/roundtables/reports/follow-up.xlsx?period=2026-10"' in page
    assert page.count('data-testid="working-days">—<') == 1  # the case not accepted


def test_confidential_enterprise_is_masked_without_the_permission(client, data):
    manager = grant_manage(factories.user())
    client.force_login(manager)
    page = client.get("/roundtables/reports/follow-up/", {"session": data["sessions"]["s1a"].pk}).content.decode()
    row = page[page.index(f'data-case="{data["cases"]["c5"].number}"') :]
    row = row[: row.index("</tr>")]
    assert "（保密）" in row
    assert "企业6" not in row


def test_official_sees_the_confidential_enterprise(client, official, data):
    client.force_login(official)
    page = client.get("/roundtables/reports/follow-up/", {"session": data["sessions"]["s1a"].pk}).content.decode()
    assert "企业6" in page


def test_follow_up_without_a_choice_asks_for_one(client, official, data):
    client.force_login(official)
    response = client.get("/roundtables/reports/follow-up/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "请选择一期恳谈会，或一个期间" in page
    assert 'name="period"' in page
    assert '<select id="report-session" name="session"' in page
    assert f'<option value="{data["sessions"]["s1"].pk}">' in page
    draft = Session.objects.filter(pk=data["sessions"]["s2"].pk)
    draft.update(state=Session.State.DRAFT)
    assert (
        f'<option value="{data["sessions"]["s2"].pk}">'
        not in client.get("/roundtables/reports/follow-up/").content.decode()
    )


@pytest.mark.parametrize("url", ["/roundtables/reports/follow-up/", "/roundtables/reports/follow-up.xlsx"])
@pytest.mark.parametrize(
    "params",
    [
        {"period": "2026-13"},
        {"period": "next month"},
        {"session": "abc"},
        {"session": "999999"},
        {"session": "9" * 30},
        {"session": "1", "period": "2026-11"},
    ],
)
def test_bad_parameters_give_the_choosing_page(client, official, url, params):
    client.force_login(official)
    response = client.get(url, params)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert 'data-testid="choose-error"' in page
    assert 'name="period"' in page


def test_export_without_a_choice_gives_the_choosing_page(client, official):
    client.force_login(official)
    response = client.get("/roundtables/reports/follow-up.xlsx")
    assert response.status_code == 200
    assert "请选择一期恳谈会，或一个期间" in response.content.decode()


# --- The follow-up workbook ---------------------------------------------------------

FOLLOW_UP_HEADERS = [
    "恳谈会",
    "诉求编号",
    "企业",
    "诉求标题",
    "牵头单位",
    "办理状态",
    "受理时间",
    "办结期限",
    "办结时间",
    "办理用时（工作日）",
    "是否按期办结",
    "满意度",
]


def _workbook(response):
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def _rows(sheet):
    rows = list(sheet.iter_rows(values_only=True))
    return list(rows[0]), [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_follow_up_export_for_a_month(client, official, data):
    cases = data["cases"]
    client.force_login(official)
    response = client.get("/roundtables/reports/follow-up.xlsx", {"period": "2026-09"})
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=utf-8''{quote('回访情况报告-2026-09.xlsx')}" in disposition

    workbook = _workbook(response)
    assert workbook.sheetnames == ["诉求办理情况", "汇总"]
    header, rows = _rows(workbook["诉求办理情况"])
    assert header == FOLLOW_UP_HEADERS
    by_number = {row["诉求编号"]: row for row in rows}
    assert list(by_number) == [cases[key].number for key in ("c1", "c2", "c3", "c4", "c5")]
    c1 = by_number[cases["c1"].number]
    assert c1["恳谈会"] == str(data["sessions"]["s1"])
    assert c1["企业"] == "企业1"
    assert c1["诉求标题"] == "厂房用地审批"
    assert c1["牵头单位"] == "甲局"
    assert c1["办理状态"] == "已办结"
    assert c1["受理时间"] == dt.datetime(2026, 9, 30, 10)  # local time, no time zone
    assert c1["办结时间"] == dt.datetime(2026, 10, 9, 15)
    assert c1["办结期限"] == dt.datetime(2026, 10, 12, 17, 30)
    assert c1["办理用时（工作日）"] == 2
    assert c1["是否按期办结"] == "按时"
    assert c1["满意度"] == "满意"
    c2 = by_number[cases["c2"].number]
    assert (c2["办理用时（工作日）"], c2["是否按期办结"], c2["满意度"]) == (5, "超期", "基本满意")
    c5 = by_number[cases["c5"].number]
    assert (c5["办理用时（工作日）"], c5["是否按期办结"], c5["满意度"], c5["办结期限"]) == (0, "—", "—", None)

    _summary_header, summary = _rows(workbook["汇总"])
    values = {row["指标"]: row["数值"] for row in summary}
    assert values["统计范围"] == "2026年9月"
    assert values["诉求数"] == 5
    assert values["已办结"] == 3
    assert values["办结率"] == "60.0%"
    assert values["满意率"] == "66.7%"


def test_follow_up_export_for_a_session(client, official, data):
    s1a = data["sessions"]["s1a"]
    client.force_login(official)
    response = client.get("/roundtables/reports/follow-up.xlsx", {"session": s1a.pk})
    assert response.status_code == 200
    expected = "回访情况报告-" + re.sub(r"\s+", "", str(s1a)) + ".xlsx"
    assert quote(expected) in response["Content-Disposition"]
    _header, rows = _rows(_workbook(response)["诉求办理情况"])
    assert [row["诉求编号"] for row in rows] == [data["cases"]["c4"].number, data["cases"]["c5"].number]


def test_follow_up_export_keeps_text_as_text(client, official, make_session):
    session = held_session(make_session, at(2026, 9, 26))
    appeal(session, title='=HYPERLINK("http://evil.example")', status=Status.RECEIVED)
    client.force_login(official)
    workbook = _workbook(client.get("/roundtables/reports/follow-up.xlsx", {"session": session.pk}))
    cell = workbook["诉求办理情况"]["D2"]
    assert cell.value == '=HYPERLINK("http://evil.example")'
    assert cell.data_type == "s"


# --- The year's figures ---------------------------------------------------------------


def test_year_figures(data):
    figures = reports.year_figures(2026)
    assert figures.sessions == 2  # S1, S2 (S4 only announced, S5 cancelled, S3 in 2025)
    assert figures.sub_sessions == 1  # S1a
    # Problems: the roundtable cases received in 2026, c1–c7 and c9 (written for S4).
    assert figures.appeals == 8
    # Enterprises that raised them, by any route: E1, E2, E3 (by its sign-up only, c3),
    # E5, E6, E8 (twice), E10.
    assert figures.enterprises == 7
    assert figures.resolved == 4  # c1, c2, c5, c7
    # 办结率 = resolved ÷ accepted: c6 was not accepted and c9 not yet.
    assert figures.resolution == Rate(4, 6)
    assert str(figures.resolution) == "66.7%"
    (series,) = figures.series
    assert (series.sessions, series.problems, series.enterprises, series.resolved) == (2, 8, 7, 4)

    last_year = reports.year_figures(2025)
    assert (last_year.sessions, last_year.sub_sessions, last_year.enterprises) == (1, 0, 1)
    assert (last_year.appeals, last_year.resolved, str(last_year.resolution)) == (1, 1, "100.0%")


def test_year_figures_agree_with_the_dashboard_and_the_api(client, official, data):
    """One definition per figure: the roundtable page, the dashboard's channel count and
    the JSON give the same numbers for the same year."""
    from complaints.reporting import selectors as case_reports

    figures = reports.year_figures(2026)
    dashboard = case_reports.dashboard(period=case_reports.Period.year(2026))
    by_channel = {str(label): n for label, n in dashboard.by_channel}
    assert by_channel[str(Channel.ROUNDTABLE.label)] == figures.appeals == 8
    client.force_login(official)
    answer = client.get(
        "/api/v1/reports/case-figures/", {"from": "2026-01-01", "to": "2026-12-31", "channel": "roundtable"}
    ).json()
    assert (answer["received"], answer["resolved"]) == (figures.appeals, figures.resolved)
    assert answer["resolution_rate"] == {"numerator": 4, "denominator": 6, "percent": 66.7}
    series = figures.series[0]
    answer = client.get(
        "/api/v1/reports/case-figures/", {"from": "2026-01-01", "to": "2026-12-31", "series": series.series_id}
    ).json()
    assert answer["received"] == series.problems


def test_figures_page(client, official, data):
    client.force_login(official)
    response = client.get("/roundtables/reports/figures/", {"year": "2026"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "2026年举办恳谈会2期，共7家企业反映8个问题，已办结4个，办结率66.7%" in page
    assert "同步召开县级分会场 1 场" in page
    assert re.search(r'data-testid="sub-sessions">1<', page)
    assert page.count('data-testid="series-row"') == 1
    assert "解决率" not in page
    assert "data-print" in page
    assert 'href="/roundtables/reports/follow-up/?period=2026"' in page


def test_figures_in_the_seeds_words(client, official, make_session):
    """251 problems of which 248 resolved gives the seeds' 98.8%."""
    session = held_session(make_session, at(2026, 3, 7))
    enterprises = [factories.enterprise() for _ in range(178)]
    cases = [
        make_case(
            status=Status.RESOLVED if i < 248 else Status.ASSIGNED,
            accepted_at=at(2026, 3, 7, 12),
            received_at=at(2026, 3, 7, 10),
            enterprise=enterprises[i % 178],
        )
        for i in range(251)
    ]
    Appeal.objects.bulk_create([Appeal(session=session, case=case, source=Appeal.Source.ON_SITE) for case in cases])
    client.force_login(official)
    page = client.get("/roundtables/reports/figures/", {"year": "2026"}).content.decode()
    assert "2026年举办恳谈会1期，共178家企业反映251个问题，已办结248个，办结率98.8%" in page
    assert "县级分会场 1 场" not in page


def test_figures_default_to_this_year_and_show_dashes(client, official):
    client.force_login(official)
    year = timezone.localdate().year
    for params in ({}, {"year": "abc"}, {"year": "1800"}):
        response = client.get("/roundtables/reports/figures/", params)
        assert response.status_code == 200
        page = response.content.decode()
        assert f"{year}年举办恳谈会0期，共0家企业反映0个问题，已办结0个，办结率—" in page
    assert "无法识别所选年度" in page


# --- The registration workbook --------------------------------------------------------

REGISTRATION_HEADERS = [
    "企业",
    "统一社会信用代码",
    "参会人",
    "职务",
    "手机号码",
    "参会方式",
    "名额类型",
    "状态",
    "候补顺序",
    "是否签到",
    "签到时间",
    "报名时间",
]


@pytest.fixture
def signed_up(make_session):
    session = held_session(make_session, at(2026, 9, 26))
    e = {i: factories.enterprise(name=f"报名企业{i}") for i in range(1, 6)}
    registrations = [
        register(session, e[1], attendee_name="王一", attendee_title="总经理", checked_in_at=at(2026, 9, 26, 8, 45)),
        register(session, e[2], Registration.Status.WAITLISTED, attendee_name="李二"),
        register(
            session,
            e[3],
            attendee_name="赵三",
            attendee_title="=1+1",
            mode=Registration.Mode.WRITTEN,
            pool=Registration.Pool.RESERVED,
        ),
        register(session, e[4], Registration.Status.CANCELLED, attendee_name="钱四"),
        register(session, e[5], Registration.Status.WAITLISTED, attendee_name="孙五"),
    ]
    other = held_session(make_session, at(2026, 10, 31))
    register(other, e[1], attendee_name="别的会")
    return session, e, registrations


def test_registrations_workbook(signed_up):
    session, e, _registrations = signed_up
    workbook = reports.registrations_workbook(session)
    assert isinstance(workbook, openpyxl.Workbook)
    # Saved and read back, as the admin's action would send it.
    workbook = openpyxl.load_workbook(io.BytesIO(reports.workbook_bytes(workbook)))
    assert workbook.sheetnames == ["报名名单"]
    header, rows = _rows(workbook.active)
    assert header == REGISTRATION_HEADERS
    assert [row["参会人"] for row in rows] == ["王一", "李二", "赵三", "钱四", "孙五"]
    first, second, third, fourth, fifth = rows
    assert first["企业"] == "报名企业1"
    assert first["统一社会信用代码"] == e[1].credit_code
    assert first["职务"] == "总经理"
    assert first["手机号码"] == "13900001234"
    assert (first["参会方式"], first["名额类型"], first["状态"]) == ("现场参会", "公开报名", "已确认")
    assert (first["是否签到"], first["签到时间"]) == ("是", dt.datetime(2026, 9, 26, 8, 45))
    assert isinstance(first["报名时间"], dt.datetime)
    assert (second["状态"], second["候补顺序"], second["是否签到"], second["签到时间"]) == ("候补", 1, "否", None)
    assert (third["参会方式"], third["名额类型"], third["候补顺序"]) == ("仅书面反映", "点名预留", None)
    assert third["职务"] == "=1+1"
    assert workbook.active["D4"].data_type == "s"  # text, not a formula
    assert fourth["状态"] == "已取消"
    assert fifth["候补顺序"] == 2


def test_registrations_export(client, official, signed_up):
    session, _e, _registrations = signed_up
    client.force_login(official)
    response = client.get("/roundtables/reports/registrations.xlsx", {"session": session.pk})
    assert response.status_code == 200
    expected = "报名名单-" + re.sub(r"\s+", "", str(session)) + ".xlsx"
    assert f"filename*=utf-8''{quote(expected)}" in response["Content-Disposition"]
    header, rows = _rows(_workbook(response).active)
    assert header == REGISTRATION_HEADERS
    assert len(rows) == 5


def test_registrations_export_asks_for_a_session(client, official, signed_up):
    session, _e, _registrations = signed_up
    client.force_login(official)
    response = client.get("/roundtables/reports/registrations.xlsx")
    assert response.status_code == 200
    page = response.content.decode()
    assert "请选择要导出报名名单的恳谈会" in page
    assert 'action="/roundtables/reports/registrations.xlsx"' in page
    assert f'<option value="{session.pk}">' in page
    assert 'name="period"' not in page
    for bad in ("abc", "999999", "9" * 30):
        response = client.get("/roundtables/reports/registrations.xlsx", {"session": bad})
        assert response.status_code == 400
        assert "找不到所选的恳谈会" in response.content.decode()


# --- Who may see the reports ------------------------------------------------------------

URLS = [
    "/roundtables/reports/follow-up/?period=2026-09",
    "/roundtables/reports/follow-up.xlsx?period=2026-09",
    "/roundtables/reports/figures/",
    "/roundtables/reports/registrations.xlsx?session=1",
]


@pytest.mark.parametrize("url", URLS)
def test_anonymous_users_are_sent_to_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("url", URLS)
def test_others_are_refused(client, chief, member, url):
    enterprise_user, _enterprise = member()
    for account in (factories.handler(), chief, enterprise_user, factories.user()):
        client.force_login(account)
        assert client.get(url).status_code == 403


def test_a_user_granted_the_permission_may_see_the_reports(client, data):
    client.force_login(grant_manage(factories.user()))
    assert client.get("/roundtables/reports/follow-up/", {"period": "2026-09"}).status_code == 200
    assert client.get("/roundtables/reports/figures/").status_code == 200


def test_reports_answer_get_only(client, official):
    client.force_login(official)
    assert client.post("/roundtables/reports/figures/").status_code == 405


# --- Constant query counts ---------------------------------------------------------------


def _fill(session, count: int) -> None:
    """Appeals of many enterprises and departments, in every state, with ratings."""
    statuses = [Status.RESOLVED, Status.CLOSED, Status.ASSIGNED, Status.FEEDBACK_GIVEN, Status.NOT_ACCEPTED]
    ratings = list(Rating)
    for i in range(count):
        enterprise = factories.enterprise()
        registration = register(
            session, enterprise, checked_in_at=at(2026, 9, 26, 8) if i % 2 else None, attendee_title=f"职务{i}"
        )
        status = statuses[i % len(statuses)]
        case = appeal(
            session,
            registration,
            enterprise=enterprise if i % 3 else None,
            lead_department=factories.department(),
            is_confidential=bool(i % 4 == 0),
            status=status,
            accepted_at=None if status == Status.NOT_ACCEPTED else at(2026, 9, 28),
            resolved_at=at(2026, 10, 9) if status in (Status.RESOLVED, Status.CLOSED) else None,
            resolve_due_at=at(2026, 10, 12, 17, 30),
        )
        if i % 2:
            rate(case, ratings[i % len(ratings)])
            rate(case, ratings[(i + 1) % len(ratings)], 2)


@pytest.mark.parametrize(
    "path",
    [
        "/roundtables/reports/follow-up/?session={pk}",
        "/roundtables/reports/follow-up/?period=2026-09",
        "/roundtables/reports/follow-up.xlsx?period=2026",
        "/roundtables/reports/figures/?year=2026",
        "/roundtables/reports/registrations.xlsx?session={pk}",
    ],
)
def test_pages_run_a_constant_number_of_queries(client, official, make_session, django_assert_num_queries, path):
    session = held_session(make_session, at(2026, 9, 26))
    county = Region.objects.get(code="341881")
    sub_session = held_session(make_session, at(2026, 9, 26), parent=session, region=county)
    url = path.format(pk=session.pk)
    client.force_login(official)
    _fill(session, 2)
    _fill(sub_session, 1)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _fill(session, 6)
    _fill(sub_session, 3)
    assert Appeal.objects.count() == 12
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200


def test_follow_up_report_queries(make_session, django_assert_num_queries):
    """Two queries for the report itself, whatever the number of appeals (plus the
    calendar's one per year it looks at, here 2026)."""
    session = held_session(make_session, at(2026, 9, 26))
    _fill(session, 12)
    selection = reports.Selection(session=session)
    with django_assert_num_queries(3):
        report = reports.follow_up_report(selection, calendar=WorkCalendar(), now=NOW)
    assert report.appeals == 12


def test_year_figures_take_a_constant_number_of_queries(data, make_session, django_assert_num_queries):
    with CaptureQueriesContext(connection) as few:
        reports.year_figures(2026)
    for day in (3, 10, 17):
        session = held_session(make_session, at(2026, 1, day))
        for _ in range(3):
            appeal(session, enterprise=factories.enterprise(), status=Status.RESOLVED, accepted_at=at(2026, 1, day))
    with django_assert_num_queries(len(few.captured_queries)):
        reports.year_figures(2026)


def test_follow_up_reports_are_issued_with_numbers_per_year(client, official, data):
    """回访情况报告 第N期: numbered per year, as the seeds count them."""
    client.force_login(official)
    s1 = data["sessions"]["s1"]
    first = client.post("/roundtables/reports/follow-up/issue/", {"session": s1.pk})
    assert first.status_code == 302
    second = client.post("/roundtables/reports/follow-up/issue/", {"period": "2026-10"})
    issues = list(FollowUpIssue.objects.order_by("number"))
    year = timezone.localdate().year
    assert [(issue.year, issue.number) for issue in issues] == [(year, 1), (year, 2)]
    assert (issues[0].session, issues[1].period) == (s1, "2026-10")
    page = client.get(second["Location"]).content.decode()
    assert f"政商恳谈会企业反映问题回访情况报告（{year}年第2期）" in page
    assert "2026年10月" in page
    assert 'data-testid="issue-form"' not in page  # an issued number is not issued again
    live = client.get("/roundtables/reports/follow-up/", {"session": s1.pk}).content.decode()
    assert f"{year}年第1期" in live and 'data-testid="issue-form"' in live

    # Next year starts again at 1.
    with time_machine.travel(dt.datetime(year + 1, 1, 5, 10, tzinfo=dt.UTC), tick=False):
        issue = services.follow_up_issue(actor=official, period="2026")
    assert (issue.year, issue.number) == (year + 1, 1)


def test_only_organisers_issue_follow_up_reports(client, data):
    client.force_login(factories.handler())
    response = client.post("/roundtables/reports/follow-up/issue/", {"period": "2026"})
    assert response.status_code == 403
    assert not FollowUpIssue.objects.exists()
    client.logout()
    assert client.post("/roundtables/reports/follow-up/issue/", {"period": "2026"}).status_code == 302
    assert client.get("/roundtables/reports/follow-up/", {"issue": "999999"}).status_code == 302  # to log in


def test_an_unknown_issue_is_not_found(client, official, data):
    client.force_login(official)
    assert client.get("/roundtables/reports/follow-up/", {"issue": "999999"}).status_code == 404
    assert client.get("/roundtables/reports/follow-up/", {"issue": "x"}).status_code == 404
