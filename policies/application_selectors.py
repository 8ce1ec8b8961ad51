"""Reading applications for the pages: who may see which, the enterprise's list and
the reviewers' workbench with its deadline flag (in SQL)."""

from __future__ import annotations

from django.db.models import Case, Exists, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Now
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from policies.models import Application, ApplicationRating
from portal import roles
from portal.deadlines import FLAG_LABELS, GREEN, RED, YELLOW, yellow_threshold
from portal.models import Enterprise
from portal.selectors import is_approved_member

PENDING_REVIEW = [Application.Status.SUBMITTED, Application.Status.UNDER_REVIEW]
FLAG_ORDER = {RED: 0, YELLOW: 1, GREEN: 2, "": 3}

# What the enterprise does (or waits for) next, by status.
NEXT_STEP = {
    Application.Status.DRAFT: _("上传材料、确认后提交"),
    Application.Status.SUBMITTED: _("等待部门审核"),
    Application.Status.UNDER_REVIEW: _("部门审核中，请等待结果"),
    Application.Status.RETURNED: _("按补正要求修改后重新提交"),
    Application.Status.APPROVED: _("已核准，等待资金兑付"),
    Application.Status.PAID: _("资金已兑付，欢迎评价"),
    Application.Status.REJECTED: _("未通过，欢迎评价"),
}
RATED = _("已评价，办理完毕")


def represented(user) -> QuerySet[Enterprise]:
    from policies.selectors import represented_enterprises

    return represented_enterprises(user=user)


def reviewable_q(user) -> Q | None:
    """The applications the user may review, as a filter; None when none at all.
    Mirrors policies.services.can_review."""
    if not user.is_authenticated or not user.has_perm("policies.review_application"):
        return None
    if roles.is_official(user):
        return Q()
    if user.department_id is None:
        return None
    return Q(policy__issuer_id=user.department_id)


def application_for(user, pk) -> tuple[Application, bool, bool]:
    """(application, is_member, is_reviewer) for a user who may see it; 404 otherwise,
    so that nobody learns that someone else's application exists."""
    application = (
        Application.objects.select_related("policy", "policy__issuer", "enterprise", "reviewer", "applicant")
        .filter(pk=pk)
        .first()
    )
    if application is None or not user.is_authenticated:
        raise Http404
    from policies.services import can_review

    is_member = is_approved_member(user=user, enterprise=application.enterprise_id)
    # A draft stays with the enterprise until it is submitted, as in the reviewers' lists.
    is_reviewer = application.status != Application.Status.DRAFT and can_review(user, application.policy)
    if not (is_member or is_reviewer):
        raise Http404
    return application, is_member, is_reviewer


def _rated():
    return Exists(ApplicationRating.objects.filter(application=OuterRef("pk")))


def mine(user) -> QuerySet[Application]:
    """The applications of the enterprises the user represents, newest first."""
    return (
        Application.objects.filter(enterprise__in=represented(user).values("pk"), archived_at__isnull=True)
        .select_related("policy", "enterprise")
        .annotate(rated=_rated())
        .order_by("-created_at", "-id")
    )


def flag_expression(threshold):
    """green / yellow / red on review_due_at for applications awaiting a decision."""
    return Case(
        When(~Q(status__in=PENDING_REVIEW) | Q(review_due_at__isnull=True), then=Value("")),
        When(review_due_at__lt=Now(), then=Value(RED)),
        When(review_due_at__lte=threshold, then=Value(YELLOW)),
        default=Value(GREEN),
    )


def review_queue(user, *, status: str = "") -> QuerySet[Application]:
    """The applications the user may review, soonest review deadline first.
    ``status``: "" for those awaiting a decision, "all", or one status."""
    scope = reviewable_q(user)
    if scope is None:
        return Application.objects.none()
    queryset = Application.objects.filter(scope, archived_at__isnull=True).exclude(status=Application.Status.DRAFT)
    if status == "":
        queryset = queryset.filter(status__in=PENDING_REVIEW)
    elif status != "all":
        queryset = queryset.filter(status=status)
    return (
        queryset.select_related("policy", "enterprise", "reviewer")
        .annotate(flag=flag_expression(yellow_threshold()))
        .order_by("review_due_at", "id")
    )


def flag_label(flag: str) -> str:
    return FLAG_LABELS.get(flag, "")
