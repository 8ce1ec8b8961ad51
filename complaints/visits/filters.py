"""The 走访 log's filters, shared by the page and the API."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from complaints.models import Visit
from portal.filters import DatePickerInput
from portal.models import Enterprise
from portal.selectors import member_enterprise_ids


def _enterprise_choices(user):
    """The enterprises a reader may pick: a 管家's own, a member's own; for officials
    those visited (every enterprise would be a million options)."""
    from complaints.visits import selectors

    if user is None or not user.is_authenticated:
        return Enterprise.objects.none()
    if selectors.can_view_all(user):
        return Enterprise.objects.filter(pk__in=Visit.objects.values("enterprise_id")).order_by("name", "pk")
    mine = Q(pk__in=selectors.looked_after_ids(user)) | Q(pk__in=member_enterprise_ids(user))
    return Enterprise.objects.filter(mine).order_by("name", "pk")


class VisitFilter(django_filters.FilterSet):
    enterprise = django_filters.ModelChoiceFilter(queryset=Enterprise.objects.none(), label=_("企业"))
    visited_after = django_filters.DateFilter(
        field_name="visited_on", lookup_expr="gte", label=_("走访日期起"), widget=DatePickerInput
    )
    visited_before = django_filters.DateFilter(
        field_name="visited_on", lookup_expr="lte", label=_("走访日期止"), widget=DatePickerInput
    )

    class Meta:
        model = Visit
        fields = ["enterprise", "visited_after", "visited_before"]

    def __init__(self, data=None, queryset=None, *, request=None, user=None, **kwargs):
        super().__init__(data, queryset=queryset, request=request, **kwargs)
        user = user or getattr(request, "user", None)
        self.filters["enterprise"].queryset = _enterprise_choices(user)
