"""Reads of 办不成事 windows and their cases, shared by the 问题专员's pages and the API."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from complaints import selectors as case_selectors
from complaints.models import LEVEL_ABOVE, Case, ServiceWindow, WindowEscalation, WindowLevel
from portal import roles


def is_specialist(user) -> bool:
    return roles.has_role(user, roles.SPECIALIST)


def windows_for_specialist(*, user) -> QuerySet[ServiceWindow]:
    """The windows the 问题专员 is on duty at (在岗), lowest level's region first."""
    if not is_specialist(user):
        return ServiceWindow.objects.none()
    return ServiceWindow.objects.filter(specialists=user).select_related("region")


def window_get_for_specialist(*, user, pk: int) -> ServiceWindow:
    """One of the active windows the user is on duty at, or 404 (another window's
    existence does not leak)."""
    try:
        return windows_for_specialist(user=user).filter(is_active=True).get(pk=pk)
    except ServiceWindow.DoesNotExist:
        raise Http404 from None


def window_above(*, window: ServiceWindow) -> ServiceWindow | None:
    """The active window one level up in the region chain, or None (a city window, or
    no window entered above): a village window's is its township's township-level
    window (a village window names its township); a township window's the county window
    of the township's county; a county window's the city window of its city. With
    several, the first by name."""
    level = LEVEL_ABOVE.get(WindowLevel(window.level))
    if level is None:
        return None
    region_id = window.region_id if window.level == WindowLevel.VILLAGE else window.region.parent_id
    if region_id is None:
        return None
    return (
        ServiceWindow.objects.filter(level=level, region_id=region_id, is_active=True)
        .select_related("region")
        .order_by("name", "pk")
        .first()
    )


def window_case_list(*, user, filters: dict | None = None) -> QuerySet[Case]:
    """The cases of the 问题专员's windows — registered there, consulted on there now, or
    escalated from or to there — with the case list's flag (``selectors.case_list``:
    one definition of 超期), most urgent first. Filters: ``window`` (one of theirs),
    ``status``, ``overdue``, ``q`` (``filters.WindowCaseFilter``)."""
    if not is_specialist(user):
        return Case.objects.none()
    reasons = [reason.values("pk").order_by() for reason in case_selectors.window_case_reasons(user)]
    cases = (
        case_selectors.case_list(user=user)
        .filter(pk__in=reasons[0].union(*reasons[1:]))
        .select_related("window", "current_window")
        .order_by(*case_selectors.URGENCY_ORDER)
    )
    if filters is not None:
        from complaints.windows.filters import WindowCaseFilter

        cases = WindowCaseFilter(filters, queryset=cases, user=user).qs
    return cases


def window_case_get_for_user(*, user, number: str) -> Case:
    """A window case the user may see (``case_get_for_user``), with its windows; 404
    for a case registered elsewhere, as for one the user may not see."""
    case = case_selectors.case_get_for_user(user=user, number=number)
    if case.window_id is None:
        raise Http404
    return case


def window_escalations(*, case: Case) -> list[WindowEscalation]:
    """The case's way up the levels, first step first."""
    return list(
        case.window_escalations.select_related("from_window", "to_window", "escalated_by__department").order_by(
            "escalated_at", "id"
        )
    )
