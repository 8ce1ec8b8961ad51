"""Roundtable reports for those who organise roundtables (``roundtables.manage_sessions``):
the follow-up report (回访情况报告) as a printable page and a workbook, the year's summary
figures, and a session's registrations as a workbook."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from portal.excel import workbook_response
from portal.replica import reports_from_replica
from portal.workdays import WorkCalendar
from roundtables import services
from roundtables.reporting import reports
from roundtables.services import can_manage


def manager_required(view):
    """Anonymous users are sent to log in; users who may not organise roundtables get 403."""

    @wraps(view)
    @login_required
    @never_cache
    @require_GET
    def wrapper(request, *args, **kwargs):
        if not can_manage(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _choose(request, error: str | None, *, registrations: bool = False):
    """The page asking for a session or a period: 200 when nothing was chosen yet,
    400 when what was given cannot be used."""
    return render(
        request,
        "roundtables/reports/choose.html",
        {
            "error": error,
            "registrations": registrations,
            "recent_sessions": reports.recent_sessions(),
            "period_value": (request.GET.get("period") or "").strip(),
            "this_month": f"{timezone.localdate():%Y-%m}",
        },
        status=400 if error else 200,
    )


def _follow_up_report(request, selection):
    return reports.follow_up_report(
        selection,
        calendar=WorkCalendar(),  # one calendar for the whole page
        show_confidential=request.user.has_perm("complaints.view_confidential_identity"),
    )


@manager_required
@reports_from_replica
def follow_up(request):
    """The follow-up report (回访情况报告) of a session or a period, live; or, with
    ``?issue=``, an issued number (第N期) of it."""
    issue = None
    issue_id = (request.GET.get("issue") or "").strip()
    if issue_id:
        issue = reports.issued(issue_id)
        if issue is None:
            raise Http404
        params = {"session": str(issue.session_id)} if issue.session_id else {"period": issue.period}
        selection, error = reports.resolve_selection(params)
    else:
        selection, error = reports.resolve_selection(request.GET)
    if selection is None:
        return _choose(request, error)
    report = _follow_up_report(request, selection)
    return render(
        request,
        "roundtables/reports/follow_up.html",
        {
            "report": report,
            "issue": issue,
            "issues": reports.issues_of_year(timezone.localdate().year),
            "recent_sessions": reports.recent_sessions(),
            "period_value": selection.period.param if selection.period else "",
            "selected_session_id": selection.session.pk if selection.session else None,
            "this_month": f"{timezone.localdate():%Y-%m}",
        },
    )


@login_required
@require_POST
def follow_up_issue(request):
    """Issue (印发) the report as this year's next number."""
    if not can_manage(request.user):
        raise PermissionDenied
    selection, error = reports.resolve_selection(request.POST)
    if selection is None:
        return _choose(request, error or _("请选择一期恳谈会或一个期间。"))
    issue = services.follow_up_issue(
        actor=request.user,
        session=selection.session,
        period=selection.period.param if selection.period else "",
    )
    messages.success(request, _("已印发回访情况报告%(issue)s。") % {"issue": issue})
    return redirect(f"{reverse('roundtable_reports:follow_up')}?issue={issue.pk}")


@manager_required
@reports_from_replica
def follow_up_export(request):
    selection, error = reports.resolve_selection(request.GET)
    if selection is None:
        return _choose(request, error)
    report = _follow_up_report(request, selection)
    filename = _("回访情况报告-%(selection)s.xlsx") % {"selection": selection.file_part}
    return workbook_response(reports.follow_up_workbook(report), filename)


@manager_required
@reports_from_replica
def figures(request):
    year, understood = reports.parse_year(request.GET.get("year"))
    if not understood:
        messages.warning(request, _("无法识别所选年度，已显示本年度的数据。年度格式如 2026。"))
    return render(
        request,
        "roundtables/reports/figures.html",
        {
            "figures": reports.year_figures(year),
            "kinds": reports.kind_figures(reports.Period(year)),
            "this_year": timezone.localdate().year,
        },
    )


@manager_required
@reports_from_replica
def registrations_export(request):
    selection, error = reports.resolve_selection({"session": request.GET.get("session")})
    if selection is None:
        return _choose(request, error, registrations=True)
    session = selection.session
    filename = _("报名名单-%(session)s.xlsx") % {"session": selection.file_part}
    return workbook_response(reports.registrations_workbook(session), filename)
