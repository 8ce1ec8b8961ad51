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


def represents(user, case) -> bool:
    """The user filed the case or acts for its enterprise."""
    if not (user and user.is_authenticated):
        return False
    if case.filed_by_id == user.pk:
        return True
    if case.channel == "walkthrough" and case.pk:
        from complaints.models import Finding

        # The experience officer who found the problem speaks for it.
        if Finding.objects.filter(case_id=case.pk, walkthrough__officer=user).exists():
            return True
    return is_approved_member(user=user, enterprise=case.enterprise_id)


def can_rate_as_enterprise(user, case) -> bool:
    return represents(user, case)


def can_view_case(user, case) -> bool:
    return (
        can_view_all(user)
        or handles(user, case)
        or represents(user, case)
        or (case.chief_officer_id is not None and case.chief_officer_id == getattr(user, "pk", None))
    )


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
    return can_view_all(user) or can_triage(user) or handles(user, case) or can_act_as_handler(user, case)


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
        return case.is_open and bool(case.stage) and running
    if action == "resume":
        return case.is_open and bool(case.stage) and not running
    if action == "escalate":
        return case.is_open
    return action in ("classify", "comment")


def case_actions(user, case) -> set[str]:
    """The actions the user may take on the case now, by role and by its state."""
    return {action for action in CASE_ACTIONS if _state_allows(case, action) and may_attempt(user, case, action)}
