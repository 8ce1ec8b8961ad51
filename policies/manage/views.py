"""本部门政策 and 待审核发布: the issuing department drafts, updates and submits its own
policies; the 营商办 publishes them or returns them with a reason; everyone who keeps a
policy reads its 修订记录. Thin: selectors for who sees what, services for every change.

Someone who keeps no policy is refused (403) before anything is looked up; another
department's policy answers 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from policies import services
from policies.manage import forms, selectors
from policies.models import Policy
from portal.forms import add_service_errors
from portal.models import Department

PER_PAGE = 20


def _require_keeper(user) -> None:
    if not selectors.may_keep_any(user):
        raise PermissionDenied


def _require_publisher(user) -> None:
    if not selectors.may_publish(user):
        raise PermissionDenied


def _error_text(error: ValidationError) -> str:
    return "；".join(str(message) for message in error.messages)


@login_required
@require_GET
def manage_list(request):
    """本部门政策: the department's policies in every state, with what needs looking at;
    the 营商办 see every department's (``?issuer=<id>``: one department's)."""
    _require_keeper(request.user)
    keeps_all = selectors.keeps_all(request.user)
    state = request.GET.get("state", "")
    if state not in Policy.State.values:
        state = ""
    issuer = None
    wanted = request.GET.get("issuer", "")
    if keeps_all and wanted.isdigit():
        issuer = Department.objects.filter(pk=int(wanted)).first()
    all_states = selectors.kept_policies(user=request.user, issuer_id=issuer.pk if issuer else None)
    counts = dict(all_states.order_by().values_list("state").annotate(count=Count("id")))
    policies = all_states.filter(state=state) if state else all_states
    page = Paginator(policies, PER_PAGE).get_page(request.GET.get("page"))
    today, closing_by = selectors.flag_dates()
    for policy in page.object_list:
        policy.flags = selectors.policy_flags(policy, today=today, closing_by=closing_by)
    base = {"issuer": issuer.pk} if issuer else {}
    tabs = [("", _("全部"), sum(counts.values()))] + [
        (value, label, counts.get(value, 0)) for value, label in Policy.State.choices
    ]
    return render(
        request,
        "policies/manage/list.html",
        {
            "page": page,
            "policies": page.object_list,
            "state": state,
            "tabs": [
                (value, label, count, urlencode({**base, **({"state": value} if value else {})}))
                for value, label, count in tabs
            ],
            "query": urlencode({**base, **({"state": state} if state else {})}),
            "keeps_all": keeps_all,
            "issuer": issuer,
            "department": None if keeps_all else request.user.department,
            "departments": Department.objects.order_by("name") if keeps_all else [],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def manage_new(request):
    """起草: a new draft of the user's department (the 营商办 choose the department)."""
    _require_keeper(request.user)
    fixed_issuer = None if selectors.keeps_all(request.user) else request.user.department
    form = forms.PolicyKeepForm(request.POST or None, fixed_issuer=fixed_issuer)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                policy = services.policy_create(
                    actor=request.user, data=form.service_data(), reason=form.cleaned_data["reason"]
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("草稿已保存。检查无误后请提交营商办审核发布。"))
                return redirect("policies:manage_edit", policy.pk)
    return render(
        request, "policies/manage/form.html", {"form": form, "policy": None, "issuer": fixed_issuer}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def manage_edit(request, pk):
    """A policy's manage page: the form, the steps open now (提交审核; for the 营商办 发布
    and 退回修改) and its 修订记录."""
    policy = selectors.kept_policy_get(user=request.user, pk=pk)
    fixed_issuer = None if selectors.keeps_all(request.user) else policy.issuer
    form = forms.PolicyKeepForm(request.POST or None, instance=policy, fixed_issuer=fixed_issuer)
    status = 200
    if request.method == "POST":
        status = 400
        if policy.state == Policy.State.EXPIRED:
            form.add_error(None, _("已过期的政策不能再修改；新一年度的政策请另行起草。"))
        elif form.is_valid():
            try:
                revision = services.policy_update(
                    policy=policy, actor=request.user, data=form.service_data(), reason=form.cleaned_data["reason"]
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                if revision is None:
                    messages.info(request, _("没有修改，未保存。"))
                elif policy.state == Policy.State.PUBLISHED:
                    messages.success(
                        request,
                        _("已保存为第%(version)d版并立即生效，营商办会收到修改通知。") % {"version": revision.version},
                    )
                else:
                    messages.success(request, _("已保存。"))
                return redirect("policies:manage_edit", pk)
        # Reload the stored policy for the page's header and steps: the form changed its instance.
        policy = selectors.kept_policy_get(user=request.user, pk=pk)
    return render(request, "policies/manage/form.html", _manage_context(request, policy, form), status=status)


def _manage_context(request, policy, form) -> dict:
    return {
        "form": form,
        "policy": policy,
        "issuer": policy.issuer,
        "revisions": selectors.with_labels(selectors.revisions(policy=policy)),
        "can_submit": policy.state in (Policy.State.DRAFT, Policy.State.WITHDRAWN),
        "can_publish": selectors.may_publish(request.user)
        and policy.state in (Policy.State.DRAFT, Policy.State.IN_REVIEW, Policy.State.WITHDRAWN),
        "can_return": selectors.may_publish(request.user) and policy.state == Policy.State.IN_REVIEW,
        "editable": policy.state != Policy.State.EXPIRED,
    }


@login_required
@require_POST
def manage_submit(request, pk):
    """提交审核: the department sends its draft to the 营商办."""
    policy = selectors.kept_policy_get(user=request.user, pk=pk)
    try:
        services.policy_submit(policy=policy, actor=request.user, reason=request.POST.get("reason", ""))
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("已提交营商办审核发布。"))
    return redirect("policies:manage_edit", pk)


@login_required
@require_GET
def revisions(request, pk):
    """修订记录: every step of the policy's life, who by name and unit, when, why, which fields."""
    policy = selectors.kept_policy_get(user=request.user, pk=pk)
    return render(
        request,
        "policies/manage/revisions.html",
        {"policy": policy, "revisions": selectors.with_labels(selectors.revisions(policy=policy))},
    )


@login_required
@require_GET
def review_queue(request):
    """待审核发布: what the departments submitted, oldest first, for the 营商办 to publish
    or return with a reason."""
    _require_publisher(request.user)
    page = Paginator(selectors.review_queue(), PER_PAGE).get_page(request.GET.get("page"))
    people = selectors.people_by_id(policy.submitted_by_id for policy in page.object_list)
    for policy in page.object_list:
        policy.submitted_by = people.get(policy.submitted_by_id)
    return render(
        request,
        "policies/manage/review_queue.html",
        {"page": page, "policies": page.object_list, "query": ""},
    )


def _back(request, default: str):
    wanted = request.POST.get("next", "")
    if wanted and url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}):
        return redirect(wanted)
    return redirect(default)


@login_required
@require_POST
def manage_publish(request, pk):
    """发布: the 营商办 publish a submitted (or their own draft, or a withdrawn) policy."""
    _require_publisher(request.user)
    policy = selectors.kept_policy_get(user=request.user, pk=pk)
    try:
        services.policy_publish(policy=policy, actor=request.user, reason=request.POST.get("reason", ""))
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("“%(policy)s”已发布，正在推送给符合条件的企业。") % {"policy": policy})
    return _back(request, "policies:review_queue")


@login_required
@require_http_methods(["GET", "POST"])
def manage_return(request, pk):
    """退回修改: back to the department's draft, with the reason it is told."""
    _require_publisher(request.user)
    policy = selectors.kept_policy_get(user=request.user, pk=pk)
    form = forms.ReturnForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.policy_return(policy=policy, actor=request.user, reason=form.cleaned_data["reason"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("已退回发布部门修改。"))
                return _back(request, "policies:review_queue")
    return render(request, "policies/manage/return.html", {"policy": policy, "form": form}, status=status)
