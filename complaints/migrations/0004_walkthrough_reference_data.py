"""Seed the walkthrough themes, the first checklist (12个“是否”) and the roles' permissions."""

from django.db import migrations
from django.utils import timezone

from portal import roles

THEMES = [
    ("窗口服务作风", "窗口人员服务态度、一次性告知、首问负责"),
    ("网办体外循环", "网上申报后是否还要线下重复提交、线下审批"),
    ("一件事一次办", "关联事项是否整合为一件事一次办成"),
    ("办事材料精简", "索要的材料是否必要、能否通过共享获取"),
    ("办理时限压缩", "实际办理时间与承诺时限"),
    ("跨区域通办", "异地办理、跨省通办是否顺畅"),
    ("帮办代办服务", "重点项目和特殊群体的帮办代办"),
    ("自助和智能服务", "自助终端、线上平台、好差评是否好用"),
]

# (question, the answer that points to a problem)
QUESTIONS = [
    ("是否一次告知所需材料", "no"),
    ("是否存在要求重复提交材料", "yes"),
    ("是否存在体外循环（网上申报后仍需线下提交或审批）", "yes"),
    ("是否可以全程网上办理", "no"),
    ("是否在承诺时限内办结", "no"),
    ("是否压缩了办理时限", "no"),
    ("是否精简了办事环节", "no"),
    ("是否需要跑多个窗口", "yes"),
    ("是否提供帮办代办服务", "no"),
    ("窗口服务是否热情规范", "no"),
    ("办事指南是否准确易懂", "no"),
    ("是否主动邀请办事人评价（好差评）", "no"),
]

PERMISSIONS = {
    roles.OFFICIAL: [
        "complaints.view_all_walkthroughs",
        "complaints.promote_finding",
        "complaints.view_walkthrough",
        *[
            f"complaints.{action}_{model}"
            for model in ["experienceofficer", "walkthroughtheme", "checklist", "checklistquestion"]
            for action in ("view", "add", "change")
        ],
    ],
    roles.CHIEF_PROBLEM_OFFICER: ["complaints.view_all_walkthroughs", "complaints.view_walkthrough"],
}


def seed(apps, schema_editor):
    Theme = apps.get_model("complaints", "WalkthroughTheme")
    Checklist = apps.get_model("complaints", "Checklist")
    Question = apps.get_model("complaints", "ChecklistQuestion")
    for order, (name, description) in enumerate(THEMES, start=1):
        Theme.objects.get_or_create(name=name, defaults={"description": description, "sort_order": order})
    checklist, created = Checklist.objects.get_or_create(
        version=1, defaults={"title": "换位体验检查清单", "is_published": True, "published_at": timezone.now()}
    )
    if created:
        Question.objects.bulk_create(
            Question(checklist=checklist, order=order, text=text, problem_answer=problem)
            for order, (text, problem) in enumerate(QUESTIONS, start=1)
        )
    roles.sync_groups(apps, PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [("complaints", "0003_walkthroughs")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
