"""Pages of the quarterly 红黄黑榜: the public published lists (no login) and the
officials' drafts, where units are moved with a reason and the list is published."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from complaints.models import QuarterRanking, RankingEntry, RankingState
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
        {"rankings": rankings, "years": selectors.counts_by_year()},
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
