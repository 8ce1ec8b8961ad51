"""Demo 走访: the demo 亲商管家 (马管家) has visited the demo enterprise and a few other
firms they look after in the last months, with problems found, one of them turned into a
case. Idempotent: nothing is added once the 管家 has visits. The 管家's enterprises are
re-matched against the policy catalogue in the background (the task cluster), so the
workspace counts their matched policies not applied for."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from complaints.models import ProblemCategory, Visit
from complaints.visits import services
from portal.models import Enterprise, StewardAssignment, User

# (days ago, people met, what was discussed, problems found)
VISITS = [
    (
        2,
        "陈总（总经理）、王会计",
        "了解企业一季度生产经营情况，宣讲研发费用加计扣除和技改奖补政策。企业计划扩建二期厂房。",
        ["二期厂房扩建用地规划调整手续推进缓慢，已等待两个月", "希望了解技改奖补的申报时间"],
    ),
    (
        45,
        "陈总（总经理）",
        "回访上次反映的招工问题，企业新招技术工人12名，缺口仍有20人左右。",
        ["园区公交班次少，夜班员工通勤不便"],
    ),
    (4, "李总（董事长）", "企业订单饱满，现有产能不足，正在评估新上生产线。", []),
    (33, "赵经理（办公室主任）", "了解企业融资需求，介绍应急转贷和知识产权质押融资产品。", ["流动资金贷款审批周期长"]),
    (70, "孙总（总经理）、周工（技术总监）", "企业申报专精特新，咨询需要准备的材料。", ["专精特新申报材料要求不清楚"]),
]


@transaction.atomic
def seed(stdout=None) -> None:
    steward = User.objects.filter(username="steward").first()
    if steward is None or Visit.objects.filter(steward=steward).exists():
        if stdout:
            stdout.write("Demo visits already present.")
        return
    demo_enterprise = Enterprise.objects.filter(memberships__user__username="enterprise").first()
    looked_after = list(
        Enterprise.objects.filter(steward_assignments__steward=steward)
        .exclude(pk=getattr(demo_enterprise, "pk", None))
        .order_by("name", "pk")[:3]
    )
    targets = [demo_enterprise, demo_enterprise, *looked_after]
    today = timezone.localdate()
    visits = []
    for enterprise, (days_ago, people, discussed, problems) in zip(targets, VISITS, strict=False):
        if enterprise is None:
            continue
        visits.append(
            services.visit_record(
                steward=steward,
                enterprise=enterprise,
                visited_on=today - dt.timedelta(days=days_ago),
                people_met=people,
                discussed=discussed,
                problems=problems,
            )
        )
    if visits:
        # The land problem raised at the demo enterprise became a case, as 转为诉求件 does.
        problem = visits[0].problems.order_by("id").first()
        services.visit_problem_to_case(
            problem=problem, actor=steward, category=ProblemCategory.objects.filter(name="用地").first()
        )
    _rematch_later(steward)
    if stdout:
        stdout.write(f"{len(visits)} demo visits by the 亲商管家.")


def _rematch_later(steward: User) -> None:
    """Queue a re-match of each enterprise the 管家 looks after (as a profile change
    does), so their matched policies are recorded (policies.tasks.rematch_enterprise)."""
    from django_q.tasks import async_task

    ids = StewardAssignment.objects.filter(steward=steward).values_list("enterprise_id", flat=True)
    for enterprise_id in ids:
        transaction.on_commit(
            lambda enterprise_id=enterprise_id: async_task(
                "policies.tasks.rematch_enterprise", enterprise_id, task_name=f"rematch-{enterprise_id}"
            )
        )
