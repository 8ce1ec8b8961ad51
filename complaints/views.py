"""Pages for cases: intake, the workbench, the case page with its actions, lookup
without an account, downloads. Thin: forms in, services and selectors called."""

from __future__ import annotations

import logging
import uuid

from django import forms as django_forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from complaints import forms, permissions, selectors, services, sla
from complaints.filters import CaseFilter
from complaints.models import Case, Channel
from portal import sms
from portal.api.errors import is_conflict
from portal.forms import add_service_errors
from portal.pagination import CappedCountPaginator
from portal.throttling import check_key, throttle_post, too_many_requests
from portal.uploads import protected_file_response
from portal.validators import normalize_mobile, validate_mobile

logger = logging.getLogger(__name__)


def _intake_form(request, **kwargs):
    user = request.user
    return forms.CaseIntakeForm(user=user, phone_verification=settings.APPEAL_PHONE_VERIFICATION, **kwargs)


def _check_phone_code(request, form) -> bool:
    """With phone verification on, the code texted to the appeal's number (portal.sms);
    a wrong or missing one is shown on the code field."""
    data = form.cleaned_data
    if not sms.phone_verification_required(user=request.user, phone=data["complainant_phone"]):
        return True
    try:
        sms.phone_code_check(phone=data["complainant_phone"], code=data.get("phone_code", ""))
    except ValidationError as error:
        form.add_error("phone_code" if "phone_code" in form.fields else None, error)
        return False
    return True


@require_http_methods(["GET", "POST"])
@throttle_post("appeal")
def case_new(request):
    """The web intake form. Posting the same form twice files one case."""
    user = request.user
    if request.method == "POST":
        form = _intake_form(request, data=request.POST, files=request.FILES)
        if form.caught_in_honeypot:
            logger.warning("Appeal form: honeypot filled, nothing stored")
            messages.success(request, _("诉求已提交。"))
            return redirect("home")
        if form.is_valid() and _check_phone_code(request, form):
            data = form.cleaned_data
            try:
                case = services.case_file(
                    actor=user if user.is_authenticated else None,
                    channel=Channel.WEB,
                    title=data["title"],
                    description=data["description"],
                    category=data["category"],
                    enterprise=data.get("enterprise"),
                    complainant_name=data["complainant_name"],
                    complainant_phone=data["complainant_phone"],
                    complainant_email=data["complainant_email"],
                    is_confidential=data["is_confidential"],
                    on_behalf_of_organisation=data["on_behalf_of_organisation"],
                    idempotency_key=data["idempotency_key"] or None,
                    attachments=data["attachments"],
                    privacy_consent=data["privacy_consent"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                request.session.setdefault("filed_cases", {})[case.number] = case.lookup_code
                request.session.modified = True
                return redirect("complaints:case_submitted", number=case.number)
        if request.FILES:
            messages.warning(request, _("表单有误，出于安全原因已选择的附件未保留，请修改后重新选择附件。"))
    else:
        initial = {"idempotency_key": uuid.uuid4().hex}
        if user.is_authenticated:
            initial.update(complainant_name=user.full_name, complainant_phone=user.mobile, complainant_email=user.email)
        form = _intake_form(request, initial=initial)
    return render(request, "complaints/case_form.html", {"form": form})


@require_POST
@throttle_post("phone_code")
def case_phone_code(request):
    """获取验证码: texts a code to the phone number typed in the appeal form, then shows
    the form again with what was typed (files must be chosen again). Counted per address
    (the decorator) and per number. Without phone verification there is nothing to send."""
    if not settings.APPEAL_PHONE_VERIFICATION:
        raise Http404
    form = _intake_form(request, data=request.POST)
    phone = normalize_mobile(request.POST.get("complainant_phone", ""))
    initial = {name: request.POST.get(name) for name in form.fields if name in request.POST}
    for name in ("is_confidential", "privacy_consent"):
        initial[name] = name in request.POST
    initial.pop("phone_code", None)
    page = _intake_form(request, initial=initial)
    if form.caught_in_honeypot:
        logger.warning("Appeal form: honeypot filled on the code step, nothing sent")
        messages.success(request, _("验证码已发送，5分钟内有效。"))
        return render(request, "complaints/case_form.html", {"form": page})
    try:
        validate_mobile(phone)
    except ValidationError:
        messages.error(request, _("请先填写有效的11位手机号码，再获取验证码。"))
        return render(request, "complaints/case_form.html", {"form": page}, status=400)
    wait = check_key("phone_code_phone", phone)
    if wait is not None:
        return too_many_requests(request, wait)
    try:
        sms.phone_code_send(phone=phone)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("验证码已发送至尾号%(last4)s的手机，5分钟内有效。") % {"last4": phone[-4:]})
    return render(request, "complaints/case_form.html", {"form": page})


@require_GET
def case_submitted(request, number):
    code = request.session.get("filed_cases", {}).get(number)
    if code is None:
        raise Http404
    # What happens next: by when it will be assigned (交办), on the working-day clock.
    case = selectors.case_get_by_lookup(number=number, lookup_code=code)
    return render(request, "complaints/case_submitted.html", {"number": number, "lookup_code": code, "case": case})


@require_http_methods(["GET", "POST"])
@throttle_post("lookup")
def case_lookup(request):
    """Follow a case with its number and lookup code, without an account. The code is
    posted, never put in the address (where logs, history and referrers would keep it);
    a link may carry the number alone."""
    if request.method == "POST":
        form = forms.LookupForm(request.POST)
    else:
        form = forms.LookupForm(initial={"number": request.GET.get("number", "")[:20]})
    case = events = None
    if form.is_valid():
        try:
            if form.caught_in_honeypot:
                raise Http404  # answered as a miss; nothing is read
            case = selectors.case_get_by_lookup(**form.cleaned_data)
        except Http404:
            form.add_error(None, _("未找到该诉求，请核对诉求编号和查询码。"))
        else:
            events = case.events.filter(is_public=True).order_by("created_at", "id")
    return render(request, "complaints/case_lookup.html", {"form": form, "case": case, "events": events})


@login_required
@require_GET
def case_list(request):
    """The workbench: a handler's department cases by deadline; everyone else their visible cases."""
    # The page number is not a filter: paging keeps the same list and order.
    filters = request.GET.copy()
    filters.pop("page", None)
    # The filter here draws the form and checks it; the rows come from the selector. Built
    # when used: the everyday list has no filters to check and its form is kept drawn.
    case_filter = SimpleLazyObject(lambda: CaseFilter(filters or None, queryset=Case.objects.none()))
    cases = selectors.workbench(user=request.user, filters=filters or None)
    if filters and not case_filter.is_valid():
        cases = cases.none()
    # A department's open cases reach tens of thousands: an exact count cost 1.4 s (bench B3).
    page = CappedCountPaginator(cases, 30).get_page(request.GET.get("page"))
    sla.with_clock_text(page.object_list)
    _with_row_texts(page.object_list)
    return render(
        request,
        "complaints/case_list.html",
        {
            "page": page,
            "filter": case_filter,
            "can_export": request.user.has_perm("complaints.export_cases"),
            "can_triage": permissions.can_triage(request.user),
            "query": _without_page(request.GET),
            "chief_tabs": _chief_tabs(request),
        },
    )


def _with_row_texts(cases) -> None:
    """Sets what a workbench row shows of the case's status, stage and deadline, worked
    out once here: ``get_FOO_display`` rebuilds the field's choices on every call and
    ``|date`` goes through the locale's formats for each value, 3 ms of a 30-row page
    (bench B3)."""
    statuses = dict(Case._meta.get_field("status").flatchoices)
    stages = dict(Case._meta.get_field("stage").flatchoices)
    for case in cases:
        case.status_label = statuses.get(case.status, case.status)
        case.stage_label = stages.get(case.stage, case.stage) if case.stage else ""
        case.due_text = timezone.localtime(case.stage_due_at).strftime("%Y-%m-%d %H:%M") if case.stage_due_at else ""


def _chief_tabs(request) -> list[tuple[str, str, bool]] | None:
    """A chief officer's tabs over the workbench: all (assigned to them first, then their
    region's), 指派给我, 本区域 and 需长期推进; (label, query, active)."""
    user = request.user
    if not permissions.is_chief_officer(user):
        return None
    tabs = [
        (_("全部（指派给我的在前）"), ""),
        (_("指派给我"), f"chief_officer={user.pk}&open=true"),
    ]
    if user.region_id:
        tabs.append((_("本区域"), f"region={user.region.code}&open=true"))
    tabs.append((_("需长期推进"), "long_term=true"))
    current = _without_page(request.GET)
    return [(label, query, query == current) for label, query in tabs]


def _officials_list(request, cases, template: str, **context):
    """A follow-up list for those who record return visits and 回头看 (officials)."""
    if not permissions.can_triage(request.user):
        raise PermissionDenied
    page = CappedCountPaginator(cases, 30).get_page(request.GET.get("page"))
    return render(request, template, {"page": page, "query": "", **context})


@login_required
@require_GET
def return_visit_list(request):
    """待回访: resolved and closed cases whose current round has had no return visit."""
    return _officials_list(
        request, selectors.awaiting_return_visit(user=request.user), "complaints/return_visit_list.html"
    )


@login_required
@require_GET
def recheck_list(request):
    """回头看: cases closed long enough ago to check that the fix has held."""
    return _officials_list(
        request,
        selectors.awaiting_recheck(user=request.user),
        "complaints/recheck_list.html",
        recheck_months=settings.CASE_RECHECK_MONTHS,
    )


def _without_page(params) -> str:
    params = params.copy()
    params.pop("page", None)
    return params.urlencode()


def _empty_form(action: str, case):
    """The unbound form of an action card on the case page."""
    if action == "measures":
        return forms.TaskFormSet(prefix="tasks", initial=[{"department": case.lead_department_id}])
    if action == "split":
        # Part 1 is the case as filed; the official cuts it down and adds the others.
        return forms.SplitFormSet(
            prefix="parts",
            initial=[
                {"title": case.title, "description": case.description, "category": case.category_id},
                {"category": case.category_id},
            ],
        )
    if action == "resolve":
        return forms.ResolveForm(open_tasks=case.open_tasks)
    if action == "classify":
        return forms.ClassifyForm(initial={"problem_class": case.problem_class_id}, category=case.category_id)
    if action == "assign":
        # A case that will need a chief officer: the one bound to its region, suggested.
        suggested = [] if case.chief_officer_id else selectors.chief_officers_for_region(case.region)
        return forms.AssignForm(suggested_chiefs=suggested)
    return ACTIONS[action][0]()


# Actions drawn elsewhere than in a card: the comment box under the timeline, and
# 销号 on each open task's row.
INLINE_ACTIONS = {"comment", "task_done"}


def _detail_context(request, case, **bound_forms):
    user = request.user
    sla.with_clock_text([case])
    available = permissions.case_actions(user, case)
    # Cards in the order of CASE_ACTIONS, the order a case moves through them.
    actions = {
        action: _empty_form(action, case)
        for action in permissions.CASE_ACTIONS
        if action in available and action not in INLINE_ACTIONS
    }
    # A posted form comes back with what was typed and why it failed, even when the
    # case has moved on meanwhile (the error names its state).
    actions.update({action: form for action, form in bound_forms.items() if action not in INLINE_ACTIONS})
    # Several cards ask for a 原因 or 说明: ids carry the action so each label names its own field.
    for action, form in actions.items():
        if isinstance(form, django_forms.BaseForm):
            form.auto_id = f"id_{action}_%s"
    staff_side = permissions.is_staff_side(user, case)
    tasks = selectors.case_tasks(case=case)
    return {
        "case": case,
        "events": selectors.case_timeline(user=user, case=case),
        "tasks": tasks,
        "overdue_tasks": sum(task.is_overdue for task in tasks),
        "ratings": case.ratings.all(),
        "attachments": case.attachments.all(),
        "actions": actions,
        "comment_form": bound_forms.get("comment", forms.CommentForm()),
        # A 亲商管家 reads their firms' cases without acting on them: no comment box (403 if posted).
        "can_comment": "comment" in available,
        "can_sign_off": "task_done" in available,
        "task_done_form": bound_forms.get("task_done"),
        "staff_side": staff_side,
        # Return visits and 回头看 are the office's records, for the staff side.
        **(selectors.case_follow_ups(case=case) if staff_side else {"return_visits": [], "recheck": None}),
        "links": selectors.case_links(user=user, case=case),
        # The 需长期推进 request awaiting a chief officer, for the staff side.
        "long_term_request": selectors.long_term_request_pending(case=case) if staff_side else None,
        "similar": selectors.similar_open_cases(case=case, user=user) if permissions.can_triage(user) else [],
    }


@login_required
@require_GET
def case_detail(request, number):
    case = selectors.case_get_for_user(user=request.user, number=number)
    return render(request, "complaints/case_detail.html", _detail_context(request, case))


# action name -> (form class, how to call the service with the cleaned data)
ACTIONS = {
    "accept": (forms.AcceptForm, lambda case, user, data: services.case_accept(case=case, actor=user, **data)),
    "reject": (forms.RejectForm, lambda case, user, data: services.case_reject(case=case, actor=user, **data)),
    "assign": (forms.AssignForm, lambda case, user, data: services.case_assign(case=case, actor=user, **data)),
    "feedback": (
        forms.FeedbackForm,
        lambda case, user, data: services.case_give_feedback(case=case, actor=user, **data),
    ),
    "resolve": (forms.ResolveForm, lambda case, user, data: services.case_resolve(case=case, actor=user, **data)),
    "rate": (forms.RateForm, lambda case, user, data: services.case_rate(case=case, actor=user, **data)),
    "visit": (forms.ReturnVisitForm, lambda case, user, data: services.case_rate(case=case, actor=user, **data)),
    "suspend": (forms.SuspendForm, lambda case, user, data: services.case_suspend(case=case, actor=user, **data)),
    "resume": (forms.ResumeForm, lambda case, user, data: services.case_resume(case=case, actor=user, **data)),
    "escalate": (forms.EscalateForm, lambda case, user, data: services.case_escalate(case=case, actor=user, **data)),
    "comment": (forms.CommentForm, lambda case, user, data: services.case_comment(case=case, actor=user, **data)),
    "classify": (forms.ClassifyForm, lambda case, user, data: services.case_classify(case=case, actor=user, **data)),
    "return_visit": (
        forms.ReturnVisitRecordForm,
        lambda case, user, data: services.case_return_visit(case=case, actor=user, **data),
    ),
    "recheck": (forms.RecheckForm, lambda case, user, data: services.case_recheck(case=case, actor=user, **data)),
    "long_term": (
        forms.LongTermRequestForm,
        lambda case, user, data: services.case_long_term_request(case=case, actor=user, **data),
    ),
    "long_term_decide": (
        forms.LongTermDecideForm,
        lambda case, user, data: services.case_long_term_decide(case=case, actor=user, **data),
    ),
    "long_term_extend": (
        forms.LongTermExtendForm,
        lambda case, user, data: services.case_long_term_extend(case=case, actor=user, **data),
    ),
    "long_term_end": (
        forms.LongTermEndForm,
        lambda case, user, data: services.case_long_term_end(case=case, actor=user, **data),
    ),
}
DONE_MESSAGES = {
    "accept": gettext_lazy("已受理。"),
    "reject": gettext_lazy("已作不予受理处理并答复诉求人。"),
    "assign": gettext_lazy("已交办。"),
    "measures": gettext_lazy("已明确办理措施。"),
    "feedback": gettext_lazy("已反馈企业。"),
    "resolve": gettext_lazy("已办结，等待企业评价。"),
    "rate": gettext_lazy("感谢您的评价。"),
    "visit": gettext_lazy("回访结果已记录。"),
    "suspend": gettext_lazy("已暂停计时。"),
    "resume": gettext_lazy("已恢复计时。"),
    "escalate": gettext_lazy("已提级办理。"),
    "comment": gettext_lazy("备注已添加。"),
    "classify": gettext_lazy("已更新一类问题归类。"),
    "task_done": gettext_lazy("任务已销号。"),
    "return_visit": gettext_lazy("回访已记录。"),
    "recheck": gettext_lazy("回头看结果已记录。"),
    "long_term": gettext_lazy("已申请需长期推进，等待首席问题官审批。"),
    "long_term_decide": gettext_lazy("审批意见已记录。"),
    "long_term_extend": gettext_lazy("已更新下次评估日期。"),
    "long_term_end": gettext_lazy("已恢复常规办理。"),
}


@login_required
@require_POST
def case_action(request, number, action):
    """One transition of the case page. Bad input re-renders the page with what was typed."""
    case = selectors.case_get_for_user(user=request.user, number=number)
    if action not in permissions.CASE_ACTIONS:
        raise Http404
    # Told they may not (403) before being told how to fill in a form they cannot use.
    if not permissions.may_attempt(request.user, case, action):
        raise PermissionDenied
    done_message = DONE_MESSAGES.get(action)
    if action == "measures":
        form = forms.TaskFormSet(request.POST, prefix="tasks")
        note_form = forms.MeasuresForm(request.POST)
        valid = form.is_valid() and note_form.is_valid()

        def call():
            tasks = [row for row in form.cleaned_data if row and not row.get("DELETE")]
            return services.case_set_measures(
                case=case, actor=request.user, tasks=tasks, note=note_form.cleaned_data["note"]
            )

    elif action == "split":
        form = forms.SplitFormSet(request.POST, prefix="parts")
        valid = form.is_valid()

        def call():
            parts = [row for row in form.cleaned_data if row]
            return services.case_split(case=case, actor=request.user, parts=parts)

    elif action == "task_done":
        form = forms.TaskDoneForm(request.POST)
        valid = form.is_valid()
        if valid:
            task = selectors.case_task_get(case=case, task_id=form.cleaned_data["task"])

        def call():
            return services.case_task_complete(case=case, task=task, actor=request.user, note=form.cleaned_data["note"])

    elif action in ACTIONS:
        form_class, service = ACTIONS[action]
        form = form_class(request.POST)
        valid = form.is_valid()

        def call():
            return service(case, request.user, form.cleaned_data)

    else:
        raise Http404
    status = 400
    if valid:
        try:
            result = call()
        except PermissionDenied:
            raise
        except ValidationError as error:
            # Someone else moved the case on first: the page says so (in the message
            # the service gives) and answers 409, not "correct your input".
            status = 409 if is_conflict(error) else 400
            if action in ("measures", "split"):
                form._non_form_errors = form.error_class(error.messages)
            else:
                add_service_errors(form, error)
        else:
            if action == "split":
                done_message = _("已拆分，新登记诉求件：%(numbers)s。") % {
                    "numbers": "、".join(new_case.number for new_case in result)
                }
            messages.success(request, done_message)
            return redirect("complaints:case_detail", number=number)
    if status == 409:
        messages.error(request, _("提交未成功：该诉求件的状态已变化（可能已有他人处理），请查看最新状态。"))
    else:
        messages.error(request, _("提交未成功，请按提示修改。"))
    bound = {"comment": form} if action == "comment" else {action: form}
    return render(request, "complaints/case_detail.html", _detail_context(request, case, **bound), status=status)


@login_required
@require_GET
def attachment_download(request, number, attachment_id):
    """Serve an attachment to those who may see the case, as a download with our content type."""
    case = selectors.case_get_for_user(user=request.user, number=number)
    try:
        attachment = case.attachments.get(pk=attachment_id)
    except case.attachments.model.DoesNotExist:
        raise Http404 from None
    return protected_file_response(
        file=attachment.file, filename=attachment.original_name, content_type=attachment.content_type
    )
