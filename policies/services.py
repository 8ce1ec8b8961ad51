"""Operations that change policies: publish, edit, withdraw, and questions (问政策).
Keyword-only and atomic. Applications have their own: ``policies.applications.services``."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_q.tasks import async_task

from policies.applications.selectors import can_review
from policies.models import Policy


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
    _retire_predecessor(policy)
    # 精准推送: the eligible enterprises hear about it, in the background.
    transaction.on_commit(lambda: async_task("policies.tasks.push_policy", policy.pk, task_name=f"push-{policy.pk}"))
    return policy


def _retire_predecessor(policy: Policy) -> None:
    """This year's edition replaces last year's: the old one stops taking applications
    and leaves the catalogue and the matches (its applications go on being handled)."""
    if policy.supersedes_id is None:
        return
    Policy.objects.filter(pk=policy.supersedes_id, state=Policy.State.PUBLISHED).update(
        state=Policy.State.EXPIRED, updated_at=timezone.now()
    )


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
