"""Operations that change the shared core's state. One function per use case,
keyword-only arguments, atomic; the acting user is passed explicitly."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_q.tasks import async_task

from portal import roles
from portal.models import Enterprise, EnterpriseMembership, Notification, SiteSettings, User
from portal.sms import get_sms_backend
from portal.validators import normalize_credit_code

logger = logging.getLogger(__name__)


# --- Accounts -----------------------------------------------------------------


@transaction.atomic
def user_sign_up(
    *, username: str, password: str, full_name: str, mobile: str, email: str = "", privacy_consent: bool = False
) -> User:
    """Create an enterprise user's account. Enterprise access comes later, by membership.
    ``privacy_consent``: agreed to the privacy policy now; the time is kept."""
    user = User(
        username=username,
        full_name=full_name,
        mobile=mobile,
        email=email,
        privacy_consent_at=timezone.now() if privacy_consent else None,
    )
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    user.groups.add(Group.objects.get(name=roles.ENTERPRISE_USER))
    return user


# --- Enterprise membership --------------------------------------------------------


@transaction.atomic
def membership_request(
    *, user: User, credit_code: str, enterprise_name: str = "", position: str = ""
) -> EnterpriseMembership:
    """Ask to act for the enterprise with this credit code.

    An enterprise not yet in the portal is registered with the given name. The
    request grants nothing until an official approves it.
    """
    code = normalize_credit_code(credit_code)
    enterprise = Enterprise.objects.filter(credit_code=code).first()
    if enterprise is None:
        if not enterprise_name.strip():
            raise ValidationError({"enterprise_name": _("平台中尚无该企业，请填写企业名称以便登记。")})
        enterprise = Enterprise(name=enterprise_name.strip(), credit_code=code)
        enterprise.full_clean()
        enterprise.save()
    membership, created = EnterpriseMembership.objects.get_or_create(
        user=user, enterprise=enterprise, defaults={"position": position}
    )
    if not created:
        if membership.status in (EnterpriseMembership.Status.PENDING, EnterpriseMembership.Status.APPROVED):
            raise ValidationError(_("您已申请过该企业（%(status)s）。") % {"status": membership.get_status_display()})
        # A rejected or revoked claim may be made again; it goes back for review.
        membership.status = EnterpriseMembership.Status.PENDING
        membership.position = position
        membership.decided_at = None
        membership.decided_by = None
        membership.decision_note = ""
        membership.save(update_fields=["status", "position", "decided_at", "decided_by", "decision_note"])

    link = reverse("admin:portal_enterprisemembership_change", args=[membership.pk])
    for official in User.objects.filter(groups__name=roles.OFFICIAL, is_active=True):
        notification_send(
            recipient=official,
            kind="membership.requested",
            title=_("%(user)s 申请成为“%(enterprise)s”的企业用户")
            % {"user": user.get_full_name(), "enterprise": enterprise.name},
            link=link,
            dedup_key=f"membership.requested:{membership.pk}:{membership.requested_at.isoformat()}",
        )
    return membership


def _membership_decide(
    *, membership: EnterpriseMembership, actor: User, status: EnterpriseMembership.Status, note: str
) -> EnterpriseMembership:
    if not actor.has_perm("portal.approve_membership"):
        raise PermissionDenied
    membership = EnterpriseMembership.objects.select_for_update().get(pk=membership.pk)
    if membership.status == status:
        return membership
    membership.status = status
    membership.decided_at = timezone.now()
    membership.decided_by = actor
    membership.decision_note = note
    membership.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
    titles = {
        EnterpriseMembership.Status.APPROVED: _("您已成为“%(enterprise)s”的企业用户"),
        EnterpriseMembership.Status.REJECTED: _("您对“%(enterprise)s”的企业用户申请未通过"),
        EnterpriseMembership.Status.REVOKED: _("您在“%(enterprise)s”的企业用户身份已被撤销"),
    }
    notification_send(
        recipient=membership.user,
        kind=f"membership.{status}",
        title=titles[status] % {"enterprise": membership.enterprise.name},
        body=note,
        link=reverse("my_enterprises"),
        dedup_key=f"membership.{status}:{membership.pk}:{membership.decided_at.isoformat()}",
        email=True,
        sms=True,
    )
    return membership


@transaction.atomic
def membership_approve(*, membership: EnterpriseMembership, actor: User, note: str = "") -> EnterpriseMembership:
    return _membership_decide(
        membership=membership, actor=actor, status=EnterpriseMembership.Status.APPROVED, note=note
    )


@transaction.atomic
def membership_reject(*, membership: EnterpriseMembership, actor: User, note: str = "") -> EnterpriseMembership:
    return _membership_decide(
        membership=membership, actor=actor, status=EnterpriseMembership.Status.REJECTED, note=note
    )


@transaction.atomic
def membership_revoke(*, membership: EnterpriseMembership, actor: User, note: str = "") -> EnterpriseMembership:
    return _membership_decide(membership=membership, actor=actor, status=EnterpriseMembership.Status.REVOKED, note=note)


@transaction.atomic
def enterprise_update_profile(*, enterprise: Enterprise, actor: User, data: dict) -> Enterprise:
    """Save an enterprise's profile as edited by one of its approved members or an official."""
    from portal.selectors import enterprise_can_edit

    if not enterprise_can_edit(user=actor, enterprise=enterprise):
        raise PermissionDenied
    tags = data.pop("tags", None)
    for field, value in data.items():
        setattr(enterprise, field, value)
    enterprise.full_clean()
    enterprise.save()
    if tags is not None:
        enterprise.tags.set(tags)
    return enterprise


# --- Site settings ------------------------------------------------------------------


@transaction.atomic
def site_settings_update(*, actor: User, **changes: str) -> SiteSettings:
    """Change what the footer says (网站设置: sponsor, hotline, ICP备案号…, by field name).
    Every process shows it within selectors.SITE_SETTINGS_CACHE_SECONDS, this one on its
    next page."""
    from portal import selectors

    if not actor.has_perm("portal.change_sitesettings"):
        raise PermissionDenied
    editable = {field.name for field in SiteSettings._meta.concrete_fields if field.editable}
    if unknown := set(changes) - editable:
        raise TypeError(f"site_settings_update() got unknown fields: {sorted(unknown)}")
    site = SiteSettings.objects.select_for_update().filter(pk=SiteSettings.SINGLETON_PK).first()
    if site is None:
        site = SiteSettings(**selectors.site_settings_initial_values())
    for field, value in changes.items():
        setattr(site, field, value)
    site.full_clean()
    site.save()
    # At commit, not now: a page read in between would otherwise cache the old row again.
    transaction.on_commit(selectors.site_settings_forget)
    return site


# --- Notifications ----------------------------------------------------------------


def notification_send(
    *,
    recipient: User,
    kind: str,
    title: str,
    dedup_key: str,
    body: str = "",
    link: str = "",
    email: bool = False,
    sms: bool = False,
) -> Notification | None:
    """Put a notification in the recipient's inbox and queue its e-mail and text message.

    Runs inside the caller's transaction, so a notification exists only if the change
    it announces was committed. Returns ``None`` when a notification with the same
    ``dedup_key`` already exists: the event was notified before, nothing is sent again.
    """
    with transaction.atomic():
        notification, created = Notification.objects.get_or_create(
            recipient=recipient,
            dedup_key=dedup_key,
            defaults={
                "kind": kind,
                "title": title[:200],
                "body": body,
                "link": link,
                "send_email": email,
                "send_sms": sms,
            },
        )
    if not created:
        return None
    if email or sms:
        transaction.on_commit(
            lambda: async_task(
                "portal.tasks.deliver_notification", notification.pk, task_name=f"notify-{notification.pk}"
            )
        )
    return notification


def notifications_insert_sql(rows: str) -> str:
    """The set-based twin of :func:`notification_send`, for sweeps and pushes that tell
    thousands at once: SQL that puts one inbox notification per row of ``rows`` — a
    SELECT yielding ``recipient_id, kind, title, link, dedup_key, created_at`` — and
    skips any already there (same recipient and dedup key), so a retried task tells
    nobody twice. Inbox only: no e-mail or text message."""
    return f"""INSERT INTO portal_notification
       (recipient_id, kind, title, body, link, dedup_key, send_email, send_sms, created_at)
SELECT recipient_id, kind, left(title, 200), '', link, dedup_key, FALSE, FALSE, created_at
  FROM ({rows}) AS notification_rows
ON CONFLICT DO NOTHING"""  # noqa: S608 - rows is the caller's own SQL text, never input


def notification_deliver(*, notification_id: int) -> str:
    """Send the e-mail and text message of a notification, each at most once.

    Each channel is sent under a row lock and stamped in the same transaction, so a
    retried task skips what was already sent; a failure rolls back only its channel.
    A user is reached at their own address if they want that channel; a message to
    an address (someone without an account) goes to the address it names.
    """
    sent = []
    with transaction.atomic():
        notification = _locked_notification(notification_id)
        email = _email_address(notification)
        if notification.send_email and notification.emailed_at is None and email:
            send_mail(
                subject=notification.title,
                message=_notification_text(notification),
                from_email=None,
                recipient_list=[email],
            )
            notification.emailed_at = timezone.now()
            notification.save(update_fields=["emailed_at"])
            sent.append("email")
    with transaction.atomic():
        notification = _locked_notification(notification_id)
        mobile = _mobile_number(notification)
        if notification.send_sms and notification.texted_at is None and mobile:
            get_sms_backend().send(mobile=mobile, text=f"【亲清政企服务平台】{notification.title}")
            notification.texted_at = timezone.now()
            notification.save(update_fields=["texted_at"])
            sent.append("sms")
    return ",".join(sent) or "nothing to send"


def _locked_notification(notification_id: int) -> Notification:
    return Notification.objects.select_for_update(of=("self",)).select_related("recipient").get(pk=notification_id)


def _email_address(notification: Notification) -> str:
    recipient = notification.recipient
    if recipient is None:
        return notification.to_email
    return recipient.email if recipient.notify_by_email else ""


def _mobile_number(notification: Notification) -> str:
    recipient = notification.recipient
    if recipient is None:
        return notification.to_mobile
    return recipient.mobile if recipient.notify_by_sms else ""


def notification_send_to_address(
    *, mobile: str, email: str, kind: str, title: str, dedup_key: str, body: str = "", link: str = ""
) -> Notification | None:
    """A text message and e-mail to someone without an account, at the number and
    address they gave (an appeal taken by phone, at a window, at a meeting). Sent
    once per ``dedup_key``; nothing when neither is given."""
    if not (mobile or email):
        return None
    with transaction.atomic():
        notification, created = Notification.objects.get_or_create(
            recipient=None,
            to_mobile=mobile,
            to_email=email,
            dedup_key=dedup_key,
            defaults={
                "kind": kind,
                "title": title[:200],
                "body": body,
                "link": link,
                "send_email": bool(email),
                "send_sms": bool(mobile),
            },
        )
    if not created:
        return None
    transaction.on_commit(
        lambda: async_task("portal.tasks.deliver_notification", notification.pk, task_name=f"notify-{notification.pk}")
    )
    return notification


def _notification_text(notification: Notification) -> str:
    parts = [notification.title]
    if notification.body:
        parts.append(notification.body)
    if notification.link:
        parts.append(f"{settings.SITE_URL}{notification.link}")
    return "\n\n".join(parts)


def notification_mark_read(*, user: User, notification_ids: list[int] | None = None) -> int:
    """Mark the user's notifications read (all unread ones when no ids are given)."""
    queryset = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        queryset = queryset.filter(pk__in=notification_ids)
    return queryset.update(read_at=timezone.now())


@transaction.atomic
def user_update_settings(*, user: User, email: str, mobile: str, notify_by_email: bool, notify_by_sms: bool) -> User:
    """The user's own contact details and how they want to hear (the inbox is always on)."""
    user.email = email
    user.mobile = mobile
    user.notify_by_email = notify_by_email
    user.notify_by_sms = notify_by_sms
    user.full_clean(exclude=["password"])
    user.save(update_fields=["email", "mobile", "notify_by_email", "notify_by_sms"])
    return user


# --- 亲商管家 ---------------------------------------------------------------------------


def _check_steward(steward: User, actor: User) -> None:
    if not actor.has_perm("portal.add_stewardassignment"):
        raise PermissionDenied
    if not (steward.is_active and roles.has_role(steward, roles.STEWARD)):
        message = _("%(name)s 不是亲商管家，不能指派。") % {"name": steward.display_name}
        raise ValidationError(message, code="not_steward")


@transaction.atomic
def steward_assign(*, enterprises, steward: User, actor: User) -> int:
    """Name ``steward`` 管家 of every enterprise of the queryset ``enterprises`` (one by
    one in the admin, or a whole selection: by region, industry, scale or tags) in one
    INSERT … SELECT; those already theirs are left as they are. Returns how many were added."""
    from django.db import connection

    _check_steward(steward, actor)
    selection, params = enterprises.order_by().values("id").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO portal_stewardassignment (enterprise_id, steward_id, assigned_at, assigned_by_id) "  # noqa: S608
            f"SELECT e.id, %s, now(), %s FROM ({selection}) AS e "
            "ON CONFLICT (enterprise_id, steward_id) DO NOTHING",
            [steward.pk, actor.pk, *params],
        )
        return cursor.rowcount


@transaction.atomic
def steward_unassign(*, enterprises, steward: User, actor: User) -> int:
    """The steward no longer looks after these enterprises. Returns how many were removed."""
    from portal.models import StewardAssignment

    if not actor.has_perm("portal.delete_stewardassignment"):
        raise PermissionDenied
    removed, _by_model = StewardAssignment.objects.filter(enterprise__in=enterprises, steward=steward).delete()
    return removed
