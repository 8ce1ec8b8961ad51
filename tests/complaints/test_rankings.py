"""红黄黑榜, quarterly: drafted from the case figures and the rules in the admin, moved
with a reason, published and then frozen; 约谈 with their three lists signed off
monthly; 家次 per list and year as 明光 counts them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from complaints.models import (
    InterviewItem,
    ItemKind,
    QuarterRanking,
    RankingEntry,
    RankingList,
    RankingRule,
    RankingState,
)
from complaints.rankings import selectors, services
from complaints.rankings.services import RankingError
from portal import roles
from tests import factories
from tests.complaints.test_reports import known_data  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db


def this_quarter() -> tuple[int, int]:
    today = timezone.localdate()
    return today.year, (today.month - 1) // 3 + 1


@pytest.fixture
def official():
    return factories.official(username="ranking_official", first_name="王", last_name="")


@pytest.fixture
def lenient_rule():
    """Officials lowered the yellow 办结率 threshold in the admin: 乙局's 3 of 4 is enough."""
    RankingRule.objects.update_or_create(id=1, defaults={"yellow_resolution": 70})


def draft(official):
    year, quarter = this_quarter()
    return services.ranking_draft(year=year, quarter=quarter, actor=official)


def lists_by_name(ranking) -> dict[str, str]:
    return {entry.department.name: entry.list for entry in ranking.entries.select_related("department")}


def test_parse_quarter():
    assert selectors.parse_quarter("2026Q1") == (2026, 1)
    assert selectors.parse_quarter("2026q4") == (2026, 4)
    assert selectors.parse_quarter("2026Q5") is None
    assert selectors.parse_quarter("2026-01") is None
    period = selectors.quarter_period(2026, 4)
    assert (period.start, period.end) == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))


def test_a_quarter_is_drafted_from_the_figures_and_the_rules(known_data, official, lenient_rule):  # noqa: F811
    ranking = draft(official)
    assert ranking.state == RankingState.DRAFT
    lists = lists_by_name(ranking)
    assert lists["甲局"] == RankingList.RED
    assert lists["乙局"] == RankingList.YELLOW  # 87.5% on time, one overdue
    assert lists["丙局"] == RankingList.BLACK  # 75% on time, 50% satisfied
    assert lists["丁局"] == RankingList.NONE  # no rating yet
    b = ranking.entries.get(department=known_data["departments"]["b"])
    # The figures are the reporting selectors' own.
    assert (b.accepted, b.resolved, b.on_time, b.on_time_of, b.satisfied, b.rated, b.overdue_open) == (
        4,
        3,
        14,
        16,
        3,
        3,
        1,
    )
    assert b.drafted_list == b.list


def test_the_rule_in_the_admin_decides(known_data, official):  # noqa: F811
    # Default 办结率 threshold 80%: 乙局's 75% puts it on the black list.
    assert lists_by_name(draft(official))["乙局"] == RankingList.BLACK


def test_moving_a_unit_needs_a_reason(known_data, official, lenient_rule):  # noqa: F811
    ranking = draft(official)
    entry = ranking.entries.get(department__name="丙局")
    with pytest.raises(RankingError) as refused:
        services.ranking_move(entry=entry, to_list=RankingList.YELLOW, reason="  ", actor=official)
    assert "理由" in str(refused.value)
    services.ranking_move(
        entry=entry, to_list=RankingList.YELLOW, reason="超期件系系统故障所致，已核实", actor=official
    )
    entry.refresh_from_db()
    assert (entry.list, entry.drafted_list, entry.moved_by) == (RankingList.YELLOW, RankingList.BLACK, official)
    assert entry.moved_reason == "超期件系系统故障所致，已核实"
    # Drafting again refreshes the figures and keeps the move.
    draft(official)
    entry.refresh_from_db()
    assert (entry.list, entry.drafted_list) == (RankingList.YELLOW, RankingList.BLACK)


def test_the_database_refuses_a_move_without_reason(known_data, official):  # noqa: F811
    entry = draft(official).entries.get(department__name="甲局")
    with pytest.raises(IntegrityError), transaction.atomic():
        RankingEntry.objects.filter(pk=entry.pk).update(list=RankingList.BLACK)


def test_a_published_list_is_dated_and_frozen(known_data, official, lenient_rule):  # noqa: F811
    ranking = draft(official)
    services.ranking_publish(ranking=ranking, actor=official)
    ranking.refresh_from_db()
    assert ranking.state == RankingState.PUBLISHED
    assert ranking.published_by == official and ranking.published_at is not None
    entry = ranking.entries.get(department__name="丙局")

    with pytest.raises(RankingError, match="已公布"):
        services.ranking_move(entry=entry, to_list=RankingList.YELLOW, reason="理由", actor=official)
    with pytest.raises(RankingError, match="已公布"):
        draft(official)
    with pytest.raises(RankingError, match="已公布"):
        services.ranking_publish(ranking=ranking, actor=official)
    # The database refuses too, whatever writes.
    with pytest.raises(IntegrityError), transaction.atomic():
        RankingEntry.objects.filter(pk=entry.pk).update(list=RankingList.YELLOW, moved_reason="绕过服务")
    with pytest.raises(IntegrityError), transaction.atomic():
        QuarterRanking.objects.filter(pk=ranking.pk).update(state=RankingState.DRAFT)
    with pytest.raises(IntegrityError), transaction.atomic():
        ranking.delete()
    entry.refresh_from_db()
    assert entry.list == RankingList.BLACK


def test_only_officials_draft_move_and_publish(known_data, official):  # noqa: F811
    handler = factories.handler(known_data["departments"]["c"])
    year, quarter = this_quarter()
    with pytest.raises(PermissionDenied):
        services.ranking_draft(year=year, quarter=quarter, actor=handler)
    ranking = draft(official)
    with pytest.raises(PermissionDenied):
        services.ranking_move(entry=ranking.entries.first(), to_list=RankingList.RED, reason="x", actor=handler)
    with pytest.raises(PermissionDenied):
        services.ranking_publish(ranking=ranking, actor=handler)


def _published(official, year, quarter, lists: dict) -> QuarterRanking:
    """A published quarter with one entry per (department, list)."""
    ranking = QuarterRanking.objects.create(year=year, quarter=quarter, drafted_at=timezone.now(), drafted_by=official)
    for department, list_ in lists.items():
        RankingEntry.objects.create(ranking=ranking, department=department, list=list_, drafted_list=list_)
    services.ranking_publish(ranking=ranking, actor=official)
    return ranking


def test_year_counts_reproduce_minguangs_sentence(official):
    a, b, c = (factories.department(name) for name in ("甲局", "乙局", "丙局"))
    q1 = _published(official, 2025, 1, {a: RankingList.RED, b: RankingList.YELLOW, c: RankingList.BLACK})
    _published(official, 2025, 2, {a: RankingList.RED, b: RankingList.RED, c: RankingList.YELLOW})
    _published(official, 2024, 4, {a: RankingList.BLACK})
    # A draft does not count.
    QuarterRanking.objects.create(year=2025, quarter=3, drafted_at=timezone.now(), drafted_by=official)
    black = q1.entries.get(department=c)
    for level in (1, 3):
        services.interview_record(
            entry=black,
            level=level,
            held_on=dt.date(2025, 4, 20),
            interviewer="市营商办主任 王某",
            interviewee="丙局局长 李某",
            actor=official,
        )
    counts = selectors.year_counts(2025)
    assert (counts.red, counts.yellow, counts.black, counts.interviews) == (3, 2, 1, 2)
    assert counts.by_level == {1: 1, 3: 1}


def test_an_interview_with_three_lists_signed_off_monthly(official):
    c = factories.department("丙局")
    ranking = _published(official, 2025, 1, {c: RankingList.BLACK})
    entry = ranking.entries.get()
    interview = services.interview_record(
        entry=entry,
        level=3,
        held_on=dt.date(2025, 4, 20),
        interviewer="市长 张某",
        interviewee="丙局局长 李某",
        actor=official,
        items=[
            (ItemKind.TASK, "两个月内清零超期件"),
            (ItemKind.PROBLEM, "交办后未及时明确措施"),
            (ItemKind.RESPONSIBILITY, "分管副局长负责"),
            (ItemKind.TASK, "  "),
        ],
    )
    assert interview.entry == entry and interview.get_level_display() == "三级约谈"
    task = interview.items.get(kind=ItemKind.TASK)
    assert interview.items.count() == 3

    services.item_sign_off(item=task, month=dt.date(2025, 5, 17), progress="已清零2件", done=False, actor=official)
    with pytest.raises(RankingError, match="本月已对账"):
        services.item_sign_off(item=task, month=dt.date(2025, 5, 1), progress="重复", done=False, actor=official)
    services.item_sign_off(item=task, month=dt.date(2025, 6, 1), progress="全部清零", done=True, actor=official)
    task.refresh_from_db()
    assert task.closed_on == timezone.localdate()
    assert [s.month for s in task.sign_offs.all()] == [dt.date(2025, 5, 1), dt.date(2025, 6, 1)]
    with pytest.raises(RankingError, match="已销号"):
        services.item_sign_off(item=task, month=dt.date(2025, 7, 1), progress="x", done=False, actor=official)
    assert InterviewItem.objects.filter(closed_on__isnull=True).count() == 2


def test_interviews_follow_a_published_list_only(known_data, official):  # noqa: F811
    entry = draft(official).entries.first()
    with pytest.raises(RankingError, match="已公布"):
        services.interview_record(
            entry=entry, level=1, held_on=timezone.localdate(), interviewer="甲", interviewee="乙", actor=official
        )
    steward = factories.user(roles.STEWARD)
    with pytest.raises(PermissionDenied):
        services.interview_record(
            entry=entry, level=1, held_on=timezone.localdate(), interviewer="甲", interviewee="乙", actor=steward
        )


def test_demo_publishes_four_quarters_and_runs_twice(known_data):  # noqa: F811
    from complaints.rankings import demo

    factories.official(username="official")
    demo.seed()
    demo.seed()
    assert QuarterRanking.objects.filter(state=RankingState.PUBLISHED).count() == 4
    assert QuarterRanking.objects.filter(state=RankingState.DRAFT).count() == 1


def test_demo_lists_spread_change_and_are_dated_at_their_quarters_end(known_data):  # noqa: F811
    """Units spread over the three lists and 暂不列榜 and move between them; each quarter is
    drafted at its end and published days later; the black ones are called to a 约谈 whose
    items are signed off month by month."""
    from complaints.models import Interview, ItemSignOff, RankingEntry
    from complaints.rankings import demo

    for n in range(12):
        factories.department(f"演示单位{n}")
    factories.official(username="official")
    demo.seed()
    published = list(QuarterRanking.objects.filter(state=RankingState.PUBLISHED).order_by("year", "quarter"))
    for ranking in published:
        end = selectors.quarter_period(ranking.year, ranking.quarter).end
        assert timezone.localtime(ranking.drafted_at).date() == end
        assert dt.timedelta(days=1) <= timezone.localtime(ranking.published_at).date() - end <= dt.timedelta(days=7)
        lists = set(ranking.entries.values_list("list", flat=True))
        assert {RankingList.RED, RankingList.YELLOW, RankingList.NONE} <= lists
    entries = RankingEntry.objects.filter(ranking__in=published)
    assert entries.filter(list=RankingList.BLACK).exists()
    # Some unit is on different lists in different quarters.
    courses = {}
    for department_id, list_ in entries.values_list("department_id", "list"):
        courses.setdefault(department_id, set()).add(list_)
    assert any(len(lists) > 1 for lists in courses.values())
    assert entries.exclude(moved_reason="").exists()
    assert Interview.objects.count() >= 2
    assert ItemSignOff.objects.exists()
