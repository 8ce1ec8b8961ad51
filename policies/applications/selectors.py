"""Reading applications, for the pages and the API alike: who may see and review
which, the enterprise's list, the reviewers' workbench with its deadline flag (in
SQL), the timeline, and the 免申即享 preview."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Case, Exists, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Now
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from policies.models import (
    Application,
    ApplicationEvent,
    ApplicationMandate,
    ApplicationMethod,
    ApplicationRating,
    JointOpinion,
    Policy,
    ProjectType,
)
from portal import roles
from portal.deadlines import FLAG_LABELS, GREEN, RED, YELLOW, yellow_threshold
from portal.models import Enterprise, StewardAssignment, User
from portal.selectors import is_approved_member

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

FLAG_ORDER = {RED: 0, YELLOW: 1, GREEN: 2, "": 3}
ROLE_REVIEW = "review"

# What the enterprise does (or waits for) next, by status.
NEXT_STEP = {
    Application.Status.DRAFT: _("上传材料、确认后提交"),
    Application.Status.SUBMITTED: _("等待部门审核"),
    Application.Status.UNDER_REVIEW: _("部门审核中，请等待结果"),
    Application.Status.JOINT_REVIEW: _("相关部门联审中，请等待结果"),
    Application.Status.RETURNED: _("按补正要求修改后重新提交"),
    Application.Status.APPROVED: _("已核准，等待资金兑付"),
    Application.Status.PAID: _("资金已兑付，欢迎评价"),
    Application.Status.REJECTED: _("未通过，欢迎评价"),
}
RATED = _("已评价，办理完毕")
# A draft staff prepared for the enterprise (帮办代办).
PREPARED_NEXT_STEP = _("核对代办内容，确认信用承诺后提交")


# --- Who may do what ------------------------------------------------------------------


def can_review(user: User, policy: Policy) -> bool:
    """Officials review every application; a handler those of their department's policies."""
    if not user.has_perm("policies.review_application"):
        return False
    return roles.is_official(user) or (user.department_id is not None and user.department_id == policy.issuer_id)


def reviewable_q(user: User) -> Q | None:
    """The applications the user may review, as a filter; None when none at all.
    The set form of ``can_review``."""
    if not user.is_authenticated or not user.has_perm("policies.review_application"):
        return None
    if roles.is_official(user):
        return Q()
    if user.department_id is None:
        return None
    return Q(policy__issuer_id=user.department_id)


def window_message(policy: Policy) -> str | None:
    """Why the policy cannot be applied for today, or None when it can: the reasons
    behind ``Policy.open_q``, in words."""
    today = timezone.localdate()
    if policy.state != Policy.State.PUBLISHED:
        return gettext("该政策未在发布状态，不能申报。")
    if policy.effective_until and today > policy.effective_until:
        return gettext("该政策已于%(date)s失效，不能申报。") % {"date": policy.effective_until.strftime("%Y-%m-%d")}
    if policy.application_method == ApplicationMethod.AUTO_GRANT:
        return gettext("该政策为免申即享，无需申报，符合条件的企业将直接享受。")
    if policy.application_opens and today < policy.application_opens:
        return gettext("申报将于%(date)s开始。") % {"date": policy.application_opens.strftime("%Y-%m-%d")}
    if policy.application_closes and today > policy.application_closes:
        return gettext("申报已于%(date)s截止。") % {"date": policy.application_closes.strftime("%Y-%m-%d")}
    return None


def represented(user: User) -> QuerySet[Enterprise]:
    from policies.selectors import represented_enterprises

    return represented_enterprises(user=user)


@dataclass
class ApplicationAccess:
    """An application and the capacities in which the user sees it."""

    application: Application
    is_member: bool  # speaks for the applying enterprise
    is_reviewer: bool  # may review it (never a draft)
    is_preparer: bool  # 帮办代办: may fill it in for the enterprise (it was prepared by staff)
    is_joint: bool = False  # 联审: a handler of a department asked for its opinion on it

    @property
    def is_internal(self) -> bool:
        """Sees the government's side (the departments' opinions), not only the applicant's."""
        return self.is_reviewer or self.is_joint


def application_access(user: User, pk) -> ApplicationAccess:
    """The application with the user's capacities, for a user who may see it; 404
    otherwise, so that nobody learns that someone else's application exists."""
    application = (
        Application.objects.select_related(
            "policy",
            "policy__issuer",
            "enterprise",
            "reviewer",
            "applicant",
            "prepared_by",
            "prepared_by__department",
            "mandate",
            "mandate__granted_by",
        )
        .filter(pk=pk)
        .first()
    )
    if application is None or not user.is_authenticated:
        raise Http404
    is_member = is_approved_member(user=user, enterprise=application.enterprise_id)
    # A draft stays with the enterprise until it is submitted, as in the reviewers' lists.
    is_reviewer = application.status != Application.Status.DRAFT and can_review(user, application.policy)
    # Staff see an application they (or a colleague) prepared, never one the enterprise
    # started itself: its draft stays the enterprise's own.
    is_preparer = application.is_prepared and can_prepare(user, application.enterprise_id)
    # 联审: a joint department's handlers read the application they are asked about.
    joint_department = None if is_reviewer else _joint_department_id(user)
    is_joint = (
        joint_department is not None
        and application.status != Application.Status.DRAFT
        and JointOpinion.objects.filter(application=application, department_id=joint_department).exists()
    )
    if not (is_member or is_reviewer or is_preparer or is_joint):
        raise Http404
    return ApplicationAccess(application, is_member, is_reviewer, is_preparer, is_joint)


def application_for(user: User, pk) -> tuple[Application, bool, bool]:
    """(application, is_member, is_reviewer): ``application_access`` without the preparer."""
    access = application_access(user, pk)
    return access.application, access.is_member, access.is_reviewer


# --- 帮办代办 and 委托代办 ------------------------------------------------------------------


def can_prepare(user: User, enterprise: Enterprise | int) -> bool:
    """帮办代办: officials prepare applications and 一企一策 reports for any enterprise, a
    亲商管家 for the enterprises assigned to them (one query), nobody else."""
    if not user.is_authenticated:
        return False
    if roles.is_official(user):
        return True
    return (
        roles.has_role(user, roles.STEWARD)
        and StewardAssignment.objects.filter(steward=user, enterprise=enterprise).exists()
    )


def may_prepare_at_all(user: User) -> bool:
    """Whether the user has a role that prepares for enterprises (official or 管家)."""
    return roles.is_official(user) or roles.has_role(user, roles.STEWARD)


def preparable_enterprise_get(*, user: User, pk) -> Enterprise:
    """The enterprise the user prepares for: 404 when they may not see it (another 管家's
    firm), ``PermissionDenied`` when they see it but do not prepare for it (its members)."""
    from django.core.exceptions import PermissionDenied

    from portal.selectors import enterprise_get_for_user

    enterprise = enterprise_get_for_user(user=user, pk=pk)
    if not can_prepare(user, enterprise):
        raise PermissionDenied
    return enterprise


def active_mandate(enterprise: Enterprise | int) -> ApplicationMandate | None:
    """The enterprise's standing mandate (委托代办) in force, if any."""
    return (
        ApplicationMandate.objects.filter(enterprise=enterprise, revoked_at__isnull=True)
        .select_related("granted_by")
        .first()
    )


def mandate_history(enterprise: Enterprise) -> list[ApplicationMandate]:
    """Every mandate the enterprise granted, newest first, with who granted and revoked
    it, and how many applications were submitted under each: one query."""
    from django.db.models import Count

    return list(
        ApplicationMandate.objects.filter(enterprise=enterprise)
        .select_related("granted_by", "revoked_by")
        .annotate(submitted=Count("applications"))
        .order_by("-granted_at", "-id")
    )


def prepared_list(user: User) -> QuerySet[Application]:
    """帮办代办: the applications the user prepared, newest first, with the enterprise
    and policy a row shows."""
    return (
        Application.objects.filter(prepared_by=user, archived_at__isnull=True)
        .select_related("policy", "enterprise")
        .order_by("-created_at", "-id")
    )


def person_name(user: User) -> str:
    """A person by name and unit ("马管家（经信局）") for the words of a record or a notice,
    whether or not the unit was loaded with the user."""
    user.department  # noqa: B018 -- loaded (once), so that display_name names the unit
    return user.display_name


def prepared_label(application: Application) -> str:
    """ "由 马管家（经信局）代为填报": who prepared it, by name and unit. Load the
    application with ``prepared_by__department``."""
    preparer = application.prepared_by if application.is_prepared else None
    if preparer is None:
        return ""
    return gettext("由 %(name)s代为填报") % {"name": preparer.display_name}


# --- Lists ----------------------------------------------------------------------------


def _rated():
    return Exists(ApplicationRating.objects.filter(application=OuterRef("pk")))


def mine(user: User) -> QuerySet[Application]:
    """The applications of the enterprises the user represents, newest first."""
    return (
        Application.objects.filter(enterprise__in=represented(user).values("pk"), archived_at__isnull=True)
        .select_related("policy", "enterprise", "prepared_by", "prepared_by__department")
        .annotate(rated=_rated())
        .order_by("-created_at", "-id")
    )


def flag_expression(threshold):
    """green / yellow / red on review_due_at for applications awaiting a decision."""
    return Case(
        When(~Q(status__in=Application.PENDING_REVIEW) | Q(review_due_at__isnull=True), then=Value("")),
        When(review_due_at__lt=Now(), then=Value(RED)),
        When(review_due_at__lte=threshold, then=Value(YELLOW)),
        default=Value(GREEN),
    )


def review_flag(application: Application, *, now, threshold) -> str:
    """The same flag as ``flag_expression``, for one application already in memory."""
    due = application.review_due_at
    if not application.is_pending_review or due is None:
        return ""
    if due < now:
        return RED
    if due <= threshold:
        return YELLOW
    return GREEN


def flag_label(flag: str) -> StrOrPromise:
    return FLAG_LABELS.get(flag, "")


def review_queue(user: User, *, status: str = "") -> QuerySet[Application]:
    """The applications the user may review, soonest review deadline first.
    ``status``: "" for those awaiting a decision, "all", or one status."""
    scope = reviewable_q(user)
    if scope is None:
        return Application.objects.none()
    queryset = Application.objects.filter(scope, archived_at__isnull=True).exclude(status=Application.Status.DRAFT)
    if status == "":
        queryset = queryset.filter(status__in=Application.PENDING_REVIEW)
    elif status != "all":
        queryset = queryset.filter(status=status)
    return (
        queryset.select_related("policy", "enterprise", "reviewer")
        .annotate(flag=flag_expression(yellow_threshold()))
        .order_by("review_due_at", "id")
    )


def application_list(user: User, *, role: str = "", status: str = "") -> QuerySet[Application]:
    """The applications of the user's enterprises, those the user prepared for an
    enterprise (帮办代办) and, for reviewers, those they may review (drafts stay with
    the enterprise, as on the reviewers' workbench).
    ``role="review"``: only those to review."""
    scope = reviewable_q(user)
    to_review = None if scope is None else scope & ~Q(status=Application.Status.DRAFT)
    if role == ROLE_REVIEW:
        if to_review is None:
            return Application.objects.none()
        condition = to_review
    else:
        condition = Q(enterprise__in=represented(user).values("pk"))
        if to_review is not None:
            condition |= to_review
        if may_prepare_at_all(user):  # 帮办代办: those the user prepared
            condition |= Q(prepared_by=user)
    # Archived applications (归档) leave the list; they stay readable by id.
    queryset = Application.objects.filter(condition, archived_at__isnull=True)
    if status:
        queryset = queryset.filter(status=status)
    return (
        queryset.select_related("policy", "enterprise", "rating", "prepared_by", "prepared_by__department")
        .prefetch_related("files")
        .order_by("-created_at", "-id")
    )


# --- One application ------------------------------------------------------------------


def application_timeline(*, application: Application, internal: bool) -> list[ApplicationEvent]:
    """The application's record (申报记录), oldest first, each entry with ``actor_name``:
    a person by name and unit, never by login name. ``internal``: for reviewers and joint
    departments; the applicant's side does not see the departments' opinions (联审意见),
    only that the joint review was asked for and by when it ends."""
    queryset = ApplicationEvent.objects.filter(application=application)
    if not internal:
        queryset = queryset.exclude(kind=ApplicationEvent.Kind.JOINT_OPINION)
    events = list(queryset.select_related("actor", "actor__department").order_by("created_at", "id"))
    for event in events:
        event.actor_name = actor_name(event.actor, application=application)
    return events


def actor_name(actor: User | None, *, application: Application) -> str:
    if actor is None:
        return ""
    name = actor.get_full_name()
    if actor.department is not None:
        return f"{name}（{actor.department.display_name}）"
    if not actor.is_staff:
        return f"{name}（{application.enterprise.name}）"
    return name


def grants_preview(*, policy: Policy) -> list[tuple[Enterprise, Decimal | None]]:
    """The eligible enterprises not yet granted this year, with their computed amounts."""
    from policies import matching

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


def granted_recently(*, policy: Policy, limit: int = 100) -> QuerySet[Application]:
    return (
        Application.objects.filter(policy=policy, is_auto_grant=True)
        .select_related("enterprise")
        .order_by("-approved_at", "enterprise__name")[:limit]
    )


def start_items(*, user: User) -> list:
    """What waits for the user among applications, for their start page: the
    enterprise's applications to complete (草稿、退回补正); a reviewer's to decide, and
    those past the review deadline. One query each."""
    from django.db.models import Count
    from django.urls import reverse

    from portal.selectors import StartItem

    items = []
    to_complete = mine(user).filter(status__in=Application.EDITABLE).count()
    if to_complete:
        items.append(StartItem(gettext("待完成的申报"), to_complete, reverse("policy_applications:mine"), "warning"))
    scope = reviewable_q(user)
    if scope is not None:
        counts = (
            Application.objects.filter(scope, status__in=Application.PENDING_REVIEW, archived_at__isnull=True)
            .order_by()
            .aggregate(total=Count("pk"), late=Count("pk", filter=Q(review_due_at__lt=Now())))
        )
        url = reverse("policy_applications:review_list")
        items += [
            StartItem(gettext("待审核的申报"), counts["total"], url),
            StartItem(gettext("审核超期"), counts["late"], url, "danger"),
        ]
    joint = joint_q(user)
    if joint is not None:
        counts = (
            JointOpinion.objects.filter(joint, opinion=JointOpinion.Opinion.PENDING)
            .order_by()
            .aggregate(total=Count("pk"), late=Count("pk", filter=Q(due_at__lt=timezone.now())))
        )
        url = reverse("policy_applications:joint_list")
        # Departments that are not asked see no joint-review card.
        if counts["total"]:
            items.append(StartItem(gettext("待联审"), counts["total"], url, "warning"))
        if counts["late"]:
            items.append(StartItem(gettext("联审超期"), counts["late"], url, "danger"))
    return items


# --- 联审: joint review of 审查遴选 applications ------------------------------------------


def _joint_department_id(user: User) -> int | None:
    """The department whose joint opinions the user gives: a handler's with the review
    permission; None for anyone else."""
    if not user.is_authenticated or not user.has_perm("policies.review_application"):
        return None
    return user.department_id


def can_answer_joint(user: User, department_id: int) -> bool:
    """A department's opinion is given by its handlers who review applications, or by an
    official (for a department that answered on paper, say)."""
    if not user.is_authenticated or not user.has_perm("policies.review_application"):
        return False
    return roles.is_official(user) or (user.department_id is not None and user.department_id == department_id)


def joint_q(user: User) -> Q | None:
    """The joint opinions the user may answer, as a filter on ``JointOpinion``; None when
    none at all. Officials see every department's (they supervise the clocks)."""
    if not user.is_authenticated or not user.has_perm("policies.review_application"):
        return None
    if roles.is_official(user):
        return Q()
    if user.department_id is None:
        return None
    return Q(department_id=user.department_id)


def may_request_joint(application: Application) -> bool:
    """Whether a joint review may be asked for now: a 审查遴选 policy naming departments,
    an application awaiting review and never sent to joint review before. Load the
    policy's ``joint_review_departments`` (prefetch) to spare a query."""
    policy = application.policy
    return (
        policy.project_type == ProjectType.SELECTION
        and application.status in (Application.Status.SUBMITTED, Application.Status.UNDER_REVIEW)
        and bool(policy.joint_review_departments.all())
        and not application.joint_opinions.exists()
    )


def needs_joint_review(policy: Policy) -> bool:
    """审查遴选 with joint review departments: approval waits for every opinion."""
    return policy.project_type == ProjectType.SELECTION and policy.joint_review_departments.exists()


def _with_clock(opinions: list[JointOpinion]) -> list[JointOpinion]:
    """Each opinion with its clock: ``flag`` (green / yellow / red while pending, "" once
    answered), ``flag_label``, ``time_left`` in working days, and ``answered_by_name`` (name
    and unit). One calendar for the whole list: its holidays are read once per year."""
    from portal.deadlines import time_left_text
    from portal.workdays import WorkCalendar

    calendar = WorkCalendar()
    now = timezone.now()
    threshold = yellow_threshold(now, calendar)
    for opinion in opinions:
        flag = joint_flag(opinion, now=now, threshold=threshold)
        vars(opinion).update(
            flag=flag,
            flag_label=flag_label(flag),
            time_left=time_left_text(opinion.due_at, now, calendar) if not opinion.opinion else "",
            answered_by_name=person_name(opinion.answered_by) if opinion.answered_by else "",
        )
    return opinions


def joint_flag(opinion: JointOpinion, *, now, threshold) -> str:
    """The same flag as ``joint_flag_expression``, for one opinion in memory."""
    if opinion.opinion:
        return ""
    if opinion.due_at < now:
        return RED
    if opinion.due_at <= threshold:
        return YELLOW
    return GREEN


def joint_opinions_of(application: Application) -> list[JointOpinion]:
    """Every department's opinion on the application, in the order they were asked,
    with its clock (flag, time left) and who answered by name and unit: one query and
    the calendar's; none for a 资格定补 policy's application, which is never sent to one."""
    selection = application.policy.project_type == ProjectType.SELECTION
    if not selection and application.status != Application.Status.JOINT_REVIEW:
        return []
    opinions = list(
        JointOpinion.objects.filter(application=application)
        .select_related("department", "answered_by", "answered_by__department")
        .order_by("department__name", "id")
    )
    return _with_clock(opinions)


def joint_expected_date(opinions: list[JointOpinion]):
    """When the joint review should be over: the latest due date among the pending
    opinions (what the applicant is told), or None when none is pending."""
    pending = [opinion.due_at for opinion in opinions if not opinion.opinion]
    return max(pending) if pending else None


JOINT_PENDING = "pending"
JOINT_ANSWERED = "answered"
JOINT_ALL = "all"


def joint_queue(user: User, *, show: str = JOINT_PENDING) -> QuerySet[JointOpinion]:
    """待联审: the joint opinions the user's department is asked for (officials: every
    department's), pending first, soonest due first; ``joint_clock`` adds each one's clock.
    ``show``: "pending", "answered" or "all"."""
    scope = joint_q(user)
    if scope is None:
        return JointOpinion.objects.none()
    queryset = JointOpinion.objects.filter(scope, application__archived_at__isnull=True)
    if show == JOINT_PENDING:
        queryset = queryset.filter(opinion=JointOpinion.Opinion.PENDING)
    elif show == JOINT_ANSWERED:
        queryset = queryset.exclude(opinion=JointOpinion.Opinion.PENDING)
    return (
        queryset.select_related(
            "department",
            "answered_by",
            "answered_by__department",
            "application",
            "application__policy",
            "application__enterprise",
        )
        .annotate(waiting=Case(When(opinion=JointOpinion.Opinion.PENDING, then=Value(0)), default=Value(1)))
        .order_by("waiting", "due_at", "id")
    )


def joint_clock(opinions) -> list[JointOpinion]:
    """A page of ``joint_queue`` with each opinion's time left and who answered."""
    return _with_clock(list(opinions))
