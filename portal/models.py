"""The shared core: regions, departments, industries, enterprises, users, the
working-day calendar and notifications."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.fields import CreditCodeField, MobileField
from portal.localized import LocalizedName
from portal.validators import validate_region_code


def english_name_field(max_length: int = 200, verbose_name=None):
    """The stored English translation of a reference row's Chinese name (portal.localized):
    shown on English pages, the Chinese name when it is empty."""
    return models.CharField(
        verbose_name or _("英文名称"),
        max_length=max_length,
        blank=True,
        help_text=_("英文页面显示此名称；留空则显示中文名称。繁体页面由中文名称自动转换。"),
    )


def history(**options):
    """Track a model's inserts, updates and deletes with PostgreSQL triggers, so
    bulk and set-based changes are recorded too (django-pghistory)."""
    return pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent(), **options)


def lineage_of(path: str) -> list[str]:
    """``"/34/3418/341802/"`` → ``["/34/", "/34/3418/", "/34/3418/341802/"]``."""
    codes = [code for code in path.split("/") if code]
    return ["/" + "/".join(codes[: depth + 1]) + "/" for depth in range(len(codes))]


class TreeNode(LocalizedName, models.Model):
    """A node of a coded classification tree.

    ``path`` lists the codes from the root down (``"/341800/341802/"``), so "this
    node and everything under it" is one indexed ``startswith`` query, and "under
    the node with code X" is ``path__contains="/X/"`` without a lookup.
    """

    code = models.CharField(_("代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    name_en = english_name_field()
    path = models.CharField(_("路径"), max_length=255, editable=False, db_index=True)

    class Meta:
        abstract = True
        ordering = ["path"]

    def __str__(self):
        return gettext("%(name)s（%(code)s）") % {"name": self.display_name, "code": self.code}

    def save(self, *args, **kwargs):
        self.path = f"{self.parent.path if self.parent_id else '/'}{self.code}/"
        super().save(*args, **kwargs)

    def subtree(self):
        """This node and all nodes under it."""
        return type(self).objects.filter(path__startswith=self.path)

    def lineage_paths(self) -> list[str]:
        """The paths of this node and every node above it, root first: "bound to this
        region or one that contains it" is ``region__path__in=node.lineage_paths()``."""
        return lineage_of(self.path)


@history()
class Region(TreeNode):
    """行政区划 (GB/T 2260): province → city → county/district → township."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("省")
        CITY = "city", _("市")
        COUNTY = "county", _("区县")
        TOWNSHIP = "township", _("乡镇街道")

    code = models.CharField(_("行政区划代码"), max_length=12, unique=True, validators=[validate_region_code])
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级区划"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta(TreeNode.Meta):
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")


class Industry(TreeNode):
    """国民经济行业分类 (GB/T 4754-2017): section → division → group → class."""

    class Level(models.TextChoices):
        SECTION = "section", _("门类")
        DIVISION = "division", _("大类")
        GROUP = "group", _("中类")
        CLASS = "class", _("小类")

    level = models.CharField(_("层级"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级行业"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta(TreeNode.Meta):
        verbose_name = _("国民经济行业")
        verbose_name_plural = _("国民经济行业")


@history()
class Department(LocalizedName, models.Model):
    """部门/承办单位: a government department that handles cases."""

    name = models.CharField(_("名称"), max_length=100)
    name_en = english_name_field()
    short_name = models.CharField(_("简称"), max_length=30, blank=True)
    region = models.ForeignKey(Region, verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="departments")
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    # The department's responsible leader (分管负责人), told when its cases run late.
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("负责人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_departments",
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["region__path", "name"]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="department_unique_name_in_region")]

    def __str__(self):
        return self.display_name


@history()
class TagDimension(LocalizedName, models.Model):
    """标签维度: the dimension an enterprise tag belongs to in the enterprise's portrait
    (企业画像). 钱塘 (seed 001 §13) gathers "从5个维度、23个标签" — 基本信息, 经营状况,
    创新能力, 信用, 发展阶段; officials may add or rename them."""

    name = models.CharField(_("名称"), max_length=30, unique=True)
    name_en = english_name_field()
    position = models.PositiveSmallIntegerField(_("排序"), default=0, help_text=_("数字小的排在前面。"))

    class Meta:
        verbose_name = _("标签维度")
        verbose_name_plural = _("标签维度")
        ordering = ["position", "name"]

    def __str__(self):
        return self.display_name


@history()
class EnterpriseTag(LocalizedName, models.Model):
    """企业标签, e.g. 高新技术企业, 专精特新. The vocabulary is curated by officials."""

    name = models.CharField(_("名称"), max_length=50, unique=True)
    name_en = english_name_field()
    # The portrait's dimension the tag is shown under; a tag without one is listed under 其他.
    dimension = models.ForeignKey(
        TagDimension,
        verbose_name=_("维度"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tags",
    )
    description = models.TextField(_("说明"), blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("企业标签")
        verbose_name_plural = _("企业标签")
        ordering = ["name"]

    def __str__(self):
        return self.display_name


@history()
class Enterprise(models.Model):
    """企业, identified by its unified social credit code (统一社会信用代码)."""

    class Scale(models.TextChoices):
        LARGE = "large", _("大型")
        MEDIUM = "medium", _("中型")
        SMALL = "small", _("小型")
        MICRO = "micro", _("微型")

    class Ownership(models.TextChoices):
        PRIVATE = "private", _("民营")
        STATE = "state", _("国有")
        FOREIGN = "foreign", _("外资")
        HK_MACAO_TAIWAN = "hmt", _("港澳台")

    class TaxCreditGrade(models.TextChoices):
        """纳税信用等级, as the tax authority grades it yearly; M is a new enterprise's grade,
        between B and C (so the order here is the grades' own, best first)."""

        A = "A", _("A级")
        B = "B", _("B级")
        M = "M", _("M级")
        C = "C", _("C级")
        D = "D", _("D级")

    name = models.CharField(_("企业名称"), max_length=200)
    credit_code = CreditCodeField(_("统一社会信用代码"), unique=True)
    industry = models.ForeignKey(
        Industry, verbose_name=_("所属行业"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    scale = models.CharField(_("企业规模"), max_length=10, choices=Scale.choices, blank=True)
    ownership = models.CharField(_("所有制类型"), max_length=10, choices=Ownership.choices, blank=True)
    region = models.ForeignKey(
        Region, verbose_name=_("所在区划"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    employees = models.PositiveIntegerField(_("从业人数"), null=True, blank=True)
    # Money is kept in yuan (元) with two decimals.
    annual_revenue = models.DecimalField(
        _("年营业收入（元）"), max_digits=16, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    tax_paid = models.DecimalField(
        _("年纳税额（元）"), max_digits=16, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    rd_spend = models.DecimalField(
        _("年研发投入（元）"), max_digits=16, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    tax_credit_grade = models.CharField(
        _("纳税信用等级"),
        max_length=1,
        choices=TaxCreditGrade.choices,
        blank=True,
        help_text=_("以税务机关最近一次评定为准；不清楚可不填"),
    )
    tags = models.ManyToManyField(EnterpriseTag, verbose_name=_("企业标签"), blank=True, related_name="enterprises")
    address = models.CharField(_("地址"), max_length=200, blank=True)
    contact_person = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = MobileField(_("联系人手机"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    # What the enterprise's members keep up to date themselves (企业资料): the profile form
    # and the API read the same list. The credit code is fixed at registration.
    PROFILE_FIELDS = (
        "name",
        "industry",
        "scale",
        "ownership",
        "region",
        "founded_on",
        "employees",
        "annual_revenue",
        "tax_paid",
        "tax_credit_grade",
        "rd_spend",
        "tags",
        "address",
        "contact_person",
        "contact_phone",
    )

    class Meta:
        verbose_name = _("企业")
        verbose_name_plural = _("企业")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(credit_code__regex=r"^[0-9A-HJ-NPQRTUWXY]{18}$"), name="enterprise_credit_code_format"
            ),
        ]

    def __str__(self):
        return self.name


@history(exclude=["password", "last_login"])
class User(AbstractUser):
    """A person who signs in: official, handler, enterprise user, experience officer."""

    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    # When the person agreed to the privacy policy when signing up (同意记录).
    privacy_consent_at = models.DateTimeField(_("同意隐私政策时间"), null=True, blank=True, editable=False)
    mobile = MobileField(_("手机号码"), blank=True)
    # The number enterprises call an official on (a 管家's, shown to its enterprises); the
    # mobile stays private.
    work_phone = models.CharField(_("办公电话"), max_length=30, blank=True)
    # Department handlers (承办单位经办人) see the cases of this department only.
    department = models.ForeignKey(
        Department, verbose_name=_("所属部门"), null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    # A chief problem officer bound to a region sees that region's cases first.
    region = models.ForeignKey(
        Region, verbose_name=_("负责区域"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # How the user hears besides the in-app inbox, which is always on.
    notify_by_email = models.BooleanField(_("接收邮件通知"), default=True)
    notify_by_sms = models.BooleanField(_("接收短信通知"), default=True)

    class Meta(AbstractUser.Meta):
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self):
        return self.display_name

    def get_full_name(self):
        """The person's name, never the login name (which is half of a credential, and
        means nothing to the reader): an account without a name says so."""
        return self.full_name or gettext("未填姓名的用户")

    def get_short_name(self):
        # Django's admin greets the signed-in user with it: their own login name is fine there.
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        """姓名（单位）, as lists of people show them (the chief officers to escalate to, a
        department's lead): the unit is the user's department when it was loaded with the
        user (``select_related("department")``), so that no list makes a query per person."""
        department = self.department if User.department.is_cached(self) else None
        if department is None:
            return self.get_full_name()
        return gettext("%(name)s（%(unit)s）") % {"name": self.get_full_name(), "unit": department.display_name}


@history()
class EnterpriseMembership(models.Model):
    """A user's claim to act for an enterprise; it grants access once an official approves it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已通过")
        REJECTED = "rejected", _("未通过")
        REVOKED = "revoked", _("已撤销")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="memberships"
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="memberships"
    )
    position = models.CharField(_("职务"), max_length=50, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decision_note = models.CharField(_("审核意见"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("企业成员")
        verbose_name_plural = _("企业成员")
        ordering = ["-requested_at"]
        permissions = [("approve_membership", _("可以审核企业成员申请"))]
        constraints = [
            models.UniqueConstraint(fields=["user", "enterprise"], name="membership_unique_user_enterprise"),
        ]

    def __str__(self):
        return f"{self.user} @ {self.enterprise}"


@history()
class HolidaySchedule(models.Model):
    """A year's official holiday schedule (放假安排), entered by officials when the
    State Council publishes it and before the ``chinesecalendar`` package knows it."""

    year = models.PositiveSmallIntegerField(_("年度"), unique=True, validators=[MinValueValidator(2000)])
    document_number = models.CharField(_("文号"), max_length=100, blank=True, help_text=_("如：国办发明电〔2025〕7号"))
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("年度放假安排")
        verbose_name_plural = _("年度放假安排")
        ordering = ["-year"]

    def __str__(self):
        return str(self.year)


@history()
class CalendarDay(models.Model):
    """A day whose status differs from what Monday–Friday would say: a holiday on a
    weekday, or an adjusted working day (调休上班) on a weekend. Entries here win over
    the ``chinesecalendar`` package."""

    schedule = models.ForeignKey(
        HolidaySchedule, verbose_name=_("年度放假安排"), on_delete=models.CASCADE, related_name="days"
    )
    date = models.DateField(_("日期"), unique=True)
    is_working_day = models.BooleanField(_("是否上班"))
    name = models.CharField(_("名称"), max_length=50, blank=True, help_text=_("如：国庆节、国庆节调休上班"))

    class Meta:
        verbose_name = _("工作日调整")
        verbose_name_plural = _("工作日调整")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.name}"

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.schedule_id and self.date and self.date.year != self.schedule.year:
            raise ValidationError({"date": _("日期必须在%(year)s年内。") % {"year": self.schedule.year}})


@history()
class StewardAssignment(models.Model):
    """亲商管家: an official named to look after an enterprise — its first call for
    questions, visits and problems (湘潭's 337 管家). An enterprise may have several."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="steward_assignments"
    )
    steward = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("亲商管家"), on_delete=models.PROTECT, related_name="stewarded"
    )
    assigned_at = models.DateTimeField(_("指派时间"), auto_now_add=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("指派人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("亲商管家指派")
        verbose_name_plural = _("亲商管家指派")
        ordering = ["enterprise", "assigned_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "steward"], name="one_assignment_per_steward_and_enterprise")
        ]

    def __str__(self):
        return gettext("%(steward)s：%(enterprise)s") % {
            "steward": self.steward.get_full_name(),
            "enterprise": self.enterprise.name,
        }


class Announcement(models.Model):
    """通知公告: what the office tells everyone, on the home page from ``published_at``
    until ``expires_at``; pinned ones first."""

    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"), blank=True)
    published_at = models.DateTimeField(_("发布时间"), default=timezone.now, db_index=True)
    expires_at = models.DateTimeField(_("下线时间"), null=True, blank=True, help_text=_("留空则一直显示"))
    is_pinned = models.BooleanField(_("置顶"), default=False)

    class Meta:
        verbose_name = _("通知公告")
        verbose_name_plural = _("通知公告")
        ordering = ["-is_pinned", "-published_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True) | Q(expires_at__gt=F("published_at")),
                name="announcement_expires_after_publishing",
            )
        ]

    def __str__(self):
        return self.title


class Notification(models.Model):
    """A message to one user: shown in the in-app inbox, optionally e-mailed and texted.

    Or, for someone without an account (an appeal filed by phone or at a window), a
    message to the mobile number and e-mail address they gave: no inbox, only the
    text message and the e-mail."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    # Empty for a user's notification; a database default, so the bulk inserts of the
    # tasks (raw SQL) need not name them.
    to_mobile = models.CharField(_("接收手机"), max_length=20, blank=True, db_default="")
    to_email = models.EmailField(_("接收邮箱"), blank=True, db_default="")
    kind = models.CharField(_("类型"), max_length=50)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=500, blank=True)
    # The same event notified twice (a retried task, a double click) carries the
    # same key; the unique constraint below makes the second one a no-op.
    dedup_key = models.CharField(_("去重键"), max_length=200)
    send_email = models.BooleanField(_("发送邮件"), default=False)
    send_sms = models.BooleanField(_("发送短信"), default=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)
    texted_at = models.DateTimeField(_("短信发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "dedup_key"], name="notification_unique_dedup_key"),
            models.UniqueConstraint(
                fields=["to_mobile", "to_email", "dedup_key"],
                condition=Q(recipient__isnull=True),
                name="notification_unique_address_dedup_key",
            ),
            models.CheckConstraint(
                condition=Q(recipient__isnull=False) | ~Q(to_mobile="") | ~Q(to_email=""),
                name="notification_has_recipient_or_address",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread_idx"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_read(self):
        return self.read_at is not None


# The site settings' starting values are the deployment's SITE_* variables (settings.SITE_FOOTER).
def default_sponsor() -> str:
    return settings.SITE_FOOTER["sponsor"]


def default_organiser() -> str:
    return settings.SITE_FOOTER["organiser"]


def default_hotline() -> str:
    return settings.SITE_FOOTER["hotline"]


@history()
class SiteSettings(models.Model):
    """网站设置: what every page's footer says about the site (政府网站基本信息), and the
    privacy policy and home page with it. One row, kept by officials in the admin and read
    by pages from the cache (portal.selectors.site_settings); the row is created by a
    migration from the SITE_* environment variables."""

    SINGLETON_PK = 1

    # A fixed key and a check on it: a second row fails in the database, whoever inserts it.
    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON_PK, editable=False)
    sponsor = models.CharField(
        _("主办单位"),
        max_length=200,
        default=default_sponsor,
        help_text=_("主办单位的全称，显示在每个页面的页脚和隐私政策中。"),
    )
    organiser = models.CharField(
        _("承办单位"),
        max_length=200,
        blank=True,
        default=default_organiser,
        help_text=_("承办单位的全称，显示在页脚；留空则不显示。"),
    )
    address = models.CharField(_("地址"), max_length=200, blank=True, help_text=_("主办单位的地址；留空则不显示。"))
    hotline = models.CharField(
        _("服务热线"),
        max_length=30,
        default=default_hotline,
        validators=[RegexValidator(r"^\+?[0-9][0-9-]*$", _("请填写电话号码，只含数字和连字符，如 0563-1234567。"))],
        help_text=_("显示在页脚、首页和隐私政策中，可点击拨打。如：12345、0563-1234567。"),
    )
    email = models.EmailField(_("联系邮箱"), blank=True, help_text=_("显示在页脚；留空则不显示。"))
    icp = models.CharField(
        _("ICP备案号"), max_length=100, blank=True, help_text=_("如：皖ICP备00000000号；留空则不显示。")
    )
    police_record = models.CharField(
        _("公安机关备案号"),
        max_length=100,
        blank=True,
        help_text=_("如：皖公网安备 34180202000001号；留空则不显示。"),
    )
    site_code = models.CharField(
        _("网站标识码"), max_length=20, blank=True, help_text=_("政府网站标识码，如：3418000001；留空则不显示。")
    )

    class Meta:
        verbose_name = _("网站设置")
        verbose_name_plural = _("网站设置")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="sitesettings_single_row")]

    def __str__(self):
        return str(self._meta.verbose_name)


class PhoneVerification(models.Model):
    """A text-message code sent to confirm a phone number (短信验证码), e.g. an anonymous
    appeal's. The code is kept only as a keyed hash; it is valid for a few minutes and a
    few wrong tries (``portal.sms``)."""

    class Purpose(models.TextChoices):
        APPEAL = "appeal", _("反映诉求")

    phone = models.CharField(_("手机号码"), max_length=20)
    purpose = models.CharField(_("用途"), max_length=20, choices=Purpose.choices)
    code_hash = models.CharField(_("验证码摘要"), max_length=128)
    created_at = models.DateTimeField(_("发送时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("失效时间"))
    attempts = models.PositiveSmallIntegerField(_("错误次数"), default=0)
    verified_at = models.DateTimeField(_("验证时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("短信验证码")
        verbose_name_plural = _("短信验证码")
        indexes = [models.Index(fields=["phone", "purpose", "-created_at"], name="phoneverification_latest_idx")]

    def __str__(self):
        return f"****{self.phone[-4:]}"
