"""Government–enterprise roundtables (政商恳谈会): series held on a rule, sessions with
a theme, enterprises signing up or invited, and the appeals they raise."""

from __future__ import annotations

import datetime
import secrets

from dateutil.rrule import rrulestr
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from complaints.models import Case
from portal.archive import archived_at_field, protect_from_delete
from portal.fields import MobileField
from portal.localized import LocalizedName
from portal.models import Department, Enterprise, Industry, Region, english_name_field, history


def validate_rrule(value: str) -> None:
    try:
        rrulestr(value)
    except (ValueError, TypeError) as error:
        raise ValidationError(
            _("重复规则无效（RFC 5545 RRULE，如“FREQ=MONTHLY;BYDAY=1SA”表示每月第一个周六）：%(error)s"),
            params={"error": error},
            code="rrule",
        ) from None


class Series(LocalizedName, models.Model):
    """A recurring roundtable, e.g. 宣城市政商恳谈会 (first Saturday of each month), or
    one of its kin: 湘潭's 企业接待日 and 湖州's weekly 亲清直通车."""

    class Kind(models.TextChoices):
        ROUNDTABLE = "roundtable", _("政商恳谈会")
        # 湘潭: "由市领导率各职能部门一起现场接受企业咨询，受理企业遇到的问题，并答复处理意见".
        RECEPTION_DAY = "reception_day", _("企业接待日")
        # 湖州: 周三亲清直通车, a weekly session where firms book a time to be heard.
        DIRECT_LINE = "direct_line", _("直通车")

    name = models.CharField(_("名称"), max_length=100, unique=True)
    name_en = english_name_field()
    region = models.ForeignKey(Region, verbose_name=_("区划"), on_delete=models.PROTECT, related_name="+")
    host_department = models.ForeignKey(
        Department, verbose_name=_("主办单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rrule = models.CharField(
        _("重复规则"),
        max_length=200,
        validators=[validate_rrule],
        help_text=_("RFC 5545 RRULE，如 FREQ=MONTHLY;BYDAY=1SA（每月第一个周六）、FREQ=WEEKLY;BYDAY=WE（每周三）"),
    )
    default_start_time = models.TimeField(_("默认开始时间"), default=datetime.time(9, 0))
    default_duration_minutes = models.PositiveSmallIntegerField(_("默认时长（分钟）"), default=180)
    default_venue = models.CharField(_("默认地点"), max_length=200, blank=True)
    default_capacity = models.PositiveSmallIntegerField(_("默认名额"), default=30, validators=[MinValueValidator(1)])
    default_reserved_seats = models.PositiveSmallIntegerField(_("默认点名预留名额"), default=10)
    kind = models.CharField(
        _("类型"),
        max_length=20,
        choices=Kind.choices,
        default=Kind.ROUNDTABLE,
        help_text=_("企业接待日和直通车按时段预约：报名时须选择一个时段。"),
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("恳谈会系列")
        verbose_name_plural = _("恳谈会系列")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(default_reserved_seats__lte=F("default_capacity")), name="series_reserved_within_capacity"
            )
        ]

    def __str__(self):
        return self.display_name

    @property
    def takes_slots(self) -> bool:
        return self.kind in SLOT_KINDS


# Kinds whose enterprises book a time slot (时段) rather than a seat in the hall.
SLOT_KINDS = (Series.Kind.RECEPTION_DAY, Series.Kind.DIRECT_LINE)


@history()
class Session(models.Model):
    """第N期: one sitting of a series (or a county's synchronised sub-session)."""

    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        ANNOUNCED = "announced", _("已发布")
        REGISTRATION_CLOSED = "closed_signup", _("报名截止")
        HELD = "held", _("已召开")
        FOLLOWING_UP = "following_up", _("跟踪办理")
        CLOSED = "closed", _("已结束")
        CANCELLED = "cancelled", _("已取消")

    series = models.ForeignKey(Series, verbose_name=_("系列"), on_delete=models.PROTECT, related_name="sessions")
    # 市县同步: a county sub-session runs at the same time as its city session.
    parent = models.ForeignKey(
        "self", verbose_name=_("市级会议"), null=True, blank=True, on_delete=models.CASCADE, related_name="sub_sessions"
    )
    region = models.ForeignKey(Region, verbose_name=_("区划"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    number = models.PositiveSmallIntegerField(_("期次"))
    theme = models.CharField(_("主题"), max_length=200, blank=True)
    description = models.TextField(_("说明"), blank=True)
    chairs = models.TextField(_("主持人"), blank=True, help_text=_("每行一人：姓名、职务"))
    # 企业接待日: the city leader who receives the enterprises, with the departments
    # present (``departments``), e.g. 市长 张三.
    leader_title = models.CharField(_("接待领导职务"), max_length=50, blank=True, help_text=_("如“市长”"))
    leader_name = models.CharField(_("接待领导姓名"), max_length=50, blank=True)
    starts_at = models.DateTimeField(_("开始时间"), db_index=True)
    ends_at = models.DateTimeField(_("结束时间"))
    venue = models.CharField(_("地点"), max_length=200, blank=True)
    online_link = models.URLField(_("线上链接"), blank=True)
    capacity = models.PositiveSmallIntegerField(_("现场名额"), validators=[MinValueValidator(1)])
    reserved_seats = models.PositiveSmallIntegerField(_("点名预留名额"), default=0)
    departments = models.ManyToManyField(Department, verbose_name=_("参会部门"), blank=True, related_name="+")
    industries = models.ManyToManyField(
        Industry, verbose_name=_("主题相关行业"), blank=True, related_name="+", help_text=_("发布时通知这些行业的企业")
    )
    state = models.CharField(_("状态"), max_length=20, choices=State.choices, default=State.DRAFT)
    registration_closes_at = models.DateTimeField(_("报名截止时间"), null=True, blank=True)
    calendar_note = models.CharField(
        _("日历提示"), max_length=100, blank=True, help_text=_("生成时发现的节假日或调休情况，请确认是否调整日期。")
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    early_publish_reason = models.CharField(_("提前不足7天发布的理由"), max_length=200, blank=True)
    minutes = models.TextField(_("会议纪要"), blank=True)
    video_url = models.URLField(_("专题片链接"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("恳谈会")
        verbose_name_plural = _("恳谈会")
        ordering = ["-starts_at"]
        permissions = [
            ("manage_sessions", _("可以组织恳谈会（发布、点名、签到、登记诉求）")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "year", "number"], condition=Q(parent__isnull=True), name="session_number_per_year"
            ),
            models.UniqueConstraint(fields=["parent", "region"], name="one_sub_session_per_region"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_start"),
            models.CheckConstraint(
                condition=Q(reserved_seats__lte=F("capacity")), name="session_reserved_within_capacity"
            ),
        ]

    def __str__(self):
        name = gettext("%(series)s %(year)s年第%(number)s期") % {
            "series": self.series.display_name,
            "year": self.year,
            "number": self.number,
        }
        if self.parent_id:
            name += gettext("（%(region)s分会场）") % {"region": self.region.display_name}
        return name

    @property
    def open_seats(self) -> int:
        return self.capacity - self.reserved_seats

    @property
    def leader(self) -> str:
        """接待领导 as the seeds write it: "市长 张三"."""
        return " ".join(part for part in (self.leader_title.strip(), self.leader_name.strip()) if part)

    @property
    def takes_slots(self) -> bool:
        return self.series.takes_slots

    @property
    def is_open_for_registration(self) -> bool:
        from django.utils import timezone

        return self.state == self.State.ANNOUNCED and (
            self.registration_closes_at is None or timezone.now() < self.registration_closes_at
        )


def session_attachment_path(instance, filename):
    import uuid

    return f"roundtables/{instance.session_id}/{uuid.uuid4().hex}"


class SessionAttachment(models.Model):
    """The topic video (专题片) and other materials."""

    class Kind(models.TextChoices):
        VIDEO = "video", _("专题片")
        MATERIAL = "material", _("会议材料")

    session = models.ForeignKey(Session, verbose_name=_("恳谈会"), on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, default=Kind.MATERIAL)
    title = models.CharField(_("标题"), max_length=200)
    file = models.FileField(_("文件"), upload_to=session_attachment_path, blank=True, max_length=200)
    link = models.URLField(_("链接"), blank=True)

    class Meta:
        verbose_name = _("会议附件")
        verbose_name_plural = _("会议附件")

    def __str__(self):
        return self.title


@history()
class Slot(models.Model):
    """A bookable time slot (预约时段) of a reception day or a 直通车 session: an
    enterprise signs up for one, and no more firms than ``capacity`` are confirmed in it
    (``services.registration_create`` counts them under the session's row lock)."""

    session = models.ForeignKey(Session, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    capacity = models.PositiveSmallIntegerField(_("可预约企业数"), default=1, validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("预约时段")
        verbose_name_plural = _("预约时段")
        ordering = ["session", "starts_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "starts_at"],
                name="one_slot_per_start",
                violation_error_message=_("本期已有同一开始时间的时段。"),
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="slot_ends_after_start",
                violation_error_message=_("时段的结束时间应晚于开始时间。"),
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=1),
                name="slot_capacity_positive",
                violation_error_message=_("每个时段至少可约1家企业。"),
            ),
        ]

    def __str__(self):
        from django.utils import timezone

        starts, ends = timezone.localtime(self.starts_at), timezone.localtime(self.ends_at)
        return f"{starts:%Y-%m-%d %H:%M}–{ends:%H:%M}"

    @property
    def label(self) -> str:
        """The time of day only, for pages that already show the date."""
        from django.utils import timezone

        return f"{timezone.localtime(self.starts_at):%H:%M}–{timezone.localtime(self.ends_at):%H:%M}"


def registration_code() -> str:
    return "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(6))


ACTIVE_REGISTRATION = Q(status__in=["confirmed", "waitlisted"])


@history()
class Registration(models.Model):
    """An enterprise's sign-up (报名) for a session."""

    class Mode(models.TextChoices):
        IN_PERSON = "in_person", _("现场参会")
        WRITTEN = "written", _("仅书面反映")

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("已确认")
        WAITLISTED = "waitlisted", _("候补")
        CANCELLED = "cancelled", _("已取消")

    class Pool(models.TextChoices):
        OPEN = "open", _("公开报名")
        RESERVED = "reserved", _("点名预留")

    session = models.ForeignKey(
        Session, verbose_name=_("恳谈会"), on_delete=models.CASCADE, related_name="registrations"
    )
    enterprise = models.ForeignKey(Enterprise, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="+")
    signed_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("报名人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    attendee_name = models.CharField(_("参会人"), max_length=50)
    attendee_title = models.CharField(_("职务"), max_length=50, blank=True)
    attendee_mobile = MobileField(_("手机号码"))
    mode = models.CharField(_("参会方式"), max_length=20, choices=Mode.choices, default=Mode.IN_PERSON)
    # The time booked at a reception day or a 直通车 session (in person only).
    slot = models.ForeignKey(
        Slot, verbose_name=_("预约时段"), null=True, blank=True, on_delete=models.PROTECT, related_name="registrations"
    )
    pool = models.CharField(_("名额类型"), max_length=20, choices=Pool.choices, default=Pool.OPEN)
    intended_problems = models.TextField(_("拟反映的问题"), blank=True)
    # When the person signing up agreed to the privacy policy on the web form (同意记录).
    privacy_consent_at = models.DateTimeField(_("同意隐私政策时间"), null=True, blank=True, editable=False)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices)
    code = models.CharField(_("签到码"), max_length=8, unique=True, default=registration_code, editable=False)
    created_at = models.DateTimeField(_("报名时间"), auto_now_add=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)

    archived_at = archived_at_field()

    class Meta:
        verbose_name = _("报名")
        verbose_name_plural = _("报名")
        ordering = ["session", "created_at", "id"]
        constraints = [
            # One active registration per enterprise per session.
            models.UniqueConstraint(
                fields=["session", "enterprise"], condition=ACTIVE_REGISTRATION, name="one_active_registration"
            ),
        ]
        indexes = [models.Index(fields=["session", "status", "mode", "pool"], name="registration_seat_count_idx")]
        # Archive (归档) instead; the database refuses a DELETE.
        triggers = [protect_from_delete()]

    def __str__(self):
        return f"{self.enterprise} @ {self.session}"

    @property
    def takes_a_seat(self) -> bool:
        return self.mode == self.Mode.IN_PERSON and self.status == self.Status.CONFIRMED


class Invitation(models.Model):
    """点名: an official invites an enterprise, which may take a reserved seat."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待回复")
        ACCEPTED = "accepted", _("已接受")
        DECLINED = "declined", _("已谢绝")

    session = models.ForeignKey(Session, verbose_name=_("恳谈会"), on_delete=models.CASCADE, related_name="invitations")
    enterprise = models.ForeignKey(Enterprise, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="+")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("邀请人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    invited_at = models.DateTimeField(_("邀请时间"), auto_now_add=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.PENDING)
    responded_at = models.DateTimeField(_("回复时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("点名邀请")
        verbose_name_plural = _("点名邀请")
        ordering = ["session", "status", "invited_at"]
        constraints = [models.UniqueConstraint(fields=["session", "enterprise"], name="one_invitation_per_enterprise")]

    def __str__(self):
        return f"{self.enterprise} ← {self.session}"


class Appeal(models.Model):
    """An appeal (诉求) raised at a session; each is a case from the moment it is recorded."""

    class Source(models.TextChoices):
        SIGN_UP = "sign_up", _("报名时提出")
        WRITTEN = "written", _("书面反映")
        ON_SITE = "on_site", _("现场提出")

    session = models.ForeignKey(Session, verbose_name=_("恳谈会"), on_delete=models.PROTECT, related_name="appeals")
    case = models.OneToOneField(
        Case, verbose_name=_("诉求件"), on_delete=models.PROTECT, related_name="roundtable_appeal"
    )
    registration = models.ForeignKey(
        Registration, verbose_name=_("报名"), null=True, blank=True, on_delete=models.SET_NULL, related_name="appeals"
    )
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices)
    on_site_answer = models.TextField(_("现场答复"), blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("恳谈会诉求")
        verbose_name_plural = _("恳谈会诉求")
        ordering = ["session", "created_at", "id"]

    def __str__(self):
        return self.case.number


class FollowUpIssue(models.Model):
    """回访情况报告 第N期: a follow-up report on the appeals of a session or a period, as
    issued (印发) to the leaders. Numbered per year, as the seeds count them ("2023年，印发
    政商恳谈会企业反映问题回访情况报告11期")."""

    year = models.PositiveSmallIntegerField(_("年度"))
    number = models.PositiveSmallIntegerField(_("期次"))
    # What the report covers: one session (with its county sub-sessions) or a period.
    session = models.ForeignKey(
        Session, verbose_name=_("恳谈会"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    period = models.CharField(_("期间"), max_length=7, blank=True, help_text=_("如 2026 或 2026-11"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("印发人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    issued_at = models.DateTimeField(_("印发时间"))

    class Meta:
        verbose_name = _("回访情况报告")
        verbose_name_plural = _("回访情况报告")
        ordering = ["-year", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["year", "number"], name="follow_up_issue_number_per_year"),
            models.CheckConstraint(
                condition=Q(session__isnull=False, period="") | Q(session__isnull=True) & ~Q(period=""),
                name="follow_up_issue_covers_a_session_or_a_period",
            ),
        ]

    def __str__(self):
        return gettext("%(year)s年第%(number)s期") % {"year": self.year, "number": self.number}
