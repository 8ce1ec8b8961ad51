"""Reads of cases shared by pages, the API and exports, scoped to what the user may see."""

from __future__ import annotations

import functools
import operator

from django.conf import settings
from django.db import connections
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models import Case as CaseWhen
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from complaints import sla
from complaints.models import (
    DONE_STATUSES,
    OPEN_STATUSES,
    Case,
    CaseEvent,
    CaseTask,
    LongTermRequest,
    Recheck,
    ReturnVisit,
    Status,
)
from complaints.permissions import can_view_all
from portal import deadlines, roles
from portal.selectors import member_enterprise_ids


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
        Q(is_confidential=False)
        # A window case's filer is the 问题专员 who registered it, not the 诉求人 (permissions.represents).
        | Q(filed_by=user, window__isnull=True)
        | Q(enterprise_id__in=member_enterprise_ids(user)),
        output_field=BooleanField(),
    )


# The relations a case is read with: everything the case page, exports and the admin show.
ROW_RELATIONS = ("category", "lead_department", "enterprise", "region", "chief_officer", "problem_class")
# What a row of the case list API shows of its relations. Each joined table costs
# PostgreSQL planning time: with all six, planning a 50-row page took 5–13 ms, with
# these three 0.5 ms (bench B3, province profile).
LIST_RELATIONS = ("category", "lead_department", "enterprise")
# The workbench's rows show the lead department only.
WORKBENCH_RELATIONS = ("lead_department",)


def case_list(*, user, filters: dict | None = None, relations: tuple[str, ...] = ROW_RELATIONS) -> QuerySet[Case]:
    """Cases the user may see, with their flag and whether the complainant may be shown,
    and ``relations`` read with each case."""
    if not user.is_authenticated:
        return Case.objects.none()
    queryset = _rows_for(user, relations)
    visible = _visibility(user)
    if visible is not None:
        queryset = queryset.filter(visible)
    if filters is not None:
        from complaints.filters import CaseFilter

        queryset = CaseFilter(filters, queryset=queryset, request=None).qs
    return queryset


def _rows_for(user, relations: tuple[str, ...] = ROW_RELATIONS) -> QuerySet[Case]:
    """Cases with what a list shows of them, for this reader; not yet scoped to what they may see."""
    return Case.objects.select_related(*relations).annotate(
        identity_visible=_identity_visible(user),
        flag=sla.flag_expression(deadlines.yellow_threshold()),
        overdue_tasks=overdue_tasks_expression(),
    )


def _current_round_tasks(**filters) -> Coalesce:
    """How many tasks of the case's current round match ``filters``, as SQL."""
    tasks = (
        CaseTask.objects.filter(case_id=OuterRef("pk"), round=OuterRef("round"), **filters)
        .order_by()
        .values("case_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(tasks, output_field=IntegerField()), 0)


def overdue_tasks_expression():
    """SQL for the number of tasks of an open case's current round past their deadline
    and not signed off (销号). A resolved case's leftover tasks can no longer be signed
    off, so they flag nothing."""
    return CaseWhen(
        When(
            status__in=OPEN_STATUSES,
            then=_current_round_tasks(done_at__isnull=True, deadline__lt=timezone.localdate()),
        ),
        default=Value(0),
        output_field=IntegerField(),
    )


def case_get_for_user(*, user, number: str) -> Case:
    """The case, or 404 when the user may not see it (so its existence does not leak).

    With what ``permissions.case_actions`` asks of it: the current round's open tasks
    and whether it has had its return visit and its 回头看."""
    try:
        return (
            case_list(user=user)
            .prefetch_related("co_departments")
            .annotate(
                open_tasks=_current_round_tasks(done_at__isnull=True),
                return_visited=Exists(ReturnVisit.objects.filter(case_id=OuterRef("pk"), round=OuterRef("round"))),
                rechecked=Exists(Recheck.objects.filter(case_id=OuterRef("pk"))),
                long_term_pending=Exists(LongTermRequest.objects.filter(case_id=OuterRef("pk"), approved__isnull=True)),
            )
            .get(number=number)
        )
    except Case.DoesNotExist:
        raise Http404 from None


def case_get_by_lookup(*, number: str, lookup_code: str) -> Case:
    """For a complainant without an account: the number and the lookup code together."""
    try:
        case = (
            Case.objects.select_related("category", "lead_department")
            .annotate(identity_visible=Value(True), flag=sla.flag_expression(deadlines.yellow_threshold()))
            .get(number=number.strip().upper(), lookup_code=lookup_code.strip().upper())
        )
    except Case.DoesNotExist:
        raise Http404 from None
    return case


def case_events_for_user(*, user, case: Case, public_only: bool | None = None) -> QuerySet[CaseEvent]:
    """A case's timeline. The enterprise side sees the public entries only (全程留痕)."""
    from complaints.permissions import can_act_as_handler, can_triage, handles, on_duty_for

    events = case.events.select_related("actor").order_by("created_at", "id")
    if public_only is None:
        public_only = not (
            can_view_all(user)
            or can_triage(user)
            or handles(user, case)
            or can_act_as_handler(user, case)
            # The window's 问题专员 (complaints/windows/) read the staff notes.
            or on_duty_for(user, case)
        )
    return events.filter(is_public=True) if public_only else events


URGENCY_ORDER = (F("suspended_at").asc(nulls_first=True), F("stage_due_at").asc(nulls_last=True), "id")


def awaiting_rating_expression():
    """待评价: resolved (已办结) and not yet rated for its current round — what the
    enterprise's side has to do next (``services.case_rate`` takes exactly these)."""
    from complaints.models import CaseRating

    rated = CaseRating.objects.filter(case_id=OuterRef("pk"), round=OuterRef("round"))
    return ExpressionWrapper(Q(status=Status.RESOLVED) & ~Exists(rated), output_field=BooleanField())


def workbench(*, user, filters: dict | None = None):
    """A handler's cases, most urgent first and suspended ones last: the open ones, or
    with ``filters`` (CaseFilter parameters) whatever the filters select.

    Returns what ``CappedCountPaginator`` pages: a queryset, or for the everyday list of
    a user who sees only some cases, an ``UrgentOpenCases``."""
    from complaints.models import OPEN_STATUSES

    if not user.is_authenticated:
        return Case.objects.none()
    chief_first = _chief_order(user)
    # Archived cases (归档) leave the everyday list; they stay readable by number.
    if filters:
        queryset = case_list(user=user, filters=filters, relations=WORKBENCH_RELATIONS).filter(archived_at__isnull=True)
        if chief_first is not None:
            return queryset.annotate(**chief_first).order_by(*CHIEF_ORDER, *URGENCY_ORDER)
        return queryset.order_by(*URGENCY_ORDER)
    reasons = _reasons_to_see(user)
    if reasons is None and chief_first is not None:
        # A chief officer: the cases assigned to them, then their region's, then the
        # rest, each most urgent first — paged like a handler's (UrgentOpenCases).
        open_cases = Case.objects.filter(status__in=OPEN_STATUSES, archived_at__isnull=True)
        chief_reasons = [open_cases.filter(chief_officer=user)]
        if user.region_id:
            chief_reasons.append(open_cases.filter(region__path__startswith=_region_path(user)))
        return UrgentOpenCases(
            rows=_rows_for(user, WORKBENCH_RELATIONS).annotate(**chief_first),
            reasons=[*chief_reasons, open_cases],
            order=(*CHIEF_ORDER, *URGENCY_ORDER),
        )
    if reasons is None:
        # Everyone's open cases: read in order from case_open_urgency_idx.
        return (
            case_list(user=user, relations=WORKBENCH_RELATIONS)
            .filter(status__in=OPEN_STATUSES, archived_at__isnull=True)
            .order_by(*URGENCY_ORDER)
        )
    # The reasons scope the rows to what the user may see. The enterprise's side also
    # keeps its resolved cases awaiting its rating (待评价), at the top: its next step.
    awaiting = awaiting_rating_expression()
    rating_side: list[QuerySet[Case]] = [
        reason.filter(status=Status.RESOLVED, archived_at__isnull=True).alias(awaits=awaiting).filter(awaits=True)
        for reason in _rating_reasons(user)
    ]
    return UrgentOpenCases(
        rows=_rows_for(user, WORKBENCH_RELATIONS).annotate(awaits_rating=awaiting),
        reasons=[reason.filter(status__in=OPEN_STATUSES, archived_at__isnull=True) for reason in reasons] + rating_side,
        order=(F("awaits_rating").desc(), *URGENCY_ORDER),
    )


# A chief officer's list: assigned to them (指派给我) first, then their region's cases.
CHIEF_ORDER = (F("assigned_to_me").desc(), F("in_my_region").desc())


def _region_path(user) -> str:
    """The path of the user's region (``User.region``), read once per request."""
    path = getattr(user, "_region_path", None)
    if path is None:
        path = user.region.path if user.region_id else ""
        user._region_path = path
    return path


def _chief_order(user) -> dict | None:
    """For a chief officer, the annotations ``CHIEF_ORDER`` sorts by; None for anyone else.

    "In my region" is the case's region within the subtree of the region the chief
    officer is bound to (``Region.path``), so a city's chief sees its districts' cases."""
    if not roles.has_role(user, roles.CHIEF_PROBLEM_OFFICER):
        return None
    # "= me" is NULL, not false, on a case without a chief officer: NULLs would sort first.
    mine = ExpressionWrapper(Q(chief_officer_id=user.pk) & Q(chief_officer__isnull=False), output_field=BooleanField())
    in_region: ExpressionWrapper | Value
    if user.region_id:
        in_region = ExpressionWrapper(
            Q(region__path__startswith=_region_path(user)) & Q(region__isnull=False), output_field=BooleanField()
        )
    else:
        in_region = Value(False, output_field=BooleanField())
    return {"assigned_to_me": mine, "in_my_region": in_region}


def chief_officers_for_region(region) -> list:
    """The chief officers bound to the region or the nearest region above it that has
    any (a township's case goes to its county's chief when the township has none).
    One query."""
    from django.db.models.functions import Length

    from portal.models import User

    if region is None:
        return []
    chiefs = list(
        User.objects.filter(
            groups__name=roles.CHIEF_PROBLEM_OFFICER, is_active=True, region__path__in=region.lineage_paths()
        )
        .select_related("department")
        .annotate(depth=Length("region__path"))
        .order_by("-depth", "full_name", "pk")
    )
    return [chief for chief in chiefs if chief.depth == chiefs[0].depth] if chiefs else []


def long_term_request_pending(*, case: Case) -> LongTermRequest | None:
    """The 需长期推进 request awaiting a chief officer, with who asked; None without one
    (no query when ``case_get_for_user`` found none)."""
    if getattr(case, "long_term_pending", True) is False:
        return None
    return (
        LongTermRequest.objects.filter(case_id=case.pk, approved__isnull=True)
        .select_related("requested_by__department")
        .first()
    )


def long_term_reviews_due(*, today=None) -> QuerySet[Case]:
    """需长期推进 cases whose review date has come (下次评估日期 today or earlier)."""
    today = today or timezone.localdate()
    return Case.objects.filter(sla.long_term_q(), long_term_review_on__lte=today, archived_at__isnull=True)


def _rating_side(user) -> list[Q]:
    """The cases the user speaks for (the enterprise's side): filed by them, or their enterprise's."""
    # A window case's filer is its 问题专员, who rates nothing (complaints/windows/).
    filed = Q(filed_by=user, window__isnull=True)
    # 亲商管家 (complaints/visits/): nor does the 管家 who filed a 走访 problem (permissions.represents).
    filed &= ~Q(channel="steward_visit")
    return [filed, Q(enterprise_id__in=member_enterprise_ids(user))]


def _rating_reasons(user) -> list[QuerySet[Case]]:
    return [Case.objects.filter(condition) for condition in _rating_side(user)]


def _reasons_to_see(user) -> list[QuerySet[Case]] | None:
    """The signed-in user's reasons to see a case, as one queryset per reason; None: every case."""
    if can_view_all(user):
        return None
    reasons = [
        *_rating_reasons(user),
        Case.objects.filter(chief_officer=user),
        # An experience officer follows the cases born from their findings.
        Case.objects.filter(finding__walkthrough__officer=user),
    ]
    if user.department_id and roles.has_role(user, roles.HANDLER):
        reasons += [
            Case.objects.filter(lead_department_id=user.department_id),
            Case.objects.filter(co_departments=user.department_id),
        ]
    # 办不成事 windows (complaints/windows/): a 问题专员 sees the cases of the windows they
    # are on duty at — registered there, consulted on there now, or escalated from or to
    # there (会商联办), so the upper window's 专员 see a case once it reaches them.
    # The Python twin is permissions.on_duty_for.
    if roles.has_role(user, roles.SPECIALIST):
        reasons += window_case_reasons(user)
    # --- 亲商管家 (complaints/visits/) ---
    # A 管家 reads (only reads: no action is theirs, permissions.case_actions) the cases of
    # the enterprises they look after (portal.StewardAssignment); a confidential
    # complainant stays masked (_identity_visible). The Python twin is permissions.looks_after.
    if roles.has_role(user, roles.STEWARD):
        from portal.models import StewardAssignment

        looked_after = StewardAssignment.objects.filter(steward=user).values("enterprise_id")
        reasons.append(Case.objects.filter(enterprise_id__in=looked_after))
    # --- end 亲商管家 ---
    return reasons


def window_case_reasons(user) -> list[QuerySet[Case]]:
    """The cases of the windows the 问题专员 is on duty at, one queryset per way a case
    belongs to a window (each reads its own index)."""
    from complaints.models import ServiceWindow

    mine = ServiceWindow.objects.filter(specialists=user).values("pk")
    return [
        Case.objects.filter(window__in=mine),
        Case.objects.filter(current_window__in=mine),
        Case.objects.filter(window_escalations__to_window__in=mine),
        Case.objects.filter(window_escalations__from_window__in=mine),
    ]


class UrgentOpenCases:
    """A workbench's open cases, most urgent first, paged without sorting them all.

    A department leads tens of thousands of open cases. Filtering the city's cases by
    the union of the user's reasons and sorting the result cost a second per page
    (bench B3). Here each reason reads its own first ``top`` rows in urgency order (the
    department's from ``case_department_urgency_idx``, the others are few), and only
    the union of those — at most ``top`` per reason — is joined and sorted. The count
    is the union of the reasons' ids, capped like every long list."""

    def __init__(self, *, rows: QuerySet[Case], reasons: list[QuerySet[Case]], order=URGENCY_ORDER):
        self.rows = rows
        self.reasons = reasons
        self.order = order
        self._parts: list[tuple[str, tuple]] | None = None

    def _union(self, top: int) -> tuple[str, list]:
        """The union of each reason's first ``top`` ids in urgency order, as SQL. Each
        reason is compiled once for both the count and the page (the ORM compiled all of
        them again for each, a quarter of the workbench's time, bench B3)."""
        if self._parts is None:
            self._parts = [
                reason.order_by(*URGENCY_ORDER).values("pk").query.get_compiler(using=reason.db).as_sql()
                for reason in self.reasons
            ]
        sql = " UNION ".join(f"({part} LIMIT {int(top)})" for part, _params in self._parts)
        return sql, [param for _part, params in self._parts for param in params]

    def _fetch(self, sql: str, params: list) -> list[tuple]:
        with connections[self.rows.db].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def capped_count(self, cap: int) -> int:
        union, params = self._union(cap)
        sql = f"SELECT count(*) FROM (SELECT 1 FROM ({union}) AS ids LIMIT {int(cap)}) AS capped"  # noqa: S608 - ORM SQL
        return self._fetch(sql, params)[0][0]

    def __getitem__(self, page: slice) -> QuerySet[Case]:
        # The ids first, then their rows: one statement joining both took PostgreSQL
        # longer to plan (16 ms) than the two take to plan and run (8 ms).
        ids = [row[0] for row in self._fetch(*self._union(page.stop))]
        return self.rows.filter(pk__in=ids).order_by(*self.order)[page]


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


def case_tasks(*, case: Case) -> list[CaseTask]:
    """The four lists (四个清单) of every round, each task with ``is_overdue`` (past its
    deadline, not signed off, on an open case) and ``is_current`` (of the current round)."""
    today = timezone.localdate()
    tasks = list(case.tasks.select_related("department", "done_by").order_by("round", "deadline", "id"))
    for task in tasks:
        task.is_current = task.round == case.round
        task.is_overdue = case.is_open and task.is_current and task.done_at is None and task.deadline < today
    return tasks


def case_task_get(*, case: Case, task_id: int) -> CaseTask:
    """A task of this case's four lists, or 404 (a task of another case is not found here)."""
    try:
        return case.tasks.get(pk=task_id)
    except CaseTask.DoesNotExist:
        raise Http404 from None


def case_follow_ups(*, case: Case) -> dict:
    """What the office did after 办结: the return visits (回访) of each round, and the
    回头看 with the case it filed when the problem came back."""
    return {
        "return_visits": list(case.return_visits.select_related("visited_by").order_by("round")),
        "recheck": Recheck.objects.filter(case_id=case.pk).select_related("checked_by", "new_case").first(),
    }


def case_links(*, user, case: Case) -> dict:
    """The cases linked to this one (关联诉求件) that the user may see: the case it came
    from (``origin``) and those split off it or filed when it came back (``derived``)."""
    linked = Q(origin_case_id=case.pk)
    if case.origin_case_id:
        linked |= Q(pk=case.origin_case_id)
    rows = list(
        case_list(user=user)
        .filter(linked)
        .select_related(None)
        .only("number", "title", "status", "origin_case_id")
        .order_by("received_at", "number")
    )
    return {
        "origin": next((row for row in rows if row.pk == case.origin_case_id), None),
        "derived": [row for row in rows if row.origin_case_id == case.pk],
    }


def awaiting_return_visit(*, user) -> QuerySet[Case]:
    """待回访: resolved (已办结) or closed (已销单) cases whose current round has had no
    return visit (回访), the longest since 办结 first. For those who record visits."""
    from complaints.permissions import can_triage

    if not can_triage(user):
        return Case.objects.none()
    visited = ReturnVisit.objects.filter(case_id=OuterRef("pk"), round=OuterRef("round"))
    return (
        case_list(user=user)
        .filter(status__in=DONE_STATUSES, archived_at__isnull=True)
        .exclude(Exists(visited))
        .order_by(F("resolved_at").asc(nulls_last=True), "id")
    )


def awaiting_recheck(*, user) -> QuerySet[Case]:
    """回头看 due: cases closed (已销单) at least ``CASE_RECHECK_MONTHS`` months ago with
    no recheck yet, the longest closed first. For those who record rechecks."""
    from dateutil.relativedelta import relativedelta

    from complaints.permissions import can_triage

    if not can_triage(user):
        return Case.objects.none()
    due_before = timezone.now() - relativedelta(months=settings.CASE_RECHECK_MONTHS)
    return (
        case_list(user=user)
        .filter(status=Status.CLOSED, closed_at__lte=due_before, archived_at__isnull=True)
        .exclude(Exists(Recheck.objects.filter(case_id=OuterRef("pk"))))
        .order_by("closed_at", "id")
    )


def start_items(*, user) -> list:
    """What waits for the user among cases, for their start page: the enterprise's
    待评价; a handler's department's 待办, 临期 and 超期; an official's 待受理, 待回访 and
    超期. One query per line group, whatever the number of cases."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from complaints.permissions import can_triage
    from portal.selectors import StartItem

    items = []
    url = reverse("complaints:case_list")
    rating_side = functools.reduce(operator.or_, _rating_side(user))
    # Officials who register a caller's case rate it by return visit (回访), not here.
    awaiting = (
        0
        if can_triage(user)
        else Case.objects.filter(rating_side, status=Status.RESOLVED, archived_at__isnull=True)
        .alias(awaits=awaiting_rating_expression())
        .filter(awaits=True)
        .count()
    )
    if awaiting:
        items.append(StartItem(_("待评价的诉求"), awaiting, url, "warning"))
    if user.department_id and roles.has_role(user, roles.HANDLER):
        counts = (
            Case.objects.filter(
                lead_department_id=user.department_id, status__in=OPEN_STATUSES, archived_at__isnull=True
            )
            .annotate(flag=sla.flag_expression(deadlines.yellow_threshold()))
            .aggregate(
                total=Count("pk"),
                due_soon=Count("pk", filter=Q(flag=deadlines.YELLOW)),
                overdue=Count("pk", filter=Q(flag=deadlines.RED)),
            )
        )
        # 四个清单: the department's tasks of open cases' current rounds due today or late.
        tasks_due = CaseTask.objects.filter(
            department_id=user.department_id,
            done_at__isnull=True,
            deadline__lte=timezone.localdate(),
            round=F("case__round"),
            case__status__in=OPEN_STATUSES,
            case__archived_at__isnull=True,
        ).count()
        items += [
            StartItem(_("本部门待办"), counts["total"], url),
            StartItem(_("临期"), counts["due_soon"], url, "warning"),
            StartItem(_("超期"), counts["overdue"], f"{url}?overdue=true", "danger"),
            StartItem(_("今日到期的清单任务"), tasks_due, url, "warning"),
        ]
    if can_triage(user):
        counts = Case.objects.filter(archived_at__isnull=True).aggregate(
            received=Count("pk", filter=Q(status=Status.RECEIVED)),
            overdue=Count("pk", filter=sla.overdue_q(timezone.now())),
        )
        items += [
            StartItem(_("待受理"), counts["received"], f"{url}?status={Status.RECEIVED}", "warning"),
            StartItem(_("待回访"), awaiting_return_visit(user=user).count(), reverse("complaints:return_visit_list")),
            StartItem(_("全市超期"), counts["overdue"], f"{url}?overdue=true", "danger"),
        ]
        items += _overdue_by_unit(url)
    if roles.has_role(user, roles.CHIEF_PROBLEM_OFFICER):
        # 需长期推进: requests to decide, and reviews whose date has come.
        pending = LongTermRequest.objects.filter(
            approved__isnull=True, case__status__in=OPEN_STATUSES, case__archived_at__isnull=True
        ).count()
        items += [
            StartItem(_("待审批的长期推进申请"), pending, f"{url}?long_term=pending", "warning"),
            StartItem(_("需长期推进待评估"), long_term_reviews_due().count(), f"{url}?long_term=review", "warning"),
        ]
    return items


# The units with the most overdue cases, named on an official's start page.
OVERDUE_UNITS_SHOWN = 4


def _overdue_by_unit(url: str) -> list:
    """超期 by lead unit, the most first (one grouped query), each linked to its list;
    a unit goes by its short name (its English name on English pages)."""
    from django.utils.translation import gettext as _

    from portal.localized import localized
    from portal.selectors import StartItem

    rows = (
        Case.objects.filter(sla.overdue_q(timezone.now()), archived_at__isnull=True, lead_department__isnull=False)
        .values("lead_department_id")
        .annotate(
            n=Count("pk"),
            name=F("lead_department__name"),
            short_name=F("lead_department__short_name"),
            name_en=F("lead_department__name_en"),
        )
        .order_by("-n", "name")[:OVERDUE_UNITS_SHOWN]
    )
    items = []
    for row in rows:
        unit = localized(row["short_name"] or row["name"], row["name_en"])
        link = f"{url}?overdue=true&lead_department={row['lead_department_id']}"
        items.append(StartItem(_("%(unit)s超期") % {"unit": unit}, row["n"], link, "danger"))
    return items
