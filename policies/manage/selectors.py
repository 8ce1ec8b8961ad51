"""Who keeps which policy, and the reads of the keepers' pages and the API.

A policy is kept by its issuing department (谁制定、谁梳理、谁解释、谁更新): the department's
staff holding ``policies.draft_policy`` (the 承办单位经办人 role) draft and update its
policies; the 营商办, holding ``policies.change_policy``, keep every policy and publish.
Anyone else keeps none."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db.models import F, Field, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from policies.models import Policy, PolicyRevision
from portal.models import User

# The 即将截止 flag: a window closing within this many working days.
CLOSING_SOON_WORKING_DAYS = 10


def keeps_all(user: User) -> bool:
    """The 营商办 (and operators): every department's policies."""
    return bool(user.is_authenticated and user.has_perm("policies.change_policy"))


def may_keep_any(user: User) -> bool:
    """Whether the user keeps any policy at all: an official, or an issuing department's
    staff with the permission to draft. Asked first, so that others are refused (403)
    before any policy is looked up, and learn nothing of which exist."""
    if not user.is_authenticated:
        return False
    return keeps_all(user) or (user.department_id is not None and user.has_perm("policies.draft_policy"))


def can_keep(user: User, policy: Policy) -> bool:
    """Whether the user may draft, edit and submit this policy and read its 修订记录."""
    if keeps_all(user):
        return True
    return may_keep_any(user) and policy.issuer_id == user.department_id


def may_publish(user: User) -> bool:
    return bool(user.is_authenticated and user.has_perm("policies.publish_policy"))


def keeper_q(user: User) -> Q | None:
    """The set form of :func:`can_keep`; None when the user keeps nothing."""
    if keeps_all(user):
        return Q()
    if may_keep_any(user):
        return Q(issuer_id=user.department_id)
    return None


def _last_revision(field: str) -> Subquery:
    latest = PolicyRevision.objects.filter(policy=OuterRef("pk")).order_by("-created_at", "-id")
    return Subquery(latest.values(field)[:1])


def kept_policies(*, user: User, state: str = "", issuer_id: int | None = None) -> QuerySet[Policy]:
    """本部门政策: the policies the user keeps, in every state (archived ones left out),
    newest change first, each with its last revision's kind and reason (annotated, so a
    page costs the same queries for 1 policy or 20)."""
    where = keeper_q(user)
    if where is None:
        raise PermissionDenied
    policies = (
        Policy.objects.filter(where, archived_at__isnull=True)
        .select_related("issuer", "category")
        .defer(*Policy.LONG_TEXTS)
        .annotate(
            last_revision_kind=_last_revision("kind"),
            last_revision_reason=_last_revision("reason"),
            last_revision_at=_last_revision("created_at"),
        )
        .order_by(F("last_revision_at").desc(nulls_last=True), "-updated_at", "-id")
    )
    if state:
        policies = policies.filter(state=state)
    if issuer_id is not None:
        policies = policies.filter(issuer_id=issuer_id)
    return policies


def kept_policy_get(*, user: User, pk: int) -> Policy:
    """One policy the user keeps, for its manage page: 403 for someone who keeps none,
    404 for another department's policy (its existence does not leak)."""
    where = keeper_q(user)
    if where is None:
        raise PermissionDenied
    queryset = Policy.objects.select_related("issuer", "category", "region").prefetch_related(
        "regions", "industries", "tags_all", "tags_any", "tags_excluded", "joint_review_departments"
    )
    try:
        return queryset.filter(where).get(pk=pk, archived_at__isnull=True)
    except Policy.DoesNotExist:
        raise Http404 from None


def review_queue() -> QuerySet[Policy]:
    """待审核发布: policies their departments submitted, oldest submission first, with who
    submitted and when (the last 提交审核 revision), for the 营商办."""
    submitted = PolicyRevision.objects.filter(policy=OuterRef("pk"), kind=PolicyRevision.Kind.SUBMITTED).order_by(
        "-created_at", "-id"
    )
    return (
        Policy.objects.filter(state=Policy.State.IN_REVIEW, archived_at__isnull=True)
        .select_related("issuer", "category")
        .defer(*Policy.LONG_TEXTS)
        .annotate(
            submitted_at=Subquery(submitted.values("created_at")[:1]),
            submitted_by_id=Subquery(submitted.values("actor_id")[:1]),
            submitted_reason=Subquery(submitted.values("reason")[:1]),
        )
        .order_by(F("submitted_at").asc(nulls_last=True), "id")
    )


def people_by_id(ids) -> dict[int, User]:
    """Users by id with their department, for a list naming people by name and unit (one query)."""
    ids = {pk for pk in ids if pk is not None}
    if not ids:
        return {}
    return {user.pk: user for user in User.objects.select_related("department").filter(pk__in=ids)}


def revisions(*, policy: Policy) -> QuerySet[PolicyRevision]:
    """The policy's 修订记录, oldest first, with each actor's unit (one query)."""
    return (
        PolicyRevision.objects.filter(policy=policy)
        .select_related("actor", "actor__department")
        .order_by("created_at", "id")
    )


def field_label(name: str) -> str:
    """A changed field by its name on the form (verbose name); an unknown one as it is."""
    try:
        field = Policy._meta.get_field(name)
    except FieldDoesNotExist:
        field = None
    if isinstance(field, Field):
        return str(field.verbose_name)
    return {"materials": _("申报材料"), "attachments": _("政策附件")}.get(name, name)


def with_labels(revisions_list) -> list[PolicyRevision]:
    for revision in revisions_list:
        revision.changed_labels = [field_label(name) for name in revision.changed_fields]
    return list(revisions_list)


@dataclass(frozen=True)
class Flag:
    code: str
    text: str
    style: str


def policy_flags(policy: Policy, *, today: dt.date, closing_by: dt.date) -> list[Flag]:
    """What a keeper should look at on a list row, from the row's own columns and
    annotations (no query): returned by the 营商办, its window about to close or closed
    while still published, out of effect, no phone for questions."""
    flags = []
    if policy.state == Policy.State.DRAFT and getattr(policy, "last_revision_kind", "") == PolicyRevision.Kind.RETURNED:
        flags.append(Flag("returned", _("已退回修改"), "danger"))
    if policy.state == Policy.State.PUBLISHED:
        closes = policy.application_closes
        if policy.effective_until is not None and policy.effective_until < today:
            flags.append(Flag("out_of_effect", _("已过失效日期"), "danger"))
        elif closes is not None and closes < today:
            flags.append(Flag("closed", _("申报已截止"), "secondary"))
        elif closes is not None and closes <= closing_by:
            flags.append(Flag("closing", _("申报即将截止"), "warning"))
    if policy.state != Policy.State.EXPIRED and not policy.contact_phone:
        flags.append(Flag("no_contact", _("缺少联系电话"), "info"))
    return flags


def flag_dates() -> tuple[dt.date, dt.date]:
    """Today and the last day counted as 即将截止 (working days, the portal's calendar)."""
    from portal.workdays import add_working_days

    today = timezone.localdate()
    return today, add_working_days(today, CLOSING_SOON_WORKING_DAYS)
