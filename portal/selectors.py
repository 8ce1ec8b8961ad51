"""Reads of the shared core that pages and the API share, with permission built in:
a view gets its objects here, so no view forgets who may see what."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from portal import roles
from portal.models import (
    Announcement,
    Enterprise,
    EnterpriseMembership,
    Notification,
    SiteSettings,
    StewardAssignment,
    User,
)

# --- Approved membership: "this user speaks for that enterprise" -------------------------
# The one rule behind represents/can-edit checks, "my enterprises" lists and the people
# notified on an enterprise's behalf. Only an approved membership counts (pending,
# rejected and revoked claims grant nothing). A user's own checks do not look at
# ``is_active`` (an inactive user cannot sign in); the list of people to notify does.


def _approved_memberships() -> QuerySet[EnterpriseMembership]:
    return EnterpriseMembership.objects.filter(status=EnterpriseMembership.Status.APPROVED)


def member_enterprise_ids(user: User) -> QuerySet:
    """The ids of the enterprises the user is an approved member of, as an unevaluated
    ``values("enterprise_id")`` subquery: ``filter(enterprise_id__in=member_enterprise_ids(user))``
    stays one query, whatever the number of enterprises. The user must be signed in."""
    return _approved_memberships().filter(user=user).values("enterprise_id")


def is_approved_member(*, user: User, enterprise: Enterprise | int | None) -> bool:
    """Whether the user may act for the enterprise (an instance or its id): one query,
    none when there is no signed-in user or no enterprise."""
    if enterprise is None or user is None or not user.is_authenticated:
        return False
    return _approved_memberships().filter(user=user, enterprise=enterprise).exists()


def approved_members(
    enterprise: Enterprise | int | QuerySet | Iterable[Enterprise | int], *, active_only: bool = True
) -> QuerySet[User]:
    """The people who speak for an enterprise, e.g. to notify: its approved members,
    each once. ``enterprise`` is an instance or an id, or several (a list, or a queryset
    of enterprises or of ids, kept as a subquery). ``active_only`` leaves out
    deactivated accounts, as every notification does."""
    memberships = _approved_memberships()
    if isinstance(enterprise, Enterprise | int):
        memberships = memberships.filter(enterprise=enterprise)
    else:
        memberships = memberships.filter(enterprise__in=enterprise)
    users = User.objects.filter(pk__in=memberships.values("user_id"))
    if active_only:
        users = users.filter(is_active=True)
    return users


def enterprise_list(*, user: User) -> QuerySet[Enterprise]:
    """Enterprises the user may see: every one for officials and chief problem
    officers, the ones they represent (approved membership) for enterprise users, the
    ones they look after for 亲商管家, none for anyone else."""
    queryset = Enterprise.objects.select_related("industry", "region").prefetch_related("tags")
    if not user.is_authenticated:
        return queryset.none()
    if user.has_perm("portal.view_enterprise"):
        return queryset
    # Those the user represents, and those they look after as 亲商管家 (in the same query).
    looked_after = StewardAssignment.objects.filter(steward=user).values("enterprise_id")
    return queryset.filter(Q(pk__in=member_enterprise_ids(user)) | Q(pk__in=looked_after))


def enterprise_get_for_user(*, user: User, pk: int) -> Enterprise:
    """The enterprise, or 404 when the user may not see it (so existence does not leak)."""
    try:
        return enterprise_list(user=user).get(pk=pk)
    except Enterprise.DoesNotExist:
        raise Http404 from None


def enterprise_can_edit(*, user: User, enterprise: Enterprise) -> bool:
    if user.has_perm("portal.change_enterprise"):
        return True
    return is_approved_member(user=user, enterprise=enterprise)


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
        "is_steward": roles.STEWARD in names,
        "is_specialist": roles.SPECIALIST in names,
    }


def announcements_current(*, limit: int = 5) -> list[Announcement]:
    """通知公告 shown today: published, not yet taken down, pinned first."""
    now = timezone.now()
    return list(
        Announcement.objects.filter(published_at__lte=now)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .order_by("-is_pinned", "-published_at", "-id")[:limit]
    )


# --- Site settings (网站设置): the footer on every page ---------------------------------
# Every page shows them, so pages read them from Django's cache and spend no query once it
# is warm. In production that cache is Redis (CACHE_URL, shared by every process: the
# throttles of the public forms need it too), so the save's forgetting at commit
# (services.site_settings_update) reaches every gunicorn worker and the task cluster at
# once. Without CACHE_URL (development, tests) it is Django's local-memory cache, one per
# process: the process that saves shows the change on its next page, the others read the
# row again within SITE_SETTINGS_CACHE_SECONDS. Not the database cache: reading it is
# itself a query, on every page.
SITE_SETTINGS_CACHE_KEY = "portal:site-settings"
SITE_SETTINGS_CACHE_SECONDS = 60


def site_settings() -> SiteSettings:
    """The site's settings (the one row), from the cache when it holds them."""
    values = cache.get(SITE_SETTINGS_CACHE_KEY)
    if values is None:
        site = SiteSettings.objects.filter(pk=SiteSettings.SINGLETON_PK).first()
        # The row comes with migration 0012; without it (a flushed test database) the
        # values the migration would have stored.
        values = (
            {field.attname: getattr(site, field.attname) for field in SiteSettings._meta.concrete_fields}
            if site is not None
            else site_settings_initial_values()
        )
        cache.set(SITE_SETTINGS_CACHE_KEY, values, SITE_SETTINGS_CACHE_SECONDS)
    return SiteSettings(**values)


def site_settings_initial_values() -> dict[str, object]:
    """What the row starts with: the SITE_* environment variables (settings.SITE_FOOTER)."""
    return {"id": SiteSettings.SINGLETON_PK, **settings.SITE_FOOTER}


def site_settings_forget() -> None:
    """Drop this process's cached copy (after a change), so its next page reads the row."""
    cache.delete(SITE_SETTINGS_CACHE_KEY)


@dataclass(frozen=True)
class StartItem:
    """One line of a signed-in user's start page: what waits for them, how many, where."""

    label: str
    count: int
    url: str
    tone: str = "secondary"  # a Bootstrap colour: "danger" for overdue, "warning" for due soon


def _steward_assignments() -> QuerySet[StewardAssignment]:
    """Assignments with the 管家's name and unit loaded, first named first."""
    return StewardAssignment.objects.select_related("steward__department").order_by("assigned_at", "pk")


def steward_assignments_prefetch() -> Prefetch:
    """An enterprise's 管家 with their units, in assignment order: one query for a whole list."""
    return Prefetch("steward_assignments", queryset=_steward_assignments())


def stewards_of(*, enterprise: Enterprise) -> list[User]:
    """The enterprise's 亲商管家 (name, unit, work phone), first named first."""
    return [assignment.steward for assignment in _steward_assignments().filter(enterprise=enterprise)]


def stewards_for_member(*, user: User) -> list[User]:
    """The 亲商管家 of the enterprises the user represents, each once (one query; none
    for someone who represents no enterprise)."""
    if not user.is_authenticated or not roles.has_role(user, roles.ENTERPRISE_USER):
        return []
    assignments = _steward_assignments().filter(enterprise_id__in=member_enterprise_ids(user))
    return list({assignment.steward_id: assignment.steward for assignment in assignments}.values())
