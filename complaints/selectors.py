"""Reads of cases shared by pages, the API and exports, scoped to what the user may see."""

from __future__ import annotations

from django.db.models import BooleanField, ExpressionWrapper, F, Q, QuerySet, Value
from django.http import Http404

from complaints import sla
from complaints.models import Case, CaseEvent
from complaints.permissions import can_view_all
from portal import roles
from portal.models import EnterpriseMembership


def _member_enterprises(user):
    return EnterpriseMembership.objects.filter(user=user, status=EnterpriseMembership.Status.APPROVED).values(
        "enterprise_id"
    )


def _visibility(user) -> Q | None:
    """The cases the user may see, as a filter; None means every case.

    One id query per reason, united: each uses its own index, where an OR of the
    reasons over a million cases is a sequential scan (the workbench at scale)."""
    reasons = _reasons_to_see(user)
    if reasons is None:
        return None
    ids = [reason.values("pk").order_by() for reason in reasons]  # no sort inside the union
    return Q(pk__in=ids[0].union(*ids[1:]))


def _identity_visible(user):
    """SQL for "this user may see this case's complainant" (see permissions.can_see_identity)."""
    if user.has_perm("complaints.view_confidential_identity"):
        return Value(True)
    return ExpressionWrapper(
        Q(is_confidential=False) | Q(filed_by=user) | Q(enterprise_id__in=_member_enterprises(user)),
        output_field=BooleanField(),
    )


def case_list(*, user, filters: dict | None = None) -> QuerySet[Case]:
    """Cases the user may see, with their flag and whether the complainant may be shown."""
    if not user.is_authenticated:
        return Case.objects.none()
    queryset = _rows_for(user)
    visible = _visibility(user)
    if visible is not None:
        queryset = queryset.filter(visible)
    if filters is not None:
        from complaints.filters import CaseFilter

        queryset = CaseFilter(filters, queryset=queryset, request=None).qs
    return queryset


def _rows_for(user) -> QuerySet[Case]:
    """Cases with what a list shows of them, for this reader; not yet scoped to what they may see."""
    return Case.objects.select_related(
        "category", "lead_department", "enterprise", "region", "chief_officer", "problem_class"
    ).annotate(
        identity_visible=_identity_visible(user),
        flag=sla.flag_expression(sla.yellow_threshold()),
    )


def case_get_for_user(*, user, number: str) -> Case:
    """The case, or 404 when the user may not see it (so its existence does not leak)."""
    try:
        return case_list(user=user).prefetch_related("co_departments").get(number=number)
    except Case.DoesNotExist:
        raise Http404 from None


def case_get_by_lookup(*, number: str, lookup_code: str) -> Case:
    """For a complainant without an account: the number and the lookup code together."""
    try:
        case = (
            Case.objects.select_related("category", "lead_department")
            .annotate(identity_visible=Value(True), flag=sla.flag_expression(sla.yellow_threshold()))
            .get(number=number.strip().upper(), lookup_code=lookup_code.strip().upper())
        )
    except Case.DoesNotExist:
        raise Http404 from None
    return case


def case_events_for_user(*, user, case: Case, public_only: bool | None = None) -> QuerySet[CaseEvent]:
    """A case's timeline. The enterprise side sees the public entries only (全程留痕)."""
    from complaints.permissions import can_act_as_handler, can_triage, handles

    events = case.events.select_related("actor").order_by("created_at", "id")
    if public_only is None:
        public_only = not (
            can_view_all(user) or can_triage(user) or handles(user, case) or can_act_as_handler(user, case)
        )
    return events.filter(is_public=True) if public_only else events


URGENCY_ORDER = (F("suspended_at").asc(nulls_first=True), F("stage_due_at").asc(nulls_last=True), "id")


def workbench(*, user, filters: dict | None = None):
    """A handler's cases, most urgent first and suspended ones last: the open ones, or
    with ``filters`` (CaseFilter parameters) whatever the filters select.

    Returns what ``CappedCountPaginator`` pages: a queryset, or for the everyday list of
    a user who sees only some cases, an ``UrgentOpenCases``."""
    from complaints.models import OPEN_STATUSES

    if not user.is_authenticated:
        return Case.objects.none()
    # Archived cases (归档) leave the everyday list; they stay readable by number.
    if filters:
        return case_list(user=user, filters=filters).filter(archived_at__isnull=True).order_by(*URGENCY_ORDER)
    reasons = _reasons_to_see(user)
    if reasons is None:
        # Everyone's open cases: read in order from case_open_urgency_idx.
        return case_list(user=user).filter(status__in=OPEN_STATUSES, archived_at__isnull=True).order_by(*URGENCY_ORDER)
    # The reasons scope the rows to what the user may see.
    return UrgentOpenCases(
        rows=_rows_for(user),
        reasons=[reason.filter(status__in=OPEN_STATUSES, archived_at__isnull=True) for reason in reasons],
    )


def _reasons_to_see(user) -> list[QuerySet[Case]] | None:
    """The signed-in user's reasons to see a case, as one queryset per reason; None: every case."""
    if can_view_all(user):
        return None
    reasons = [
        Case.objects.filter(filed_by=user),
        Case.objects.filter(enterprise_id__in=_member_enterprises(user)),
        Case.objects.filter(chief_officer=user),
        # An experience officer follows the cases born from their findings.
        Case.objects.filter(finding__walkthrough__officer=user),
    ]
    if user.department_id and roles.has_role(user, roles.HANDLER):
        reasons += [
            Case.objects.filter(lead_department_id=user.department_id),
            Case.objects.filter(co_departments=user.department_id),
        ]
    return reasons


class UrgentOpenCases:
    """A workbench's open cases, most urgent first, paged without sorting them all.

    A department leads tens of thousands of open cases. Filtering the city's cases by
    the union of the user's reasons and sorting the result cost a second per page
    (bench B3). Here each reason reads its own first ``top`` rows in urgency order (the
    department's from ``case_department_urgency_idx``, the others are few), and only
    the union of those — at most ``top`` per reason — is joined and sorted. The count
    is the union of the reasons' ids, capped like every long list."""

    def __init__(self, *, rows: QuerySet[Case], reasons: list[QuerySet[Case]]):
        self.rows = rows
        self.reasons = reasons

    def _ids(self, top: int | None = None):
        parts = [reason.order_by(*URGENCY_ORDER).values("pk") for reason in self.reasons]
        if top is not None:
            parts = [part[:top] for part in parts]
        return parts[0].union(*parts[1:])

    def capped_count(self, cap: int) -> int:
        return self._ids(top=cap)[:cap].count()

    def __getitem__(self, page: slice) -> QuerySet[Case]:
        # The ids first, then their rows: one statement joining both took PostgreSQL
        # longer to plan (16 ms) than the two take to plan and run (8 ms).
        ids = [row["pk"] for row in self._ids(top=page.stop)]
        return self.rows.filter(pk__in=ids).order_by(*URGENCY_ORDER)[page]


def similar_open_cases(*, case: Case, user, limit: int = 5) -> list[Case]:
    """Open cases that look like this one (same category, similar title by trigram
    similarity), so a duplicate is caught at intake."""
    from django.contrib.postgres.search import TrigramSimilarity

    from complaints.models import OPEN_STATUSES

    candidates = case_list(user=user).filter(status__in=OPEN_STATUSES, category_id=case.category_id).exclude(pk=case.pk)
    if case.lead_department_id:
        candidates = candidates.filter(lead_department_id=case.lead_department_id)
    return list(
        candidates.annotate(similarity=TrigramSimilarity("title", case.title))
        .filter(similarity__gte=0.3)
        .order_by("-similarity", "-received_at")[:limit]
    )


def case_timeline(*, user, case: Case) -> list[CaseEvent]:
    """The timeline with ``actor_name`` set for display: a confidential complainant
    who acted (filed, commented, rated) is shown masked to those who may not know them."""
    from complaints.models import CONFIDENTIAL_MASK

    events = list(case_events_for_user(user=user, case=case))
    for event in events:
        actor = event.actor
        if actor is None:
            event.actor_name = ""
        elif getattr(case, "identity_visible", False) or actor.is_staff or actor.department_id:
            event.actor_name = actor.get_full_name()
        else:
            event.actor_name = CONFIDENTIAL_MASK
    return events
