"""The 红黄黑榜 pages and API: public published lists without login, officials' drafts
with moves and publication, the draft in the API only for officials."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from complaints.models import QuarterRanking, RankingEntry, RankingList, RankingState
from complaints.rankings import services
from tests import factories

pytestmark = pytest.mark.django_db

API = "/api/v1/supervision/rankings/"


@pytest.fixture
def official():
    return factories.official(username="ranking_official")


def make_ranking(official, year, quarter, lists: dict, *, publish=True) -> QuarterRanking:
    ranking = QuarterRanking.objects.create(year=year, quarter=quarter, drafted_at=timezone.now(), drafted_by=official)
    for department, list_ in lists.items():
        RankingEntry.objects.create(
            ranking=ranking,
            department=department,
            list=list_,
            drafted_list=list_,
            accepted=10,
            resolved=9,
            on_time=18,
            on_time_of=20,
            satisfied=8,
            rated=9,
        )
    if publish:
        services.ranking_publish(ranking=ranking, actor=official)
    return ranking


@pytest.fixture
def lists(official):
    a, b, c = (factories.department(name) for name in ("甲局", "乙局", "丙局"))
    published = make_ranking(official, 2025, 4, {a: RankingList.RED, b: RankingList.YELLOW, c: RankingList.BLACK})
    draft = make_ranking(official, 2026, 1, {a: RankingList.BLACK, b: RankingList.RED}, publish=False)
    services.interview_record(
        entry=published.entries.get(department=c),
        level=3,
        held_on=dt.date(2025, 12, 20),
        interviewer="市长",
        interviewee="丙局局长",
        actor=official,
    )
    return {"published": published, "draft": draft, "a": a, "b": b, "c": c}


def test_the_public_reads_published_lists_without_login(client, lists):
    page = client.get(reverse("rankings:index")).content.decode()
    assert "2025年评选“红榜”单位1家次、“黄榜”单位1家次、“黑榜”单位1家次；“三级约谈”单位1家次。" in page
    assert reverse("rankings:published", args=[2025, 4]) in page
    assert reverse("rankings:published", args=[2026, 1]) not in page

    response = client.get(reverse("rankings:published", args=[2025, 4]))
    assert response.status_code == 200
    page = response.content.decode()
    red = page[page.index('data-testid="list-red"') : page.index('data-testid="list-yellow"')]
    assert "甲局" in red and "丙局" not in red
    assert "90.0%" in red  # on time 18 of 20
    # A draft is not public.
    assert client.get(reverse("rankings:published", args=[2026, 1])).status_code == 404
    assert client.get(reverse("rankings:draft", args=[2026, 1])).status_code == 302


def test_the_published_page_runs_a_constant_number_of_queries(client, official):
    def count(n):
        year = 2000 + n
        make_ranking(official, year, 1, {factories.department(): RankingList.RED for _ in range(n)})
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("rankings:published", args=[year, 1])).status_code == 200
        return len(queries)

    assert count(2) == count(6)


def test_an_official_drafts_moves_and_publishes(client, official, lists):
    client.force_login(official)
    response = client.post(reverse("rankings:manage"), {"year": 2026, "quarter": 2})
    assert response.status_code == 302
    assert QuarterRanking.objects.filter(year=2026, quarter=2, state=RankingState.DRAFT).exists()

    entry = lists["draft"].entries.get(department=lists["a"])
    move = reverse("rankings:move", args=[2026, 1, entry.pk])
    response = client.post(move, {"to_list": RankingList.YELLOW, "reason": ""})
    assert response.status_code == 400
    assert "调整未成功" in response.content.decode()
    entry.refresh_from_db()
    assert entry.list == RankingList.BLACK

    response = client.post(move, {"to_list": RankingList.YELLOW, "reason": "超期件已核实为系统原因"})
    assert response.status_code == 302
    page = client.get(reverse("rankings:draft", args=[2026, 1])).content.decode()
    assert "超期件已核实为系统原因" in page

    response = client.post(reverse("rankings:publish", args=[2026, 1]))
    assert response["Location"] == reverse("rankings:published", args=[2026, 1])
    assert QuarterRanking.objects.get(year=2026, quarter=1).state == RankingState.PUBLISHED
    # Frozen: a later move is refused with the reason.
    response = client.post(move, {"to_list": RankingList.RED, "reason": "再调整"})
    assert response.status_code == 400
    assert "已公布，不能再修改" in response.content.decode()
    entry.refresh_from_db()
    assert entry.list == RankingList.YELLOW


def test_the_draft_page_shows_the_quarters_interviews(client, official, lists):
    client.force_login(official)
    page = client.get(reverse("rankings:draft", args=[2025, 4])).content.decode()
    assert "三级约谈" in page and "市长 约谈 丙局局长" in page
    assert 'data-testid="publish"' not in page  # published: no actions left


def test_handlers_may_not_draft(client, lists):
    client.force_login(factories.handler(lists["a"]))
    assert client.get(reverse("rankings:manage")).status_code == 403
    assert client.post(reverse("rankings:publish", args=[2026, 1])).status_code == 403
    assert QuarterRanking.objects.get(year=2026, quarter=1).state == RankingState.DRAFT


def test_api_anyone_reads_a_published_quarter(client, lists):
    response = client.get(API, {"quarter": "2025Q4"})
    assert response.status_code == 200
    body = response.json()
    assert body["quarter"] == "2025Q4" and body["state"] == "published"
    entries = {entry["department"]["name"]: entry for entry in body["entries"]}
    assert entries["甲局"]["list"] == "red"
    assert entries["甲局"]["figures"]["on_time_rate"] == {"numerator": 18, "denominator": 20, "percent": 90.0}
    # Without a quarter: the latest published one.
    assert client.get(API).json()["quarter"] == "2025Q4"
    # A draft quarter is not found without ?draft=true.
    assert client.get(API, {"quarter": "2026Q1"}).status_code == 404
    assert client.get(API, {"quarter": "2026-01"}).status_code == 400


def test_api_drafts_only_for_officials(client, official, lists):
    assert client.get(API, {"quarter": "2026Q1", "draft": "true"}).status_code in (401, 403)
    client.force_login(factories.handler(lists["a"]))
    assert client.get(API, {"quarter": "2026Q1", "draft": "true"}).status_code == 403
    client.force_login(official)
    body = client.get(API, {"quarter": "2026Q1", "draft": "true"}).json()
    assert body["state"] == "draft"
    assert {entry["department"]["name"]: entry["list"] for entry in body["entries"]} == {
        "甲局": "black",
        "乙局": "red",
    }
    # The issue's own spelling, ?draft=1, reads the same draft; anything else is refused.
    assert client.get(API, {"quarter": "2026Q1", "draft": "1"}).json()["state"] == "draft"
    assert client.get(API, {"quarter": "2026Q1", "draft": "yes"}).status_code == 400


def test_the_draft_page_runs_a_constant_number_of_queries(client, official):
    client.force_login(official)

    def count(n):
        year = 2000 + n
        make_ranking(official, year, 1, {factories.department(): RankingList.RED for _ in range(n)}, publish=False)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("rankings:draft", args=[year, 1])).status_code == 200
        return len(queries)

    count(1)  # warms the session and permission caches
    assert count(2) == count(6)
