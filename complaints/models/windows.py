"""办不成事 windows (“办不成事”反映窗口) and the 问题专员 on duty at them.

宣城 runs 969 such windows at four levels (市县乡村); a case a window cannot settle is
escalated one level up for 会商联办 (WindowEscalation), and 需长期推进 cases are
approved by a chief officer (LongTermRequest)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import Region, history


class WindowLevel(models.TextChoices):
    """The four levels, lowest last; escalation goes 村→乡→县→市."""

    CITY = "city", _("市级")
    COUNTY = "county", _("县级")
    TOWNSHIP = "township", _("乡镇级")
    VILLAGE = "village", _("村（社区）级")


# Each level and the one above it.
LEVEL_ABOVE = {
    WindowLevel.VILLAGE: WindowLevel.TOWNSHIP,
    WindowLevel.TOWNSHIP: WindowLevel.COUNTY,
    WindowLevel.COUNTY: WindowLevel.CITY,
}


@history()
class ServiceWindow(models.Model):
    name = models.CharField(_("窗口名称"), max_length=100)
    address = models.CharField(_("地址"), max_length=200)
    level = models.CharField(_("层级"), max_length=10, choices=WindowLevel.choices)
    # A village window names its township: the region tree stops there.
    region = models.ForeignKey(Region, verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+")
    specialists = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("在岗问题专员"), blank=True, related_name="service_windows"
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("办不成事窗口")
        verbose_name_plural = _("办不成事窗口")
        ordering = ["region__path", "level", "name"]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="window_unique_name_in_region")]

    def __str__(self):
        return self.name


class WindowEscalation(models.Model):
    """One step up the levels for 会商联办: an event on the case, a notice to the next
    level's 专员 and the chief officers."""

    case = models.ForeignKey(
        "complaints.Case", verbose_name=_("诉求件"), on_delete=models.PROTECT, related_name="window_escalations"
    )
    from_window = models.ForeignKey(
        ServiceWindow, verbose_name=_("上报窗口"), on_delete=models.PROTECT, related_name="escalations_out"
    )
    to_window = models.ForeignKey(
        ServiceWindow, verbose_name=_("会商窗口"), on_delete=models.PROTECT, related_name="escalations_in"
    )
    reason = models.TextField(_("上报理由"))
    escalated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上报人"), on_delete=models.PROTECT, related_name="+"
    )
    escalated_at = models.DateTimeField(_("上报时间"), default=timezone.now)

    class Meta:
        verbose_name = _("逐级上报记录")
        verbose_name_plural = _("逐级上报记录")
        ordering = ["case", "escalated_at", "id"]

    def __str__(self):
        return f"{self.from_window} → {self.to_window}"


class LongTermRequest(models.Model):
    """A request to mark a case 需长期推进 and a chief officer's decision on it."""

    case = models.ForeignKey(
        "complaints.Case", verbose_name=_("诉求件"), on_delete=models.PROTECT, related_name="long_term_requests"
    )
    reason = models.TextField(_("长期推进原因"))
    review_on = models.DateField(_("下次评估日期"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    # None while pending.
    approved = models.BooleanField(_("批准"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)

    class Meta:
        verbose_name = _("长期推进申请")
        verbose_name_plural = _("长期推进申请")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(approved__isnull=True), name="one_pending_long_term_request_per_case"
            )
        ]

    def __str__(self):
        return str(self.case)
