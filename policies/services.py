"""Operations that change policies: publish and withdraw. Keyword-only and atomic."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_q.tasks import async_task

from policies.models import Policy
from portal.selectors import approved_members, is_approved_member


def _require_publisher(actor) -> None:
    if not actor.has_perm("policies.publish_policy"):
        raise PermissionDenied


@transaction.atomic
def policy_publish(*, policy: Policy, actor) -> Policy:
    _require_publisher(actor)
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    if policy.state not in (Policy.State.DRAFT, Policy.State.WITHDRAWN):
        raise ValidationError(
            _("“%(policy)s”当前状态为“%(state)s”，不能发布。")
            % {"policy": policy, "state": policy.get_state_display()},
            code="invalid_state",
        )
    policy.full_clean()
    policy.state = Policy.State.PUBLISHED
    policy.published_on = policy.published_on or timezone.localdate()
    policy.save(update_fields=["state", "published_on", "updated_at"])
    # 精准推送: the eligible enterprises hear about it, in the background.
    transaction.on_commit(lambda: async_task("policies.tasks.push_policy", policy.pk, task_name=f"push-{policy.pk}"))
    return policy


@transaction.atomic
def policy_save_edit(*, policy: Policy, actor) -> Policy:
    """Save an official's edit. A published policy's edit is a new version: decisions
    already made keep the version (and, in the history, the values) they were made under."""
    if not actor.has_perm("policies.change_policy"):
        raise PermissionDenied
    if policy.pk and Policy.objects.filter(pk=policy.pk, state=Policy.State.PUBLISHED).exists():
        policy.version = Policy.objects.get(pk=policy.pk).version + 1
    policy.save()
    return policy


@transaction.atomic
def policy_withdraw(*, policy: Policy, actor) -> Policy:
    _require_publisher(actor)
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    if policy.state != Policy.State.PUBLISHED:
        raise ValidationError(_("只有已发布的政策可以撤回。"), code="invalid_state")
    policy.state = Policy.State.WITHDRAWN
    policy.save(update_fields=["state", "updated_at"])
    return policy


# --- Applications (报) and payout (兑) ----------------------------------------------------

REVIEW_WORKING_DAYS = 5  # a reviewer decides within five working days of submission


def can_review(user, policy: Policy) -> bool:
    """Officials review every application; a handler those of their department's policies."""
    from portal import roles

    if not user.has_perm("policies.review_application"):
        return False
    return roles.is_official(user) or (user.department_id is not None and user.department_id == policy.issuer_id)


def window_message(policy: Policy) -> str | None:
    """Why the policy cannot be applied for today, or None when it can."""
    from policies.models import ApplicationMethod

    today = timezone.localdate()
    if policy.state != Policy.State.PUBLISHED:
        return _("该政策未在发布状态，不能申报。")
    if policy.application_method == ApplicationMethod.AUTO_GRANT:
        return _("该政策为免申即享，无需申报，符合条件的企业将直接享受。")
    if policy.application_opens and today < policy.application_opens:
        return _("申报将于%(date)s开始。") % {"date": policy.application_opens.strftime("%Y-%m-%d")}
    if policy.application_closes and today > policy.application_closes:
        return _("申报已于%(date)s截止。") % {"date": policy.application_closes.strftime("%Y-%m-%d")}
    return None


def _lock_application(application):
    from policies.models import Application

    return Application.objects.select_for_update().select_related("policy", "enterprise").get(pk=application.pk)


def _refuse(application, action: str) -> ValidationError:
    return ValidationError(
        _("该申报当前状态为“%(status)s”，不能%(action)s。")
        % {"status": application.get_status_display(), "action": action},
        code="invalid_state",
    )


@transaction.atomic
def application_start(*, policy: Policy, enterprise, actor, declared: dict | None = None):
    """Open a draft application (or return the enterprise's active one for this year).

    ``just_opened`` on the returned application says which. Two starts racing each
    other (a double click, two members at once) meet at the database constraint: the
    one that loses gets the winner's application."""
    from policies.models import Application

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
    if existing is None:
        try:
            with transaction.atomic():
                existing = Application.objects.create(
                    policy=policy, enterprise=enterprise, applicant=actor, year=year, declared=declared or {}
                )
        except IntegrityError:
            existing = active.get()
            existing.just_opened = False
        else:
            existing.just_opened = True
    else:
        existing.just_opened = False
    return existing


@transaction.atomic
def application_submit(*, application, actor, declared: dict | None = None, confirmed: bool = False):
    """Submit (or resubmit after 补正). The eligibility and the estimate are computed now
    and kept with the application; the review clock starts."""
    from policies import matching
    from policies.models import Application
    from portal.workdays import deadline

    application = _lock_application(application)
    if not is_approved_member(user=actor, enterprise=application.enterprise):
        raise PermissionDenied
    if application.status not in (Application.Status.DRAFT, Application.Status.RETURNED):
        raise _refuse(application, _("提交"))
    # A correction asked for by the reviewer may be resubmitted after the window closed.
    message = window_message(application.policy) if application.status == Application.Status.DRAFT else None
    if message:
        raise ValidationError(message, code="closed")
    if not confirmed:
        raise ValidationError({"confirmed": _("请确认所填信息真实有效。")}, code="not_confirmed")
    required = application.policy.materials.filter(zero_material=False)
    uploaded = set(application.files.values_list("material_id", flat=True))
    missing = [material.name for material in required if material.pk not in uploaded]
    if missing:
        raise ValidationError(_("请上传：%(names)s。") % {"names": "、".join(missing)}, code="materials")
    evaluation = matching.evaluate(application.policy, matching.Profile.of(application.enterprise))
    now = timezone.now()
    application.declared = declared if declared is not None else application.declared
    application.confirmed = True
    application.eligibility = {
        "class": evaluation.klass,
        "unmet": [c.text for c in evaluation.unmet],
        "unknown": [c.missing for c in evaluation.unknown],
        "amount_explanation": evaluation.amount_explanation,
    }
    application.estimated_amount = evaluation.amount
    application.policy_version = application.policy.version
    application.status = Application.Status.SUBMITTED
    application.submitted_at = now
    application.review_due_at = deadline(now, REVIEW_WORKING_DAYS)
    application.correction_request = ""
    application.save()
    return application


def _require_reviewer(application, actor) -> None:
    if not can_review(actor, application.policy):
        raise PermissionDenied


@transaction.atomic
def application_start_review(*, application, actor):
    from policies.models import Application

    application = _lock_application(application)
    _require_reviewer(application, actor)
    if application.status != Application.Status.SUBMITTED:
        raise _refuse(application, _("开始审核"))
    application.status = Application.Status.UNDER_REVIEW
    application.reviewer = actor
    application.save(update_fields=["status", "reviewer", "updated_at"])
    return application


@transaction.atomic
def application_return(*, application, actor, correction_request: str):
    """退回补正, saying what to fix."""
    from policies.models import Application

    application = _lock_application(application)
    _require_reviewer(application, actor)
    if application.status not in (Application.Status.SUBMITTED, Application.Status.UNDER_REVIEW):
        raise _refuse(application, _("退回补正"))
    if not correction_request.strip():
        raise ValidationError({"correction_request": _("请写明需要补正的内容。")}, code="required")
    application.status = Application.Status.RETURNED
    application.correction_request = correction_request
    application.save(update_fields=["status", "correction_request", "updated_at"])
    _tell_applicant(
        application,
        _("您的“%(policy)s”申报需要补正：%(what)s") % {"policy": application.policy, "what": correction_request},
    )
    return application


@transaction.atomic
def application_approve(*, application, actor, amount):
    from policies.models import Application

    application = _lock_application(application)
    _require_reviewer(application, actor)
    if application.status not in (Application.Status.SUBMITTED, Application.Status.UNDER_REVIEW):
        raise _refuse(application, _("核准"))
    if amount is None or amount < 0:
        raise ValidationError({"amount": _("请填写核准金额。")}, code="required")
    cap = application.policy.amount_cap
    if cap is not None and amount > cap:
        raise ValidationError({"amount": _("核准金额超过单个企业上限 %(cap)s 元。") % {"cap": cap}}, code="over_cap")
    application.status = Application.Status.APPROVED
    application.approved_amount = amount
    application.approved_at = timezone.now()
    application.reviewer = actor
    application.save(update_fields=["status", "approved_amount", "approved_at", "reviewer", "updated_at"])
    _tell_applicant(
        application,
        _("您的“%(policy)s”申报已核准，金额 %(amount)s 元") % {"policy": application.policy, "amount": amount},
    )
    return application


@transaction.atomic
def application_reject(*, application, actor, reason: str):
    from policies.models import Application

    application = _lock_application(application)
    _require_reviewer(application, actor)
    if application.status not in (Application.Status.SUBMITTED, Application.Status.UNDER_REVIEW):
        raise _refuse(application, _("不予通过"))
    if not reason.strip():
        raise ValidationError({"reason": _("请填写不予通过的理由。")}, code="required")
    application.status = Application.Status.REJECTED
    application.rejection_reason = reason
    application.save(update_fields=["status", "rejection_reason", "updated_at"])
    _tell_applicant(
        application, _("您的“%(policy)s”申报未通过：%(reason)s") % {"policy": application.policy, "reason": reason}
    )
    return application


@transaction.atomic
def application_record_payout(*, application, actor, amount, paid_on, voucher_number: str):
    """兑: the money reached the enterprise."""
    from policies.models import Application

    application = _lock_application(application)
    _require_reviewer(application, actor)
    if application.status != Application.Status.APPROVED:
        raise _refuse(application, _("登记兑付"))
    errors = {}
    if amount is None or amount <= 0:
        errors["amount"] = _("请填写兑付金额。")
    elif application.approved_amount is not None and amount > application.approved_amount:
        errors["amount"] = _("兑付金额不能超过核准金额 %(amount)s 元。") % {"amount": application.approved_amount}
    if paid_on is None or paid_on > timezone.localdate():
        errors["paid_on"] = _("请填写实际兑付日期（不晚于今天）。")
    if not voucher_number.strip():
        errors["voucher_number"] = _("请填写凭证号。")
    if errors:
        raise ValidationError(errors, code="invalid_payout")
    application.status = Application.Status.PAID
    application.paid_amount = amount
    application.paid_on = paid_on
    application.voucher_number = voucher_number
    application.save(update_fields=["status", "paid_amount", "paid_on", "voucher_number", "updated_at"])
    _tell_applicant(
        application, _("“%(policy)s”资金 %(amount)s 元已兑付") % {"policy": application.policy, "amount": amount}
    )
    return application


def _tell_applicant(application, title: str) -> None:
    from django.urls import reverse

    from portal.services import notification_send

    for user in approved_members(application.enterprise):
        notification_send(
            recipient=user,
            kind="policy.application",
            title=title[:200],
            link=reverse("policy_applications:detail", args=[application.pk]),
            dedup_key=f"policy.application:{application.pk}:{application.status}:{application.updated_at.isoformat()}",
            email=True,
            sms=application.status in ("approved", "paid"),
        )


# --- 免申即享 -----------------------------------------------------------------------------


def grants_preview(*, policy: Policy) -> list[tuple]:
    """The eligible enterprises not yet granted this year, with their computed amounts."""
    from policies import matching
    from policies.models import Application

    year = timezone.localdate().year
    granted = Application.objects.filter(policy=policy, year=year).exclude(status=Application.Status.REJECTED)
    enterprises = (
        matching.eligible_enterprises(policy)
        .exclude(pk__in=granted.values("enterprise_id"))
        .select_related("region", "industry")
        .prefetch_related("tags")
        .order_by("name")
    )
    return [
        (enterprise, matching.estimate_amount(policy, matching.Profile.of(enterprise))[0]) for enterprise in enterprises
    ]


@transaction.atomic
def grants_confirm(*, policy: Policy, actor) -> int:
    """Record approved grants for the previewed enterprises, without any application,
    and tell each enterprise what it receives. Returns how many were granted."""
    from policies.models import Application, ApplicationMethod

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
    for application in granted:
        amount = application.approved_amount
        _tell_applicant(
            application,
            _("您无需申请即可享受“%(policy)s”%(amount)s")
            % {
                "policy": policy,
                "amount": _("，金额 %(amount)s 元") % {"amount": amount} if amount is not None else "",
            },
        )
    return len(granted)


# --- 问政策 ----------------------------------------------------------------------------


@transaction.atomic
def question_ask(*, policy: Policy, actor, question: str):
    """A question on a policy; the issuing department answers it in the admin, and it is
    published on the policy page once answered."""
    from policies.models import PolicyQuestion

    if not actor.is_authenticated:
        raise PermissionDenied
    if policy.state != Policy.State.PUBLISHED:
        raise ValidationError(_("该政策未在发布状态。"), code="not_published")
    if not question.strip():
        raise ValidationError({"question": _("请填写问题。")}, code="required")
    return PolicyQuestion.objects.create(policy=policy, question=question.strip()[:2000])


@transaction.atomic
def question_answer(*, question, actor, answer: str):
    """The issuing department answers (officials may too); the answer is published."""
    from policies.models import PolicyQuestion

    question = PolicyQuestion.objects.select_for_update().select_related("policy").get(pk=question.pk)
    if not can_review(actor, question.policy):
        raise PermissionDenied
    if not answer.strip():
        raise ValidationError({"answer": _("请填写解答。")}, code="required")
    question.answer = answer.strip()
    question.is_published = True
    question.save(update_fields=["answer", "is_published"])
    return question
