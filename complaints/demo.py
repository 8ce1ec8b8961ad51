"""Demo cases: about 250 across channels, stages and departments, some overdue,
some rated, a few confidential; two problem classes and a published typical case.

Cases are taken through the real services, then their timestamps are moved back
so the year's figures have a history. Idempotent: nothing is added once the demo
cases exist."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from complaints import services, sla
from complaints.models import (
    Case,
    CaseEvent,
    CaseTask,
    Channel,
    NonAcceptanceReason,
    ProblemCategory,
    ProblemClass,
    Rating,
    RatingMethod,
    ReturnVisit,
    ReturnVisitMethod,
    Stage,
    Status,
    Tier,
    TypicalCase,
)
from portal.models import Enterprise, User
from portal.workdays import WorkCalendar

CASE_COUNT = 250
MARKER = "demo-case-"

PROBLEMS = {
    "审批服务": [
        "施工许可审批材料反复退回",
        "企业开办窗口要求重复提交材料",
        "消防验收排队时间过长",
        "环评审批进度不透明",
    ],
    "用地": ["工业用地指标迟迟未落实", "厂房扩建用地规划调整难", "标准地出让条件不明确"],
    "融资": ["中小企业贷款审批周期长", "应急转贷资金申请手续繁琐", "知识产权质押融资渠道少"],
    "人才招工": ["技术工人招聘困难", "人才公寓申请条件不清楚", "外地员工子女入学难"],
    "政策兑现": ["技改补贴兑现慢", "高新技术企业奖励未到账", "稳岗补贴申报系统无法提交"],
    "基础设施": ["园区道路破损影响货车通行", "工业园区供电不稳定", "园区污水管网未接通"],
    "执法监管": ["同一事项多部门重复检查", "环保检查标准前后不一"],
    "科技创新": ["研发费用加计扣除政策不会用", "产学研合作缺少对接平台"],
    "产业发展": ["上下游配套企业不足", "产品进入本地市场渠道不畅"],
    "其他": ["企业周边交通拥堵", "政务服务网站经常打不开"],
}
NAMES = ["张伟", "王芳", "李娜", "刘强", "陈静", "杨磊", "赵敏", "黄勇", "周杰", "吴霞", "徐涛", "孙丽"]
CHANNEL_WEIGHTS = {
    Channel.HOTLINE_12345: 30,
    Channel.WEB: 25,
    Channel.ROUNDTABLE: 15,
    Channel.WINDOW: 10,
    Channel.PHONE: 8,
    Channel.VISIT: 5,
    Channel.LETTER: 4,
    Channel.WALKTHROUGH: 3,
}
# Where a case ends up: status it is taken to, and its weight.
OUTCOMES = [
    ("received", 6),
    ("accepted", 6),
    ("not_accepted", 4),
    ("assigned", 16),
    ("measures_set", 12),
    ("feedback_given", 12),
    ("resolved", 14),
    ("closed", 26),
    ("reassigned", 4),
]


def _task(department):
    return {
        "task": "核实情况并制定解决方案",
        "measure": "牵头单位会同相关部门现场核实，明确办理路径和时间表",
        "deadline": timezone.localdate() + dt.timedelta(days=10),
        "department": department,
        "responsible_person": "科长",
    }


def _advance(case, outcome, *, official, handler, rater, rng):
    """Take a filed case through the services to the wanted outcome."""
    if outcome == "received":
        return case
    if outcome == "not_accepted":
        reason = NonAcceptanceReason.objects.order_by("?").first()
        return services.case_reject(
            case=case, actor=official, reason=reason, reply=reason.guidance or "已告知相关渠道。"
        )
    case = services.case_accept(case=case, actor=official)
    if outcome == "accepted":
        return case
    department = handler.department
    case = services.case_assign(case=case, actor=official, lead_department=department, tier=Tier.ORDINARY)
    steps = ["measures_set", "feedback_given", "resolved"]
    for step in steps:
        if outcome == "assigned":
            return case
        if step == "measures_set":
            case = services.case_set_measures(case=case, actor=handler, tasks=[_task(department)])
        elif step == "feedback_given":
            case = services.case_give_feedback(case=case, actor=handler, feedback="已现场核实，正在按清单推进。")
        else:
            for task in case.tasks.filter(round=case.round, done_at__isnull=True):
                services.case_task_complete(case=case, task=task, actor=handler, note="已按清单完成。")
            case = services.case_resolve(case=case, actor=handler, resolution="问题已解决，已向企业说明。")
        if outcome == step:
            return case
    if outcome == "reassigned":
        return services.case_rate(case=case, actor=rater, rating=Rating.UNSATISFIED, comment="问题仍未完全解决。")
    rating = rng.choices([Rating.SATISFIED, Rating.BASICALLY_SATISFIED, Rating.UNSATISFIED], weights=[85, 13, 2])[0]
    if rating == Rating.UNSATISFIED:
        rating = Rating.BASICALLY_SATISFIED
    if rater is official:
        return services.case_rate(case=case, actor=official, rating=rating, method=RatingMethod.PHONE)
    return services.case_rate(case=case, actor=rater, rating=rating)


TIMESTAMPS = [
    "received_at",
    "accepted_at",
    "assigned_at",
    "measures_set_at",
    "feedback_at",
    "resolved_at",
    "closed_at",
    "stage_due_at",
    "assign_due_at",
    "measures_due_at",
    "feedback_due_at",
    "resolve_due_at",
]


def move_back_in_time(case_ids, delta):
    """Pretend the cases happened ``delta`` earlier, timeline included."""
    fields = {name: F(name) - delta for name in TIMESTAMPS}
    Case.objects.filter(pk__in=case_ids).update(**fields)
    # The timeline is append-only; demo data moves it with the trigger switched off.
    import pgtrigger

    with pgtrigger.ignore("complaints.CaseEvent:case_event_append_only"):
        CaseEvent.objects.filter(case_id__in=case_ids).update(created_at=F("created_at") - delta)
    CaseTask.objects.filter(case_id__in=case_ids, done_at__isnull=False).update(done_at=F("done_at") - delta)
    ReturnVisit.objects.filter(case_id__in=case_ids).update(visited_at=F("visited_at") - delta)
    _recompute_deadlines(case_ids)


def _recompute_deadlines(case_ids) -> None:
    """Deadlines moved back with their case may land on a holiday or at an odd hour;
    the real clock is run again on the moved times, so the demo shows deadlines the
    portal would have given."""
    calendar = WorkCalendar()
    stage_due = {
        Stage.ASSIGN: "assign_due_at",
        Stage.MEASURES: "measures_due_at",
        Stage.FEEDBACK: "feedback_due_at",
        Stage.RESOLVE: "resolve_due_at",
    }
    for case in Case.objects.filter(pk__in=case_ids).select_related("sla_policy"):
        policy = case.sla_policy or sla.FALLBACK_POLICY
        fields = {
            "assign_due_at": sla.stage_deadline(
                policy=policy, stage=Stage.ASSIGN, start=case.received_at, calendar=calendar
            )
        }
        if case.assigned_at:
            fields["measures_due_at"] = sla.stage_deadline(
                policy=policy, stage=Stage.MEASURES, start=case.assigned_at, calendar=calendar
            )
            fields["resolve_due_at"] = sla.resolve_deadline(policy=policy, start=case.assigned_at, calendar=calendar)
        if case.measures_set_at:
            fields["feedback_due_at"] = sla.stage_deadline(
                policy=policy, stage=Stage.FEEDBACK, start=case.measures_set_at, calendar=calendar
            )
        if case.stage and not case.suspended_at:
            fields["stage_due_at"] = fields.get(stage_due[case.stage], getattr(case, stage_due[case.stage]))
        Case.objects.filter(pk=case.pk).update(**fields)


@transaction.atomic
def seed(stdout=None) -> None:
    from complaints.walkthroughs import demo as walkthrough_demo

    _seed_cases(stdout)
    # 首席问题官 bound to a region, a cross-department case, 需长期推进 (below).
    _seed_chief_and_long_term(stdout)
    walkthrough_demo.seed(stdout)
    # 亲商管家's 走访 (complaints/visits/demo.py).
    from complaints.visits import demo as visit_demo

    visit_demo.seed(stdout)
    # 办不成事 windows and their window cases (complaints/windows/demo.py).
    from complaints.windows import demo as window_demo

    window_demo.seed(stdout)
    # 咨询 answered by the demo 管家, one overdue, one rated, one made a case (complaints/consultations/demo.py).
    from complaints.consultations import demo as consultation_demo

    consultation_demo.seed(stdout)
    # 红黄黑榜, four published quarters and 约谈 (complaints/rankings/demo.py).
    from complaints.rankings import demo as ranking_demo

    ranking_demo.seed(stdout)


def _seed_cases(stdout=None) -> None:
    if Case.objects.filter(idempotency_key__startswith=MARKER).exists():
        if stdout:
            stdout.write("Demo cases already present.")
        return
    rng = random.Random(20261121)
    official = User.objects.get(username="official")
    handlers = list(User.objects.filter(username__in=["handler", "handler2"]).select_related("department"))
    enterprise_user = User.objects.get(username="enterprise")
    enterprise_user2 = User.objects.get(username="enterprise2")
    member_enterprises = {
        enterprise_user.pk: enterprise_user.memberships.get().enterprise,
        enterprise_user2.pk: enterprise_user2.memberships.get().enterprise,
    }
    categories = {category.name: category for category in ProblemCategory.objects.all()}
    other_enterprises = list(Enterprise.objects.order_by("id")[2:120])

    for index in range(CASE_COUNT):
        category_name = rng.choice(list(PROBLEMS))
        title = rng.choice(PROBLEMS[category_name])
        channel = rng.choices(list(CHANNEL_WEIGHTS), weights=list(CHANNEL_WEIGHTS.values()))[0]
        outcome = rng.choices([o for o, _ in OUTCOMES], weights=[w for _, w in OUTCOMES])[0]
        # The first few belong to the demo enterprise users, so they have cases to follow and rate.
        if index < 12:
            filer = enterprise_user if index % 3 else enterprise_user2
            enterprise = member_enterprises[filer.pk]
            handler = handlers[0]
            outcome = ["assigned", "resolved", "feedback_given", "closed"][index % 4]
            rater = filer
            days_back = rng.randint(0, 6)
        else:
            filer = official
            enterprise = rng.choice(other_enterprises)
            handler = rng.choice(handlers)
            rater = official
            days_back = 0
        case = services.case_file(
            actor=filer,
            channel=channel if filer is official else Channel.WEB,
            title=title,
            description=f"{enterprise.name}反映：{title}，希望尽快协调解决。",
            category=categories[category_name],
            enterprise=enterprise,
            complainant_name=rng.choice(NAMES),
            complainant_phone=f"139{rng.randint(0, 99_999_999):08d}",
            is_confidential=rng.random() < 0.04,
            idempotency_key=f"{MARKER}{index}",
        )
        case = _advance(case, outcome, official=official, handler=handler, rater=rater, rng=rng)
        if case.status == Status.CLOSED and rng.random() < 0.6:
            # 回访: most closed cases have had their call; the rest wait on the 待回访 list.
            services.case_return_visit(
                case=case,
                actor=official,
                method=rng.choice([ReturnVisitMethod.PHONE, ReturnVisitMethod.WECHAT, ReturnVisitMethod.VISIT]),
                solved=True,
                handling_smooth=rng.random() < 0.9,
                explanation_complete=True,
                note="企业表示问题已解决。",
            )
        # Some open cases are left late so the flags, the sweep and the overdue list show something.
        if index >= 12:
            days_back = rng.randint(0, 2) if case.is_open else rng.randint(5, 320)
        late = case.is_open and case.stage and index >= 12 and rng.random() < 0.3
        move_back_in_time([case.pk], dt.timedelta(days=days_back + (4 if late else 0), hours=rng.randint(0, 8)))

    _seed_classes(categories)
    if stdout:
        stdout.write(f"Demo cases: {CASE_COUNT} across channels and stages, two problem classes, one typical case.")


def _seed_classes(categories) -> None:
    approvals, _ = ProblemClass.objects.get_or_create(
        name="审批材料多次退回",
        defaults={
            "category": categories["审批服务"],
            "root_cause": "审查意见未一次性告知，窗口与后台审查标准不一致。",
            "generalised_measure": "推行一次性告知清单，统一审查口径，退回须经科室负责人复核。",
        },
    )
    ProblemClass.objects.get_or_create(
        name="惠企资金兑现慢",
        defaults={
            "category": categories["政策兑现"],
            "root_cause": "资金拨付环节多，部门间材料重复审核。",
            "generalised_measure": "推行免申即享，资金兑现纳入1-2-3时限管理。",
        },
    )
    Case.objects.filter(title__startswith="施工许可审批材料", idempotency_key__startswith=MARKER).update(
        problem_class=approvals
    )
    example = Case.objects.filter(title__startswith="施工许可审批材料", status=Status.CLOSED).first()
    TypicalCase.objects.get_or_create(
        title="施工许可审批材料一次性告知，办理时间由20天压缩到5天",
        defaults={
            "case": example,
            "problem_class": approvals,
            "summary": "企业反映施工许可材料被多次退回。牵头单位统一审查口径、推行一次性告知后，同类问题不再发生。",
            "body": "企业通过政商恳谈会反映：施工许可申请材料三次被退回，每次意见不同。"
            "住建部门接单后，当天约谈审查人员，制定一次性告知清单，并对同类审批开展回头看，"
            "举一反三修订了6项审查标准。企业对办理结果表示满意。",
            "is_published": True,
            "published_at": timezone.now(),
        },
    )


LONG_TERM_MARKER = "demo-long-term-"


def _seed_chief_and_long_term(stdout=None) -> None:
    """The demo chief officer bound to 宣州区 with a cross-department case assigned to
    them, and 需长期推进 at work: one approved (late, yet out of the overdue counts), one
    request awaiting the chief officer, one whose review date has come."""
    if Case.objects.filter(idempotency_key__startswith=LONG_TERM_MARKER).exists():
        return
    from portal.models import Region

    official = User.objects.get(username="official")
    chief = User.objects.get(username="chief")
    handler = User.objects.select_related("department").get(username="handler")
    handler2 = User.objects.select_related("department").get(username="handler2")
    region = Region.objects.filter(code="341802").first() or Region.objects.filter(level=Region.Level.CITY).first()
    if chief.region_id is None and region is not None:
        chief.region = region
        chief.save(update_fields=["region"])
    categories = {category.name: category for category in ProblemCategory.objects.all()}
    enterprises = list(Enterprise.objects.filter(region__path__startswith=region.path if region else "/")[:4])
    enterprises += list(Enterprise.objects.order_by("id")[200:204])
    calendar = WorkCalendar()
    today = timezone.localdate()

    def assigned(index, title, category, **assign):
        enterprise = enterprises[index % len(enterprises)]
        case = services.case_file(
            actor=official,
            channel=Channel.HOTLINE_12345,
            title=title,
            description=f"{enterprise.name}反映：{title}。",
            category=categories[category],
            enterprise=enterprise,
            region=region,
            complainant_name=NAMES[index],
            complainant_phone=f"1390000{index:04d}",
            idempotency_key=f"{LONG_TERM_MARKER}{index}",
        )
        case = services.case_accept(case=case, actor=official)
        assign.setdefault("lead_department", handler.department)
        return services.case_assign(case=case, actor=official, **assign)

    # 跨部门: two departments, owned by the region's chief officer.
    assigned(
        0,
        "园区污水管网未接通，涉及规划、住建多个部门",
        "基础设施",
        co_departments=[handler2.department],
        tier=Tier.CROSS_DEPARTMENT,
        chief_officer=chief,
        note="涉及多个部门，由首席问题官牵头协调。",
    )

    def approved(index, title, category, reason):
        case = assigned(index, title, category)
        services.case_long_term_request(
            case=case, actor=handler, reason=reason, review_on=calendar.add_working_days(today, 20)
        )
        return services.case_long_term_decide(case=case, actor=chief, approved=True, note="同意，按季度评估进展。")

    late = approved(1, "工业用地指标迟迟未落实", "用地", "需争取省级新增建设用地指标，预计两个季度。")
    # Received weeks ago: its measures deadline has passed, yet it is not counted late.
    move_back_in_time([late.pk], dt.timedelta(days=30))
    Case.objects.filter(pk=late.pk).update(long_term_since=F("long_term_since") - dt.timedelta(days=25))
    late.long_term_requests.update(
        requested_at=F("requested_at") - dt.timedelta(days=26), decided_at=F("decided_at") - dt.timedelta(days=25)
    )
    due = approved(2, "园区道路改扩建需纳入明年城建计划", "基础设施", "需纳入年度城建计划并完成立项审批。")
    # Its review date has come: the chief officer is reminded to extend it or end it.
    Case.objects.filter(pk=due.pk).update(long_term_review_on=today)
    pending = assigned(3, "产业园区供电扩容需电网公司改造线路", "基础设施")
    services.case_long_term_request(
        case=pending,
        actor=handler,
        reason="需电网公司新建变电站，施工周期约8个月。",
        review_on=calendar.add_working_days(today, 40),
    )
    if stdout:
        stdout.write("Demo 需长期推进: two approved (one due for review), one awaiting the chief officer.")
