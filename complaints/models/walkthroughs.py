"""Walkthroughs (换位体验走流程): an experience officer or an official walks a
government service as an applicant would, and what went wrong becomes a case."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from complaints.models.cases import Case, ProblemCategory
from portal.archive import archived_at_field, protect_from_delete
from portal.localized import LocalizedName
from portal.models import Department, Enterprise, english_name_field, history


class ExperienceOfficer(models.Model):
    """营商环境体验官: a volunteer appointed by officials for a period."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="experience_officer"
    )
    affiliation = models.CharField(_("所在单位"), max_length=100, help_text=_("企业或组织名称"))
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("所在企业"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    appointed_from = models.DateField(_("聘任开始"))
    appointed_until = models.DateField(_("聘任结束"), null=True, blank=True)
    is_active = models.BooleanField(_("在任"), default=True)

    class Meta:
        verbose_name = _("营商环境体验官")
        verbose_name_plural = _("营商环境体验官")
        ordering = ["-is_active", "user__username"]
        constraints = [
            models.CheckConstraint(
                condition=Q(appointed_until__isnull=True) | Q(appointed_until__gte=models.F("appointed_from")),
                name="officer_period_in_order",
            )
        ]

    def __str__(self):
        return f"{self.user.get_full_name()}（{self.affiliation}）"


class WalkthroughTheme(LocalizedName, models.Model):
    """One of the themes walkthroughs focus on, e.g. 窗口服务作风, 网办体外循环."""

    name = models.CharField(_("名称"), max_length=50, unique=True)
    name_en = english_name_field()
    description = models.TextField(_("说明"), blank=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("体验主题")
        verbose_name_plural = _("体验主题")
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.display_name


class Checklist(models.Model):
    """A version of the yes/no checklist (12个“是否”). Questions of a version that
    has answers never change: officials publish a new version instead."""

    version = models.PositiveSmallIntegerField(_("版本"), unique=True)
    title = models.CharField(_("名称"), max_length=100, default=_("换位体验检查清单"))
    is_published = models.BooleanField(_("已发布"), default=False)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("检查清单")
        verbose_name_plural = _("检查清单")
        ordering = ["-version"]

    def __str__(self):
        return f"{self.title} v{self.version}"

    @classmethod
    def current(cls) -> Checklist | None:
        return cls.objects.filter(is_published=True).order_by("-version").first()

    @property
    def is_in_use(self) -> bool:
        return ChecklistAnswer.objects.filter(question__checklist=self).exists()


class ChecklistQuestion(LocalizedName, models.Model):
    localized_field = "text"

    checklist = models.ForeignKey(
        Checklist, verbose_name=_("检查清单"), on_delete=models.CASCADE, related_name="questions"
    )
    order = models.PositiveSmallIntegerField(_("序号"))
    text = models.CharField(_("检查项"), max_length=200)
    text_en = english_name_field(300, _("英文检查项"))
    # Most checks are phrased so that "否" is the problem (是否一次告知); some the
    # other way round (是否存在体外循环). This answer offers to record a finding.
    problem_answer = models.CharField(
        _("提示问题的回答"), max_length=5, choices=[("no", _("否")), ("yes", _("是"))], default="no"
    )

    class Meta:
        verbose_name = _("检查项")
        verbose_name_plural = _("检查项")
        ordering = ["checklist", "order"]
        constraints = [models.UniqueConstraint(fields=["checklist", "order"], name="question_order_unique")]

    def __str__(self):
        return self.display_name


@history()
class Walkthrough(models.Model):
    """One walk through one service, saved as a draft until its officer submits it."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("已提交")
        REVIEWED = "reviewed", _("已审阅")

    class Form(models.TextChoices):
        DIRECTOR_LED = "director", _("局长带头")
        FRONT_BACK = "front_back", _("前后台换位")
        BETWEEN_WINDOWS = "windows", _("窗口间换位")
        OTHER_PLACE = "other_place", _("异地换位")

    class Identity(models.TextChoices):
        APPLICANT = "applicant", _("我是办事人")
        APPROVER = "approver", _("我是审批人")

    class Outcome(models.TextChoices):
        DONE = "done", _("办成")
        NOT_DONE = "not_done", _("办不成")

    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("体验人"), on_delete=models.PROTECT, related_name="walkthroughs"
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    # Everything below may be blank while the walkthrough is a draft; submitting checks it.
    walked_on = models.DateField(_("体验日期"), null=True, blank=True)
    form = models.CharField(_("体验形式"), max_length=20, choices=Form.choices, blank=True)
    identity = models.CharField(_("体验身份"), max_length=20, choices=Identity.choices, blank=True)
    theme = models.ForeignKey(
        WalkthroughTheme, verbose_name=_("体验主题"), null=True, blank=True, on_delete=models.PROTECT
    )
    service_item = models.CharField(_("办理事项"), max_length=200, blank=True)
    department = models.ForeignKey(
        Department, verbose_name=_("办理部门"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    venue = models.CharField(_("办理地点"), max_length=200, blank=True, help_text=_("政务服务大厅或网上平台名称"))
    window = models.CharField(_("窗口"), max_length=50, blank=True)
    # 带项目交叉走: one project carried through several departments.
    project = models.CharField(_("带办项目"), max_length=200, blank=True)
    departments = models.ManyToManyField(
        Department, verbose_name=_("交叉走涉及部门"), blank=True, related_name="cross_walkthroughs"
    )
    started_at = models.TimeField(_("开始时间"), null=True, blank=True)
    ended_at = models.TimeField(_("结束时间"), null=True, blank=True)
    outcome = models.CharField(_("办理结果"), max_length=20, choices=Outcome.choices, blank=True)
    summary = models.TextField(_("体验小结"), blank=True)
    checklist = models.ForeignKey(
        Checklist, verbose_name=_("检查清单版本"), null=True, blank=True, on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("保存时间"), auto_now=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True, db_index=True)

    archived_at = archived_at_field()

    class Meta:
        verbose_name = _("换位体验记录")
        verbose_name_plural = _("换位体验记录")
        ordering = ["-walked_on", "-id"]
        permissions = [
            ("view_all_walkthroughs", _("可以查看全部换位体验记录")),
            ("promote_finding", _("可以将体验发现的问题转为诉求件")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True)
                | Q(started_at__isnull=True)
                | Q(ended_at__gte=models.F("started_at")),
                name="walkthrough_times_in_order",
            )
        ]
        # Archive (归档) instead; the database refuses a DELETE.
        triggers = [protect_from_delete()]

    def __str__(self):
        return f"{self.walked_on or '—'} {self.service_item or _('（未填写办理事项）')}"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def minutes_spent(self) -> int | None:
        if not (self.started_at and self.ended_at):
            return None
        return (self.ended_at.hour * 60 + self.ended_at.minute) - (self.started_at.hour * 60 + self.started_at.minute)


class WalkthroughStep(models.Model):
    walkthrough = models.ForeignKey(
        Walkthrough, verbose_name=_("换位体验记录"), on_delete=models.CASCADE, related_name="steps"
    )
    order = models.PositiveSmallIntegerField(_("序号"))
    action = models.CharField(_("办理环节"), max_length=200, blank=True, help_text=_("如：取号、窗口受理、补交材料"))
    minutes_waited = models.PositiveIntegerField(_("等候（分钟）"), null=True, blank=True)
    minutes_handled = models.PositiveIntegerField(_("办理（分钟）"), null=True, blank=True)
    trips_to_other_windows = models.PositiveSmallIntegerField(_("跑其他窗口（次）"), default=0)

    class Meta:
        verbose_name = _("办理环节")
        verbose_name_plural = _("办理环节")
        ordering = ["walkthrough", "order", "id"]

    def __str__(self):
        return self.action


class StepMaterial(models.Model):
    """A material the service asked for at a step, and whether it was really needed."""

    step = models.ForeignKey(
        WalkthroughStep, verbose_name=_("办理环节"), on_delete=models.CASCADE, related_name="materials"
    )
    name = models.CharField(_("材料名称"), max_length=100)
    is_necessary = models.BooleanField(_("确有必要"), default=True)

    class Meta:
        verbose_name = _("索要材料")
        verbose_name_plural = _("索要材料")
        ordering = ["step", "id"]

    def __str__(self):
        return self.name


class ChecklistAnswer(models.Model):
    class Answer(models.TextChoices):
        YES = "yes", _("是")
        NO = "no", _("否")
        NOT_APPLICABLE = "na", _("不适用")

    walkthrough = models.ForeignKey(
        Walkthrough, verbose_name=_("换位体验记录"), on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(
        ChecklistQuestion, verbose_name=_("检查项"), on_delete=models.PROTECT, related_name="answers"
    )
    answer = models.CharField(_("回答"), max_length=5, choices=Answer.choices, blank=True)
    comment = models.CharField(_("说明"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("检查项回答")
        verbose_name_plural = _("检查项回答")
        ordering = ["walkthrough", "question__order"]
        constraints = [models.UniqueConstraint(fields=["walkthrough", "question"], name="answer_once_per_question")]

    def __str__(self):
        return f"{self.question}: {self.get_answer_display()}"


class Finding(models.Model):
    """A problem found on a walkthrough. Officials promote it to one case."""

    class Severity(models.TextChoices):
        # 一般 is also a case tier (Ordinary); as a severity it reads "Minor".
        LOW = "low", pgettext_lazy("severity", "一般")
        MEDIUM = "medium", pgettext_lazy("severity", "较重")
        HIGH = "high", pgettext_lazy("severity", "严重")

    walkthrough = models.ForeignKey(
        Walkthrough, verbose_name=_("换位体验记录"), on_delete=models.CASCADE, related_name="findings"
    )
    question = models.ForeignKey(
        ChecklistQuestion,
        verbose_name=_("对应检查项"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    description = models.TextField(_("问题描述"), blank=True)
    severity = models.CharField(_("严重程度"), max_length=10, choices=Severity.choices, default=Severity.LOW)
    category = models.ForeignKey(
        ProblemCategory, verbose_name=_("问题分类"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # One finding, one case: the database refuses a second.
    case = models.OneToOneField(
        Case, verbose_name=_("诉求件"), null=True, blank=True, on_delete=models.SET_NULL, related_name="finding"
    )
    cause = models.TextField(_("产生原因"), blank=True, help_text=_("逐一分析产生原因"))
    # 当场整改: fixed while the walkers were there; counted as solved in the monthly report.
    fixed_on_spot = models.BooleanField(_("当场整改"), default=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("发现问题")
        verbose_name_plural = _("发现问题")
        ordering = ["walkthrough", "id"]

    def __str__(self):
        return self.description[:50]


def finding_photo_path(instance, filename):
    # The uploaded name is kept in `original_name` and never used as a path.
    return f"walkthroughs/{instance.finding.walkthrough_id}/{uuid.uuid4().hex}"


class FindingPhoto(models.Model):
    finding = models.ForeignKey(Finding, verbose_name=_("发现问题"), on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("照片"), upload_to=finding_photo_path, max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小（字节）"))
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("问题照片")
        verbose_name_plural = _("问题照片")
        ordering = ["finding", "id"]

    def __str__(self):
        return self.original_name


class WalkthroughWalker(models.Model):
    """Someone who walked with the officer: a 局长 walking as an applicant or sitting at
    the window. One walker leads."""

    class Role(models.TextChoices):
        AS_APPLICANT = "applicant", _("以企业身份走")
        AT_WINDOW = "window", _("坐窗口")
        ACCOMPANYING = "accompanying", _("陪同")

    walkthrough = models.ForeignKey(
        Walkthrough, verbose_name=_("换位体验记录"), on_delete=models.CASCADE, related_name="walkers"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账号"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="walkthroughs_joined",
    )
    name = models.CharField(_("姓名"), max_length=50)
    unit = models.CharField(_("单位职务"), max_length=100, blank=True, help_text=_("如：市数据资源局局长"))
    role = models.CharField(_("体验方式"), max_length=20, choices=Role.choices, default=Role.AS_APPLICANT)
    is_leader = models.BooleanField(_("带队"), default=False)

    class Meta:
        verbose_name = _("体验人员")
        verbose_name_plural = _("体验人员")
        ordering = ["walkthrough", "-is_leader", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["walkthrough"], condition=models.Q(is_leader=True), name="one_leader_per_walkthrough"
            )
        ]

    def __str__(self):
        return self.name
