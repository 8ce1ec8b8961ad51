"""红黄黑榜 (明光): each quarter the 承办单位 are drafted onto the red, yellow or black
list from their case figures and the rules officials keep in the admin
(RankingRule), moved by officials with a recorded reason, then published — frozen,
dated and public (QuarterRanking, RankingEntry). A unit on the list may be called to a
约谈 (Interview, level 1–3) with its 任务、问题、责任 lists, each item signed off
monthly (InterviewItem, ItemSignOff) until it is closed (销号)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.models import Department, history

PERCENT = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]


class RankingList(models.TextChoices):
    RED = "red", _("红榜")
    YELLOW = "yellow", _("黄榜")
    BLACK = "black", _("黑榜")
    NONE = "none", _("暂不列榜")


class RankingRule(models.Model):
    """The thresholds the quarterly draft applies, kept in the admin (a single row).
    A unit with fewer accepted cases than ``min_cases`` is not listed. 红榜: every rate
    at or above its red threshold and no more overdue cases than ``red_max_overdue``;
    黑榜: any rate below its yellow threshold or more overdue cases than
    ``black_min_overdue`` allows; otherwise 黄榜."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    min_cases = models.PositiveSmallIntegerField(_("最少受理件数"), default=1)
    red_on_time = models.DecimalField(
        _("红榜按时办理率（%）"), max_digits=5, decimal_places=2, default=Decimal(95), validators=PERCENT
    )
    red_resolution = models.DecimalField(
        _("红榜办结率（%）"), max_digits=5, decimal_places=2, default=Decimal(95), validators=PERCENT
    )
    red_satisfaction = models.DecimalField(
        _("红榜满意率（%）"), max_digits=5, decimal_places=2, default=Decimal(95), validators=PERCENT
    )
    red_max_overdue = models.PositiveSmallIntegerField(_("红榜最多超期件数"), default=0)
    yellow_on_time = models.DecimalField(
        _("黄榜按时办理率下限（%）"), max_digits=5, decimal_places=2, default=Decimal(85), validators=PERCENT
    )
    yellow_resolution = models.DecimalField(
        _("黄榜办结率下限（%）"), max_digits=5, decimal_places=2, default=Decimal(80), validators=PERCENT
    )
    yellow_satisfaction = models.DecimalField(
        _("黄榜满意率下限（%）"), max_digits=5, decimal_places=2, default=Decimal(90), validators=PERCENT
    )
    black_min_overdue = models.PositiveSmallIntegerField(
        _("列入黑榜的超期件数"), default=3, help_text=_("超期未办结件数达到此数即列入黑榜")
    )

    class Meta:
        verbose_name = _("红黄黑榜规则")
        verbose_name_plural = _("红黄黑榜规则")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="ranking_rule_single_row")]

    def __str__(self):
        return str(_("红黄黑榜规则"))


class RankingState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已公布")


@history()
class QuarterRanking(models.Model):
    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(_("季度"), validators=[MinValueValidator(1), MaxValueValidator(4)])
    state = models.CharField(_("状态"), max_length=10, choices=RankingState.choices, default=RankingState.DRAFT)
    drafted_at = models.DateTimeField(_("生成时间"))
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("生成人"), on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(_("公布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("公布人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("季度红黄黑榜")
        verbose_name_plural = _("季度红黄黑榜")
        ordering = ["-year", "-quarter"]
        constraints = [
            models.UniqueConstraint(fields=["year", "quarter"], name="quarter_ranking_unique_quarter"),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="quarter_ranking_quarter_1_4"),
            models.CheckConstraint(
                condition=Q(state="draft") | Q(published_at__isnull=False, published_by__isnull=False),
                name="quarter_ranking_published_dated",
            ),
        ]

    def __str__(self):
        return self.code

    @property
    def code(self) -> str:
        """``2026Q1``, as the API's ``?quarter=`` spells it."""
        return f"{self.year}Q{self.quarter}"

    @property
    def is_published(self) -> bool:
        return self.state == RankingState.PUBLISHED


@history()
class RankingEntry(models.Model):
    """One 承办单位 in one quarter's list, with the figures the draft used (frozen at
    publication: later corrections to the cases do not change a published list)."""

    ranking = models.ForeignKey(
        QuarterRanking, verbose_name=_("季度榜单"), on_delete=models.CASCADE, related_name="entries"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("承办单位"), on_delete=models.PROTECT, related_name="ranking_entries"
    )
    list = models.CharField(_("榜单"), max_length=10, choices=RankingList.choices)
    drafted_list = models.CharField(_("初评榜单"), max_length=10, choices=RankingList.choices)
    moved_reason = models.TextField(_("调整理由"), blank=True)
    moved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("调整人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    moved_at = models.DateTimeField(_("调整时间"), null=True, blank=True)
    # The figures (complaints.reporting.selectors, over the quarter's cohort).
    received = models.PositiveIntegerField(_("登记量"), default=0)
    accepted = models.PositiveIntegerField(_("受理量"), default=0)
    resolved = models.PositiveIntegerField(_("办结量"), default=0)
    on_time = models.PositiveIntegerField(_("按时办理环节数"), default=0)
    on_time_of = models.PositiveIntegerField(_("应按时办理环节数"), default=0)
    satisfied = models.PositiveIntegerField(_("满意评价数"), default=0)
    rated = models.PositiveIntegerField(_("评价数"), default=0)
    visited = models.PositiveIntegerField(_("已回访办结件数"), default=0)
    overdue_open = models.PositiveIntegerField(_("超期未办结"), default=0)

    class Meta:
        verbose_name = _("榜单单位")
        verbose_name_plural = _("榜单单位")
        ordering = ["ranking", "department__name"]
        constraints = [
            models.UniqueConstraint(fields=["ranking", "department"], name="ranking_entry_unique_department"),
            models.CheckConstraint(
                condition=Q(list=models.F("drafted_list")) | ~Q(moved_reason=""),
                name="ranking_entry_moved_with_reason",
            ),
        ]

    def __str__(self):
        return f"{self.ranking} {self.department}"

    @property
    def was_moved(self) -> bool:
        return self.list != self.drafted_list


class InterviewLevel(models.IntegerChoices):
    ONE = 1, _("一级约谈")
    TWO = 2, _("二级约谈")
    THREE = 3, _("三级约谈")


@history()
class Interview(models.Model):
    """A 约谈 of a unit's leaders because of its place on a quarter's list."""

    entry = models.ForeignKey(
        RankingEntry, verbose_name=_("所涉榜单"), on_delete=models.PROTECT, related_name="interviews"
    )
    level = models.PositiveSmallIntegerField(_("约谈级别"), choices=InterviewLevel.choices)
    held_on = models.DateField(_("约谈日期"))
    interviewer = models.CharField(_("约谈人"), max_length=200, help_text=_("如：市营商办主任 王某"))
    interviewee = models.CharField(_("被约谈人"), max_length=200, help_text=_("如：市某局局长 李某"))
    notes = models.TextField(_("约谈情况"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("约谈")
        verbose_name_plural = _("约谈")
        ordering = ["-held_on", "-id"]
        constraints = [models.CheckConstraint(condition=Q(level__gte=1, level__lte=3), name="interview_level_1_3")]

    def __str__(self):
        return f"{self.entry.department} {self.get_level_display()} {self.held_on}"


class ItemKind(models.TextChoices):
    TASK = "task", _("任务清单")
    PROBLEM = "problem", _("问题清单")
    RESPONSIBILITY = "responsibility", _("责任清单")


@history()
class InterviewItem(models.Model):
    interview = models.ForeignKey(Interview, verbose_name=_("约谈"), on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(_("清单"), max_length=20, choices=ItemKind.choices)
    text = models.TextField(_("事项"))
    closed_on = models.DateField(_("销号日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("约谈清单事项")
        verbose_name_plural = _("约谈清单事项")
        ordering = ["interview", "kind", "id"]

    def __str__(self):
        return self.text[:50]


class ItemSignOff(models.Model):
    """The monthly 对账 of one item: how it stands that month; ``done`` closes it (销号)."""

    item = models.ForeignKey(
        InterviewItem, verbose_name=_("清单事项"), on_delete=models.CASCADE, related_name="sign_offs"
    )
    month = models.DateField(_("对账月份"), help_text=_("当月1日"))
    progress = models.TextField(_("进展"))
    done = models.BooleanField(_("销号"), default=False)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("对账人"), on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(_("对账时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("月度对账")
        verbose_name_plural = _("月度对账")
        ordering = ["item", "month"]
        constraints = [
            models.UniqueConstraint(fields=["item", "month"], name="item_sign_off_once_a_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="item_sign_off_first_of_month"),
        ]

    def __str__(self):
        return f"{self.item} {self.month:%Y-%m}"
