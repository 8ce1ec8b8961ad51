"""Figures about walkthroughs for the monthly report (换位体验月报).

Every figure is a SQL aggregate (conditional ``Count``, ``GROUP BY`` through
``values().annotate()``), so the report costs the same seven queries whether a
month has two walkthroughs or two thousand. Walkthroughs are joined to both their
findings and their walkers, so every count is ``DISTINCT``.

Definitions. Only submitted or reviewed walkthroughs count (drafts never do); a
walkthrough belongs to the month its ``walked_on`` falls in.

* walkthroughs (体验人次): walkthroughs counted;
* participants (参与人数): distinct officers who walked them;
* walkers (同行人员): people who walked with the officers (局长 以企业身份走, 坐窗口, 陪同),
  one per walkthrough they joined;
* led (领导带队): walkthroughs with a leader among their walkers (局长带头);
* cross (带项目交叉走): walkthroughs carrying a project across departments;
* found (发现问题): findings recorded on them;
* fixed on the spot (当场整改): findings fixed while the walkers were there;
* promoted (转为诉求件): findings that became a case;
* solved (已解决, 问题整改): findings fixed on the spot, and promoted findings whose case is
  now resolved or closed (办结/销单) — 宣城's "发现解决各类问题";
* not done (办不成): walkthroughs whose outcome was 办不成;
* longest waits: the steps with the most minutes waited (more than none);
* unnecessary materials: materials asked for but marked not necessary, by name;
* checklist problems: answers equal to their question's problem answer, by question.

The cumulative figures (累计) count every walkthrough ever submitted, whatever its month.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, fields

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import Count, F, Max, Q
from django.db.models.functions import Trim
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _

from complaints.models import (
    DONE_STATUSES,
    ChecklistAnswer,
    StepMaterial,
    Walkthrough,
    WalkthroughStep,
    WalkthroughTheme,
)
from portal.excel import add_sheet, new_workbook, workbook_bytes
from portal.localized import localized

LONGEST_WAITS_LIMIT = 10
MATERIALS_LIMIT = 10
CHECKLIST_LIMIT = 12
# Months outside these years are refused as typing mistakes (and keep date arithmetic safe).
FIRST_YEAR, LAST_YEAR = 2000, 2099
MONTH_RE = re.compile(r"([0-9]{4})-([0-9]{2})")
NOT_FILLED = _("未填写")


# --- The month -----------------------------------------------------------------


def current_month(today: dt.date | None = None) -> dt.date:
    """The first day of this month in the portal's time zone (Asia/Shanghai)."""
    return (today or timezone.localdate()).replace(day=1)


def parse_month(value: str | None, today: dt.date | None = None) -> tuple[dt.date, bool]:
    """``"2026-11"`` → (2026-11-01, True). Missing or blank → this month, True;
    anything else → this month, False (the caller says it was not understood)."""
    value = (value or "").strip()
    if not value:
        return current_month(today), True
    match = MONTH_RE.fullmatch(value)
    if match:
        year, month = int(match[1]), int(match[2])
        if FIRST_YEAR <= year <= LAST_YEAR and 1 <= month <= 12:
            return dt.date(year, month, 1), True
    return current_month(today), False


# --- Figures -------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    walkthroughs: int = 0
    participants: int = 0
    walkers: int = 0
    led: int = 0
    cross: int = 0
    found: int = 0
    fixed_on_spot: int = 0
    promoted: int = 0
    solved: int = 0
    not_done: int = 0

    @classmethod
    def from_row(cls, row: dict, prefix: str = "") -> Figures:
        return cls(**{name: row[f"{prefix}{name}"] or 0 for name in FIGURE_NAMES})

    def as_list(self) -> list[int]:
        return [getattr(self, name) for name in FIGURE_NAMES]


FIGURE_NAMES = tuple(field.name for field in fields(Figures))
FIGURE_LABELS = (
    _("体验人次"),
    _("参与人数"),
    _("同行人员"),
    _("领导带队"),
    _("带项目交叉走"),
    _("发现问题"),
    _("当场整改"),
    _("转为诉求件"),
    _("已解决"),
    _("办不成"),
)


# Annotations are named with a prefix: "walkers" unprefixed would hide the relation.
GROUP_PREFIX = "n_"


def _figure_counts(condition: Q | None = None, prefix: str = "") -> dict:
    """Conditional counts over walkthroughs LEFT JOINed to their walkers, findings and
    cases. Everything is counted distinct, since the joins repeat each row."""

    def where(extra: Q | None = None) -> Q | None:
        if condition is None:
            return extra
        return condition if extra is None else condition & extra

    solved = Q(findings__fixed_on_spot=True) | Q(findings__case__status__in=DONE_STATUSES)
    counts = {
        "walkthroughs": Count("id", filter=where(), distinct=True),
        "participants": Count("officer", filter=where(), distinct=True),
        "walkers": Count("walkers", filter=where(), distinct=True),
        "led": Count("id", filter=where(Q(walkers__is_leader=True)), distinct=True),
        "cross": Count("id", filter=where(~Q(project="")), distinct=True),
        "found": Count("findings", filter=where(), distinct=True),
        "fixed_on_spot": Count("findings", filter=where(Q(findings__fixed_on_spot=True)), distinct=True),
        "promoted": Count("findings", filter=where(Q(findings__case__isnull=False)), distinct=True),
        "solved": Count("findings", filter=where(solved), distinct=True),
        "not_done": Count("id", filter=where(Q(outcome=Walkthrough.Outcome.NOT_DONE)), distinct=True),
    }
    return {f"{prefix}{name}": count for name, count in counts.items()}


def _counted() -> Q:
    return ~Q(status=Walkthrough.Status.DRAFT)


def _in_month(start: dt.date, end: dt.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}walked_on__gte": start, f"{prefix}walked_on__lt": end})


def _counted_in_month(prefix: str, start: dt.date, end: dt.date) -> Q:
    """Counted walkthroughs of the month, seen from a related model through ``prefix``."""
    return ~Q(**{f"{prefix}status": Walkthrough.Status.DRAFT}) & _in_month(start, end, prefix)


@dataclass(frozen=True)
class GroupRow:
    """One line of the by-theme or by-department table."""

    name: str
    figures: Figures
    is_unfilled: bool = False


@dataclass(frozen=True)
class Wait:
    walkthrough_id: int
    walked_on: dt.date
    service_item: str
    department: str
    action: str
    minutes: int

    @property
    def url(self) -> str:
        return reverse("walkthroughs:detail", args=[self.walkthrough_id])


@dataclass(frozen=True)
class Material:
    name: str
    count: int


@dataclass(frozen=True)
class ChecklistProblem:
    question: str
    problem_answer: str
    problems: int
    answered: int

    @property
    def problem_answer_label(self):
        return dict(ChecklistAnswer.Answer.choices).get(self.problem_answer, self.problem_answer)


@dataclass
class MonthlyReport:
    month: dt.date
    end: dt.date
    figures: Figures
    cumulative: Figures
    by_theme: list[GroupRow]
    by_department: list[GroupRow]
    longest_waits: list[Wait]
    unnecessary_materials: list[Material]
    checklist_problems: list[ChecklistProblem]

    @property
    def previous_month(self) -> dt.date:
        return self.month - relativedelta(months=1)

    @property
    def next_month(self) -> dt.date:
        return self.month + relativedelta(months=1)

    @property
    def month_param(self) -> str:
        return f"{self.month:%Y-%m}"

    @property
    def summary_rows(self) -> list[tuple]:
        """(label, this month, cumulative) per figure."""
        return list(zip(FIGURE_LABELS, self.figures.as_list(), self.cumulative.as_list(), strict=True))


def _by_theme(month_walkthroughs) -> list[GroupRow]:
    """Every active theme (zeros included) in its order, then retired themes that
    still have walkthroughs this month, then walkthroughs without a theme."""
    rows = {
        row["theme_id"]: Figures.from_row(row, GROUP_PREFIX)
        for row in month_walkthroughs.values("theme_id").annotate(**_figure_counts(prefix=GROUP_PREFIX)).order_by()
    }
    themes = WalkthroughTheme.objects.filter(Q(is_active=True) | Q(pk__in=[pk for pk in rows if pk is not None]))
    result = [
        GroupRow(theme.display_name, rows.get(theme.pk, Figures())) for theme in themes.order_by("sort_order", "name")
    ]
    if None in rows:
        result.append(GroupRow(str(NOT_FILLED), rows[None], is_unfilled=True))
    return result


def _by_department(month_walkthroughs) -> list[GroupRow]:
    """Departments with walkthroughs this month, most walked first; unfilled last."""
    rows = (
        month_walkthroughs.values("department_id", "department__name", "department__name_en")
        .annotate(**_figure_counts(prefix=GROUP_PREFIX))
        .order_by(f"-{GROUP_PREFIX}walkthroughs", f"-{GROUP_PREFIX}found", "department__name")
    )
    result, unfilled = [], []
    for row in rows:
        if row["department_id"] is None:
            unfilled.append(GroupRow(str(NOT_FILLED), Figures.from_row(row, GROUP_PREFIX), is_unfilled=True))
        else:
            result.append(
                GroupRow(
                    localized(row["department__name"], row["department__name_en"]), Figures.from_row(row, GROUP_PREFIX)
                )
            )
    return result + unfilled


def monthly_report(month: dt.date) -> MonthlyReport:
    """The sharing report of the month starting on ``month``. Seven queries."""
    month = month.replace(day=1)
    end = month + relativedelta(months=1)
    counted = Walkthrough.objects.filter(_counted()).order_by()
    month_walkthroughs = counted.filter(_in_month(month, end))

    totals = counted.aggregate(
        **_figure_counts(_in_month(month, end), prefix="month_"), **_figure_counts(prefix="total_")
    )

    waits = (
        WalkthroughStep.objects.filter(_counted_in_month("walkthrough__", month, end), minutes_waited__gt=0)
        .values(
            "walkthrough_id",
            "walkthrough__walked_on",
            "walkthrough__service_item",
            "walkthrough__department__name",
            "walkthrough__department__name_en",
            "action",
            "minutes_waited",
        )
        .order_by("-minutes_waited", "walkthrough__walked_on", "walkthrough_id", "order", "id")[:LONGEST_WAITS_LIMIT]
    )
    materials = (
        StepMaterial.objects.filter(_counted_in_month("step__walkthrough__", month, end), is_necessary=False)
        .annotate(material=Trim("name"))
        .values("material")
        .annotate(n=Count("id"))
        .order_by("-n", "material")[:MATERIALS_LIMIT]
    )
    checklist = (
        ChecklistAnswer.objects.filter(_counted_in_month("walkthrough__", month, end))
        .values("question__text", "question__problem_answer")
        .annotate(
            english=Max("question__text_en"),
            problems=Count("id", filter=Q(answer=F("question__problem_answer"))),
            answered=Count("id", filter=Q(answer__in=[ChecklistAnswer.Answer.YES, ChecklistAnswer.Answer.NO])),
        )
        .filter(problems__gt=0)
        .order_by("-problems", "question__text")[:CHECKLIST_LIMIT]
    )

    return MonthlyReport(
        month=month,
        end=end,
        figures=Figures.from_row(totals, "month_"),
        cumulative=Figures.from_row(totals, "total_"),
        by_theme=_by_theme(month_walkthroughs),
        by_department=_by_department(month_walkthroughs),
        longest_waits=[
            Wait(
                walkthrough_id=row["walkthrough_id"],
                walked_on=row["walkthrough__walked_on"],
                service_item=row["walkthrough__service_item"],
                department=localized(
                    row["walkthrough__department__name"] or "", row["walkthrough__department__name_en"]
                ),
                action=row["action"],
                minutes=row["minutes_waited"],
            )
            for row in waits
        ],
        unnecessary_materials=[Material(row["material"], row["n"]) for row in materials],
        checklist_problems=[
            ChecklistProblem(
                question=localized(row["question__text"], row["english"]),
                problem_answer=row["question__problem_answer"],
                problems=row["problems"],
                answered=row["answered"],
            )
            for row in checklist
        ],
    )


# --- The workbook --------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """One table of the report: the page shows it, the workbook gives it a sheet."""

    sheet: str
    headers: list
    rows: list[list]


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def report_tables(report: MonthlyReport) -> list[Table]:
    labels = [force_str(label) for label in FIGURE_LABELS]
    return [
        Table(
            force_str(_("总体情况")),
            [force_str(_("指标")), force_str(_("本月")), force_str(_("累计"))],
            [[force_str(label), month, total] for label, month, total in report.summary_rows],
        ),
        Table(
            force_str(_("按体验主题")),
            [force_str(_("体验主题")), *labels],
            [[row.name, *row.figures.as_list()] for row in report.by_theme],
        ),
        Table(
            force_str(_("按办理部门")),
            [force_str(_("办理部门")), *labels],
            [[row.name, *row.figures.as_list()] for row in report.by_department],
        ),
        Table(
            force_str(_("等候最久的环节")),
            [
                force_str(_("体验日期")),
                force_str(_("办理事项")),
                force_str(_("办理部门")),
                force_str(_("办理环节")),
                force_str(_("等候（分钟）")),
                force_str(_("体验记录")),
            ],
            [
                [wait.walked_on, wait.service_item, wait.department, wait.action, wait.minutes, _absolute(wait.url)]
                for wait in report.longest_waits
            ],
        ),
        Table(
            force_str(_("不必要的材料")),
            [force_str(_("材料名称")), force_str(_("索要次数"))],
            [[material.name, material.count] for material in report.unnecessary_materials],
        ),
        Table(
            force_str(_("检查项问题")),
            [
                force_str(_("检查项")),
                force_str(_("提示问题的回答")),
                force_str(_("提示问题次数")),
                force_str(_("作答次数")),
            ],
            [
                [item.question, force_str(item.problem_answer_label), item.problems, item.answered]
                for item in report.checklist_problems
            ],
        ),
    ]


def monthly_workbook(report: MonthlyReport) -> bytes:
    """The report as .xlsx bytes: one sheet per table, bold frozen header row."""
    workbook = new_workbook()
    for table in report_tables(report):
        add_sheet(workbook, table.sheet, table.headers, table.rows)
    return workbook_bytes(workbook)
