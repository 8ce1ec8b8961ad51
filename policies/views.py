"""Policy pages: the public catalogue and a policy's page (with, for an enterprise user,
how each represented enterprise stands against it), an enterprise's matched policies
and its printable 一企一策 report. Thin: filters in, selectors and matching called."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from policies import matching, selectors, services, views_counter
from policies.filters import PolicyFilter
from policies.manage.selectors import can_keep
from policies.matching import ALMOST, ELIGIBLE, NOT_ELIGIBLE, UNKNOWN
from policies.models import AmountRule, ApplicationMethod
from portal import pagecache
from portal.forms import add_service_errors
from portal.money import yuan

PER_PAGE = 20

CLASS_STYLES = {ELIGIBLE: "success", ALMOST: "warning", UNKNOWN: "info", NOT_ELIGIBLE: "secondary"}


def amount_summary(policy) -> str:
    """What a list row says about the money: the fixed amount, or the cap."""
    if policy.amount_rule == AmountRule.FIXED and policy.amount_fixed is not None:
        return yuan(policy.amount_fixed)
    if policy.amount_cap is not None:
        return _("最高 %(amount)s") % {"amount": yuan(policy.amount_cap)}
    if policy.amount_rule in (AmountRule.PERCENTAGE, AmountRule.PER_UNIT):
        return str(policy.get_amount_rule_display())
    return ""


def _decorate(evaluation: matching.Evaluation, enterprise) -> matching.Evaluation:
    """What a template shows of an evaluation beyond its own words (``klass_label``,
    ``unmet_text``, ``missing_text``… — the API's too): its colour and its enterprise."""
    evaluation.klass_style = CLASS_STYLES[evaluation.klass]
    evaluation.enterprise = enterprise
    return evaluation


# --- Public pages ---------------------------------------------------------------------


# The catalogue's query parameters; an address with others is served but not kept.
CATALOGUE_PARAMS = (*PolicyFilter.base_filters, "page")
# Kept at most this long (portal/pagecache.py); a publish, withdrawal or edit shows at once.
CATALOGUE_SECONDS = 600


@require_GET
def catalogue(request):
    """Published policies, searchable and filterable, 20 a page. The same for everyone
    but the heading's link: kept whole for anonymous readers, the list for all
    (portal/pagecache.py), until a policy changes."""
    return pagecache.shared_page(
        request,
        "policies:catalogue",
        lambda extra: _catalogue(request, extra),
        depends_on=(pagecache.POLICIES,),
        timeout=CATALOGUE_SECONDS,
        params=CATALOGUE_PARAMS,
    )


def _catalogue(request, extra: dict):
    params = {name: request.GET[name] for name in CATALOGUE_PARAMS if request.GET.get(name)}
    listing = pagecache.fragment(
        "policies:catalogue:listing",
        lambda: _catalogue_listing(params),
        # "正在申报" is today's.
        parts=(*sorted(params.items()), timezone.localdate()),
        depends_on=(pagecache.POLICIES,),
        timeout=CATALOGUE_SECONDS,
    )
    return render(request, "policies/catalogue.html", {"listing": mark_safe(listing), **extra})  # noqa: S308 - our render


def _catalogue_listing(params: dict) -> str:
    """The catalogue below its heading (filters, count, policies, pages), from the query
    parameters alone."""
    filters = {name: value for name, value in params.items() if name != "page"}
    policy_filter = PolicyFilter(filters or None, queryset=selectors.policy_list())
    for name in ("level", "issuer", "category", "support_type"):
        policy_filter.form.fields[name].widget.attrs["class"] = "form-select"
    policies = policy_filter.qs if policy_filter.is_bound and policy_filter.is_valid() else selectors.policy_list()
    page = Paginator(policies, PER_PAGE).get_page(params.get("page"))
    for policy in page.object_list:
        policy.amount_summary = amount_summary(policy)
    return render_to_string(
        "policies/_catalogue_listing.html",
        {
            "filter": policy_filter,
            "form": policy_filter.form,
            "page": page,
            "query": urlencode(list(filters.items())),
            "q": filters.get("q", ""),
            "industry": filters.get("industry", ""),
        },
    )


class QuestionForm(forms.Form):
    question = forms.CharField(label=gettext_lazy("我要问"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


@require_GET
def detail(request, pk):
    return _detail(request, pk)


def _detail(request, pk, question_form=None):
    """Every key element of the policy; for an enterprise user, each represented
    enterprise's standing (class, what is missing, the estimated amount)."""
    policy = selectors.policy_get_for_user(user=request.user, pk=pk)
    views_counter.record_page_view(request, policy)
    conditions = matching.evaluate(policy, matching.Profile()).conditions
    standings = [
        _decorate(matching.evaluate(policy, matching.Profile.of(enterprise)), enterprise)
        for enterprise in selectors.represented_enterprises(user=request.user)
    ]
    return render(
        request,
        "policies/detail.html",
        {
            "policy": policy,
            "amount_summary": amount_summary(policy),
            "conditions": conditions,
            "materials": policy.materials.all(),
            "questions": policy.published_questions,
            "standings": standings,
            "is_auto_grant": policy.application_method == ApplicationMethod.AUTO_GRANT,
            "can_manage": selectors.can_manage(request.user),
            # The issuing department's staff and the 营商办 see the policy's 修订记录.
            "can_keep": can_keep(request.user, policy),
            "rating": selectors.policy_rating(policy=policy),
            "question_form": question_form or QuestionForm(),
        },
        status=400 if question_form is not None else 200,
    )


@login_required
@require_POST
def ask(request, pk):
    """问政策: the question goes to the issuing department; answered ones are published."""
    policy = selectors.policy_get_for_user(user=request.user, pk=pk)
    form = QuestionForm(request.POST)
    if form.is_valid():
        try:
            services.question_ask(policy=policy, actor=request.user, question=form.cleaned_data["question"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("问题已提交，发布部门答复后将在本页公开。"))
            return redirect("policies:detail", pk=pk)
    return _detail(request, pk, question_form=form)


# --- An enterprise's matches --------------------------------------------------------------


def _chosen_enterprise(request):
    """The enterprise the page is about (``?enterprise=<id>``, else the first the user
    represents) and those they represent; 404 for one whose matches they may not read."""
    return matching.enterprise_choice(user=request.user, wanted=request.GET.get("enterprise", ""))


MATCHES_PER_CLASS = 20


@login_required
@require_GET
def my_matches(request):
    """The open catalogue classified for one represented enterprise, by class: the first
    20 of each class (ranked and counted in SQL), or one class page by page."""
    enterprise, enterprises = _chosen_enterprise(request)
    show_all = request.GET.get("show") == "all"
    sort = request.GET.get("sort", "")
    if sort not in ("amount", "deadline"):
        sort = ""
    only = request.GET.get("klass")
    if only not in matching.CLASS_ORDER:
        only = None
    try:
        page_number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page_number = 1
    groups = []
    if enterprise is not None:
        matches = matching.enterprise_matches(
            enterprise=enterprise,
            include_not_eligible=show_all,
            klass=only,
            sort=sort,
            page=page_number,
            per_class=MATCHES_PER_CLASS,
        )
        for evaluation in matches.evaluations:
            _decorate(evaluation, enterprise)
        groups = matches.groups
    # The enterprise is named in the page's links unless it is the only one there is.
    named = enterprise is not None and (len(enterprises) > 1 or enterprise not in enterprises)
    base = {"enterprise": enterprise.pk} if named else {}
    shown = {**base, **({"show": "all"} if show_all else {})}
    shared = {**shown, **({"sort": sort} if sort else {})}
    return render(
        request,
        "policies/my_matches.html",
        {
            "enterprise": enterprise,
            "enterprises": enterprises,
            "groups": groups,
            "show_all": show_all,
            "sort": sort,
            "only": only,
            "page_number": page_number,
            "base_query": urlencode(base),
            "sort_query": urlencode({**shown, **({"klass": only} if only else {})}),
            "show_query": urlencode({**base, **({"sort": sort} if sort else {})}),
            "class_query": urlencode(shared),
            "previous_query": urlencode({**shared, "klass": only, "page": page_number - 1}) if only else "",
            "next_query": urlencode({**shared, "klass": only, "page": page_number + 1}) if only else "",
        },
    )


@login_required
@require_GET
def enterprise_report(request):
    """一企一策: the enterprise's eligible and almost-eligible policies, printable."""
    from policies.plans.selectors import report_items

    enterprise, enterprises = _chosen_enterprise(request)
    eligible, almost = [], []
    total = None
    if enterprise is not None:
        items = report_items(enterprise)
        eligible = [_decorate(e, enterprise) for e in items.eligible]
        almost = [_decorate(e, enterprise) for e in items.almost]
        total = items.total
    return render(
        request,
        "policies/enterprise_report.html",
        {
            "enterprise": enterprise,
            "enterprises": enterprises,
            "eligible": eligible,
            "almost": almost,
            "total": total,
            "ELIGIBLE": ELIGIBLE,
        },
    )


@require_GET
def attachment(request, pk, attachment_id):
    """A policy's attachment, for whoever may read the policy; served as a download."""
    from portal.uploads import protected_file_response

    policy = selectors.policy_get_for_user(user=request.user, pk=pk)
    try:
        item = policy.attachments.get(pk=attachment_id)
    except policy.attachments.model.DoesNotExist:
        raise Http404 from None
    return protected_file_response(
        file=item.file,
        filename=f"{item.title}{_extension(item.file.name, item.content_type)}",
        content_type=item.content_type,
    )


def _extension(name: str, content_type: str) -> str:
    import mimetypes

    return mimetypes.guess_extension(content_type) or ""


class AnswerForm(forms.Form):
    answer = forms.CharField(label=gettext_lazy("解答"), widget=forms.Textarea(attrs={"rows": 3}))


@login_required
def questions_to_answer(request):
    """问政策, the department's side: unanswered questions on the policies it issued."""
    from django.core.exceptions import PermissionDenied

    from policies.models import PolicyQuestion
    from portal import roles

    if not request.user.has_perm("policies.review_application"):
        raise PermissionDenied
    questions = PolicyQuestion.objects.filter(is_published=False).select_related("policy", "policy__issuer")
    if not roles.is_official(request.user):
        questions = questions.filter(policy__issuer_id=request.user.department_id)
    bound = None
    if request.method == "POST":
        question = get_object_or_404(questions, pk=request.POST.get("question"))
        bound = AnswerForm(request.POST)
        if bound.is_valid():
            services.question_answer(question=question, actor=request.user, answer=bound.cleaned_data["answer"])
            messages.success(request, _("已答复并公开。"))
            return redirect("policies:questions")
    return render(
        request,
        "policies/questions.html",
        {"questions": questions.order_by("id")[:100], "form": bound or AnswerForm()},
        status=400 if bound is not None else 200,
    )
