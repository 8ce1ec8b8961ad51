"""Application pages: apply, the application page for the enterprise (declare, upload,
submit, rate) and for reviewers (review, return, approve, reject, payout), the
enterprise's list, the reviewers' workbench, 免申即享 grants and supervision.
Thin: forms in, services and selectors called."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from policies.applications import forms, selectors, services
from policies.models import Application, ApplicationFile, ApplicationRating, JointOpinion, Policy, ProjectType
from portal import roles
from portal.forms import add_service_errors
from portal.replica import reports_from_replica
from portal.uploads import protected_file_response

PER_PAGE = 30


# --- Apply --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def start(request, policy_id):
    """申报: open (or find) the enterprise's application and go to it."""
    policy = get_object_or_404(Policy, pk=policy_id)
    policy_url = reverse("policies:detail", args=[policy.pk])
    enterprises = selectors.represented(request.user)
    message = selectors.window_message(policy)
    if message:
        messages.error(request, message)
        return redirect(policy_url)
    data = request.POST if request.method == "POST" else None
    initial = {"enterprise": request.GET.get("enterprise")}
    if data is None and request.GET.get("enterprise"):
        data = {"enterprise": request.GET["enterprise"]}
    if data is None and len(list(enterprises[:2])) == 1:
        data = {"enterprise": enterprises[0].pk}
    form = forms.StartForm(data, enterprises=enterprises, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            application = services.application_start(
                policy=policy, enterprise=form.cleaned_data["enterprise"], actor=request.user
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(policy_url)
        return redirect("policy_applications:detail", application.pk)
    if not enterprises.exists():
        messages.error(request, _("请先在个人中心绑定您所代表的企业，再申报政策。"))
        return redirect(policy_url)
    status = 400 if request.method == "POST" else 200
    return render(request, "policies/applications/start.html", {"policy": policy, "form": form}, status=status)


# --- The application page -----------------------------------------------------------


def _declare_form(data=None, *, is_member: bool, **kwargs) -> forms.DeclareForm:
    """The declaration form; staff filling it in for the enterprise (帮办代办) get no
    confirmation box: the 信用承诺 is the enterprise's, or its mandate's."""
    form = forms.DeclareForm(data, **kwargs)
    if not is_member:
        del form.fields["confirmed"]
    return form


def _detail_context(request, application, is_member, is_reviewer, **bound) -> dict:
    materials = list(application.policy.materials.all())
    files = list(application.files.all())
    by_material: dict = {}
    for item in files:
        by_material.setdefault(item.material_id, []).append(item)
    for material in materials:
        material.uploaded = by_material.get(material.pk, [])
    rating = ApplicationRating.objects.filter(application=application).first()
    is_preparer = bound.pop("is_preparer", False) and not is_member
    is_joint = bound.pop("is_joint", False)
    editable = (is_member or is_preparer) and application.is_editable
    context = {
        "application": application,
        "policy": application.policy,
        "is_member": is_member,
        "is_reviewer": is_reviewer,
        "is_preparer": is_preparer,
        "is_joint": is_joint,
        "prepared_label": selectors.prepared_label(application),
        "materials": materials,
        "other_files": by_material.get(None, []),
        "editable": editable,
        "rating": rating,
        "window_message": selectors.window_message(application.policy) if editable else None,
        "events": selectors.application_timeline(application=application, internal=is_reviewer or is_joint),
        "statuses": Application.Status,
    }
    context.update(_joint_context(request, application, is_reviewer=is_reviewer, is_joint=is_joint, bound=bound))
    if is_preparer and editable:
        context["mandate"] = selectors.active_mandate(application.enterprise_id)
    if editable:
        context["declare_form"] = bound.get("declare_form") or _declare_form(
            is_member=is_member,
            initial={"note": (application.declared or {}).get("note", ""), "confirmed": application.confirmed},
        )
        if any(not material.zero_material for material in materials):
            context["upload_form"] = bound.get("upload_form") or forms.UploadForm(policy=application.policy)
    if is_member and application.is_concluded and rating is None:
        context["rating_form"] = bound.get("rating_form") or forms.RatingForm()
    if is_reviewer:
        context["can_start_review"] = application.status == Application.Status.SUBMITTED
        # While the departments give their opinions the issuer waits (联审中); a decision
        # posted meanwhile comes back on its form with the refusal.
        posted = any(key in bound for key in ("return_form", "approve_form", "reject_form"))
        if application.is_pending_review and (application.status != Application.Status.JOINT_REVIEW or posted):
            context["return_form"] = bound.get("return_form") or forms.ReturnForm()
            context["approve_form"] = bound.get("approve_form") or forms.ApproveForm(
                initial={"amount": application.estimated_amount}
            )
            context["reject_form"] = bound.get("reject_form") or forms.RejectForm()
        if application.status == Application.Status.APPROVED:
            context["payout_form"] = bound.get("payout_form") or forms.PayoutForm(
                initial={"amount": application.approved_amount}
            )
    return context


def _joint_context(request, application, *, is_reviewer: bool, is_joint: bool, bound: dict) -> dict:
    """The 联审 panel: for reviewers and joint departments every department's opinion on
    its clock, the request button and the answer forms the user may fill in; for the
    applicant's side only that the joint review runs and by when it should end."""
    policy = application.policy
    if policy.project_type != ProjectType.SELECTION and application.status != Application.Status.JOINT_REVIEW:
        return {}  # 资格定补: decided as before, no panel
    opinions = selectors.joint_opinions_of(application)
    context: dict = {"joint_expected": selectors.joint_expected_date(opinions)}
    if not (is_reviewer or is_joint):
        return context
    context["joint_panel"] = True
    context["joint_opinions"] = opinions
    context["joint_departments"] = list(policy.joint_review_departments.order_by("name"))
    context["can_request_joint"] = is_reviewer and not opinions and selectors.may_request_joint(application)
    if application.status == Application.Status.JOINT_REVIEW:
        posted = bound.get("joint_form")
        for opinion in opinions:
            if not opinion.opinion and selectors.can_answer_joint(request.user, opinion.department_id):
                if posted is not None and posted.department_id == opinion.department_id:
                    opinion.form = posted
                else:
                    opinion.form = forms.JointOpinionForm(department_id=opinion.department_id)
    return context


def _render_detail(request, application, is_member, is_reviewer, status=200, **bound):
    bound.setdefault("is_preparer", getattr(request, "is_preparer", False))
    bound.setdefault("is_joint", getattr(request, "is_joint", False))
    context = _detail_context(request, application, is_member, is_reviewer, **bound)
    return render(request, "policies/applications/detail.html", context, status=status)


def _fail(request, application, is_member, is_reviewer, key, form, error):
    """Show a service's refusal on the form that was posted, keeping what was typed."""
    add_service_errors(form, error)
    application.refresh_from_db()
    return _render_detail(request, application, is_member, is_reviewer, status=400, **{key: form})


@login_required
@require_http_methods(["GET", "POST"])
def detail(request, pk):
    access = selectors.application_access(request.user, pk)
    application, is_member, is_reviewer = access.application, access.is_member, access.is_reviewer
    # 帮办代办 and 联审: these capacities travel with the request to the page's renderings.
    request.is_preparer = access.is_preparer
    request.is_joint = access.is_joint
    if request.method == "GET":
        return _render_detail(request, application, is_member, is_reviewer)
    action = request.POST.get("action", "")
    handlers = MEMBER_ACTIONS if is_member else PREPARER_ACTIONS if access.is_preparer else {}
    if is_reviewer:
        handlers = {**handlers, **REVIEWER_ACTIONS}
    if access.is_internal:
        handlers = {**handlers, **JOINT_ACTIONS}
    handler = handlers.get(action)
    if handler is None:
        messages.error(request, _("无法执行该操作。"))
        return _render_detail(request, application, is_member, is_reviewer, status=400)
    try:
        return handler(request, application, is_member, is_reviewer)
    except PermissionDenied:
        raise Http404 from None


def _back(application, anchor=""):
    return redirect(reverse("policy_applications:detail", args=[application.pk]) + (f"#{anchor}" if anchor else ""))


def _declare(request, application, is_member, is_reviewer):
    form = _declare_form(request.POST, is_member=is_member)
    if not form.is_valid():
        return _render_detail(request, application, is_member, is_reviewer, status=400, declare_form=form)
    declared = {**(application.declared or {}), "note": form.cleaned_data["note"]}
    action = request.POST.get("action")
    try:
        if action in ("save", "send_to_confirm"):
            services.application_save_draft(application=application, actor=request.user, declared=declared)
            if action == "send_to_confirm":
                services.application_send_to_confirm(application=application, actor=request.user)
        else:
            services.application_submit(
                application=application,
                actor=request.user,
                declared=declared,
                confirmed=form.cleaned_data.get("confirmed", False),
            )
    except ValidationError as error:
        return _fail(request, application, is_member, is_reviewer, "declare_form", form, error)
    if action == "save":
        messages.success(request, _("已保存。"))
    elif action == "send_to_confirm":
        messages.success(request, _("已保存并通知企业核对、确认后提交。"))
    elif is_member:
        messages.success(
            request, _("申报已提交，部门将在%(days)s个工作日内审核。") % {"days": services.REVIEW_WORKING_DAYS}
        )
    else:
        messages.success(
            request,
            _("已依企业委托代为提交，部门将在%(days)s个工作日内审核。") % {"days": services.REVIEW_WORKING_DAYS},
        )
    return _back(application)


def _upload(request, application, is_member, is_reviewer):
    form = forms.UploadForm(request.POST, request.FILES, policy=application.policy)
    if not form.is_valid():
        return _render_detail(request, application, is_member, is_reviewer, status=400, upload_form=form)
    try:
        item = services.application_file_add(
            application=application,
            actor=request.user,
            material=form.cleaned_data["material"],
            upload=form.cleaned_data["file"],
            content_type=form.content_type,
        )
    except ValidationError as error:
        return _fail(request, application, is_member, is_reviewer, "upload_form", form, error)
    messages.success(request, _("已上传“%(name)s”。") % {"name": item.original_name})
    return _back(application, "materials")


def _remove_file(request, application, is_member, is_reviewer):
    file_id = request.POST.get("file", "")
    if not file_id.isdigit():
        raise Http404
    try:
        item = services.application_file_remove(application=application, actor=request.user, file_id=int(file_id))
    except ApplicationFile.DoesNotExist:
        raise Http404 from None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _back(application, "materials")
    messages.success(request, _("已删除“%(name)s”。") % {"name": item.original_name})
    return _back(application, "materials")


def _rate(request, application, is_member, is_reviewer):
    form = forms.RatingForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, application, is_member, is_reviewer, status=400, rating_form=form)
    try:
        services.application_rate(application=application, actor=request.user, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _back(application)
    messages.success(request, _("感谢您的评价。"))
    return _back(application)


def _start_review(request, application, is_member, is_reviewer):
    try:
        services.application_start_review(application=application, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        application.refresh_from_db()
        return _render_detail(request, application, is_member, is_reviewer, status=400)
    messages.success(request, _("已开始审核。"))
    return _back(application)


def _reviewer_form_action(form_class, key, call, done):
    def handle(request, application, is_member, is_reviewer):
        form = form_class(request.POST)
        if not form.is_valid():
            return _render_detail(request, application, is_member, is_reviewer, status=400, **{key: form})
        try:
            call(application=application, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            return _fail(request, application, is_member, is_reviewer, key, form, error)
        messages.success(request, done)
        return _back(application)

    return handle


def _joint_request(request, application, is_member, is_reviewer):
    try:
        services.joint_review_request(application=application, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _back(application, "joint")
    messages.success(request, _("已发起联审，已通知各联审部门。"))
    return _back(application, "joint")


def _joint_answer(request, application, is_member, is_reviewer):
    department = request.POST.get("department", "")
    if not department.isdigit():
        raise Http404
    opinion = get_object_or_404(JointOpinion, application=application, department_id=int(department))
    form = forms.JointOpinionForm(request.POST, department_id=opinion.department_id)
    if not form.is_valid():
        return _render_detail(request, application, is_member, is_reviewer, status=400, joint_form=form)
    try:
        services.joint_opinion_give(
            opinion=opinion,
            actor=request.user,
            verdict=form.cleaned_data["opinion"],
            comment=form.cleaned_data["comment"],
        )
    except ValidationError as error:
        if hasattr(error, "error_dict"):  # what was typed: shown on the form, kept
            return _fail(request, application, is_member, is_reviewer, "joint_form", form, error)
        # Answered already, or the review is over: the page as it now stands, and why.
        messages.error(request, " ".join(error.messages))
        application.refresh_from_db()
        return _render_detail(request, application, is_member, is_reviewer, status=400)
    messages.success(request, _("已回复联审意见。"))
    return _back(application, "joint")


# 联审: reviewers send the application to joint review; joint departments (and officials) answer.
JOINT_ACTIONS = {"joint_request": _joint_request, "joint_answer": _joint_answer}

MEMBER_ACTIONS = {
    "save": _declare,
    "submit": _declare,
    "upload": _upload,
    "remove_file": _remove_file,
    "rate": _rate,
}
# 帮办代办: staff fill in an application they prepared, hand it to the enterprise, or
# submit it under the enterprise's mandate (the service decides).
PREPARER_ACTIONS = {
    "save": _declare,
    "send_to_confirm": _declare,
    "submit": _declare,
    "upload": _upload,
    "remove_file": _remove_file,
}
REVIEWER_ACTIONS = {
    "start_review": _start_review,
    "return": _reviewer_form_action(
        forms.ReturnForm, "return_form", services.application_return, gettext_lazy("已退回企业补正。")
    ),
    "approve": _reviewer_form_action(
        forms.ApproveForm, "approve_form", services.application_approve, gettext_lazy("已核准。")
    ),
    "reject": _reviewer_form_action(
        forms.RejectForm, "reject_form", services.application_reject, gettext_lazy("已作出不予通过决定。")
    ),
    "payout": _reviewer_form_action(
        forms.PayoutForm, "payout_form", services.application_record_payout, gettext_lazy("已登记兑付。")
    ),
}


@login_required
@require_GET
def file_download(request, pk, file_pk):
    application = selectors.application_access(request.user, pk).application
    item = get_object_or_404(ApplicationFile, pk=file_pk, application=application)
    return protected_file_response(file=item.file, filename=item.original_name, content_type=item.content_type)


# --- Lists --------------------------------------------------------------------------


@login_required
@require_GET
def mine(request):
    page = Paginator(selectors.mine(request.user), PER_PAGE).get_page(request.GET.get("page"))
    for application in page.object_list:
        application.next_step = selectors.RATED if application.rated else selectors.NEXT_STEP[application.status]
        application.prepared_label = selectors.prepared_label(application)
        if application.is_prepared and application.status == Application.Status.DRAFT:
            application.next_step = selectors.PREPARED_NEXT_STEP
    return render(
        request,
        "policies/applications/mine.html",
        {
            "page": page,
            "applications": page.object_list,
            "has_enterprise": selectors.represented(request.user).exists(),
        },
    )


@login_required
@require_GET
def review_list(request):
    if selectors.reviewable_q(request.user) is None:
        raise PermissionDenied
    form = forms.ReviewFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    page = Paginator(selectors.review_queue(request.user, status=status), PER_PAGE).get_page(request.GET.get("page"))
    for application in page.object_list:
        application.flag_label = selectors.flag_label(application.flag)
    return render(
        request,
        "policies/applications/review_list.html",
        {
            "form": form,
            "page": page,
            "applications": page.object_list,
            "query": f"status={status}" if status else "",
        },
    )


@login_required
@require_GET
def joint_list(request):
    """待联审: the opinions the user's department is asked for (officials: every
    department's), pending first by due date, each with its clock; answered on the
    application's page."""
    if selectors.joint_q(request.user) is None:
        raise PermissionDenied
    form = forms.JointFilterForm(request.GET or None)
    show = (form.cleaned_data["show"] if form.is_valid() else "") or selectors.JOINT_PENDING
    page = Paginator(selectors.joint_queue(request.user, show=show), PER_PAGE).get_page(request.GET.get("page"))
    opinions = selectors.joint_clock(page.object_list)
    return render(
        request,
        "policies/applications/joint_list.html",
        {
            "form": form,
            "page": page,
            "opinions": opinions,
            "query": f"show={show}" if show != selectors.JOINT_PENDING else "",
        },
    )


# --- 免申即享 -----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def grants(request, policy_id):
    if not request.user.has_perm("policies.grant_policy"):
        raise PermissionDenied
    policy = get_object_or_404(Policy, pk=policy_id)
    status = 200
    if request.method == "POST":
        try:
            count = services.grants_confirm(policy=policy, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            status = 400
        else:
            messages.success(request, _("已为%(count)s家企业办理免申即享。") % {"count": count})
            return redirect("policy_applications:grants", policy.pk)
    preview = selectors.grants_preview(policy=policy)
    amounts = [amount for _enterprise, amount in preview if amount is not None]
    granted = selectors.granted_recently(policy=policy)
    return render(
        request,
        "policies/applications/grants.html",
        {
            "policy": policy,
            "preview": preview,
            "total": sum(amounts) if amounts else None,
            "granted": granted,
            "is_auto": policy.application_method == "auto",
        },
        status=status,
    )


# --- Supervision --------------------------------------------------------------------


@login_required
@require_GET
@reports_from_replica
def supervision(request):
    from policies import supervision as figures

    if not (request.user.has_perm("policies.review_application") and roles.is_official(request.user)):
        raise PermissionDenied
    report = figures.report()
    assisted = figures.assisted_report()
    return render(request, "policies/applications/supervision.html", {"report": report, "assisted": assisted})


# --- 帮办代办 and 委托代办 ------------------------------------------------------------------

PREPARE_PER_CLASS = 30


def _preparable_policies(enterprise, wanted: str) -> list[tuple[Policy, str]]:
    """The open policies (not 免申即享) staff may apply for on the enterprise's behalf:
    those it qualifies for, almost does or may once its profile is complete, labelled
    with the class — and the one the link named, whatever its class."""
    from django.utils import timezone

    from policies import matching

    matches = matching.enterprise_matches(enterprise=enterprise, per_class=PREPARE_PER_CLASS)
    choices = [
        (evaluation.policy, f"{evaluation.policy.title}（{evaluation.klass_label}）")
        for evaluation in matches.evaluations
        if evaluation.policy.application_method != "auto"
    ]
    if wanted.isdigit() and all(policy.pk != int(wanted) for policy, _label in choices):
        named = (
            Policy.objects.filter(Policy.open_q(timezone.localdate()), pk=int(wanted))
            .exclude(application_method="auto")
            .first()
        )
        if named is not None:
            choices.insert(0, (named, named.title))
    return choices


@login_required
@require_http_methods(["GET", "POST"])
def prepare(request, enterprise_id):
    """帮办代办: a 管家 of the enterprise or an official opens an application for it
    (404 for another 管家's enterprise) and goes on to fill it in on its page."""
    enterprise = selectors.preparable_enterprise_get(user=request.user, pk=enterprise_id)
    policies = _preparable_policies(enterprise, request.GET.get("policy", ""))
    form = forms.PrepareForm(request.POST or None, policies=policies, initial={"policy": request.GET.get("policy")})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            policy = next(policy for policy, _label in policies if policy.pk == form.cleaned_data["policy"])
            try:
                application = services.application_prepare(policy=policy, enterprise=enterprise, actor=request.user)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                if not application.just_opened:
                    messages.info(request, _("该企业本年度已有该政策的代办申报，请继续填报。"))
                return redirect("policy_applications:detail", application.pk)
    return render(
        request,
        "policies/applications/prepare.html",
        {"enterprise": enterprise, "form": form, "mandate": selectors.active_mandate(enterprise)},
        status=status,
    )


@login_required
@require_GET
def prepared_list(request):
    """帮办代办: the applications the user prepared, where each stands."""
    if not selectors.may_prepare_at_all(request.user):
        raise PermissionDenied
    page = Paginator(selectors.prepared_list(request.user), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "policies/applications/prepared_list.html", {"page": page, "applications": page.object_list})


@login_required
@require_http_methods(["GET", "POST"])
def mandate(request, enterprise_id):
    """委托代办: the enterprise's standing mandate — granted and revoked by its members,
    read by those who may see the enterprise (its 管家, officials)."""
    from portal.selectors import enterprise_get_for_user, is_approved_member

    enterprise = enterprise_get_for_user(user=request.user, pk=enterprise_id)
    is_member = is_approved_member(user=request.user, enterprise=enterprise)
    form = forms.MandateForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not is_member:
            raise PermissionDenied
        action = request.POST.get("action")
        try:
            if action == "grant":
                agreed = form.is_valid() and form.cleaned_data["agreed"]
                services.mandate_grant(enterprise=enterprise, actor=request.user, agreed=agreed)
                messages.success(request, _("已委托代办：亲商管家和营商办工作人员可代为提交贵企业的政策申报。"))
            elif action == "revoke":
                services.mandate_revoke(enterprise=enterprise, actor=request.user)
                messages.success(request, _("已撤销委托代办：此后代办的申报须由贵企业确认后提交。"))
            else:
                raise Http404
        except ValidationError as error:
            add_service_errors(form, error)
            status = 400
        else:
            return redirect("policy_applications:mandate", enterprise.pk)
    history = selectors.mandate_history(enterprise)
    active = next((item for item in history if item.is_active), None)
    return render(
        request,
        "policies/applications/mandate.html",
        {
            "enterprise": enterprise,
            "is_member": is_member,
            "active": active,
            "history": history,
            "form": form,
            "pledge": services.MANDATE_PLEDGE,
        },
        status=status,
    )
