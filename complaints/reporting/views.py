"""Pages about cases as a whole: the officials' dashboard, the public statistics and
typical case library, and the Excel export of the case list."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from complaints import resources, selectors
from complaints.filters import CaseFilter
from complaints.models import Stage
from complaints.reporting import selectors as reports
from complaints.reporting.forms import FIRST_DAY, FiguresForm
from portal import pagecache
from portal.excel import workbook_response
from portal.replica import reports_from_replica


def _chart(kind: str, labels, datasets, *, percent: bool = False) -> dict:
    """Chart data for static/complaints/dashboard.js, passed through json_script."""
    return {
        "type": kind,
        "labels": [str(label) for label in labels],
        "datasets": [{"label": str(label), "data": data} for label, data in datasets],
        "percent": percent,
    }


def _dashboard_charts(figures: reports.Dashboard) -> dict:
    stage_labels = [Stage(stage).label for stage, _done, _due in reports.STAGE_FIELDS]
    return {
        "channel": _chart(
            "bar", [label for label, _n in figures.by_channel], [(_("登记量"), [n for _l, n in figures.by_channel])]
        ),
        "category": _chart(
            "bar", [name for name, _n in figures.by_category], [(_("登记量"), [n for _l, n in figures.by_category])]
        ),
        "month": _chart(
            "line",
            [formats.date_format(month, "YEAR_MONTH_FORMAT") for month, _n in figures.by_month],
            [(_("登记量"), [n for _m, n in figures.by_month])],
        ),
        "on_time": _chart(
            "bar",
            [department.name for department in figures.departments],
            [
                (
                    label,
                    [reports.percent_or_none(department.figures.stages[stage]) for department in figures.departments],
                )
                for label, (stage, _done, _due) in zip(stage_labels, reports.STAGE_FIELDS, strict=True)
            ],
            percent=True,
        ),
    }


def _threshold_percents(thresholds: dict) -> dict:
    """{"on_time": 0.95} → {"on_time": "95%"}, exactly (no float rounding)."""
    return {key: f"{format((Decimal(str(value)) * 100).normalize(), 'f')}%" for key, value in thresholds.items()}


@login_required
@permission_required("complaints.view_all_cases", raise_exception=True)
@never_cache
@require_GET
@reports_from_replica
def dashboard(request):
    """Figures of the cases received in a period (``?from=&to=``; the last twelve
    months by default)."""
    form = FiguresForm(request.GET or None, default=reports.Period.last_twelve_months())
    status = 200
    if form.is_bound and not form.is_valid():
        messages.warning(request, _("统计期间有误，已显示近12个月的数据。"))
        period, status = reports.Period.last_twelve_months(), 400
    else:
        period = form.period if form.is_bound else reports.Period.last_twelve_months()
    figures = reports.dashboard(period=period)
    return render(
        request,
        "complaints/reports/dashboard.html",
        {
            "figures": figures,
            "summary": figures.summary,
            "form": form,
            "charts": _dashboard_charts(figures),
            "stages": [Stage(stage) for stage, _done, _due in reports.STAGE_FIELDS],
            "red": _threshold_percents(figures.thresholds["red"]),
            "yellow": _threshold_percents(figures.thresholds["yellow"]),
            "can_export": request.user.has_perm("complaints.export_cases"),
        },
        status=status,
    )


@require_GET
def statistics(request):
    """The public figures of a year (``?year=``, this year by default). Kept a minute at
    most, and rebuilt once cases change (portal/pagecache.py): whole for anonymous
    readers, the figures for all."""
    this_year = timezone.localdate().year
    year = request.GET.get("year", "")
    if year.isdigit() and FIRST_DAY.year <= int(year) <= this_year:
        year = int(year)
    else:
        if year:
            messages.warning(request, _("无法识别所选年度，已显示本年度的数据。"))
        year = this_year

    def page(extra: dict):
        content = pagecache.fragment(
            "case_reports:statistics",
            lambda: render_to_string(
                "complaints/reports/_statistics.html",
                {"figures": reports.year_figures(year), "this_year": this_year, "first_year": FIRST_DAY.year},
            ),
            parts=(year, this_year),
            depends_on=(pagecache.CASE_FIGURES,),
            timeout=pagecache.FIGURES_SECONDS,
            one_rebuild=True,
        )
        return render(request, "complaints/reports/statistics.html", {"content": mark_safe(content), **extra})  # noqa: S308

    return pagecache.shared_page(
        request,
        "case_reports:statistics",
        page,
        depends_on=(pagecache.CASE_FIGURES,),
        timeout=pagecache.FIGURES_SECONDS,
        params=("year",),
    )


@require_GET
def typical_case_list(request):
    page = Paginator(reports.published_typical_cases(), 20).get_page(request.GET.get("page"))
    return render(request, "complaints/reports/typical_case_list.html", {"page": page})


@require_GET
def typical_case_detail(request, pk: int):
    typical_case = get_object_or_404(reports.published_typical_cases(), pk=pk)
    return render(request, "complaints/reports/typical_case_detail.html", {"typical_case": typical_case})


@login_required
@permission_required("complaints.export_cases", raise_exception=True)
@never_cache
@require_GET
@reports_from_replica
def export(request):
    """The case list as .xlsx, filtered like the workbench (CaseFilter's parameters)
    and scoped to what the user may see."""
    case_filter = CaseFilter(request.GET, queryset=selectors.case_list(user=request.user), request=request)
    if not case_filter.is_valid():
        # An invalid filter would silently be dropped and export more than asked.
        return HttpResponseBadRequest(_("筛选条件有误，请检查后重试。"), content_type="text/plain; charset=utf-8")
    title = _("诉求件")
    content = resources.export_cases(case_filter.qs, title=title)
    filename = f"{title}-{timezone.localdate():%Y-%m-%d}.xlsx"
    return workbook_response(content, filename)
