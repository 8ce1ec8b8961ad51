"""Pages of the monthly 三色图 and of 督办: the staff grid, a 督办 with its 整改 answer and
evaluation, and the public 公示 list."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from policies.supervision import forms, selectors, services
from portal import roles
from portal.forms import add_service_errors
from portal.replica import reports_from_replica


def _require_supervisor(user) -> None:
    if not (roles.is_official(user) and user.has_perm("policies.supervise_units")):
        raise PermissionDenied


@login_required
@require_GET
@reports_from_replica
def colour_map(request):
    """三色图 of a month (the newest by default): regions and departments in their
    colours, the change from the month before, and the figures behind each colour."""
    _require_supervisor(request.user)
    months = selectors.snapshot_months()
    month = selectors.parse_month(request.GET.get("month")) or (months[0] if months else None)
    grid = selectors.colour_map(month=month) if month else None
    return render(
        request,
        "policies/supervision/colour_map.html",
        {"grid": grid, "months": months, "month": month, "thresholds": services.thresholds()},
    )


@login_required
@require_GET
def notice_list(request):
    """The 督办 the user supervises (officials) or must answer (respondents)."""
    notices = selectors.notices_for_user(user=request.user)
    page = Paginator(notices, 30).get_page(request.GET.get("page"))
    return render(request, "policies/supervision/notice_list.html", {"page": page, "public": False})


@login_required
@require_http_methods(["GET", "POST"])
def notice(request, pk):
    notice = selectors.notice_for_user(user=request.user, pk=pk)
    if notice is None:
        raise Http404
    can_answer = request.user in notice.respondents.all() and not notice.verdict
    can_evaluate = request.user.has_perm("policies.supervise_units") and bool(notice.answer)
    answer_form = forms.AnswerForm(initial={"answer": notice.answer})
    evaluate_form = forms.EvaluateForm(initial={"verdict": notice.verdict or None, "evaluation": notice.evaluation})
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "answer" and can_answer:
                answer_form = forms.AnswerForm(request.POST)
                if answer_form.is_valid():
                    services.notice_answer(notice=notice, actor=request.user, **answer_form.cleaned_data)
                    messages.success(request, _("整改情况已提交。"))
                    return redirect("policy_supervision:notice", notice.pk)
            elif action == "evaluate" and can_evaluate:
                evaluate_form = forms.EvaluateForm(request.POST)
                if evaluate_form.is_valid():
                    services.notice_evaluate(notice=notice, actor=request.user, **evaluate_form.cleaned_data)
                    messages.success(request, _("评价已保存。"))
                    return redirect("policy_supervision:notice", notice.pk)
            else:
                raise PermissionDenied
        except ValidationError as error:
            add_service_errors(answer_form if action == "answer" else evaluate_form, error)
        status = 400
    return render(
        request,
        "policies/supervision/notice.html",
        {
            "notice": notice,
            "can_answer": can_answer,
            "can_evaluate": can_evaluate,
            "answer_form": answer_form,
            "evaluate_form": evaluate_form,
        },
        status=status,
    )


@require_GET
def public_notices(request):
    """公示: published 督办 and their 整改 results; no sign-in needed."""
    page = Paginator(selectors.published_notices(), 30).get_page(request.GET.get("page"))
    return render(request, "policies/supervision/notice_list.html", {"page": page, "public": True})
