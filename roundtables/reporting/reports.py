"""Reports about roundtables: the follow-up report (回访情况报告) on the appeals raised at
sessions, the year's summary figures in the words the portal's reports use, and the
registration list as a workbook.

The rows of a report come from one query each; figures are SQL aggregates, so a page
costs the same few queries whatever the number of sessions, registrations or appeals.
The follow-up report works out working days in Python (the holiday calendar is not in
SQL) over rows it has already fetched, with one :class:`~portal.workdays.WorkCalendar`
for the whole page.

Follow-up report (回访情况报告) definitions, per appeal (诉求) and its case (诉求件):

* resolved (已办结): the case is 已办结 or 已销单; resolution rate (办结率) = resolved
  over the appeals accepted, as every figure of the portal counts it (the seeds'
  "反映251个问题，已办结248个，办结率98.8%");
* working days taken (办理用时): working days after the day the case was accepted
  (受理) up to and including the day it was resolved (办结; 销单 when no 办结 time
  was recorded), or today while it is open; "—" for a case never accepted;
* on time (是否按期办结): a resolved case is 按时 when resolved by its resolution deadline
  (办结期限) and 超期 after it; an open case is 超期 once its deadline has passed
  (unless its clock is suspended, as the overdue sweep does) and 办理中 before;
  a case without a deadline, or not accepted (不予受理), is not judged ("—");
  rate (按期办结率, not the dashboard's 按时办理率 of stages) = 按时 over 按时 and 超期;
* satisfaction (满意度): the case's latest rating (the last round's); satisfaction
  rate (满意率) = appeals whose latest rating is 满意 or 基本满意 over appeals rated.

A report covers one session (a city session together with its county sub-sessions,
市县同步) or a period: a month (``2026-11``) or a year (``2026``), taking sessions that
start in it and the county sub-sessions of city sessions that start in it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _

from complaints.models import DONE_STATUSES, OPEN_STATUSES, Case, CaseRating, Channel, Rating
from complaints.models.cases import CONFIDENTIAL_MASK
from complaints.reporting.selectors import CaseFigures, Rate, case_figures, case_figures_grouped, cohort
from complaints.reporting.selectors import Period as CasePeriod
from portal.excel import Workbook, add_sheet, local_datetime, new_workbook, workbook_bytes, write_table
from portal.localized import localized
from portal.workdays import WorkCalendar
from roundtables.models import Appeal, FollowUpIssue, Registration, Series, Session

SATISFIED_RATINGS = (Rating.SATISFIED, Rating.BASICALLY_SATISFIED)
# Sessions that took place (已召开, 跟踪办理, 已结束).
HELD_STATES = (Session.State.HELD, Session.State.FOLLOWING_UP, Session.State.CLOSED)
# Years outside these are refused as typing mistakes (and keep date arithmetic safe).
FIRST_YEAR, LAST_YEAR = 2000, 2099
PERIOD_RE = re.compile(r"([0-9]{4})(?:-([0-9]{1,2}))?")
SESSION_ID_RE = re.compile(r"[0-9]{1,18}")
RECENT_SESSIONS_LIMIT = 50
NONE = "—"

ON_TIME = "on_time"
LATE = "late"
IN_PROGRESS = "in_progress"
TIMELINESS_LABELS = {ON_TIME: _("按时"), LATE: _("超期"), IN_PROGRESS: _("办理中")}


# --- Periods and selections ----------------------------------------------------


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@dataclass(frozen=True)
class Period:
    """A month (``month`` set) or a whole year, in the portal's time zone."""

    year: int
    month: int | None = None

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month or 1, 1)

    @property
    def end_day(self) -> dt.date:
        """The first day after the period."""
        if self.month is None or self.month == 12:
            return dt.date(self.year + 1, 1, 1)
        return dt.date(self.year, self.month + 1, 1)

    @property
    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        return _start_of(self.first_day), _start_of(self.end_day)

    @property
    def param(self) -> str:
        return f"{self.year}" if self.month is None else f"{self.year}-{self.month:02d}"

    @property
    def label(self) -> str:
        if self.month is None:
            return force_str(_("%(year)s年")) % {"year": self.year}
        return force_str(_("%(year)s年%(month)s月")) % {"year": self.year, "month": self.month}


def parse_period(value: str | None) -> Period | None:
    """``"2026-11"`` → November 2026, ``"2026"`` → the year 2026; anything else → None."""
    match = PERIOD_RE.fullmatch((value or "").strip())
    if not match:
        return None
    year = int(match[1])
    month = int(match[2]) if match[2] else None
    if not FIRST_YEAR <= year <= LAST_YEAR or (month is not None and not 1 <= month <= 12):
        return None
    return Period(year, month)


def parse_year(value: str | None, today: dt.date | None = None) -> tuple[int, bool]:
    """``"2026"`` → (2026, True). Missing or blank → this year, True; anything else →
    this year, False (the caller says it was not understood)."""
    this_year = (today or timezone.localdate()).year
    value = (value or "").strip()
    if not value:
        return this_year, True
    if re.fullmatch(r"[0-9]{4}", value) and FIRST_YEAR <= int(value) <= LAST_YEAR:
        return int(value), True
    return this_year, False


@dataclass(frozen=True)
class Selection:
    """What a follow-up report covers: one session (with its county sub-sessions) or a period."""

    session: Session | None = None
    period: Period | None = None

    def session_q(self, prefix: str = "") -> Q:
        """Sessions covered, seen from a related model through ``prefix``."""
        if self.session is not None:
            return Q(**{f"{prefix}pk": self.session.pk}) | Q(**{f"{prefix}parent_id": self.session.pk})
        start, end = self.period.bounds
        return Q(**{f"{prefix}starts_at__gte": start, f"{prefix}starts_at__lt": end}) | Q(
            **{f"{prefix}parent__starts_at__gte": start, f"{prefix}parent__starts_at__lt": end}
        )

    @property
    def params(self) -> dict[str, str]:
        """The query parameters that select this again."""
        if self.session is not None:
            return {"session": str(self.session.pk)}
        return {"period": self.period.param}

    @property
    def label(self) -> str:
        return str(self.session) if self.session is not None else self.period.label

    @property
    def file_part(self) -> str:
        """For file names: the period as given (``2026-11``), or the session without spaces."""
        if self.session is not None:
            return re.sub(r"\s+", "", str(self.session))
        return self.period.param


def resolve_selection(params) -> tuple[Selection | None, str | None]:
    """The selection asked for by ``session`` or ``period`` in ``params`` (a QueryDict
    or dict), or (None, None) when neither is given, or (None, message) when the
    parameters cannot be used. One query for a session."""
    session_value = (params.get("session") or "").strip()
    period_value = (params.get("period") or "").strip()
    if not session_value and not period_value:
        return None, None
    if session_value and period_value:
        return None, force_str(_("请只选择一期恳谈会或一个期间，不能同时选择。"))
    if session_value:
        if not SESSION_ID_RE.fullmatch(session_value):
            return None, force_str(_("找不到所选的恳谈会，请从列表中选择。"))
        session = Session.objects.select_related("series", "region").filter(pk=int(session_value)).first()
        if session is None:
            return None, force_str(_("找不到所选的恳谈会，请从列表中选择。"))
        return Selection(session=session), None
    period = parse_period(period_value)
    if period is None:
        return None, force_str(_("无法识别所选期间。期间格式为“年-月”（如 2026-11）或“年”（如 2026）。"))
    return Selection(period=period), None


def issued(issue_id: str) -> FollowUpIssue | None:
    """An issued number of the follow-up report, or None for an id that names none."""
    if not SESSION_ID_RE.fullmatch(issue_id):
        return None
    return FollowUpIssue.objects.select_related("session").filter(pk=int(issue_id)).first()


def issues_of_year(year: int) -> list[FollowUpIssue]:
    """The year's issued follow-up reports, latest first. One query."""
    return list(FollowUpIssue.objects.filter(year=year).select_related("session__series", "session__region"))


def recent_sessions(limit: int = RECENT_SESSIONS_LIMIT) -> list[Session]:
    """The latest published sessions (city and county), for choosing one. One query."""
    return list(
        Session.objects.exclude(state=Session.State.DRAFT)
        .select_related("series", "region")
        .order_by("-starts_at", F("parent_id").asc(nulls_first=True), "region__code", "id")[:limit]
    )


# --- The follow-up report (回访情况报告) --------------------------------------------


@dataclass
class FollowUpRow:
    session_id: int
    session: str
    case_number: str
    case_url: str
    enterprise: str
    title: str
    lead_department: str
    status: str
    accepted_at: dt.datetime | None
    resolve_due_at: dt.datetime | None
    finished_at: dt.datetime | None
    working_days: int | None
    timeliness: str | None
    rating: str | None
    is_resolved: bool

    @property
    def timeliness_label(self) -> str:
        return force_str(TIMELINESS_LABELS[self.timeliness]) if self.timeliness else NONE

    @property
    def rating_label(self) -> str:
        return force_str(Rating(self.rating).label) if self.rating else NONE

    @property
    def working_days_display(self) -> int | str:
        return NONE if self.working_days is None else self.working_days


@dataclass
class SessionLine:
    """A session the report covers, with how many appeals were raised at it."""

    id: int
    name: str
    starts_at: dt.datetime
    state: str
    is_sub_session: bool
    appeals: int


@dataclass
class FollowUpReport:
    selection: Selection
    now: dt.datetime
    rows: list[FollowUpRow] = field(default_factory=list)
    sessions: list[SessionLine] = field(default_factory=list)

    @property
    def appeals(self) -> int:
        return len(self.rows)

    @property
    def resolved(self) -> int:
        return sum(row.is_resolved for row in self.rows)

    @property
    def accepted(self) -> int:
        return sum(row.accepted_at is not None for row in self.rows)

    @property
    def resolution(self) -> Rate:
        """办结率, as everywhere: resolved ÷ accepted."""
        return Rate(self.resolved, self.accepted)

    @property
    def on_time(self) -> Rate:
        on_time = sum(row.timeliness == ON_TIME for row in self.rows)
        late = sum(row.timeliness == LATE for row in self.rows)
        return Rate(on_time, on_time + late)

    @property
    def satisfaction(self) -> Rate:
        rated = [row.rating for row in self.rows if row.rating]
        return Rate(sum(rating in SATISFIED_RATINGS for rating in rated), len(rated))

    @property
    def in_progress(self) -> int:
        return sum(row.timeliness == IN_PROGRESS for row in self.rows)

    @property
    def late(self) -> int:
        return sum(row.timeliness == LATE for row in self.rows)


def _timeliness(case, finished_at: dt.datetime | None, now: dt.datetime) -> str | None:
    if case.status in DONE_STATUSES:
        if case.resolve_due_at is None or finished_at is None:
            return None
        return ON_TIME if finished_at <= case.resolve_due_at else LATE
    if case.status in OPEN_STATUSES:
        if case.resolve_due_at is not None and case.suspended_at is None and now > case.resolve_due_at:
            return LATE
        return IN_PROGRESS
    return None  # 不予受理


def _working_days(case, finished_at, now, calendar: WorkCalendar) -> int | None:
    if case.accepted_at is None:
        return None
    if case.status in DONE_STATUSES:
        end = finished_at
    elif case.status in OPEN_STATUSES:
        end = now
    else:
        return None
    if end is None:
        return None
    return calendar.working_days_between(timezone.localdate(case.accepted_at), timezone.localdate(end))


def follow_up_report(
    selection: Selection,
    *,
    calendar: WorkCalendar | None = None,
    now: dt.datetime | None = None,
    show_confidential: bool = True,
) -> FollowUpReport:
    """The follow-up report of the selection. Two queries (the sessions covered and the
    appeals with their cases), plus the calendar's one query per year it looks at.

    ``show_confidential`` false masks the enterprise of a confidential case as （保密）."""
    calendar = calendar or WorkCalendar()
    now = now or timezone.now()

    sessions = (
        Session.objects.filter(selection.session_q())
        .select_related("series", "region")
        .annotate(appeal_count=Count("appeals"))
        .order_by("starts_at", F("parent_id").asc(nulls_first=True), "region__code", "id")
    )
    latest_rating = (
        CaseRating.objects.filter(case_id=OuterRef("case_id")).order_by("-round", "-created_at", "-id").values("rating")
    )
    appeals = (
        Appeal.objects.filter(selection.session_q("session__"))
        .select_related(
            "session__series",
            "session__region",
            "case__lead_department",
            "case__enterprise",
            "registration__enterprise",
        )
        .annotate(latest_rating=Subquery(latest_rating[:1]))
        .order_by(
            "session__starts_at",
            F("session__parent_id").asc(nulls_first=True),
            "session__region__code",
            "session_id",
            "created_at",
            "id",
        )
    )

    report = FollowUpReport(selection=selection, now=now)
    report.sessions = [
        SessionLine(
            id=session.pk,
            name=str(session),
            starts_at=session.starts_at,
            state=force_str(session.get_state_display()),
            is_sub_session=session.parent_id is not None,
            appeals=session.appeal_count,
        )
        for session in sessions
    ]
    for appeal in appeals:
        case = appeal.case
        if case.enterprise_id is not None:
            enterprise = case.enterprise.name
        elif appeal.registration_id is not None:
            enterprise = appeal.registration.enterprise.name
        else:
            enterprise = ""
        if case.is_confidential and not show_confidential and enterprise:
            enterprise = force_str(CONFIDENTIAL_MASK)
        finished_at = (case.resolved_at or case.closed_at) if case.status in DONE_STATUSES else None
        report.rows.append(
            FollowUpRow(
                session_id=appeal.session_id,
                session=str(appeal.session),
                case_number=case.number,
                case_url=reverse("complaints:case_detail", args=[case.number]),
                enterprise=enterprise,
                title=case.title,
                lead_department=case.lead_department.display_name if case.lead_department_id else "",
                status=force_str(case.get_status_display()),
                accepted_at=case.accepted_at,
                resolve_due_at=case.resolve_due_at,
                finished_at=finished_at,
                working_days=_working_days(case, finished_at, now, calendar),
                timeliness=_timeliness(case, finished_at, now),
                rating=appeal.latest_rating,
                is_resolved=case.status in DONE_STATUSES,
            )
        )
    return report


# --- The year's figures ----------------------------------------------------------


@dataclass(frozen=True)
class SeriesFigures:
    """A series' year (or all series together): sessions held, and the problems raised
    at them as cases, counted by the portal's one set of definitions
    (:func:`complaints.reporting.selectors.case_figures`)."""

    name: str
    sessions: int
    sub_sessions: int
    enterprises: int
    figures: CaseFigures
    series_id: int | None = None

    @property
    def problems(self) -> int:
        return self.figures.received

    @property
    def resolved(self) -> int:
        return self.figures.resolved

    @property
    def resolution(self) -> Rate:
        return self.figures.resolution_rate


@dataclass(frozen=True)
class YearFigures:
    year: int
    total: SeriesFigures
    series: list[SeriesFigures]

    # The year as a whole, as the seeds report it.
    @property
    def sessions(self) -> int:
        return self.total.sessions

    @property
    def sub_sessions(self) -> int:
        return self.total.sub_sessions

    @property
    def enterprises(self) -> int:
        return self.total.enterprises

    @property
    def appeals(self) -> int:
        return self.total.problems

    @property
    def resolved(self) -> int:
        return self.total.resolved

    @property
    def resolution(self) -> Rate:
        return self.total.resolution


def year_figures(year: int) -> YearFigures:
    """A year's figures, per series and in total, for 宣城's sentence "举办恳谈会N期，共X家
    企业反映Y个问题，已办结Z个，办结率R%". A constant dozen queries (aggregates).

    * N sessions (召开恳谈会): city sessions (no parent) held (已召开, 跟踪办理 or 已结束)
      that started in the year; county sub-sessions (县级分会场) are counted apart;
    * Y problems (反映问题): cases of channel 政商恳谈会 received in the year — on-site
      and written appeals when raised, a problem written on a sign-up at its session —
      the dashboard's and the API's 登记量 for that channel; per series, those raised
      at the series' sessions;
    * X enterprises (企业): distinct enterprises that raised those problems, by any route
      (the case's enterprise, or the one that signed up);
    * Z resolved (已办结) and R (办结率 = Z ÷ accepted): as everywhere
      (``complaints.reporting.selectors``).
    """
    period = CasePeriod.year(year)
    start, end = period.bounds
    held = Session.objects.filter(state__in=HELD_STATES, starts_at__gte=start, starts_at__lt=end).order_by()
    session_rows = {
        row["series_id"]: row
        for row in held.values("series_id").annotate(
            sessions=Count("id", filter=Q(parent__isnull=True)),
            sub_sessions=Count("id", filter=Q(parent__isnull=False)),
        )
    }

    roundtable = {"channel": Channel.ROUNDTABLE}
    by_series = case_figures_grouped(period, group="roundtable_appeal__session__series_id", **roundtable)
    total_figures = case_figures(period, **roundtable)

    raisers = cohort(period, **roundtable).annotate(
        raiser=Coalesce("enterprise_id", "roundtable_appeal__registration__enterprise_id")
    )
    enterprises_by_series = dict(
        raisers.values_list("roundtable_appeal__session__series_id").annotate(n=Count("raiser", distinct=True))
    )
    total_enterprises = raisers.aggregate(n=Count("raiser", distinct=True))["n"]

    series_ids = {key for key in [*session_rows, *by_series] if key is not None}
    names = {
        pk: localized(name, name_en)
        for pk, name, name_en in Series.objects.filter(pk__in=series_ids).values_list("pk", "name", "name_en")
    }
    rows = [
        SeriesFigures(
            series_id=series_id,
            name=names[series_id],
            sessions=session_rows.get(series_id, {}).get("sessions", 0),
            sub_sessions=session_rows.get(series_id, {}).get("sub_sessions", 0),
            enterprises=enterprises_by_series.get(series_id, 0),
            figures=by_series.get(series_id, CaseFigures()),
        )
        for series_id in sorted(series_ids, key=lambda key: names[key])
    ]
    if None in by_series:
        # Registered with the channel but not at a session of any series (typed in as a
        # case): shown on their own line, so the lines add up to the total.
        rows.append(
            SeriesFigures(
                name=str(_("未关联具体会议")),
                sessions=0,
                sub_sessions=0,
                enterprises=enterprises_by_series.get(None, 0),
                figures=by_series[None],
            )
        )
    total = SeriesFigures(
        name=str(_("合计")),
        sessions=sum(row["sessions"] for row in session_rows.values()),
        sub_sessions=sum(row["sub_sessions"] for row in session_rows.values()),
        enterprises=total_enterprises,
        figures=total_figures,
    )
    return YearFigures(year=year, total=total, series=rows)


# --- Figures per kind (湘潭's reception-day sentence) -----------------------------


@dataclass(frozen=True)
class KindFigures:
    """One kind of series (政商恳谈会, 企业接待日, 直通车) over a period, in 湘潭's words:
    "企业接待日开展6次，接待企业30家，受理企业诉求59件，已办结38件"."""

    kind: str
    label: str
    sessions: int = 0
    enterprises: int = 0
    accepted: int = 0
    resolved: int = 0

    @property
    def resolution(self) -> Rate:
        """办结率, as everywhere: resolved ÷ accepted."""
        return Rate(self.resolved, self.accepted)


@dataclass(frozen=True)
class PeriodKindFigures:
    period: Period
    kinds: list[KindFigures]
    total: KindFigures

    def kind(self, kind: str) -> KindFigures:
        return next(row for row in self.kinds if row.kind == kind)


def kind_figures(period: Period) -> PeriodKindFigures:
    """The period's figures per kind of series, with a row for every kind (zeros
    included) and their total. Four queries, whatever the number of sessions.

    * N 开展N次: city sessions (no parent) held — 已召开, 跟踪办理 or 已结束 — that
      started in the period; a county sub-session is part of its city session;
    * X 接待企业X家: distinct enterprises received in person at those sessions (and
      their sub-sessions). 接待 means the firm was met, so it is those checked in (签到);
      at a session where nobody was checked in (check-in not used that day), its
      confirmed in-person registrations count instead. Written-only sign-ups are not
      received. A firm received twice in the period counts once;
    * Y 受理诉求Y件: the cases of those sessions' appeals that were accepted (受理), i.e.
      not 不予受理 and not still waiting for triage;
    * Z 已办结Z件: of those, the ones 办结 (``complaints.models.DONE_STATUSES``).
    """
    start, end = period.bounds
    held = Session.objects.filter(
        state__in=HELD_STATES, parent__isnull=True, starts_at__gte=start, starts_at__lt=end
    ).order_by()
    covered = Q(session__in=held.values("pk")) | Q(session__parent__in=held.values("pk"))

    sessions = dict(held.values_list("series__kind").annotate(n=Count("id")))

    someone_checked_in = Registration.objects.filter(session_id=OuterRef("session_id"), checked_in_at__isnull=False)
    received = (
        Registration.objects.filter(covered, status=Registration.Status.CONFIRMED, mode=Registration.Mode.IN_PERSON)
        .filter(Q(checked_in_at__isnull=False) | ~Exists(someone_checked_in))
        .order_by()
    )
    # A county sub-session belongs to its city session's series, hence its kind.
    enterprises = dict(received.values_list("session__series__kind").annotate(n=Count("enterprise_id", distinct=True)))
    total_enterprises = received.aggregate(n=Count("enterprise_id", distinct=True))["n"]

    accepted = Q(accepted_at__isnull=False)
    cases = {
        row["kind"]: row
        for row in Case.objects.filter(
            Q(roundtable_appeal__session__in=held.values("pk"))
            | Q(roundtable_appeal__session__parent__in=held.values("pk"))
        )
        .order_by()
        .values(kind=F("roundtable_appeal__session__series__kind"))
        .annotate(
            accepted=Count("id", filter=accepted),
            resolved=Count("id", filter=accepted & Q(status__in=DONE_STATUSES)),
        )
    }
    rows = [
        KindFigures(
            kind=kind,
            label=force_str(label),
            sessions=sessions.get(kind, 0),
            enterprises=enterprises.get(kind, 0),
            accepted=cases.get(kind, {}).get("accepted", 0),
            resolved=cases.get(kind, {}).get("resolved", 0),
        )
        for kind, label in Series.Kind.choices
    ]
    total = KindFigures(
        kind="",
        label=force_str(_("合计")),
        sessions=sum(row.sessions for row in rows),
        enterprises=total_enterprises,
        accepted=sum(row.accepted for row in rows),
        resolved=sum(row.resolved for row in rows),
    )
    return PeriodKindFigures(period=period, kinds=rows, total=total)


# --- Workbooks (written by portal.excel) ---------------------------------------------


FOLLOW_UP_HEADERS = (
    _("恳谈会"),
    _("诉求编号"),
    _("企业"),
    _("诉求标题"),
    _("牵头单位"),
    _("办理状态"),
    _("受理时间"),
    _("办结期限"),
    _("办结时间"),
    _("办理用时（工作日）"),
    _("是否按期办结"),
    _("满意度"),
)


def follow_up_workbook(report: FollowUpReport) -> bytes:
    """The follow-up report as .xlsx bytes: the appeals sheet, then the summary sheet."""
    workbook = new_workbook()
    add_sheet(
        workbook,
        force_str(_("诉求办理情况")),
        FOLLOW_UP_HEADERS,
        [
            [
                row.session,
                row.case_number,
                row.enterprise,
                row.title,
                row.lead_department,
                row.status,
                local_datetime(row.accepted_at),
                local_datetime(row.resolve_due_at),
                local_datetime(row.finished_at),
                row.working_days,
                row.timeliness_label,
                row.rating_label,
            ]
            for row in report.rows
        ],
    )
    add_sheet(
        workbook,
        force_str(_("汇总")),
        [_("指标"), _("数值")],
        [
            [_("统计范围"), report.selection.label],
            [_("诉求数"), report.appeals],
            [_("已办结"), report.resolved],
            [_("办结率"), str(report.resolution)],
            [_("按期办结率"), str(report.on_time)],
            [_("满意率"), str(report.satisfaction)],
        ],
    )
    return workbook_bytes(workbook)


REGISTRATION_HEADERS = (
    _("企业"),
    _("统一社会信用代码"),
    _("参会人"),
    _("职务"),
    _("手机号码"),
    _("参会方式"),
    _("名额类型"),
    _("状态"),
    _("候补顺序"),
    _("是否签到"),
    _("签到时间"),
    _("报名时间"),
)


def registration_rows(session: Session) -> list[list]:
    """The session's registrations (cancelled ones too), in sign-up order, as the
    workbook's rows. The waitlist order is the place in the queue of those waiting
    (first signed up, first promoted). One query."""
    registrations = (
        Registration.objects.filter(session=session).select_related("enterprise").order_by("created_at", "id")
    )
    rows, waiting = [], 0
    for registration in registrations:
        position = None
        if registration.status == Registration.Status.WAITLISTED:
            waiting += 1
            position = waiting
        rows.append(
            [
                registration.enterprise.name,
                registration.enterprise.credit_code,
                registration.attendee_name,
                registration.attendee_title,
                registration.attendee_mobile,
                force_str(registration.get_mode_display()),
                force_str(registration.get_pool_display()),
                force_str(registration.get_status_display()),
                position,
                force_str(_("是") if registration.checked_in_at else _("否")),
                local_datetime(registration.checked_in_at),
                local_datetime(registration.created_at),
            ]
        )
    return rows


def registrations_workbook(session: Session) -> Workbook:
    """The session's registrations as a workbook (one sheet, bold frozen header row),
    for the admin's "export to Excel" action and the report page's download. Save it
    with :func:`workbook_bytes`. One query."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = force_str(_("报名名单"))
    write_table(
        sheet, REGISTRATION_HEADERS, registration_rows(session), widths=(30, 22, 12, 14, 14, 12, 10, 8, 8, 8, 17, 17)
    )
    return workbook
