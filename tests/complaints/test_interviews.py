"""约谈 pages: officials record a 约谈 from a unit's row of a published list, with its
任务、问题、责任 lists; list them by year with the count per level; sign each item off
month by month (对账销号). The unit's own handlers read their 约谈, read-only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from complaints.models import Interview, InterviewItem, ItemKind, ItemSignOff, RankingList
from complaints.rankings import services
from tests import factories
from tests.complaints.test_rankings_pages import make_ranking

pytestmark = pytest.mark.django_db


@pytest.fixture
def official():
    return factories.official(username="interview_official", full_name="王主任")


@pytest.fixture
def units():
    return {name: factories.department(name) for name in ("甲局", "乙局", "丙局")}


@pytest.fixture
def published(official, units):
    return make_ranking(
        official,
        2025,
        4,
        {units["甲局"]: RankingList.RED, units["乙局"]: RankingList.YELLOW, units["丙局"]: RankingList.BLACK},
    )


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def record(official, entry, *, held_on=dt.date(2026, 1, 15), level=2, items=None) -> Interview:
    return services.interview_record(
        entry=entry,
        level=level,
        held_on=held_on,
        interviewer="市营商办主任 王某",
        interviewee=f"{entry.department.name}局长 李某",
        actor=official,
        items=items
        if items is not None
        else [
            (ItemKind.TASK, "清零超期件"),
            (ItemKind.PROBLEM, "措施不明确"),
            (ItemKind.RESPONSIBILITY, "分管领导负责"),
        ],
    )


def test_an_official_records_a_interview_from_a_black_listed_unit(official, published, units):
    client = signed_in(official)
    draft_page = client.get(reverse("rankings:draft", args=[2025, 4])).content.decode()
    black = published.entries.get(department=units["丙局"])
    red = published.entries.get(department=units["甲局"])
    new_url = reverse("rankings:interview_new", args=[2025, 4, black.pk])
    assert new_url in draft_page
    assert reverse("rankings:interview_new", args=[2025, 4, red.pk]) not in draft_page

    form = client.get(new_url).content.decode()
    assert "丙局" in form and "2025年第4季度黑榜" in form
    response = client.post(
        new_url,
        {
            "level": "3",
            "held_on": "2026-01-10",
            "interviewer": "副市长 张某、市营商办主任 王某",
            "interviewee": "丙局局长 李某",
            "notes": "通报季度排名。",
            "tasks": "一个月内清零超期件\n\n  逐件回访企业  ",
            "problems": "交办后未及时明确措施",
            "responsibilities": "",
        },
    )
    interview = Interview.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("rankings:interview", args=[interview.pk])
    assert (interview.entry, interview.level, interview.held_on) == (black, 3, dt.date(2026, 1, 10))
    assert sorted(interview.items.values_list("kind", "text")) == [
        (ItemKind.PROBLEM, "交办后未及时明确措施"),
        (ItemKind.TASK, "一个月内清零超期件"),
        (ItemKind.TASK, "逐件回访企业"),
    ]
    page = client.get(response["Location"]).content.decode()
    assert "三级约谈" in page and "副市长 张某、市营商办主任 王某" in page and "逐件回访企业" in page
    # The public sentence counts the recorded 约谈 in the year it was held.
    index = Client().get(reverse("rankings:index")).content.decode()
    assert "2026年评选“红榜”单位0家次、“黄榜”单位0家次、“黑榜”单位0家次；“三级约谈”单位1家次。" in index


def test_a_interview_in_the_future_or_of_a_draft_list_is_refused(official, published, units):
    client = signed_in(official)
    black = published.entries.get(department=units["丙局"])
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = client.post(
        reverse("rankings:interview_new", args=[2025, 4, black.pk]),
        {"level": "1", "held_on": tomorrow.isoformat(), "interviewer": "甲", "interviewee": "乙", "tasks": "x"},
    )
    assert response.status_code == 400
    assert "约谈日期不能晚于今天" in response.content.decode()
    assert 'value="甲"' in response.content.decode()  # what was typed comes back
    draft = make_ranking(official, 2026, 1, {units["甲局"]: RankingList.BLACK}, publish=False)
    entry = draft.entries.get()
    assert client.get(reverse("rankings:interview_new", args=[2026, 1, entry.pk])).status_code == 404
    assert not Interview.objects.exists()


def test_items_are_signed_off_month_by_month_until_closed(official, published, units):
    interview = record(official, published.entries.get(department=units["丙局"]))
    task = interview.items.get(kind=ItemKind.TASK)
    client = signed_in(official)
    url = reverse("rankings:interview", args=[interview.pk])
    sign_off_url = reverse("rankings:sign_off", args=[interview.pk, task.pk])
    assert sign_off_url in client.get(url).content.decode()

    response = client.post(sign_off_url, {"progress": ""})
    assert response.status_code == 400 and not ItemSignOff.objects.exists()

    assert client.post(sign_off_url, {"progress": "已清零3件"}).status_code == 302
    month = timezone.localdate().replace(day=1)
    assert list(task.sign_offs.values_list("month", "progress", "done")) == [(month, "已清零3件", False)]
    page = client.get(url).content.decode()
    assert f"{month:%Y-%m} 对账：已清零3件" in page and "王主任" in page
    assert sign_off_url not in page  # signed off this month: no second form
    # Twice in a month is refused by the service too.
    response = client.post(sign_off_url, {"progress": "再次", "done": "on"})
    assert response.status_code == 400 and "本月已对账" in response.content.decode()

    problem = interview.items.get(kind=ItemKind.PROBLEM)
    client.post(reverse("rankings:sign_off", args=[interview.pk, problem.pk]), {"progress": "已整改", "done": "on"})
    problem.refresh_from_db()
    assert problem.closed_on == timezone.localdate()
    assert "已销号" in client.get(url).content.decode()


def test_the_units_handlers_read_their_interviews_read_only(official, published, units):
    interview = record(official, published.entries.get(department=units["丙局"]))
    other = record(official, published.entries.get(department=units["乙局"]), level=1)
    item = interview.items.get(kind=ItemKind.TASK)
    own = signed_in(factories.handler(units["丙局"]))
    stranger = signed_in(factories.handler(units["乙局"]))

    page = own.get(reverse("rankings:interview", args=[interview.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "清零超期件" in text and 'data-testid="read-only"' in text and "sign-off-form" not in text
    assert own.post(reverse("rankings:sign_off", args=[interview.pk, item.pk]), {"progress": "x"}).status_code == 403
    assert stranger.get(reverse("rankings:interview", args=[interview.pk])).status_code == 404
    assert (
        stranger.post(reverse("rankings:sign_off", args=[interview.pk, item.pk]), {"progress": "x"}).status_code == 404
    )

    listed = own.get(reverse("rankings:interviews")).content.decode()
    assert reverse("rankings:interview", args=[interview.pk]) in listed
    assert reverse("rankings:interview", args=[other.pk]) not in listed
    member = signed_in(factories.enterprise_user())
    assert member.get(reverse("rankings:interviews")).status_code == 403
    assert member.get(reverse("rankings:interview", args=[interview.pk])).status_code == 404
    assert not ItemSignOff.objects.exists()


def test_the_list_filters_by_year_and_counts_each_level(official, published, units):
    black = published.entries.get(department=units["丙局"])
    yellow = published.entries.get(department=units["乙局"])
    first = record(official, black, held_on=dt.date(2025, 11, 3), level=3)
    record(official, yellow, held_on=dt.date(2026, 1, 5), level=1)
    record(official, black, held_on=dt.date(2026, 1, 20), level=2)
    client = signed_in(official)
    page = client.get(reverse("rankings:interviews")).content.decode()
    counts = page[page.index('data-testid="interview-counts"') : page.index('data-testid="year-filter"')]
    row_2026 = counts[counts.index('data-year="2026"') :]
    assert _cells(row_2026) == ["1", "1", "0", "2"]
    row_2025 = counts[counts.index('data-year="2025"') :]
    assert _cells(row_2025) == ["0", "0", "1", "1"]
    assert page.count('data-testid="interview"') == 3

    filtered = client.get(reverse("rankings:interviews"), {"year": 2025}).content.decode()
    assert filtered.count('data-testid="interview"') == 1
    assert reverse("rankings:interview", args=[first.pk]) in filtered


def _cells(row: str) -> list[str]:
    import re

    row = row[: row.index("</tr>")]
    return re.findall(r'<td class="text-end"[^>]*>(\d+)</td>', row)


def test_list_and_interview_pages_take_a_constant_number_of_queries(official, units):
    client = signed_in(official)
    interviews = []

    def add(count):
        for i in range(count):
            unit = factories.department(f"第{len(interviews)}局")
            ranking = make_ranking(official, 2020 + len(interviews) // 4, len(interviews) % 4 + 1, {unit: "black"})
            interview = record(
                official,
                ranking.entries.get(),
                items=[(ItemKind.TASK, f"任务{n}") for n in range(i + 1)],
            )
            for item in InterviewItem.objects.filter(interview=interview):
                services.item_sign_off(
                    item=item, month=dt.date(2026, 1, 1), progress="进展", done=False, actor=official
                )
            interviews.append(interview)

    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    add(2)
    few_list = queries(reverse("rankings:interviews"))
    few_page = queries(reverse("rankings:interview", args=[interviews[1].pk]))
    add(6)
    assert queries(reverse("rankings:interviews")) == few_list
    assert queries(reverse("rankings:interview", args=[interviews[-1].pk])) == few_page
