"""Seed the lists officials curate, the deadline rules, the roles' permissions
and the overdue sweep's schedule."""

from django.db import migrations

from portal import roles

CATEGORIES = [
    "产业发展",
    "人才招工",
    "科技创新",
    "融资",
    "用地",
    "审批服务",
    "执法监管",
    "政策兑现",
    "基础设施",
    "其他",
]

NON_ACCEPTANCE_REASONS = [
    ("已进入诉讼、仲裁、行政复议程序的", "请依照已启动的法定程序主张权利。"),
    ("属于信访事项应依法通过信访渠道办理的", "请通过信访渠道反映。"),
    ("诉求内容不明确、无法核实的", "请补充具体事实、时间、地点和相关材料后重新提交。"),
    ("同一事项已受理且正在办理的重复诉求", "该事项已在办理中，可凭原诉求编号查询进度。"),
    ("不属于本级政府及部门职责范围的", "请向有管辖权的机关反映。"),
    ("涉及国家秘密、商业秘密或个人隐私依法不宜公开处理的", ""),
]

# (name, channels, tiers, assign, measures, feedback, resolve working days, months, priority, active)
SLA_POLICIES = [
    ("宣城 1-2-3", [], [], 1, 2, 3, None, 1, 0, True),
    ("钱塘 1-3-5 · 简单件", ["hotline", "phone"], ["ordinary"], 1, 1, 1, 1, 1, 30, False),
    ("钱塘 1-3-5 · 单部门", [], ["ordinary"], 1, 1, 2, 3, 1, 20, False),
    ("钱塘 1-3-5 · 跨部门", [], ["cross", "difficult", "major"], 1, 2, 3, 5, 1, 10, False),
]

PERMISSIONS = {
    roles.OFFICIAL: [
        "complaints.view_all_cases",
        "complaints.view_confidential_identity",
        "complaints.triage_case",
        "complaints.export_cases",
        "complaints.view_case",
        "complaints.add_case",
        "complaints.change_case",
        *[
            f"complaints.{action}_{model}"
            for model in ["problemcategory", "nonacceptancereason", "slapolicy", "problemclass", "typicalcase"]
            for action in ("view", "add", "change")
        ],
    ],
    roles.CHIEF_PROBLEM_OFFICER: [
        "complaints.view_all_cases",
        "complaints.triage_case",
        "complaints.view_case",
        "complaints.view_problemclass",
        "complaints.view_typicalcase",
    ],
}


def seed(apps, schema_editor):
    ProblemCategory = apps.get_model("complaints", "ProblemCategory")
    NonAcceptanceReason = apps.get_model("complaints", "NonAcceptanceReason")
    SlaPolicy = apps.get_model("complaints", "SlaPolicy")
    Schedule = apps.get_model("django_q", "Schedule")
    for order, name in enumerate(CATEGORIES, start=1):
        ProblemCategory.objects.get_or_create(name=name, defaults={"sort_order": order})
    for order, (title, guidance) in enumerate(NON_ACCEPTANCE_REASONS, start=1):
        NonAcceptanceReason.objects.get_or_create(title=title, defaults={"guidance": guidance, "sort_order": order})
    for name, channels, tiers, assign, measures, feedback, resolve_days, months, priority, active in SLA_POLICIES:
        SlaPolicy.objects.get_or_create(
            name=name,
            defaults={
                "channels": channels,
                "tiers": tiers,
                "assign_days": assign,
                "measures_days": measures,
                "feedback_days": feedback,
                "resolve_working_days": resolve_days,
                "resolve_months": months,
                "priority": priority,
                "is_active": active,
            },
        )
    Schedule.objects.update_or_create(
        name="诉求件超期巡查",
        defaults={"func": "complaints.tasks.sweep_overdue_cases", "schedule_type": "I", "minutes": 5, "repeats": -1},
    )
    roles.sync_groups(apps, PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0001_initial"),
        ("portal", "0002_roles"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
