"""Reads of roundtables shared by pages, the API and the admin."""

from __future__ import annotations

from django.db.models import Case as SqlCase
from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.http import Http404
from django.utils import timezone

from portal import deadlines, pagecache
from portal.selectors import member_enterprise_ids
from roundtables.models import SLOT_KINDS, Appeal, Registration, Session, Slot
from roundtables.services import can_manage

PUBLIC_STATES = [
    Session.State.ANNOUNCED,
    Session.State.REGISTRATION_CLOSED,
    Session.State.HELD,
    Session.State.FOLLOWING_UP,
    Session.State.CLOSED,
    Session.State.CANCELLED,
]


def _registrations(**conditions):
    """How many of a session's registrations match, as a correlated count: a page of
    sessions counts its own rows only, where a join and GROUP BY counted every session's
    registrations before sorting (the list of 600 sessions, bench B3)."""
    return Coalesce(
        Subquery(
            Registration.objects.filter(session=OuterRef("pk"), **conditions)
            .order_by()
            .values("session")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


def _slot_places():
    """The places of a session's time slots, summed (0 when it has none)."""
    return Coalesce(
        Subquery(
            Slot.objects.filter(session=OuterRef("pk"))
            .order_by()
            .values("session")
            .annotate(n=Sum("capacity"))
            .values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


def session_list(*, user=None, filters: dict | None = None) -> QuerySet[Session]:
    """Sessions with their seat counts. The public sees published ones; managers all.

    At a reception day or a 直通车 session the places are its slots' (``slot_places``),
    and ``seats_left`` is what they have left: a slot is never overbooked, so the sum
    of the slots' places minus the confirmed bookings is the sum of what each has left."""
    queryset = (
        Session.objects.select_related("series", "region", "parent")
        .annotate(
            confirmed_seats=_registrations(status=Registration.Status.CONFIRMED, mode="in_person"),
            confirmed_open=_registrations(
                status=Registration.Status.CONFIRMED, mode="in_person", pool=Registration.Pool.OPEN
            ),
            waitlisted=_registrations(status=Registration.Status.WAITLISTED),
            slot_places=_slot_places(),
        )
        .annotate(
            # Seats open to everyone; the reserved ones wait for invited enterprises.
            seats_left=SqlCase(
                When(
                    series__kind__in=SLOT_KINDS,
                    then=Greatest(F("slot_places") - F("confirmed_seats"), Value(0)),
                ),
                default=Greatest(F("capacity") - F("reserved_seats") - F("confirmed_open"), Value(0)),
                output_field=IntegerField(),
            ),
            reserved_left=Greatest(
                F("reserved_seats") - (F("confirmed_seats") - F("confirmed_open")),
                Value(0),
                output_field=IntegerField(),
            ),
        )
        .order_by("-starts_at", "id")
    )
    if not (user is not None and can_manage(user)):
        queryset = queryset.filter(state__in=PUBLIC_STATES)
    if filters is not None:
        from roundtables.filters import SessionFilter

        queryset = SessionFilter(filters, queryset=queryset).qs
    return queryset


def upcoming(*, user=None, filters: dict | None = None) -> QuerySet[Session]:
    return session_list(user=user, filters=filters).filter(starts_at__gte=timezone.now()).order_by("starts_at", "id")


def past(*, user=None, filters: dict | None = None) -> QuerySet[Session]:
    return session_list(user=user, filters=filters).filter(starts_at__lt=timezone.now())


def upcoming_and_past(*, user=None, filters: dict | None = None) -> tuple[QuerySet[Session], QuerySet[Session]]:
    """``upcoming`` and ``past`` together for the list page, from one ``session_list``:
    building its annotations costs as much as running the query (bench B3). Without the
    city session of a sub-session, which the list does not show (only its id)."""
    sessions = session_list(user=user, filters=filters).select_related(None).select_related("series", "region")
    now = timezone.now()
    return sessions.filter(starts_at__gte=now).order_by("starts_at", "id"), sessions.filter(starts_at__lt=now)


def session_get(*, user, pk: int) -> Session:
    try:
        return session_list(user=user).prefetch_related("departments", "attachments").get(pk=pk)
    except Session.DoesNotExist:
        raise Http404 from None


def _slots_counted() -> QuerySet[Slot]:
    """Slots with ``taken`` (confirmed bookings) and ``places_left``."""
    return (
        Slot.objects.annotate(
            taken=Count("registrations", filter=Q(registrations__status=Registration.Status.CONFIRMED))
        )
        .annotate(places_left=Greatest(F("capacity") - F("taken"), Value(0), output_field=IntegerField()))
        .order_by("starts_at", "id")
    )


def slots_with_places(*, session: Session) -> list[Slot]:
    """The session's time slots, each with ``taken`` and ``places_left``. One query."""
    return list(_slots_counted().filter(session=session))


def free_slots(*, session: Session) -> QuerySet[Slot]:
    """The session's slots that still have a place, with ``taken``, for the sign-up form."""
    return _slots_counted().filter(Q(taken__lt=F("capacity")), session=session)


def with_slots(queryset: QuerySet[Session]) -> QuerySet[Session]:
    """Sessions with their slots prefetched (``slot_list``), each slot annotated with
    ``taken``: one query more for any number of sessions."""
    return queryset.prefetch_related(Prefetch("slots", queryset=_slots_counted(), to_attr="slot_list"))


def registrations_for_user(*, user) -> QuerySet[Registration]:
    """Registrations of the enterprises the user represents (and ones they made)."""
    if not user.is_authenticated:
        return Registration.objects.none()
    return (
        Registration.objects.filter(
            Q(enterprise_id__in=member_enterprise_ids(user)) | Q(signed_up_by=user), archived_at__isnull=True
        )
        .select_related("session__series", "session__region", "enterprise")
        .order_by("-session__starts_at", "-created_at")
    )


def registration_get_for_user(*, user, pk: int) -> Registration:
    queryset = (
        Registration.objects.select_related("session", "enterprise")
        if can_manage(user)
        else registrations_for_user(user=user)
    )
    try:
        return queryset.get(pk=pk)
    except Registration.DoesNotExist:
        raise Http404 from None


def with_waitlist_positions(registrations) -> list[Registration]:
    """Set ``waitlist_position`` on each waitlisted registration with one query per session."""
    registrations = list(registrations)
    waiting_sessions = {r.session_id for r in registrations if r.status == Registration.Status.WAITLISTED}
    order: dict[int, list[int]] = {}
    if waiting_sessions:
        for session_id, registration_id in (
            Registration.objects.filter(session_id__in=waiting_sessions, status=Registration.Status.WAITLISTED)
            .order_by("created_at", "id")
            .values_list("session_id", "id")
        ):
            order.setdefault(session_id, []).append(registration_id)
    for registration in registrations:
        queue = order.get(registration.session_id, [])
        registration.waitlist_position = queue.index(registration.pk) + 1 if registration.pk in queue else None
    return registrations


def session_appeals(*, session: Session) -> QuerySet[Appeal]:
    """A session's appeals with their cases' live state and flag (for officials)."""
    from complaints import sla

    return (
        Appeal.objects.filter(Q(session=session) | Q(session__parent=session))
        .select_related("case", "case__lead_department", "case__enterprise", "registration")
        .annotate(case_flag=sla.flag_expression(deadlines.yellow_threshold(), prefix="case__"))
        .order_by("created_at", "id")
    )


def invited_without_answer(*, session: Session):
    return session.invitations.filter(status="pending").select_related("enterprise")


def session_results(sessions) -> dict:
    """{session id: the figures of the problems raised at it} — 反映问题, 已办结, 办结率, as
    every report counts them (``complaints.reporting.selectors``) — for the sessions
    shown (past ones). Two queries, whatever the number of sessions, or none: the
    figures of a set of sessions are kept like every case figure (portal/pagecache.py),
    until a case, rating or return visit is written and at most a minute. Building them
    was a quarter of the roundtable list's time (bench B3)."""
    from complaints.models import Case
    from complaints.reporting.selectors import figures_of

    ids = sorted(session.pk for session in sessions)
    if not ids:
        return {}

    def build() -> dict:
        cases = Case.objects.filter(roundtable_appeal__session_id__in=ids).order_by()
        return figures_of(cases, group="roundtable_appeal__session_id")

    return pagecache.fragment(
        "roundtables:session_results",
        build,
        parts=ids,
        depends_on=(pagecache.CASE_FIGURES,),
        timeout=pagecache.FIGURES_SECONDS,
    )


def start_items(*, user) -> list:
    """What waits for the user among roundtables, for their start page: the enterprise's
    coming sign-ups; an organiser's sessions still to be announced. One query each."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from portal.selectors import StartItem

    items = []
    now = timezone.now()
    coming = (
        registrations_for_user(user=user)
        .filter(
            session__starts_at__gte=now,
            status__in=[Registration.Status.CONFIRMED, Registration.Status.WAITLISTED],
        )
        .count()
    )
    if coming:
        items.append(StartItem(_("即将参加的恳谈会"), coming, reverse("roundtables:my_registrations")))
    if can_manage(user):
        drafts = Session.objects.filter(state=Session.State.DRAFT, starts_at__gte=now).count()
        items.append(StartItem(_("待发布的恳谈会"), drafts, reverse("admin:roundtables_session_changelist"), "warning"))
    return items
