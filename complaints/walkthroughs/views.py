"""Walkthrough pages: the officer's phone-friendly form (draft saved on the server,
autosaved as they type), the record page with each finding's case, and promotion."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from complaints.models import FindingPhoto
from complaints.walkthroughs import forms as forms
from complaints.walkthroughs import selectors as selectors
from complaints.walkthroughs import services as services
from portal.uploads import protected_file_response


@login_required
@require_GET
def walkthrough_list(request):
    page = Paginator(selectors.walkthrough_list(user=request.user), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "walkthroughs/list.html",
        {"page": page, "can_walk": services.can_walk(request.user), "view_all": selectors.can_view_all(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def walkthrough_new(request):
    """The blank form. Nothing is stored until the first input is saved (by the autosave
    or a button), so a tap on 开始走流程 leaves no empty draft behind."""
    if not services.can_walk(request.user):
        raise PermissionDenied
    return _walkthrough_form(request, selectors.walkthrough_blank(officer=request.user))


@login_required
@require_POST
def walkthrough_discard(request, pk):
    walkthrough = selectors.walkthrough_get_for_user(user=request.user, pk=pk)
    if walkthrough.officer_id != request.user.pk:
        raise Http404
    try:
        services.walkthrough_discard(walkthrough=walkthrough, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("walkthroughs:detail", pk=pk)
    messages.success(request, _("已放弃该草稿。"))
    return redirect("walkthroughs:list")


@login_required
@require_GET
def walkthrough_detail(request, pk):
    walkthrough = selectors.walkthrough_get_for_user(user=request.user, pk=pk)
    can_promote = request.user.has_perm("complaints.promote_finding") and not walkthrough.is_draft
    findings = list(walkthrough.findings.all())
    promote_forms = {
        finding.pk: forms.PromoteForm(
            initial={"department": walkthrough.department_id, "category": finding.category_id}
        )
        for finding in findings
        # A finding fixed on the spot (当场整改) is solved: nothing to promote.
        if can_promote and not finding.case_id and not finding.fixed_on_spot
    }
    return render(
        request,
        "walkthroughs/detail.html",
        {
            "walkthrough": walkthrough,
            "findings": [(finding, promote_forms.get(finding.pk)) for finding in findings],
            "checklist_rows": _checklist_rows(walkthrough),
            "can_promote": can_promote,
            "is_owner": walkthrough.officer_id == request.user.pk,
        },
    )


def _checklist_rows(walkthrough):
    if walkthrough.checklist is None:
        return []
    answers = {answer.question_id: answer for answer in walkthrough.answers.all()}
    return [(question, answers.get(question.pk)) for question in walkthrough.checklist.questions.all()]


@login_required
@require_http_methods(["GET", "POST"])
def walkthrough_edit(request, pk):
    """The officer's form. ``X-Autosave`` posts save quietly and answer JSON."""
    walkthrough = selectors.walkthrough_get_for_user(user=request.user, pk=pk)
    if walkthrough.officer_id != request.user.pk:
        raise Http404
    if not walkthrough.is_draft:
        return redirect("walkthroughs:detail", pk=pk)
    return _walkthrough_form(request, walkthrough)


def _walkthrough_form(request, walkthrough):
    """Show, save (autosave or button) and submit the form of a draft, or of a walkthrough
    not saved yet, which its first input creates."""
    autosave = request.headers.get("X-Autosave") == "1"
    is_new = walkthrough.pk is None
    if request.method == "POST":
        bundle = forms.WalkthroughBundle(request.POST, request.FILES, walkthrough=walkthrough, autosave=autosave)
        if bundle.is_valid() and is_new and not bundle.has_input():
            if autosave:
                return JsonResponse({"saved": False, "errors": []})
            bundle.add_errors([_("还没有填写任何内容，草稿未创建。")])
        elif bundle.is_valid():
            try:
                with transaction.atomic():
                    target = services.walkthrough_start(officer=request.user) if is_new else walkthrough
                    bundle.walkthrough = target
                    finding_ids = bundle.save(actor=request.user)
                walkthrough = target
                if request.POST.get("submit") and not autosave:
                    services.walkthrough_submit(walkthrough=walkthrough, actor=request.user)
                    messages.success(request, _("体验记录已提交，感谢您的反馈。"))
                    return redirect("walkthroughs:detail", pk=walkthrough.pk)
            except ValidationError as error:
                if autosave:
                    return JsonResponse({"saved": False, "errors": error.messages}, status=400)
                if is_new and walkthrough.pk is not None:
                    # Saved, but not complete enough to submit: the draft's own page says what is missing.
                    messages.error(request, " ".join(error.messages))
                    return redirect("walkthroughs:edit", pk=walkthrough.pk)
                bundle.walkthrough = walkthrough
                bundle.add_errors(error.messages)
            else:
                if autosave:
                    body = {
                        "saved": True,
                        "saved_at": timezone.localtime().strftime("%H:%M:%S"),
                        "findings": finding_ids,
                    }
                    if is_new:  # the script carries on at the draft's own address
                        body["url"] = reverse("walkthroughs:edit", kwargs={"pk": walkthrough.pk})
                    return JsonResponse(body)
                messages.success(request, _("草稿已保存，可随时在任何设备上继续填写。"))
                return redirect("walkthroughs:edit", pk=walkthrough.pk)
        elif autosave:
            return JsonResponse({"saved": False, "errors": bundle.error_messages()}, status=400)
        status = 400
    else:
        bundle = forms.WalkthroughBundle(walkthrough=walkthrough)
        status = 200
    answered = sum(1 for _question, choice, _comment in bundle.answers.rows() if choice.value())
    return render(
        request,
        "walkthroughs/edit.html",
        {"walkthrough": walkthrough, "bundle": bundle, "answered": answered},
        status=status,
    )


@login_required
@require_POST
def walkthrough_review(request, pk):
    walkthrough = selectors.walkthrough_get_for_user(user=request.user, pk=pk)
    try:
        services.walkthrough_mark_reviewed(walkthrough=walkthrough, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已标记为已审阅。"))
    return redirect("walkthroughs:detail", pk=pk)


@login_required
@require_POST
def finding_promote(request, pk, finding_id):
    walkthrough = selectors.walkthrough_get_for_user(user=request.user, pk=pk)
    if not request.user.has_perm("complaints.promote_finding"):
        raise PermissionDenied
    try:
        finding = walkthrough.findings.get(pk=finding_id)
    except walkthrough.findings.model.DoesNotExist:
        raise Http404 from None
    form = forms.PromoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请检查所选的承办单位和问题分类。"))
        return redirect("walkthroughs:detail", pk=pk)
    try:
        case, created = services.finding_promote(finding=finding, actor=request.user, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("walkthroughs:detail", pk=pk)
    if created:
        messages.success(request, _("已转为诉求件 %(number)s。") % {"number": case.number})
    else:
        messages.info(request, _("该问题已转为诉求件 %(number)s，未重复创建。") % {"number": case.number})
    return redirect("walkthroughs:detail", pk=pk)


@login_required
@require_GET
def photo_download(request, photo_id):
    try:
        photo = FindingPhoto.objects.select_related("finding").get(pk=photo_id)
    except FindingPhoto.DoesNotExist:
        raise Http404 from None
    # Visible to whoever may see the walkthrough; 404 otherwise.
    selectors.walkthrough_get_for_user(user=request.user, pk=photo.finding.walkthrough_id)
    return protected_file_response(file=photo.file, filename=photo.original_name, content_type=photo.content_type)
