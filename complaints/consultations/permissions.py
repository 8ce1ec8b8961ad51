"""Who may do what with a 咨询. Plain functions shared by services, selectors, pages and
the API, so that they never disagree.

- The enterprise's side: its approved members ask, read their enterprise's questions and
  rate an answer.
- The answerers: the enterprise's 亲商管家 (any steward assigned to it) and the 营商办's
  officials, who may always answer (and are the ones told when a firm has no 管家).
- Nobody else sees a consultation: a department handler, a chief officer or another
  enterprise gets 404.

The selectors annotate ``user_is_member`` and ``user_is_steward`` for the reading user, so
a page asks these without a query; a consultation from elsewhere (a service's result) is
asked with one query each.
"""

from __future__ import annotations

from portal import roles
from portal.models import StewardAssignment
from portal.selectors import is_approved_member

ACTIONS = ("answer", "to_case", "rate")


def _signed_in(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def is_member(user, consultation) -> bool:
    """The user speaks for the consultation's enterprise (approved membership)."""
    if not _signed_in(user):
        return False
    known = getattr(consultation, "user_is_member", None)
    if known is not None:
        return bool(known)
    return is_approved_member(user=user, enterprise=consultation.enterprise_id)


def is_steward_of(user, consultation) -> bool:
    """The user is one of the enterprise's 亲商管家."""
    if not _signed_in(user):
        return False
    known = getattr(consultation, "user_is_steward", None)
    if known is not None:
        return bool(known)
    return StewardAssignment.objects.filter(steward=user, enterprise_id=consultation.enterprise_id).exists()


def can_answer(user, consultation) -> bool:
    """Answer, or turn into a case: the enterprise's 管家, and officials always."""
    return _signed_in(user) and (roles.is_official(user) or is_steward_of(user, consultation))


def can_view(user, consultation) -> bool:
    return can_answer(user, consultation) or is_member(user, consultation)


def may_attempt(user, consultation, action: str) -> bool:
    """Whether the user's role lets them take ``action`` at all, whatever the state: a
    surface answers 403 when not, and lets the service name the state (409) otherwise."""
    if action == "rate":
        return is_member(user, consultation)
    return can_answer(user, consultation)


def state_allows(consultation, action: str) -> bool:
    if action == "answer":
        return consultation.answered_at is None and consultation.case_id is None
    if action == "to_case":
        return consultation.case_id is None
    if action == "rate":
        return consultation.answered_at is not None and not consultation.rating
    return False


def consultation_actions(user, consultation) -> set[str]:
    """The actions the user may take on the consultation now."""
    return {
        action for action in ACTIONS if state_allows(consultation, action) and may_attempt(user, consultation, action)
    }
