"""Demo 红黄黑榜: the last four finished quarters, each drafted at the quarter's end by the
rule, a unit or two moved with a reason, and published a few days later; the current
quarter left as a draft; a 约谈 for the units on a published black list (and a 一级约谈 of
a yellow one), with their three lists signed off month by month until closed.

The demo's cases reach only a few units, so the other units' figures are made up
(``ranking_draft(fill_in=…)``, the way the 三色图 demo stores made-up snapshots): each
unit follows a course over the four quarters — steady, improving, slipping, new — so
the lists spread over 红、黄、黑 and 暂不列榜 and change from quarter to quarter. Units
with cases of their own keep their real figures.

Idempotent: a quarter that has a list is left alone."""

from __future__ import annotations

import datetime as dt
import random

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from complaints.models import InterviewItem, ItemKind, QuarterRanking, RankingEntry, RankingList, RankingState
from complaints.rankings import services
from complaints.reporting.selectors import CaseFigures, Rate
from portal.models import Department, User

# Each unit's list in the four finished quarters, oldest first (R 红, Y 黄, B 黑, - none),
# handed out in turn; more red than yellow and few black, as in 明光's year (86/51/12).
COURSES = ["RRRR", "YYRR", "BYYR", "RRYB", "RYRR", "YYYY", "RRRY", "--YR", "RRRR", "YBYY", "RRYR", "----"]
MOVES = {
    # quarter index: (from list, to list, reason)
    1: (RankingList.YELLOW, RankingList.BLACK, "季度内发生企业诉求推诿，经营商办主任办公会研究调整"),
    3: (RankingList.YELLOW, RankingList.RED, "超期件系上级审批所致，已如实说明并办结，经研究调整"),
}
INTERVIEWER = "市优化营商环境办公室主任"
ITEMS = [
    (ItemKind.TASK, "一个月内办结全部超期诉求件，逐件回访企业"),
    (ItemKind.TASK, "建立诉求办理周调度机制"),
    (ItemKind.PROBLEM, "交办后未在2个工作日内明确办理措施"),
    (ItemKind.PROBLEM, "答复企业口径不一，满意率偏低"),
    (ItemKind.RESPONSIBILITY, "分管负责人牵头，逐件明确经办人和办结时限"),
]


def _quarters(today: dt.date) -> list[tuple[int, int]]:
    """The current quarter and the four before it, oldest first."""
    first = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    starts = [first - relativedelta(months=3 * back) for back in range(4, -1, -1)]
    return [(start.year, (start.month - 1) // 3 + 1) for start in starts]


def _quarter_end(year: int, quarter: int) -> dt.date:
    return dt.date(year, 3 * quarter, 1) + relativedelta(months=1) - dt.timedelta(days=1)


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _figures(rng: random.Random, mark: str) -> CaseFigures:
    """Made-up figures the default rule puts on the list ``mark`` names."""
    if mark == "-":
        return CaseFigures()
    accepted = rng.randint(8, 36)
    on_time_of = accepted * 4
    rated = max(1, round(accepted * rng.uniform(0.7, 0.95)))
    if mark == "R":
        on_time, resolved, satisfied, overdue = 0.97, 0.97, 0.97, 0
        spread = 0.03
    elif mark == "Y":
        on_time, resolved, satisfied, overdue = 0.88, 0.86, 0.92, rng.randint(0, 2)
        spread = 0.03
    else:
        on_time, resolved, satisfied, overdue = 0.76, 0.72, 0.84, rng.randint(3, 6)
        spread = 0.05

    def part(share: float, whole: int) -> int:
        return min(whole, round(whole * min(share + rng.uniform(0, spread), 1.0)))

    resolved_n = part(resolved, accepted)
    return CaseFigures(
        received=accepted + rng.randint(0, 2),
        accepted=accepted,
        assigned=accepted,
        resolved=resolved_n,
        overdue_open=overdue,
        visited=round(resolved_n * rng.uniform(0.3, 0.8)),
        stages={"assign": Rate(part(on_time, on_time_of), on_time_of)},
        satisfaction_rate=Rate(part(satisfied, rated), rated),
    )


@transaction.atomic
def seed(stdout=None) -> None:
    official = User.objects.filter(username="official").first()
    if official is None:
        return
    today = timezone.localdate()
    *finished, current = _quarters(today)
    rng = random.Random(2026_18)
    departments = list(Department.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True))
    courses = {pk: COURSES[index % len(COURSES)] for index, pk in enumerate(departments)}
    added = 0
    for index, (year, quarter) in enumerate(finished):
        if QuarterRanking.objects.filter(year=year, quarter=quarter).exists():
            continue
        end = _quarter_end(year, quarter)
        drafted_at = min(_at(end, 17), timezone.now())
        fill_in = {pk: _figures(rng, course[index]) for pk, course in courses.items()}
        ranking = services.ranking_draft(year=year, quarter=quarter, actor=official, now=drafted_at, fill_in=fill_in)
        if index in MOVES:
            from_list, to_list, reason = MOVES[index]
            entry = ranking.entries.filter(list=from_list).order_by("department__name").first()
            if entry is not None:
                services.ranking_move(entry=entry, to_list=to_list, reason=reason, actor=official, now=drafted_at)
        published_at = min(_at(end + dt.timedelta(days=6), 10), timezone.now())
        services.ranking_publish(ranking=ranking, actor=official, now=published_at)
        _interviews(ranking, official, end, today, last=index == len(finished) - 1)
        added += 1
    year, quarter = current
    if not QuarterRanking.objects.filter(year=year, quarter=quarter).exists():
        # The quarter so far: each unit where its course left it.
        fill_in = {pk: _figures(rng, course[-1]) for pk, course in courses.items()}
        services.ranking_draft(year=year, quarter=quarter, actor=official, fill_in=fill_in)
    if stdout:
        stdout.write(f"Demo 红黄黑榜: {added} quarters published.")


def _previous(ranking) -> QuerySet[QuarterRanking]:
    year, quarter = (ranking.year, ranking.quarter - 1) if ranking.quarter > 1 else (ranking.year - 1, 4)
    return QuarterRanking.objects.filter(year=year, quarter=quarter)


def _interviews(ranking, official, end: dt.date, today: dt.date, *, last: bool) -> None:
    """约谈 of the quarter's black-listed units (三级 for one moved there, 二级 otherwise)
    and, for the latest quarter, a 一级约谈 of a yellow one; items signed off monthly,
    one closed each month, the latest ones still open."""
    entries = list(RankingEntry.objects.filter(ranking=ranking, list=RankingList.BLACK).select_related("department"))
    if last:
        yellow = (
            RankingEntry.objects.filter(ranking=ranking, list=RankingList.YELLOW)
            .select_related("department")
            .order_by("department__name")
            .first()
        )
        entries += [yellow] if yellow else []
    # Black again after black the quarter before, or moved there by officials: 三级约谈.
    black_before = set(
        RankingEntry.objects.filter(
            ranking__state=RankingState.PUBLISHED, list=RankingList.BLACK, ranking__in=_previous(ranking)
        ).values_list("department_id", flat=True)
    )
    for position, entry in enumerate(entries):
        held_on = min(end + dt.timedelta(days=14 + 3 * position), today)
        if entry.list == RankingList.YELLOW:
            level = 1
        else:
            level = 3 if entry.was_moved or entry.department_id in black_before else 2
        interview = services.interview_record(
            entry=entry,
            level=level,
            held_on=held_on,
            interviewer=INTERVIEWER if level < 3 else f"分管副市长、{INTERVIEWER}",
            interviewee=f"{entry.department.display_name}主要负责人",
            notes="通报季度诉求办理情况，指出超期和满意率偏低问题，提出整改要求，明确任务、问题、责任清单。",
            actor=official,
            items=ITEMS if level > 1 else ITEMS[:1] + ITEMS[2:3],
        )
        items = list(InterviewItem.objects.filter(interview=interview).order_by("-kind", "id"))
        month = held_on.replace(day=1) + relativedelta(months=1)
        round_ = 0
        # Past months only: this month's 对账 is left for officials to try on the page.
        while month < today.replace(day=1) and items:
            signed_on = month + dt.timedelta(days=24)
            closing = items[0]
            for item in items:
                services.item_sign_off(
                    item=item,
                    month=month,
                    progress="已完成，经对账予以销号"
                    if item is closing
                    else f"按计划推进，已完成约{min((round_ + 1) * 30, 90)}%",
                    done=item is closing,
                    actor=official,
                    today=signed_on,
                )
            items = items[1:]
            month += relativedelta(months=1)
            round_ += 1
