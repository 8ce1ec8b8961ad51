"""Enterprise-support policies (惠企政策): the catalogue, stored as structured key
elements (关键要素) so that policies can be searched, matched to enterprises in SQL,
and supervised."""

from __future__ import annotations

import pghistory
import pgtrigger
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.archive import archived_at_field, protect_from_delete
from portal.localized import LocalizedName
from portal.models import Department, Enterprise, EnterpriseTag, Industry, Region, english_name_field, history


class PolicyCategory(LocalizedName, models.Model):
    """政策类别, e.g. 资金奖补, 税收优惠, 融资支持."""

    name = models.CharField(_("名称"), max_length=50, unique=True)
    name_en = english_name_field()
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("政策类别")
        verbose_name_plural = _("政策类别")
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.display_name


class Level(models.TextChoices):
    NATIONAL = "national", _("国家级")
    PROVINCIAL = "provincial", _("省级")
    MUNICIPAL = "municipal", _("市级")
    COUNTY = "county", _("县级")


class SupportType(models.TextChoices):
    CASH_AWARD = "cash", _("资金奖励")
    INTEREST_SUBSIDY = "interest", _("贷款贴息")
    TAX_RELIEF = "tax", _("税收减免")
    FEE_REDUCTION = "fee", _("费用减免")
    VOUCHER = "voucher", _("服务券")
    QUALIFICATION = "qualification", _("资格认定")
    SERVICE = "service", _("服务支持")


class ApplicationMethod(models.TextChoices):
    ONLINE = "online", _("网上申报")
    AUTO_GRANT = "auto", _("免申即享")
    OFFLINE = "offline", _("线下申报")


class ProjectType(models.TextChoices):
    """How a policy's money is decided (001 §1): 资格定补 pays who qualifies by the data
    (零材料 possible); 审查遴选 selects among applicants, after a joint review (联审) by
    several departments when the policy names them."""

    QUALIFICATION = "qualification", _("资格定补")
    SELECTION = "selection", _("审查遴选")


class AmountRule(models.TextChoices):
    NONE = "none", _("不涉及金额")
    FIXED = "fixed", _("固定金额")
    PERCENTAGE = "percentage", _("按比例")
    PER_UNIT = "per_unit", _("按单位")


# Enterprise fields the conditions and amount rules may use, with their labels.
# ``rd_intensity`` and ``years_since_founding`` are derived (see policies.matching).
ENTERPRISE_FIELDS = {
    "employees": _("从业人数"),
    "annual_revenue": _("年营业收入"),
    "tax_paid": _("年纳税额"),
    "rd_spend": _("年研发投入"),
    "rd_intensity": _("研发投入强度"),
    "years_since_founding": _("成立年限"),
}


def field_value_text(key: str, value) -> str:
    """An enterprise figure with its unit, as conditions and the calculator write it:
    money in 元/万元, people, a percentage, years."""
    from decimal import Decimal

    from portal.money import format_number, yuan

    if key in ("annual_revenue", "tax_paid", "rd_spend"):
        return yuan(value)
    if key == "rd_intensity":  # stored as a fraction: 0.03 is 3%
        return f"{format_number(Decimal(value) * 100)}%"
    if key == "employees":
        return _("%(count)s人") % {"count": format_number(value)}
    if key == "years_since_founding":
        return _("%(count)s年") % {"count": format_number(value)}
    return format_number(value)


# The fields that decide who qualifies (申报条件), in the order forms list them. The advanced
# tree (advanced_condition) is kept in the admin only.
CONDITION_FIELDS = [
    "regions",
    "industries",
    "scales",
    "ownerships",
    "tax_credit_grades",
    "tags_all",
    "tags_any",
    "tags_excluded",
    "min_employees",
    "max_employees",
    "min_annual_revenue",
    "max_annual_revenue",
    "min_tax_paid",
    "min_rd_intensity",
    "min_years_since_founding",
    "max_years_since_founding",
]
CONDITION_ARRAY_FIELDS = [
    "condition_region_ids",
    "condition_industry_ids",
    "condition_tags_all_ids",
    "condition_tags_any_ids",
    "condition_tags_excluded_ids",
]


@history(exclude=CONDITION_ARRAY_FIELDS)
class Policy(models.Model):
    """One policy and its key elements (关键要素)."""

    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        # 谁制定、谁梳理、谁解释、谁更新: the issuing department drafts and submits; the
        # 营商办 reviews and publishes, or returns it to the draft with a reason.
        IN_REVIEW = "in_review", _("待审核发布")
        PUBLISHED = "published", _("已发布")
        EXPIRED = "expired", _("已过期")
        WITHDRAWN = "withdrawn", _("已撤回")

    # What it is.
    title = models.CharField(_("政策名称"), max_length=200)
    short_title = models.CharField(_("简称"), max_length=60, blank=True)
    document_number = models.CharField(_("文号"), max_length=100, blank=True)
    issuer = models.ForeignKey(
        Department, verbose_name=_("发布部门"), on_delete=models.PROTECT, related_name="issued_policies"
    )
    co_issuers = models.ManyToManyField(Department, verbose_name=_("联合发布部门"), blank=True, related_name="+")
    level = models.CharField(_("政策层级"), max_length=20, choices=Level.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("适用区域"), on_delete=models.PROTECT, related_name="+", help_text=_("含下级区划")
    )
    category = models.ForeignKey(PolicyCategory, verbose_name=_("政策类别"), on_delete=models.PROTECT)
    keywords = models.CharField(_("关键词"), max_length=200, blank=True, help_text=_("以空格或逗号分隔"))
    summary = models.TextField(_("政策摘要"))
    full_text = models.TextField(_("政策原文"), blank=True)
    interpretation = models.TextField(_("政策解读"), blank=True)
    source_url = models.URLField(_("原文链接"), blank=True)
    published_on = models.DateField(_("发布日期"), null=True, blank=True)
    effective_from = models.DateField(_("生效日期"), null=True, blank=True)
    effective_until = models.DateField(_("失效日期"), null=True, blank=True)
    state = models.CharField(_("状态"), max_length=20, choices=State.choices, default=State.DRAFT)
    # Editing a published policy makes a new version; applications keep the version
    # they were decided under, and the history (pghistory) keeps every version's values.
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)
    # A policy renewed every year (年度政策) is one family: publishing this year's edition
    # retires the one it replaces, so lists and matches show the current edition once.
    supersedes = models.OneToOneField(
        "self",
        verbose_name=_("替代的往年政策"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
        help_text=_("本政策是某项往年政策的新一年度版本时选择；发布后往年版本自动失效。"),
    )

    # What it gives.
    project_type = models.CharField(
        _("项目类型"), max_length=20, choices=ProjectType.choices, default=ProjectType.QUALIFICATION
    )
    # 审查遴选 with 跨部门联审: each department gives its opinion on its own working-day clock
    # before the issuer decides (policies.JointOpinion).
    joint_review_departments = models.ManyToManyField(
        Department, verbose_name=_("联审部门"), blank=True, related_name="+"
    )
    joint_review_days = models.PositiveSmallIntegerField(
        _("联审时限（工作日）"), default=5, validators=[MinValueValidator(1)]
    )
    support_type = models.CharField(_("支持方式"), max_length=20, choices=SupportType.choices)
    amount_rule = models.CharField(
        _("金额计算方式"), max_length=20, choices=AmountRule.choices, default=AmountRule.NONE
    )
    amount_fixed = models.DecimalField(_("固定金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    amount_field = models.CharField(
        _("计算依据"),
        max_length=30,
        blank=True,
        choices=[(key, label) for key, label in ENTERPRISE_FIELDS.items()],
        help_text=_("按比例或按单位计算时依据的企业数据"),
    )
    amount_rate = models.DecimalField(
        _("比例或单价"),
        max_digits=14,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("按比例时填小数（如 0.1 表示10%）；按单位时填每单位金额（元）"),
    )
    amount_cap = models.DecimalField(_("单个企业上限（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    total_budget = models.DecimalField(_("资金总额（元）"), max_digits=16, decimal_places=2, null=True, blank=True)

    # How to get it.
    application_method = models.CharField(_("申报方式"), max_length=20, choices=ApplicationMethod.choices)
    application_opens = models.DateField(_("申报开始"), null=True, blank=True)
    application_closes = models.DateField(_("申报截止"), null=True, blank=True)
    contact_department = models.CharField(_("咨询部门"), max_length=100, blank=True)
    contact_person = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)

    # Who qualifies (structured conditions; empty means "no condition").
    regions = models.ManyToManyField(
        Region, verbose_name=_("企业所在区划"), blank=True, related_name="+", help_text=_("含下级区划；不选表示不限")
    )
    industries = models.ManyToManyField(
        Industry, verbose_name=_("所属行业"), blank=True, related_name="+", help_text=_("含下级行业；不选表示不限")
    )
    scales = ArrayField(
        models.CharField(max_length=10, choices=Enterprise.Scale.choices),
        verbose_name=_("企业规模"),
        blank=True,
        default=list,
    )
    ownerships = ArrayField(
        models.CharField(max_length=10, choices=Enterprise.Ownership.choices),
        verbose_name=_("所有制类型"),
        blank=True,
        default=list,
    )
    tax_credit_grades = ArrayField(
        models.CharField(max_length=1, choices=Enterprise.TaxCreditGrade.choices),
        verbose_name=_("纳税信用等级"),
        blank=True,
        default=list,
        help_text=_("企业须具备的纳税信用等级之一；不选表示不限"),
    )
    tags_all = models.ManyToManyField(EnterpriseTag, verbose_name=_("须全部具备的标签"), blank=True, related_name="+")
    tags_any = models.ManyToManyField(EnterpriseTag, verbose_name=_("具备其一的标签"), blank=True, related_name="+")
    tags_excluded = models.ManyToManyField(EnterpriseTag, verbose_name=_("排除的标签"), blank=True, related_name="+")
    min_employees = models.PositiveIntegerField(_("从业人数不少于"), null=True, blank=True)
    max_employees = models.PositiveIntegerField(_("从业人数不多于"), null=True, blank=True)
    min_annual_revenue = models.DecimalField(
        _("年营业收入不低于（元）"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    max_annual_revenue = models.DecimalField(
        _("年营业收入不高于（元）"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    min_tax_paid = models.DecimalField(
        _("年纳税额不低于（元）"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    min_rd_intensity = models.DecimalField(
        _("研发投入强度不低于"),
        max_digits=6,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("研发投入÷营业收入，如 0.03 表示3%"),
    )
    min_years_since_founding = models.PositiveSmallIntegerField(_("成立年限不少于（年）"), null=True, blank=True)
    max_years_since_founding = models.PositiveSmallIntegerField(_("成立年限不多于（年）"), null=True, blank=True)
    advanced_condition = models.JSONField(
        _("高级条件"),
        null=True,
        blank=True,
        help_text=_(
            '条件树：{"all": [...]}、{"any": [...]}、{"not": ...}，叶子如 '
            '{"field": "annual_revenue", "op": ">=", "value": 20000000}'
        ),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    archived_at = archived_at_field()

    # The ids of the condition sets above, copied by the database (triggers of migration
    # 0008) so that matching one enterprise against the whole catalogue is array
    # arithmetic on one row per policy (``&&``, ``<@``) instead of subqueries. Whatever
    # Django writes here is replaced on every insert and update: read-only.
    condition_region_ids = ArrayField(models.BigIntegerField(), default=list, editable=False)
    condition_industry_ids = ArrayField(models.BigIntegerField(), default=list, editable=False)
    condition_tags_all_ids = ArrayField(models.BigIntegerField(), default=list, editable=False)
    condition_tags_any_ids = ArrayField(models.BigIntegerField(), default=list, editable=False)
    condition_tags_excluded_ids = ArrayField(models.BigIntegerField(), default=list, editable=False)

    class Meta:
        verbose_name = _("惠企政策")
        verbose_name_plural = _("惠企政策")
        ordering = ["-published_on", "-id"]
        permissions = [
            ("publish_policy", _("可以发布和撤回政策")),
            ("draft_policy", _("可以起草和更新本部门的政策")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_employees__isnull=True)
                | Q(max_employees__isnull=True)
                | Q(max_employees__gte=F("min_employees")),
                name="policy_employee_bounds_in_order",
            ),
            models.CheckConstraint(
                condition=Q(application_opens__isnull=True)
                | Q(application_closes__isnull=True)
                | Q(application_closes__gte=F("application_opens")),
                name="policy_window_in_order",
            ),
        ]
        indexes = [
            GinIndex(fields=["title"], opclasses=["gin_trgm_ops"], name="policy_title_trgm_idx"),
            GinIndex(fields=["keywords"], opclasses=["gin_trgm_ops"], name="policy_keywords_trgm_idx"),
            models.Index(fields=["state", "application_closes"], name="policy_state_window_idx"),
            # The catalogue's order, so its first page is read from the index, not sorted,
            # and its count is an index-only scan (its condition is the catalogue's).
            models.Index(
                fields=["-published_on", "-id"],
                condition=Q(state="published", archived_at__isnull=True),
                name="policy_catalogue_order_idx",
            ),
        ]
        # Archive (归档) instead; the database refuses a DELETE.
        triggers = [protect_from_delete()]

    # Shown on a policy's own page only; lists leave them out (defer).
    LONG_TEXTS = ("full_text", "interpretation")

    def __str__(self):
        return self.short_title or self.title

    def save(self, *args, **kwargs):
        # The two texts officials may format: kept to the rich-text allow-list on every save.
        from portal.richtext import sanitize

        self.full_text = sanitize(self.full_text)
        self.interpretation = sanitize(self.interpretation)
        super().save(*args, **kwargs)

    def clean(self):
        from django.core.exceptions import ValidationError

        from policies.conditions import ConditionError, validate_tree

        errors = {}
        if self.advanced_condition in ("", {}, []):
            self.advanced_condition = None  # an empty tree is no condition
        if self.advanced_condition is not None:
            try:
                validate_tree(self.advanced_condition)
            except ConditionError as error:
                errors["advanced_condition"] = str(error)
        if self.supersedes_id is not None and self.supersedes_id == self.pk:
            errors["supersedes"] = _("政策不能替代它自己。")
        if self.amount_rule == AmountRule.FIXED and self.amount_fixed is None:
            errors["amount_fixed"] = _("固定金额方式请填写金额。")
        if self.amount_rule in (AmountRule.PERCENTAGE, AmountRule.PER_UNIT):
            if not self.amount_field:
                errors["amount_field"] = _("请选择计算依据。")
            if self.amount_rate is None:
                errors["amount_rate"] = _("请填写比例或单价。")
        if errors:
            raise ValidationError(errors)

    @staticmethod
    def open_q(day) -> Q:
        """The one definition of "open for application on ``day``": published, still in
        effect, and inside its window — or granted without application (免申即享), whatever
        the window. The catalogue filter uses it; the matcher's SQL
        (``matching.sql.OPEN_POLICIES_SQL``) and ``applications.selectors.window_message`` (the
        reasons, in words) are kept equal to it by tests/policies/test_open_today.py."""
        in_effect = Q(effective_until__isnull=True) | Q(effective_until__gte=day)
        window = (Q(application_opens__isnull=True) | Q(application_opens__lte=day)) & (
            Q(application_closes__isnull=True) | Q(application_closes__gte=day)
        )
        return (
            Q(state=Policy.State.PUBLISHED) & in_effect & (Q(application_method=ApplicationMethod.AUTO_GRANT) | window)
        )


class PolicyMaterial(models.Model):
    """申报材料; ``zero_material`` marks those the portal's data already proves (零材料)."""

    policy = models.ForeignKey(Policy, verbose_name=_("政策"), on_delete=models.CASCADE, related_name="materials")
    name = models.CharField(_("材料名称"), max_length=200)
    zero_material = models.BooleanField(_("零材料（数据核验，无需上传）"), default=False)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("申报材料")
        verbose_name_plural = _("申报材料")
        ordering = ["policy", "sort_order", "id"]

    def __str__(self):
        return self.name


class PolicyQuestion(models.Model):
    """问政策: a question and, once the issuing department answers, its public answer (FAQ)."""

    policy = models.ForeignKey(Policy, verbose_name=_("政策"), on_delete=models.CASCADE, related_name="questions")
    question = models.TextField(_("问题"))
    answer = models.TextField(_("解答"), blank=True)
    is_published = models.BooleanField(_("公开"), default=False)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("政策问答")
        verbose_name_plural = _("政策问答")
        ordering = ["policy", "sort_order", "id"]

    def __str__(self):
        return self.question[:50]


class PolicyPush(models.Model):
    """精准推送: a policy was pushed to an enterprise. The unique constraint makes the push
    happen once per policy and enterprise, however often the task runs or restarts."""

    policy = models.ForeignKey(Policy, verbose_name=_("政策"), on_delete=models.CASCADE, related_name="pushes")
    enterprise = models.ForeignKey(Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="+")
    pushed_at = models.DateTimeField(_("推送时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("政策推送")
        verbose_name_plural = _("政策推送")
        constraints = [models.UniqueConstraint(fields=["policy", "enterprise"], name="push_once_per_enterprise")]

    def __str__(self):
        return f"{self.policy} → {self.enterprise}"


class PushRun(models.Model):
    """Progress of a policy's push, for the admin (N of M)."""

    policy = models.OneToOneField(Policy, verbose_name=_("政策"), on_delete=models.CASCADE, related_name="push_run")
    total = models.PositiveIntegerField(_("应推送企业数"), default=0)
    started_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("推送进度")
        verbose_name_plural = _("推送进度")

    def __str__(self):
        return str(self.policy)


ACTIVE_APPLICATION = ~Q(status="rejected")


# pghistory's defaults ("ApplicationEvent", application.events) are taken by the timeline.
@history(
    model_name="ApplicationHistoryEvent",
    obj_field=pghistory.ObjForeignKey(related_name="history", on_delete=models.DO_NOTHING, db_constraint=False),
)
class Application(models.Model):
    """报: an enterprise's application to a policy, or a grant made without one (免申即享)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("已提交")
        UNDER_REVIEW = "under_review", _("审核中")
        JOINT_REVIEW = "joint_review", _("联审中")
        RETURNED = "returned", _("退回补正")
        APPROVED = "approved", _("已核准")
        PAID = "paid", _("已兑付")
        REJECTED = "rejected", _("未通过")

    # The one definition of where an application stands, for pages, API and services alike.
    EDITABLE = (Status.DRAFT, Status.RETURNED)  # the enterprise may change text and files
    PENDING_REVIEW = (Status.SUBMITTED, Status.UNDER_REVIEW, Status.JOINT_REVIEW)  # a reviewer decides
    CONCLUDED = (Status.PAID, Status.REJECTED)  # the enterprise may rate (评政策)

    just_opened: bool  # set by application_start: a new draft, or the year's active one

    policy = models.ForeignKey(Policy, verbose_name=_("政策"), on_delete=models.PROTECT, related_name="applications")
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="policy_applications"
    )
    applicant = models.ForeignKey(
        "portal.User", verbose_name=_("申报人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A policy that repeats every year takes one application per year.
    year = models.PositiveSmallIntegerField(_("申报年度"))
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    is_auto_grant = models.BooleanField(_("免申即享"), default=False)
    declared = models.JSONField(_("申报数据"), default=dict, blank=True)
    confirmed = models.BooleanField(_("已承诺所填信息真实"), default=False)
    eligibility = models.JSONField(_("提交时的资格判断"), default=dict, blank=True)
    estimated_amount = models.DecimalField(_("测算金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    policy_version = models.PositiveIntegerField(_("适用政策版本"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    review_due_at = models.DateTimeField(_("审核期限"), null=True, blank=True)
    correction_request = models.TextField(_("补正要求"), blank=True)
    rejection_reason = models.TextField(_("不予通过理由"), blank=True)
    approved_amount = models.DecimalField(_("核准金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    approved_at = models.DateTimeField(_("核准时间"), null=True, blank=True)
    paid_amount = models.DecimalField(_("兑付金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    paid_on = models.DateField(_("兑付日期"), null=True, blank=True)
    voucher_number = models.CharField(_("凭证号"), max_length=50, blank=True)
    reviewer = models.ForeignKey(
        "portal.User", verbose_name=_("审核人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # 帮办代办: a 亲商管家 or an official filled it in for the enterprise, whose member
    # confirms and submits it — or the preparer submits it under the enterprise's
    # standing mandate (委托代办), which is then kept here.
    prepared_by = models.ForeignKey(
        "portal.User", verbose_name=_("代办人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    mandate = models.ForeignKey(
        "ApplicationMandate",
        verbose_name=_("依据的委托"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    archived_at = archived_at_field()

    class Meta:
        verbose_name = _("政策申报")
        verbose_name_plural = _("政策申报")
        ordering = ["-created_at", "-id"]
        permissions = [("review_application", _("可以审核政策申报")), ("grant_policy", _("可以办理免申即享"))]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "enterprise", "year"], condition=ACTIVE_APPLICATION, name="one_active_application"
            ),
        ]
        # Archive (归档) instead; the database refuses a DELETE.
        triggers = [protect_from_delete()]

    def __str__(self):
        return f"{self.enterprise} · {self.policy}"

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE

    @property
    def is_pending_review(self) -> bool:
        return self.status in self.PENDING_REVIEW

    @property
    def is_concluded(self) -> bool:
        return self.status in self.CONCLUDED

    @property
    def is_prepared(self) -> bool:
        """帮办代办: filled in by staff for the enterprise."""
        return self.prepared_by_id is not None

    @property
    def submitted_under_mandate(self) -> bool:
        return self.mandate_id is not None


class ApplicationEvent(models.Model):
    """One entry of an application's timeline (申报记录): who did what, when, and for how
    much. Written by policies.applications.services; never changed. Shown to the
    enterprise and to the reviewers, like a case's timeline."""

    # Labels in the "申报记录" context: the same words are also verbs ("不能上传材料").
    class Kind(models.TextChoices):
        STARTED = "started", pgettext_lazy("申报记录", "发起申报")
        SAVED = "saved", pgettext_lazy("申报记录", "保存草稿")
        FILE_ADDED = "file_added", pgettext_lazy("申报记录", "上传材料")
        FILE_REMOVED = "file_removed", pgettext_lazy("申报记录", "删除材料")
        SUBMITTED = "submitted", pgettext_lazy("申报记录", "提交申报")
        REVIEW_STARTED = "review_started", pgettext_lazy("申报记录", "开始审核")
        RETURNED = "returned", pgettext_lazy("申报记录", "退回补正")
        APPROVED = "approved", pgettext_lazy("申报记录", "核准")
        REJECTED = "rejected", pgettext_lazy("申报记录", "不予通过")
        PAID = "paid", pgettext_lazy("申报记录", "兑付")
        GRANTED = "granted", pgettext_lazy("申报记录", "免申即享兑现")
        RATED = "rated", pgettext_lazy("申报记录", "评价")
        SENT_TO_CONFIRM = "sent_to_confirm", pgettext_lazy("申报记录", "交企业确认")
        JOINT_REVIEW_REQUESTED = "joint_requested", pgettext_lazy("申报记录", "发起联审")
        JOINT_OPINION = "joint_opinion", pgettext_lazy("申报记录", "联审意见")

    application = models.ForeignKey(
        Application, verbose_name=_("政策申报"), on_delete=models.DO_NOTHING, related_name="events"
    )
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        "portal.User", verbose_name=_("操作人"), null=True, blank=True, on_delete=models.DO_NOTHING, related_name="+"
    )
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    from_status = models.CharField(_("原状态"), max_length=20, choices=Application.Status.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, choices=Application.Status.choices, blank=True)
    # Money moved or decided by this step: the approved or the paid amount.
    amount = models.DecimalField(_("金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    note = models.TextField(_("说明"), blank=True)

    actor_name: str  # "name（unit）", set by policies.applications.selectors.application_timeline

    class Meta:
        verbose_name = _("申报记录")
        verbose_name_plural = _("申报记录")
        ordering = ["created_at", "id"]
        triggers = [
            # Append-only: the record of what happened is never rewritten (全程留痕).
            pgtrigger.Protect(name="application_event_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self):
        return f"{self.application_id} {self.get_kind_display()}"


def application_file_path(instance, filename):
    import uuid

    return f"applications/{instance.application_id}/{uuid.uuid4().hex}"


class ApplicationFile(models.Model):
    application = models.ForeignKey(
        Application, verbose_name=_("政策申报"), on_delete=models.CASCADE, related_name="files"
    )
    material = models.ForeignKey(
        PolicyMaterial, verbose_name=_("对应材料"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    file = models.FileField(_("文件"), upload_to=application_file_path, max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("申报材料文件")
        verbose_name_plural = _("申报材料文件")
        ordering = ["application", "id"]

    def __str__(self):
        return self.original_name


class ApplicationRating(models.Model):
    """评政策: after an application concludes, the enterprise rates the policy and its handling."""

    application = models.OneToOneField(
        Application, verbose_name=_("政策申报"), on_delete=models.CASCADE, related_name="rating"
    )
    score = models.PositiveSmallIntegerField(_("评分"), validators=[MinValueValidator(1)])
    comment = models.TextField(_("评价"), blank=True)
    created_at = models.DateTimeField(_("评价时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("政策评价")
        verbose_name_plural = _("政策评价")
        constraints = [models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="rating_score_1_to_5")]

    def __str__(self):
        return f"{self.application} {self.score}"


def policy_attachment_path(instance, filename):
    import uuid

    return f"policies/{instance.policy_id}/{uuid.uuid4().hex}"


class PolicyAttachment(models.Model):
    """The policy document and its annexes (附件), served through a view, never by path."""

    policy = models.ForeignKey(Policy, verbose_name=_("政策"), on_delete=models.CASCADE, related_name="attachments")
    title = models.CharField(_("附件名称"), max_length=200)
    file = models.FileField(_("文件"), upload_to=policy_attachment_path, max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100, editable=False)
    size = models.PositiveIntegerField(_("大小（字节）"), default=0, editable=False)

    class Meta:
        verbose_name = _("政策附件")
        verbose_name_plural = _("政策附件")
        ordering = ["policy", "id"]

    def __str__(self):
        return self.title

    def clean(self):
        from django.core.exceptions import ValidationError

        from portal.uploads import check_upload

        upload = self.file.file if self.file and not getattr(self.file, "_committed", True) else None
        if upload is not None:
            try:
                self.content_type = check_upload(upload)
            except ValidationError as error:
                raise ValidationError({"file": error.messages}) from None
            self.size = upload.size


@history()
class ApplicationMandate(models.Model):
    """委托代办: an enterprise's standing mandate for staff to submit the applications they
    prepare for it (帮办代办) without the enterprise confirming each one. A member grants
    it, agreeing to ``pledge`` (the 信用承诺 that then covers every application submitted
    under it), and a member revokes it; a revoked mandate stays as the record of what
    was submitted under it. One active mandate per enterprise (a database constraint)."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="application_mandates"
    )
    pledge = models.TextField(_("信用承诺"))
    granted_by = models.ForeignKey("portal.User", verbose_name=_("委托人"), on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(_("委托时间"), default=timezone.now)
    revoked_by = models.ForeignKey(
        "portal.User", verbose_name=_("撤销人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("委托代办")
        verbose_name_plural = _("委托代办")
        ordering = ["-granted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise"], condition=Q(revoked_at__isnull=True), name="one_active_mandate_per_enterprise"
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | Q(revoked_at__gte=F("granted_at")),
                name="mandate_revoked_after_granted",
            ),
        ]
        # Kept as the record of what was submitted under it; the database refuses a DELETE.
        triggers = [protect_from_delete()]

    def __str__(self):
        return f"{self.enterprise} · {self.granted_at:%Y-%m-%d}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class PolicyPlan(models.Model):
    """一企一策: a report prepared by staff (the enterprise's 亲商管家 or an official) for
    one enterprise on one day — the policies it qualified for or almost did, what was
    missing and the estimated amounts, frozen in ``items`` as they stood that day, with
    the preparer's recommended next steps. Never changed afterwards: a new day, a new
    report (the database refuses updates and deletes)."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="policy_plans"
    )
    prepared_by = models.ForeignKey("portal.User", verbose_name=_("编制人"), on_delete=models.PROTECT, related_name="+")
    prepared_at = models.DateTimeField(_("编制时间"), default=timezone.now)
    # One dict per policy, as ``policies.plans.selectors.snapshot_items`` writes them.
    items = models.JSONField(_("政策清单"), default=list, blank=True)
    total_amount = models.DecimalField(
        _("预计可享金额合计（元）"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    recommendations = models.TextField(_("工作建议"))

    class Meta:
        verbose_name = _("一企一策报告")
        verbose_name_plural = _("一企一策报告")
        ordering = ["-prepared_at", "-id"]
        indexes = [models.Index(fields=["enterprise", "-prepared_at"], name="policyplan_enterprise_idx")]
        triggers = [
            pgtrigger.Protect(name="policy_plan_frozen", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self):
        return f"{self.enterprise} · {timezone.localtime(self.prepared_at):%Y-%m-%d}"


# --- 三色图 and 督办 (issue #18): monthly snapshots, thresholds, supervision notices ---------


class SupervisionDimension(models.TextChoices):
    """The three dimensions of the seed's 三色图 ("政策兑付的力度、速度和便利度"), and the overall score."""

    STRENGTH = "strength", _("力度")
    SPEED = "speed", _("速度")
    CONVENIENCE = "convenience", _("便利度")
    OVERALL = "overall", _("综合")


class SupervisionColour(models.TextChoices):
    GREEN = "green", _("绿色")
    YELLOW = "yellow", _("黄色")
    RED = "red", _("红色")


class SupervisionUnitKind(models.TextChoices):
    REGION = "region", _("地区")
    DEPARTMENT = "department", _("部门")


class ColourThreshold(models.Model):
    """The limits officials set for one dimension: a score (0–100) at or above
    ``green_from`` is green, at or above ``yellow_from`` yellow, below it red."""

    dimension = models.CharField(_("维度"), max_length=20, choices=SupervisionDimension.choices, unique=True)
    green_from = models.DecimalField(_("绿色不低于（分）"), max_digits=5, decimal_places=1)
    yellow_from = models.DecimalField(_("黄色不低于（分）"), max_digits=5, decimal_places=1)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("三色图阈值")
        verbose_name_plural = _("三色图阈值")
        ordering = ["dimension"]
        constraints = [
            models.CheckConstraint(
                condition=Q(green_from__gte=F("yellow_from")) & Q(yellow_from__gte=0) & Q(green_from__lte=100),
                name="colour_threshold_ordered",
            )
        ]

    def __str__(self):
        return str(self.get_dimension_display())


class MonthlySnapshot(models.Model):
    """One unit's (a county or an issuing department) 三色图 figures for one month, taken
    at the month's end by ``policies.supervision.services.snapshot_take``. Retaking a
    month replaces its rows."""

    month = models.DateField(_("月份"), help_text=_("当月第一天"))
    unit_kind = models.CharField(_("单位类型"), max_length=20, choices=SupervisionUnitKind.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("地区"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("部门"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # 力度
    eligible_firms = models.PositiveIntegerField(_("符合条件企业数"), default=0)
    benefited_firms = models.PositiveIntegerField(_("受益企业数"), default=0)
    payments = models.PositiveIntegerField(_("兑付笔数"), default=0)
    paid_amount = models.DecimalField(_("兑付金额（元）"), max_digits=16, decimal_places=2, default=0)
    # 速度
    median_workdays = models.FloatField(_("提交至兑付中位工作日"), null=True, blank=True)
    decided = models.PositiveIntegerField(_("办结审核数"), default=0)
    decided_on_time = models.PositiveIntegerField(_("按期审核数"), default=0)
    # 便利度
    easy_payments = models.PositiveIntegerField(_("零材料或免申即享兑付笔数"), default=0)
    submitted = models.PositiveIntegerField(_("新提交申报数"), default=0)
    not_returned = models.PositiveIntegerField(_("未退回补正数"), default=0)
    # Scores 0–100 (None: nothing to measure this month) and their colours.
    strength_score = models.FloatField(_("力度得分"), null=True, blank=True)
    speed_score = models.FloatField(_("速度得分"), null=True, blank=True)
    convenience_score = models.FloatField(_("便利度得分"), null=True, blank=True)
    overall_score = models.FloatField(_("综合得分"), null=True, blank=True)
    strength_colour = models.CharField(_("力度颜色"), max_length=10, choices=SupervisionColour.choices, blank=True)
    speed_colour = models.CharField(_("速度颜色"), max_length=10, choices=SupervisionColour.choices, blank=True)
    convenience_colour = models.CharField(_("便利度颜色"), max_length=10, choices=SupervisionColour.choices, blank=True)
    colour = models.CharField(_("综合颜色"), max_length=10, choices=SupervisionColour.choices, blank=True)
    # Place among the units of its kind with a score this month (1 = best), and how many were ranked.
    rank = models.PositiveSmallIntegerField(_("排名"), null=True, blank=True)
    ranked_units = models.PositiveSmallIntegerField(_("参与排名单位数"), default=0)
    taken_at = models.DateTimeField(_("生成时间"), default=timezone.now)

    # Set by policies.supervision.selectors.colour_map: the month before, for the change.
    previous: MonthlySnapshot | None
    score_change: float | None
    rank_change: int | None

    class Meta:
        verbose_name = _("三色图月度快照")
        verbose_name_plural = _("三色图月度快照")
        ordering = ["-month", "unit_kind", "rank", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["month", "region"], condition=Q(unit_kind="region"), name="snapshot_one_per_region_month"
            ),
            models.UniqueConstraint(
                fields=["month", "department"],
                condition=Q(unit_kind="department"),
                name="snapshot_one_per_department_month",
            ),
            models.CheckConstraint(
                condition=(Q(unit_kind="region", region__isnull=False, department__isnull=True))
                | Q(unit_kind="department", department__isnull=False, region__isnull=True),
                name="snapshot_unit_matches_kind",
            ),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} · {self.unit}"

    @property
    def unit(self):
        return self.region if self.unit_kind == SupervisionUnitKind.REGION else self.department


class SupervisionNotice(models.Model):
    """督办: a unit ranked in the last two places two months running is told what to
    put right, who must answer and by when; its 整改 answer and the official's
    evaluation are kept, and once published the notice and its result are public (公示)."""

    class Verdict(models.TextChoices):
        PENDING = "", _("待评价")
        DONE = "done", _("整改到位")
        NOT_DONE = "not_done", _("整改不到位")

    month = models.DateField(_("督办月份"), help_text=_("触发督办的月份第一天"))
    unit_kind = models.CharField(_("单位类型"), max_length=20, choices=SupervisionUnitKind.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("地区"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("部门"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subject = models.TextField(_("督办事项"))
    respondents = models.ManyToManyField(
        "portal.User", verbose_name=_("责任人"), blank=True, related_name="supervision_notices"
    )
    due_on = models.DateField(_("整改期限"))
    answer = models.TextField(_("整改情况"), blank=True)
    answered_by = models.ForeignKey(
        "portal.User", verbose_name=_("答复人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    verdict = models.CharField(_("评价结果"), max_length=10, choices=Verdict.choices, blank=True, default="")
    evaluation = models.TextField(_("评价意见"), blank=True)
    evaluated_by = models.ForeignKey(
        "portal.User", verbose_name=_("评价人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    evaluated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)
    published = models.BooleanField(_("已公示"), default=False)
    published_at = models.DateTimeField(_("公示时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("下达时间"), default=timezone.now)

    class Meta:
        verbose_name = _("督办")
        verbose_name_plural = _("督办")
        ordering = ["-month", "-id"]
        permissions = [("supervise_units", _("可以督办和评价整改"))]
        constraints = [
            models.UniqueConstraint(
                fields=["month", "region"], condition=Q(unit_kind="region"), name="notice_one_per_region_month"
            ),
            models.UniqueConstraint(
                fields=["month", "department"],
                condition=Q(unit_kind="department"),
                name="notice_one_per_department_month",
            ),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} · {self.unit}"

    @property
    def unit(self):
        return self.region if self.unit_kind == SupervisionUnitKind.REGION else self.department


class PolicyRevision(models.Model):
    """One change in a policy's life (政策修订记录): who did what and why, with the fields
    that changed. Written by policies.services; never changed. The values themselves are
    in the history (pghistory); this says who and why, in the words of the person."""

    class Kind(models.TextChoices):
        CREATED = "created", pgettext_lazy("政策修订", "起草")
        EDITED = "edited", pgettext_lazy("政策修订", "修改")
        SUBMITTED = "submitted", pgettext_lazy("政策修订", "提交审核")
        RETURNED = "returned", pgettext_lazy("政策修订", "退回修改")
        PUBLISHED = "published", pgettext_lazy("政策修订", "发布")
        WITHDRAWN = "withdrawn", pgettext_lazy("政策修订", "撤回")

    policy = models.ForeignKey(Policy, verbose_name=_("政策"), on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField(_("版本"))
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        "portal.User", verbose_name=_("操作人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("修改说明"), blank=True)
    changed_fields = ArrayField(models.CharField(max_length=60), verbose_name=_("修改的字段"), default=list, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("政策修订记录")
        verbose_name_plural = _("政策修订记录")
        ordering = ["created_at", "id"]
        triggers = [
            pgtrigger.Protect(name="policy_revision_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self):
        return f"{self.policy_id} v{self.version} {self.get_kind_display()}"


@history()
class JointOpinion(models.Model):
    """联审意见: one department's opinion on a 审查遴选 application, due on its own
    working-day clock. The issuer decides only once every department has answered."""

    class Opinion(models.TextChoices):
        PENDING = "", _("待回复")
        AGREE = "agree", _("同意")
        DISAGREE = "disagree", _("不同意")

    application = models.ForeignKey(
        Application, verbose_name=_("政策申报"), on_delete=models.CASCADE, related_name="joint_opinions"
    )
    department = models.ForeignKey(Department, verbose_name=_("联审部门"), on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("发起时间"), default=timezone.now)
    due_at = models.DateTimeField(_("回复期限"))
    opinion = models.CharField(_("意见"), max_length=10, choices=Opinion.choices, blank=True, default="")
    comment = models.TextField(_("意见说明"), blank=True)
    answered_by = models.ForeignKey(
        "portal.User", verbose_name=_("回复人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(_("回复时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("联审意见")
        verbose_name_plural = _("联审意见")
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "department"], name="joint_opinion_one_per_department"),
            # An opinion is given with its time and person, or not at all.
            models.CheckConstraint(
                condition=(Q(opinion="") & Q(answered_at__isnull=True))
                | (~Q(opinion="") & Q(answered_at__isnull=False)),
                name="joint_opinion_answered_with_time",
            ),
        ]
        indexes = [
            models.Index(fields=["department", "due_at"], condition=Q(opinion=""), name="joint_opinion_waiting_idx"),
        ]

    def __str__(self):
        return f"{self.application_id} · {self.department}"


class PolicyViewDay(models.Model):
    """Page views of a policy on one day (浏览量). Web processes count in memory and add
    their counts in one statement now and then (policies.views_counter), so a page view
    costs no write of its own."""

    policy = models.ForeignKey(Policy, verbose_name=_("政策"), on_delete=models.CASCADE, related_name="view_days")
    day = models.DateField(_("日期"))
    views = models.PositiveIntegerField(_("浏览量"), default=0)

    class Meta:
        verbose_name = _("政策浏览量")
        verbose_name_plural = _("政策浏览量")
        constraints = [models.UniqueConstraint(fields=["policy", "day"], name="policy_view_one_row_per_day")]

    def __str__(self):
        return f"{self.policy_id} {self.day}: {self.views}"
