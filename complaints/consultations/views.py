"""咨询 pages: the enterprise's 我的咨询 and its question form, the answerers' 咨询答复,
and one page per consultation with its actions (答复, 转为诉求件, 评价). Thin: forms in,
services and selectors called."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from complaints.consultations import forms, permissions, selectors, services
from complaints.consultations.filters import ConsultationFilter
from complaints.models import Consultation
from complaints.permissions import can_view_case
from portal.api.errors import is_conflict
from portal.forms import add_service_errors
from portal.pagination import CappedCountPaginator
from portal.selectors import member_enterprise_ids, stewards_of

PAGE_SIZE = 30


def _list_page(request, *, scope: str, template: str, **context):
    # The page number is not a filter: paging keeps the same list and order.
    filters = request.GET.copy()
    filters.pop("page", None)
    consultation_filter = ConsultationFilter(filters or None, queryset=Consultation.objects.none())
    consultations = selectors.consultation_list(user=request.user, scope=scope, filters=filters or None)
    if filters and not consultation_filter.is_valid():
        consultations = consultations.none()
    page = CappedCountPaginator(consultations, PAGE_SIZE).get_page(request.GET.get("page"))
    selectors.with_clock_text(page.object_list)
    query = filters.urlencode()
    return render(request, template, {"page": page, "filter": consultation_filter, "query": query, **context})


@login_required
@require_GET
def consultation_mine(request):
    """我的咨询: the questions of the user's enterprises, newest first."""
    can_ask = member_enterprise_ids(request.user).exists()
    return _list_page(
        request, scope=selectors.SCOPE_MINE, template="complaints/consultations/mine.html", can_ask=can_ask
    )


@login_required
@require_GET
def consultation_answers(request):
    """咨询答复: the questions the user answers — every one for officials, their
    enterprises' for a 管家 — newest first, with the flags."""
    if not selectors.may_answer_any(request.user):
        raise PermissionDenied
    return _list_page(request, scope=selectors.SCOPE_ANSWERS, template="complaints/consultations/answers.html")


@login_required
@require_http_methods(["GET", "POST"])
def consultation_new(request):
    """The question form, for members of an enterprise. What was typed stays on an error."""
    if not member_enterprise_ids(request.user).exists():
        raise PermissionDenied
    if request.method == "POST":
        form = forms.AskForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                consultation = services.consultation_ask(actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("咨询已提交，将于%(due)s前答复。") % {"due": _due_text(consultation)},
                )
                return redirect("consultations:detail", pk=consultation.pk)
        status = 400
    else:
        form = forms.AskForm(user=request.user, initial=_initial_enterprise(request))
        status = 200
    return render(
        request,
        "complaints/consultations/new.html",
        {"form": form, "answer_days": services.answer_days()},
        status=status,
    )


def _initial_enterprise(request) -> dict:
    value = request.GET.get("enterprise", "")
    return {"enterprise": int(value)} if value.isascii() and value.isdigit() and len(value) < 10 else {}


def _due_text(consultation: Consultation) -> str:
    return timezone.localtime(consultation.answer_due_at).strftime("%Y-%m-%d %H:%M")


def _detail_context(request, consultation: Consultation, **bound_forms) -> dict:
    user = request.user
    selectors.with_clock_text([consultation])
    available = permissions.consultation_actions(user, consultation)
    empty = {"answer": forms.AnswerForm, "to_case": forms.ToCaseForm, "rate": forms.RateForm}
    action_forms = {action: bound_forms.get(action) or empty[action]() for action in permissions.ACTIONS}
    case = consultation.case
    return {
        "consultation": consultation,
        "available": available,
        "forms": action_forms,
        "can_answer": permissions.can_answer(user, consultation),
        "case_visible": case is not None and can_view_case(user, case),
        "stewards": stewards_of(enterprise=consultation.enterprise),
    }


@login_required
@require_GET
def consultation_detail(request, pk: int):
    consultation = selectors.consultation_get_for_user(user=request.user, pk=pk)
    return render(request, "complaints/consultations/detail.html", _detail_context(request, consultation))


def _act(request, pk: int, action: str, form_class, call):
    """One action of the consultation page: 403 for a role that may not, 409 when the
    consultation has moved on (someone answered first), the page again with what was
    typed on bad input."""
    consultation = selectors.consultation_get_for_user(user=request.user, pk=pk)
    if not permissions.may_attempt(request.user, consultation, action):
        raise PermissionDenied
    form = form_class(request.POST)
    status = 400
    if form.is_valid():
        try:
            result = call(consultation, form.cleaned_data)
        except ValidationError as error:
            status = 409 if is_conflict(error) else 400
            add_service_errors(form, error)
        else:
            return result
    if status == 409:
        messages.error(request, _("提交未成功：该咨询的状态已变化（可能已有他人处理），请查看最新状态。"))
    else:
        messages.error(request, _("提交未成功，请按提示修改。"))
    return render(
        request,
        "complaints/consultations/detail.html",
        _detail_context(request, consultation, **{action: form}),
        status=status,
    )


@login_required
@require_POST
def consultation_answer(request, pk: int):
    def call(consultation, data):
        services.consultation_answer(consultation=consultation, actor=request.user, answer=data["answer"])
        messages.success(request, _("已答复，提问人将收到通知。"))
        return redirect("consultations:detail", pk=pk)

    return _act(request, pk, "answer", forms.AnswerForm, call)


@login_required
@require_POST
def consultation_to_case(request, pk: int):
    def call(consultation, data):
        case = services.consultation_to_case(consultation=consultation, actor=request.user, category=data["category"])
        messages.success(request, _("已转为诉求件 %(number)s，按诉求办理时限计时。") % {"number": case.number})
        return redirect("consultations:detail", pk=pk)

    return _act(request, pk, "to_case", forms.ToCaseForm, call)


@login_required
@require_POST
def consultation_rate(request, pk: int):
    def call(consultation, data):
        services.consultation_rate(consultation=consultation, actor=request.user, **data)
        messages.success(request, _("感谢您的评价。"))
        return redirect("consultations:detail", pk=pk)

    return _act(request, pk, "rate", forms.RateForm, call)
