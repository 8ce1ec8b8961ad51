"""Who may do what with a case. Plain functions shared by services, selectors and
surfaces, so a page and the API can never disagree."""

from __future__ import annotations

from portal import roles
from portal.selectors import is_approved_member


def can_triage(user) -> bool:
    """Accept, decline, assign, escalate and record return visits: officials, chief officers."""
    return bool(user and user.is_authenticated and user.has_perm("complaints.triage_case"))


def can_view_all(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("complaints.view_all_cases"))


def handles(user, case) -> bool:
    """The user is a handler of the case's lead or a co-handling department."""
    if not (user and user.is_authenticated and user.department_id and roles.has_role(user, roles.HANDLER)):
        return False
    if case.lead_department_id == user.department_id:
        return True
    return case.co_departments.filter(pk=user.department_id).exists()


def can_act_as_handler(user, case) -> bool:
    """Set measures, give feedback, resolve: the lead department's handlers, a chief
    officer who owns the case, or anyone who triages."""
    if not (user and user.is_authenticated):
        return False
    if can_triage(user):
        return True
    if case.chief_officer_id and case.chief_officer_id == user.pk:
        return True
    return bool(
        user.department_id and roles.has_role(user, roles.HANDLER) and case.lead_department_id == user.department_id
    )


def is_chief_officer(user) -> bool:
    """A chief problem officer (首席问题官): approves 需长期推进 and reviews it."""
    return bool(user and user.is_authenticated and roles.has_role(user, roles.CHIEF_PROBLEM_OFFICER))


def can_request_long_term(user, case) -> bool:
    """Ask for a case to be marked 需长期推进: a handler of its lead department, or an
    official (营商办). A chief officer decides."""
    if not (user and user.is_authenticated):
        return False
    if roles.is_official(user):
        return True
    return bool(
        user.department_id and roles.has_role(user, roles.HANDLER) and case.lead_department_id == user.department_id
    )


def represents(user, case) -> bool:
    """The user filed the case or acts for its enterprise."""
    if not (user and user.is_authenticated):
        return False
    # --- 亲商管家 (complaints/visits/) ---
    # A 走访 case's filer is the 管家 who brought the problem back: staff, not the 诉求人;
    # the visited enterprise's members speak for it (and rate it).
    if case.filed_by_id == user.pk and case.channel == "steward_visit":
        return is_approved_member(user=user, enterprise=case.enterprise_id)
    # --- end 亲商管家 ---
    # A window case's filer is the 问题专员 who registered it for a walk-in: staff, not the 诉求人.
    if case.filed_by_id == user.pk and case.window_id is None:
        return True
    if case.channel == "walkthrough" and case.pk:
        from complaints.models import Finding

        # The experience officer who found the problem speaks for it.
        if Finding.objects.filter(case_id=case.pk, walkthrough__officer=user).exists():
            return True
    return is_approved_member(user=user, enterprise=case.enterprise_id)


# --- 亲商管家 (complaints/visits/) ---
def looks_after(user, enterprise) -> bool:
    """The user is a 亲商管家 assigned to the enterprise (an instance or its id): they read
    its cases (``selectors._reasons_to_see``, read-only) and register the problems found on
    their visits for it (``services.case_file``)."""
    if enterprise is None or not (user and user.is_authenticated and roles.has_role(user, roles.STEWARD)):
        return False
    from portal.models import StewardAssignment

    return StewardAssignment.objects.filter(steward=user, enterprise=enterprise).exists()


# --- end 亲商管家 ---


def can_rate_as_enterprise(user, case) -> bool:
    return represents(user, case)


def can_view_case(user, case) -> bool:
    return (
        can_view_all(user)
        or handles(user, case)
        or represents(user, case)
        or (case.chief_officer_id is not None and case.chief_officer_id == getattr(user, "pk", None))
        or on_duty_for(user, case)
    )


# --- 办不成事 windows (complaints/windows/): the 问题专员 on duty -------------------


def on_duty_for(user, case) -> bool:
    """The user is a 问题专员 on duty at a window of the case: where it was registered,
    where it is consulted on now (会商联办), or one it was escalated from or to. The
    SQL twin is the window clause of ``selectors._reasons_to_see``."""
    if case.window_id is None or not roles.has_role(user, roles.SPECIALIST):
        return False
    from django.db.models import Q

    from complaints.models import ServiceWindow

    return (
        ServiceWindow.objects.filter(specialists=user)
        .filter(
            Q(pk=case.window_id)
            | Q(pk=case.current_window_id)
            | Q(escalations_in__case_id=case.pk)
            | Q(escalations_out__case_id=case.pk)
        )
        .exists()
    )


def on_duty_at_current_window(user, case) -> bool:
    """The user is a 问题专员 on duty at the window now consulting on the case: the one
    who may escalate it one level further up."""
    if case.current_window_id is None or not roles.has_role(user, roles.SPECIALIST):
        return False
    from complaints.models import ServiceWindow

    return ServiceWindow.objects.filter(pk=case.current_window_id, specialists=user).exists()


def can_see_identity(user, case) -> bool:
    """A confidential complainant's identity is for the complainant's side and for
    officials with the permission; never for department handlers."""
    if not case.is_confidential:
        return True
    if user and user.is_authenticated and user.has_perm("complaints.view_confidential_identity"):
        return True
    return represents(user, case)


def is_staff_side(user, case) -> bool:
    """Officials, chief officers and the case's departments: they see internal notes
    and who did what; the enterprise side sees the public timeline."""
    return (
        can_view_all(user)
        or can_triage(user)
        or handles(user, case)
        or can_act_as_handler(user, case)
        # The window's 问题专员 coordinate the case (协调处理、跟踪督办): staff side too.
        or on_duty_for(user, case)
    )


# --- Which actions a user may take on a case ---------------------------------------
#
# One answer for the case page (which forms it draws) and the API (``actions`` in the
# detail, and 403 before 400 on each transition). The services check again, under lock.

CASE_ACTIONS = (
    "accept",
    "reject",
    "split",
    "assign",
    "measures",
    "feedback",
    "resolve",
    "task_done",
    "rate",
    "visit",
    "return_visit",
    "recheck",
    "suspend",
    "resume",
    "escalate",
    "classify",
    # 需长期推进: asked for, decided by a chief officer, then extended or ended on review.
    "long_term",
    "long_term_decide",
    "long_term_extend",
    "long_term_end",
    "comment",
)


def _may_triage_or_handle(user, case) -> bool:
    return can_triage(user) or can_act_as_handler(user, case)


# action -> who may take it at all, whatever the case's state
_ROLE = {
    "accept": lambda user, case: can_triage(user),
    "reject": lambda user, case: can_triage(user),
    "split": lambda user, case: can_triage(user),
    "assign": lambda user, case: can_triage(user),
    "escalate": lambda user, case: can_triage(user),
    "classify": lambda user, case: can_triage(user),
    # An official's return visit recorded as a rating (电话回访 etc.).
    "visit": lambda user, case: can_triage(user),
    "return_visit": lambda user, case: can_triage(user),
    "recheck": lambda user, case: can_triage(user),
    "measures": can_act_as_handler,
    "feedback": can_act_as_handler,
    "resolve": can_act_as_handler,
    "task_done": can_act_as_handler,
    "suspend": _may_triage_or_handle,
    "resume": _may_triage_or_handle,
    # The enterprise's own rating.
    "rate": can_rate_as_enterprise,
    "long_term": can_request_long_term,
    "long_term_decide": lambda user, case: is_chief_officer(user),
    "long_term_extend": lambda user, case: is_chief_officer(user),
    "long_term_end": lambda user, case: is_chief_officer(user),
    "comment": can_view_case,
}


def may_attempt(user, case, action: str) -> bool:
    """Whether the user's role lets them take ``action`` on the case at all, whatever
    its state: a surface answers 403 when not, and lets the service name the state
    (400/409) when the role is right but the moment is not."""
    return _ROLE[action](user, case)


def _open_tasks(case) -> int:
    """Tasks of the current round not yet signed off (selectors annotate ``open_tasks``)."""
    count = getattr(case, "open_tasks", None)
    if count is None:
        count = case.tasks.filter(round=case.round, done_at__isnull=True).count()
    return count


def _return_visited(case) -> bool:
    """Whether the current round has had its return visit (annotated ``return_visited``)."""
    visited = getattr(case, "return_visited", None)
    if visited is None:
        visited = case.return_visits.filter(round=case.round).exists()
    return visited


def _rechecked(case) -> bool:
    rechecked = getattr(case, "rechecked", None)
    if rechecked is None:
        from complaints.models import Recheck

        rechecked = Recheck.objects.filter(case_id=case.pk).exists()
    return rechecked


def _long_term_pending(case) -> bool:
    """Whether a 需长期推进 request awaits a chief officer (annotated ``long_term_pending``)."""
    pending = getattr(case, "long_term_pending", None)
    if pending is None:
        from complaints.models import LongTermRequest

        pending = LongTermRequest.objects.filter(case_id=case.pk, approved__isnull=True).exists()
    return pending


def _state_allows(case, action: str) -> bool:
    from complaints.models import Status

    status = case.status
    running = not case.is_suspended
    if action in ("accept", "reject"):
        return status == Status.RECEIVED
    if action == "split":
        return status in (Status.RECEIVED, Status.ACCEPTED)
    if action == "assign":
        return status == Status.ACCEPTED
    if action == "measures":
        return status == Status.ASSIGNED and running
    if action == "feedback":
        return status == Status.MEASURES_SET and running
    if action == "resolve":
        return status == Status.FEEDBACK_GIVEN and running
    if action == "task_done":
        return case.is_open and _open_tasks(case) > 0
    if action in ("rate", "visit"):
        return status == Status.RESOLVED
    if action == "return_visit":
        return status in (Status.RESOLVED, Status.CLOSED) and not _return_visited(case)
    if action == "recheck":
        return status == Status.CLOSED and not _rechecked(case)
    if action == "suspend":
        # A 需长期推进 case's clock already stands still.
        return case.is_open and bool(case.stage) and running and not case.is_long_term
    if action == "resume":
        return case.is_open and bool(case.stage) and not running
    if action == "escalate":
        return case.is_open
    if action == "long_term":
        handled = status in (Status.ASSIGNED, Status.MEASURES_SET, Status.FEEDBACK_GIVEN)
        return handled and running and not case.is_long_term and not _long_term_pending(case)
    if action == "long_term_decide":
        return case.is_open and _long_term_pending(case)
    if action in ("long_term_extend", "long_term_end"):
        return case.is_open and case.is_long_term
    return action in ("classify", "comment")


def case_actions(user, case) -> set[str]:
    """The actions the user may take on the case now, by role and by its state."""
    return {action for action in CASE_ACTIONS if _state_allows(case, action) and may_attempt(user, case, action)}
