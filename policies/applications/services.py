"""Every change to a policy application, one function per step (报、审、兑、评).

Each function is keyword-only and atomic, locks the application row first (two
members, a double click or a reviewer racing the enterprise meet at the lock), checks
who acts and the state from ``Application.EDITABLE``/``PENDING_REVIEW``/``CONCLUDED``,
and writes one ``ApplicationEvent`` (who, what, when, how much). Refusals are
``ValidationError`` (bad state or input, in the user's language) or ``PermissionDenied``;
the pages and the API show the same messages."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from policies.applications.selectors import (
    can_answer_joint,
    can_prepare,
    can_review,
    grants_preview,
    needs_joint_review,
    person_name,
    window_message,
)
from policies.models import (
    Application,
    ApplicationEvent,
    ApplicationFile,
    ApplicationMandate,
    ApplicationMethod,
    ApplicationRating,
    JointOpinion,
    Policy,
    PolicyMaterial,
    ProjectType,
)
from portal.models import Enterprise, User
from portal.money import yuan
from portal.selectors import approved_members, is_approved_member
from portal.uploads import display_name
from portal.workdays import deadline

REVIEW_WORKING_DAYS = 5  # a reviewer decides within five working days of submission


# --- Shared steps ---------------------------------------------------------------------


def _lock(application: Application) -> Application:
    return Application.objects.select_for_update().select_related("policy", "enterprise").get(pk=application.pk)


def _refuse(application: Application, action: str) -> ValidationError:
    return ValidationError(
        _("该申报当前状态为“%(status)s”，不能%(action)s。")
        % {"status": application.get_status_display(), "action": action},
        code="invalid_state",
    )


def _require_member(application: Application, actor: User) -> None:
    if not is_approved_member(user=actor, enterprise=application.enterprise):
        raise PermissionDenied


def _require_member_or_preparer(application: Application, actor: User) -> bool:
    """The enterprise's member (True) or, for an application staff prepared (帮办代办),
    someone who prepares for the enterprise (False); anyone else is refused."""
    if is_approved_member(user=actor, enterprise=application.enterprise):
        return True
    if application.is_prepared and can_prepare(actor, application.enterprise_id):
        return False
    raise PermissionDenied


def _require_reviewer(application: Application, actor: User) -> None:
    if not can_review(actor, application.policy):
        raise PermissionDenied


def _record(
    application: Application,
    *,
    kind: str,
    actor: User | None,
    from_status: str = "",
    amount: Decimal | None = None,
    note: str = "",
) -> ApplicationEvent:
    return ApplicationEvent.objects.create(
        application=application,
        kind=kind,
        actor=actor,
        from_status=from_status,
        to_status=application.status,
        amount=amount,
        note=note,
    )


def _tell_applicant(application: Application, title: str) -> None:
    from portal.services import notification_send

    for user in approved_members(application.enterprise):
        notification_send(
            recipient=user,
            kind="policy.application",
            title=title[:200],
            link=reverse("policy_applications:detail", args=[application.pk]),
            dedup_key=f"policy.application:{application.pk}:{application.status}:{application.updated_at.isoformat()}",
            email=True,
            sms=application.status in (Application.Status.APPROVED, Application.Status.PAID),
        )


# --- 报: the enterprise ---------------------------------------------------------------


@transaction.atomic
def application_start(*, policy: Policy, enterprise: Enterprise, actor: User, declared: dict | None = None):
    """Open a draft application (or return the enterprise's active one for this year).

    ``just_opened`` on the returned application says which. Two starts racing each
    other (a double click, two members at once) meet at the database constraint: the
    one that loses gets the winner's application."""
    if not is_approved_member(user=actor, enterprise=enterprise):
        raise PermissionDenied
    message = window_message(policy)
    if message:
        raise ValidationError(message, code="closed")
    year = timezone.localdate().year
    active = Application.objects.filter(policy=policy, enterprise=enterprise, year=year).exclude(
        status=Application.Status.REJECTED
    )
    existing = active.first()
    if existing is not None:
        existing.just_opened = False
        return existing
    try:
        with transaction.atomic():
            application = Application.objects.create(
                policy=policy, enterprise=enterprise, applicant=actor, year=year, declared=declared or {}
            )
    except IntegrityError:
        application = active.get()
        application.just_opened = False
        return application
    _record(application, kind=ApplicationEvent.Kind.STARTED, actor=actor)
    application.just_opened = True
    return application


@transaction.atomic
def application_save_draft(*, application: Application, actor: User, declared: dict) -> Application:
    """Keep what the enterprise typed without submitting (草稿 or 补正)."""
    application = _lock(application)
    _require_member_or_preparer(application, actor)
    if not application.is_editable:
        raise _refuse(application, _("修改"))
    if declared != application.declared:
        application.declared = declared
        application.save(update_fields=["declared", "updated_at"])
        _record(application, kind=ApplicationEvent.Kind.SAVED, actor=actor, from_status=application.status)
    return application


@transaction.atomic
def application_file_add(
    *, application: Application, actor: User, material: PolicyMaterial, upload: UploadedFile, content_type: str
) -> ApplicationFile:
    """Attach a file for one of the policy's materials. ``content_type`` is what
    ``portal.uploads.check_upload`` found in the content, checked by the form or serializer."""
    application = _lock(application)
    _require_member_or_preparer(application, actor)
    if not application.is_editable:
        raise _refuse(application, _("上传材料"))
    if material.policy_id != application.policy_id or material.zero_material:
        raise ValidationError({"material": _("该材料不属于本政策需要上传的材料。")}, code="invalid_material")
    item = ApplicationFile.objects.create(
        application=application,
        material=material,
        file=upload,
        original_name=display_name(upload.name or ""),
        content_type=content_type,
        size=upload.size or 0,
    )
    _record(
        application,
        kind=ApplicationEvent.Kind.FILE_ADDED,
        actor=actor,
        from_status=application.status,
        note=f"{material.name}：{item.original_name}",
    )
    return item


@transaction.atomic
def application_file_remove(*, application: Application, actor: User, file_id: int) -> ApplicationFile:
    """Remove an uploaded file; the stored file goes once the removal has committed.
    Raises ``ApplicationFile.DoesNotExist`` for a file not of this application."""
    application = _lock(application)
    _require_member_or_preparer(application, actor)
    if not application.is_editable:
        raise _refuse(application, _("删除材料"))
    # Another application's file is as missing as one that never was (ApplicationFile.DoesNotExist).
    item = ApplicationFile.objects.select_related("material").get(pk=file_id, application=application)
    stored = item.file
    transaction.on_commit(lambda: stored.delete(save=False))
    item.delete()
    material = item.material.name if item.material else _("其他材料")
    _record(
        application,
        kind=ApplicationEvent.Kind.FILE_REMOVED,
        actor=actor,
        from_status=application.status,
        note=f"{material}：{item.original_name}",
    )
    return item


@transaction.atomic
def application_submit(
    *, application: Application, actor: User, declared: dict | None = None, confirmed: bool = False
) -> Application:
    """Submit (or resubmit after 补正). The eligibility and the estimate are computed now
    and kept with the application; the review clock starts."""
    from policies import matching

    application = _lock(application)
    is_member = _require_member_or_preparer(application, actor)
    if not application.is_editable:
        raise _refuse(application, _("提交"))
    # A correction asked for by the reviewer may be resubmitted after the window closed.
    message = window_message(application.policy) if application.status == Application.Status.DRAFT else None
    if message:
        raise ValidationError(message, code="closed")
    mandate = None
    if not is_member:
        # 帮办代办: staff submit only under the enterprise's standing mandate, whose own
        # 信用承诺 covers the declarations; locked, so a revocation waits or wins.
        mandate = (
            ApplicationMandate.objects.select_for_update()
            .select_related("granted_by")
            .filter(enterprise=application.enterprise_id, revoked_at__isnull=True)
            .first()
        )
        if mandate is None:
            raise ValidationError(_("该企业没有委托代办，须由企业核对、确认信用承诺后自行提交。"), code="no_mandate")
        confirmed = True
    if not confirmed:
        raise ValidationError({"confirmed": _("请确认所填信息真实有效。")}, code="not_confirmed")
    required = application.policy.materials.filter(zero_material=False)
    uploaded = set(application.files.values_list("material_id", flat=True))
    missing = [material.name for material in required if material.pk not in uploaded]
    if missing:
        raise ValidationError(_("请上传：%(names)s。") % {"names": "、".join(missing)}, code="materials")
    evaluation = matching.evaluate(application.policy, matching.Profile.of(application.enterprise))
    now = timezone.now()
    before = application.status
    application.declared = declared if declared is not None else application.declared
    application.confirmed = True
    application.eligibility = {
        "class": evaluation.klass,
        "unmet": evaluation.unmet_texts,
        "unknown": evaluation.missing_fields,
        "amount_explanation": evaluation.amount_explanation,
    }
    application.estimated_amount = evaluation.amount
    application.policy_version = application.policy.version
    application.status = Application.Status.SUBMITTED
    application.submitted_at = now
    application.review_due_at = deadline(now, REVIEW_WORKING_DAYS)
    application.correction_request = ""
    application.mandate = mandate
    if is_member and application.applicant_id is None:
        application.applicant = actor  # a prepared application's applicant is who confirmed it
    application.save()
    note = ""
    if mandate is not None:
        note = _("依委托代为提交（%(name)s %(date)s 委托）") % {
            "name": mandate.granted_by.get_full_name(),
            "date": timezone.localtime(mandate.granted_at).strftime("%Y-%m-%d"),
        }
    elif application.is_prepared:
        note = _("企业核对代办内容并确认信用承诺后提交")
    _record(
        application,
        kind=ApplicationEvent.Kind.SUBMITTED,
        actor=actor,
        from_status=before,
        amount=evaluation.amount,
        note=note,
    )
    if mandate is not None:
        _tell_applicant(
            application,
            _("%(name)s已依贵企业的委托代为提交“%(policy)s”申报")
            % {"name": person_name(actor), "policy": application.policy},
        )
    return application


@transaction.atomic
def application_rate(*, application: Application, actor: User, score: int, comment: str = "") -> ApplicationRating:
    """评政策: once, after the application was paid or rejected."""
    application = _lock(application)
    _require_member(application, actor)
    if not application.is_concluded or ApplicationRating.objects.filter(application=application).exists():
        raise ValidationError(_("该申报现在不能评价。"), code="not_rateable")
    if not 1 <= score <= 5:
        raise ValidationError({"score": _("评分为1到5分。")}, code="invalid_score")
    rating = ApplicationRating.objects.create(application=application, score=score, comment=comment)
    _record(
        application,
        kind=ApplicationEvent.Kind.RATED,
        actor=actor,
        from_status=application.status,
        note=_("%(score)s分") % {"score": score} + (f"：{comment}" if comment else ""),
    )
    return rating


# --- 帮办代办 and 委托代办: staff prepare, the enterprise confirms or mandates ------------------

# The 信用承诺 a member agrees to when granting a standing mandate; kept with the mandate
# in the words the member read.
MANDATE_PLEDGE = gettext_lazy(
    "本企业委托本企业的亲商管家及营商办工作人员，代为填报并提交本企业的惠企政策申报。"
    "本企业承诺：提供给代办人员的信息和材料真实、准确、完整；依本委托代为提交的申报视同本企业提交，"
    "由本企业对其真实性负责；本委托在本企业撤销前持续有效，撤销不影响此前已提交的申报。"
)


@transaction.atomic
def application_prepare(
    *, policy: Policy, enterprise: Enterprise, actor: User, declared: dict | None = None
) -> Application:
    """帮办代办: a 亲商管家 of the enterprise or an official opens a draft application for
    it, recorded as prepared by them. The enterprise's members see it in 我的申报 and
    submit it after checking it; the preparer fills it in (text, files) meanwhile.
    Returns the year's prepared application when there is one already (``just_opened``);
    refuses when the enterprise applied by itself, whose draft stays its own."""
    if not can_prepare(actor, enterprise):
        raise PermissionDenied
    message = window_message(policy)
    if message:
        raise ValidationError(message, code="closed")
    year = timezone.localdate().year
    active = Application.objects.filter(policy=policy, enterprise=enterprise, year=year).exclude(
        status=Application.Status.REJECTED
    )
    existing = active.first()
    if existing is None:
        try:
            with transaction.atomic():
                application = Application.objects.create(
                    policy=policy, enterprise=enterprise, prepared_by=actor, year=year, declared=declared or {}
                )
        except IntegrityError:
            existing = active.get()
        else:
            _record(
                application,
                kind=ApplicationEvent.Kind.STARTED,
                actor=actor,
                note=_("帮办代办：由%(name)s代为填报") % {"name": person_name(actor)},
            )
            application.just_opened = True
            return application
    if not existing.is_prepared:
        raise ValidationError(_("该企业本年度已自行申报该政策，无需代办。"), code="exists")
    existing.just_opened = False
    return existing


@transaction.atomic
def application_send_to_confirm(*, application: Application, actor: User) -> Application:
    """The preparer hands the filled-in application to the enterprise: its members are
    told to check it, confirm the 信用承诺 and submit it."""
    application = _lock(application)
    if _require_member_or_preparer(application, actor):
        raise PermissionDenied  # the enterprise's own members submit; nothing to hand over
    if not application.is_editable:
        raise _refuse(application, _("交企业确认"))
    event = _record(
        application, kind=ApplicationEvent.Kind.SENT_TO_CONFIRM, actor=actor, from_status=application.status
    )
    from portal.services import notification_send

    for user in approved_members(application.enterprise):
        notification_send(
            recipient=user,
            kind="policy.application",
            title=(
                _("%(name)s已为贵企业代为填报“%(policy)s”申报，请核对并确认提交")
                % {"name": person_name(actor), "policy": application.policy}
            )[:200],
            link=reverse("policy_applications:detail", args=[application.pk]),
            dedup_key=f"policy.application:{application.pk}:sent_to_confirm:{event.pk}",
            email=True,
        )
    return application


def _require_enterprise_member(enterprise: Enterprise, actor: User) -> None:
    if not is_approved_member(user=actor, enterprise=enterprise):
        raise PermissionDenied


@transaction.atomic
def mandate_grant(*, enterprise: Enterprise, actor: User, agreed: bool) -> ApplicationMandate:
    """委托代办: a member of the enterprise grants a standing mandate, agreeing to its
    信用承诺 (``MANDATE_PLEDGE``, kept with it). One in force at a time: a second
    grant, or two racing, is refused (the database constraint decides the race)."""
    _require_enterprise_member(enterprise, actor)
    if not agreed:
        raise ValidationError({"agreed": _("请阅读并同意委托代办的信用承诺。")}, code="not_agreed")
    exists = _("贵企业已有生效的委托代办，无需重复委托。")
    if ApplicationMandate.objects.filter(enterprise=enterprise, revoked_at__isnull=True).exists():
        raise ValidationError(exists, code="exists")
    try:
        with transaction.atomic():
            return ApplicationMandate.objects.create(
                enterprise=enterprise, granted_by=actor, pledge=str(MANDATE_PLEDGE)
            )
    except IntegrityError:
        raise ValidationError(exists, code="exists") from None


@transaction.atomic
def mandate_revoke(*, enterprise: Enterprise, actor: User) -> ApplicationMandate:
    """A member revokes the enterprise's mandate in force: from now on staff may prepare
    but only the enterprise submits. Applications already submitted under it stay so."""
    _require_enterprise_member(enterprise, actor)
    mandate = (
        ApplicationMandate.objects.select_for_update().filter(enterprise=enterprise, revoked_at__isnull=True).first()
    )
    if mandate is None:
        raise ValidationError(_("贵企业目前没有生效的委托代办。"), code="none")
    mandate.revoked_at = timezone.now()
    mandate.revoked_by = actor
    mandate.save(update_fields=["revoked_at", "revoked_by"])
    return mandate


# --- 审 and 兑: the reviewer -----------------------------------------------------------


def _lock_for_reviewer(application: Application, actor: User, *, allowed, action: str) -> Application:
    application = _lock(application)
    _require_reviewer(application, actor)
    if application.status not in allowed:
        raise _refuse(application, action)
    return application


def _move(
    application: Application,
    actor: User,
    *,
    to: str,
    kind: str,
    changes: dict,
    amount: Decimal | None = None,
    note: str = "",
    tell: str = "",
) -> Application:
    """One reviewer's step: the new status and fields saved, the step recorded, and the
    enterprise told (``tell``) once it is done."""
    before = application.status
    application.status = to
    for field, value in changes.items():
        setattr(application, field, value)
    application.save(update_fields=["status", *changes, "updated_at"])
    _record(application, kind=kind, actor=actor, from_status=before, amount=amount, note=note)
    if tell:
        _tell_applicant(application, tell)
    return application


@transaction.atomic
def application_start_review(*, application: Application, actor: User) -> Application:
    application = _lock_for_reviewer(application, actor, allowed=(Application.Status.SUBMITTED,), action=_("开始审核"))
    return _move(
        application,
        actor,
        to=Application.Status.UNDER_REVIEW,
        kind=ApplicationEvent.Kind.REVIEW_STARTED,
        changes={"reviewer": actor},
    )


@transaction.atomic
def application_return(*, application: Application, actor: User, correction_request: str) -> Application:
    """退回补正, saying what to fix. Not while the joint review runs: the departments
    are giving their opinions on what was submitted."""
    application = _lock_for_reviewer(application, actor, allowed=Application.PENDING_REVIEW, action=_("退回补正"))
    _refuse_during_joint_review(application, action=_("退回补正"))
    if not correction_request.strip():
        raise ValidationError({"correction_request": _("请写明需要补正的内容。")}, code="required")
    return _move(
        application,
        actor,
        to=Application.Status.RETURNED,
        kind=ApplicationEvent.Kind.RETURNED,
        changes={"correction_request": correction_request},
        note=correction_request,
        tell=_("您的“%(policy)s”申报需要补正：%(what)s") % {"policy": application.policy, "what": correction_request},
    )


@transaction.atomic
def application_approve(*, application: Application, actor: User, amount: Decimal | None) -> Application:
    """核准. A 审查遴选 application of a policy naming joint review departments is
    approved only after every one of them gave its opinion."""
    application = _lock_for_reviewer(application, actor, allowed=Application.PENDING_REVIEW, action=_("核准"))
    _refuse_during_joint_review(application, action=_("核准"))
    if needs_joint_review(application.policy) and not application.joint_opinions.exists():
        raise ValidationError(
            _("该政策为审查遴选类项目，须先发起跨部门联审，待各联审部门回复意见后才能核准。"),
            code="joint_review_required",
        )
    if amount is None or amount < 0:
        raise ValidationError({"amount": _("请填写核准金额。")}, code="required")
    cap = application.policy.amount_cap
    if cap is not None and amount > cap:
        raise ValidationError({"amount": _("核准金额超过单个企业上限 %(cap)s。") % {"cap": yuan(cap)}}, code="over_cap")
    return _move(
        application,
        actor,
        to=Application.Status.APPROVED,
        kind=ApplicationEvent.Kind.APPROVED,
        changes={"approved_amount": amount, "approved_at": timezone.now(), "reviewer": actor},
        amount=amount,
        tell=_("您的“%(policy)s”申报已核准，金额 %(amount)s") % {"policy": application.policy, "amount": yuan(amount)},
    )


@transaction.atomic
def application_reject(*, application: Application, actor: User, reason: str) -> Application:
    """不予通过. Not while a joint review waits for opinions; an application plainly
    ineligible may be rejected without one."""
    application = _lock_for_reviewer(application, actor, allowed=Application.PENDING_REVIEW, action=_("不予通过"))
    _refuse_during_joint_review(application, action=_("作出不予通过决定"))
    if not reason.strip():
        raise ValidationError({"reason": _("请填写不予通过的理由。")}, code="required")
    return _move(
        application,
        actor,
        to=Application.Status.REJECTED,
        kind=ApplicationEvent.Kind.REJECTED,
        changes={"rejection_reason": reason},
        note=reason,
        tell=_("您的“%(policy)s”申报未通过：%(reason)s") % {"policy": application.policy, "reason": reason},
    )


@transaction.atomic
def application_record_payout(
    *, application: Application, actor: User, amount: Decimal | None, paid_on, voucher_number: str
) -> Application:
    """兑: the money reached the enterprise."""
    application = _lock_for_reviewer(application, actor, allowed=(Application.Status.APPROVED,), action=_("登记兑付"))
    errors = {}
    if amount is None or amount <= 0:
        errors["amount"] = _("请填写兑付金额。")
    elif application.approved_amount is not None and amount > application.approved_amount:
        errors["amount"] = _("兑付金额不能超过核准金额 %(amount)s。") % {"amount": yuan(application.approved_amount)}
    if paid_on is None or paid_on > timezone.localdate():
        errors["paid_on"] = _("请填写实际兑付日期（不晚于今天）。")
    if not voucher_number.strip():
        errors["voucher_number"] = _("请填写凭证号。")
    if errors:
        raise ValidationError(errors, code="invalid_payout")
    return _move(
        application,
        actor,
        to=Application.Status.PAID,
        kind=ApplicationEvent.Kind.PAID,
        changes={"paid_amount": amount, "paid_on": paid_on, "voucher_number": voucher_number},
        amount=amount,
        note=_("兑付日期 %(date)s，凭证号 %(voucher)s") % {"date": paid_on.isoformat(), "voucher": voucher_number},
        tell=_("“%(policy)s”资金 %(amount)s 已兑付") % {"policy": application.policy, "amount": yuan(amount)},
    )


# --- 联审: joint review of 审查遴选 applications ------------------------------------------


def _refuse_during_joint_review(application: Application, *, action: str) -> None:
    """The issuer decides only once every joint department answered; the refusal names
    the departments still to answer. Call with the application locked: an opinion given
    meanwhile waits for the lock (joint_opinion_give locks the application first)."""
    pending = list(
        JointOpinion.objects.filter(application=application, opinion=JointOpinion.Opinion.PENDING)
        .select_related("department")
        .order_by("department__name")
    )
    if pending or application.status == Application.Status.JOINT_REVIEW:
        names = "、".join(opinion.department.display_name for opinion in pending)
        raise ValidationError(
            _("联审尚未完成（待%(departments)s回复意见），暂不能%(action)s。")
            % {"departments": names or _("联审部门"), "action": action},
            code="invalid_state",
        )


def _joint_handlers(departments) -> list[User]:
    """The handlers of the departments who review applications: those who answer."""
    from portal import roles

    return list(
        User.objects.filter(department__in=departments, groups__name=roles.HANDLER, is_active=True)
        .distinct()
        .order_by("pk")
    )


@transaction.atomic
def joint_review_request(*, application: Application, actor: User) -> Application:
    """发起联审: the reviewer of a 审查遴选 application sends it to the policy's joint
    review departments. Each gets its opinion to give within the policy's
    ``joint_review_days`` working days (its own clock, from now), and its handlers are
    told. The application waits in 联审中 until the last one answered. Once per
    application: a second request (a double click, two reviewers) is refused as a
    state conflict."""
    from portal.services import notification_send
    from portal.workdays import deadline

    application = _lock(application)
    _require_reviewer(application, actor)
    policy = application.policy
    if JointOpinion.objects.filter(application=application).exists():
        raise ValidationError(_("该申报已发起过联审，不能重复发起。"), code="invalid_state")
    if application.status not in (Application.Status.SUBMITTED, Application.Status.UNDER_REVIEW):
        raise _refuse(application, _("发起联审"))
    if policy.project_type != ProjectType.SELECTION:
        raise ValidationError(_("该政策为资格定补类项目，无需联审。"), code="not_selection")
    departments = list(policy.joint_review_departments.order_by("name", "pk"))
    if not departments:
        raise ValidationError(_("该政策未设置联审部门，不能发起联审。"), code="no_departments")
    now = timezone.now()
    due = deadline(now, policy.joint_review_days)
    JointOpinion.objects.bulk_create(
        JointOpinion(application=application, department=department, requested_at=now, due_at=due)
        for department in departments
    )
    before = application.status
    application.status = Application.Status.JOINT_REVIEW
    changes = ["status", "updated_at"]
    if application.reviewer_id is None:
        application.reviewer = actor  # who sent it to joint review hears when it is back
        changes.append("reviewer")
    application.save(update_fields=changes)
    names = "、".join(department.display_name for department in departments)
    event = _record(
        application,
        kind=ApplicationEvent.Kind.JOINT_REVIEW_REQUESTED,
        actor=actor,
        from_status=before,
        note=_("联审部门：%(departments)s；各部门在%(days)s个工作日内（%(due)s前）回复意见")
        % {
            "departments": names,
            "days": policy.joint_review_days,
            "due": timezone.localtime(due).strftime("%Y-%m-%d %H:%M"),
        },
    )
    link = reverse("policy_applications:detail", args=[application.pk]) + "#joint"
    for handler in _joint_handlers(departments):
        notification_send(
            recipient=handler,
            kind="policy.joint_review",
            title=(
                _("请于%(due)s前对“%(policy)s”的一份申报提出联审意见")
                % {"due": timezone.localtime(due).strftime("%Y-%m-%d"), "policy": policy}
            )[
                # The enterprise is named on the page behind the link, not in mail and SMS.
                :200
            ],
            link=link,
            dedup_key=f"policy.joint_review:{event.pk}:{handler.pk}",
            email=True,
        )
    return application


@transaction.atomic
def joint_opinion_give(*, opinion: JointOpinion, actor: User, verdict: str, comment: str = "") -> JointOpinion:
    """联审意见: a handler of the department (or an official) agrees or disagrees, once;
    disagreeing needs a reason. When the last department has answered, the application
    goes back to 审核中 and its reviewer is told that the issuer may decide."""
    from portal.services import notification_send

    # The application first, as the reviewer's steps lock it: a decision and the last
    # opinion never cross.
    application = _lock(opinion.application)
    opinion = JointOpinion.objects.select_for_update().select_related("department").get(pk=opinion.pk)
    if not can_answer_joint(actor, opinion.department_id):
        raise PermissionDenied
    if opinion.opinion:
        raise ValidationError(
            _("%(department)s已于%(when)s回复联审意见，不能重复回复。")
            % {
                "department": opinion.department.display_name,
                "when": timezone.localtime(opinion.answered_at).strftime("%Y-%m-%d %H:%M"),
            },
            code="invalid_state",
        )
    if application.status != Application.Status.JOINT_REVIEW:
        raise _refuse(application, _("回复联审意见"))
    comment = (comment or "").strip()
    errors = {}
    if verdict not in (JointOpinion.Opinion.AGREE, JointOpinion.Opinion.DISAGREE):
        errors["opinion"] = _("请选择同意或不同意。")
    elif verdict == JointOpinion.Opinion.DISAGREE and not comment:
        errors["comment"] = _("不同意的，请写明理由。")
    if errors:
        raise ValidationError(errors, code="invalid")
    opinion.opinion = verdict
    opinion.comment = comment
    opinion.answered_by = actor
    opinion.answered_at = timezone.now()
    opinion.save(update_fields=["opinion", "comment", "answered_by", "answered_at"])
    still_pending = JointOpinion.objects.filter(application=application, opinion=JointOpinion.Opinion.PENDING).exists()
    before = application.status
    if not still_pending:
        application.status = Application.Status.UNDER_REVIEW
        application.save(update_fields=["status", "updated_at"])
    note = f"{opinion.department.display_name}：{opinion.get_opinion_display()}"
    if comment:
        note += f"。{comment}"
    event = _record(application, kind=ApplicationEvent.Kind.JOINT_OPINION, actor=actor, from_status=before, note=note)
    reviewer = application.reviewer if not still_pending else None
    if reviewer is not None:
        notification_send(
            recipient=reviewer,
            kind="policy.joint_review",
            title=(_("“%(policy)s”的一份申报各联审部门已回复意见，请作出审核决定") % {"policy": application.policy})[
                :200
            ],
            link=reverse("policy_applications:detail", args=[application.pk]) + "#joint",
            dedup_key=f"policy.joint_review:done:{event.pk}",
            email=True,
        )
    return opinion


# --- 免申即享 -------------------------------------------------------------------------


@transaction.atomic
def grants_confirm(*, policy: Policy, actor: User) -> int:
    """Record approved grants for the previewed enterprises, without any application,
    and tell each enterprise what it receives. Returns how many were granted."""
    if not actor.has_perm("policies.grant_policy"):
        raise PermissionDenied
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    if policy.application_method != ApplicationMethod.AUTO_GRANT or policy.state != Policy.State.PUBLISHED:
        raise ValidationError(_("只有已发布的免申即享政策可以直接兑现。"), code="not_auto")
    now = timezone.now()
    year = timezone.localdate().year  # the same year grants_preview and applications use
    rows = [
        Application(
            policy=policy,
            enterprise=enterprise,
            year=year,
            submitted_at=now,
            status=Application.Status.APPROVED,
            is_auto_grant=True,
            confirmed=True,
            eligibility={"class": "eligible", "unmet": [], "unknown": []},
            estimated_amount=amount,
            policy_version=policy.version,
            approved_amount=amount,
            approved_at=now,
            reviewer=actor,
        )
        for enterprise, amount in grants_preview(policy=policy)
    ]
    # A concurrent confirmation may have granted some already: the constraint skips them,
    # and only the rows stamped with this run's moment are counted and told.
    Application.objects.bulk_create(rows, ignore_conflicts=True)
    granted = list(Application.objects.filter(policy=policy, year=year, approved_at=now, is_auto_grant=True))
    ApplicationEvent.objects.bulk_create(
        ApplicationEvent(
            application=application,
            kind=ApplicationEvent.Kind.GRANTED,
            actor=actor,
            created_at=now,
            to_status=application.status,
            amount=application.approved_amount,
        )
        for application in granted
    )
    for application in granted:
        amount = application.approved_amount
        _tell_applicant(
            application,
            _("您无需申请即可享受“%(policy)s”%(amount)s")
            % {
                "policy": policy,
                "amount": _("，金额 %(amount)s") % {"amount": yuan(amount)} if amount is not None else "",
            },
        )
    return len(granted)
