"""Reads of walkthroughs, scoped: officers see their own, officials see all."""

from __future__ import annotations

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404

from complaints.models import ChecklistAnswer, Finding, Walkthrough, WalkthroughStep, WalkthroughWalker


def can_view_all(user) -> bool:
    return user.is_authenticated and user.has_perm("complaints.view_all_walkthroughs")


def walkthrough_list(*, user, include_archived: bool = False) -> QuerySet[Walkthrough]:
    if not user.is_authenticated:
        return Walkthrough.objects.none()
    queryset = (
        Walkthrough.objects.select_related("officer", "theme", "department")
        .order_by("-updated_at", "-id")
        .annotate(
            finding_count=Count("findings", distinct=True),
            promoted_count=Count("findings", filter=Q(findings__case__isnull=False), distinct=True),
            fixed_count=Count("findings", filter=Q(findings__fixed_on_spot=True), distinct=True),
            walker_count=Count("walkers", distinct=True),
            # Who led (带队), for the list: a subquery rather than a join, one row per record.
            leader_name=Subquery(
                WalkthroughWalker.objects.filter(walkthrough=OuterRef("pk"), is_leader=True).values("name")[:1]
            ),
            leader_unit=Subquery(
                WalkthroughWalker.objects.filter(walkthrough=OuterRef("pk"), is_leader=True).values("unit")[:1]
            ),
        )
    )
    if not include_archived:
        # Archived walkthroughs (归档) leave the list; they stay readable by link.
        queryset = queryset.filter(archived_at__isnull=True)
    if can_view_all(user):
        # Officials review what was submitted; drafts stay their officer's.
        return queryset.filter(Q(officer=user) | ~Q(status=Walkthrough.Status.DRAFT))
    return queryset.filter(officer=user)


def walkthrough_blank(*, officer) -> Walkthrough:
    """The form of a walkthrough not yet saved: today's date and the current checklist.
    Nothing is stored until the officer saves some input (services.walkthrough_start)."""
    from django.utils import timezone

    from complaints.models import Checklist

    return Walkthrough(officer=officer, walked_on=timezone.localdate(), checklist=Checklist.current())


def walkthrough_get_for_user(*, user, pk: int) -> Walkthrough:
    """With walkers (leader first), the departments crossed, steps, materials, answers
    and findings (and each finding's case, live)."""
    try:
        return (
            walkthrough_list(user=user, include_archived=True)
            .select_related("checklist")
            .prefetch_related(
                Prefetch("steps", queryset=WalkthroughStep.objects.prefetch_related("materials")),
                Prefetch("answers", queryset=ChecklistAnswer.objects.select_related("question")),
                Prefetch(
                    "findings",
                    queryset=Finding.objects.select_related(
                        "case", "case__lead_department", "question", "category"
                    ).prefetch_related("photos"),
                ),
                "checklist__questions",
                "walkers",
                "departments",
            )
            .get(pk=pk)
        )
    except Walkthrough.DoesNotExist:
        raise Http404 from None


def start_items(*, user) -> list:
    """An experience officer's drafts still to finish, for their start page. One query."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from portal.selectors import StartItem

    if not user.is_authenticated:
        return []
    from complaints.models import Finding

    url = reverse("walkthroughs:list")
    drafts = Walkthrough.objects.filter(officer=user, status=Walkthrough.Status.DRAFT, archived_at__isnull=True).count()
    items = [StartItem(_("未提交的体验记录"), drafts, url, "warning")] if drafts else []
    # The problems the officer found that became cases: they follow them on their records.
    promoted = Finding.objects.filter(walkthrough__officer=user, case__isnull=False).count()
    if promoted:
        items.append(StartItem(_("已转为诉求件的问题"), promoted, url))
    return items
