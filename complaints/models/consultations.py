"""咨询: questions from an enterprise that are not complaints (湘潭's 营商服务通 offers
咨询、评价、投诉). The enterprise's 管家 answers, or the 营商办 for a firm with none,
within a working-day limit set in the admin (ConsultationRule)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.models.cases import Case, Rating
from portal.models import Enterprise, history


class ConsultationRule(models.Model):
    """The one answer limit, kept in the admin (a single row)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    answer_days = models.PositiveSmallIntegerField(_("答复时限（工作日）"), default=3)

    class Meta:
        verbose_name = _("咨询答复时限")
        verbose_name_plural = _("咨询答复时限")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="consultation_rule_single_row")]

    def __str__(self):
        return str(_("咨询答复时限"))


@history()
class Consultation(models.Model):
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="consultations"
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提问人"), on_delete=models.PROTECT, related_name="+"
    )
    question = models.TextField(_("咨询内容"))
    asked_at = models.DateTimeField(_("提问时间"), default=timezone.now, db_index=True)
    answer_due_at = models.DateTimeField(_("答复期限"))
    # Set by the sweep when the limit passes unanswered, as cases' stage_overdue_at.
    overdue_at = models.DateTimeField(_("超期标记时间"), null=True, blank=True)
    answer = models.TextField(_("答复"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("答复人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    # 转为诉求件: the question was a problem; the case keeps the link.
    case = models.OneToOneField(
        Case,
        verbose_name=_("转办诉求件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consultation",
    )
    rating = models.CharField(_("评价"), max_length=20, choices=Rating.choices, blank=True)
    rating_comment = models.TextField(_("评价意见"), blank=True)
    rated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("咨询")
        verbose_name_plural = _("咨询")
        ordering = ["-asked_at", "-id"]
        indexes = [
            models.Index(fields=["enterprise", "-asked_at"], name="consultation_enterprise_idx"),
            models.Index(
                fields=["answer_due_at"],
                condition=Q(answered_at__isnull=True, case__isnull=True),
                name="consultation_unanswered_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True) | ~Q(answer=""), name="consultation_answered_has_answer"
            ),
            models.CheckConstraint(
                condition=Q(rating="") | Q(answered_at__isnull=False), name="consultation_rated_after_answer"
            ),
        ]

    def __str__(self):
        return self.question[:50]
