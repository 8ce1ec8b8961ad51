"""走访: a 亲商管家's visits to the enterprises they look after. Each problem found
can become a case (channel 走访) in one action."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from complaints.models.cases import Case
from portal.models import Enterprise, history


@history()
class Visit(models.Model):
    steward = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("走访人"), on_delete=models.PROTECT, related_name="visits"
    )
    enterprise = models.ForeignKey(Enterprise, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="visits")
    visited_on = models.DateField(_("走访日期"))
    people_met = models.CharField(_("接待人员"), max_length=200, help_text=_("如：张总（总经理）、李会计"))
    discussed = models.TextField(_("交流内容"))
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("走访记录")
        verbose_name_plural = _("走访记录")
        ordering = ["-visited_on", "-id"]
        indexes = [models.Index(fields=["enterprise", "-visited_on"], name="visit_enterprise_latest_idx")]

    def __str__(self):
        return f"{self.enterprise} {self.visited_on}"


class VisitProblem(models.Model):
    visit = models.ForeignKey(Visit, verbose_name=_("走访记录"), on_delete=models.CASCADE, related_name="problems")
    description = models.TextField(_("发现问题"))
    # One problem, one case: the database refuses a second.
    case = models.OneToOneField(
        Case, verbose_name=_("诉求件"), null=True, blank=True, on_delete=models.PROTECT, related_name="visit_problem"
    )

    class Meta:
        verbose_name = _("走访发现问题")
        verbose_name_plural = _("走访发现问题")
        ordering = ["visit", "id"]

    def __str__(self):
        return self.description[:50]
