"""Demo walkthroughs: three experience officers and about thirty walkthroughs with
steps, checklist answers and findings, some promoted to cases and resolved."""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from complaints import services as case_services
from complaints.models import Checklist, ExperienceOfficer, ProblemCategory, Walkthrough, WalkthroughTheme
from complaints.walkthroughs import services as services
from portal import roles
from portal.models import Department, User

OFFICERS = [
    ("officer", "何体验", "宣城市工商联"),
    ("officer2", "许体验", "宣城恒达新材料科技有限公司"),
    ("officer3", "沈体验", "宣城市个体劳动者协会"),
]
SERVICES = [
    ("企业开办登记", "宣城市政务服务中心", "A12"),
    ("工程建设项目施工许可", "宣城市政务服务中心", "C03"),
    ("不动产转移登记", "宣州区不动产登记中心", "5号窗口"),
    ("社保参保登记", "皖事通网上平台", ""),
    ("食品经营许可", "广德市政务服务中心", "B07"),
    ("税务发票申领", "宣城市税务局办税服务厅", "8号窗口"),
]
STEPS = [
    ("取号排队", (5, 45), (0, 2)),
    ("窗口受理", (0, 10), (5, 25)),
    ("补交材料", (0, 20), (5, 15)),
    ("缴费", (0, 15), (2, 8)),
    ("领取证照", (0, 20), (2, 5)),
]
MATERIALS = [
    ("营业执照", True),
    ("法定代表人身份证", True),
    ("房产证复印件", False),
    ("无犯罪证明", False),
    ("场地租赁合同", True),
]
FINDINGS = [
    "窗口要求提供可通过部门共享获取的材料",
    "网上申报后仍被要求到窗口提交纸质材料",
    "取号后等候时间超过半小时",
    "同一事项需要往返两个窗口",
    "办事指南与窗口要求不一致",
]


@transaction.atomic
def seed(stdout=None) -> None:
    officer_users = _seed_officers()
    if Walkthrough.objects.filter(officer__in=officer_users).exists():
        return
    rng = random.Random(20261121)
    official = User.objects.get(username="official")
    handler = User.objects.get(username="handler")
    departments = list(Department.objects.filter(is_active=True)[:8])
    themes = list(WalkthroughTheme.objects.all())
    checklist = Checklist.current()
    questions = list(checklist.questions.all())
    category = ProblemCategory.objects.get(name="审批服务")
    today = timezone.localdate()
    for index in range(30):
        officer = officer_users[index % len(officer_users)]
        service, venue, window = rng.choice(SERVICES)
        walkthrough = services.walkthrough_start(officer=officer)
        found = rng.sample(FINDINGS, rng.choice([0, 1, 1, 2]))
        department = handler.department if index % 3 == 0 else rng.choice(departments)
        services.walkthrough_save_draft(
            walkthrough=walkthrough,
            actor=officer,
            fields={
                "walked_on": today - dt.timedelta(days=rng.randint(0, 80)),
                "form": rng.choice(list(Walkthrough.Form)),
                "identity": rng.choice(list(Walkthrough.Identity)),
                "theme": rng.choice(themes),
                "service_item": service,
                "department": department,
                "venue": venue,
                "window": window,
                "started_at": dt.time(9, rng.randint(0, 59)),
                "ended_at": dt.time(11, rng.randint(0, 59)),
                "outcome": Walkthrough.Outcome.NOT_DONE if found and rng.random() < 0.4 else Walkthrough.Outcome.DONE,
                "summary": "整体流程顺畅。" if not found else "发现问题已记录，建议整改。",
            },
            steps=[
                {
                    "action": action,
                    "minutes_waited": rng.randint(*waited),
                    "minutes_handled": rng.randint(*handled),
                    "trips_to_other_windows": rng.choice([0, 0, 1]),
                    "materials": rng.sample(MATERIALS, rng.randint(0, 2)),
                }
                for action, waited, handled in STEPS[: rng.randint(2, 5)]
            ],
            answers={
                q.pk: (q.problem_answer if rng.random() < 0.15 else ("yes" if q.problem_answer == "no" else "no"), "")
                for q in questions
            },
            findings=[{"description": text, "severity": rng.choice(["low", "medium", "high"])} for text in found],
        )
        if index >= 27:
            continue  # a few stay drafts
        services.walkthrough_submit(walkthrough=walkthrough, actor=officer)
        for finding in walkthrough.findings.all():
            if rng.random() < 0.6:
                case, _ = services.finding_promote(
                    finding=finding, actor=official, department=handler.department, category=category
                )
                if rng.random() < 0.5:
                    _resolve(case, handler)
    if stdout:
        stdout.write("Demo walkthroughs: 3 officers, 30 walkthroughs.")


def _seed_officers() -> list[User]:
    group = Group.objects.get(name=roles.EXPERIENCE_OFFICER)
    users = []
    for username, full_name, affiliation in OFFICERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, full_name=full_name, email=f"{username}@example.com")
            user.set_password("qinqing-demo")
            user.save()
        elif not user.full_name:
            user.full_name = full_name
            user.save(update_fields=["full_name"])
        user.groups.add(group)
        ExperienceOfficer.objects.get_or_create(
            user=user, defaults={"affiliation": affiliation, "appointed_from": dt.date(2026, 1, 1)}
        )
        users.append(user)
    return users


def _resolve(case, handler):
    department = handler.department
    case = case_services.case_set_measures(
        case=case,
        actor=handler,
        tasks=[
            {
                "task": "整改窗口要求",
                "measure": "取消不必要材料，改为共享核验",
                "deadline": timezone.localdate() + dt.timedelta(days=7),
                "department": department,
                "responsible_person": "窗口负责人",
            }
        ],
    )
    case = case_services.case_give_feedback(case=case, actor=handler, feedback="已约谈窗口负责人并整改。")
    for task in case.tasks.filter(round=case.round, done_at__isnull=True):
        case_services.case_task_complete(case=case, task=task, actor=handler, note="窗口已不再要求该材料。")
    return case_services.case_resolve(case=case, actor=handler, resolution="已整改到位。")
