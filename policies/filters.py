"""Filters of the policy catalogue, shared by the page (``q``) and the API (``search``)."""

from __future__ import annotations

import django_filters
from django.contrib.postgres.search import TrigramWordSimilarity
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from policies.models import ApplicationMethod, Level, Policy, PolicyCategory, SupportType
from portal.filters import YesNoSelect
from portal.models import Department, Industry, lineage_of

# pg_trgm word similarity from which a title or keyword counts as a fuzzy match.
FUZZY_THRESHOLD = 0.5


def search(queryset, value: str):
    """Title, short title, keywords and summary contain the words (trigram-indexed
    ``icontains`` on title and keywords), or title or keywords are close to them
    (trigram word similarity, for near spellings); best matches first."""
    value = value.strip()
    if not value:
        return queryset
    relevance = Greatest(TrigramWordSimilarity(value, "title"), TrigramWordSimilarity(value, "keywords"))
    contains = Q()
    for word in value.split():
        contains &= (
            Q(title__icontains=word)
            | Q(short_title__icontains=word)
            | Q(keywords__icontains=word)
            | Q(summary__icontains=word)
        )
    return (
        queryset.annotate(relevance=relevance)
        .filter(contains | Q(relevance__gte=FUZZY_THRESHOLD))
        .order_by("-relevance", "-published_on", "-id")
    )


def open_today_q() -> Q:
    """Open for application today: ``Policy.open_q``, the one definition."""
    return Policy.open_q(timezone.localdate())


class PolicyFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_search", label=_("关键词"))
    level = django_filters.ChoiceFilter(choices=Level.choices, label=_("政策层级"))
    issuer = django_filters.ModelChoiceFilter(queryset=Department.objects.all(), label=_("发布部门"))
    category = django_filters.ModelChoiceFilter(
        queryset=PolicyCategory.objects.filter(is_active=True), label=_("政策类别")
    )
    industry = django_filters.CharFilter(method="filter_industry", label=_("行业代码（含上下级）"))
    support_type = django_filters.ChoiceFilter(choices=SupportType.choices, label=_("支持方式"))
    open_now = django_filters.BooleanFilter(
        method="filter_open_now", label=_("正在申报"), widget=YesNoSelect(yes=_("正在申报"), no=_("不在申报期"))
    )
    auto_grant = django_filters.BooleanFilter(
        method="filter_auto_grant", label=_("免申即享"), widget=YesNoSelect(yes=_("免申即享"), no=_("需申报"))
    )

    class Meta:
        model = Policy
        fields = ["q", "level", "issuer", "category", "industry", "support_type", "open_now", "auto_grant"]

    def filter_search(self, queryset, name, value):
        return search(queryset, value)

    def filter_industry(self, queryset, name, value):
        """Policies naming this industry, one of its ancestors or one of its descendants."""
        path = Industry.objects.filter(code=value.strip()).values_list("path", flat=True).first()
        if path is None:
            return queryset.none()
        ancestors = lineage_of(path)
        through = Policy.industries.through.objects.filter(policy_id=OuterRef("pk"))
        related = through.filter(Q(industry__path__in=ancestors) | Q(industry__path__startswith=path))
        return queryset.filter(Exists(related))

    def filter_open_now(self, queryset, name, value):
        return queryset.filter(open_today_q()) if value else queryset.exclude(open_today_q())

    def filter_auto_grant(self, queryset, name, value):
        method = Q(application_method=ApplicationMethod.AUTO_GRANT)
        return queryset.filter(method) if value else queryset.exclude(method)


class PolicyApiFilter(PolicyFilter):
    """The API's spelling: ``search`` rather than the page's ``q``."""

    q = None
    search = django_filters.CharFilter(method="filter_search", label=_("关键词"))

    class Meta(PolicyFilter.Meta):
        fields = ["search", "level", "issuer", "category", "industry", "support_type", "open_now", "auto_grant"]
