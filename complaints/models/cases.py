"""Cases (诉求件): appeals from every channel, followed from intake to the
enterprise's satisfaction on a working-day clock."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pghistory
import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.archive import archived_at_field, protect_from_delete
from portal.fields import MobileField
from portal.localized import LocalizedName
from portal.models import Department, Enterprise, Region, english_name_field, history

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

CONFIDENTIAL_MASK = _("（保密）")


class Channel(models.TextChoices):
    HOTLINE_12345 = "hotline", _("12345热线")
    PHONE = "phone", _("电话")
    WEB = "web", _("网上")
    LETTER = "letter", _("来信")
    VISIT = "visit", _("来访")
    WINDOW = "window", _("办不成事窗口")
    ROUNDTABLE = "roundtable", _("政商恳谈会")
    WALKTHROUGH = "walkthrough", _("走流程")
    # A problem a 亲商管家 found on a visit to an enterprise (complaints.Visit).
    STEWARD_VISIT = "steward_visit", _("走访")
    # A question to the enterprise's 管家 that turned out to be a problem (complaints.Consultation).
    CONSULTATION = "consultation", _("咨询")
    # Filed through the API by an enterprise's own system.
    API = "api", _("系统对接")


class Tier(models.TextChoices):
    """How hard a case is, which decides its deadlines: 钱塘's simple / one department /
    several departments, and 路桥's difficult and major cases above them."""

    SIMPLE = "simple", _("简单")
    ORDINARY = "ordinary", _("一般")
    CROSS_DEPARTMENT = "cross", _("跨部门")
    DIFFICULT = "difficult", _("疑难")
    MAJOR = "major", _("重大")


# Tiers whose cases a chief problem officer (首席问题官) owns: 宣城 names one for cases
# "涉及多个政务服务机构", as 路桥 does for difficult and major ones. A case assigned with
# co-handling departments needs one too, whatever its tier (services.case_assign).
CHIEF_TIERS = (Tier.CROSS_DEPARTMENT, Tier.DIFFICULT, Tier.MAJOR)


class Status(models.TextChoices):
    RECEIVED = "received", _("待受理")
    ACCEPTED = "accepted", _("已受理")
    NOT_ACCEPTED = "not_accepted", _("不予受理")
    ASSIGNED = "assigned", _("已交办")
    MEASURES_SET = "measures_set", _("已明确措施")
    FEEDBACK_GIVEN = "feedback_given", _("已反馈")
    RESOLVED = "resolved", _("已办结")
    CLOSED = "closed", _("已销单")


OPEN_STATUSES = (
    Status.RECEIVED,
    Status.ACCEPTED,
    Status.ASSIGNED,
    Status.MEASURES_SET,
    Status.FEEDBACK_GIVEN,
)


# 办结: the problem is solved, whether or not the enterprise has rated it yet. The one
# definition of "resolved" behind every figure (办结量, 办结率) and list.
DONE_STATUSES = (Status.RESOLVED, Status.CLOSED)


class Stage(models.TextChoices):
    """The step the clock is running for."""

    ASSIGN = "assign", _("交办")
    MEASURES = "measures", _("明确措施")
    FEEDBACK = "feedback", _("反馈企业")
    RESOLVE = "resolve", _("办结")


class ProblemCategory(LocalizedName, models.Model):
    """问题分类, e.g. 产业发展, 人才招工 (湖州 sorts problems into ten classes)."""

    name = models.CharField(_("名称"), max_length=50, unique=True)
    name_en = english_name_field()
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("问题分类")
        verbose_name_plural = _("问题分类")
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.display_name


class NonAcceptanceReason(LocalizedName, models.Model):
    """An entry of the non-acceptance list (不予受理清单)."""

    localized_field = "title"

    title = models.CharField(_("不予受理情形"), max_length=100, unique=True)
    title_en = english_name_field(300, _("英文名称"))
    guidance = models.TextField(_("答复参考"), blank=True, help_text=_("答复诉求人时可参考的说明和指引。"))
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("不予受理情形")
        verbose_name_plural = _("不予受理清单")
        ordering = ["sort_order", "title"]

    def __str__(self):
        return self.display_name


class SlaPolicy(models.Model):
    """Deadline rules (办理时限): working days per stage and a resolution limit.

    Keyed by the case's tier, whatever the channel: the active rule with the highest
    priority whose tiers include the case's applies (an empty list matches every tier).
    The 交办 days run from receipt, with the rule for the tier a case is filed with;
    at 交办 the rule for the assigned tier sets the other deadlines.
    """

    name = models.CharField(_("名称"), max_length=100, unique=True)
    tiers = ArrayField(
        models.CharField(max_length=20, choices=Tier.choices),
        verbose_name=_("适用层级"),
        blank=True,
        default=list,
        help_text=_("留空表示所有层级。"),
    )
    assign_days = models.PositiveSmallIntegerField(_("交办时限（工作日）"), default=1)
    measures_days = models.PositiveSmallIntegerField(_("明确措施时限（工作日）"), default=2)
    feedback_days = models.PositiveSmallIntegerField(_("反馈时限（工作日）"), default=3)
    resolve_working_days = models.PositiveSmallIntegerField(
        _("办结时限（工作日）"), null=True, blank=True, help_text=_("填写后按工作日计算，否则按自然月计算。")
    )
    resolve_months = models.PositiveSmallIntegerField(
        _("办结时限（月）"), default=1, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    priority = models.SmallIntegerField(_("优先级"), default=0, help_text=_("多条规则匹配时，优先级高者适用。"))
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("办理时限规则")
        verbose_name_plural = _("办理时限规则")
        ordering = ["-is_active", "-priority", "name"]

    def __str__(self):
        return self.name


class ProblemClass(models.Model):
    """一类问题: cases of many enterprises that share a root cause and one generalised fix."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    category = models.ForeignKey(
        ProblemCategory, verbose_name=_("问题分类"), null=True, blank=True, on_delete=models.PROTECT
    )
    root_cause = models.TextField(_("根本原因"), blank=True)
    generalised_measure = models.TextField(_("举一反三措施"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("一类问题")
        verbose_name_plural = _("一类问题")
        ordering = ["name"]

    def __str__(self):
        return self.name


class CaseNumberCounter(models.Model):
    """The last case number issued per year. Incremented under a row lock inside the
    filing transaction, so numbers have no gaps and no duplicates."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("诉求编号计数器")
        verbose_name_plural = _("诉求编号计数器")

    def __str__(self):
        return f"{self.year}: {self.last}"


# pghistory's defaults ("CaseEvent", case.events) are taken by the case timeline.
@history(
    model_name="CaseHistoryEvent",
    obj_field=pghistory.ObjForeignKey(related_name="history", on_delete=models.DO_NOTHING, db_constraint=False),
)
class Case(models.Model):
    """诉求件: one appeal, from whatever channel, and everything done about it."""

    # Not a column: set by services.case_file on the case it returns (whether that call filed it).
    just_filed: bool

    number = models.CharField(_("诉求编号"), max_length=20, unique=True, editable=False)
    channel = models.CharField(_("来源渠道"), max_length=20, choices=Channel.choices)
    title = models.CharField(_("诉求标题"), max_length=200)
    description = models.TextField(_("诉求内容"))
    category = models.ForeignKey(ProblemCategory, verbose_name=_("问题分类"), on_delete=models.PROTECT)
    region = models.ForeignKey(Region, verbose_name=_("所属区划"), null=True, blank=True, on_delete=models.PROTECT)
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    # The complainant (诉求人). Hidden from department handlers when confidential.
    complainant_name = models.CharField(_("诉求人姓名"), max_length=50)
    complainant_phone = MobileField(_("诉求人手机"), blank=True)
    complainant_email = models.EmailField(_("诉求人邮箱"), blank=True)
    is_confidential = models.BooleanField(_("保密"), default=False, help_text=_("诉求人身份对承办单位保密。"))
    # When the complainant agreed to the privacy policy on the web form (个人信息同意记录);
    # empty for appeals registered by staff from a call, a letter or a visit.
    privacy_consent_at = models.DateTimeField(_("同意隐私政策时间"), null=True, blank=True, editable=False)
    # A chamber of commerce or trade association filing on the enterprise's behalf.
    on_behalf_of_organisation = models.CharField(_("代为反映的商会/协会"), max_length=100, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="filed_cases",
    )
    # Lets a complainant without an account follow the case with its number.
    lookup_code = models.CharField(_("查询码"), max_length=12, editable=False)
    # The same form posted twice carries the same key and files one case.
    idempotency_key = models.CharField(_("幂等键"), max_length=64, null=True, blank=True, editable=False)

    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.RECEIVED)
    tier = models.CharField(_("层级"), max_length=20, choices=Tier.choices, default=Tier.ORDINARY)
    lead_department = models.ForeignKey(
        Department,
        verbose_name=_("牵头单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_cases",
    )
    co_departments = models.ManyToManyField(
        Department, verbose_name=_("协办单位"), blank=True, related_name="co_handled_cases"
    )
    chief_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("首席问题官"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_cases",
    )
    is_escalated = models.BooleanField(_("已提级"), default=False)
    is_supervised = models.BooleanField(_("督查督办"), default=False)
    # 1 for the first assignment; 2 after 二次交办, and so on.
    round = models.PositiveSmallIntegerField(_("交办轮次"), default=1)
    unsatisfied_count = models.PositiveSmallIntegerField(_("不满意次数"), default=0)
    non_acceptance_reason = models.ForeignKey(
        NonAcceptanceReason, verbose_name=_("不予受理情形"), null=True, blank=True, on_delete=models.PROTECT
    )
    reply = models.TextField(_("答复"), blank=True)
    problem_class = models.ForeignKey(
        ProblemClass, verbose_name=_("一类问题"), null=True, blank=True, on_delete=models.SET_NULL, related_name="cases"
    )
    # The case this one came from: split off it (一事一件) or filed when its problem came back (反弹).
    origin_case = models.ForeignKey(
        "self",
        verbose_name=_("关联诉求件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="derived_cases",
    )

    # 办不成事 windows: where the case was registered, the window now consulting on it
    # after escalation one level up (会商联办), and the 问题专员's 原因分析.
    window = models.ForeignKey(
        "complaints.ServiceWindow",
        verbose_name=_("登记窗口"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registered_cases",
    )
    current_window = models.ForeignKey(
        "complaints.ServiceWindow",
        verbose_name=_("会商联办窗口"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="current_cases",
    )
    cause_analysis = models.TextField(_("原因分析"), blank=True)

    # 需长期推进: approved by a chief officer (LongTermRequest); while set, the case is
    # counted in its own figure and kept out of the overdue counts.
    long_term_since = models.DateTimeField(_("需长期推进起始时间"), null=True, blank=True)
    long_term_reason = models.TextField(_("长期推进原因"), blank=True)
    long_term_review_on = models.DateField(_("下次评估日期"), null=True, blank=True)

    # The clock. Deadlines are stored when each stage starts.
    sla_policy = models.ForeignKey(
        SlaPolicy, verbose_name=_("时限规则"), null=True, blank=True, on_delete=models.PROTECT
    )
    stage = models.CharField(_("当前环节"), max_length=20, choices=Stage.choices, blank=True)
    stage_due_at = models.DateTimeField(_("当前环节期限"), null=True, blank=True)
    stage_overdue_at = models.DateTimeField(_("超期标记时间"), null=True, blank=True)
    assign_due_at = models.DateTimeField(_("交办期限"), null=True, blank=True)
    measures_due_at = models.DateTimeField(_("明确措施期限"), null=True, blank=True)
    feedback_due_at = models.DateTimeField(_("反馈期限"), null=True, blank=True)
    resolve_due_at = models.DateTimeField(_("办结期限"), null=True, blank=True)
    suspended_at = models.DateTimeField(_("暂停时间"), null=True, blank=True)
    suspension_reason = models.CharField(_("暂停原因"), max_length=200, blank=True)

    # When the appeal reached the portal; the 1-2-3 clock counts from here. A problem
    # written on a roundtable sign-up is received at the session, where it is heard.
    # Indexed by case_cohort_idx (Meta), which also carries what the figures read beside it.
    received_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("交办时间"), null=True, blank=True)
    measures_set_at = models.DateTimeField(_("明确措施时间"), null=True, blank=True)
    feedback_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("销单时间"), null=True, blank=True)
    feedback_text = models.TextField(_("反馈内容"), blank=True)
    resolution = models.TextField(_("办理结果"), blank=True)

    archived_at = archived_at_field()

    class Meta:
        verbose_name = _("诉求件")
        verbose_name_plural = _("诉求件")
        ordering = ["-received_at", "-id"]
        permissions = [
            ("view_all_cases", _("可以查看全部诉求件")),
            ("view_confidential_identity", _("可以查看保密诉求人身份")),
            ("triage_case", _("可以受理、交办和提级诉求件")),
            ("export_cases", _("可以导出诉求件")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="case_unique_idempotency_key",
            ),
            models.CheckConstraint(
                condition=~Q(status="not_accepted") | Q(non_acceptance_reason__isnull=False),
                name="case_not_accepted_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "stage_due_at"], name="case_open_due_idx"),
            models.Index(fields=["lead_department", "status"], name="case_department_status_idx"),
            # The workbench: open cases most urgent first (selectors.URGENCY_ORDER), read in
            # order with a LIMIT instead of sorting tens of thousands of rows per page —
            # per lead department for a handler, and over the city for an official.
            models.Index(
                "lead_department",
                F("suspended_at").asc(nulls_first=True),
                F("stage_due_at").asc(nulls_last=True),
                "id",
                condition=Q(status__in=OPEN_STATUSES, archived_at__isnull=True),
                name="case_department_urgency_idx",
            ),
            models.Index(
                F("suspended_at").asc(nulls_first=True),
                F("stage_due_at").asc(nulls_last=True),
                "id",
                condition=Q(status__in=OPEN_STATUSES, archived_at__isnull=True),
                name="case_open_urgency_idx",
            ),
            # Similar-title suggestions at intake (pg_trgm).
            GinIndex(fields=["title"], opclasses=["gin_trgm_ops"], name="case_title_trgm_idx"),
            # The sweep's predicate: running, unflagged stages by deadline.
            models.Index(
                fields=["stage_due_at"],
                condition=Q(stage_overdue_at__isnull=True, suspended_at__isnull=True, stage_due_at__isnull=False),
                name="case_sweep_idx",
            ),
            # The figures (complaints/reporting): a period's cases by receipt, with the id and
            # the lead department its ratings and visits are joined and grouped by, read from
            # the index alone; also the lists' newest-first order.
            models.Index(fields=["received_at"], include=["id", "lead_department"], name="case_cohort_idx"),
            # The dashboard's 超期 list: overdue_q's fixed part, most overdue first.
            models.Index(
                fields=["stage_due_at", "id"],
                condition=Q(status__in=OPEN_STATUSES, suspended_at__isnull=True, long_term_since__isnull=True),
                name="case_overdue_idx",
            ),
        ]
        # Archive (归档) instead; the database refuses a DELETE.
        triggers = [protect_from_delete()]

    def __str__(self):
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    # The complainant as the current reader may see them. Selectors annotate
    # ``identity_visible`` per user; without it the identity stays masked.
    def _identity(self, value):
        return value if getattr(self, "identity_visible", False) else CONFIDENTIAL_MASK

    @property
    def complainant_name_display(self):
        return self._identity(self.complainant_name)

    @property
    def complainant_phone_display(self):
        return self._identity(self.complainant_phone)

    @property
    def complainant_email_display(self):
        return self._identity(self.complainant_email)

    @property
    def organisation_display(self):
        return self._identity(self.on_behalf_of_organisation)

    @property
    def enterprise_display(self):
        if self.enterprise_id is None:
            return ""
        return self._identity(self.enterprise.name)

    @property
    def is_suspended(self) -> bool:
        return self.suspended_at is not None

    @property
    def is_long_term(self) -> bool:
        """需长期推进, approved by a chief officer: out of the overdue counts, its clock still."""
        return self.long_term_since is not None


class CaseTask(models.Model):
    """One line of the four lists (四个清单): task, measure, deadline, responsibility."""

    # Not columns: set by selectors.case_tasks for display.
    is_current: bool
    is_overdue: bool

    case = models.ForeignKey(Case, verbose_name=_("诉求件"), on_delete=models.CASCADE, related_name="tasks")
    round = models.PositiveSmallIntegerField(_("交办轮次"), default=1)
    task = models.CharField(_("任务"), max_length=200)
    measure = models.TextField(_("措施"))
    deadline = models.DateField(_("完成期限"))
    department = models.ForeignKey(Department, verbose_name=_("责任单位"), on_delete=models.PROTECT)
    responsible_person = models.CharField(_("责任人"), max_length=50)
    # 销号: the handler signs the task off with a note.
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_note = models.TextField(_("完成情况"), blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("销号人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("任务清单")
        verbose_name_plural = _("任务清单")
        ordering = ["case", "round", "deadline", "id"]

    def __str__(self):
        return self.task


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY_SATISFIED = "basically", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class RatingMethod(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业评价")
    PHONE = "phone", _("电话回访")
    VISIT = "visit", _("上门回访")
    WECHAT = "wechat", _("微信回访")


class CaseRating(models.Model):
    """The enterprise's verdict on one round of handling, or an official's return visit (回访)."""

    case = models.ForeignKey(Case, verbose_name=_("诉求件"), on_delete=models.CASCADE, related_name="ratings")
    round = models.PositiveSmallIntegerField(_("交办轮次"))
    rating = models.CharField(_("评价"), max_length=20, choices=Rating.choices)
    method = models.CharField(_("评价方式"), max_length=20, choices=RatingMethod.choices)
    comment = models.TextField(_("评价意见"), blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("评价人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("评价时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("满意度评价")
        verbose_name_plural = _("满意度评价")
        ordering = ["case", "round"]
        constraints = [models.UniqueConstraint(fields=["case", "round"], name="rating_one_per_round")]

    def __str__(self):
        return f"{self.case.number} #{self.round} {self.get_rating_display()}"


class ReturnVisitMethod(models.TextChoices):
    PHONE = "phone", _("电话")
    WECHAT = "wechat", _("微信")
    SMS = "sms", _("短信")
    VISIT = "visit", _("上门")


@history()
class ReturnVisit(models.Model):
    """回访: after 办结 the 营商办 asks the 诉求人 whether the matter is really solved,
    with 明光's questions. "Not solved" sends the case back (二次交办)."""

    case = models.ForeignKey(Case, verbose_name=_("诉求件"), on_delete=models.PROTECT, related_name="return_visits")
    round = models.PositiveSmallIntegerField(_("交办轮次"))
    method = models.CharField(_("回访方式"), max_length=20, choices=ReturnVisitMethod.choices)
    solved = models.BooleanField(_("问题是否解决"))
    handling_smooth = models.BooleanField(_("办理过程是否顺畅"), null=True, blank=True)
    explanation_complete = models.BooleanField(_("解释说明是否到位"), null=True, blank=True)
    problems = models.TextField(_("办理中遇到的问题"), blank=True)
    suggestions = models.TextField(_("意见建议"), blank=True)
    note = models.TextField(_("回访记录"), blank=True)
    visited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("回访人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    visited_at = models.DateTimeField(_("回访时间"), default=timezone.now)

    class Meta:
        verbose_name = _("回访")
        verbose_name_plural = _("回访")
        ordering = ["case", "round"]
        constraints = [models.UniqueConstraint(fields=["case", "round"], name="return_visit_one_per_round")]

    def __str__(self):
        return f"{self.case.number} #{self.round} {self.get_method_display()}"


class RecheckOutcome(models.TextChoices):
    KEPT = "kept", _("保持")
    REBOUNDED = "rebounded", _("反弹")


@history()
class Recheck(models.Model):
    """回头看: some months after a case closed, the 营商办 checks the fix has held.
    A problem that came back (反弹) is filed again as a new case linked to this one."""

    case = models.OneToOneField(Case, verbose_name=_("诉求件"), on_delete=models.PROTECT, related_name="recheck")
    outcome = models.CharField(_("回头看结果"), max_length=20, choices=RecheckOutcome.choices)
    note = models.TextField(_("情况说明"), blank=True)
    new_case = models.OneToOneField(
        Case,
        verbose_name=_("反弹后新登记的诉求件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rebound_of",
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("核查人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    checked_at = models.DateTimeField(_("核查时间"), default=timezone.now)

    class Meta:
        verbose_name = _("回头看")
        verbose_name_plural = _("回头看")
        ordering = ["-checked_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome="kept", new_case__isnull=True) | Q(outcome="rebounded", new_case__isnull=False),
                name="recheck_rebound_has_new_case",
            ),
        ]

    def __str__(self):
        return f"{self.case.number} {self.get_outcome_display()}"


class EventKind(models.TextChoices):
    RECEIVED = "received", _("登记")
    ACCEPTED = "accepted", _("受理")
    NOT_ACCEPTED = "not_accepted", _("不予受理")
    ASSIGNED = "assigned", _("交办")
    REASSIGNED = "reassigned", _("二次交办")
    MEASURES_SET = "measures_set", _("明确措施")
    FEEDBACK = "feedback", _("反馈企业")
    RESOLVED = "resolved", _("办结")
    RATED = "rated", _("评价")
    CLOSED = "closed", _("销单")
    SUPERVISED = "supervised", _("督查督办")
    ESCALATED = "escalated", _("提级办理")
    SUSPENDED = "suspended", _("暂停计时")
    RESUMED = "resumed", _("恢复计时")
    COMMENT = "comment", _("备注")
    DEADLINE_CHANGED = "deadline_changed", _("期限调整")
    OVERDUE = "overdue", _("超期")
    TASK_DONE = "task_done", _("任务销号")
    RETURN_VISIT = "return_visit", _("回访")
    RECHECK = "recheck", _("回头看")
    SPLIT = "split", _("拆分")
    WINDOW_ESCALATED = "window_escalated", _("上报会商联办")
    LONG_TERM_REQUESTED = "long_term_asked", _("申请长期推进")
    LONG_TERM_APPROVED = "long_term", _("需长期推进")
    LONG_TERM_REJECTED = "long_term_refused", _("长期推进未获批准")
    LONG_TERM_ENDED = "long_term_ended", _("恢复常规办理")


class CaseEvent(models.Model):
    """One entry of a case's timeline. Written by the services; never changed."""

    # Not a column: set by selectors.case_timeline for display (the name, or the mask).
    actor_name: StrOrPromise

    case = models.ForeignKey(Case, verbose_name=_("诉求件"), on_delete=models.DO_NOTHING, related_name="events")
    kind = models.CharField(_("类型"), max_length=20, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.DO_NOTHING
    )
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    from_status = models.CharField(_("原状态"), max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, choices=Status.choices, blank=True)
    stage = models.CharField(_("环节"), max_length=20, choices=Stage.choices, blank=True)
    round = models.PositiveSmallIntegerField(_("交办轮次"), default=1)
    note = models.TextField(_("说明"), blank=True)
    # Whether the enterprise and the complainant see this entry on their timeline.
    is_public = models.BooleanField(_("企业可见"), default=False)

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["created_at", "id"]
        triggers = [
            # Append-only: the record of what happened is never rewritten (全程留痕).
            pgtrigger.Protect(name="case_event_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]
        constraints = [
            # The sweep escalates each stage of each round once, however often it runs.
            models.UniqueConstraint(
                fields=["case", "stage", "round"], condition=Q(kind="overdue"), name="case_event_one_overdue_per_stage"
            ),
        ]

    def __str__(self):
        return f"{self.case_id} {self.get_kind_display()}"


def attachment_path(instance, filename):
    # The user's file name is kept in `original_name` and never used as a path.
    import uuid

    return f"cases/{instance.case_id}/{uuid.uuid4().hex}"


class CaseAttachment(models.Model):
    case = models.ForeignKey(Case, verbose_name=_("诉求件"), on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("文件"), upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.original_name


class TypicalCase(models.Model):
    """典型案例: a resolved case written up for the public case library."""

    case = models.ForeignKey(Case, verbose_name=_("诉求件"), null=True, blank=True, on_delete=models.SET_NULL)
    problem_class = models.ForeignKey(
        ProblemClass, verbose_name=_("一类问题"), null=True, blank=True, on_delete=models.SET_NULL
    )
    title = models.CharField(_("标题"), max_length=200)
    summary = models.TextField(_("摘要"))
    body = models.TextField(_("正文"))
    is_published = models.BooleanField(_("已发布"), default=False)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("典型案例")
        verbose_name_plural = _("典型案例")
        ordering = ["-published_at", "-id"]

    def __str__(self):
        return self.title
