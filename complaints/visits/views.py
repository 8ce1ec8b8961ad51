"""The 亲商管家's pages: the workspace (我联系的企业), the 走访 log, a visit with its
problems, and turning a problem into a case. Thin: forms in, services and selectors
called."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from complaints.visits import forms, selectors, services
from complaints.visits.filters import VisitFilter
from portal.forms import add_service_errors

ENTERPRISES_PER_PAGE = 20
VISITS_PER_PAGE = 30


def _require_steward(user) -> None:
    if not selectors.is_steward(user):
        raise PermissionDenied


@login_required
@require_GET
def workspace(request):
    """我联系的企业: the 管家's enterprises, 20 a page, each with its open cases and their
    flags, matched policies not applied for, applications in progress and the last
    visit; the figures at the top. A constant number of queries whatever the page holds."""
    _require_steward(request.user)
    search = request.GET.get("q", "").strip()[:100]
    page = Paginator(selectors.steward_enterprises(user=request.user, search=search), ENTERPRISES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "complaints/visits/workspace.html",
        {
            "page": page,
            "rows": selectors.workspace_rows(enterprises=list(page.object_list)),
            "summary": selectors.workspace_summary(user=request.user),
            "search": search,
            "query": f"q={search}" if search else "",
        },
    )


def _may_read_log(user) -> bool:
    """The log's readers: 管家, officials, and enterprise users (visits to their own)."""
    from portal import roles

    return selectors.is_steward(user) or selectors.can_view_all(user) or roles.has_role(user, roles.ENTERPRISE_USER)


@login_required
@require_GET
def visit_list(request):
    """走访记录: the 管家's own visits (officials: everyone's; an enterprise: those to it),
    filtered by enterprise and date range."""
    if not _may_read_log(request.user):
        raise PermissionDenied
    filters = request.GET.copy()
    filters.pop("page", None)
    visit_filter = VisitFilter(filters or None, queryset=selectors.visit_list(user=request.user), user=request.user)
    visits = visit_filter.qs
    if visit_filter.is_bound and not visit_filter.is_valid():
        visits = visits.none()
    page = Paginator(visits, VISITS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "complaints/visits/list.html",
        {
            "page": page,
            "filter": visit_filter,
            "can_record": selectors.is_steward(request.user),
            "query": filters.urlencode(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def visit_new(request):
    """Record a visit to one of the 管家's enterprises with the problems found. Bad input
    comes back with what was typed."""
    _require_steward(request.user)
    if request.method == "POST":
        form = forms.VisitForm(request.POST, steward=request.user)
        problems = forms.ProblemFormSet(request.POST, prefix="problems")
        if form.is_valid() and problems.is_valid():
            data = form.cleaned_data
            try:
                visit = services.visit_record(
                    steward=request.user,
                    enterprise=data["enterprise"],
                    visited_on=data["visited_on"],
                    people_met=data["people_met"],
                    discussed=data["discussed"],
                    problems=[row.get("description", "") for row in problems.cleaned_data],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("走访记录已保存。"))
                return redirect("visits:detail", pk=visit.pk)
        messages.error(request, _("提交未成功，请按提示修改。"))
        status = 400
    else:
        initial = {}
        if request.GET.get("enterprise", "").isdigit():
            initial["enterprise"] = int(request.GET["enterprise"])
        form = forms.VisitForm(initial=initial, steward=request.user)
        problems = forms.ProblemFormSet(prefix="problems")
        status = 200
    return render(request, "complaints/visits/form.html", {"form": form, "problems": problems}, status=status)


@login_required
@require_GET
def visit_detail(request, pk):
    visit = selectors.visit_get_for_user(user=request.user, pk=pk)
    may_convert = selectors.may_convert(request.user, visit)
    # One small form per problem not yet converted, each with ids of its own on the page.
    problems = [
        (
            problem,
            forms.ToCaseForm(auto_id=f"id_problem{problem.pk}_%s") if may_convert and not problem.case_id else None,
        )
        for problem in visit.problems.all()
    ]
    return render(
        request,
        "complaints/visits/detail.html",
        {"visit": visit, "problems": problems, "sees_notes": selectors.sees_notes(request.user, visit)},
    )


@login_required
@require_POST
def problem_to_case(request, pk, problem_id):
    """转为诉求件: one action; a problem already converted is refused with its case's number."""
    visit = selectors.visit_get_for_user(user=request.user, pk=pk)
    problem = selectors.visit_problem_get(visit=visit, problem_id=problem_id)
    if not selectors.may_convert(request.user, visit):
        raise PermissionDenied
    form = forms.ToCaseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请检查所选的问题分类。"))
        return redirect("visits:detail", pk=pk)
    try:
        case = services.visit_problem_to_case(problem=problem, actor=request.user, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("visits:detail", pk=pk)
    messages.success(request, _("已转为诉求件 %(number)s，已受理。") % {"number": case.number})
    return redirect("visits:detail", pk=pk)
