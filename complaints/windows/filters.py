"""The filters of the 问题专员's window cases, shared by the page and the API."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints import sla
from complaints.models import OPEN_STATUSES, Case, ServiceWindow, Status
from portal.filters import YesNoSelect


class WindowCaseFilter(django_filters.FilterSet):
    window = django_filters.ModelChoiceFilter(
        queryset=ServiceWindow.objects.none(), method="filter_window", label=_("窗口")
    )
    status = django_filters.ChoiceFilter(choices=Status.choices, label=_("状态"))
    open = django_filters.BooleanFilter(method="filter_open", label=_("未办结"), widget=YesNoSelect())
    # The one definition of 超期 (sla.overdue_q), as on the case list.
    overdue = django_filters.BooleanFilter(
        method="filter_overdue", label=_("超期"), widget=YesNoSelect(yes=_("已超期"), no=_("未超期"))
    )
    q = django_filters.CharFilter(method="filter_search", label=_("关键词"))

    class Meta:
        model = Case
        fields = ["window", "status", "open", "overdue"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is None and self.request is not None:  # the API's filter backend passes the request
            user = self.request.user
        # Only the user's own windows can be picked.
        self.filters["window"].queryset = (
            ServiceWindow.objects.filter(specialists=user) if user is not None else ServiceWindow.objects.none()
        )

    def filter_window(self, queryset, name, value):
        """A window's cases: registered there, consulted on there now, or passed through it."""
        return queryset.filter(
            Q(window=value)
            | Q(current_window=value)
            | Q(pk__in=value.escalations_in.values("case_id"))
            | Q(pk__in=value.escalations_out.values("case_id"))
        )

    def filter_open(self, queryset, name, value):
        return queryset.filter(status__in=OPEN_STATUSES) if value else queryset.exclude(status__in=OPEN_STATUSES)

    def filter_overdue(self, queryset, name, value):
        overdue = sla.overdue_q(timezone.now())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_search(self, queryset, name, value):
        value = value.strip()[:100]
        if not value:
            return queryset
        return queryset.filter(Q(number__iexact=value) | Q(title__icontains=value))
