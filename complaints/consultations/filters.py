"""The consultation lists' filters, shared by the pages and the API."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.consultations.selectors import State, overdue_q
from complaints.models import Consultation
from portal.filters import DatePickerInput, YesNoSelect


class ConsultationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=State.choices, method="filter_status", label=_("状态"))
    overdue = django_filters.BooleanFilter(
        method="filter_overdue", label=_("超期"), widget=YesNoSelect(yes=_("已超期"), no=_("未超期"))
    )
    asked_after = django_filters.DateFilter(
        field_name="asked_at", lookup_expr="date__gte", label=_("提问日期起"), widget=DatePickerInput
    )
    asked_before = django_filters.DateFilter(
        field_name="asked_at", lookup_expr="date__lte", label=_("提问日期止"), widget=DatePickerInput
    )
    q = django_filters.CharFilter(method="filter_search", label=_("关键词"))

    class Meta:
        model = Consultation
        fields = ["status", "overdue"]

    def filter_status(self, queryset, name, value):
        if value == State.TO_CASE:
            return queryset.filter(case__isnull=False)
        if value == State.ANSWERED:
            return queryset.filter(answered_at__isnull=False, case__isnull=True)
        return queryset.filter(answered_at__isnull=True, case__isnull=True)

    def filter_overdue(self, queryset, name, value):
        """已超期: still waiting for its answer after the limit (the red flag)."""
        overdue = overdue_q(timezone.now())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_search(self, queryset, name, value):
        value = value.strip()[:100]
        if not value:
            return queryset
        return queryset.filter(
            Q(question__icontains=value) | Q(answer__icontains=value) | Q(enterprise__name__icontains=value)
        )
