"""The dashboard, the public statistics and typical case pages, and the Excel export."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import re

import openpyxl
import pytest
from dateutil.relativedelta import relativedelta
from django.contrib.auth.models import Permission
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complaints.models import (
    Case,
    CaseRating,
    Channel,
    NonAcceptanceReason,
    ProblemCategory,
    ProblemClass,
    Rating,
    RatingMethod,
    Stage,
    Status,
    TypicalCase,
)
from complaints.reporting import selectors as reports
from complaints.reporting.selectors import Rate
from portal import roles
from tests import factories

pytestmark = pytest.mark.django_db

_numbers = itertools.count(1)
DAY = dt.timedelta(days=1)


def make_case(**fields) -> Case:
    """A case in a known state, written straight with the ORM."""
    n = next(_numbers)
    fields.setdefault("number", f"SQ2026-{n:06d}")
    fields.setdefault("lookup_code", f"X{n}")
    fields.setdefault("channel", Channel.WEB)
    fields.setdefault("title", f"诉求{n}")
    fields.setdefault("description", "说明")
    fields.setdefault("category", ProblemCategory.objects.first())
    fields.setdefault("complainant_name", f"诉求人{n}")
    if fields.get("status") == Status.NOT_ACCEPTED:
        fields.setdefault("non_acceptance_reason", NonAcceptanceReason.objects.first())
    return Case.objects.create(**fields)


def stages(now, *late: str, upto: str = Stage.RESOLVE) -> dict:
    """Deadlines and completion times for the stages up to ``upto``; the stages in
    ``late`` are completed a day after their deadline, the others a day before."""
    fields = {}
    for stage, done, due in reports.STAGE_FIELDS:
        deadline = now - 10 * DAY
        fields[due] = deadline
        fields[done] = deadline + DAY if stage in late else deadline - DAY
        if stage == upto:
            break
    return fields


def rate(case, rating, round_=1):
    return CaseRating.objects.create(case=case, round=round_, rating=rating, method=RatingMethod.PHONE)


def grant(account, *codenames):
    account.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="complaints", codename__in=codenames)
    )
    return account


@pytest.fixture
def known_data():
    """Four departments: A on time and satisfied (红榜), B a little late, one stage still
    overdue (黄榜), C late and unsatisfied (黑榜), D without ratings (not listed); plus
    cases outside the departments and two overdue ones."""
    now = timezone.now()
    a, b, c, d = (factories.department(name) for name in ("甲局", "乙局", "丙局", "丁局"))
    category_2 = ProblemCategory.objects.order_by("sort_order")[1]
    accepted = {"accepted_at": now - 12 * DAY}
    cases = {
        "a1": make_case(lead_department=a, status=Status.RESOLVED, **accepted, **stages(now)),
        "a2": make_case(
            lead_department=a, status=Status.CLOSED, channel=Channel.HOTLINE_12345, **accepted, **stages(now)
        ),
        "b1": make_case(lead_department=b, status=Status.RESOLVED, **accepted, **stages(now)),
        "b3": make_case(lead_department=b, status=Status.RESOLVED, **accepted, **stages(now)),
        "b4": make_case(lead_department=b, status=Status.RESOLVED, **accepted, **stages(now)),
        "b2": make_case(
            lead_department=b,
            status=Status.FEEDBACK_GIVEN,
            stage=Stage.RESOLVE,
            stage_due_at=now - 5 * DAY,
            resolve_due_at=now - 5 * DAY,
            **accepted,
            **stages(now, Stage.MEASURES, upto=Stage.FEEDBACK),
        ),
        "c1": make_case(
            lead_department=c, status=Status.RESOLVED, category=category_2, **accepted, **stages(now, Stage.ASSIGN)
        ),
        "d1": make_case(
            lead_department=d,
            status=Status.ASSIGNED,
            stage=Stage.MEASURES,
            stage_due_at=now - 2 * DAY,
            **accepted,
            **stages(now, upto=Stage.ASSIGN),
        ),
        # Suspended: overdue on paper, but its clock is stopped. No deadline for assignment.
        "s": make_case(
            lead_department=d,
            status=Status.ASSIGNED,
            assigned_at=now - 4 * DAY,
            stage=Stage.MEASURES,
            stage_due_at=now - 3 * DAY,
            suspended_at=now - 3 * DAY,
            **accepted,
        ),
        "f": make_case(status=Status.ACCEPTED, stage=Stage.ASSIGN, stage_due_at=now + 2 * DAY, **accepted),
        "x": make_case(status=Status.ACCEPTED, **accepted),
        "r": make_case(status=Status.RECEIVED, channel=Channel.HOTLINE_12345),
        "n": make_case(status=Status.NOT_ACCEPTED, channel=Channel.LETTER),
    }
    rate(cases["a1"], Rating.SATISFIED)
    rate(cases["a2"], Rating.SATISFIED)
    rate(cases["b1"], Rating.SATISFIED)
    rate(cases["b3"], Rating.SATISFIED)
    rate(cases["b4"], Rating.SATISFIED)
    rate(cases["c1"], Rating.UNSATISFIED, 1)
    rate(cases["c1"], Rating.BASICALLY_SATISFIED, 2)
    return {"now": now, "departments": {"a": a, "b": b, "c": c, "d": d}, "cases": cases}


# --- Rates and lists -----------------------------------------------------------


def test_rate_rounds_half_up_and_shows_a_dash_without_data():
    assert str(Rate(248, 251)) == "98.8%"
    assert str(Rate(1, 3)) == "33.3%"
    assert str(Rate(2, 3)) == "66.7%"
    assert str(Rate(1, 8)) == "12.5%"
    assert str(Rate(1, 16)) == "6.3%"  # 6.25 → 6.3, not banker's 6.2
    assert str(Rate(0, 0)) == "—"
    assert Rate(0, 0).percent is None
    assert Rate(1, 2) + Rate(3, 4) == Rate(4, 6)


@pytest.mark.parametrize(
    ("on_time", "satisfaction", "expected"),
    [
        (Rate(19, 20), Rate(19, 20), reports.RED_LIST),  # exactly the red thresholds
        (Rate(20, 20), Rate(18, 19), reports.YELLOW_LIST),  # satisfaction 94.7% < 95%
        (Rate(18, 20), Rate(20, 20), reports.YELLOW_LIST),
        (Rate(17, 20), Rate(9, 10), reports.YELLOW_LIST),  # exactly the yellow thresholds
        (Rate(84, 100), Rate(1, 1), reports.BLACK_LIST),
        (Rate(1, 1), Rate(89, 100), reports.BLACK_LIST),
        (Rate(0, 0), Rate(1, 1), None),
        (Rate(1, 1), Rate(0, 0), None),
    ],
)
def test_ranking_lists_follow_the_thresholds(on_time, satisfaction, expected):
    assert reports.ranking_list(on_time, satisfaction) == expected


def test_ranking_thresholds_can_be_changed():
    lenient = {"red": {"on_time": 0.5, "satisfaction": 0.5}, "yellow": {"on_time": 0.2, "satisfaction": 0.2}}
    assert reports.ranking_list(Rate(1, 2), Rate(1, 2), lenient) == reports.RED_LIST
    assert reports.DEFAULT_RANKING_THRESHOLDS["red"] == {"on_time": 0.95, "satisfaction": 0.95}


# --- The dashboard's figures ---------------------------------------------------


def test_dashboard_figures_on_known_data(known_data):
    figures = reports.dashboard()
    summary = figures.summary
    cases = known_data["cases"]

    assert summary.received == 13
    assert (summary.accepted, summary.not_accepted) == (11, 1)
    # 办结率 = resolved ÷ accepted: the received and the not-accepted case are in neither.
    assert summary.resolution_rate == Rate(6, 11)
    assert str(summary.resolution_rate) == "54.5%"
    assert figures.open_cases == 6  # b2, d1, s, f, x, r
    assert summary.overdue_open == 2

    by_channel = {str(label): n for label, n in figures.by_channel}
    assert by_channel[str(Channel.HOTLINE_12345.label)] == 2
    assert by_channel[str(Channel.LETTER.label)] == 1
    assert by_channel[str(Channel.WEB.label)] == 10
    assert by_channel[str(Channel.VISIT.label)] == 0
    assert sum(by_channel.values()) == 13

    by_category = dict(figures.by_category)
    first, second = ProblemCategory.objects.order_by("sort_order")[:2]
    assert by_category[first.name] == 12
    assert by_category[second.name] == 1
    assert len(figures.by_category) == ProblemCategory.objects.count()

    assert len(figures.by_month) == 12
    assert figures.by_month[-1] == (timezone.localdate().replace(day=1), 13)

    # An open stage past its deadline counts against the rate (b2's 办结, d1's 明确措施);
    # the suspended case's does not.
    assert summary.stages == {
        Stage.ASSIGN: Rate(7, 8),
        Stage.MEASURES: Rate(6, 8),
        Stage.FEEDBACK: Rate(7, 7),
        Stage.RESOLVE: Rate(6, 7),
    }
    assert summary.on_time_rate == Rate(26, 30)
    assert summary.satisfaction_rate == Rate(6, 7)

    departments = {department.name: department for department in figures.departments}
    assert departments["甲局"].on_time == Rate(8, 8)
    assert departments["乙局"].figures.stages == {
        Stage.ASSIGN: Rate(4, 4),
        Stage.MEASURES: Rate(3, 4),
        Stage.FEEDBACK: Rate(4, 4),
        Stage.RESOLVE: Rate(3, 4),
    }
    assert departments["乙局"].on_time == Rate(14, 16)
    assert departments["丙局"].on_time == Rate(3, 4)
    assert departments["丙局"].satisfaction == Rate(1, 2)
    assert departments["丁局"].on_time == Rate(1, 2)
    assert departments["丁局"].received == 2

    assert [row.case.number for row in figures.overdue] == [cases["b2"].number, cases["d1"].number]
    assert all(row.working_days_late >= 1 for row in figures.overdue)


def test_the_on_time_rate_is_below_100_whenever_a_stage_is_overdue():
    now = timezone.now()
    make_case(status=Status.CLOSED, accepted_at=now - 12 * DAY, **stages(now))
    late = make_case(status=Status.RECEIVED, stage=Stage.ASSIGN, stage_due_at=now - DAY, assign_due_at=now - DAY)
    summary = reports.dashboard().summary
    assert summary.overdue_open == 1
    assert summary.on_time_rate == Rate(4, 5)
    Case.objects.filter(pk=late.pk).update(suspended_at=now - 2 * DAY)  # the clock stopped before the deadline
    assert reports.dashboard().summary.on_time_rate == Rate(4, 4)


def test_department_lists(known_data):
    ranking = reports.dashboard().ranking
    assert [d.name for d in ranking.lists[reports.RED_LIST]] == ["甲局"]
    assert [d.name for d in ranking.lists[reports.YELLOW_LIST]] == ["乙局"]  # on time 87.5%
    assert [d.name for d in ranking.lists[reports.BLACK_LIST]] == ["丙局"]  # 75% on time, 50% satisfied
    assert [d.name for d in ranking.unlisted] == ["丁局"]  # no rating yet


def test_months_outside_the_last_twelve_are_left_out():
    today = timezone.localdate()
    noon = dt.time(12)
    three_months_ago = timezone.make_aware(dt.datetime.combine(today - relativedelta(months=3), noon))
    thirteen_months_ago = timezone.make_aware(dt.datetime.combine(today - relativedelta(months=13), noon))
    recent, old = make_case(), make_case()
    make_case()
    Case.objects.filter(pk=recent.pk).update(received_at=three_months_ago)
    Case.objects.filter(pk=old.pk).update(received_at=thirteen_months_ago)

    figures = reports.dashboard()
    by_month = dict(figures.by_month)
    assert figures.summary.received == 2
    assert by_month[(today - relativedelta(months=3)).replace(day=1)] == 1
    assert by_month[today.replace(day=1)] == 1
    assert sum(by_month.values()) == 2


def test_empty_dashboard_shows_dashes(client):
    client.force_login(factories.official())
    response = client.get("/reports/dashboard/")
    assert response.status_code == 200
    summary = response.context["figures"].summary
    assert summary.received == 0
    assert str(summary.resolution_rate) == str(summary.satisfaction_rate) == str(summary.on_time_rate) == "—"
    assert "暂无超期件" in response.content.decode()


# --- The dashboard page --------------------------------------------------------


def test_dashboard_page(client, known_data):
    client.force_login(factories.official())
    response = client.get("/reports/dashboard/")
    assert response.status_code == 200
    page = response.content.decode()
    cases = known_data["cases"]

    assert re.search(r'data-testid="resolution-rate">54.5%<', page)
    assert re.search(r'data-testid="satisfaction-rate">85.7%<', page)
    assert re.search(r'data-testid="on-time-rate">86.7%<', page)
    # Lateness in working days, not "11 月，3 周".
    assert re.search(r'data-testid="late"><span class="badge text-bg-danger">超期 \d+ 个工作日</span>', page)
    # The overdue list links to each case, most overdue first; the suspended one is not listed.
    overdue = page[page.index('data-testid="overdue"') :]
    assert overdue.index(f'href="/cases/{cases["b2"].number}/"') < overdue.index(f'href="/cases/{cases["d1"].number}/"')
    assert cases["s"].number not in page
    # The lists say their names in words, not only in colour.
    for label in ("红榜", "黄榜", "黑榜", "暂不列榜"):
        assert label in page
    red = page[page.index('data-testid="ranking-red"') : page.index('data-testid="ranking-yellow"')]
    assert "甲局" in red
    assert "乙局" not in red


def test_every_chart_has_its_numbers_in_a_table(client, known_data):
    client.force_login(factories.official())
    page = client.get("/reports/dashboard/").content.decode()
    charts = re.findall(r'<canvas data-chart="([\w-]+)"', page)
    assert charts == ["chart-channel", "chart-category", "chart-month", "chart-on-time"]
    for chart in charts:
        # The data reaches the script through json_script, never string-built JS.
        assert f'<script id="{chart}" type="application/json">' in page
        after = page[page.index(f'data-chart="{chart}"') :]
        assert after.index("<table") < after.index("</table>")
        assert "<caption" in after[: after.index("</table>")]


def test_chart_js_is_vendored_and_no_cdn_is_used(client):
    client.force_login(factories.official())
    page = client.get("/reports/dashboard/").content.decode()
    assert '<script src="/static/vendor/chartjs/chart.umd.min.js"></script>' in page
    assert '<script src="/static/complaints/dashboard.js"></script>' in page
    # Only addresses count: a random CSRF token may contain the letters "cdn".
    assert re.search(r'(?:src|href)="[^"]*cdn', page, re.IGNORECASE) is None
    assert re.search(r"<script>\S", page) is None  # no inline script
    chart_js = finders.find("vendor/chartjs/chart.umd.min.js")
    assert chart_js
    with open(chart_js, encoding="utf-8") as script:
        assert script.read(200).startswith("/*!\n * Chart.js v4.")
    assert finders.find("vendor/chartjs/LICENSE")
    assert finders.find("vendor/chartjs/VERSION")


def test_chief_problem_officer_sees_the_dashboard(client):
    client.force_login(factories.user(roles.CHIEF_PROBLEM_OFFICER))
    response = client.get("/reports/dashboard/")
    assert response.status_code == 200
    assert "导出诉求件" not in response.content.decode()  # no export permission


@pytest.mark.parametrize("url", ["/reports/dashboard/", "/reports/export.xlsx"])
def test_anonymous_users_are_sent_to_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("url", ["/reports/dashboard/", "/reports/export.xlsx"])
def test_handlers_are_refused(client, url):
    client.force_login(factories.handler())
    assert client.get(url).status_code == 403


def test_chief_problem_officer_may_not_export(client):
    client.force_login(factories.user(roles.CHIEF_PROBLEM_OFFICER))
    assert client.get("/reports/export.xlsx").status_code == 403


def _fill(count: int) -> None:
    """Cases spread over departments, channels, categories and stages, with ratings."""
    now = timezone.now()
    categories = list(ProblemCategory.objects.all())
    channels = list(Channel)
    for i in range(count):
        department = factories.department()
        case = make_case(
            lead_department=department,
            channel=channels[i % len(channels)],
            category=categories[i % len(categories)],
            status=Status.RESOLVED if i % 2 else Status.ASSIGNED,
            stage=Stage.MEASURES,
            stage_due_at=now - (i + 1) * DAY,
            enterprise=factories.enterprise(),
            is_confidential=bool(i % 3),
            accepted_at=now - 12 * DAY,
            **stages(now, *([Stage.ASSIGN] if i % 4 == 0 else [])),
        )
        rate(case, Rating.SATISFIED if i % 5 else Rating.UNSATISFIED)


@pytest.mark.parametrize("url", ["/reports/dashboard/", "/reports/statistics/", "/reports/export.xlsx"])
def test_pages_run_a_constant_number_of_queries(client, django_assert_num_queries, url):
    client.force_login(factories.official())
    _fill(3)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _fill(27)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200


# --- The public statistics page ------------------------------------------------


def test_statistics_sentence_for_this_year(client):
    year_start, _end = reports.year_bounds(timezone.localdate().year)
    this_year = year_start + dt.timedelta(hours=1)
    last_year = year_start - DAY
    resolved = make_case(status=Status.RESOLVED, accepted_at=this_year, complainant_name="王保密", title="机密标题")
    closed = make_case(status=Status.CLOSED, accepted_at=this_year)
    make_case(status=Status.ASSIGNED, accepted_at=this_year)
    old = make_case(status=Status.RESOLVED, accepted_at=last_year)
    Case.objects.filter(pk=old.pk).update(received_at=last_year)
    make_case(status=Status.NOT_ACCEPTED)
    make_case(status=Status.RECEIVED)
    rate(resolved, Rating.SATISFIED)
    rate(closed, Rating.UNSATISFIED)
    rate(old, Rating.UNSATISFIED)

    response = client.get("/reports/statistics/")
    assert response.status_code == 200
    page = response.content.decode()
    year = timezone.localdate().year
    assert f"{year}年共登记诉求 5 件，受理 3 件，已办结 2 件，办结率 66.7%，满意率 50.0%" in page
    assert f"{year}年诉求办理情况" in page
    # Figures only: no names, no titles, no numbers of cases.
    assert "王保密" not in page
    assert "机密标题" not in page
    assert resolved.number not in page

    # Another year, on request.
    page = client.get(f"/reports/statistics/?year={year - 1}").content.decode()
    assert f"{year - 1}年共登记诉求 1 件，受理 1 件，已办结 1 件，办结率 100.0%，满意率 0.0%" in page
    response = client.get("/reports/statistics/?year=abc")
    assert f"{year}年共登记诉求 5 件" in response.content.decode()


def test_statistics_without_cases_do_not_divide_by_zero(client):
    response = client.get("/reports/statistics/")
    assert response.status_code == 200
    assert "共登记诉求 0 件，受理 0 件，已办结 0 件，办结率 —，满意率 —" in response.content.decode()


# --- Typical cases -------------------------------------------------------------


def test_typical_case_library(client):
    problem_class = ProblemClass.objects.create(name="用地审批慢")
    published = TypicalCase.objects.create(
        title="<script>alert(1)</script>标准地出让",
        summary="摘要<b>粗体</b>",
        body="正文第一段\n\n第二段",
        problem_class=problem_class,
        is_published=True,
        published_at=timezone.now(),
    )
    draft = TypicalCase.objects.create(title="未发布的草稿", summary="草稿", body="草稿", is_published=False)

    page = client.get("/reports/typical-cases/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;标准地出让" in page
    assert "<script>alert(1)</script>" not in page
    assert "摘要&lt;b&gt;粗体&lt;/b&gt;" in page
    assert "用地审批慢" in page
    assert "未发布的草稿" not in page
    assert f'href="/reports/typical-cases/{published.pk}/"' in page

    detail = client.get(f"/reports/typical-cases/{published.pk}/")
    assert detail.status_code == 200
    body = detail.content.decode()
    assert "<p>正文第一段</p>" in body
    assert "<script>alert(1)</script>" not in body
    assert client.get(f"/reports/typical-cases/{draft.pk}/").status_code == 404
    assert client.get("/reports/typical-cases/999999/").status_code == 404


# --- The export ----------------------------------------------------------------

HEADERS = [
    "诉求编号",
    "来源渠道",
    "诉求标题",
    "问题分类",
    "状态",
    "层级",
    "牵头单位",
    "登记时间",
    "当前环节",
    "当前环节期限",
    "时限状态",
    "诉求人姓名",
    "诉求人手机",
    "诉求人邮箱",
    "企业",
]


def _sheet(response):
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(workbook.active.iter_rows(values_only=True))
    return rows[0], [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


@pytest.fixture
def export_cases():
    department = factories.department("数据局")
    enterprise = factories.enterprise(name="宣城保密科技有限公司")
    now = timezone.now()
    open_case = make_case(
        number="SQ2026-000101",
        title="厂房用地审批",
        complainant_name="张公开",
        complainant_phone="13800000001",
        complainant_email="open@example.com",
        status=Status.ASSIGNED,
        lead_department=department,
        stage=Stage.MEASURES,
        stage_due_at=now - DAY,
        tier="cross",
    )
    secret_case = make_case(
        number="SQ2026-000102",
        title='=HYPERLINK("http://evil.example")',
        complainant_name="李保密",
        complainant_phone="13800000002",
        complainant_email="secret@example.com",
        enterprise=enterprise,
        is_confidential=True,
        status=Status.RESOLVED,
    )
    return {"open": open_case, "secret": secret_case}


def test_export_for_an_official(client, export_cases):
    client.force_login(factories.official())
    response = client.get("/reports/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    today = timezone.localdate().isoformat()
    assert f"filename*=utf-8''%E8%AF%89%E6%B1%82%E4%BB%B6-{today}.xlsx" in disposition

    header, rows = _sheet(response)
    assert list(header) == HEADERS
    by_number = {row["诉求编号"]: row for row in rows}
    assert set(by_number) == {"SQ2026-000101", "SQ2026-000102"}
    open_row = by_number["SQ2026-000101"]
    assert open_row["来源渠道"] == "网上"
    assert open_row["状态"] == "已交办"
    assert open_row["层级"] == "跨部门"
    assert open_row["牵头单位"] == "数据局"
    assert open_row["当前环节"] == "明确措施"
    assert open_row["时限状态"] == "超期"
    assert open_row["诉求人姓名"] == "张公开"
    assert open_row["问题分类"] == ProblemCategory.objects.first().name
    assert isinstance(open_row["登记时间"], dt.datetime)
    expected = timezone.localtime(export_cases["open"].received_at).replace(tzinfo=None, second=0, microsecond=0)
    assert open_row["登记时间"].replace(second=0, microsecond=0) == expected
    # The official has view_confidential_identity.
    secret_row = by_number["SQ2026-000102"]
    assert secret_row["诉求人姓名"] == "李保密"
    assert secret_row["企业"] == "宣城保密科技有限公司"


def test_export_masks_confidential_identity(client, export_cases):
    account = grant(factories.user(), "export_cases", "view_all_cases")
    client.force_login(account)
    _header, rows = _sheet(client.get("/reports/export.xlsx"))
    by_number = {row["诉求编号"]: row for row in rows}
    secret = by_number["SQ2026-000102"]
    for column in ("诉求人姓名", "诉求人手机", "诉求人邮箱", "企业"):
        assert secret[column] == "（保密）"
    public = by_number["SQ2026-000101"]
    assert (public["诉求人姓名"], public["诉求人手机"], public["诉求人邮箱"]) == (
        "张公开",
        "13800000001",
        "open@example.com",
    )


def test_export_keeps_text_as_text(client, export_cases):
    client.force_login(factories.official())
    response = client.get("/reports/export.xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    cells = [row[2] for row in workbook.active.iter_rows(min_row=2) if row[0].value == "SQ2026-000102"]
    assert cells[0].value == '=HYPERLINK("http://evil.example")'
    assert cells[0].data_type == "s"


def test_export_is_scoped_to_what_the_user_may_see(client, export_cases):
    account = grant(factories.user(), "export_cases")
    mine = make_case(filed_by=account, complainant_name="赵自己", is_confidential=True)
    client.force_login(account)
    _header, rows = _sheet(client.get("/reports/export.xlsx"))
    assert [row["诉求编号"] for row in rows] == [mine.number]
    assert rows[0]["诉求人姓名"] == "赵自己"  # one's own identity is not hidden from oneself


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "resolved"}, {"SQ2026-000102"}),
        ({"status": ["resolved", "assigned"]}, {"SQ2026-000101", "SQ2026-000102"}),
        ({"open": "true"}, {"SQ2026-000101"}),
        ({"overdue": "true"}, {"SQ2026-000101"}),
        ({"q": "厂房"}, {"SQ2026-000101"}),
        ({"channel": "hotline"}, set()),
    ],
)
def test_export_uses_the_case_list_filters(client, export_cases, query, expected):
    client.force_login(factories.official())
    _header, rows = _sheet(client.get("/reports/export.xlsx", query))
    assert {row["诉求编号"] for row in rows} == expected


def test_export_filtered_by_department(client, export_cases):
    client.force_login(factories.official())
    department = export_cases["open"].lead_department
    _header, rows = _sheet(client.get("/reports/export.xlsx", {"department": department.pk}))
    assert [row["诉求编号"] for row in rows] == ["SQ2026-000101"]


def test_export_refuses_an_invalid_filter(client, export_cases):
    client.force_login(factories.official())
    assert client.get("/reports/export.xlsx", {"status": "bogus"}).status_code == 400
    assert client.get("/reports/export.xlsx", {"received_after": "not-a-date"}).status_code == 400
