"""Reads of the shared core that pages and the API share, with permission built in:
a view gets its objects here, so no view forgets who may see what."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from portal import roles
from portal.models import Enterprise, EnterpriseMembership, Notification, User


def enterprise_list(*, user: User) -> QuerySet[Enterprise]:
    """Enterprises the user may see: every one for officials and chief problem
    officers, the ones they represent (approved membership) for enterprise users,
    none for anyone else."""
    queryset = Enterprise.objects.select_related("industry", "region").prefetch_related("tags")
    if not user.is_authenticated:
        return queryset.none()
    if user.has_perm("portal.view_enterprise"):
        return queryset
    return queryset.filter(memberships__user=user, memberships__status=EnterpriseMembership.Status.APPROVED)


def enterprise_get_for_user(*, user: User, pk: int) -> Enterprise:
    """The enterprise, or 404 when the user may not see it (so existence does not leak)."""
    try:
        return enterprise_list(user=user).get(pk=pk)
    except Enterprise.DoesNotExist:
        raise Http404 from None


def enterprise_can_edit(*, user: User, enterprise: Enterprise) -> bool:
    if user.has_perm("portal.change_enterprise"):
        return True
    return EnterpriseMembership.objects.filter(
        user=user, enterprise=enterprise, status=EnterpriseMembership.Status.APPROVED
    ).exists()


def membership_list_for_user(*, user: User) -> QuerySet[EnterpriseMembership]:
    return EnterpriseMembership.objects.filter(user=user).select_related("enterprise").order_by("-requested_at")


def notification_list(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)


def notification_unread_count(*, user: User) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def navigation_roles(*, user: User) -> dict[str, bool]:
    """Which role-specific menus the navigation bar shows."""
    names = roles.role_names(user)
    return {
        "is_official": roles.is_official(user),
        "is_handler": roles.HANDLER in names,
        "is_chief": roles.CHIEF_PROBLEM_OFFICER in names,
        "is_enterprise_user": roles.ENTERPRISE_USER in names,
        "is_experience_officer": roles.EXPERIENCE_OFFICER in names,
    }
