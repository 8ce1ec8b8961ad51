"""Operations that change policies: publish and withdraw. Keyword-only and atomic."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

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
