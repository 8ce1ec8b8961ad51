"""Reads for the 亲商管家: the workspace's enterprises with what waits at each, and the
走访 log — scoped to the user, shared by the pages and the API.

Who sees a visit: its 管家; officials (``complaints.view_visit``) every one; an
enterprise's approved members the visits to their enterprise, without the 管家's notes
(``discussed``); anyone else gets 404."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from complaints import sla
from complaints.models import OPEN_STATUSES, Case, Visit, VisitProblem
from portal import deadlines, roles
from portal.models import Enterprise, StewardAssignment, User
from portal.selectors import member_enterprise_ids


def is_steward(user) -> bool:
    """A 亲商管家 who may keep a workspace and a 走访 log."""
    return bool(user and user.is_authenticated and user.is_active and roles.has_role(user, roles.STEWARD))


def can_view_all(user) -> bool:
    """Officials read every 管家's visits."""
    return bool(user and user.is_authenticated and user.has_perm("complaints.view_visit"))


def sees_notes(user, visit: Visit) -> bool:
    """The visit's 管家 and officials read what was discussed; the enterprise's members
    read the visit without it (the 管家's working notes)."""
    return visit.steward_id == getattr(user, "pk", None) or can_view_all(user)


def may_convert(user, visit: Visit) -> bool:
    """Turn a problem found into a case: the visit's 管家, or an official who triages."""
    from complaints.permissions import can_triage

    return (visit.steward_id == user.pk and is_steward(user)) or can_triage(user)


def looked_after_ids(user: User) -> QuerySet:
    """The ids of the enterprises the user looks after as 管家, as a subquery."""
    return StewardAssignment.objects.filter(steward=user).values("enterprise_id")


# --- The 走访 log ----------------------------------------------------------------------


def visit_list(*, user, filters: dict | None = None) -> QuerySet[Visit]:
    """The visits the user may read, newest first, with their problem counts;
    ``filters`` are ``VisitFilter`` parameters (enterprise, date range)."""
    if not user.is_authenticated:
        return Visit.objects.none()
    visits = Visit.objects.select_related("steward__department", "enterprise").annotate(
        problem_count=Count("problems", distinct=True),
        converted_count=Count("problems", filter=Q(problems__case__isnull=False), distinct=True),
    )
    if not can_view_all(user):
        visits = visits.filter(Q(steward=user) | Q(enterprise_id__in=member_enterprise_ids(user)))
    if filters is not None:
        from complaints.visits.filters import VisitFilter

        visits = VisitFilter(filters, queryset=visits, request=None, user=user).qs
    return visits.order_by("-visited_on", "-id")


def visit_get_for_user(*, user, pk: int) -> Visit:
    """The visit with its problems and their cases, or 404 when the user may not read it."""
    problems = VisitProblem.objects.select_related("case").order_by("id")
    try:
        return visit_list(user=user).prefetch_related(Prefetch("problems", queryset=problems)).get(pk=pk)
    except Visit.DoesNotExist:
        raise Http404 from None


def visit_problem_get(*, visit: Visit, problem_id: int) -> VisitProblem:
    """A problem of this visit, or 404 (another visit's problem is not found here)."""
    try:
        return visit.problems.get(pk=problem_id)
    except VisitProblem.DoesNotExist:
        raise Http404 from None


def visit_of_problem(*, case: Case) -> Visit | None:
    """The visit a 走访 case came from (``VisitProblem.case``), for the case page."""
    if case.channel != "steward_visit":
        return None
    problem = VisitProblem.objects.select_related("visit__steward__department").filter(case_id=case.pk).first()
    return problem.visit if problem else None


# --- The workspace (我联系的企业) --------------------------------------------------------


def steward_enterprises(*, user, search: str = "") -> QuerySet[Enterprise]:
    """The enterprises the 管家 looks after, those that need them first: most overdue cases,
    then most open cases, then by name. ``search`` matches the name or the credit code."""
    enterprises = Enterprise.objects.filter(pk__in=looked_after_ids(user)).select_related("region")
    search = search.strip()[:100]
    if search:
        enterprises = enterprises.filter(Q(name__icontains=search) | Q(credit_code__iexact=search.upper()))
    open_cases = Case.objects.filter(
        enterprise_id=OuterRef("pk"), status__in=OPEN_STATUSES, archived_at__isnull=True
    ).order_by()
    return enterprises.alias(
        overdue_count=Coalesce(_count_of(open_cases.filter(sla.overdue_q())), 0),
        open_count=Coalesce(_count_of(open_cases), 0),
    ).order_by("-overdue_count", "-open_count", "name", "pk")


def _count_of(cases: QuerySet[Case]) -> Subquery:
    return Subquery(cases.values("enterprise_id").annotate(n=Count("pk")).values("n")[:1])


@dataclass
class WorkspaceRow:
    """One enterprise on the 管家's workspace with what waits there."""

    enterprise: Enterprise
    open_cases: int = 0
    overdue: int = 0
    due_soon: int = 0
    unapplied_matches: int = 0
    applications_in_progress: int = 0
    last_visit: dt.date | None = None


def _open_cases(enterprise_ids) -> QuerySet[Case]:
    """Open, unarchived cases of these enterprises with their flag — the one definition
    of 超期 and 临期 (``sla.flag_expression`` over ``sla.overdue_q``), as every list has it."""
    return Case.objects.filter(
        enterprise_id__in=enterprise_ids, status__in=OPEN_STATUSES, archived_at__isnull=True
    ).alias(flag=sla.flag_expression(deadlines.yellow_threshold()))


def _flag_counts() -> dict[str, Count]:
    return {
        "open_cases": Count("pk"),
        "overdue": Count("pk", filter=Q(flag=deadlines.RED)),
        "due_soon": Count("pk", filter=Q(flag=deadlines.YELLOW)),
    }


def unapplied_matches(enterprise_ids) -> QuerySet:
    """Per enterprise, the policies matched to it and still open that it has not applied
    for this year: ``(enterprise_id, n)`` rows.

    Matched means pushed (精准推送): publishing a policy writes a ``PolicyPush`` row for
    every enterprise that qualifies, and a change of profile or tags re-matches the
    enterprise (``policies.tasks``), so those rows are the matching engine's verdicts kept
    as data. Reading them is one grouped query for a page of enterprises, where running
    the matcher costs ~80 ms per enterprise. An enterprise that stopped qualifying keeps
    its push until then; its match page (linked from the count) classifies it live.
    免申即享 policies need no application and are left out."""
    from policies.models import ACTIVE_APPLICATION, Application, ApplicationMethod, Policy, PolicyPush

    today = timezone.localdate()
    open_policies = (
        Policy.objects.filter(Policy.open_q(today))
        .exclude(application_method=ApplicationMethod.AUTO_GRANT)
        .values("pk")
    )
    applied = Application.objects.filter(
        ACTIVE_APPLICATION,
        policy_id=OuterRef("policy_id"),
        enterprise_id=OuterRef("enterprise_id"),
        year=today.year,
        archived_at__isnull=True,
    )
    return (
        PolicyPush.objects.filter(enterprise_id__in=enterprise_ids, policy_id__in=open_policies)
        .exclude(Exists(applied))
        .values("enterprise_id")
        .annotate(n=Count("pk"))
        .order_by()
    )


def workspace_rows(*, enterprises: list[Enterprise]) -> list[WorkspaceRow]:
    """The workspace's rows for a page of enterprises: four grouped queries (cases,
    matches, applications, visits) whatever the number of rows."""
    from policies.models import Application

    rows = {enterprise.pk: WorkspaceRow(enterprise) for enterprise in enterprises}
    if not rows:
        return []
    ids = list(rows)
    flags = _flag_counts()
    for counts in (
        _open_cases(ids)
        .values("enterprise_id")
        .annotate(open_cases=flags["open_cases"], overdue=flags["overdue"], due_soon=flags["due_soon"])
        .order_by()
    ):
        row = rows[counts["enterprise_id"]]
        row.open_cases, row.overdue, row.due_soon = counts["open_cases"], counts["overdue"], counts["due_soon"]
    for matched in unapplied_matches(ids):
        rows[matched["enterprise_id"]].unapplied_matches = matched["n"]
    in_progress = (
        Application.objects.filter(enterprise_id__in=ids, archived_at__isnull=True)
        .exclude(status__in=Application.CONCLUDED)
        .values("enterprise_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for applications in in_progress:
        rows[applications["enterprise_id"]].applications_in_progress = applications["n"]
    last_visits = Visit.objects.filter(enterprise_id__in=ids).values("enterprise_id").annotate(last=Max("visited_on"))
    for visited in last_visits.order_by():
        rows[visited["enterprise_id"]].last_visit = visited["last"]
    return list(rows.values())


def workspace_summary(*, user) -> dict:
    """The figures at the top of the workspace: the enterprises looked after, their open
    cases (超期 among them) and the 管家's visits this month. Three queries."""
    today = timezone.localdate()
    cases = _open_cases(looked_after_ids(user)).aggregate(**_flag_counts())
    return {
        "enterprises": StewardAssignment.objects.filter(steward=user).count(),
        "open_cases": cases["open_cases"],
        "overdue": cases["overdue"],
        "visits_this_month": Visit.objects.filter(
            steward=user, visited_on__gte=today.replace(day=1), visited_on__lte=today
        ).count(),
    }
