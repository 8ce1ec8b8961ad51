"""Operations that change policies: draft, edit, submit, publish, return, withdraw —
each with its line in the 修订记录 — and questions (问政策).
Keyword-only and atomic. Applications have their own: ``policies.applications.services``."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Field
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_q.tasks import async_task

from policies.applications.selectors import can_review
from policies.models import CONDITION_FIELDS, Policy, PolicyRevision


def _require_publisher(actor) -> None:
    if not actor.has_perm("policies.publish_policy"):
        raise PermissionDenied


# --- Who keeps a policy, and its 修订记录 -------------------------------------------------
#
# 谁制定、谁梳理、谁解释、谁更新: the issuing department's staff (``draft_policy``) draft and
# update their own department's policies and submit them; the 营商办 (``publish_policy``)
# publish them or return them with a reason, and may edit any policy (pages or admin).
# Every step writes a PolicyRevision: who, which version, what kind, why, which fields.
#
# An issuer's edit of a PUBLISHED policy goes live at once as a new version, with its
# 修改说明 required: keeping dates, contacts and amounts current must not wait for a
# review (the seeds' departments answer for their policies), and decisions already made
# keep the version they were made under. The 营商办's officials are told of each such
# edit, so they can check it on the 修订记录 and withdraw the policy if it went wrong.

# Fields no keeper sets on a page: the state changes by the steps below, the version
# with a published policy's edit, the rest by the system.
_NOT_KEPT = {"state", "version", "archived_at", "created_at", "updated_at", "published_on", "id"}


# Who qualifies: a published policy's edit of these pushes it to the firms newly admitted.
_CONDITION_FIELDS = {*CONDITION_FIELDS, "advanced_condition"}


def _kept_field_names() -> set[str]:
    names = set()
    for field in Policy._meta.get_fields():
        if field.auto_created or not getattr(field, "editable", False) or field.name in _NOT_KEPT:
            continue
        names.add(field.name)
    return names


def _value(policy: Policy, name: str):
    """A field's value in comparable form: a many-to-many as the set of its ids."""
    field = Policy._meta.get_field(name)
    assert isinstance(field, Field)  # a field of the policy's own, never a reverse relation
    if field.many_to_many:
        if policy.pk is None:
            return frozenset()
        return frozenset(getattr(policy, name).values_list("pk", flat=True))
    return field.value_from_object(policy)


def _new_value(name: str, value):
    field = Policy._meta.get_field(name)
    if field.many_to_many:
        return frozenset(getattr(item, "pk", item) for item in value or ())
    if field.many_to_one:
        return getattr(value, "pk", value)
    return value


def _is_empty(value) -> bool:
    return value in (None, "", [], (), frozenset(), set())


def _apply(policy: Policy, data: dict) -> dict:
    """Set the concrete fields of ``data`` on the policy; return the many-to-many ones,
    which are set once the policy is saved."""
    unknown = set(data) - _kept_field_names()
    if unknown:
        raise TypeError(f"not a field a keeper sets: {sorted(unknown)}")
    many = {}
    for name, value in data.items():
        if Policy._meta.get_field(name).many_to_many:
            many[name] = value
        else:
            setattr(policy, name, value)
    return many


def _validated(policy: Policy) -> None:
    policy.full_clean(exclude=["version"])


def revision_write(*, policy: Policy, kind: str, actor, reason: str = "", changed_fields=()) -> PolicyRevision:
    """One line of the policy's 修订记录 (append-only: the database refuses changes)."""
    return PolicyRevision.objects.create(
        policy=policy,
        version=policy.version,
        kind=kind,
        actor=actor if getattr(actor, "pk", None) else None,
        reason=(reason or "").strip(),
        changed_fields=list(changed_fields),
    )


def _require_keeper(actor, policy: Policy) -> None:
    from policies.manage.selectors import can_keep

    if not can_keep(actor, policy):
        raise PermissionDenied


def _require_reason_for_published(policy_state: str, reason: str) -> None:
    if policy_state == Policy.State.PUBLISHED and not (reason or "").strip():
        raise ValidationError({"reason": _("修改已发布的政策会生成新版本，请填写修改说明。")}, code="reason_required")


def _locked(policy: Policy) -> Policy:
    return Policy.objects.select_for_update().get(pk=policy.pk)


@transaction.atomic
def policy_create(*, actor, data: dict, reason: str = "") -> Policy:
    """An issuing department drafts a policy (草稿); the 营商办 may draft for any department.
    An issuer drafts only for their own department, whatever ``data`` says."""
    from policies.manage.selectors import keeps_all, may_keep_any

    if not may_keep_any(actor):
        raise PermissionDenied
    data = dict(data)
    issuer = data.get("issuer")
    if not keeps_all(actor):
        if issuer is not None and issuer.pk != actor.department_id:
            raise PermissionDenied
        data["issuer"] = actor.department
    elif issuer is None:
        raise ValidationError({"issuer": _("请选择发布部门。")}, code="required")
    policy = Policy(state=Policy.State.DRAFT)
    many = _apply(policy, data)
    _validated(policy)
    policy.save()
    for name, value in many.items():
        getattr(policy, name).set(value)
    filled = [name for name, value in data.items() if not _is_empty(_new_value(name, value))]
    revision_write(policy=policy, kind=PolicyRevision.Kind.CREATED, actor=actor, reason=reason, changed_fields=filled)
    return policy


@transaction.atomic
def policy_update(*, policy: Policy, actor, data: dict, reason: str = "") -> PolicyRevision | None:
    """Save a keeper's edit from the pages. Returns the revision written, or None when
    nothing changed (nothing is saved then). A published policy's edit is a new version
    and needs a 修改说明 (see the note above); a draft's may have one."""
    from policies.manage.selectors import keeps_all

    policy = _locked(policy)
    _require_keeper(actor, policy)
    if policy.state == Policy.State.EXPIRED:
        raise ValidationError(_("已过期的政策不能再修改；新一年度的政策请另行起草。"), code="invalid_state")
    issuer = data.get("issuer")
    if issuer is not None and issuer.pk != policy.issuer_id and not keeps_all(actor):
        raise PermissionDenied
    before = {name: _value(policy, name) for name in data}
    many = _apply(policy, data)
    changed = [name for name in data if _new_value(name, data[name]) != before[name]]
    if not changed:
        return None
    _require_reason_for_published(policy.state, reason)
    if policy.state == Policy.State.PUBLISHED:
        policy.version += 1
    _validated(policy)
    policy.save()
    for name, value in many.items():
        getattr(policy, name).set(value)
    revision = revision_write(
        policy=policy, kind=PolicyRevision.Kind.EDITED, actor=actor, reason=reason, changed_fields=changed
    )
    if policy.state == Policy.State.PUBLISHED:
        if not keeps_all(actor):
            _tell_officials_of_live_edit(policy, revision)
        if set(changed) & _CONDITION_FIELDS:
            # Firms the new conditions admit hear of it too (the push skips those told before).
            transaction.on_commit(
                lambda: async_task(
                    "policies.tasks.push_policy", policy.pk, task_name=f"push-{policy.pk}-v{policy.version}"
                )
            )
    return revision


@transaction.atomic
def policy_save_edit(*, policy: Policy, actor, reason: str = "", changed_fields=()) -> Policy:
    """Save an official's edit in the admin (the form has set the values; its many-to-many
    fields and inlines are saved after this). A published policy's edit is a new version:
    decisions already made keep the version (and, in the history, the values) they were
    made under; its 修改说明 is required."""
    if not actor.has_perm("policies.change_policy"):
        raise PermissionDenied
    creating = policy.pk is None
    if not creating:
        stored = Policy.objects.select_for_update().get(pk=policy.pk)
        _require_reason_for_published(stored.state, reason)
        if stored.state == Policy.State.PUBLISHED:
            policy.version = stored.version + 1
    policy.save()
    revision_write(
        policy=policy,
        kind=PolicyRevision.Kind.CREATED if creating else PolicyRevision.Kind.EDITED,
        actor=actor,
        reason=reason,
        changed_fields=changed_fields,
    )
    return policy


@transaction.atomic
def policy_submit(*, policy: Policy, actor, reason: str = "") -> Policy:
    """The issuing department submits its draft for the 营商办 to publish (待审核发布)."""
    policy = _locked(policy)
    _require_keeper(actor, policy)
    if policy.state not in (Policy.State.DRAFT, Policy.State.WITHDRAWN):
        raise ValidationError(
            _("“%(policy)s”当前状态为“%(state)s”，不能提交审核。")
            % {"policy": policy, "state": policy.get_state_display()},
            code="invalid_state",
        )
    _validated(policy)
    policy.state = Policy.State.IN_REVIEW
    policy.save(update_fields=["state", "updated_at"])
    revision = revision_write(policy=policy, kind=PolicyRevision.Kind.SUBMITTED, actor=actor, reason=reason)
    _tell_publishers(
        policy,
        title=_("%(issuer)s提交了政策《%(policy)s》，待审核发布")
        % {"issuer": policy.issuer.display_name, "policy": policy.title},
        link=reverse("policies:review_queue"),
        dedup_key=f"policy.submitted:{revision.pk}",
        exclude=actor,
    )
    return policy


@transaction.atomic
def policy_publish(*, policy: Policy, actor, reason: str = "") -> Policy:
    _require_publisher(actor)
    policy = _locked(policy)
    if policy.state not in (Policy.State.DRAFT, Policy.State.IN_REVIEW, Policy.State.WITHDRAWN):
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
    revision = revision_write(policy=policy, kind=PolicyRevision.Kind.PUBLISHED, actor=actor, reason=reason)
    _tell_submitter(
        policy,
        revision,
        title=_("您提交的政策《%(policy)s》已发布") % {"policy": policy.title},
        link=reverse("policies:detail", args=[policy.pk]),
    )
    # 精准推送: the eligible enterprises hear about it, in the background.
    transaction.on_commit(lambda: async_task("policies.tasks.push_policy", policy.pk, task_name=f"push-{policy.pk}"))
    return policy


@transaction.atomic
def policy_return(*, policy: Policy, actor, reason: str) -> Policy:
    """The 营商办 sends a submitted policy back to its department's draft, saying why."""
    _require_publisher(actor)
    policy = _locked(policy)
    if policy.state != Policy.State.IN_REVIEW:
        raise ValidationError(_("只有待审核发布的政策可以退回修改。"), code="invalid_state")
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写退回原因。")}, code="required")
    policy.state = Policy.State.DRAFT
    policy.save(update_fields=["state", "updated_at"])
    revision = revision_write(policy=policy, kind=PolicyRevision.Kind.RETURNED, actor=actor, reason=reason)
    _tell_submitter(
        policy,
        revision,
        title=_("政策《%(policy)s》被退回修改：%(reason)s") % {"policy": policy.title, "reason": revision.reason},
        link=reverse("policies:manage_edit", args=[policy.pk]),
    )
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
def policy_withdraw(*, policy: Policy, actor, reason: str = "") -> Policy:
    _require_publisher(actor)
    policy = _locked(policy)
    if policy.state != Policy.State.PUBLISHED:
        raise ValidationError(_("只有已发布的政策可以撤回。"), code="invalid_state")
    policy.state = Policy.State.WITHDRAWN
    policy.save(update_fields=["state", "updated_at"])
    revision_write(policy=policy, kind=PolicyRevision.Kind.WITHDRAWN, actor=actor, reason=reason)
    return policy


# --- Who is told -------------------------------------------------------------------------


def _publishers():
    from portal import roles
    from portal.models import User

    return User.objects.filter(groups__name=roles.OFFICIAL, is_active=True).distinct()


def _tell_publishers(policy: Policy, *, title: str, link: str, dedup_key: str, exclude=None) -> None:
    from portal.services import notification_send

    for official in _publishers():
        if exclude is not None and official.pk == exclude.pk:
            continue
        notification_send(recipient=official, kind="policy.keeping", title=title, link=link, dedup_key=dedup_key)


def _tell_officials_of_live_edit(policy: Policy, revision: PolicyRevision) -> None:
    """An issuer changed a published policy (live at once): the 营商办 check it."""
    _tell_publishers(
        policy,
        title=_("%(issuer)s修改了已发布的政策《%(policy)s》（第%(version)d版）：%(reason)s")
        % {
            "issuer": policy.issuer.display_name,
            "policy": policy.title,
            "version": policy.version,
            "reason": revision.reason,
        },
        link=reverse("policies:revisions", args=[policy.pk]),
        dedup_key=f"policy.live_edit:{revision.pk}",
    )


def _tell_submitter(policy: Policy, revision: PolicyRevision, *, title: str, link: str) -> None:
    """The person who last submitted the policy hears what became of it."""
    from portal.services import notification_send

    submitted = (
        PolicyRevision.objects.filter(policy=policy, kind=PolicyRevision.Kind.SUBMITTED)
        .select_related("actor")
        .order_by("-created_at", "-id")
        .first()
    )
    if submitted is None or submitted.actor is None or submitted.actor_id == revision.actor_id:
        return
    notification_send(
        recipient=submitted.actor,
        kind="policy.keeping",
        title=title,
        link=link,
        dedup_key=f"policy.review:{revision.pk}",
        email=True,
    )


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
