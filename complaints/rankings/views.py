"""Pages of the quarterly 红黄黑榜: the public published lists (no login) and the
officials' drafts, where units are moved with a reason and the list is published;
and the 约谈 that follow a published list: recorded by officials from a unit's row,
listed by year, each with its three lists and their monthly 对账 (sign-offs). A
unit's handlers read their own unit's 约谈, read-only."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from complaints.models import InterviewLevel, ItemKind, QuarterRanking, RankingEntry, RankingState
from complaints.rankings import forms, selectors, services
from portal.forms import add_service_errors

MANAGE = "complaints.change_quarterranking"


@require_GET
def index(request):
    """The published quarters, latest first, and the 家次 of each year."""
    rankings = QuarterRanking.objects.filter(state=RankingState.PUBLISHED).order_by("-year", "-quarter")
    return render(
        request,
        "complaints/rankings/index.html",
        {
            "rankings": rankings,
            "years": selectors.counts_by_year(),
            "may_read_interviews": selectors.may_read_interviews(request.user),
        },
    )


@require_GET
def published(request, year, quarter):
    """A quarter's published list with each unit's figures; 404 while it is a draft."""
    ranking = selectors.ranking_get(user=request.user, year=year, quarter=quarter)
    if ranking is None:
        raise Http404
    return render(
        request,
        "complaints/rankings/published.html",
        {"ranking": ranking, "sections": selectors.sections(ranking)},
    )


@login_required
@permission_required(MANAGE, raise_exception=True)
@require_http_methods(["GET", "POST"])
def manage(request):
    """Every quarter's list in whatever state, and drafting a quarter."""
    status = 200
    if request.method == "POST":
        form = forms.DraftForm(request.POST)
        if form.is_valid():
            year, quarter = form.cleaned_data["year"], form.cleaned_data["quarter"]
            try:
                services.ranking_draft(year=year, quarter=quarter, actor=request.user)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("已按规则生成榜单草稿。"))
                return redirect("rankings:draft", year=year, quarter=quarter)
        messages.error(request, _("提交未成功，请按提示修改。"))
        status = 400
    else:
        form = forms.DraftForm()
    rankings = QuarterRanking.objects.select_related("published_by__department").order_by("-year", "-quarter")
    return render(request, "complaints/rankings/manage.html", {"form": form, "rankings": rankings}, status=status)


def _draft_page(request, ranking, *, bound: tuple[int, forms.MoveForm] | None = None, status=200):
    rows = []
    for section in selectors.sections(ranking):
        for entry in section.entries:
            if ranking.is_published:
                entry.move_form = None  # type: ignore[attr-defined]
            elif bound and bound[0] == entry.pk:
                entry.move_form = bound[1]  # type: ignore[attr-defined]
            else:
                entry.move_form = forms.MoveForm(  # type: ignore[attr-defined]
                    auto_id=f"id_entry{entry.pk}_%s", initial={"to_list": entry.list}
                )
        rows.append(section)
    return render(
        request,
        "complaints/rankings/draft.html",
        {
            "ranking": ranking,
            "sections": rows,
            "rule": selectors.current_rule(),
            "interviews": selectors.interviews_of(ranking),
            # Said at the top when the list has no forms left to show them (published).
            "refusal": bound[1].non_field_errors() if bound and ranking.is_published else None,
        },
        status=status,
    )


@login_required
@permission_required(MANAGE, raise_exception=True)
@require_GET
def draft(request, year, quarter):
    ranking = selectors.ranking_get(user=request.user, year=year, quarter=quarter, draft=True)
    if ranking is None:
        raise Http404
    return _draft_page(request, ranking)


@login_required
@permission_required(MANAGE, raise_exception=True)
@require_POST
def move(request, year, quarter, entry_id):
    """Move one unit to another list, with the reason; bad input comes back with what
    was typed."""
    entry = get_object_or_404(RankingEntry, pk=entry_id, ranking__year=year, ranking__quarter=quarter)
    form = forms.MoveForm(request.POST, auto_id=f"id_entry{entry.pk}_%s")
    if form.is_valid():
        try:
            services.ranking_move(
                entry=entry,
                to_list=form.cleaned_data["to_list"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("已调整%(unit)s的榜单。") % {"unit": entry.department.display_name})
            return redirect("rankings:draft", year=year, quarter=quarter)
    messages.error(request, _("调整未成功，请按提示修改。"))
    ranking = selectors.ranking_get(user=request.user, year=year, quarter=quarter, draft=True)
    return _draft_page(request, ranking, bound=(entry.pk, form), status=400)


@login_required
@permission_required(MANAGE, raise_exception=True)
@require_POST
def redraft(request, year, quarter):
    try:
        services.ranking_draft(year=year, quarter=quarter, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已按最新数据重新生成草稿，人工调整保留。"))
    return redirect("rankings:draft", year=year, quarter=quarter)


@login_required
@permission_required(MANAGE, raise_exception=True)
@require_POST
def publish(request, year, quarter):
    ranking = get_object_or_404(QuarterRanking, year=year, quarter=quarter)
    try:
        services.ranking_publish(ranking=ranking, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("rankings:draft", year=year, quarter=quarter)
    messages.success(request, _("榜单已公布。"))
    return redirect("rankings:published", year=year, quarter=quarter)


# --- 约谈 ---------------------------------------------------------------------------

INTERVIEWS_PER_PAGE = 30
RECORD = "complaints.add_interview"


@login_required
@require_GET
def interview_list(request):
    """约谈 by date, newest first, with a year filter and the count per year and level.
    Officials see all; a 承办单位's handlers their own unit's (read-only)."""
    if not selectors.may_read_interviews(request.user):
        raise PermissionDenied
    form = forms.InterviewYearForm(request.GET or None)
    year = form.cleaned_data["year"] if form.is_bound and form.is_valid() else None
    interviews = selectors.interview_list(user=request.user, year=year)
    page = Paginator(interviews, INTERVIEWS_PER_PAGE).get_page(request.GET.get("page"))
    counts = selectors.interview_counts(user=request.user)
    return render(
        request,
        "complaints/rankings/interview_list.html",
        {
            "page": page,
            "year": year,
            "counts": counts,
            "years": [row[0] for row in counts],
            "levels": InterviewLevel.choices,
            "level_labels": [label for _value, label in InterviewLevel.choices],
            "query": urlencode({"year": year}) if year else "",
            "own_unit_only": not request.user.has_perm("complaints.view_interview"),
        },
    )


def _interview_page(request, interview, *, bound: tuple[int, forms.SignOffForm] | None = None, status=200):
    """The interview with its three lists; for officials, this month's 对账 form under
    each open item not yet signed off this month."""
    month = timezone.localdate().replace(day=1)
    may_sign = request.user.has_perm(RECORD)
    lists = []
    for kind, label in ItemKind.choices:
        items = [item for item in interview.items.all() if item.kind == kind]
        for item in items:
            signed = any(sign_off.month == month for sign_off in item.sign_offs.all())
            item.sign_off_form = None  # type: ignore[attr-defined]
            if bound and bound[0] == item.pk:
                # What was typed comes back with the reason it was refused.
                item.sign_off_form = bound[1]  # type: ignore[attr-defined]
            elif may_sign and not item.closed_on and not signed:
                item.sign_off_form = forms.SignOffForm(auto_id=f"id_item{item.pk}_%s")  # type: ignore[attr-defined]
        lists.append((kind, label, items))
    return render(
        request,
        "complaints/rankings/interview.html",
        {"interview": interview, "lists": lists, "month": month, "may_sign": may_sign},
        status=status,
    )


@login_required
@require_GET
def interview(request, pk):
    interview = selectors.interview_get(user=request.user, pk=pk)
    if interview is None:
        raise Http404
    return _interview_page(request, interview)


@login_required
@require_POST
def sign_off(request, pk, item_id):
    """This month's 对账 of one item (officials); the unit's handlers may read, not sign."""
    interview = selectors.interview_get(user=request.user, pk=pk)
    if interview is None:
        raise Http404
    if not request.user.has_perm(RECORD):
        raise PermissionDenied
    item = next((item for item in interview.items.all() if item.pk == item_id), None)
    if item is None:
        raise Http404
    form = forms.SignOffForm(request.POST, auto_id=f"id_item{item.pk}_%s")
    if form.is_valid():
        try:
            services.item_sign_off(
                item=item,
                month=timezone.localdate(),
                progress=form.cleaned_data["progress"],
                done=form.cleaned_data["done"],
                actor=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("已对账。") if not form.cleaned_data["done"] else _("已对账并销号。"))
            return redirect("rankings:interview", pk=interview.pk)
    messages.error(request, _("对账未成功，请按提示修改。"))
    return _interview_page(request, interview, bound=(item.pk, form), status=400)


@login_required
@permission_required(RECORD, raise_exception=True)
@require_http_methods(["GET", "POST"])
def interview_new(request, year, quarter, entry_id):
    """记录约谈 of a unit on a published quarter's list (404 for a draft's)."""
    entry = get_object_or_404(
        RankingEntry.objects.select_related("ranking", "department"),
        pk=entry_id,
        ranking__year=year,
        ranking__quarter=quarter,
        ranking__state=RankingState.PUBLISHED,
    )
    status = 200
    if request.method == "POST":
        form = forms.InterviewForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                interview = services.interview_record(
                    entry=entry,
                    level=data["level"],
                    held_on=data["held_on"],
                    interviewer=data["interviewer"],
                    interviewee=data["interviewee"],
                    notes=data["notes"],
                    items=form.items(),
                    actor=request.user,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("约谈已记录。"))
                return redirect("rankings:interview", pk=interview.pk)
        messages.error(request, _("提交未成功，请按提示修改。"))
        status = 400
    else:
        form = forms.InterviewForm()
    return render(request, "complaints/rankings/interview_new.html", {"form": form, "entry": entry}, status=status)
