"""Demo roundtables: the 宣城 series with twelve held sessions in the past year
(attendance, appeals as cases in various states) and two announced upcoming ones
with seats left; a monthly 企业接待日 (six held days with booked time slots, the
leader and departments present, appeals some of them solved, and one coming day with
free slots) and a weekly 直通车 in 湖州's manner. Idempotent: nothing is added to a
series that already has sessions."""

from __future__ import annotations

import datetime as dt
import random

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from complaints import services as case_services
from complaints.demo import move_back_in_time
from complaints.models import ProblemCategory, Rating
from portal.models import Department, Enterprise, Region, User
from roundtables import services
from roundtables.models import Appeal, Registration, Series, Session, Slot

THEMES = [
    "优化营商环境 助力民营经济发展",
    "破解企业融资难题",
    "工业用地保障与标准地改革",
    "惠企政策直达快享",
    "人才引育与稳岗就业",
    "科技创新与成果转化",
    "政务服务“一件事一次办”",
    "外贸企业稳订单拓市场",
    "专精特新企业培育",
    "园区基础设施配套",
    "涉企执法检查规范",
    "产业链协同发展",
]
CHAIRS = "市委书记\n市长\n常务副市长"
APPEALS = [
    ("厂房扩建用地审批进度慢", "用地"),
    ("技改补贴兑现周期长", "政策兑现"),
    ("中小企业贷款抵押物不足", "融资"),
    ("熟练技工招聘困难", "人才招工"),
    ("园区道路破损影响物流", "基础设施"),
    ("同一事项多部门重复检查", "执法监管"),
    ("研发费用加计扣除政策不清楚", "科技创新"),
    ("施工许可材料反复退回", "审批服务"),
]


def _first_saturday(month_start: dt.date) -> dt.date:
    return month_start + dt.timedelta(days=(5 - month_start.weekday()) % 7)


@transaction.atomic
def seed(stdout=None) -> None:
    city = Region.objects.get(code="341800")
    series, _ = Series.objects.get_or_create(
        name="宣城市政商恳谈会",
        defaults={
            "name_en": "Xuancheng Government–Enterprise Roundtable",
            "region": city,
            "host_department": Department.objects.filter(short_name="发改委").first(),
            "rrule": "FREQ=MONTHLY;BYDAY=1SA",
            "default_venue": "宣城市行政中心第一会议室",
            "default_capacity": 30,
            "default_reserved_seats": 10,
        },
    )
    done = []
    if not series.sessions.exists():
        _seed_roundtables(series, city)
        done.append("12 held sessions with appeals as cases, 2 announced")
    if _seed_reception_days(city):
        done.append("6 reception days with booked slots and appeals, 1 announced with free slots")
    if _seed_direct_line(city):
        done.append("4 weekly 直通车 sessions held, 2 announced")
    # One line for the console (make run keeps it short).
    if stdout and done:
        stdout.write(f"Demo roundtables: {'; '.join(done)}.")


def _seed_roundtables(series: Series, city: Region) -> None:
    rng = random.Random(20261121)
    official = User.objects.get(username="official")
    handler = User.objects.get(username="handler")
    enterprise_user = User.objects.get(username="enterprise")
    demo_enterprise = enterprise_user.memberships.get().enterprise
    enterprises = list(Enterprise.objects.order_by("id")[2:160])
    categories = {category.name: category for category in ProblemCategory.objects.all()}
    today = timezone.localdate()
    first_of_month = today.replace(day=1)

    for index in range(12, 0, -1):
        day = _first_saturday(first_of_month - relativedelta(months=index))
        starts = timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))
        session = Session.objects.create(
            series=series,
            region=city,
            year=day.year,
            number=Session.objects.filter(series=series, year=day.year, parent__isnull=True).count() + 1,
            theme=THEMES[index - 1],
            chairs=CHAIRS,
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=3),
            venue=series.default_venue,
            capacity=30,
            reserved_seats=10,
            state=Session.State.CLOSED if index > 2 else Session.State.FOLLOWING_UP,
            published_at=starts - dt.timedelta(days=7),
            registration_closes_at=services.default_registration_close(starts),
            minutes="会议听取企业诉求，逐条明确承办单位和办理时限。",
        )
        attendees = rng.sample(enterprises, rng.randint(10, 18))
        if index == 1:
            attendees.append(demo_enterprise)
        Registration.objects.bulk_create(
            Registration(
                session=session,
                enterprise=enterprise,
                attendee_name=rng.choice(["张总", "李董", "王经理", "陈总"]),
                attendee_title="总经理",
                attendee_mobile=f"139{rng.randint(0, 99_999_999):08d}",
                status=Registration.Status.CONFIRMED,
                checked_in_at=starts + dt.timedelta(minutes=rng.randint(-20, 5)) if rng.random() < 0.9 else None,
            )
            for enterprise in attendees
        )
        for enterprise in rng.sample(attendees, min(len(attendees), rng.randint(2, 4))):
            title, category = rng.choice(APPEALS)
            appeal = services.appeal_file(
                session=session,
                actor=official,
                enterprise=enterprise,
                title=title,
                description=f"{enterprise.name}在{session}上反映：{title}。",
                category=categories[category],
                source=Appeal.Source.ON_SITE,
                on_site_answer="相关部门现场表态，会后按1-2-3机制办理。",
                complainant_name="企业负责人",
            )
            _progress(appeal.case, official=official, handler=handler, rng=rng, recent=index <= 1)
            move_back_in_time([appeal.case.pk], timezone.now() - starts)

    # The next two first Saturdays at least a week away, as the rule would have it.
    upcoming = [
        day
        for day in (_first_saturday(first_of_month + relativedelta(months=n)) for n in range(0, 4))
        if day >= today + dt.timedelta(days=7)
    ][:2]
    for day, theme in zip(upcoming, ("民营企业高质量发展", "新春开局稳增长"), strict=True):
        starts = timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))
        session = Session.objects.create(
            series=series,
            region=city,
            year=day.year,
            number=Session.objects.filter(series=series, year=day.year, parent__isnull=True).count() + 1,
            theme=theme,
            chairs=CHAIRS,
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=3),
            venue=series.default_venue,
            capacity=30,
            reserved_seats=10,
        )
        services.session_publish(session=session, actor=official, reason="演示数据")
        for enterprise in rng.sample(enterprises, 6):
            Registration.objects.create(
                session=session,
                enterprise=enterprise,
                attendee_name="刘总",
                attendee_mobile="13900005678",
                status=Registration.Status.CONFIRMED,
            )


def _progress(case, *, official, handler, rng, recent):
    """Most appeals of past sessions are resolved and rated; recent ones are still open."""
    outcome = rng.choices(["assigned", "resolved", "closed"], weights=[0, 1, 6] if not recent else [4, 2, 1])[0]
    department = handler.department
    case = case_services.case_assign(case=case, actor=official, lead_department=department)
    if outcome == "assigned":
        return case
    case = case_services.case_set_measures(
        case=case,
        actor=handler,
        tasks=[
            {
                "task": "研究解决方案",
                "measure": "牵头单位会同相关部门现场办公",
                "deadline": timezone.localdate() + dt.timedelta(days=10),
                "department": department,
                "responsible_person": "分管负责人",
            }
        ],
    )
    case = case_services.case_give_feedback(case=case, actor=handler, feedback="已向企业反馈办理方案。")
    for task in case.tasks.filter(round=case.round, done_at__isnull=True):
        case_services.case_task_complete(case=case, task=task, actor=handler, note="已现场办公解决。")
    case = case_services.case_resolve(case=case, actor=handler, resolution="问题已解决。")
    if outcome == "closed":
        case = case_services.case_rate(case=case, actor=official, rating=Rating.SATISFIED, method="phone")
    return case


# --- 企业接待日 and 直通车 ----------------------------------------------------------------

RECEPTION_DEPARTMENTS = ["发改委", "经信局", "自然资源和规划局", "市场监管局", "人社局", "税务局"]
RECEPTION_APPEALS = [
    ("企业开办后社保登记仍需跑窗口", "审批服务"),
    ("标准厂房租金补贴申请进度", "政策兑现"),
    ("项目环评与能评能否并联办理", "审批服务"),
    ("园区周边公交线路调整", "基础设施"),
    ("高新技术企业认定材料咨询", "科技创新"),
    ("留抵退税到账时间", "政策兑现"),
]


def _some_enterprises(start: int, stop: int) -> list[Enterprise]:
    """Demo firms of their own for a series (the 300 generated ones), or all there are
    when fewer were generated."""
    enterprises = list(Enterprise.objects.order_by("id")[start:stop])
    return enterprises if len(enterprises) >= 10 else list(Enterprise.objects.order_by("id")[:stop])


def _slot_session(series, city, *, day, start, minutes, slots, state, theme, leader=("", "")):
    """A session of a slot kind on ``day``, with ``slots`` slots of ``minutes`` each."""
    starts = timezone.make_aware(dt.datetime.combine(day, start))
    ends = starts + dt.timedelta(minutes=minutes * slots)
    session = Session.objects.create(
        series=series,
        region=city,
        year=day.year,
        number=Session.objects.filter(series=series, year=day.year, parent__isnull=True).count() + 1,
        theme=theme,
        leader_title=leader[0],
        leader_name=leader[1],
        starts_at=starts,
        ends_at=ends,
        venue=series.default_venue,
        capacity=slots,
        reserved_seats=0,
        state=state,
        published_at=starts - dt.timedelta(days=7) if state != Session.State.DRAFT else None,
        registration_closes_at=services.default_registration_close(starts),
    )
    Slot.objects.bulk_create(
        Slot(
            session=session,
            starts_at=starts + dt.timedelta(minutes=minutes * n),
            ends_at=starts + dt.timedelta(minutes=minutes * (n + 1)),
            capacity=1,
        )
        for n in range(slots)
    )
    return session


def _held_with_bookings(session, firms, *, official, handler, categories, rng, appeals_per_firm, recent):
    """Each firm booked a slot and was checked in on arrival; it raised appeals on site,
    filed as cases received that day and taken through the 1-2-3 steps."""
    slots = list(session.slots.order_by("starts_at"))
    Registration.objects.bulk_create(
        Registration(
            session=session,
            enterprise=enterprise,
            slot=slot,
            attendee_name=rng.choice(["张总", "李董", "王经理", "陈总"]),
            attendee_title="总经理",
            attendee_mobile=f"139{rng.randint(0, 99_999_999):08d}",
            status=Registration.Status.CONFIRMED,
            checked_in_at=slot.starts_at - dt.timedelta(minutes=rng.randint(2, 10)),
        )
        for enterprise, slot in zip(firms, slots, strict=False)
    )
    registrations = {r.enterprise_id: r for r in session.registrations.all()}
    for enterprise in firms:
        for _ in range(appeals_per_firm(rng)):
            title, category = rng.choice(RECEPTION_APPEALS)
            appeal = services.appeal_file(
                session=session,
                actor=official,
                enterprise=enterprise,
                title=title,
                description=f"{enterprise.name}在{session}上反映：{title}。",
                category=categories[category],
                source=Appeal.Source.ON_SITE,
                registration=registrations.get(enterprise.pk),
                on_site_answer="领导现场听取，相关部门当场答复处理意见。",
                complainant_name="企业负责人",
            )
            _progress(appeal.case, official=official, handler=handler, rng=rng, recent=recent)
            move_back_in_time([appeal.case.pk], timezone.now() - session.starts_at)


def _seed_reception_days(city: Region) -> bool:
    """宣城市企业接待日: the third Thursday of each month, the mayor with six departments
    receiving five firms a morning in half-hour slots (湘潭's "开展6次，接待企业30家")."""
    series, _ = Series.objects.get_or_create(
        name="宣城市企业接待日",
        defaults={
            "name_en": "Xuancheng Enterprise Reception Day",
            "kind": Series.Kind.RECEPTION_DAY,
            "region": city,
            "host_department": Department.objects.filter(short_name="经信局").first(),
            "rrule": "FREQ=MONTHLY;BYDAY=3TH",
            "default_start_time": dt.time(9, 0),
            "default_duration_minutes": 180,
            "default_venue": "宣城市政务服务中心企业接待室",
            "default_capacity": 6,
            "default_reserved_seats": 0,
        },
    )
    if series.sessions.exists():
        return False
    rng = random.Random(20260315)
    official = User.objects.get(username="official")
    handler = User.objects.get(username="handler")
    enterprises = _some_enterprises(160, 260)
    categories = {category.name: category for category in ProblemCategory.objects.all()}
    departments = list(Department.objects.filter(short_name__in=RECEPTION_DEPARTMENTS, region=city))
    today = timezone.localdate()
    first_of_month = today.replace(day=1)

    def third_thursday(month_start: dt.date) -> dt.date:
        return month_start + dt.timedelta(days=(3 - month_start.weekday()) % 7 + 14)

    leaders = [("市长", "周建国"), ("常务副市长", "吴明远"), ("副市长", "孙立新")]
    for index in range(6, 0, -1):
        day = third_thursday(first_of_month - relativedelta(months=index))
        session = _slot_session(
            series,
            city,
            day=day,
            start=dt.time(9, 0),
            minutes=30,
            slots=6,
            state=Session.State.CLOSED if index > 1 else Session.State.FOLLOWING_UP,
            theme="市领导率职能部门现场接待企业",
            leader=leaders[index % len(leaders)],
        )
        session.departments.set(departments)
        firms = rng.sample(enterprises, 5)
        _held_with_bookings(
            session,
            firms,
            official=official,
            handler=handler,
            categories=categories,
            rng=rng,
            appeals_per_firm=lambda r: r.choice([1, 2, 2, 3]),
            recent=index <= 1,
        )

    # The coming reception day, published, its slots still free but one.
    day = next(
        d
        for d in (third_thursday(first_of_month + relativedelta(months=n)) for n in range(0, 3))
        if d >= today + dt.timedelta(days=3)
    )
    session = _slot_session(
        series,
        city,
        day=day,
        start=dt.time(9, 0),
        minutes=30,
        slots=6,
        state=Session.State.DRAFT,
        theme="市领导率职能部门现场接待企业",
        leader=leaders[0],
    )
    session.departments.set(departments)
    services.session_publish(session=session, actor=official, reason="演示数据")
    services.registration_create(
        session=session,
        actor=official,
        enterprise=rng.choice(enterprises),
        attendee_name="刘总",
        attendee_mobile="13900005678",
        slot=session.slots.order_by("starts_at").first(),
    )
    return True


def _seed_direct_line(city: Region) -> bool:
    """周三亲清直通车 (湖州's weekly session): every Wednesday afternoon, four firms in
    half-hour slots, a department head receiving."""
    series, _ = Series.objects.get_or_create(
        name="周三亲清直通车",
        defaults={
            "name_en": "Wednesday Government–Enterprise Direct Line",
            "kind": Series.Kind.DIRECT_LINE,
            "region": city,
            "host_department": Department.objects.filter(short_name="发改委").first(),
            "rrule": "FREQ=WEEKLY;BYDAY=WE",
            "default_start_time": dt.time(14, 30),
            "default_duration_minutes": 120,
            "default_venue": "宣城市行政中心亲清会客厅",
            "default_capacity": 4,
            "default_reserved_seats": 0,
        },
    )
    if series.sessions.exists():
        return False
    rng = random.Random(20260401)
    official = User.objects.get(username="official")
    handler = User.objects.get(username="handler")
    enterprises = _some_enterprises(40, 140)
    categories = {category.name: category for category in ProblemCategory.objects.all()}
    today = timezone.localdate()
    last_wednesday = today - dt.timedelta(days=(today.weekday() - 2) % 7 or 7)
    for weeks in range(4, 0, -1):
        day = last_wednesday - dt.timedelta(weeks=weeks - 1)
        session = _slot_session(
            series,
            city,
            day=day,
            start=dt.time(14, 30),
            minutes=30,
            slots=4,
            state=Session.State.CLOSED if weeks > 1 else Session.State.FOLLOWING_UP,
            theme="企业家直通 部门面对面",
            leader=("发改委主任", "钱正德"),
        )
        _held_with_bookings(
            session,
            rng.sample(enterprises, rng.randint(2, 4)),
            official=official,
            handler=handler,
            categories=categories,
            rng=rng,
            appeals_per_firm=lambda r: r.choice([0, 1, 1]),
            recent=weeks <= 1,
        )
    for weeks in (1, 2):
        day = last_wednesday + dt.timedelta(weeks=weeks + 1)
        session = _slot_session(
            series,
            city,
            day=day,
            start=dt.time(14, 30),
            minutes=30,
            slots=4,
            state=Session.State.DRAFT,
            theme="企业家直通 部门面对面",
            leader=("发改委主任", "钱正德"),
        )
        services.session_publish(session=session, actor=official, reason="演示数据")
    return True
