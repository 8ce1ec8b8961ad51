"""One small world for the hostile-input tests: enterprise A with a member, department X
with a handler, an official and an experience officer, and one of everything they own
(a case assigned to X, an open policy issued by X with an application from A, an announced
roundtable with A's registration, a walkthrough with a finding), all made through the
services so each object is in a state the real portal reaches."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone

from complaints import services as case_services
from complaints.consultations import services as consultation_services
from complaints.models import (
    Case,
    Consultation,
    Finding,
    ProblemCategory,
    ServiceWindow,
    Tier,
    Visit,
    VisitProblem,
    Walkthrough,
    WindowLevel,
)
from complaints.rankings import services as ranking_services
from complaints.visits import services as visit_services
from complaints.walkthroughs import services as walkthrough_services
from complaints.windows import services as window_services
from policies.applications import services as policy_services
from policies.models import Application, Policy, PolicyCategory, PolicyMaterial
from portal import roles
from portal import services as portal_services
from portal.models import Department, Enterprise, Region, User
from portal.wsgi import application
from roundtables import services as roundtable_services
from roundtables.models import Registration, Series, Session
from tests import factories


@dataclass
class World:
    city: Region
    x: Department
    enterprise_a: Enterprise
    member_a: User
    handler_x: User
    official: User
    officer: User
    case: Case
    policy: Policy
    application: Application
    session: Session
    registration: Registration
    walkthrough: Walkthrough
    finding: Finding
    consultation: Consultation
    visit: Visit
    visit_problem: VisitProblem
    window: ServiceWindow
    window_case: Case

    def user(self, role: str) -> User | None:
        return {
            "anonymous": None,
            "member": self.member_a,
            "handler": self.handler_x,
            "official": self.official,
            "officer": self.officer,
        }[role]


@pytest.fixture
def world(db, settings, tmp_path) -> World:
    settings.MEDIA_ROOT = tmp_path
    city = factories.region("341800", "宣城市", Region.Level.CITY)
    county = factories.region("341802", "宣州区", Region.Level.COUNTY, city)
    x = factories.department("宣城市发展和改革委员会", city)
    enterprise_a = factories.enterprise(name="宣城甲企业有限公司", region=county)
    member_a = factories.enterprise_user(enterprise_a, username="member_a", mobile="13900001234")
    handler_x = factories.handler(x, username="handler_x")
    official = factories.official(username="official")
    officer = factories.user(roles.EXPERIENCE_OFFICER, username="officer", full_name="体验官甲")
    category = ProblemCategory.objects.get(name="审批服务")

    case = case_services.case_file(
        actor=member_a,
        channel="web",
        title="施工许可审批材料反复退回",
        description="同一份材料被要求修改三次。",
        category=category,
        enterprise=enterprise_a,
        complainant_name="张诉求",
        complainant_phone="13912345678",
    )
    case = case_services.case_accept(case=case, actor=official)
    case = case_services.case_assign(case=case, actor=official, lead_department=x, tier=Tier.ORDINARY)

    today = timezone.localdate()
    policy = Policy.objects.create(
        title="技术改造项目奖补",
        issuer=x,
        level="municipal",
        region=city,
        category=PolicyCategory.objects.get(name="资金奖补"),
        summary="对技改投入给予奖补",
        support_type="cash",
        application_method="online",
        state=Policy.State.PUBLISHED,
        application_opens=today - dt.timedelta(days=5),
        application_closes=today + dt.timedelta(days=30),
        amount_rule="fixed",
        amount_fixed=Decimal("100000"),
        amount_cap=Decimal("100000"),
    )
    PolicyMaterial.objects.create(policy=policy, name="申请表", sort_order=1)
    application = policy_services.application_start(
        policy=policy, enterprise=enterprise_a, actor=member_a, declared={"note": "技改项目"}
    )

    series = Series.objects.create(
        name="宣城市政商恳谈会",
        region=city,
        rrule="FREQ=MONTHLY;BYDAY=1SA",
        default_venue="宣城市行政中心",
        default_capacity=4,
        default_reserved_seats=1,
    )
    starts = timezone.now() + dt.timedelta(days=10)
    session = Session.objects.create(
        series=series,
        region=city,
        year=starts.year,
        number=1,
        theme="优化营商环境 助力民营经济",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=3),
        venue="宣城市行政中心",
        capacity=4,
        reserved_seats=1,
        state=Session.State.ANNOUNCED,
        registration_closes_at=starts - dt.timedelta(days=1),
    )
    registration = roundtable_services.registration_create(
        session=session,
        actor=member_a,
        enterprise=enterprise_a,
        attendee_name="王总",
        attendee_mobile="13900001234",
    )

    walkthrough = walkthrough_services.walkthrough_start(officer=officer)
    walkthrough_services.walkthrough_save_draft(
        walkthrough=walkthrough,
        actor=officer,
        fields={"service_item": "企业开办登记", "department": x},
        findings=[{"description": "窗口要求提供可共享获取的材料", "category": category}],
    )
    consultation = consultation_services.consultation_ask(
        actor=member_a, enterprise=enterprise_a, question="高新技术企业认定需要准备哪些材料？"
    )
    steward = factories.user(roles.STEWARD, username="steward", full_name="马管家")
    portal_services.steward_assign(
        enterprises=Enterprise.objects.filter(pk=enterprise_a.pk), steward=steward, actor=official
    )
    visit = visit_services.visit_record(
        steward=steward,
        enterprise=enterprise_a,
        visited_on=today,
        people_met="张总（总经理）",
        discussed="了解生产经营情况。",
        problems=["厂房扩建用地手续推进慢"],
    )
    specialist = factories.user(roles.SPECIALIST, username="specialist", full_name="周专员")
    window = ServiceWindow.objects.create(
        name="宣州区政务服务中心办不成事窗口", level=WindowLevel.COUNTY, region=county, address="二楼"
    )
    window.specialists.add(specialist)
    window_case = window_services.window_case_register(
        window=window,
        actor=specialist,
        title="个体户变更经营范围需跑市里办理",
        description="区窗口无法受理。",
        category=category,
        complainant_name="汪女士",
        complainant_phone="13905630001",
        cause_analysis="事项未下放到区级。",
    )
    # A published 红黄黑榜, so the public rankings read has a list to answer with.
    ranking_services.ranking_publish(
        ranking=ranking_services.ranking_draft(year=2025, quarter=4, actor=official), actor=official
    )
    return World(
        consultation=consultation,
        visit=visit,
        visit_problem=visit.problems.get(),
        window=window,
        window_case=window_case,
        city=city,
        x=x,
        enterprise_a=enterprise_a,
        member_a=member_a,
        handler_x=handler_x,
        official=official,
        officer=officer,
        case=case,
        policy=policy,
        application=application,
        session=session,
        registration=registration,
        walkthrough=walkthrough,
        finding=walkthrough.findings.get(),
    )


@pytest.fixture
def wsgi_app():
    """The portal's WSGI application, called in-process. Like Django's test client, the
    requests must not close the test's connection (it holds the test's transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield application
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
