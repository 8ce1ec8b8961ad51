"""Changes to window cases: register one at a 办不成事 window with its 原因分析, keep the
原因分析 up to date, and escalate it one level up (村→乡→县→市) for 会商联办.

Keyword-only and atomic like the case services (``complaints.services``), whose
``case_file`` files the case; a refusal raises ``CaseError`` (a form error, or 400/409
in the API), an actor who may not act ``PermissionDenied``.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from complaints import services as case_services
from complaints.models import Case, CaseEvent, Channel, EventKind, ServiceWindow, WindowEscalation, WindowLevel
from complaints.permissions import can_triage, on_duty_at_current_window, on_duty_for
from complaints.services import CaseError
from complaints.windows.selectors import window_above
from portal import roles
from portal.models import Enterprise, Region, User
from portal.services import notification_send


def _require_on_duty(window: ServiceWindow, actor: User) -> None:
    """Only a 问题专员 on duty at an active window registers cases there."""
    if not (
        window.is_active and roles.has_role(actor, roles.SPECIALIST) and window.specialists.filter(pk=actor.pk).exists()
    ):
        raise PermissionDenied


def _cause_required(cause_analysis: str) -> None:
    if not cause_analysis.strip():
        raise CaseError({"cause_analysis": _("请填写原因分析：这件事为什么没能办成。")}, code="cause_analysis_required")


def _note(case: Case, *, kind: str, actor: User, note: str, is_public: bool = False) -> CaseEvent:
    """An entry on the case's timeline (全程留痕), like every case service writes."""
    return CaseEvent.objects.create(
        case=case,
        kind=kind,
        actor=actor,
        from_status=case.status,
        to_status=case.status,
        stage=case.stage,
        round=case.round,
        note=note,
        is_public=is_public,
    )


@transaction.atomic
def window_case_register(
    *,
    window: ServiceWindow,
    actor: User,
    title: str,
    description: str,
    category,
    complainant_name: str,
    cause_analysis: str,
    complainant_phone: str = "",
    complainant_email: str = "",
    enterprise: Enterprise | None = None,
    is_confidential: bool = False,
    idempotency_key: str | None = None,
) -> Case:
    """Register a case a 办不成事 window could not settle (channel 办不成事窗口), with the
    专员's 原因分析 (required): filed through ``case_file`` in the window's region,
    registered at and consulted on at this window, and accepted at once like every
    appeal staff take in person — the 营商办 then assigns it (交办). The same
    ``idempotency_key`` twice returns the first case."""
    _require_on_duty(window, actor)
    _cause_required(cause_analysis)
    # The enterprise is named below: case_file lets only its members or officials name
    # one, and the walk-in is neither signed in nor the one registering.
    case = case_services.case_file(
        actor=actor,
        channel=Channel.WINDOW,
        title=title,
        description=description,
        category=category,
        region=window.region,
        complainant_name=complainant_name,
        complainant_phone=complainant_phone,
        complainant_email=complainant_email,
        is_confidential=is_confidential,
        idempotency_key=idempotency_key,
    )
    if not case.just_filed:
        return case
    case.window = case.current_window = window
    case.cause_analysis = cause_analysis.strip()
    case.enterprise = enterprise
    case.save(update_fields=["window", "current_window", "cause_analysis", "enterprise"])
    _note(
        case,
        kind=EventKind.COMMENT,
        actor=actor,
        note=_("办不成事窗口“%(window)s”登记。原因分析：%(cause)s")
        % {"window": window.name, "cause": case.cause_analysis},
    )
    case = case_services.case_accept_on_intake(case=case, note=_("办不成事窗口登记，登记即受理。"))
    case.just_filed = True
    return case


@transaction.atomic
def window_case_update_cause(*, case: Case, actor: User, cause_analysis: str) -> Case:
    """Rewrite the 原因分析 (the 专员 learn more while 协调处理): the 专员 on duty at any
    window of the case, or the 营商办. The earlier text stays in the history."""
    if not (on_duty_for(actor, case) or can_triage(actor)):
        raise PermissionDenied
    _cause_required(cause_analysis)
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.window_id is None:
        raise CaseError(_("诉求件 %(number)s 不是办不成事窗口登记的。") % {"number": case.number}, code="not_window")
    cause_analysis = cause_analysis.strip()
    if cause_analysis == case.cause_analysis:
        return case
    case.cause_analysis = cause_analysis
    case.save(update_fields=["cause_analysis"])
    _note(case, kind=EventKind.COMMENT, actor=actor, note=_("更新原因分析：%(cause)s") % {"cause": cause_analysis})
    return case


@transaction.atomic
def window_case_escalate(*, case: Case, actor: User, reason: str) -> WindowEscalation:
    """Escalate a window case one level up for 会商联办: from its current window to the
    active window above it (``selectors.window_above``). Records the step
    (WindowEscalation) and an event, moves ``current_window`` up, and tells the upper
    window's 专员 and the chief officers of the case's region.

    The case row is locked first, so two escalations at once take turns: the second
    finds the case already above the window it was escalated from and is refused.
    Refused at city level, when no active window exists above, and for a closed case."""
    # Who may try at all, before their input is judged (403 before 400).
    if not (on_duty_for(actor, case) or can_triage(actor)):
        raise PermissionDenied
    if not reason.strip():
        raise CaseError({"reason": _("请填写上报理由。")}, code="reason_required")
    # The row alone: joined rows read in the same locking statement would be those of the
    # snapshot before the lock was granted (PostgreSQL re-reads only the locked row), so a
    # window moved up meanwhile would come back empty. Its windows are read afterwards.
    case = Case.objects.select_for_update().get(pk=case.pk)
    if not (on_duty_at_current_window(actor, case) or can_triage(actor)):
        if on_duty_for(actor, case) and case.current_window is not None:
            raise CaseError(
                _("诉求件 %(number)s 已在“%(window)s”会商联办，只有该窗口的问题专员可以继续上报。")
                % {"number": case.number, "window": case.current_window.name},
                code="invalid_state",
            )
        raise PermissionDenied
    current = case.current_window
    if current is None:
        raise CaseError(_("诉求件 %(number)s 不是办不成事窗口登记的。") % {"number": case.number}, code="not_window")
    if not case.is_open:
        raise CaseError(
            _("诉求件 %(number)s 当前状态为“%(status)s”，不能上报会商联办。")
            % {"number": case.number, "status": case.get_status_display()},
            code="invalid_state",
        )
    if current.level == WindowLevel.CITY:
        raise CaseError(
            _("诉求件 %(number)s 已在市级窗口“%(window)s”会商联办，没有更上一级的窗口。")
            % {"number": case.number, "window": current.name},
            code="top_level",
        )
    target = window_above(window=current)
    if target is None:
        raise CaseError(
            _("“%(window)s”的上一级没有启用的办不成事窗口，请联系营商办在管理后台添加。") % {"window": current.name},
            code="no_window_above",
        )
    escalation = WindowEscalation.objects.create(
        case=case, from_window=current, to_window=target, reason=reason.strip(), escalated_by=actor
    )
    case.current_window = target
    case.save(update_fields=["current_window"])
    _note(
        case,
        kind=EventKind.WINDOW_ESCALATED,
        actor=actor,
        note=_("由“%(from)s”上报至“%(to)s”会商联办：%(reason)s")
        % {"from": current.name, "to": target.name, "reason": escalation.reason},
    )
    _notify_escalation(case, escalation)
    escalation.case = case
    return escalation


def chief_officers_for(region: Region | None):
    """The chief officers (首席问题官) to tell about a case of this region: those bound
    to it or to a region above it, and those bound to none (the whole city); all of
    them when none of those exists."""
    chiefs = User.objects.filter(groups__name=roles.CHIEF_PROBLEM_OFFICER, is_active=True)
    if region is None:
        return chiefs
    covering = chiefs.filter(Q(region__isnull=True) | Q(region__path__in=region.lineage_paths()))
    return covering if covering.exists() else chiefs


def _notify_escalation(case: Case, escalation: WindowEscalation) -> None:
    """The upper window's 专员 on duty, and the chief officers of the region where the
    case was registered. Sent once per escalation and person."""
    title = _("诉求件 %(number)s 上报“%(window)s”会商联办：%(title)s") % {
        "number": case.number,
        "window": escalation.to_window.name,
        "title": case.title,
    }
    specialists = list(escalation.to_window.specialists.filter(is_active=True))
    for specialist in specialists:
        notification_send(
            recipient=specialist,
            kind="window.escalated",
            title=title,
            link=reverse("windows:case_detail", args=[case.number]),
            dedup_key=f"window.escalated:{escalation.pk}:{specialist.pk}",
            email=True,
        )
    for chief in chief_officers_for(case.window.region if case.window else None).exclude(
        pk__in=[s.pk for s in specialists]
    ):
        notification_send(
            recipient=chief,
            kind="window.escalated",
            title=title,
            link=reverse("complaints:case_detail", args=[case.number]),
            dedup_key=f"window.escalated:{escalation.pk}:{chief.pk}",
            email=True,
        )
