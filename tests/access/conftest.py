"""One world for the access-control tests: the ten roles of the portal and real
objects owned by enterprise A and department X (a confidential case with an
attachment, an application with a file, a registration, an invitation and an
appeal, a submitted walkthrough with a photo, a policy and a roundtable with
attachments, a notification, a typical case)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
from axes.models import AccessFailureLog
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from django_q.models import OrmQ, Task
from rest_framework.authtoken.models import Token

from complaints import services as case_services
from complaints.consultations import services as consultation_services
from complaints.models import (
    ExperienceOfficer,
    ProblemCategory,
    ProblemClass,
    QuarterRanking,
    RankingEntry,
    RankingList,
    RankingRule,
    ServiceWindow,
    Tier,
    TypicalCase,
    Walkthrough,
    WindowLevel,
)
from complaints.rankings import services as ranking_services
from complaints.visits import services as visit_services
from complaints.walkthroughs import services as walkthrough_services
from complaints.windows import services as window_services
from policies.applications import services as policy_services
from policies.models import (
    ApplicationFile,
    ColourThreshold,
    MonthlySnapshot,
    Policy,
    PolicyAttachment,
    PolicyCategory,
    SupervisionNotice,
)
from policies.plans import services as plan_services
from portal import roles
from portal import services as portal_services
from portal.models import Announcement, CalendarDay, Enterprise, EnterpriseTag, HolidaySchedule, Region
from roundtables import services as roundtable_services
from roundtables.models import Series, Session, SessionAttachment
from tests import factories
from tests.complaints.test_views import PNG
from tests.complaints.test_walkthroughs import _post_data

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"

# The columns of the access table, in order.
ROLES = [
    "anonymous",
    "member_a",
    "member_b",
    "handler_x",
    "handler_y",
    "official",
    "chief",
    "officer",
    "steward",
    "specialist",
]


@dataclass
class World:
    users: dict = field(default_factory=dict)
    clients: dict = field(default_factory=dict)
    objects: dict = field(default_factory=dict)

    def __getattr__(self, name):
        try:
            return self.__dict__["objects"][name]
        except KeyError:
            raise AttributeError(name) from None


@pytest.fixture
def world(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    w = World()
    city = factories.region("341800", "宣城市", Region.Level.CITY)
    x = factories.department("宣城市发展和改革委员会", city)
    y = factories.department("宣城市自然资源和规划局", city)
    enterprise_a = factories.enterprise(name="宣城甲企业有限公司", region=city)
    enterprise_b = factories.enterprise(name="宣城乙企业有限公司", region=city)
    users = {
        "anonymous": None,
        "member_a": factories.enterprise_user(
            enterprise_a, username="member_a", full_name="张保密", mobile="13900000001"
        ),
        "member_b": factories.enterprise_user(enterprise_b, username="member_b", mobile="13900000002"),
        "handler_x": factories.handler(x, username="handler_x"),
        "handler_y": factories.handler(y, username="handler_y"),
        "official": factories.official(username="official"),
        "chief": factories.user(roles.CHIEF_PROBLEM_OFFICER, username="chief", is_staff=True),
        "officer": factories.user(roles.EXPERIENCE_OFFICER, username="officer", full_name="何体验"),
        # Enterprise A's 亲商管家 (assigned below).
        "steward": factories.user(roles.STEWARD, username="steward", full_name="马管家", work_phone="0563-3021234"),
        "specialist": factories.user(roles.SPECIALIST, username="specialist", full_name="周专员"),
    }
    w.users = users
    for role, account in users.items():
        client = Client()
        if account is not None:
            client.force_login(account)
        w.clients[role] = client
    official, member_a = users["official"], users["member_a"]

    # A confidential case of enterprise A, assigned to department X, with an attachment.
    category = ProblemCategory.objects.get(name="审批服务")
    case = case_services.case_file(
        actor=member_a,
        channel="web",
        title="施工许可审批材料反复退回",
        description="同一份材料被要求修改三次。",
        category=category,
        enterprise=enterprise_a,
        complainant_name="张保密",
        complainant_phone="13912345678",
        complainant_email="secret-zhang@example.com",
        is_confidential=True,
        attachments=[SimpleUploadedFile("材料.png", PNG, content_type="image/png")],
    )
    case = case_services.case_accept(case=case, actor=official)
    case = case_services.case_assign(case=case, actor=official, lead_department=x, tier=Tier.ORDINARY)
    # Its four lists, so a task can be signed off (销号).
    case = case_services.case_set_measures(
        case=case,
        actor=users["handler_x"],
        tasks=[
            {
                "task": "统一审查口径",
                "measure": "一次性告知全部修改意见",
                "deadline": timezone.localdate() + dt.timedelta(days=5),
                "department": x,
                "responsible_person": "李科长",
            }
        ],
    )
    typical = TypicalCase.objects.create(
        case=case, title="审批材料一次告知", summary="摘要", body="正文", is_published=True, published_at=timezone.now()
    )

    # A published policy of department X with its document, and A's submitted application with a file.
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
    )
    draft_policy = Policy.objects.create(
        title="尚未发布的政策",
        issuer=x,
        level="municipal",
        region=city,
        category=PolicyCategory.objects.get(name="资金奖补"),
        summary="草稿",
        support_type="cash",
        application_method="online",
        state=Policy.State.DRAFT,
    )
    policy_attachment = PolicyAttachment(policy=policy, title="政策原文", file=ContentFile(PDF, name="原文.pdf"))
    policy_attachment.full_clean()
    policy_attachment.save()
    draft_attachment = PolicyAttachment(policy=draft_policy, title="草稿原文", file=ContentFile(PDF, name="草稿.pdf"))
    draft_attachment.full_clean()
    draft_attachment.save()
    application = policy_services.application_start(policy=policy, enterprise=enterprise_a, actor=member_a)
    application_file = ApplicationFile.objects.create(
        application=application,
        file=ContentFile(PDF, name="营业执照.pdf"),
        original_name="营业执照.pdf",
        content_type="application/pdf",
        size=len(PDF),
    )
    application = policy_services.application_submit(application=application, actor=member_a, confirmed=True)

    # A published roundtable A signed up for and was invited to, with an appeal and materials.
    series = Series.objects.create(
        name="宣城市政商恳谈会", region=city, rrule="FREQ=MONTHLY;BYDAY=1SA", default_capacity=10
    )
    starts = timezone.now() + dt.timedelta(days=10)
    session = Session.objects.create(
        series=series,
        region=city,
        year=starts.year,
        number=1,
        theme="优化营商环境",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=3),
        venue="宣城市行政中心",
        capacity=10,
        reserved_seats=2,
        state=Session.State.ANNOUNCED,
        registration_closes_at=starts - dt.timedelta(days=1),
    )
    draft_session = Session.objects.create(
        series=series,
        region=city,
        year=starts.year,
        number=2,
        theme="尚未发布",
        starts_at=starts + dt.timedelta(days=30),
        ends_at=starts + dt.timedelta(days=30, hours=3),
        venue="宣城市行政中心",
        capacity=10,
        state=Session.State.DRAFT,
    )
    session_attachment = SessionAttachment.objects.create(
        session=session, title="会议议程", file=ContentFile(PDF, name="议程.pdf")
    )
    draft_session_attachment = SessionAttachment.objects.create(
        session=draft_session, title="草稿议程", file=ContentFile(PDF, name="草稿议程.pdf")
    )
    roundtable_services.invitations_send(session=session, enterprises=[enterprise_a], actor=official)
    registration = roundtable_services.registration_create(
        session=session,
        actor=member_a,
        enterprise=enterprise_a,
        attendee_name="陈企业",
        attendee_mobile="13900000001",
    )
    appeal = roundtable_services.appeal_file(
        session=session,
        actor=member_a,
        enterprise=enterprise_a,
        title="园区道路破损",
        description="希望尽快修复。",
        source="written",
        category=category,
        complainant_name="陈企业",
        complainant_phone="13900000001",
    )

    # A submitted walkthrough of the experience officer, with a photo on its finding.
    officer_client = w.clients["officer"]
    walkthrough = walkthrough_services.walkthrough_start(officer=users["officer"])
    data = _post_data(walkthrough, department=x.pk)
    data["findings-0-photos"] = [SimpleUploadedFile("现场.png", PNG, content_type="image/png")]
    response = officer_client.post(f"/walkthroughs/{walkthrough.pk}/edit/", {**data, "submit": "1"})
    assert response.status_code == 302, response.content.decode()[:2000]
    walkthrough.refresh_from_db()
    assert walkthrough.status != Walkthrough.Status.DRAFT
    finding = walkthrough.findings.get()
    photo = finding.photos.get()

    notification = portal_services.notification_send(
        recipient=member_a, kind="test", title="您的诉求已交办", dedup_key="access-test"
    )

    # One row of each model the admin shows, so each admin page is checked on a real object.
    Token.objects.create(user=official)
    ExperienceOfficer.objects.create(
        user=users["officer"], affiliation="宣城甲企业有限公司", appointed_from=timezone.localdate()
    )
    ProblemClass.objects.create(name="审批材料反复退回", category=category)
    Announcement.objects.create(title="关于召开政商恳谈会的通知")
    portal_services.steward_assign(
        enterprises=Enterprise.objects.filter(pk=enterprise_a.pk),
        steward=users["steward"],
        actor=factories.user(is_staff=True, is_superuser=True),
    )
    schedule = HolidaySchedule.objects.create(year=2099)
    CalendarDay.objects.create(schedule=schedule, date=dt.date(2099, 10, 1), is_working_day=False, name="国庆节")
    EnterpriseTag.objects.get_or_create(name="高新技术企业")
    Task.objects.create(
        id="a" * 32, name="ok", func="portal.tasks.noop", started=timezone.now(), stopped=timezone.now(), success=True
    )
    Task.objects.create(
        id="b" * 32,
        name="failed",
        func="portal.tasks.noop",
        started=timezone.now(),
        stopped=timezone.now(),
        success=False,
    )
    OrmQ.objects.create(key="default", payload="", lock=None)
    # A wrong password, so django-axes' admin pages (attempts, failure log) have a row each.
    Client(REMOTE_ADDR="203.0.113.9").post("/accounts/login/", {"username": "member_a", "password": "wrong"})
    AccessFailureLog.objects.get_or_create(
        username="member_a", ip_address="203.0.113.9", defaults={"user_agent": "", "path_info": "/accounts/login/"}
    )
    # A change made through a page, so the history has an event with its request context.
    response = w.clients["member_a"].post(
        "/notifications/settings/",
        {
            "email": "a@example.com",
            "mobile": "13900000001",
            "current_password": factories.PASSWORD,
            "notify_by_email": "on",
        },
    )
    assert response.status_code == 302

    # 亲商管家: the 管家's visit to enterprise A with a problem found, not yet a case.
    visit = visit_services.visit_record(
        steward=users["steward"],
        enterprise=enterprise_a,
        visited_on=timezone.localdate(),
        people_met="张总（总经理）",
        discussed="了解生产经营情况。",
        problems=["厂房扩建用地手续推进慢"],
    )

    # 办不成事 windows: the 问题专员's district window and the city's above it; a case the 专员
    # registered at theirs (for a walk-in, no enterprise) and escalated to the city.
    county = factories.region("341802", "宣州区", Region.Level.COUNTY, parent=city)
    window = ServiceWindow.objects.create(
        name="宣州区政务服务中心办不成事窗口", level=WindowLevel.COUNTY, region=county, address="二楼"
    )
    window.specialists.add(users["specialist"])
    ServiceWindow.objects.create(
        name="宣城市政务服务中心办不成事窗口", level=WindowLevel.CITY, region=city, address="一楼"
    )
    window_case = window_services.window_case_register(
        window=window,
        actor=users["specialist"],
        title="个体户变更经营范围需跑市里办理",
        description="区窗口无法受理。",
        category=category,
        complainant_name="汪女士",
        complainant_phone="13905630001",
        cause_analysis="事项未下放到区级。",
    )
    window_services.window_case_escalate(case=window_case, actor=users["specialist"], reason="区级协调不了")

    # 帮办代办 (#17): enterprise A's 管家 prepared a 一企一策 report for it; B granted a standing mandate.
    plan = plan_services.plan_create(enterprise=enterprise_a, actor=users["steward"], recommendations="尽快申报。")
    policy_services.mandate_grant(enterprise=enterprise_b, actor=users["member_b"], agreed=True)

    # 咨询: enterprise A's member asked a question its 管家 has not answered yet.
    consultation = consultation_services.consultation_ask(
        actor=member_a, enterprise=enterprise_a, question="高新技术企业认定需要准备哪些材料？"
    )

    # 红黄黑榜 (complaints/rankings/): 2025Q4 published with department X on the black list;
    # 2026Q1 still a draft; a 约谈 of X for its place on the published list.
    ranking_rule, _created = RankingRule.objects.get_or_create(id=1)
    published_ranking = QuarterRanking.objects.create(
        year=2025, quarter=4, drafted_at=timezone.now(), drafted_by=official
    )
    ranking_entry = RankingEntry.objects.create(
        ranking=published_ranking, department=x, list=RankingList.BLACK, drafted_list=RankingList.BLACK
    )
    ranking_services.ranking_publish(ranking=published_ranking, actor=official)
    draft_ranking = ranking_services.ranking_draft(year=2026, quarter=1, actor=official)
    interview = ranking_services.interview_record(
        entry=ranking_entry,
        level=1,
        held_on=timezone.localdate(),
        interviewer="市营商办主任",
        interviewee="市发展改革委主任",
        actor=official,
        items=[("task", "清零超期件")],
    )

    # 三色图 and 督办 (#18): a January snapshot of department X and a published 督办 it must answer.
    snapshot = MonthlySnapshot.objects.create(
        month=dt.date(2026, 1, 1), unit_kind="department", department=x, overall_score=40, colour="red"
    )
    supervision_notice = SupervisionNotice.objects.create(
        month=dt.date(2026, 1, 1),
        unit_kind="department",
        department=x,
        subject="连续两个月位于末两位",
        due_on=dt.date(2026, 2, 13),
        published=True,
    )
    supervision_notice.respondents.set([users["handler_x"]])

    # 联审 (#18): a 审查遴选 policy of X that asks Y's opinion; A's application to it, sent by
    # handler X to joint review, waits for Y's answer.
    joint_policy = Policy.objects.create(
        title="产业链协同创新项目遴选",
        issuer=x,
        level="municipal",
        region=city,
        category=PolicyCategory.objects.get(name="资金奖补"),
        summary="择优支持产业链协同创新项目",
        support_type="cash",
        application_method="online",
        project_type="selection",
        state=Policy.State.PUBLISHED,
    )
    joint_policy.joint_review_departments.set([y])
    joint_application = policy_services.application_start(policy=joint_policy, enterprise=enterprise_a, actor=member_a)
    joint_application = policy_services.application_submit(
        application=joint_application, actor=member_a, confirmed=True
    )
    policy_services.joint_review_request(application=joint_application, actor=users["handler_x"])

    w.objects.update(
        snapshot=snapshot,
        supervision_notice=supervision_notice,
        colour_threshold=ColourThreshold.objects.get(dimension="overall"),
        consultation=consultation,
        ranking_rule=ranking_rule,
        published_ranking=published_ranking,
        draft_ranking=draft_ranking,
        draft_ranking_entry=draft_ranking.entries.get(department=x),
        interview=interview,
        city=city,
        x=x,
        y=y,
        enterprise_a=enterprise_a,
        enterprise_b=enterprise_b,
        case=case,
        task=case.tasks.get(),
        attachment=case.attachments.get(),
        typical=typical,
        policy=policy,
        draft_policy=draft_policy,
        policy_attachment=policy_attachment,
        draft_attachment=draft_attachment,
        application=application,
        application_file=application_file,
        series=series,
        session=session,
        draft_session=draft_session,
        session_attachment=session_attachment,
        draft_session_attachment=draft_session_attachment,
        invitation=session.invitations.get(enterprise=enterprise_a),
        registration=registration,
        appeal=appeal,
        walkthrough=walkthrough,
        finding=finding,
        photo=photo,
        notification=notification,
        window=window,
        window_case=window_case,
        visit=visit,
        visit_problem=visit.problems.get(),
        plan=plan,
        joint_application=joint_application,
    )
    return w
