"""Demo 红黄黑榜: the last four finished quarters drafted from the demo cases by the
rule, one unit moved with a reason, and published; the current quarter left as a
draft; a 约谈 for each unit on a published black list, with its three lists and
monthly sign-offs. Idempotent: a quarter that has a list is left alone."""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from complaints.models import InterviewItem, ItemKind, RankingList
from complaints.rankings import services
from portal.models import User


def _quarters(today: dt.date) -> list[tuple[int, int]]:
    """The current quarter and the four before it, oldest first."""
    first = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    starts = [first - relativedelta(months=3 * back) for back in range(4, -1, -1)]
    return [(start.year, (start.month - 1) // 3 + 1) for start in starts]


@transaction.atomic
def seed(stdout=None) -> None:
    from complaints.models import QuarterRanking

    official = User.objects.filter(username="official").first()
    if official is None:
        return
    today = timezone.localdate()
    *finished, current = _quarters(today)
    added = 0
    for year, quarter in finished:
        if QuarterRanking.objects.filter(year=year, quarter=quarter).exists():
            continue
        ranking = services.ranking_draft(year=year, quarter=quarter, actor=official)
        yellow = ranking.entries.filter(list=RankingList.YELLOW).order_by("department__name").first()
        if yellow is not None:
            services.ranking_move(
                entry=yellow,
                to_list=RankingList.BLACK,
                reason="季度内发生企业诉求推诿，经营商办会议研究调整",
                actor=official,
            )
        services.ranking_publish(ranking=ranking, actor=official)
        end = dt.date(year, 3 * quarter, 1) + relativedelta(months=1)
        for entry in ranking.entries.filter(list=RankingList.BLACK).select_related("department"):
            held_on = min(end + dt.timedelta(days=14), today)
            interview = services.interview_record(
                entry=entry,
                level=3 if entry.was_moved else 2,
                held_on=held_on,
                interviewer="市优化营商环境办公室主任",
                interviewee=f"{entry.department.display_name}主要负责人",
                notes="通报季度诉求办理情况，指出超期和满意率偏低问题，提出整改要求。",
                actor=official,
                items=[
                    (ItemKind.TASK, "一个月内办结全部超期诉求件"),
                    (ItemKind.PROBLEM, "交办后未在2个工作日内明确办理措施"),
                    (ItemKind.RESPONSIBILITY, "分管负责人牵头，逐件明确经办人"),
                ],
            )
            month = held_on.replace(day=1) + relativedelta(months=1)
            for item in InterviewItem.objects.filter(interview=interview):
                if month <= today.replace(day=1):
                    services.item_sign_off(
                        item=item,
                        month=month,
                        progress="已对账，按计划推进",
                        done=item.kind != ItemKind.TASK,
                        actor=official,
                    )
        added += 1
    year, quarter = current
    if not QuarterRanking.objects.filter(year=year, quarter=quarter).exists():
        services.ranking_draft(year=year, quarter=quarter, actor=official)
    if stdout:
        stdout.write(f"Demo 红黄黑榜: {added} quarters published.")
