"""Who may do what with a case. Plain functions shared by services, selectors and
surfaces, so a page and the API can never disagree."""

from __future__ import annotations

from portal import roles
from portal.models import EnterpriseMembership


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
    return bool(
        case.enterprise_id
        and EnterpriseMembership.objects.filter(
            user=user, enterprise_id=case.enterprise_id, status=EnterpriseMembership.Status.APPROVED
        ).exists()
    )


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
