"""一企一策 pages: staff prepare a dated report for an enterprise (preview, write the
recommendations, save); the enterprise's members, its 管家 and officials list and read
the saved reports, print them and download them as .xlsx. Thin: selectors and the
service called."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from policies.applications.selectors import may_prepare_at_all, preparable_enterprise_get
from policies.matching import ELIGIBLE
from policies.plans import export, forms, selectors, services
from portal.excel import workbook_response
from portal.forms import add_service_errors

PER_PAGE = 30


@login_required
@require_http_methods(["GET", "POST"])
def plan_new(request, enterprise_id):
    """The report as it stands today (preview) and the preparer's recommendations;
    saving keeps it as a dated record. 404 for another 管家's enterprise."""
    enterprise = preparable_enterprise_get(user=request.user, pk=enterprise_id)
    form = forms.PlanForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                plan = services.plan_create(
                    enterprise=enterprise, actor=request.user, recommendations=form.cleaned_data["recommendations"]
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("一企一策报告已保存，企业可以查看。"))
                return redirect("policies:plan_detail", plan.pk)
    items = selectors.report_items(enterprise)
    return render(
        request,
        "policies/plans/new.html",
        {
            "enterprise": enterprise,
            "form": form,
            "eligible": items.eligible,
            "almost": items.almost,
            "total": items.total,
            "ELIGIBLE": ELIGIBLE,
        },
        status=status,
    )


@login_required
@require_GET
def plan_list(request):
    """The saved reports the user may read (``?enterprise=<id>``: one enterprise's)."""
    from portal.selectors import enterprise_get_for_user

    wanted = request.GET.get("enterprise", "")
    enterprise = enterprise_get_for_user(user=request.user, pk=int(wanted)) if wanted.isdigit() else None
    plans = selectors.plan_list(user=request.user, enterprise=enterprise)
    page = Paginator(plans, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "policies/plans/list.html",
        {
            "page": page,
            "plans": page.object_list,
            "enterprise": enterprise,
            "query": f"enterprise={enterprise.pk}" if enterprise else "",
            "can_prepare": enterprise is not None and may_prepare_at_all(request.user),
        },
    )


@login_required
@require_GET
def plan_detail(request, pk):
    plan = selectors.plan_get_for_user(user=request.user, pk=pk)
    eligible, almost = selectors.plan_sections(plan)
    return render(request, "policies/plans/detail.html", {"plan": plan, "eligible": eligible, "almost": almost})


@login_required
@require_GET
def plan_export(request, pk):
    plan = selectors.plan_get_for_user(user=request.user, pk=pk)
    return workbook_response(export.plan_workbook(plan), export.plan_filename(plan))
