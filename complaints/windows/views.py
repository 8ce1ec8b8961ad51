"""The 问题专员's pages (办不成事窗口): their windows and cases, registering a case, and on a
window case its 原因分析 and escalation one level up. Thin: forms in, services and
selectors called. The case's own page (timeline, comments) is the case page's."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from complaints import permissions, sla
from complaints.models import Case
from complaints.windows import forms, selectors, services
from complaints.windows.filters import WindowCaseFilter
from portal.api.errors import is_conflict
from portal.forms import add_service_errors
from portal.pagination import CappedCountPaginator


def _require_specialist(user) -> None:
    if not selectors.is_specialist(user):
        raise PermissionDenied


@login_required
@require_GET
def window_home(request):
    """我的窗口: the windows the 专员 is on duty at and the cases of those windows."""
    _require_specialist(request.user)
    filters = request.GET.copy()
    filters.pop("page", None)
    case_filter = WindowCaseFilter(filters or None, queryset=Case.objects.none(), user=request.user)
    cases = selectors.window_case_list(user=request.user, filters=filters or None)
    if filters and not case_filter.is_valid():
        cases = cases.none()
    page = CappedCountPaginator(cases, 30).get_page(request.GET.get("page"))
    sla.with_clock_text(page.object_list)
    query = filters.urlencode()
    return render(
        request,
        "complaints/windows/home.html",
        {
            "windows": list(selectors.windows_for_specialist(user=request.user).order_by("-is_active", "name")),
            "page": page,
            "filter": case_filter,
            "query": query,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def window_case_new(request, pk):
    """Register a case the window could not settle, with the 原因分析."""
    _require_specialist(request.user)
    window = selectors.window_get_for_specialist(user=request.user, pk=pk)
    if request.method == "POST":
        form = forms.WindowCaseForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                case = services.window_case_register(
                    window=window,
                    actor=request.user,
                    title=data["title"],
                    description=data["description"],
                    category=data["category"],
                    enterprise=data["enterprise"],
                    complainant_name=data["complainant_name"],
                    complainant_phone=data["complainant_phone"],
                    complainant_email=data["complainant_email"],
                    is_confidential=data["is_confidential"],
                    cause_analysis=data["cause_analysis"],
                    idempotency_key=data["idempotency_key"] or None,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("已登记为诉求件 %(number)s。") % {"number": case.number})
                return redirect("windows:case_detail", number=case.number)
        messages.error(request, _("提交未成功，请按提示修改。"))
        status = 400
    else:
        form = forms.WindowCaseForm(initial={"idempotency_key": uuid.uuid4().hex})
        status = 200
    return render(request, "complaints/windows/case_form.html", {"form": form, "window": window}, status=status)


def _detail(request, case, *, cause_form=None, escalate_form=None, status=200):
    user = request.user
    sla.with_clock_text([case])
    may_escalate = case.is_open and (permissions.on_duty_at_current_window(user, case) or permissions.can_triage(user))
    above = selectors.window_above(window=case.current_window) if may_escalate and case.current_window else None
    return render(
        request,
        "complaints/windows/case_detail.html",
        {
            "case": case,
            "escalations": selectors.window_escalations(case=case),
            "may_edit_cause": permissions.on_duty_for(user, case) or permissions.can_triage(user),
            "cause_form": cause_form or forms.CauseAnalysisForm(initial={"cause_analysis": case.cause_analysis}),
            "may_escalate": may_escalate,
            "window_above": above,
            "escalate_form": escalate_form or forms.WindowEscalateForm(),
        },
        status=status,
    )


@login_required
@require_GET
def window_case_detail(request, number):
    """A window case's 原因分析 and its way up the levels; its timeline is on the case page."""
    case = selectors.window_case_get_for_user(user=request.user, number=number)
    return _detail(request, case)


@login_required
@require_POST
def window_case_cause(request, number):
    case = selectors.window_case_get_for_user(user=request.user, number=number)
    form = forms.CauseAnalysisForm(request.POST)
    if form.is_valid():
        try:
            services.window_case_update_cause(
                case=case, actor=request.user, cause_analysis=form.cleaned_data["cause_analysis"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("原因分析已更新。"))
            return redirect("windows:case_detail", number=number)
    messages.error(request, _("提交未成功，请按提示修改。"))
    return _detail(request, case, cause_form=form, status=400)


@login_required
@require_POST
def window_case_escalate(request, number):
    case = selectors.window_case_get_for_user(user=request.user, number=number)
    form = forms.WindowEscalateForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            escalation = services.window_case_escalate(
                case=case, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            status = 409 if is_conflict(error) else 400
            add_service_errors(form, error)
        else:
            messages.success(request, _("已上报“%(window)s”会商联办。") % {"window": escalation.to_window.name})
            return redirect("windows:case_detail", number=number)
    messages.error(
        request, _("上报未成功：%(reason)s") % {"reason": " ".join(form.non_field_errors()) or _("请按提示修改。")}
    )
    case = selectors.window_case_get_for_user(user=request.user, number=number)
    return _detail(request, case, escalate_form=form, status=status)
