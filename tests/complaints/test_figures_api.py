"""GET /api/v1/reports/case-figures/: staff only, the same figures as the pages."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from complaints.models import Case, CaseRating, Channel, ProblemCategory, Rating, ReturnVisit, Stage, Status
from complaints.reporting import selectors as reports
from portal import roles
from tests import factories

pytestmark = pytest.mark.django_db
URL = "/api/v1/reports/case-figures/"
DAY = dt.timedelta(days=1)


def api_as(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def make_case(n, **fields):
    fields.setdefault("channel", Channel.WEB)
    return Case.objects.create(
        number=f"SQ2026-{n:06d}",
        lookup_code=f"L{n}",
        title=f"诉求{n}",
        description="说明",
        category=ProblemCategory.objects.first(),
        complainant_name=f"诉求人{n}",
        **fields,
    )


@pytest.fixture
def cases():
    now = timezone.now()
    done = {"accepted_at": now - 9 * DAY, "assigned_at": now - 8 * DAY, "assign_due_at": now - 7 * DAY}
    closed = make_case(1, status=Status.CLOSED, resolved_at=now - 2 * DAY, resolve_due_at=now - DAY, **done)
    resolved = make_case(2, status=Status.RESOLVED, resolved_at=now - DAY, resolve_due_at=now - 3 * DAY, **done)
    make_case(
        3,
        status=Status.ASSIGNED,
        stage=Stage.MEASURES,
        stage_due_at=now - DAY,
        measures_due_at=now - DAY,
        channel=Channel.HOTLINE_12345,
        **done,
    )
    make_case(4, status=Status.RECEIVED, stage=Stage.ASSIGN, stage_due_at=now + DAY, assign_due_at=now + DAY)
    CaseRating.objects.create(case=closed, round=1, rating=Rating.SATISFIED, method="enterprise")
    ReturnVisit.objects.create(case=closed, round=1, method="phone", solved=True)
    return {"closed": closed, "resolved": resolved}


def test_the_figures_as_json(cases):
    today = timezone.localdate()
    response = api_as(factories.official()).get(URL, {"from": f"{today.year}-01-01", "to": today.isoformat()})
    assert response.status_code == 200
    answer = response.json()
    assert answer["from"] == f"{today.year}-01-01"
    assert (answer["received"], answer["accepted"], answer["not_accepted"], answer["assigned"]) == (4, 3, 0, 3)
    assert answer["resolved"] == 2
    assert answer["resolution_rate"] == {"numerator": 2, "denominator": 3, "percent": 66.7}
    assert answer["overdue_open"] == 1
    # 交办 3 of 3 on time, 办结 1 of 2, and one 明确措施 open past its deadline: 4 ÷ 6.
    assert answer["on_time_rate"] == {"numerator": 4, "denominator": 6, "percent": 66.7}
    assert (answer["return_visits"], answer["return_visit_rate"]["percent"]) == (1, 50.0)
    assert answer["satisfaction_rate"] == {"numerator": 1, "denominator": 1, "percent": 100.0}

    hotline = api_as(factories.official()).get(URL, {"channel": "hotline"}).json()
    assert (hotline["received"], hotline["overdue_open"], hotline["channel"]) == (1, 1, "hotline")


def test_the_dashboard_and_the_statistics_show_the_same_figures(client, cases):
    year = timezone.localdate().year
    official = factories.official()
    answer = api_as(official).get(URL, {"from": f"{year}-01-01", "to": f"{year}-12-31"}).json()
    client.force_login(official)
    dashboard = client.get("/reports/dashboard/", {"from": f"{year}-01-01", "to": f"{year}-12-31"}).content.decode()
    statistics = client.get("/reports/statistics/", {"year": year}).content.decode()
    for page in (dashboard, statistics):
        for testid, key in (("resolution-rate", "resolution_rate"), ("on-time-rate", "on_time_rate")):
            shown = re.search(rf'data-testid="{testid}">([^<]+)<', page).group(1)
            assert shown == f"{answer[key]['percent']}%"
    assert re.search(rf'data-testid="received">{answer["received"]}<', dashboard)
    assert re.search(rf'data-testid="overdue-count">{answer["overdue_open"]}<', dashboard)
    figures = reports.case_figures(reports.Period.year(year))
    assert figures.as_json() == {key: value for key, value in answer.items() if key in figures.as_json()}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-13-01"}, "from"),
        ({"to": "tomorrow"}, "to"),
        ({"from": "2026-12-31", "to": "2026-01-01"}, "to"),
        ({"channel": "carrier-pigeon"}, "channel"),
        ({"department": "0.5"}, "department"),
        ({"department": "999999"}, "department"),
        ({"series": "-1"}, "series"),
        ({"from": "1900-01-01", "to": "2026-01-01"}, None),
    ],
)
def test_bad_parameters_are_refused_in_the_error_shape(params, field):
    response = api_as(factories.official()).get(URL, params)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors and errors[0]["field"] == field
    assert all(error["message"] for error in errors)


@pytest.mark.parametrize("make_user", [factories.handler, factories.enterprise_user, lambda: factories.user(None)])
def test_only_staff_may_read_the_figures(make_user):
    response = api_as(make_user()).get(URL)
    assert response.status_code == 403
    assert response.json()["errors"][0]["message"]


def test_anonymous_callers_are_refused():
    assert api_as().get(URL).status_code in (401, 403)


def test_a_chief_problem_officer_may_read_the_figures():
    assert api_as(factories.user(roles.CHIEF_PROBLEM_OFFICER)).get(URL).status_code == 200


def test_the_figures_take_a_constant_number_of_queries(cases, django_assert_max_num_queries):
    official = factories.official()
    for n in range(10, 40):
        make_case(n, status=Status.RECEIVED)
    with django_assert_max_num_queries(8):
        assert api_as(official).get(URL).status_code == 200
