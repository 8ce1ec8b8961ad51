"""Demo policies: about a hundred across levels and categories, with titles and
elements modelled on the seeds (技改奖补, 上市挂牌奖补, 人才子女就学, 绿税贷 …), several
免申即享. The demo enterprise sees eligible, almost and unknown matches."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from policies.models import AmountRule, ApplicationMethod, Level, Policy, PolicyCategory, PolicyMaterial
from portal.models import Department, EnterpriseMembership, EnterpriseTag, Industry, Region, User

MARKER = "宣政演示"

# title, category, support type, amount rule, (fixed | rate, field, cap), conditions
TEMPLATES = [
    (
        "工业企业技术改造项目奖补",
        "资金奖补",
        "cash",
        ("percentage", "0.08", "rd_spend", "2000000"),
        {"tags_all": ["规上工业企业"], "industry": "C"},
    ),
    ("企业上市挂牌奖励", "资金奖补", "cash", ("fixed", "1000000"), {"tags_all": ["上市后备企业"]}),
    ("高新技术企业认定奖励", "科技创新", "cash", ("fixed", "200000"), {"tags_all": ["高新技术企业"]}),
    ("专精特新中小企业奖励", "资金奖补", "cash", ("fixed", "300000"), {"tags_any": ["专精特新", "专精特新“小巨人”"]}),
    (
        "企业研发费用投入补助",
        "科技创新",
        "cash",
        ("percentage", "0.1", "rd_spend", "500000"),
        {"min_rd_intensity": "0.03"},
    ),
    ("人才子女就学服务", "人才支持", "service", ("none",), {"min_employees": 50}),
    (
        "“绿税贷”纳税信用贷款贴息",
        "融资支持",
        "interest",
        ("percentage", "0.01", "tax_paid", "100000"),
        {"min_tax_paid": "200000", "tax_credit_grades": ["A", "B"]},
    ),
    ("稳岗就业补贴", "人才支持", "cash", ("per_unit", "300", "employees", "300000"), {"max_years_since_founding": 30}),
    ("小微企业房租减免", "税收优惠", "fee", ("fixed", "20000"), {"scales": ["small", "micro"]}),
    ("外贸企业出口信用保险补贴", "市场开拓", "cash", ("fixed", "50000"), {"tags_all": ["外贸企业"]}),
    ("首台套重大技术装备保险补偿", "科技创新", "cash", ("fixed", "800000"), {"industry": "34"}),
    (
        "标准地工业项目用地保障",
        "用地保障",
        "qualification",
        ("none",),
        {"min_annual_revenue": "20000000", "industry": "C"},
    ),
    ("科技型中小企业研发加计扣除辅导", "税收优惠", "service", ("none",), {"tags_all": ["科技型中小企业"]}),
    ("农业产业化龙头企业贷款贴息", "融资支持", "interest", ("fixed", "100000"), {"tags_all": ["农业产业化龙头企业"]}),
    (
        "链主企业产业链协同奖励",
        "资金奖补",
        "cash",
        ("fixed", "500000"),
        {"tags_all": ["链主企业"], "scales": ["large", "medium"]},
    ),
    ("新办企业开办费用补助", "资金奖补", "cash", ("fixed", "5000"), {"max_years_since_founding": 1}),
]
AUTO_GRANT = {"稳岗就业补贴", "小微企业房租减免", "高新技术企业认定奖励"}
LEVELS = [Level.MUNICIPAL, Level.COUNTY, Level.PROVINCIAL]


@transaction.atomic
def seed(stdout=None) -> None:
    from policies.supervision import demo as supervision_demo

    supervision_demo.seed(stdout)  # 三色图 and 督办 (#18): idempotent by itself
    if Policy.objects.filter(document_number__startswith=MARKER).exists():
        _seed_assisted(stdout)  # added after the catalogue's first seeding: idempotent by itself
        _seed_keeping(stdout)  # likewise (#18)
        return
    rng = random.Random(20261121)
    city = Region.objects.get(code="341800")
    counties = list(Region.objects.filter(parent=city))
    departments = {d.short_name: d for d in Department.objects.all()}
    issuers = [
        departments[name]
        for name in ["经信局", "发改委", "科技局", "人社局", "商务局", "税务局", "金融监管局"]
        if name in departments
    ]
    categories = {c.name: c for c in PolicyCategory.objects.all()}
    tags = {t.name: t for t in EnterpriseTag.objects.all()}
    industries = {i.code: i for i in Industry.objects.filter(code__in=["C", "34"])}
    today = timezone.localdate()
    count = 0
    editions: dict[tuple, list[Policy]] = {}
    for index in range(96):
        title, category, support, amount, conditions = TEMPLATES[index % len(TEMPLATES)]
        level = LEVELS[index % len(LEVELS)]
        region = city if level != Level.COUNTY else rng.choice(counties)
        year = 2026 - (index // len(TEMPLATES)) % 3
        place = region.name.replace("市", "").replace("县", "").replace("区", "") if level == Level.COUNTY else ""
        policy = Policy(
            title=f"{year}年度{place}{title}" if place else f"{year}年度{title}",
            short_title=title[:20],
            document_number=f"{MARKER}〔{year}〕{index + 1}号",
            issuer=rng.choice(issuers),
            level=level,
            region=region,
            category=categories[category],
            keywords=" ".join(conditions.get("tags_all", []) + conditions.get("tags_any", []) + [category]),
            summary=f"对符合条件的企业给予{title.replace('奖补', '奖励补助')}支持。",
            interpretation="本政策面向宣城市内符合条件的企业，具体以政策原文为准。",
            support_type=support,
            application_method=ApplicationMethod.AUTO_GRANT if title in AUTO_GRANT else ApplicationMethod.ONLINE,
            published_on=today - dt.timedelta(days=rng.randint(10, 300)),
            application_opens=today - dt.timedelta(days=rng.randint(40, 90)),
            application_closes=today + dt.timedelta(days=rng.randint(-30, 120)) if index % 5 else None,
            contact_department="政策咨询窗口",
            contact_phone="0563-2020000",
            state=Policy.State.PUBLISHED if index % 12 else Policy.State.DRAFT,
        )
        rule = amount[0]
        policy.amount_rule = rule
        if rule == AmountRule.FIXED:
            policy.amount_fixed = Decimal(amount[1])
        elif rule in (AmountRule.PERCENTAGE, AmountRule.PER_UNIT):
            policy.amount_rate, policy.amount_field, policy.amount_cap = (
                Decimal(amount[1]),
                amount[2],
                Decimal(amount[3]),
            )
        for key in ["min_employees", "max_years_since_founding", "scales", "tax_credit_grades"]:
            if key in conditions:
                setattr(policy, key, conditions[key])
        for key in ["min_rd_intensity", "min_tax_paid", "min_annual_revenue"]:
            if key in conditions:
                setattr(policy, key, Decimal(conditions[key]))
        # Its area (适用区域) is its region; 企业所在区划 is left for narrower lists.
        policy.save()
        if "industry" in conditions:
            policy.industries.set([industries[conditions["industry"]]])
        for key in ["tags_all", "tags_any"]:
            getattr(policy, key).set([tags[name] for name in conditions.get(key, []) if name in tags])
        PolicyMaterial.objects.bulk_create(
            [
                PolicyMaterial(policy=policy, name="申请表", sort_order=1),
                PolicyMaterial(policy=policy, name="营业执照", zero_material=True, sort_order=2),
                PolicyMaterial(policy=policy, name="上年度财务报表", zero_material=index % 2 == 0, sort_order=3),
            ]
        )
        editions.setdefault((f"{place}{title}", level), []).append(policy)
        count += 1
    _chain_editions(editions)
    _shape_demo_enterprise()
    _seed_applications(rng)
    if stdout:
        stdout.write(f"Demo policies: {count}, several 免申即享.")
    _seed_assisted(stdout)
    _seed_keeping(stdout)


def _chain_editions(editions: dict[tuple, list[Policy]]) -> None:
    """The same policy renewed each year is one family: each edition replaces the one
    before (``supersedes``), and only the newest published one stays published, as
    publishing it would have left them (policies.services.policy_publish)."""
    for family in editions.values():
        family.sort(key=lambda policy: (policy.title[:4], policy.pk))
        for older, newer in itertools.pairwise(family):
            newer.supersedes = older
            newer.save(update_fields=["supersedes"])
        published = [policy.pk for policy in family if policy.state == Policy.State.PUBLISHED]
        Policy.objects.filter(pk__in=published[:-1]).update(state=Policy.State.EXPIRED)


def _shape_demo_enterprise() -> None:
    """The demo enterprise lacks its R&D figure, so R&D-based policies are 'unknown'."""
    user = User.objects.filter(username="enterprise").first()
    if user is None:
        return
    membership = EnterpriseMembership.objects.filter(user=user).select_related("enterprise").first()
    if membership is not None:
        enterprise = membership.enterprise
        enterprise.rd_spend = None
        enterprise.save(update_fields=["rd_spend"])
        # One open policy of 发改委 the demo enterprise qualifies for, so `enterprise` can
        # apply and `handler` (发改委) can take it to payout.
        issuer = Department.objects.filter(short_name="发改委").first()
        if issuer is not None and enterprise.region_id:
            today = timezone.localdate()
            policy = Policy.objects.create(
                title=f"{today.year}年度宣城市中小企业服务券",
                short_title="中小企业服务券",
                document_number=f"{MARKER}〔{today.year}〕100号",
                issuer=issuer,
                level=Level.MUNICIPAL,
                region=Region.objects.get(code="341800"),
                category=PolicyCategory.objects.get(name="资金奖补"),
                keywords="服务券 中小企业",
                summary="向符合条件的企业发放服务券，用于购买检验检测、知识产权、管理咨询等服务。",
                support_type="voucher",
                amount_rule=AmountRule.FIXED,
                amount_fixed=Decimal("20000"),
                amount_cap=Decimal("20000"),
                application_method=ApplicationMethod.ONLINE,
                published_on=today - dt.timedelta(days=10),
                application_opens=today - dt.timedelta(days=10),
                application_closes=today + dt.timedelta(days=60),
                state=Policy.State.PUBLISHED,
            )
            PolicyMaterial.objects.create(policy=policy, name="服务需求说明", sort_order=1)
            PolicyMaterial.objects.create(policy=policy, name="营业执照", zero_material=True, sort_order=2)


def _seed_applications(rng) -> None:
    """Applications in every state, some paid, and one round of 免申即享 grants."""
    from policies.applications import services
    from policies.models import Application
    from portal.models import Enterprise
    from portal.workdays import deadline

    official = User.objects.filter(username="official").first()
    online = list(Policy.objects.filter(state=Policy.State.PUBLISHED, application_method=ApplicationMethod.ONLINE)[:14])
    enterprises = list(Enterprise.objects.order_by("id")[20:90])
    now = timezone.now()
    # 联审中 belongs to 审查遴选 policies with their opinions (policies/applications/demo.py).
    statuses = [status for status, _label in Application.Status.choices if status != Application.Status.JOINT_REVIEW]
    rows = []
    for index, policy in enumerate(online):
        for offset, status in enumerate(statuses):
            enterprise = enterprises[(index * len(statuses) + offset) % len(enterprises)]
            submitted = now - dt.timedelta(days=rng.randint(3, 40)) if status != "draft" else None
            amount = policy.amount_fixed or policy.amount_cap or Decimal("50000")
            rows.append(
                Application(
                    policy=policy,
                    enterprise=enterprise,
                    year=timezone.localdate().year,
                    status=status,
                    confirmed=status != "draft",
                    declared={"note": "按政策要求申报"},
                    eligibility={"class": "eligible", "unmet": [], "unknown": []},
                    estimated_amount=amount,
                    policy_version=policy.version,
                    submitted_at=submitted,
                    review_due_at=deadline(submitted, services.REVIEW_WORKING_DAYS) if submitted else None,
                    correction_request="请补充加盖公章的申请表。" if status == "returned" else "",
                    rejection_reason="不符合申报条件。" if status == "rejected" else "",
                    approved_amount=amount if status in ("approved", "paid") else None,
                    approved_at=submitted + dt.timedelta(days=2) if status in ("approved", "paid") else None,
                    paid_amount=amount if status == "paid" else None,
                    paid_on=(submitted + dt.timedelta(days=10)).date() if status == "paid" else None,
                    voucher_number=f"PZ-{index:03d}-{offset}" if status == "paid" else "",
                    reviewer=official if status not in ("draft", "submitted") else None,
                )
            )
    Application.objects.bulk_create(rows, ignore_conflicts=True)
    _seed_application_events(official)
    auto = Policy.objects.filter(state=Policy.State.PUBLISHED, application_method=ApplicationMethod.AUTO_GRANT).first()
    if auto is not None and official is not None:
        services.grants_confirm(policy=auto, actor=official)


def _seed_application_events(official) -> None:
    """The record (申报记录) the demo's applications would have had, step by step: the
    enterprise's first member applies and submits, the official reviews and decides."""
    from policies.models import Application, ApplicationEvent
    from portal.models import EnterpriseMembership

    applications = list(Application.objects.filter(is_auto_grant=False, events__isnull=True).order_by("id"))
    members = {}
    for membership in EnterpriseMembership.objects.filter(
        enterprise__in={a.enterprise_id for a in applications}, status=EnterpriseMembership.Status.APPROVED
    ).order_by("id"):
        members.setdefault(membership.enterprise_id, membership.user_id)
    Kind, Status = ApplicationEvent.Kind, Application.Status
    events = []
    for application in applications:
        member = members.get(application.enterprise_id)
        submitted = application.submitted_at
        opened = (submitted or timezone.now()) - dt.timedelta(days=1)

        def add(kind, when, actor_id, before, after, amount=None, note="", application=application):
            events.append(
                ApplicationEvent(
                    application=application,
                    kind=kind,
                    actor_id=actor_id,
                    created_at=when,
                    from_status=before,
                    to_status=after,
                    amount=amount,
                    note=note,
                )
            )

        add(Kind.STARTED, opened, member, "", Status.DRAFT)
        if submitted is None:
            continue
        add(Kind.SUBMITTED, submitted, member, Status.DRAFT, Status.SUBMITTED, application.estimated_amount)
        if application.status == Status.SUBMITTED:
            continue
        reviewing = submitted + dt.timedelta(days=1)
        add(Kind.REVIEW_STARTED, reviewing, official.pk, Status.SUBMITTED, Status.UNDER_REVIEW)
        decided = reviewing + dt.timedelta(hours=3)
        if application.status == Status.RETURNED:
            add(
                Kind.RETURNED,
                decided,
                official.pk,
                Status.UNDER_REVIEW,
                Status.RETURNED,
                None,
                application.correction_request,
            )
        elif application.status == Status.REJECTED:
            add(
                Kind.REJECTED,
                decided,
                official.pk,
                Status.UNDER_REVIEW,
                Status.REJECTED,
                None,
                application.rejection_reason,
            )
        elif application.status in (Status.APPROVED, Status.PAID):
            add(
                Kind.APPROVED,
                application.approved_at,
                official.pk,
                Status.UNDER_REVIEW,
                Status.APPROVED,
                application.approved_amount,
            )
        if application.status == Status.PAID:
            paid = timezone.make_aware(dt.datetime.combine(application.paid_on, dt.time(10)))
            note = f"兑付日期 {application.paid_on.isoformat()}，凭证号 {application.voucher_number}"
            add(Kind.PAID, paid, official.pk, Status.APPROVED, Status.PAID, application.paid_amount, note)
    ApplicationEvent.objects.bulk_create(events)


DEMO_PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"


def _member_firm(username: str):
    membership = (
        EnterpriseMembership.objects.filter(user__username=username, status=EnterpriseMembership.Status.APPROVED)
        .select_related("enterprise", "user")
        .first()
    )
    return (membership.user, membership.enterprise) if membership else (None, None)


def _open_policies_for(enterprise, count: int) -> list[Policy]:
    """Open online policies the enterprise has no application for this year."""
    from policies.models import Application

    today = timezone.localdate()
    taken = Application.objects.filter(enterprise=enterprise, year=today.year).values("policy_id")
    return list(
        Policy.objects.filter(Policy.open_q(today), application_method=ApplicationMethod.ONLINE)
        .exclude(pk__in=taken)
        .order_by("id")[:count]
    )


def _fill_in(application, actor, note: str) -> None:
    """What the preparer types and uploads, as the enterprise would."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from policies.applications import services

    for material in application.policy.materials.filter(zero_material=False):
        services.application_file_add(
            application=application,
            actor=actor,
            material=material,
            upload=SimpleUploadedFile(f"{material.name}.pdf", DEMO_PDF, content_type="application/pdf"),
            content_type="application/pdf",
        )
    services.application_save_draft(application=application, actor=actor, declared={"note": note})


def _seed_assisted(stdout=None) -> None:
    """帮办代办 and 一企一策 at work: 马管家 (steward) prepared two applications for the demo
    enterprise — one awaiting its member's confirmation, one the member confirmed and
    submitted — and a 一企一策 report; enterprise2's firm granted a standing mandate and
    周营商 (official) submitted an application under it. Each part once."""
    from policies.applications import services
    from policies.models import Application, ApplicationMandate, PolicyPlan
    from policies.plans.services import plan_create

    steward = User.objects.filter(username="steward").first()
    official = User.objects.filter(username="official").first()
    member, firm = _member_firm("enterprise")
    if steward is None or official is None or firm is None:
        return
    done = []
    if not Application.objects.filter(prepared_by=steward, enterprise=firm).exists():
        policies = _open_policies_for(firm, 2)
        for index, policy in enumerate(policies):
            application = services.application_prepare(policy=policy, enterprise=firm, actor=steward)
            _fill_in(application, steward, "马管家上门走访时了解项目情况后代为填报，请企业核对投资额。")
            services.application_send_to_confirm(application=application, actor=steward)
            if index == 1:
                services.application_submit(application=application, actor=member, confirmed=True)
        done.append(f"{len(policies)} applications prepared by steward")
    if not PolicyPlan.objects.filter(enterprise=firm, prepared_by=steward).exists():
        plan_create(
            enterprise=firm,
            actor=steward,
            recommendations=(
                "一、本月内完成可享受政策的申报，管家可帮办代办；\n"
                "二、补充研发投入数据，以便判断研发类政策；\n"
                "三、争取专精特新认定，可增加享受的奖补。"
            ),
        )
        done.append("a 一企一策 report")
    member2, firm2 = _member_firm("enterprise2")
    if firm2 is not None and not ApplicationMandate.objects.filter(enterprise=firm2).exists():
        services.mandate_grant(enterprise=firm2, actor=member2, agreed=True)
        for policy in _open_policies_for(firm2, 1):
            application = services.application_prepare(policy=policy, enterprise=firm2, actor=official)
            _fill_in(application, official, "依企业委托代为填报。")
            services.application_submit(application=application, actor=official)
        done.append("a standing mandate with an application submitted under it")
    if stdout and done:
        stdout.write("Demo 帮办代办: " + ", ".join(done) + ".")


def _seed_keeping(stdout=None) -> None:
    """Policies kept by their issuers (#18): `handler` (发改委) has a draft of their own and
    one awaiting the 营商办 (returned once with a reason, corrected and resubmitted); two
    of 发改委's published policies were updated by `handler` (new versions, with reasons)
    and one policy by `official`, so the 修订记录 show something. Once."""
    from policies import services
    from policies.models import PolicyRevision

    handler = User.objects.filter(username="handler").select_related("department").first()
    official = User.objects.filter(username="official").first()
    if handler is None or official is None or handler.department is None:
        return
    if PolicyRevision.objects.filter(actor=handler).exists():
        return
    today = timezone.localdate()
    common = {
        "level": Level.MUNICIPAL,
        "region": Region.objects.get(code="341800"),
        "category": PolicyCategory.objects.get(name="资金奖补"),
        "support_type": "cash",
        "application_method": ApplicationMethod.ONLINE,
        "contact_department": "市发展改革委中小企业服务科",
        "contact_person": "李科长",
        "contact_phone": "0563-2021234",
    }
    services.policy_create(
        actor=handler,
        data={
            **common,
            "title": f"{today.year}年度宣城市服务业集聚区建设奖补",
            "short_title": "服务业集聚区奖补",
            "document_number": f"{MARKER}〔{today.year}〕200号",
            "summary": "对新认定的市级服务业集聚区给予一次性奖补。",
            "amount_rule": AmountRule.FIXED,
            "amount_fixed": Decimal("500000"),
        },
        reason="根据市政府常务会议精神起草",
    )
    reviewed = services.policy_create(
        actor=handler,
        data={
            **common,
            "title": f"{today.year}年度宣城市重点项目前期工作经费补助",
            "short_title": "项目前期经费补助",
            "document_number": f"{MARKER}〔{today.year}〕201号",
            "summary": "对列入市重点项目库的项目，按前期工作费用的一定比例给予补助。",
            "project_type": "selection",
            "amount_rule": AmountRule.PERCENTAGE,
            "amount_field": "rd_spend",
            "amount_rate": Decimal("0.2"),
            "amount_cap": Decimal("300000"),
        },
        reason="年度政策起草",
    )
    services.policy_submit(policy=reviewed, actor=handler, reason="请审核发布")
    services.policy_return(policy=reviewed, actor=official, reason="请补充申报起止时间。")
    services.policy_update(
        policy=reviewed,
        actor=handler,
        data={"application_opens": today + dt.timedelta(days=7), "application_closes": today + dt.timedelta(days=67)},
        reason="补充申报时间",
    )
    services.policy_submit(policy=reviewed, actor=handler, reason="已按要求补充")
    published = list(
        Policy.objects.filter(
            issuer=handler.department, state=Policy.State.PUBLISHED, document_number__startswith=MARKER
        ).order_by("pk")[:2]
    )
    for index, policy in enumerate(published):
        if index == 0:
            data = {"contact_phone": "0563-2025678", "contact_person": "王科长"}
            reason = "咨询电话和联系人变更"
        else:
            data = {"application_closes": (policy.application_closes or today) + dt.timedelta(days=30)}
            reason = "申报截止日期延长30天"
        services.policy_update(policy=policy, actor=handler, data=data, reason=reason)
    other = (
        Policy.objects.filter(state=Policy.State.PUBLISHED, document_number__startswith=MARKER)
        .exclude(issuer=handler.department)
        .order_by("pk")
        .first()
    )
    if other is not None:
        services.policy_update(
            policy=other,
            actor=official,
            data={"keywords": f"{other.keywords} 惠企政策".strip()},
            reason="补充检索关键词",
        )
    if stdout:
        stdout.write(
            "Demo 政策修订: handler's draft and one awaiting 审核发布, "
            f"{len(published) + (other is not None)} published policies updated."
        )
