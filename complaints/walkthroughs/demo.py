"""Demo walkthroughs: three experience officers and about thirty walkthroughs with
steps, checklist answers and findings (each with its cause, some fixed on the spot),
some promoted to cases and resolved; and the seeds' own forms: a 局长 leading as an
applicant (以企业身份走) with a colleague sitting at the window (坐窗口), and one project
carried across three departments (带项目交叉走)."""

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
# (problem, its cause: 逐一分析产生原因, whether it can be fixed on the spot)
FINDINGS = [
    ("窗口要求提供可通过部门共享获取的材料", "窗口未接入共享平台的证照库，仍按旧版清单收取", False),
    ("网上申报后仍被要求到窗口提交纸质材料", "审批系统与网办平台未打通，电子材料无法流转到后台", False),
    ("取号后等候时间超过半小时", "高峰时段只开放一个综合窗口，弹性窗口未启用", True),
    ("同一事项需要往返两个窗口", "受理和缴费分设窗口，未实行一窗通办", False),
    ("办事指南与窗口要求不一致", "办事指南更新后未同步到窗口一次性告知单", True),
]


@transaction.atomic
def seed(stdout=None) -> None:
    officer_users = _seed_officers()
    _seed_generated(officer_users, stdout)
    _seed_led_walks(officer_users[0], stdout)


def _seed_generated(officer_users: list[User], stdout=None) -> None:
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
            findings=[
                {
                    "description": text,
                    "cause": cause,
                    "fixed_on_spot": fixable and rng.random() < 0.7,
                    "severity": rng.choice(["low", "medium", "high"]),
                }
                for text, cause, fixable in found
            ],
        )
        if index >= 27:
            continue  # a few stay drafts
        services.walkthrough_submit(walkthrough=walkthrough, actor=officer)
        for finding in walkthrough.findings.all():
            if not finding.fixed_on_spot and rng.random() < 0.6:
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


# --- 局长带头 and 带项目交叉走 (seed 002, 明光) ------------------------------------------

# (name, unit, role, leads)
DIRECTOR_WALKERS = [
    ("周立新", "宣城市数据资源管理局局长", "applicant", True),
    ("陈晓梅", "宣城市数据资源管理局政务服务科科长", "window", False),
]
PROJECT = "宣城经开区年产5万吨新材料项目“拿地即开工”"
PROJECT_DEPARTMENTS = ["宣城市自然资源和规划局", "宣城市住房和城乡建设局", "宣城市发展和改革委员会"]
PROJECT_WALKERS = [
    ("吴建国", "宣城市自然资源和规划局局长", "applicant", True),
    ("孙海涛", "宣城市住房和城乡建设局局长", "applicant", False),
    ("刘志强", "宣城市发展和改革委员会副主任", "accompanying", False),
]


def _seed_led_walks(officer: User, stdout=None) -> None:
    """Two walkthroughs as the seeds tell them, each once (the command may run twice)."""
    if Walkthrough.objects.filter(officer=officer, walkers__is_leader=True).exists():
        return
    official = User.objects.get(username="official")
    handler = User.objects.get(username="handler")
    by_name = {department.name: department for department in Department.objects.filter(name__in=PROJECT_DEPARTMENTS)}
    data_bureau = Department.objects.filter(name="宣城市数据资源管理局").first()
    themes = {theme.name: theme for theme in WalkthroughTheme.objects.all()}
    checklist = Checklist.current()
    questions = list(checklist.questions.all()) if checklist else []
    today = timezone.localdate()

    director = _walk(
        officer,
        fields={
            "walked_on": today - dt.timedelta(days=6),
            "form": Walkthrough.Form.DIRECTOR_LED,
            "identity": Walkthrough.Identity.APPLICANT,
            "theme": themes.get("窗口服务作风") or next(iter(themes.values())),
            "service_item": "企业开办登记（一件事一次办）",
            "department": data_bureau,
            "venue": "宣城市政务服务中心",
            "window": "A12",
            "started_at": dt.time(9, 0),
            "ended_at": dt.time(10, 35),
            "outcome": Walkthrough.Outcome.DONE,
            "summary": "局长以企业身份走完企业开办全流程，科长坐窗口受理，现场解决2个问题。",
        },
        walkers=DIRECTOR_WALKERS,
        departments=[],
        findings=[
            ("一次性告知单缺少刻章环节", "刻章已并入企业开办，但告知单模板未更新", True),
            ("取号机不能识别电子营业执照", "取号系统未对接电子营业执照库", False),
            ("综合窗口高峰时段排队超过40分钟", "午间只保留一个窗口值班，弹性窗口未启用", True),
        ],
        questions=questions,
    )
    cross = _walk(
        officer,
        fields={
            "walked_on": today - dt.timedelta(days=3),
            "form": Walkthrough.Form.DIRECTOR_LED,
            "identity": Walkthrough.Identity.APPLICANT,
            "theme": themes.get("一件事一次办") or next(iter(themes.values())),
            "service_item": "工业项目“四证同办”",
            "department": by_name.get("宣城市自然资源和规划局"),
            "venue": "宣城市政务服务中心工程建设项目审批专区",
            "window": "C03",
            "project": PROJECT,
            "started_at": dt.time(8, 45),
            "ended_at": dt.time(11, 50),
            "outcome": Walkthrough.Outcome.NOT_DONE,
            "summary": "三位局长带同一个项目交叉走，发现跨部门材料重复提交、审查意见不一致等问题。",
        },
        walkers=PROJECT_WALKERS,
        departments=[by_name[name] for name in PROJECT_DEPARTMENTS if name in by_name],
        findings=[
            ("规划许可和施工许可重复提交同一套设计图纸", "两部门审批系统未共享图纸，各自要求纸质件", False),
            ("施工图审查意见与规划条件表述不一致", "规划条件出具时未征求住建部门意见", False),
            ("项目备案证明需现场打印盖章", "窗口不知道备案证明可在线核验", True),
        ],
        questions=questions,
    )
    category = ProblemCategory.objects.get(name="审批服务")
    for walkthrough in (director, cross):
        for finding in walkthrough.findings.filter(fixed_on_spot=False):
            services.finding_promote(finding=finding, actor=official, department=handler.department, category=category)
    if stdout:
        stdout.write("Demo walkthroughs: a 局长 leading, and a project across 3 departments.")


def _walk(officer, *, fields, walkers, departments, findings, questions) -> Walkthrough:
    walkthrough = services.walkthrough_start(officer=officer)
    services.walkthrough_save_draft(
        walkthrough=walkthrough,
        actor=officer,
        fields=fields,
        walkers=[{"name": name, "unit": unit, "role": role, "is_leader": leads} for name, unit, role, leads in walkers],
        departments=departments,
        steps=[
            {"action": "取号排队", "minutes_waited": 25, "minutes_handled": 1, "materials": []},
            {
                "action": "窗口受理",
                "minutes_waited": 5,
                "minutes_handled": 30,
                "trips_to_other_windows": 1,
                "materials": [("营业执照", True), ("房产证复印件", False)],
            },
        ],
        answers={q.pk: ("yes" if q.problem_answer == "no" else "no", "") for q in questions},
        findings=[
            {"description": text, "cause": cause, "fixed_on_spot": fixed, "severity": "medium"}
            for text, cause, fixed in findings
        ],
    )
    return services.walkthrough_submit(walkthrough=walkthrough, actor=officer)
