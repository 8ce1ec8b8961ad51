"""Every change to a case. One function per transition: keyword-only, atomic,
permission- and state-checked, and each writes its event to the case's timeline.

A refused transition raises :class:`CaseError` with a message in the user's
language naming the case's state; surfaces turn it into a form error, an admin
message or a 400 answer, never a 500.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints import sla
from complaints.models import (
    CHIEF_TIERS,
    Case,
    CaseAttachment,
    CaseEvent,
    CaseNumberCounter,
    CaseRating,
    CaseTask,
    Channel,
    EventKind,
    LongTermRequest,
    NonAcceptanceReason,
    ProblemClass,
    Rating,
    RatingMethod,
    Recheck,
    RecheckOutcome,
    ReturnVisit,
    ReturnVisitMethod,
    Stage,
    Status,
    Tier,
)
from complaints.permissions import (
    can_act_as_handler,
    can_rate_as_enterprise,
    can_request_long_term,
    can_triage,
    can_view_case,
    is_chief_officer,
    looks_after,
    on_duty_for,
)
from portal import roles
from portal.models import Department, User
from portal.selectors import approved_members, is_approved_member
from portal.services import notification_send, notification_send_to_address
from portal.workdays import WorkCalendar

LOOKUP_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class CaseError(ValidationError):
    """A transition the case's state or the actor's role does not allow."""


def _refuse_state(case: Case, action: str) -> CaseError:
    return CaseError(
        _("诉求件 %(number)s 当前状态为“%(status)s”，不能%(action)s。")
        % {"number": case.number, "status": case.get_status_display(), "action": action},
        code="invalid_state",
    )


def _lock(case: Case) -> Case:
    """Re-read the case under a row lock: two officials acting at once take turns."""
    return Case.objects.select_for_update().get(pk=case.pk)


def _event(case: Case, *, kind: str, actor: User | None, from_status: str = "", note: str = "", is_public: bool):
    return CaseEvent.objects.create(
        case=case,
        kind=kind,
        actor=actor,
        from_status=from_status,
        to_status=case.status,
        stage=case.stage,
        round=case.round,
        note=note,
        is_public=is_public,
    )


# --- Filing ---------------------------------------------------------------------


def _next_number(year: int) -> str:
    """SQ<year>-<sequence>. The counter row is locked until the filing commits, so
    concurrent filings wait for each other and a rolled-back filing frees its number."""
    CaseNumberCounter.objects.get_or_create(year=year)
    counter = CaseNumberCounter.objects.select_for_update().get(year=year)
    counter.last = F("last") + 1
    counter.save(update_fields=["last"])
    counter.refresh_from_db(fields=["last"])
    return f"SQ{year}-{counter.last:06d}"


@transaction.atomic
def case_file(
    *,
    actor: User | None,
    channel: str,
    title: str,
    description: str,
    category,
    complainant_name: str,
    complainant_phone: str = "",
    complainant_email: str = "",
    region=None,
    enterprise=None,
    is_confidential: bool = False,
    on_behalf_of_organisation: str = "",
    idempotency_key: str | None = None,
    attachments: Iterable = (),
    received_at: dt.datetime | None = None,
    origin_case: Case | None = None,
    privacy_consent: bool = False,
) -> Case:
    """Register a case (登记) and start its clock: the 交办 deadline counts from
    ``received_at`` (now, or the session for a problem written on a roundtable
    sign-up). The same ``idempotency_key`` twice returns the first case;
    ``just_filed`` on the returned case says whether this call filed it.
    ``privacy_consent``: the complainant agreed to the privacy policy now (web form)."""
    if idempotency_key:
        existing = Case.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return _same_form_again(existing, actor)
    if (
        enterprise is not None
        and actor is not None
        and not roles.is_official(actor)
        and not is_approved_member(user=actor, enterprise=enterprise)
        # 亲商管家 (complaints/visits/): a 管家 files the problems found on a visit for the enterprise.
        and not looks_after(actor, enterprise)
    ):
        raise CaseError({"enterprise": _("您尚未获准代表该企业。")}, code="not_member")
    now = timezone.localtime()
    case = Case(
        channel=channel,
        title=title,
        description=description,
        category=category,
        region=region or (enterprise.region if enterprise else None),
        enterprise=enterprise,
        complainant_name=complainant_name,
        complainant_phone=complainant_phone,
        complainant_email=complainant_email,
        is_confidential=is_confidential,
        on_behalf_of_organisation=on_behalf_of_organisation,
        filed_by=actor if actor and actor.is_authenticated else None,
        lookup_code="".join(secrets.choice(LOOKUP_ALPHABET) for _ in range(8)),
        idempotency_key=idempotency_key or None,
        received_at=received_at or now,
        origin_case=origin_case,
        privacy_consent_at=now if privacy_consent else None,
    )
    _start_intake_clock(case)
    case.number = "pending"
    # The idempotency key is guarded by the database (below), not by a racy pre-check.
    case.full_clean(exclude=["number", "lookup_code"], validate_constraints=False)
    try:
        with transaction.atomic():
            case.number = _next_number(now.year)
            case.save()
    except IntegrityError:
        # A concurrent post of the same form won the race; answer with its case.
        if idempotency_key:
            return _same_form_again(Case.objects.get(idempotency_key=idempotency_key), actor)
        raise
    for upload in attachments:
        attachment_add(case=case, actor=actor, upload=upload)
    _event(case, kind=EventKind.RECEIVED, actor=actor, note=_("诉求已登记。"), is_public=True)
    case.just_filed = True
    return case


# How far back staff may date an appeal they register late (a letter found in the post).
RECEIPT_BACKDATING_LIMIT = dt.timedelta(days=30)


def checked_receipt_time(received_at: dt.datetime | None) -> dt.datetime | None:
    """A receipt time staff give for an appeal they register after it arrived: not in
    the future, not more than 30 days back. None stays None (now)."""
    if received_at is None:
        return None
    now = timezone.now()
    if received_at > now + dt.timedelta(minutes=1):
        raise CaseError(_("收到时间不能晚于现在。"), code="future")
    if received_at < now - RECEIPT_BACKDATING_LIMIT:
        raise CaseError(_("收到时间不能早于30天前；更早收到的诉求请在办理说明中注明。"), code="too_old")
    return received_at


def _start_intake_clock(case: Case) -> None:
    """The 交办 deadline from receipt, with the rule for the tier the case has now; the
    resolve deadline provisionally from receipt too, until 交办 sets it."""
    calendar = WorkCalendar()
    policy = sla.policy_for(tier=case.tier)
    case.sla_policy = policy if policy.pk else None
    case.stage = Stage.ASSIGN
    case.assign_due_at = sla.stage_deadline(
        policy=policy, stage=Stage.ASSIGN, start=case.received_at, calendar=calendar
    )
    case.stage_due_at = case.assign_due_at
    case.stage_overdue_at = None
    case.resolve_due_at = sla.resolve_deadline(policy=policy, start=case.received_at, calendar=calendar)


@transaction.atomic
def case_move_receipt(*, case: Case, received_at: dt.datetime, actor: User | None, note: str) -> Case:
    """A case not yet taken up is received at another moment (its roundtable session
    was moved): its 交办 clock is counted again from there, and the trail says so."""
    case = _lock(case)
    if case.status != Status.RECEIVED or case.received_at == received_at:
        return case
    old_due = case.stage_due_at
    case.received_at = received_at
    _start_intake_clock(case)
    case.save()
    _event(
        case,
        kind=EventKind.DEADLINE_CHANGED,
        actor=actor,
        from_status=case.status,
        note=_("%(note)s交办期限由%(old)s改为%(new)s。")
        % {"note": note, "old": _format(old_due), "new": _format(case.stage_due_at)},
        is_public=True,
    )
    return case


def _same_form_again(existing: Case, actor: User | None) -> Case:
    """The case an earlier post of the same form filed; someone else's key is refused."""
    filer = actor.pk if actor and actor.is_authenticated else None
    if existing.filed_by_id != filer:
        raise PermissionDenied
    existing.just_filed = False
    return existing


def attachment_add(*, case: Case, actor: User | None, upload) -> CaseAttachment:
    """Store an uploaded file after checking its size and its real type."""
    from portal.uploads import check_upload, display_name

    content_type = check_upload(upload)
    return CaseAttachment.objects.create(
        case=case,
        file=upload,
        original_name=display_name(upload.name),
        content_type=content_type,
        size=upload.size,
        uploaded_by=actor if actor and actor.is_authenticated else None,
    )


# --- Intake --------------------------------------------------------------------


def _require_triage(actor: User) -> None:
    if not can_triage(actor):
        raise PermissionDenied


@transaction.atomic
def case_accept(*, case: Case, actor: User, note: str = "") -> Case:
    """Accept a received case (受理). Its 交办 clock has run since receipt and runs on:
    acceptance and assignment both happen inside that deadline."""
    _require_triage(actor)
    return _accept(case, actor=actor, note=note)


@transaction.atomic
def case_accept_on_intake(*, case: Case, note: str) -> Case:
    """Accept a case the moment it is filed, for channels whose appeals are accepted
    by rule (an appeal raised at a roundtable). No acting user."""
    return _accept(case, actor=None, note=note)


def _accept(case: Case, *, actor: User | None, note: str) -> Case:
    case = _lock(case)
    if case.status != Status.RECEIVED:
        raise _refuse_state(case, _("受理"))
    case.status = Status.ACCEPTED
    case.accepted_at = timezone.now()
    if case.assign_due_at is None:
        _start_intake_clock(case)
    case.save()
    _event(case, kind=EventKind.ACCEPTED, actor=actor, from_status=Status.RECEIVED, note=note, is_public=True)
    return case


@transaction.atomic
def case_reject(*, case: Case, actor: User, reason: NonAcceptanceReason, reply: str) -> Case:
    """Decline a case with a reason from the non-acceptance list (不予受理) and a reply."""
    _require_triage(actor)
    if not reply.strip():
        raise CaseError({"reply": _("请填写给诉求人的答复。")}, code="reply_required")
    case = _lock(case)
    if case.status != Status.RECEIVED:
        raise _refuse_state(case, _("不予受理"))
    case.status = Status.NOT_ACCEPTED
    case.non_acceptance_reason = reason
    case.reply = reply
    case.stage = ""
    case.stage_due_at = None
    case.closed_at = timezone.now()
    case.save()
    _event(
        case,
        kind=EventKind.NOT_ACCEPTED,
        actor=actor,
        from_status=Status.RECEIVED,
        note=f"{reason.title}：{reply}",
        is_public=True,
    )
    _notify_complainant(case, kind="case.not_accepted", title=_("您的诉求 %(number)s 不予受理"))
    return case


@transaction.atomic
def case_assign(
    *,
    case: Case,
    actor: User,
    lead_department: Department,
    co_departments: Iterable[Department] = (),
    tier: str = Tier.ORDINARY,
    chief_officer: User | None = None,
    note: str = "",
) -> Case:
    """Assign an accepted case to its lead department (交办); the measures clock starts."""
    _require_triage(actor)
    case = _lock(case)
    if case.status != Status.ACCEPTED:
        raise _refuse_state(case, _("交办"))
    co_departments = [department for department in co_departments if department.pk != lead_department.pk]
    if tier == Tier.CROSS_DEPARTMENT and not co_departments:
        raise CaseError({"co_departments": _("跨部门诉求件请选择协办单位。")}, code="co_required")
    # 宣城: a case "涉及多个政务服务机构" is owned by a 首席问题官, as difficult and major ones
    # are — whether its tier says 跨部门 or co-handling departments say so.
    if (tier in CHIEF_TIERS or co_departments) and chief_officer is None and case.chief_officer is None:
        message = (
            _("有协办单位（涉及多个部门）的诉求件须指定首席问题官。")
            if tier not in CHIEF_TIERS
            else _("跨部门、疑难、重大诉求件须指定首席问题官。")
        )
        raise CaseError({"chief_officer": message}, code="chief_required")
    if chief_officer is not None and not roles.has_role(chief_officer, roles.CHIEF_PROBLEM_OFFICER):
        raise CaseError({"chief_officer": _("所选人员不是首席问题官。")}, code="not_chief")
    case.tier = tier
    case.lead_department = lead_department
    if chief_officer is not None:
        case.chief_officer = chief_officer
    _start_round_clock(case, policy=sla.policy_for(tier=tier))
    case.status = Status.ASSIGNED
    case.save()
    case.co_departments.set(co_departments)
    names = "、".join([lead_department.name, *[d.name for d in co_departments]])
    _event(
        case,
        kind=EventKind.ASSIGNED,
        actor=actor,
        from_status=Status.ACCEPTED,
        note=note or _("已交办：%(departments)s") % {"departments": names},
        is_public=True,
    )
    _notify_departments(case, [lead_department, *co_departments], kind="case.assigned")
    return case


def _start_round_clock(case: Case, *, policy) -> None:
    """交办 or 二次交办: the rule for the case's tier sets the measures deadline and the
    resolve deadline, both counted from now; the feedback deadline follows the measures."""
    now = timezone.now()
    calendar = WorkCalendar()
    case.sla_policy = policy if policy.pk else None
    case.assigned_at = now
    case.stage = Stage.MEASURES
    case.measures_due_at = sla.stage_deadline(policy=policy, stage=Stage.MEASURES, start=now, calendar=calendar)
    case.feedback_due_at = None
    case.resolve_due_at = sla.resolve_deadline(policy=policy, start=now, calendar=calendar)
    case.stage_due_at = case.measures_due_at
    case.stage_overdue_at = None
    case.measures_set_at = None
    case.feedback_at = None
    case.resolved_at = None
    case.closed_at = None


def _require_handler(case: Case, actor: User) -> None:
    if not can_act_as_handler(actor, case):
        raise PermissionDenied


@transaction.atomic
def case_set_measures(*, case: Case, actor: User, tasks: list[dict], note: str = "") -> Case:
    """Record the four lists (四个清单) for this round; the feedback clock starts.

    Each task is ``{"task", "measure", "deadline", "department", "responsible_person"}``.
    """
    case = _lock(case)
    _require_handler(case, actor)
    if case.status != Status.ASSIGNED:
        raise _refuse_state(case, _("明确措施"))
    if case.is_suspended:
        raise CaseError(_("诉求件已暂停计时，请先恢复。"), code="suspended")
    if not tasks:
        raise CaseError({"tasks": _("请至少填写一项任务。")}, code="tasks_required")
    today = timezone.localdate()
    rows = []
    for index, item in enumerate(tasks, start=1):
        missing = [
            key for key in ("task", "measure", "deadline", "department", "responsible_person") if not item.get(key)
        ]
        if missing:
            raise CaseError({"tasks": _("第%(index)d项任务填写不完整。") % {"index": index}}, code="task_incomplete")
        if item["deadline"] < today:
            raise CaseError({"tasks": _("第%(index)d项任务的完成期限早于今天。") % {"index": index}}, code="past")
        rows.append(
            CaseTask(
                case=case,
                round=case.round,
                task=item["task"],
                measure=item["measure"],
                deadline=item["deadline"],
                department=item["department"],
                responsible_person=item["responsible_person"],
            )
        )
    CaseTask.objects.bulk_create(rows)
    now = timezone.now()
    policy = case.sla_policy or sla.FALLBACK_POLICY
    case.status = Status.MEASURES_SET
    case.measures_set_at = now
    case.stage = Stage.FEEDBACK
    case.feedback_due_at = sla.stage_deadline(policy=policy, stage=Stage.FEEDBACK, start=now, calendar=WorkCalendar())
    case.stage_due_at = case.feedback_due_at
    case.stage_overdue_at = None
    case.save()
    summary = "；".join(
        _("%(task)s（%(department)s，%(deadline)s前）")
        % {"task": row.task, "department": row.department.name, "deadline": f"{row.deadline:%Y-%m-%d}"}
        for row in rows
    )
    _event(
        case,
        kind=EventKind.MEASURES_SET,
        actor=actor,
        from_status=Status.ASSIGNED,
        note=note or summary,
        is_public=True,
    )
    return case


@transaction.atomic
def case_give_feedback(*, case: Case, actor: User, feedback: str) -> Case:
    """Tell the enterprise what is being done (反馈企业); the resolution clock runs on."""
    case = _lock(case)
    _require_handler(case, actor)
    if case.status != Status.MEASURES_SET:
        raise _refuse_state(case, _("反馈"))
    if not feedback.strip():
        raise CaseError({"feedback": _("请填写反馈内容。")}, code="feedback_required")
    case.status = Status.FEEDBACK_GIVEN
    case.feedback_at = timezone.now()
    case.feedback_text = feedback
    case.stage = Stage.RESOLVE
    case.stage_due_at = case.resolve_due_at
    case.stage_overdue_at = None
    case.save()
    _event(case, kind=EventKind.FEEDBACK, actor=actor, from_status=Status.MEASURES_SET, note=feedback, is_public=True)
    _notify_complainant(case, kind="case.feedback", title=_("您的诉求 %(number)s 有新的办理反馈"))
    return case


@transaction.atomic
def case_resolve(*, case: Case, actor: User, resolution: str, open_tasks_reason: str = "") -> Case:
    """Mark the problem solved (办结); the enterprise is asked to rate the handling.
    Tasks of this round not yet signed off (销号) need ``open_tasks_reason``."""
    case = _lock(case)
    _require_handler(case, actor)
    if case.status != Status.FEEDBACK_GIVEN:
        raise _refuse_state(case, _("办结"))
    if not resolution.strip():
        raise CaseError({"resolution": _("请填写办理结果。")}, code="resolution_required")
    open_tasks = list(case.tasks.filter(round=case.round, done_at__isnull=True).values_list("task", flat=True))
    if open_tasks and not open_tasks_reason.strip():
        raise CaseError(
            {
                "open_tasks_reason": _("还有%(count)d项任务未销号（%(tasks)s），请说明办结理由。")
                % {"count": len(open_tasks), "tasks": "、".join(open_tasks)}
            },
            code="open_tasks",
        )
    if open_tasks:
        resolution = _("%(resolution)s（%(count)d项任务未销号即办结：%(reason)s）") % {
            "resolution": resolution,
            "count": len(open_tasks),
            "reason": open_tasks_reason.strip(),
        }
    was_long_term = case.is_long_term
    case.status = Status.RESOLVED
    case.resolved_at = timezone.now()
    case.resolution = resolution
    case.stage = ""
    case.stage_due_at = None
    case.stage_overdue_at = None
    # 需长期推进 describes an open case: solved, it is no longer pursued (a second round
    # after an unsatisfied rating runs on the normal clock unless approved again).
    _clear_long_term(case)
    case.save()
    _event(
        case, kind=EventKind.RESOLVED, actor=actor, from_status=Status.FEEDBACK_GIVEN, note=resolution, is_public=True
    )
    if was_long_term:
        _event(
            case,
            kind=EventKind.LONG_TERM_ENDED,
            actor=actor,
            from_status=Status.FEEDBACK_GIVEN,
            note=_("已办结，长期推进结束。"),
            is_public=True,
        )
    _notify_complainant(case, kind="case.resolved", title=_("您的诉求 %(number)s 已办结，请评价"))
    return case


@transaction.atomic
def case_rate(
    *, case: Case, actor: User, rating: str, comment: str = "", method: str = RatingMethod.ENTERPRISE
) -> Case:
    """The enterprise rates a resolved case, or an official records a return visit (回访).

    Satisfied closes the case (销单). Unsatisfied sends it back to its departments
    with a fresh clock (二次交办); unsatisfied a second time also puts it under
    supervision (督查督办) by the chief problem officers.
    """
    case = _lock(case)
    if method == RatingMethod.ENTERPRISE:
        if not can_rate_as_enterprise(actor, case):
            raise PermissionDenied
    elif not can_triage(actor):
        raise PermissionDenied
    if case.status != Status.RESOLVED:
        raise _refuse_state(case, _("评价"))
    if rating == Rating.UNSATISFIED and not comment.strip():
        raise CaseError({"comment": _("不满意时请说明原因，以便再次办理。")}, code="comment_required")
    CaseRating.objects.create(
        case=case, round=case.round, rating=rating, method=method, comment=comment, rated_by=actor
    )
    label = Rating(rating).label
    _event(
        case,
        kind=EventKind.RATED,
        actor=actor,
        from_status=Status.RESOLVED,
        note=f"{RatingMethod(method).label}：{label}" + (f"。{comment}" if comment else ""),
        is_public=True,
    )
    if rating != Rating.UNSATISFIED:
        case.status = Status.CLOSED
        case.closed_at = timezone.now()
        case.save()
        _event(case, kind=EventKind.CLOSED, actor=actor, from_status=Status.RESOLVED, is_public=True)
        return case

    case.unsatisfied_count += 1
    became_supervised = case.unsatisfied_count >= 2 and not case.is_supervised
    if became_supervised:
        case.is_supervised = True
    _reassign(
        case,
        actor=actor,
        from_status=Status.RESOLVED,
        note=_("企业不满意，第%(round)d轮交办。") % {"round": case.round + 1},
    )
    if became_supervised:
        _event(case, kind=EventKind.SUPERVISED, actor=None, note=_("两次不满意，列入督查督办。"), is_public=True)
        for chief in User.objects.filter(groups__name=roles.CHIEF_PROBLEM_OFFICER, is_active=True):
            notification_send(
                recipient=chief,
                kind="case.supervised",
                title=_("诉求件 %(number)s 两次评价不满意，列入督查督办") % {"number": case.number},
                link=reverse("complaints:case_detail", args=[case.number]),
                dedup_key=f"case.supervised:{case.pk}",
                email=True,
            )
    return case


def _reassign(case: Case, *, actor: User | None, from_status: str, note: str) -> None:
    """二次交办: the next round goes back to the same departments with a fresh clock
    from now. The earlier round's deadlines stay in the trail (this event's note and
    the case's history)."""
    earlier = _("上一轮期限：明确措施%(measures)s，反馈%(feedback)s，办结%(resolve)s。") % {
        "measures": _format(case.measures_due_at),
        "feedback": _format(case.feedback_due_at),
        "resolve": _format(case.resolve_due_at),
    }
    case.round += 1
    case.status = Status.ASSIGNED
    _start_round_clock(case, policy=sla.policy_for(tier=case.tier))
    case.save()
    _event(
        case,
        kind=EventKind.REASSIGNED,
        actor=actor,
        from_status=from_status,
        note=f"{note}{earlier}",
        is_public=True,
    )
    departments = [case.lead_department, *case.co_departments.all()]
    _notify_departments(case, [d for d in departments if d], kind="case.reassigned")


@transaction.atomic
def case_suspend(*, case: Case, actor: User, reason: str) -> Case:
    """Stop the clock (暂停计时), e.g. while waiting for the enterprise's materials."""
    case = _lock(case)
    if not (can_triage(actor) or can_act_as_handler(actor, case)):
        raise PermissionDenied
    if not case.is_open or not case.stage:
        raise _refuse_state(case, _("暂停计时"))
    if case.is_suspended:
        raise CaseError(_("诉求件 %(number)s 已在暂停中。") % {"number": case.number}, code="already_suspended")
    if case.is_long_term:
        raise CaseError(
            _("诉求件 %(number)s 为需长期推进事项，期间不计时，无需暂停。") % {"number": case.number},
            code="long_term",
        )
    if not reason.strip():
        raise CaseError({"reason": _("请填写暂停原因。")}, code="reason_required")
    case.suspended_at = timezone.now()
    case.suspension_reason = reason
    case.save()
    _event(case, kind=EventKind.SUSPENDED, actor=actor, from_status=case.status, note=reason, is_public=True)
    return case


@transaction.atomic
def case_resume(*, case: Case, actor: User, note: str = "") -> Case:
    """Restart the clock. Working days spent suspended are added to every running deadline."""
    case = _lock(case)
    if not (can_triage(actor) or can_act_as_handler(actor, case)):
        raise PermissionDenied
    if not case.is_suspended:
        raise CaseError(_("诉求件 %(number)s 未暂停计时。") % {"number": case.number}, code="not_suspended")
    calendar = WorkCalendar()
    paused = calendar.working_days_between(timezone.localtime(case.suspended_at).date(), timezone.localdate())
    old_due = case.stage_due_at
    for field in ("stage_due_at", "assign_due_at", "measures_due_at", "feedback_due_at", "resolve_due_at"):
        due = getattr(case, field)
        if due is not None and due >= case.suspended_at:
            setattr(case, field, sla.shift_by_working_days(due, paused, calendar))
    case.suspended_at = None
    case.suspension_reason = ""
    if case.stage_due_at and case.stage_due_at > timezone.now():
        case.stage_overdue_at = None
    case.save()
    _event(case, kind=EventKind.RESUMED, actor=actor, from_status=case.status, note=note, is_public=True)
    if paused and old_due != case.stage_due_at:
        _event(
            case,
            kind=EventKind.DEADLINE_CHANGED,
            actor=actor,
            from_status=case.status,
            note=_("暂停%(days)d个工作日，当前环节期限由%(old)s顺延至%(new)s。")
            % {"days": paused, "old": _format(old_due), "new": _format(case.stage_due_at)},
            is_public=True,
        )
    return case


@transaction.atomic
def case_escalate(*, case: Case, actor: User, chief_officer: User, note: str = "") -> Case:
    """Hand an open case to a chief problem officer (提级办理)."""
    _require_triage(actor)
    case = _lock(case)
    if not case.is_open:
        raise _refuse_state(case, _("提级"))
    if not roles.has_role(chief_officer, roles.CHIEF_PROBLEM_OFFICER):
        raise CaseError({"chief_officer": _("所选人员不是首席问题官。")}, code="not_chief")
    case.is_escalated = True
    case.chief_officer = chief_officer
    case.save()
    _event(
        case,
        kind=EventKind.ESCALATED,
        actor=actor,
        from_status=case.status,
        note=note or _("提级由首席问题官%(name)s牵头办理。") % {"name": chief_officer.get_full_name()},
        is_public=False,
    )
    notification_send(
        recipient=chief_officer,
        kind="case.escalated",
        title=_("诉求件 %(number)s 已提级由您牵头办理") % {"number": case.number},
        link=reverse("complaints:case_detail", args=[case.number]),
        dedup_key=f"case.escalated:{case.pk}:{chief_officer.pk}",
        email=True,
    )
    return case


@transaction.atomic
def case_classify(*, case: Case, actor: User, problem_class: ProblemClass | None) -> Case:
    """File the case under a class of problem (一类问题), or take it out of one."""
    _require_triage(actor)
    case = _lock(case)
    if case.problem_class_id == (problem_class.pk if problem_class else None):
        return case
    case.problem_class = problem_class
    case.save(update_fields=["problem_class"])
    note = _("归入一类问题：%(name)s") % {"name": problem_class.name} if problem_class else _("移出一类问题。")
    _event(case, kind=EventKind.COMMENT, actor=actor, from_status=case.status, note=note, is_public=False)
    return case


@transaction.atomic
def case_comment(*, case: Case, actor: User, note: str, is_public: bool = False) -> CaseEvent:
    """Add a note to the timeline. Notes by the enterprise side are always public."""
    if not can_view_case(actor, case):
        raise PermissionDenied
    if not note.strip():
        raise CaseError({"note": _("请填写备注内容。")}, code="note_required")
    # The window's 问题专员 (complaints/windows/) write staff notes too.
    staff_side = can_triage(actor) or can_act_as_handler(actor, case) or on_duty_for(actor, case)
    return _event(case, kind=EventKind.COMMENT, actor=actor, note=note, is_public=is_public or not staff_side)


# --- 需长期推进 -----------------------------------------------------------------------
#
# Some problems cannot be solved within a month however hard a department works (a plot
# awaiting a provincial land quota, a road to be built): 湘潭 reports them apart, as
# "正在跟进并需长期推进事项". A handler of the lead department or an official asks for
# it with a reason and a next review date; a chief officer approves or refuses. While
# approved the case is not late: ``sla.overdue_q`` leaves it out of every overdue count,
# list and the sweep, and ``sla.long_term_q`` counts it on its own.
#
# The clock, like a suspension (暂停计时), stands still meanwhile: when the chief officer
# ends it (恢复常规办理), each deadline of a stage not yet done moves later by the working
# days that stage spent in the long-term period — counted from the approval, or from the
# stage's own start when a handler moved the case on meanwhile. So the case resumes with
# the time it had left when it was approved (late again at once if it was late then),
# and a stage begun during the period gets its full time from the end. Resolving the
# case ends the period too.


def _check_review_date(review_on: dt.date | None, calendar: WorkCalendar | None = None) -> dt.date:
    """The next review (下次评估): a working day after today."""
    calendar = calendar or WorkCalendar()
    if review_on is None or review_on <= timezone.localdate() or not calendar.is_working_day(review_on):
        raise CaseError({"review_on": _("下次评估日期须为今天以后的工作日。")}, code="review_date")
    return review_on


def _require_chief(actor: User) -> None:
    if not is_chief_officer(actor):
        raise PermissionDenied


def _clear_long_term(case: Case) -> None:
    case.long_term_since = None
    case.long_term_reason = ""
    case.long_term_review_on = None


def _case_link(case: Case) -> str:
    return reverse("complaints:case_detail", args=[case.number])


def long_term_reviewers(case: Case) -> list[User]:
    """The chief officers a 需长期推进 request or review goes to: the case's own chief
    officer; without one, the chief officers bound to the case's region (the nearest
    level that has any); without those, every chief officer."""
    chief = case.chief_officer
    if chief is not None:
        return [chief] if chief.is_active else []
    from complaints.selectors import chief_officers_for_region

    return chief_officers_for_region(case.region) or list(
        User.objects.filter(groups__name=roles.CHIEF_PROBLEM_OFFICER, is_active=True)
    )


@transaction.atomic
def case_long_term_request(*, case: Case, actor: User, reason: str, review_on: dt.date) -> LongTermRequest:
    """Ask for the case to be marked 需长期推进 (a reason and the next review date); a
    chief officer decides. One request at a time awaits a decision."""
    case = _lock(case)
    if not can_request_long_term(actor, case):
        raise PermissionDenied
    if case.status not in (Status.ASSIGNED, Status.MEASURES_SET, Status.FEEDBACK_GIVEN):
        raise _refuse_state(case, _("申请长期推进"))
    if case.is_long_term:
        raise CaseError(_("诉求件 %(number)s 已是需长期推进事项。") % {"number": case.number}, code="long_term")
    if case.is_suspended:
        raise CaseError(_("诉求件已暂停计时，请先恢复。"), code="suspended")
    if not reason.strip():
        raise CaseError({"reason": _("请说明需长期推进的原因。")}, code="reason_required")
    _check_review_date(review_on)
    if LongTermRequest.objects.filter(case=case, approved__isnull=True).exists():
        raise CaseError(
            _("诉求件 %(number)s 已有待审批的长期推进申请。") % {"number": case.number}, code="already_requested"
        )
    request = LongTermRequest.objects.create(case=case, reason=reason, review_on=review_on, requested_by=actor)
    _event(
        case,
        kind=EventKind.LONG_TERM_REQUESTED,
        actor=actor,
        from_status=case.status,
        note=_("申请需长期推进：%(reason)s（下次评估日期：%(date)s）")
        % {"reason": reason, "date": f"{review_on:%Y-%m-%d}"},
        is_public=False,
    )
    for chief in long_term_reviewers(case):
        notification_send(
            recipient=chief,
            kind="case.long_term.requested",
            title=_("诉求件 %(number)s 申请需长期推进，请审批") % {"number": case.number},
            link=_case_link(case),
            dedup_key=f"case.long_term.requested:{request.pk}:{chief.pk}",
            email=True,
        )
    return request


@transaction.atomic
def case_long_term_decide(*, case: Case, actor: User, approved: bool, note: str = "") -> Case:
    """A chief officer approves the pending 需长期推进 request — the case leaves the
    overdue counts and its clock stands still until the review — or refuses it with a reason."""
    _require_chief(actor)
    case = _lock(case)
    request = LongTermRequest.objects.select_for_update().filter(case=case, approved__isnull=True).first()
    if request is None:
        raise CaseError(_("诉求件 %(number)s 没有待审批的长期推进申请。") % {"number": case.number}, code="no_request")
    if not approved and not note.strip():
        raise CaseError({"note": _("不同意时请说明理由。")}, code="note_required")
    if approved and not case.is_open:
        raise _refuse_state(case, _("批准长期推进"))
    request.approved = approved
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.decision_note = note
    request.save(update_fields=["approved", "decided_by", "decided_at", "decision_note"])
    if approved:
        review_on = request.review_on
        if review_on <= timezone.localdate():
            # Decided after the date asked for: the review is due at once, and the
            # reminder says so; the chief officer extends it with a new date.
            review_on = timezone.localdate()
        case.long_term_since = request.decided_at
        case.long_term_reason = request.reason
        case.long_term_review_on = review_on
        case.save(update_fields=["long_term_since", "long_term_reason", "long_term_review_on"])
        text = _("需长期推进：%(reason)s。下次评估日期：%(date)s。") % {
            "reason": request.reason,
            "date": f"{review_on:%Y-%m-%d}",
        }
        _event(
            case,
            kind=EventKind.LONG_TERM_APPROVED,
            actor=actor,
            from_status=case.status,
            note=text + note,
            is_public=True,
        )
        title = _("诉求件 %(number)s 已批准为需长期推进事项")
    else:
        _event(
            case,
            kind=EventKind.LONG_TERM_REJECTED,
            actor=actor,
            from_status=case.status,
            note=_("长期推进申请未获批准：%(note)s") % {"note": note},
            is_public=False,
        )
        title = _("诉求件 %(number)s 的长期推进申请未获批准")
    notification_send(
        recipient=request.requested_by,
        kind="case.long_term.decided",
        title=title % {"number": case.number},
        body=note,
        link=_case_link(case),
        dedup_key=f"case.long_term.decided:{request.pk}",
    )
    return case


@transaction.atomic
def case_long_term_extend(*, case: Case, actor: User, review_on: dt.date, note: str = "") -> Case:
    """On review a chief officer keeps the case 需长期推进 until a later review date."""
    _require_chief(actor)
    case = _lock(case)
    if not (case.is_open and case.is_long_term):
        raise CaseError(_("诉求件 %(number)s 不是需长期推进事项。") % {"number": case.number}, code="not_long_term")
    _check_review_date(review_on)
    old = case.long_term_review_on
    case.long_term_review_on = review_on
    case.save(update_fields=["long_term_review_on"])
    _event(
        case,
        kind=EventKind.DEADLINE_CHANGED,
        actor=actor,
        from_status=case.status,
        note=_("继续长期推进，下次评估日期由%(old)s改为%(new)s。")
        % {"old": f"{old:%Y-%m-%d}" if old else "—", "new": f"{review_on:%Y-%m-%d}"}
        + (note if note else ""),
        is_public=True,
    )
    return case


# The deadline of each stage, when the stage was done, and when it began.
_STAGE_CLOCKS = {
    Stage.ASSIGN: ("assign_due_at", "assigned_at", "received_at"),
    Stage.MEASURES: ("measures_due_at", "measures_set_at", "assigned_at"),
    Stage.FEEDBACK: ("feedback_due_at", "feedback_at", "measures_set_at"),
    Stage.RESOLVE: ("resolve_due_at", "resolved_at", "assigned_at"),
}


@transaction.atomic
def case_long_term_end(*, case: Case, actor: User, note: str = "") -> Case:
    """End 需长期推进 (恢复常规办理): the case is back on the normal clock, each deadline of a
    stage not yet done moved later by the working days that stage spent in the period
    (see above), and counts as overdue again once past it."""
    _require_chief(actor)
    case = _lock(case)
    if not (case.is_open and case.is_long_term):
        raise CaseError(_("诉求件 %(number)s 不是需长期推进事项。") % {"number": case.number}, code="not_long_term")
    calendar = WorkCalendar()
    today = timezone.localdate()
    since = case.long_term_since
    assert since is not None
    old_due = case.stage_due_at
    for due_field, done_field, start_field in _STAGE_CLOCKS.values():
        due, start = getattr(case, due_field), getattr(case, start_field)
        if due is None or getattr(case, done_field) is not None:
            continue
        counted_from = max(since, start) if start else since
        days = calendar.working_days_between(timezone.localtime(counted_from).date(), today)
        setattr(case, due_field, sla.shift_by_working_days(due, days, calendar))
    if case.stage:
        case.stage_due_at = getattr(case, _STAGE_CLOCKS[Stage(case.stage)][0])
    if case.stage_due_at and case.stage_due_at > timezone.now():
        case.stage_overdue_at = None
    _clear_long_term(case)
    case.save()
    text = _("恢复常规办理。")
    if old_due != case.stage_due_at:
        text += _("当前环节期限由%(old)s顺延至%(new)s。") % {"old": _format(old_due), "new": _format(case.stage_due_at)}
    _event(
        case,
        kind=EventKind.LONG_TERM_ENDED,
        actor=actor,
        from_status=case.status,
        note=text + (note if note else ""),
        is_public=True,
    )
    return case


# --- Tasks, return visits, 回头看, splitting ----------------------------------------


@transaction.atomic
def case_task_complete(*, case: Case, task: CaseTask, actor: User, note: str) -> CaseTask:
    """Sign a task of the four lists off (销号) with a note on what was done."""
    case = _lock(case)
    _require_handler(case, actor)
    if not case.is_open:
        raise _refuse_state(case, _("任务销号"))
    task = CaseTask.objects.select_for_update().get(pk=task.pk, case=case)
    if task.done_at is not None:
        raise CaseError(
            _("任务“%(task)s”已于%(when)s销号。") % {"task": task.task, "when": _format(task.done_at)}, code="done"
        )
    if not note.strip():
        raise CaseError({"note": _("请填写任务完成情况。")}, code="note_required")
    task.done_at = timezone.now()
    task.done_note = note
    task.done_by = actor
    task.save(update_fields=["done_at", "done_note", "done_by"])
    _event(
        case,
        kind=EventKind.TASK_DONE,
        actor=actor,
        from_status=case.status,
        note=_("任务“%(task)s”已销号：%(note)s") % {"task": task.task, "note": note},
        is_public=True,
    )
    return task


@transaction.atomic
def case_return_visit(
    *,
    case: Case,
    actor: User,
    method: str,
    solved: bool,
    note: str = "",
    handling_smooth: bool | None = None,
    explanation_complete: bool | None = None,
    problems: str = "",
    suggestions: str = "",
) -> ReturnVisit:
    """回访 after 办结: one per round. "Not solved" reopens the case as 二次交办 with
    the reason, whatever the enterprise's rating said."""
    _require_triage(actor)
    case = _lock(case)
    if case.status not in (Status.RESOLVED, Status.CLOSED):
        raise _refuse_state(case, _("回访"))
    if not solved and not note.strip():
        raise CaseError({"note": _("问题未解决时请记录原因，以便再次交办。")}, code="note_required")
    if ReturnVisit.objects.filter(case=case, round=case.round).exists():
        raise CaseError(_("诉求件 %(number)s 本轮已回访。") % {"number": case.number}, code="visited")
    visit = ReturnVisit.objects.create(
        case=case,
        round=case.round,
        method=method,
        solved=solved,
        handling_smooth=handling_smooth,
        explanation_complete=explanation_complete,
        problems=problems,
        suggestions=suggestions,
        note=note,
        visited_by=actor,
    )
    verdict = _("问题已解决") if solved else _("问题未解决")
    _event(
        case,
        kind=EventKind.RETURN_VISIT,
        actor=actor,
        from_status=case.status,
        note=f"{ReturnVisitMethod(method).label}{_('回访')}：{verdict}" + (f"。{note}" if note else ""),
        is_public=True,
    )
    if not solved:
        _reassign(
            case,
            actor=actor,
            from_status=case.status,
            note=_("回访问题未解决，第%(round)d轮交办：%(reason)s。") % {"round": case.round + 1, "reason": note},
        )
    return visit


@transaction.atomic
def case_recheck(*, case: Case, actor: User, outcome: str, note: str = "") -> Recheck:
    """回头看 of a closed case: the fix held (保持), or the problem came back (反弹) and
    is filed again as a new case linked to this one, its clock starting now."""
    _require_triage(actor)
    case = _lock(case)
    if case.status != Status.CLOSED:
        raise _refuse_state(case, _("回头看"))
    if Recheck.objects.filter(case=case).exists():
        raise CaseError(_("诉求件 %(number)s 已做过回头看。") % {"number": case.number}, code="rechecked")
    new_case = None
    if outcome == RecheckOutcome.REBOUNDED:
        if not note.strip():
            raise CaseError({"note": _("问题反弹时请说明情况，将据此重新登记诉求件。")}, code="note_required")
        new_case = _file_follow_on(
            case, actor=actor, title=_("【反弹】") + case.title, description=note, category=case.category
        )
    recheck = Recheck.objects.create(case=case, outcome=outcome, note=note, new_case=new_case, checked_by=actor)
    label = RecheckOutcome(outcome).label
    text = _("回头看：%(outcome)s") % {"outcome": label} + (f"。{note}" if note else "")
    if new_case is not None:
        text += _("（已重新登记为 %(number)s）") % {"number": new_case.number}
    _event(case, kind=EventKind.RECHECK, actor=actor, from_status=case.status, note=text, is_public=False)
    return recheck


def _file_follow_on(case: Case, *, actor: User, title: str, description: str, category, **fields) -> Case:
    """A new case born of this one (split off it, or its problem come back): the same
    诉求人, enterprise, region and channel, linked to it by ``origin_case``."""
    return case_file(
        actor=actor,
        channel=case.channel,
        title=title[:200],
        description=description,
        category=category,
        region=case.region,
        enterprise=case.enterprise,
        complainant_name=case.complainant_name,
        complainant_phone=case.complainant_phone,
        complainant_email=case.complainant_email,
        is_confidential=case.is_confidential,
        on_behalf_of_organisation=case.on_behalf_of_organisation,
        origin_case=case,
        **fields,
    )


@transaction.atomic
def case_split(*, case: Case, actor: User, parts: list[dict]) -> list[Case]:
    """一事一件: a text that raises several problems (a roundtable sign-up, a letter)
    becomes one case per problem. The case keeps the first part; each further part is
    a new case received at the same moment, with the same 诉求人 and the same clock,
    linked to this one (and to the same roundtable registration, when it has one).

    Each part is ``{"title", "description", "category"}``; at least two."""
    _require_triage(actor)
    case = _lock(case)
    if case.status not in (Status.RECEIVED, Status.ACCEPTED):
        raise _refuse_state(case, _("拆分"))
    if len(parts) < 2:
        raise CaseError({"parts": _("拆分至少需要两个问题。")}, code="too_few_parts")
    for index, part in enumerate(parts, start=1):
        if not (part.get("title", "").strip() and part.get("description", "").strip()):
            raise CaseError({"parts": _("第%(index)d个问题填写不完整。") % {"index": index}}, code="part_incomplete")
    original_text = case.description
    first, *others = parts
    case.title = first["title"][:200]
    case.description = first["description"]
    case.category = first.get("category") or case.category
    case.save(update_fields=["title", "description", "category"])
    # A roundtable appeal's parts are appeals of the same session and registration too
    # (the roundtables app builds on this one, so its model is reached by the relation).
    # It is roundtables.models.Appeal, which this module cannot import for its type: Any.
    Appeal: Any = Case._meta.get_field("roundtable_appeal").related_model
    appeal = Appeal.objects.filter(case=case).first()
    new_cases = []
    for part in others:
        new_case = _file_follow_on(
            case,
            actor=actor,
            title=part["title"],
            description=part["description"],
            category=part.get("category") or case.category,
            received_at=case.received_at,
        )
        if case.status == Status.ACCEPTED:
            _accept(new_case, actor=actor, note=_("由 %(number)s 拆分。") % {"number": case.number})
        if appeal is not None:
            Appeal.objects.create(
                session_id=appeal.session_id,
                case=new_case,
                registration_id=appeal.registration_id,
                source=appeal.source,
            )
        new_cases.append(new_case)
    numbers = "、".join(new_case.number for new_case in new_cases)
    _event(
        case,
        kind=EventKind.SPLIT,
        actor=actor,
        from_status=case.status,
        note=_("一事一件，拆分出 %(numbers)s。原诉求内容：%(text)s") % {"numbers": numbers, "text": original_text},
        is_public=True,
    )
    return new_cases


# --- Notifications --------------------------------------------------------------------


def _format(moment: dt.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "—"


def _notify_departments(case: Case, departments: list[Department], *, kind: str) -> None:
    """Tell the handlers and the lead of each department. Says nothing of the complainant."""
    recipients = User.objects.filter(
        department__in=departments, groups__name=roles.HANDLER, is_active=True
    ) | User.objects.filter(led_departments__in=departments, is_active=True)
    for recipient in recipients.distinct():
        notification_send(
            recipient=recipient,
            kind=kind,
            title=_("诉求件 %(number)s 交由贵单位办理：%(title)s") % {"number": case.number, "title": case.title},
            link=reverse("complaints:case_detail", args=[case.number]),
            dedup_key=f"{kind}:{case.pk}:{case.round}",
            email=True,
            sms=True,
        )


def _notify_complainant(case: Case, *, kind: str, title: str) -> None:
    """Tell the complainant's side (诉求人): the approved members of the case's
    enterprise, the person who filed it when they filed for themselves, and otherwise
    the mobile number and e-mail the 诉求人 gave. Never the staff member who
    registered the case on their behalf (a call to 12345, a letter, a window)."""
    title = title % {"number": case.number}
    link = reverse("complaints:case_detail", args=[case.number])
    dedup_key = f"{kind}:{case.pk}:{case.round}"
    recipients = set(complainant_users(case))
    for recipient in recipients:
        notification_send(
            recipient=recipient, kind=kind, title=title, link=link, dedup_key=dedup_key, email=True, sms=True
        )
    if recipients:
        return
    # Nobody with an account speaks for the case: the number and address given.
    lookup = reverse("complaints:case_lookup") + f"?number={case.number}"
    notification_send_to_address(
        mobile=case.complainant_phone,
        email=case.complainant_email,
        kind=kind,
        title=title,
        body=_("凭诉求编号 %(number)s 和查询码 %(code)s 查询办理进度。")
        % {"number": case.number, "code": case.lookup_code},
        link=lookup,
        dedup_key=dedup_key,
    )


def complainant_users(case: Case) -> list[User]:
    """The accounts that speak for the 诉求人: the enterprise's approved members and a
    filer from the complainant's side — not staff registering for someone else."""
    users = []
    if case.enterprise_id:
        users += list(approved_members(case.enterprise_id))
    if case.channel == Channel.WALKTHROUGH:
        # The experience officer whose finding this is speaks for it.
        users += [u for u in User.objects.filter(walkthroughs__findings__case=case, is_active=True) if u not in users]
    # A window case's filer is the 问题专员 who registered it (complaints/windows/), never the 诉求人.
    filer = case.filed_by if case.window_id is None else None
    if filer is not None and filer.is_active and not _is_staff_side(filer) and filer not in users:
        users.append(filer)
    return users


def _is_staff_side(user: User) -> bool:
    """Officials, chief officers, department handlers and 亲商管家 register cases for others."""
    return (
        can_triage(user)
        or roles.is_official(user)
        or bool(user.department_id)
        # 亲商管家 (complaints/visits/): a 管家 files 走访 problems for the enterprise.
        or roles.has_role(user, roles.STEWARD)
    )
