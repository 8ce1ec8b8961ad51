"""Operations on roundtables: generate and publish sessions, sign up and cancel
(without ever overbooking), invite, check in, and file appeals as cases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from dateutil.relativedelta import relativedelta
from dateutil.rrule import rrulestr
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_q.tasks import async_task

from complaints import services as case_services
from complaints.models import Channel, ProblemCategory
from complaints.models import Status as CaseStatus
from portal import roles
from portal.models import Enterprise, Region, User
from portal.selectors import approved_members, is_approved_member
from portal.services import notification_send
from portal.workdays import WorkCalendar
from roundtables.models import Appeal, FollowUpIssue, Invitation, Registration, Series, Session, Slot

ANNOUNCE_DAYS_AHEAD = 7  # 提前一周发布政商恳谈会公告
SLOT_MINUTES = 30  # the default length of a generated reception-day slot
CAPACITY_THRESHOLDS = (50, 80, 100)


class RegistrationExists(ValidationError):
    """The enterprise already has an active registration; ``registration`` is it."""

    def __init__(self, registration: Registration):
        super().__init__(
            _("该企业已报名本期恳谈会（%(status)s）。") % {"status": registration.get_status_display()},
            code="already_registered",
        )
        self.registration = registration


def can_manage(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("roundtables.manage_sessions"))


def _require_manager(actor: User) -> None:
    if not can_manage(actor):
        raise PermissionDenied


def _lock(session: Session) -> Session:
    """Take the session's row lock: sign-ups and cancellations of one session queue up
    here, so the seat count read next cannot change until this transaction ends."""
    return Session.objects.select_for_update().get(pk=session.pk)


# --- Series and sessions ------------------------------------------------------------


@transaction.atomic
def series_generate_sessions(*, series: Series, months: int, actor: User) -> tuple[list[Session], int]:
    """Draft sessions for the series' dates in the next ``months`` months.

    Dates that already have a session are skipped. A date that is a public holiday or
    an adjusted working day is flagged in ``calendar_note`` for the official to decide.
    Returns (created sessions, number of dates skipped).
    """
    _require_manager(actor)
    Series.objects.select_for_update().get(pk=series.pk)
    now = timezone.localtime()
    start = now.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    until = start + relativedelta(months=months)
    dates = [moment.date() for moment in rrulestr(series.rrule, dtstart=start).between(start, until, inc=True)]
    existing = set(
        Session.objects.filter(series=series, parent__isnull=True, starts_at__date__in=dates).values_list(
            "starts_at__date", flat=True
        )
    )
    calendar = WorkCalendar()
    created, skipped = [], 0
    for day in dates:
        if day in existing:
            skipped += 1
            continue
        starts = timezone.make_aware(dt.datetime.combine(day, series.default_start_time))
        info = calendar.day(day)
        note = ""
        if not info.is_working_day and info.name:
            note = _("%(name)s假期") % {"name": info.name}
        elif info.is_working_day and day.weekday() >= 5:
            note = _("调休上班日")
        elif not info.is_working_day and day.weekday() < 5:
            note = _("非工作日")
        created.append(
            Session.objects.create(
                series=series,
                region=series.region,
                year=day.year,
                number=_next_number(series, day.year),
                starts_at=starts,
                ends_at=starts + dt.timedelta(minutes=series.default_duration_minutes),
                venue=series.default_venue,
                capacity=series.default_capacity,
                reserved_seats=series.default_reserved_seats,
                calendar_note=note,
            )
        )
    return created, skipped


def _next_number(series: Series, year: int) -> int:
    count = Session.objects.filter(series=series, year=year, parent__isnull=True).count()
    return count + 1


@transaction.atomic
def session_create_county_sessions(*, session: Session, actor: User) -> list[Session]:
    """市县同步: a sub-session per county of the city, same time, own region and sign-up."""
    _require_manager(actor)
    if session.parent_id:
        raise ValidationError(_("县级分会场不能再设分会场。"), code="nested")
    counties = Region.objects.filter(parent=session.region, level=Region.Level.COUNTY)
    have = set(session.sub_sessions.values_list("region_id", flat=True))
    created = [
        Session.objects.create(
            series=session.series,
            parent=session,
            region=county,
            year=session.year,
            number=session.number,
            theme=session.theme,
            description=session.description,
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            venue="",
            capacity=session.capacity,
            reserved_seats=session.reserved_seats,
            registration_closes_at=session.registration_closes_at,
        )
        for county in counties
        if county.pk not in have
    ]
    return created


def _transition(session: Session, *, allowed: Iterable[str], to: str, action: str) -> Session:
    session = _lock(session)
    if session.state not in allowed:
        raise ValidationError(
            _("“%(session)s”当前状态为“%(state)s”，不能%(action)s。")
            % {"session": session, "state": session.get_state_display(), "action": action},
            code="invalid_state",
        )
    session.state = to
    return session


def default_registration_close(starts_at: dt.datetime) -> dt.datetime:
    """Sign-up closes at the end of office hours on the last working day before the
    session — not on a holiday such as 元旦, when nobody would be there to prepare."""
    calendar = WorkCalendar()
    day = timezone.localtime(starts_at).date() - dt.timedelta(days=1)
    while not calendar.is_working_day(day):
        day -= dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(17, 0)))


@transaction.atomic
def session_publish(*, session: Session, actor: User, reason: str = "") -> Session:
    """Announce (发布) a session; sign-up opens. A session less than seven days away
    needs a reason, which is kept."""
    _require_manager(actor)
    session = _transition(session, allowed=[Session.State.DRAFT], to=Session.State.ANNOUNCED, action=_("发布"))
    if not session.theme.strip():
        raise ValidationError({"theme": _("发布前请填写本期主题。")}, code="theme_required")
    now = timezone.now()
    if session.starts_at < now + dt.timedelta(days=ANNOUNCE_DAYS_AHEAD) and not reason.strip():
        raise ValidationError(
            {"reason": _("距开会不足7天，按规定应提前一周发布公告；如确需发布，请填写理由。")}, code="too_late"
        )
    if session.starts_at <= now:
        raise ValidationError(_("会议开始时间已过，不能发布。"), code="past")
    session.published_at = now
    session.early_publish_reason = reason.strip()
    if session.registration_closes_at is None:
        session.registration_closes_at = default_registration_close(session.starts_at)
    session.save()
    transaction.on_commit(
        lambda: async_task("roundtables.tasks.notify_announcement", session.pk, task_name=f"announce-{session.pk}")
    )
    return session


@transaction.atomic
def session_close_registration(*, session: Session, actor: User) -> Session:
    _require_manager(actor)
    session = _transition(
        session, allowed=[Session.State.ANNOUNCED], to=Session.State.REGISTRATION_CLOSED, action=_("截止报名")
    )
    session.save(update_fields=["state"])
    return session


@transaction.atomic
def session_mark_held(*, session: Session, actor: User) -> Session:
    """The session took place; appeals' enterprises are told their case numbers."""
    _require_manager(actor)
    session = _transition(
        session,
        allowed=[Session.State.ANNOUNCED, Session.State.REGISTRATION_CLOSED],
        to=Session.State.HELD,
        action=_("标记为已召开"),
    )
    session.save(update_fields=["state"])
    transaction.on_commit(
        lambda: async_task("roundtables.tasks.notify_case_numbers", session.pk, task_name=f"case-numbers-{session.pk}")
    )
    return session


@transaction.atomic
def session_start_follow_up(*, session: Session, actor: User) -> Session:
    _require_manager(actor)
    session = _transition(
        session, allowed=[Session.State.HELD], to=Session.State.FOLLOWING_UP, action=_("转入跟踪办理")
    )
    session.save(update_fields=["state"])
    return session


@transaction.atomic
def session_close(*, session: Session, actor: User) -> Session:
    _require_manager(actor)
    session = _transition(
        session, allowed=[Session.State.HELD, Session.State.FOLLOWING_UP], to=Session.State.CLOSED, action=_("结束")
    )
    session.save(update_fields=["state"])
    return session


@transaction.atomic
def session_cancel(*, session: Session, actor: User, reason: str) -> Session:
    """Cancel a session that has not been held; everyone registered is told."""
    _require_manager(actor)
    if not reason.strip():
        raise ValidationError({"reason": _("请填写取消原因。")}, code="reason_required")
    session = _transition(
        session,
        allowed=[Session.State.DRAFT, Session.State.ANNOUNCED, Session.State.REGISTRATION_CLOSED],
        to=Session.State.CANCELLED,
        action=_("取消"),
    )
    session.save(update_fields=["state"])
    registrants = User.objects.filter(
        pk__in=session.registrations.filter(status__in=["confirmed", "waitlisted"]).values("signed_up_by")
    )
    for user in registrants:
        notification_send(
            recipient=user,
            kind="roundtable.cancelled",
            title=_("“%(session)s”已取消：%(reason)s") % {"session": session, "reason": reason},
            link=reverse("roundtables:my_registrations"),
            dedup_key=f"roundtable.cancelled:{session.pk}",
            email=True,
            sms=True,
        )
    return session


# --- Sign-up -----------------------------------------------------------------------


def seats_taken(session: Session) -> dict[str, int]:
    """Confirmed in-person registrations per pool."""
    counts = session.registrations.filter(
        status=Registration.Status.CONFIRMED, mode=Registration.Mode.IN_PERSON
    ).aggregate(
        open=Count("id", filter=Q(pool=Registration.Pool.OPEN)),
        reserved=Count("id", filter=Q(pool=Registration.Pool.RESERVED)),
    )
    return counts


def _pool_capacity(session: Session, pool: str) -> int:
    return session.reserved_seats if pool == Registration.Pool.RESERVED else session.open_seats


@transaction.atomic
def registration_create(
    *,
    session: Session,
    actor: User,
    enterprise: Enterprise,
    attendee_name: str,
    attendee_mobile: str,
    attendee_title: str = "",
    mode: str = Registration.Mode.IN_PERSON,
    intended_problems: str = "",
    category: ProblemCategory | None = None,
    privacy_consent: bool = False,
    slot: Slot | None = None,
) -> Registration:
    """Sign an enterprise up (报名). In person: confirmed while seats last in its pool
    (reserved seats for invited enterprises, open seats for everyone), else waitlisted.
    Only written: confirmed without a seat. Problems raised become cases at once.

    At a reception day or a 直通车 session (``Series.takes_slots``) an enterprise
    attending in person books a time slot instead: ``slot`` is required, must be one
    of the session's, and a full slot is refused (``slot_full``) — the enterprise
    picks another time, there is no waiting list for a slot. Other kinds refuse a slot.

    The seat count (and a slot's) is read under the session's row lock, so
    simultaneous sign-ups can never overbook, whatever the number of processes.
    """
    if not (is_approved_member(user=actor, enterprise=enterprise) or can_manage(actor)):
        raise PermissionDenied
    session = _lock(session)
    if not session.is_open_for_registration:
        raise ValidationError(registration_window_message(session), code="closed")
    existing = session.registrations.filter(
        enterprise=enterprise, status__in=[Registration.Status.CONFIRMED, Registration.Status.WAITLISTED]
    ).first()
    if existing is not None:
        raise RegistrationExists(existing)
    slot = _check_slot(session, slot=slot, mode=mode)
    invited = session.invitations.filter(enterprise=enterprise).exclude(status=Invitation.Status.DECLINED).exists()
    registration = Registration(
        session=session,
        enterprise=enterprise,
        signed_up_by=actor,
        attendee_name=attendee_name,
        attendee_title=attendee_title,
        attendee_mobile=attendee_mobile,
        mode=mode,
        intended_problems=intended_problems,
        privacy_consent_at=timezone.now() if privacy_consent else None,
        slot=slot,
    )
    if mode == Registration.Mode.WRITTEN:
        registration.status = Registration.Status.CONFIRMED
    elif slot is not None:
        if slot_places_taken(slot) >= slot.capacity:
            raise ValidationError(
                {"slot": _("时段%(slot)s已约满，请选择其他时段。") % {"slot": slot.label}}, code="slot_full"
            )
        registration.status = Registration.Status.CONFIRMED
    else:
        taken = seats_taken(session)
        pools = [Registration.Pool.RESERVED, Registration.Pool.OPEN] if invited else [Registration.Pool.OPEN]
        free = [pool for pool in pools if taken[pool] < _pool_capacity(session, pool)]
        registration.pool = free[0] if free else Registration.Pool.OPEN
        registration.status = Registration.Status.CONFIRMED if free else Registration.Status.WAITLISTED
    # One active registration per enterprise is guarded by the database constraint (below).
    registration.full_clean(exclude=["code", "signed_up_by"], validate_constraints=False)
    try:
        with transaction.atomic():
            registration.save()
    except IntegrityError:
        # The constraint caught a concurrent sign-up of the same enterprise.
        existing = session.registrations.get(enterprise=enterprise, status__in=["confirmed", "waitlisted"])
        raise RegistrationExists(existing) from None
    if invited:
        session.invitations.filter(enterprise=enterprise).update(
            status=Invitation.Status.ACCEPTED, responded_at=timezone.now()
        )
    if intended_problems.strip():
        appeal_file(
            session=session,
            actor=actor,
            enterprise=enterprise,
            title=_("%(session)s诉求：%(text)s") % {"session": session, "text": intended_problems.strip()[:40]},
            description=intended_problems,
            category=category,
            source=Appeal.Source.WRITTEN if mode == Registration.Mode.WRITTEN else Appeal.Source.SIGN_UP,
            registration=registration,
            complainant_name=attendee_name,
            complainant_phone=attendee_mobile,
        )
    if registration.status == Registration.Status.CONFIRMED and mode == Registration.Mode.IN_PERSON and slot is None:
        _notify_capacity(session)
    return registration


def _check_slot(session: Session, *, slot: Slot | None, mode: str) -> Slot | None:
    """The slot a sign-up names, checked against the session's kind; locked, so that
    its count read next cannot change until the sign-up is written (the session's lock,
    already held, serialises them too: the slot's is for anyone booking it directly)."""
    if not session.takes_slots:
        if slot is not None:
            raise ValidationError(
                {"slot": _("%(kind)s不按时段预约，请不要选择时段。") % {"kind": session.series.get_kind_display()}},
                code="slot_not_taken",
            )
        return None
    if mode == Registration.Mode.WRITTEN:
        if slot is not None:
            raise ValidationError({"slot": _("仅书面反映的无需预约时段。")}, code="slot_not_needed")
        return None
    if slot is None:
        raise ValidationError(
            {"slot": _("%(kind)s按时段接待，请选择一个预约时段。") % {"kind": session.series.get_kind_display()}},
            code="slot_required",
        )
    locked = Slot.objects.select_for_update().filter(pk=slot.pk, session=session).first()
    if locked is None:
        raise ValidationError({"slot": _("所选时段不属于本期会议，请重新选择。")}, code="slot_other_session")
    return locked


def slot_places_taken(slot: Slot) -> int:
    """Confirmed registrations of a slot (cancelled ones free their place)."""
    return slot.registrations.filter(status=Registration.Status.CONFIRMED).count()


@transaction.atomic
def slots_generate(
    *, session: Session, actor: User, minutes: int = SLOT_MINUTES, capacity: int = 1
) -> tuple[list[Slot], int]:
    """Cut the session's time into ``minutes``-long slots of ``capacity`` enterprises
    each, e.g. 9:00–9:30, 9:30–10:00 … up to its end. Starts that already have a slot
    are kept as they are. Returns (created slots, number of starts skipped)."""
    _require_manager(actor)
    session = _lock(session)
    if not session.takes_slots:
        raise ValidationError(
            _("%(kind)s不按时段预约。") % {"kind": session.series.get_kind_display()}, code="slot_not_taken"
        )
    if minutes < 5 or capacity < 1:
        raise ValidationError(_("时段长度至少5分钟，每个时段至少可约1家企业。"), code="slot_size")
    existing = set(session.slots.values_list("starts_at", flat=True))
    step = dt.timedelta(minutes=minutes)
    created, skipped = [], 0
    starts = session.starts_at
    while starts + step <= session.ends_at:
        if starts in existing:
            skipped += 1
        else:
            created.append(Slot(session=session, starts_at=starts, ends_at=starts + step, capacity=capacity))
        starts += step
    Slot.objects.bulk_create(created)
    return created, skipped


def registration_window_message(session: Session) -> str:
    if session.state == Session.State.DRAFT:
        return _("本期恳谈会尚未发布，发布后即可报名。")
    if session.state == Session.State.ANNOUNCED and session.registration_closes_at:
        return _("报名已于%(time)s截止。") % {
            "time": timezone.localtime(session.registration_closes_at).strftime("%Y-%m-%d %H:%M")
        }
    return _("本期恳谈会%(state)s，不能报名。") % {"state": session.get_state_display()}


def _notify_capacity(session: Session) -> None:
    """Tell officials when confirmed seats reach 50%, 80% and 100% of capacity (once each)."""
    taken = sum(seats_taken(session).values())
    percent = taken * 100 // session.capacity
    reached = [threshold for threshold in CAPACITY_THRESHOLDS if percent >= threshold]
    officials = list(User.objects.filter(groups__name=roles.OFFICIAL, is_active=True)) if reached else []
    # Every threshold reached is announced once (the dedup key), even one jumped over.
    for threshold, official in ((t, o) for t in reached for o in officials):
        notification_send(
            recipient=official,
            kind="roundtable.capacity",
            title=_("“%(session)s”报名已达%(threshold)d%%（%(taken)d/%(capacity)d）")
            % {"session": session, "threshold": threshold, "taken": taken, "capacity": session.capacity},
            link=reverse("admin:roundtables_session_change", args=[session.pk]),
            dedup_key=f"roundtable.capacity:{session.pk}:{threshold}",
        )


@transaction.atomic
def registration_cancel(*, registration: Registration, actor: User) -> Registration:
    """Cancel a registration. A freed seat goes at once to the first on the waiting list."""
    if not (
        registration.signed_up_by_id == actor.pk
        or is_approved_member(user=actor, enterprise=registration.enterprise)
        or can_manage(actor)
    ):
        raise PermissionDenied
    session = _lock(registration.session)
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status == Registration.Status.CANCELLED:
        return registration
    if session.state not in (Session.State.ANNOUNCED, Session.State.REGISTRATION_CLOSED):
        raise ValidationError(_("会议已召开或已取消，不能再取消报名。"), code="too_late")
    freed = registration.takes_a_seat
    registration.status = Registration.Status.CANCELLED
    registration.cancelled_at = timezone.now()
    registration.save(update_fields=["status", "cancelled_at"])
    if freed and registration.slot_id is None:
        # A freed slot place is simply free again: slots have no waiting list.
        _promote_from_waitlist(session, pool=registration.pool)
    return registration


def _promote_from_waitlist(session: Session, *, pool: str) -> Registration | None:
    taken = seats_taken(session)
    # A freed reserved seat stays reserved for invited enterprises; a freed open seat
    # goes to the first waiting.
    if taken[pool] >= _pool_capacity(session, pool) or pool != Registration.Pool.OPEN:
        return None
    first = (
        session.registrations.select_for_update()
        .filter(status=Registration.Status.WAITLISTED)
        .order_by("created_at", "id")
        .first()
    )
    if first is None:
        return None
    first.status = Registration.Status.CONFIRMED
    first.pool = Registration.Pool.OPEN
    first.save(update_fields=["status", "pool"])
    if first.signed_up_by is not None:
        notification_send(
            recipient=first.signed_up_by,
            kind="roundtable.promoted",
            title=_("有名额空出，您在“%(session)s”的候补报名已确认") % {"session": session},
            link=reverse("roundtables:my_registrations"),
            dedup_key=f"roundtable.promoted:{first.pk}",
            email=True,
            sms=True,
        )
    return first


def waitlist_position(registration: Registration) -> int | None:
    if registration.status != Registration.Status.WAITLISTED:
        return None
    ahead = (
        registration.session.registrations.filter(status=Registration.Status.WAITLISTED)
        .filter(
            Q(created_at__lt=registration.created_at) | Q(created_at=registration.created_at, id__lt=registration.pk)
        )
        .count()
    )
    return ahead + 1


@transaction.atomic
def registration_check_in(*, registration: Registration, actor: User) -> Registration:
    """Staff mark an attendee as arrived (签到)."""
    _require_manager(actor)
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status != Registration.Status.CONFIRMED:
        raise ValidationError(
            _("该报名状态为“%(status)s”，不能签到。") % {"status": registration.get_status_display()},
            code="not_confirmed",
        )
    if registration.checked_in_at is None:
        registration.checked_in_at = timezone.now()
        registration.save(update_fields=["checked_in_at"])
    return registration


# --- Invitations (点名) ------------------------------------------------------------


@transaction.atomic
def invitations_send(*, session: Session, enterprises: Iterable[Enterprise], actor: User) -> int:
    """Invite enterprises; each is invited once. Their members are notified."""
    _require_manager(actor)
    if session.state in (Session.State.HELD, Session.State.FOLLOWING_UP, Session.State.CLOSED, Session.State.CANCELLED):
        raise ValidationError(_("会议已召开或已取消，不能再点名邀请。"), code="too_late")
    enterprises = list(enterprises)
    already = set(session.invitations.values_list("enterprise_id", flat=True))
    new = [Invitation(session=session, enterprise=e, invited_by=actor) for e in enterprises if e.pk not in already]
    Invitation.objects.bulk_create(new)
    if session.state == Session.State.DRAFT:
        # They hear when the session is published (tasks.notify_announcement).
        return len(new)
    for member in approved_members([invitation.enterprise_id for invitation in new]):
        notification_send(
            recipient=member,
            kind="roundtable.invited",
            title=_("诚邀贵企业参加“%(session)s”：%(theme)s") % {"session": session, "theme": session.theme},
            link=reverse("roundtables:session_detail", args=[session.pk]),
            dedup_key=f"roundtable.invited:{session.pk}",
            email=True,
            sms=True,
        )
    return len(new)


@transaction.atomic
def invitation_decline(*, invitation: Invitation, actor: User) -> Invitation:
    if not (is_approved_member(user=actor, enterprise=invitation.enterprise) or can_manage(actor)):
        raise PermissionDenied
    invitation = Invitation.objects.select_for_update().select_related("session").get(pk=invitation.pk)
    if invitation.status != Invitation.Status.PENDING:
        raise ValidationError(
            _("该邀请已%(status)s；如不能参会，请取消报名。") % {"status": invitation.get_status_display()},
            code="answered",
        )
    if invitation.session.state not in (
        Session.State.DRAFT,
        Session.State.ANNOUNCED,
        Session.State.REGISTRATION_CLOSED,
    ):
        raise ValidationError(_("会议已召开或已取消。"), code="too_late")
    invitation.status = Invitation.Status.DECLINED
    invitation.responded_at = timezone.now()
    invitation.save(update_fields=["status", "responded_at"])
    return invitation


# --- Appeals ------------------------------------------------------------------------


@transaction.atomic
def appeal_file(
    *,
    session: Session,
    actor: User,
    enterprise: Enterprise | None,
    title: str,
    description: str,
    source: str,
    category: ProblemCategory | None = None,
    registration: Registration | None = None,
    complainant_name: str = "",
    complainant_phone: str = "",
    on_site_answer: str = "",
    idempotency_key: str | None = None,
) -> Appeal:
    """File an appeal as a case (channel 政商恳谈会) and link it to the session. The
    enterprise side may file for its own enterprise while sign-up is open; officials
    at any time, for on-site appeals too.

    When the 1-2-3 clock starts: a problem written on a sign-up is received at the
    session, where it is heard, and waits there for triage (which may split it, 一事
    一件); a written appeal is received when it arrives and an on-site one when it is
    raised, both accepted by rule at once. A reception day (企业接待日) or a 直通车
    session follows the same rule: what a firm raises on the day is received that day."""
    manager = can_manage(actor)
    if not manager:
        if enterprise is None or not is_approved_member(user=actor, enterprise=enterprise):
            raise PermissionDenied
        if source == Appeal.Source.ON_SITE:
            raise PermissionDenied
        if session.state not in (Session.State.ANNOUNCED, Session.State.REGISTRATION_CLOSED, Session.State.HELD):
            raise ValidationError(_("本期恳谈会不再接收书面诉求。"), code="closed")
    if source == Appeal.Source.ON_SITE and not manager:
        raise PermissionDenied
    if idempotency_key:
        repeated = Appeal.objects.filter(case__idempotency_key=idempotency_key, session=session).first()
        if repeated is not None:
            return repeated
    case = case_services.case_file(
        idempotency_key=idempotency_key,
        actor=actor,
        channel=Channel.ROUNDTABLE,
        title=title[:200],
        description=description,
        category=category or ProblemCategory.objects.get(name="其他"),
        enterprise=enterprise,
        region=session.region,
        complainant_name=complainant_name or actor.get_full_name(),
        complainant_phone=complainant_phone or actor.mobile,
        complainant_email=actor.email if not manager else "",
        received_at=session.starts_at if source == Appeal.Source.SIGN_UP else None,
    )
    if source != Appeal.Source.SIGN_UP:
        case = case_services.case_accept_on_intake(
            case=case, note=_("%(kind)s诉求，登记即受理。") % {"kind": session.series.get_kind_display()}
        )
    return Appeal.objects.create(
        session=session, case=case, registration=registration, source=source, on_site_answer=on_site_answer
    )


@transaction.atomic
def session_save(*, session: Session, actor: User) -> int:
    """Save an official's new session or edit (the admin form). Moving a session's start
    moves the clock of the problems written on its sign-ups (``session_moved``); returns
    how many moved."""
    if not actor.has_perm("roundtables.change_session" if session.pk else "roundtables.add_session"):
        raise PermissionDenied
    previous = Session.objects.filter(pk=session.pk).values_list("starts_at", flat=True).first() if session.pk else None
    session.save()
    if previous is not None and previous != session.starts_at:
        return session_moved(session=session, actor=actor)
    return 0


def session_moved(*, session: Session, actor: User) -> int:
    """After a session's start changed: the problems written on its sign-ups are heard
    at the new time, so their 交办 clock counts from there. Returns how many moved."""
    moved = 0
    waiting = Appeal.objects.filter(
        session=session, source=Appeal.Source.SIGN_UP, case__status=CaseStatus.RECEIVED
    ).select_related("case")
    for appeal in waiting:
        if appeal.case.received_at != session.starts_at:
            case_services.case_move_receipt(
                case=appeal.case,
                received_at=session.starts_at,
                actor=actor,
                note=_("恳谈会改期，诉求改为在会议召开时登记；"),
            )
            moved += 1
    return moved


# --- 回访情况报告 ----------------------------------------------------------------------


@transaction.atomic
def follow_up_issue(*, actor: User, session: Session | None = None, period: str = "") -> FollowUpIssue:
    """Issue (印发) the follow-up report of a session or a period as this year's next
    number (第N期). Numbers have no gaps: concurrent issues wait for each other."""
    _require_manager(actor)
    if (session is None) == (not period):
        raise ValidationError(_("请选择一期恳谈会或一个期间。"), code="scope")
    now = timezone.now()
    year = timezone.localdate(now).year
    # One issuer at a time per year: the lock is released when the transaction ends.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [FOLLOW_UP_ISSUE_LOCK, year])
    last = FollowUpIssue.objects.filter(year=year).aggregate(last=Max("number"))["last"] or 0
    return FollowUpIssue.objects.create(
        year=year, number=last + 1, session=session, period=period, issued_by=actor, issued_at=now
    )


# Any fixed number names the advisory lock (the other key is the year).
FOLLOW_UP_ISSUE_LOCK = 4171
