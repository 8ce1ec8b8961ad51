"""Demo of 联审 (001 §1: "对于审查遴选类项目，实行网上跨部门、跨层级联审"): a 审查遴选 policy
of 经信局 that asks 发改委 (the demo ``handler``) and 自然资源和规划局 (``handler2``) for their
opinions. The demo enterprise's application waits in 联审中 (自然资源和规划局 agreed, 发改委
still to answer: ``handler`` finds it under 待联审); enterprise2's went through joint review
and was approved. Made through the services, once however often ``seed_demo`` runs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from policies.models import (
    AmountRule,
    ApplicationMethod,
    JointOpinion,
    Level,
    Policy,
    PolicyCategory,
    PolicyMaterial,
    ProjectType,
)
from portal.models import Department, EnterpriseMembership, Region, User

DOCUMENT_NUMBER = "宣经信〔{year}〕联审1号"
DEMO_PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"


def seed(stdout=None) -> None:
    from policies.applications import services

    today = timezone.localdate()
    number = DOCUMENT_NUMBER.format(year=today.year)
    if Policy.objects.filter(document_number=number).exists():
        return
    departments = {
        d.short_name: d for d in Department.objects.filter(short_name__in=["经信局", "发改委", "自然资源和规划局"])
    }
    official = User.objects.filter(username="official").first()
    handler = User.objects.filter(username="handler").first()
    handler2 = User.objects.filter(username="handler2").first()
    firms = [_member_firm("enterprise"), _member_firm("enterprise2")]
    if len(departments) < 3 or None in (official, handler, handler2) or any(firm is None for firm in firms):
        return
    city = Region.objects.get(code="341800")
    policy = Policy.objects.create(
        title=f"{today.year}年度宣城市产业链协同创新项目遴选",
        short_title="产业链协同创新项目",
        document_number=number,
        issuer=departments["经信局"],
        level=Level.MUNICIPAL,
        region=city,
        category=PolicyCategory.objects.get(name="资金奖补"),
        keywords="审查遴选 联审 产业链",
        summary="择优遴选产业链上下游协同创新项目，经发改、自然资源和规划等部门联审后给予资金支持。",
        interpretation="本政策为审查遴选类项目：申报经发布部门受理后，由联审部门分别出具意见，择优确定支持名单。",
        support_type="cash",
        amount_rule=AmountRule.FIXED,
        amount_fixed=Decimal("500000"),
        amount_cap=Decimal("500000"),
        application_method=ApplicationMethod.ONLINE,
        project_type=ProjectType.SELECTION,
        joint_review_days=5,
        published_on=today - dt.timedelta(days=20),
        application_opens=today - dt.timedelta(days=20),
        application_closes=today + dt.timedelta(days=40),
        contact_department="市经信局产业发展科",
        contact_phone="0563-2020001",
        state=Policy.State.PUBLISHED,
    )
    policy.regions.set([city])
    policy.joint_review_departments.set([departments["发改委"], departments["自然资源和规划局"]])
    PolicyMaterial.objects.create(policy=policy, name="项目申报书", sort_order=1)
    PolicyMaterial.objects.create(policy=policy, name="营业执照", zero_material=True, sort_order=2)

    applications = []
    for (member, firm), note in zip(
        firms,
        [
            "联合上下游三家企业开展关键零部件协同研发，项目总投资1200万元。",
            "建设产业链协同制造平台，项目总投资800万元。",
        ],
        strict=True,
    ):
        application = services.application_start(policy=policy, enterprise=firm, actor=member)
        material = policy.materials.get(zero_material=False)
        services.application_file_add(
            application=application,
            actor=member,
            material=material,
            upload=SimpleUploadedFile("项目申报书.pdf", DEMO_PDF, content_type="application/pdf"),
            content_type="application/pdf",
        )
        application = services.application_submit(
            application=application, actor=member, declared={"note": note}, confirmed=True
        )
        application = services.application_start_review(application=application, actor=official)
        application = services.joint_review_request(application=application, actor=official)
        applications.append(application)

    waiting, completed = applications
    planning = JointOpinion.objects.get(application=waiting, department=departments["自然资源和规划局"])
    services.joint_opinion_give(
        opinion=planning, actor=handler2, verdict=JointOpinion.Opinion.AGREE, comment="项目用地符合国土空间规划。"
    )
    for opinion, actor, comment in [
        (JointOpinion.objects.get(application=completed, department=departments["发改委"]), handler, "项目已备案。"),
        (
            JointOpinion.objects.get(application=completed, department=departments["自然资源和规划局"]),
            handler2,
            "利用现有厂房，不新增用地。",
        ),
    ]:
        services.joint_opinion_give(opinion=opinion, actor=actor, verdict=JointOpinion.Opinion.AGREE, comment=comment)
    completed.refresh_from_db()
    services.application_approve(application=completed, actor=official, amount=Decimal("500000"))
    if stdout:
        stdout.write(
            "Demo 联审: a 审查遴选 policy with two joint departments, one application in joint review, one approved."
        )


def _member_firm(username: str):
    membership = (
        EnterpriseMembership.objects.filter(user__username=username, status=EnterpriseMembership.Status.APPROVED)
        .select_related("enterprise", "user")
        .first()
    )
    return (membership.user, membership.enterprise) if membership else None
