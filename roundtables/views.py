"""Roundtable pages: the public list and session page with sign-up and written appeals,
an enterprise's registrations and invitations, the staff's check-in, sign-in sheet
and appeals, and calendar files. Thin: forms in, services and selectors called."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from complaints.reporting.selectors import CaseFigures
from portal import pagecache
from portal.forms import add_service_errors
from portal.models import Enterprise
from portal.selectors import member_enterprise_ids
from portal.throttling import throttle_post
from roundtables import calendar, forms, selectors, services
from roundtables.filters import SessionFilter
from roundtables.models import Appeal, Invitation, Registration, Series, Session, Slot

PAST_PER_PAGE = 20
UPCOMING_PER_PAGE = 20
ACTIVE = [Registration.Status.CONFIRMED, Registration.Status.WAITLISTED]
# Sign-up can still be cancelled and invitations answered before the session is held.
BEFORE_HELD = [Session.State.ANNOUNCED, Session.State.REGISTRATION_CLOSED]
# Written appeals are received until the session has been held.
TAKES_WRITTEN_APPEALS = [Session.State.ANNOUNCED, Session.State.REGISTRATION_CLOSED, Session.State.HELD]
HELD_STATES = [Session.State.HELD, Session.State.FOLLOWING_UP, Session.State.CLOSED]


# --- Helpers ------------------------------------------------------------------------


def _represented(user):
    """The enterprises the user represents (approved membership)."""
    if not user.is_authenticated:
        return Enterprise.objects.none()
    return Enterprise.objects.filter(pk__in=member_enterprise_ids(user)).order_by("name", "id")


def _enterprises_in(enterprises):
    return Enterprise.objects.filter(pk__in=[enterprise.pk for enterprise in enterprises]).order_by("name", "id")


def _next_url(request, default: str) -> str:
    candidate = request.POST.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _group(sessions) -> list[Session]:
    """City sessions with their county sub-sessions under them (``children``); a
    sub-session whose city session is not in the list stands on its own."""
    sessions = list(sessions)
    by_pk = {session.pk: session for session in sessions}
    top = []
    for session in sessions:
        session.children = []
    for session in sessions:
        parent = by_pk.get(session.parent_id)
        if parent is not None:
            parent.children.append(session)
        else:
            top.append(session)
    return top


def _with_texts(sessions) -> None:
    """Sets what a list item shows of each session's state, kind, number and time, worked
    out once here: ``get_FOO_display`` rebuilds and translates a field's choices on every
    call, and ``|date`` and ``{% blocktranslate %}`` go through the locale machinery for
    each value — a fifth of the list's time at 40 sessions (bench B3)."""
    states = dict(Session.State.choices)
    kinds = dict(Series.Kind.choices)
    for session in sessions:
        session.state_label = states.get(session.state, session.state)
        session.kind_label = kinds.get(session.series.kind, session.series.kind)
        session.number_text = _("%(year)s年第%(number)s期") % {"year": session.year, "number": session.number}
        starts, ends = timezone.localtime(session.starts_at), timezone.localtime(session.ends_at)
        session.time_text = f"{starts:%Y-%m-%d %H:%M} – {ends:%H:%M}"


def _detail_url(session, anchor: str = "") -> str:
    return reverse("roundtables:session_detail", args=[session.pk]) + (f"#{anchor}" if anchor else "")


def _registration_summary(registration: Registration) -> str:
    if registration.status == Registration.Status.WAITLISTED:
        return _("候补第%(position)s位") % {"position": services.waitlist_position(registration)}
    return registration.get_status_display()


# --- Public pages -------------------------------------------------------------------


@require_GET
def session_list(request):
    """Upcoming sessions (soonest first) and past ones (latest first, paginated)."""
    user = request.user
    # The kind chosen (政商恳谈会, 企业接待日, 直通车): the filter the API uses too.
    filters = SessionFilter({"kind": request.GET.get("kind", "")})
    kind = filters.form.cleaned_data.get("kind", "") if filters.is_valid() else ""
    kind_filter = {"kind": kind} if kind else None
    # Both halves are paged: at city scale there are hundreds of upcoming sessions, and
    # rendering them all made this page take over a second (bench B3).
    upcoming, past = selectors.upcoming_and_past(user=user, filters=kind_filter)
    upcoming_page = Paginator(upcoming, UPCOMING_PER_PAGE).get_page(request.GET.get("upcoming_page"))
    page = Paginator(past, PAST_PER_PAGE).get_page(request.GET.get("page"))
    # A past session shows what came of it (problems raised and solved), not seats.
    results = selectors.session_results(page.object_list)
    for session in page.object_list:
        session.results = results.get(session.pk, CaseFigures())
    _with_texts(upcoming_page.object_list)
    _with_texts(page.object_list)
    for session in upcoming_page.object_list:
        session.results = None  # seats instead (a missing attribute costs the template a dir())
    return render(
        request,
        "roundtables/session_list.html",
        {
            "upcoming_page": upcoming_page,
            "upcoming": _group(upcoming_page.object_list),
            # Each half's page links keep the other half's page, and the kind chosen.
            "upcoming_query": urlencode(
                {**({"kind": kind} if kind else {}), **({"page": page.number} if page.number > 1 else {})}
            ),
            "past_query": urlencode(
                {
                    **({"kind": kind} if kind else {}),
                    **({"upcoming_page": upcoming_page.number} if upcoming_page.number > 1 else {}),
                }
            ),
            "kind": kind,
            "kinds": Series.Kind.choices,
            "page": page,
            "past": _group(page.object_list),
            "series_feeds": _series_feeds(),
            "can_manage": services.can_manage(user),
            "query": "",
        },
    )


# The 订阅日历 line is kept this long at most; a series saved shows at once (pagecache.HOME).
SERIES_FEEDS_SECONDS = 600


def _series_feeds() -> str:
    """The 订阅日历 line of the list, a link to each active series' calendar feed: the same
    for every reader in a language, kept until a series or session is saved
    (portal/pagecache.py) rather than read and drawn on each request (bench B3)."""
    html = pagecache.fragment(
        "roundtables:series_feeds",
        lambda: render_to_string(
            "roundtables/_series_feeds.html", {"series_list": Series.objects.filter(is_active=True)}
        ),
        depends_on=(pagecache.HOME,),
        timeout=SERIES_FEEDS_SECONDS,
    )
    return mark_safe(html)  # noqa: S308 - rendered by our template, escaped there


def _detail_context(request, session: Session, *, signup_form=None, appeal_form=None) -> dict:
    user = request.user
    manager = services.can_manage(user)
    sub_sessions = session.sub_sessions.select_related("region").order_by("region__code")
    if not manager:
        sub_sessions = sub_sessions.filter(state__in=selectors.PUBLIC_STATES)
    taken = services.seats_taken(session)
    slots = selectors.slots_with_places(session=session) if session.takes_slots else []
    context = {
        "session": session,
        "slots": slots,
        "chairs": _lines(session.chairs),
        "attachments": session.attachments.all(),
        "sub_sessions": sub_sessions,
        "reserved_left": max(session.reserved_seats - taken["reserved"], 0),
        "show_minutes": session.state in HELD_STATES and bool(session.minutes.strip()),
        "can_manage": manager,
        "registrations": [],
        "invitations": [],
        "window_message": "",
    }
    enterprises = list(_represented(user))
    context["is_enterprise_user"] = bool(enterprises)
    registrations = selectors.with_waitlist_positions(
        session.registrations.filter(enterprise__in=enterprises, status__in=ACTIVE).select_related("enterprise", "slot")
        if enterprises
        else []
    )
    invitations = (
        list(selectors.invited_without_answer(session=session).filter(enterprise__in=enterprises))
        if enterprises
        else []
    )
    registered = {registration.enterprise_id for registration in registrations}
    available = [enterprise for enterprise in enterprises if enterprise.pk not in registered]
    context.update(registrations=registrations, invitations=invitations)

    # Sign-up: for the represented enterprises not registered yet, while it is open;
    # a form posted back with errors is shown whatever the window.
    free_slots = selectors.free_slots(session=session) if session.takes_slots else None
    if signup_form is not None:
        signup_form.fields["enterprise"].queryset = _enterprises_in(available)
        if "slot" in signup_form.fields:
            signup_form.fields["slot"].queryset = free_slots
    elif available and session.is_open_for_registration:
        invited = [i.enterprise_id for i in invitations if i.enterprise_id not in registered]
        signup_form = forms.SignUpForm(
            enterprises=_enterprises_in(available),
            slots=free_slots,
            initial={
                "enterprise": invited[0] if invited else (available[0].pk if len(available) == 1 else None),
                "attendee_name": user.full_name,
                "attendee_mobile": user.mobile,
            },
        )
    context["signup_form"] = signup_form
    if available and not session.is_open_for_registration:
        context["window_message"] = services.registration_window_message(session)

    # Written appeals: for any represented enterprise until the session is held.
    if appeal_form is not None:
        appeal_form.fields["enterprise"].queryset = _enterprises_in(enterprises)
    elif enterprises and session.state in TAKES_WRITTEN_APPEALS:
        appeal_form = forms.WrittenAppealForm(
            enterprises=_enterprises_in(enterprises),
            initial={
                "enterprise": enterprises[0].pk if len(enterprises) == 1 else None,
                "idempotency_key": uuid.uuid4().hex,
            },
        )
    context["appeal_form"] = appeal_form
    return context


@require_GET
def session_detail(request, pk):
    session = selectors.session_get(user=request.user, pk=pk)
    return render(request, "roundtables/session_detail.html", _detail_context(request, session))


@login_required
@require_POST
@throttle_post("roundtable_signup")
def sign_up(request, pk):
    """报名. Confirmed or waitlisted by the service; an enterprise already registered is
    pointed at its registration; an enterprise the user does not represent is refused."""
    session = selectors.session_get(user=request.user, pk=pk)
    # Any enterprise may be posted: the service decides who may sign up whom (403).
    # Any slot may be posted too: the service refuses one of another session.
    slots = Slot.objects.all() if session.takes_slots else None
    form = forms.SignUpForm(request.POST, enterprises=Enterprise.objects.all(), slots=slots)
    if form.caught_in_honeypot:
        # Answered as a success is (back to the session); nothing is stored.
        return redirect(_detail_url(session, "signup"))
    if form.is_valid():
        data = form.cleaned_data
        try:
            registration = services.registration_create(session=session, actor=request.user, **data)
        except services.RegistrationExists as exists:
            existing = exists.registration
            messages.info(
                request,
                _("%(enterprise)s已报名本期恳谈会（%(status)s，签到码 %(code)s），无需重复报名，报名信息见下方。")
                % {
                    "enterprise": existing.enterprise.name,
                    "status": _registration_summary(existing),
                    "code": existing.code,
                },
            )
            return redirect(_detail_url(session, f"registration-{existing.pk}"))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _signed_up_message(registration))
            return redirect(_detail_url(session, f"registration-{registration.pk}"))
    messages.error(request, _("报名未成功，请按提示修改。"))
    return render(
        request, "roundtables/session_detail.html", _detail_context(request, session, signup_form=form), status=400
    )


def _signed_up_message(registration: Registration) -> str:
    values = {"enterprise": registration.enterprise.name, "code": registration.code}
    if registration.status == Registration.Status.WAITLISTED:
        values["position"] = services.waitlist_position(registration)
        message = _(
            "现场名额已满，%(enterprise)s已进入候补，当前排第%(position)s位。有名额空出时将按顺序自动确认并通知您。"
        )
    elif registration.mode == Registration.Mode.WRITTEN:
        message = _("报名成功：%(enterprise)s以书面方式反映问题，无需到场。")
    elif registration.slot is not None:
        values["slot"] = str(registration.slot)
        message = _("预约成功：%(enterprise)s已预约%(slot)s，签到码 %(code)s，请按时到场并凭签到码签到。")
    else:
        message = _("报名成功：%(enterprise)s已确认参会，签到码 %(code)s，请凭签到码现场签到。")
    message %= values
    appeal = registration.appeals.select_related("case").first()
    if appeal is not None:
        message += " " + _("所反映的问题已登记为诉求件 %(number)s。") % {"number": appeal.case.number}
    return message


@login_required
@require_POST
def written_appeal(request, pk):
    """书面反映: the enterprise files an appeal with the session; it is a case at once."""
    session = selectors.session_get(user=request.user, pk=pk)
    form = forms.WrittenAppealForm(request.POST, enterprises=Enterprise.objects.all())
    if form.is_valid():
        data = form.cleaned_data
        try:
            appeal = services.appeal_file(
                session=session,
                actor=request.user,
                enterprise=data["enterprise"],
                title=data["title"],
                description=data["description"],
                category=data["category"],
                source=Appeal.Source.WRITTEN,
                idempotency_key=data["idempotency_key"] or None,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("诉求已登记，诉求编号 %(number)s，可在“诉求件”中查看办理进度。") % {"number": appeal.case.number},
            )
            return redirect(_detail_url(session))
    messages.error(request, _("提交未成功，请按提示修改。"))
    return render(
        request, "roundtables/session_detail.html", _detail_context(request, session, appeal_form=form), status=400
    )


# --- An enterprise's registrations and invitations ------------------------------------


def _pending_invitations(user):
    return (
        Invitation.objects.filter(
            enterprise__in=_represented(user).values("pk"),
            status=Invitation.Status.PENDING,
            session__state__in=BEFORE_HELD,
        )
        .select_related("session__series", "session__region", "enterprise")
        .order_by("session__starts_at", "id")
    )


@login_required
@require_GET
def my_registrations(request):
    registrations = selectors.with_waitlist_positions(selectors.registrations_for_user(user=request.user))
    for registration in registrations:
        registration.can_cancel = registration.status in ACTIVE and registration.session.state in BEFORE_HELD
    return render(
        request,
        "roundtables/my_registrations.html",
        {"registrations": registrations, "invitations": _pending_invitations(request.user)},
    )


@login_required
@require_POST
def cancel_registration(request, pk):
    registration = selectors.registration_get_for_user(user=request.user, pk=pk)
    try:
        services.registration_cancel(registration=registration, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("已取消%(enterprise)s对“%(session)s”的报名。")
            % {"enterprise": registration.enterprise.name, "session": registration.session},
        )
    return redirect(_next_url(request, reverse("roundtables:my_registrations")))


@login_required
@require_POST
def decline_invitation(request, pk):
    invitation = get_object_or_404(
        Invitation.objects.select_related("session__series", "session__region", "enterprise"),
        pk=pk,
        enterprise__in=_represented(request.user).values("pk"),
    )
    if invitation.status != Invitation.Status.PENDING:
        messages.info(request, _("该邀请已回复（%(status)s）。") % {"status": invitation.get_status_display()})
    elif invitation.session.state not in BEFORE_HELD:
        messages.info(request, _("本期恳谈会%(state)s，无需回复。") % {"state": invitation.session.get_state_display()})
    else:
        services.invitation_decline(invitation=invitation, actor=request.user)
        messages.success(
            request,
            _("已代%(enterprise)s谢绝“%(session)s”的邀请。")
            % {"enterprise": invitation.enterprise.name, "session": invitation.session},
        )
    return redirect(_next_url(request, reverse("roundtables:my_registrations")))


# --- Staff pages ----------------------------------------------------------------------


def _managed_session(request, pk) -> Session:
    if not services.can_manage(request.user):
        raise PermissionDenied
    return selectors.session_get(user=request.user, pk=pk)


def _with_mobile_tail(registrations) -> list[Registration]:
    registrations = list(registrations)
    for registration in registrations:
        registration.mobile_tail = registration.attendee_mobile[-4:]
    return registrations


def _search(registrations, query: str):
    query = query.strip()
    if not query:
        return registrations
    condition = Q(enterprise__name__icontains=query) | Q(attendee_name__icontains=query) | Q(code=query.upper())
    digits = "".join(ch for ch in query if ch.isdigit())
    if len(digits) >= 3:
        condition |= Q(attendee_mobile__contains=digits)
    return registrations.filter(condition)


@login_required
@require_http_methods(["GET", "POST"])
def check_in(request, pk):
    """签到 at the door: find a registration by name, mobile or code and mark it arrived."""
    session = _managed_session(request, pk)
    if request.method == "POST":
        query = request.POST.get("q", "")
        _check_in_posted(request, session)
        url = reverse("roundtables:check_in", args=[session.pk])
        return redirect(f"{url}?{urlencode({'q': query})}" if query else url)
    form = forms.CheckInSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    confirmed = session.registrations.filter(status=Registration.Status.CONFIRMED)
    counts = confirmed.aggregate(
        arrived=Count("id", filter=Q(checked_in_at__isnull=False)),
        expected=Count("id", filter=Q(checked_in_at__isnull=True, mode=Registration.Mode.IN_PERSON)),
        written=Count("id", filter=Q(checked_in_at__isnull=True, mode=Registration.Mode.WRITTEN)),
    )
    # At a reception day the firms come at their booked times: in that order.
    registrations = _search(confirmed.select_related("enterprise", "slot"), query).order_by(
        "checked_in_at", "mode", "slot__starts_at", "created_at", "id"
    )
    return render(
        request,
        "roundtables/check_in.html",
        {
            "session": session,
            "form": form,
            "query": query,
            "registrations": _with_mobile_tail(registrations),
            "counts": counts,
        },
    )


def _check_in_posted(request, session: Session) -> None:
    registration_id = request.POST.get("registration", "").strip()
    code = request.POST.get("code", "").strip().upper()
    registrations = session.registrations.select_related("enterprise")
    registration = None
    if registration_id.isdigit():
        registration = registrations.filter(pk=registration_id).first()
    elif code:
        registration = registrations.filter(code=code).first()
    if registration is None:
        messages.error(request, _("本期恳谈会没有签到码为“%(code)s”的报名。") % {"code": code or registration_id})
        return
    arrived_before = registration.checked_in_at
    try:
        registration = services.registration_check_in(registration=registration, actor=request.user)
    except ValidationError as error:
        messages.error(
            request, f"{registration.enterprise.name} {registration.attendee_name}：{' '.join(error.messages)}"
        )
        return
    values = {
        "enterprise": registration.enterprise.name,
        "name": registration.attendee_name,
        "time": timezone.localtime(registration.checked_in_at).strftime("%H:%M"),
    }
    if arrived_before:
        messages.info(request, _("%(enterprise)s %(name)s 已于 %(time)s 签到，无需重复签到。") % values)
    else:
        messages.success(request, _("%(enterprise)s %(name)s 签到成功（%(time)s）。") % values)


@login_required
@require_GET
def sign_in_sheet(request, pk):
    """A printable sign-in sheet (签到表); mobiles show their last four digits only."""
    session = _managed_session(request, pk)
    registrations = (
        session.registrations.filter(status=Registration.Status.CONFIRMED)
        .select_related("enterprise", "slot")
        .order_by("mode", "slot__starts_at", "created_at", "id")
    )
    return render(
        request,
        "roundtables/sign_in_sheet.html",
        {"session": session, "registrations": _with_mobile_tail(registrations)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_appeals(request, pk):
    """The session's appeals (with its county sub-sessions') and their live case state;
    staff record appeals raised on site here."""
    session = _managed_session(request, pk)
    form = forms.OnSiteAppealForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            enterprise = data["credit_code"]
            registration = (
                session.registrations.filter(enterprise=enterprise, status__in=ACTIVE).first() if enterprise else None
            )
            try:
                appeal = services.appeal_file(
                    session=session,
                    actor=request.user,
                    enterprise=enterprise,
                    title=data["title"],
                    description=data["description"],
                    category=data["category"],
                    source=Appeal.Source.ON_SITE,
                    registration=registration,
                    complainant_name=data["complainant_name"] or (registration.attendee_name if registration else ""),
                    complainant_phone=data["complainant_phone"]
                    or (registration.attendee_mobile if registration else ""),
                    on_site_answer=data["on_site_answer"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("现场诉求已登记，诉求编号 %(number)s。") % {"number": appeal.case.number})
                return redirect("roundtables:session_appeals", pk=session.pk)
        messages.error(request, _("提交未成功，请按提示修改。"))
        status = 400
    regions = {sub.pk: sub.region.display_name for sub in session.sub_sessions.select_related("region")}
    appeals = list(selectors.session_appeals(session=session))
    for appeal in appeals:
        appeal.sub_session_region = regions.get(appeal.session_id, "")
    registered = (
        session.registrations.filter(status__in=ACTIVE).select_related("enterprise").order_by("enterprise__name")
    )
    return render(
        request,
        "roundtables/session_appeals.html",
        {"session": session, "appeals": appeals, "form": form, "registered": registered},
        status=status,
    )


@require_GET
def attachment(request, pk, attachment_id):
    """A session's material or topic video, for whoever may see the session (drafts:
    their managers only), as a download whose type the server judges from the content."""
    import mimetypes

    from portal.uploads import ALLOWED_TYPES, VIDEO_TYPES, protected_file_response, stored_content_type

    session = selectors.session_get(user=request.user, pk=pk)
    item = get_object_or_404(session.attachments.exclude(file=""), pk=attachment_id)
    content_type = stored_content_type(item.file, allowed={**ALLOWED_TYPES, **VIDEO_TYPES})
    extension = mimetypes.guess_extension(content_type) if content_type != "application/octet-stream" else ""
    return protected_file_response(file=item.file, filename=f"{item.title}{extension or ''}", content_type=content_type)


# --- Calendar files -------------------------------------------------------------------


def _ics_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=calendar.CONTENT_TYPE)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@require_GET
def session_ics(request, pk):
    """One published session as an .ics file (drafts are not published, so 404)."""
    session = get_object_or_404(selectors.session_list(user=None), pk=pk)
    return _ics_response(calendar.session_calendar(session), f"roundtable-{session.pk}.ics")


@require_GET
def series_feed(request, pk):
    """A series' calendar to subscribe to: its published city sessions; cancelled ones
    stay in the feed marked cancelled so subscribed calendars update."""
    series = get_object_or_404(Series, pk=pk)
    sessions = selectors.session_list(user=None).filter(series=series, parent__isnull=True).order_by("starts_at", "id")
    return _ics_response(calendar.series_calendar(series, sessions), f"roundtable-series-{series.pk}.ics")
