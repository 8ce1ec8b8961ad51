"""The monthly walkthrough sharing report (换位体验月报): a printable page and its
Excel workbook, for those who may see every walkthrough (officials, chief officers)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from complaints.walkthroughs import reports as reports
from portal.excel import workbook_response
from portal.replica import reports_from_replica

PERMISSION = "complaints.view_all_walkthroughs"


def _month(request, *, tell: bool):
    month, understood = reports.parse_month(request.GET.get("month"))
    if not understood and tell:
        messages.warning(request, _("无法识别所选月份，已显示本月的报告。月份格式为“年-月”，如 2026-11。"))
    return month


@login_required
@permission_required(PERMISSION, raise_exception=True)
@never_cache
@require_GET
@reports_from_replica
def monthly(request):
    report = reports.monthly_report(_month(request, tell=True))
    return render(
        request,
        "walkthroughs/report/monthly.html",
        {
            "report": report,
            "figure_labels": reports.FIGURE_LABELS,
            "limits": {
                "waits": reports.LONGEST_WAITS_LIMIT,
                "materials": reports.MATERIALS_LIMIT,
                "checklist": reports.CHECKLIST_LIMIT,
            },
            "current_month": reports.current_month(),
        },
    )


@login_required
@permission_required(PERMISSION, raise_exception=True)
@never_cache
@require_GET
@reports_from_replica
def monthly_export(request):
    """The same report as .xlsx. A month not understood gives this month's workbook
    (its file name says which month it is)."""
    report = reports.monthly_report(_month(request, tell=False))
    filename = _("换位体验月报-%(month)s.xlsx") % {"month": report.month_param}
    return workbook_response(reports.monthly_workbook(report), filename)
