"""The figures as computed for a year of a million cases (one pass over the cases, one
over their ratings and return visits; complaints/reporting/selectors.py): the same
numbers as the definitions say, through the API and the dashboard, at the edges the
single pass has to get right — rounds, visits of earlier rounds, months in local time."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from complaints.models import (
    DONE_STATUSES,
    OPEN_STATUSES,
    Case,
    CaseRating,
    Channel,
    ProblemCategory,
    Rating,
    ReturnVisit,
    Stage,
    Status,
)
from complaints.reporting import selectors as reports
from complaints.reporting.selectors import Rate
from tests import factories

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)
URL = "/api/v1/reports/case-figures/"


def make_case(n, **fields) -> Case:
    fields.setdefault("channel", Channel.WEB)
    fields.setdefault("category", ProblemCategory.objects.first())
    return Case.objects.create(
        number=f"SQ2026-{n:06d}",
        lookup_code=f"F{n}",
        title=f"诉求{n}",
        description="说明",
        complainant_name="某",
        **fields,
    )


def test_every_status_is_open_not_accepted_or_done_and_only_one_of_them():
    """The dashboard's 在办 is what 不予受理 and 办结 leave of the received cases."""
    groups = [set(OPEN_STATUSES), {Status.NOT_ACCEPTED}, set(DONE_STATUSES)]
    assert set().union(*groups) == set(Status)
    assert sum(len(group) for group in groups) == len(Status)


def test_visits_ratings_and_rounds(client):
    """回访率 looks at the current round's visit; 回访次数 and 满意率 at every round's."""
    now = timezone.now()
    a, b = factories.department("甲局"), factories.department("乙局")
    resolved = {"status": Status.RESOLVED, "accepted_at": now - 9 * DAY}
    # Second round, visited in the first only: resolved, not visited in its current round.
    twice = make_case(1, lead_department=a, round=2, **resolved)
    ReturnVisit.objects.create(case=twice, round=1, method="phone", solved=False)
    CaseRating.objects.create(case=twice, round=1, rating=Rating.UNSATISFIED, method="enterprise")
    CaseRating.objects.create(case=twice, round=2, rating=Rating.BASICALLY_SATISFIED, method="enterprise")
    # Second round, visited in both.
    both = make_case(2, lead_department=a, round=2, **resolved)
    ReturnVisit.objects.create(case=both, round=1, method="phone", solved=False)
    ReturnVisit.objects.create(case=both, round=2, method="phone", solved=True)
    # A visit on an open case counts as a visit, not towards the resolved cases' rate.
    open_case = make_case(3, lead_department=b, status=Status.ASSIGNED, accepted_at=now - 2 * DAY)
    ReturnVisit.objects.create(case=open_case, round=1, method="visit", solved=True)
    CaseRating.objects.create(case=open_case, round=1, rating=Rating.SATISFIED, method="enterprise")
    make_case(4, lead_department=b, **resolved)

    figures = APIClient()
    figures.force_authenticate(factories.official())
    data = figures.get(URL).json()
    assert data["received"] == 4 and data["resolved"] == 3
    assert data["return_visits"] == 4
    assert data["return_visit_rate"] == {"numerator": 1, "denominator": 3, "percent": 33.3}
    assert data["satisfaction_rate"] == {"numerator": 2, "denominator": 3, "percent": 66.7}

    dashboard = reports.dashboard()
    departments = {department.name: department.figures for department in dashboard.departments}
    assert departments["甲局"].return_visits == 3 and departments["甲局"].return_visit_rate == Rate(1, 2)
    assert departments["甲局"].satisfaction_rate == Rate(1, 2)
    assert departments["乙局"].return_visits == 1 and departments["乙局"].return_visit_rate == Rate(0, 1)
    assert departments["乙局"].satisfaction_rate == Rate(1, 1)
    assert dashboard.summary.return_visit_rate == Rate(1, 3) and dashboard.summary.satisfaction_rate == Rate(2, 3)
    assert dashboard.open_cases == 1

    # The page shows the departments' rows and their sum.
    client.force_login(factories.official())
    page = client.get("/reports/dashboard/").content.decode()
    assert "甲局" in page and "乙局" in page and "33.3%" in page


def test_cases_fall_in_their_local_month():
    """Months are the portal's (Asia/Shanghai), not UTC's: the first instant of a month
    in local time is in it, the one before in the month before."""
    today = timezone.localdate()
    this_month = today.replace(day=1)
    last_month = (this_month - DAY).replace(day=1)
    start = timezone.make_aware(dt.datetime.combine(this_month, dt.time.min))
    first = make_case(1)
    before = make_case(2)
    Case.objects.filter(pk=first.pk).update(received_at=start)
    Case.objects.filter(pk=before.pk).update(received_at=start - dt.timedelta(microseconds=1))

    by_month = dict(reports.dashboard().by_month)
    assert by_month[this_month] == 1
    assert by_month[last_month] == 1
    assert sum(by_month.values()) == 2


def test_scopes_channel_department_and_category_counts(client):
    now = timezone.now()
    a, b = factories.department("甲局"), factories.department("乙局")
    second_category = ProblemCategory.objects.order_by("sort_order")[1]
    make_case(1, lead_department=a, channel=Channel.HOTLINE_12345, status=Status.ASSIGNED, accepted_at=now)
    make_case(2, lead_department=a, channel=Channel.WEB, status=Status.RESOLVED, accepted_at=now)
    make_case(3, lead_department=b, channel=Channel.HOTLINE_12345, category=second_category, status=Status.RECEIVED)
    make_case(
        4,
        lead_department=b,
        status=Status.ASSIGNED,
        stage=Stage.MEASURES,
        stage_due_at=now - DAY,
        accepted_at=now - 3 * DAY,
    )

    api = APIClient()
    api.force_authenticate(factories.official())
    assert api.get(URL, {"channel": Channel.HOTLINE_12345}).json()["received"] == 2
    by_department = api.get(URL, {"department": b.pk}).json()
    assert (by_department["received"], by_department["overdue_open"]) == (2, 1)

    dashboard = reports.dashboard()
    channels = {str(label): n for label, n in dashboard.by_channel}
    assert channels[str(Channel.HOTLINE_12345.label)] == 2 and channels[str(Channel.WEB.label)] == 2
    assert dict(dashboard.by_category)[second_category.name] == 1
    assert [item.case.number for item in dashboard.overdue] == ["SQ2026-000004"]


def test_the_dashboard_reads_the_cases_twice_whatever_their_number():
    """One pass for the figures, one for ratings and visits, one over the index for the
    months: seven queries in all with the names, the overdue list and its calendar."""
    a = factories.department("甲局")
    for n in range(30):
        case = make_case(n, lead_department=a, status=Status.RESOLVED if n % 2 else Status.ASSIGNED)
        CaseRating.objects.create(case=case, round=1, rating=Rating.SATISFIED, method="enterprise")
    with CaptureQueriesContext(connection) as queries:
        reports.dashboard()
    assert len(queries) <= 7
    with CaptureQueriesContext(connection) as queries:
        reports.case_figures(reports.Period.this_year())
    assert len(queries) == 2
