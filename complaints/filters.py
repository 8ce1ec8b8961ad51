"""The case list's filters, shared by the workbench, the API and the Excel export."""

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from complaints import sla
from complaints.models import OPEN_STATUSES, Case, Channel, ProblemCategory, Status, Tier
from portal.filters import DatePickerInput, YesNoSelect
from portal.models import Department


class CaseFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(
        choices=Status.choices, label=_("状态"), widget=forms.CheckboxSelectMultiple
    )
    channel = django_filters.MultipleChoiceFilter(
        choices=Channel.choices, label=_("来源渠道"), widget=forms.CheckboxSelectMultiple
    )
    category = django_filters.ModelChoiceFilter(queryset=ProblemCategory.objects.all(), label=_("问题分类"))
    department = django_filters.ModelChoiceFilter(
        queryset=Department.objects.all(), method="filter_department", label=_("承办单位")
    )
    # The lead unit alone: how the dashboard and the start page count a unit's cases.
    lead_department = django_filters.ModelChoiceFilter(queryset=Department.objects.all(), label=_("牵头单位"))
    overdue = django_filters.BooleanFilter(
        method="filter_overdue", label=_("超期"), widget=YesNoSelect(yes=_("已超期"), no=_("未超期"))
    )
    # Plain 是/否: "no" is every case out of the workflow, 不予受理 as well as 已办结.
    open = django_filters.BooleanFilter(method="filter_open", label=_("未办结"), widget=YesNoSelect())
    tier = django_filters.ChoiceFilter(choices=Tier.choices, label=_("层级"))
    is_supervised = django_filters.BooleanFilter(
        label=_("督查督办"), widget=YesNoSelect(yes=_("督办件"), no=_("非督办件"))
    )
    received_after = django_filters.DateFilter(
        field_name="received_at", lookup_expr="date__gte", label=_("登记日期起"), widget=DatePickerInput
    )
    received_before = django_filters.DateFilter(
        field_name="received_at", lookup_expr="date__lte", label=_("登记日期止"), widget=DatePickerInput
    )
    q = django_filters.CharFilter(method="filter_search", label=_("关键词"))

    class Meta:
        model = Case
        fields = [
            "status",
            "channel",
            "category",
            "department",
            "lead_department",
            "overdue",
            "open",
            "tier",
            "is_supervised",
        ]

    @extend_schema_field(OpenApiTypes.INT)
    def filter_department(self, queryset, name, value):
        co_handled = Case.co_departments.through.objects.filter(case_id=OuterRef("pk"), department=value)
        return queryset.filter(Q(lead_department=value) | Q(Exists(co_handled)))

    def filter_overdue(self, queryset, name, value):
        overdue = sla.overdue_q(timezone.now())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_open(self, queryset, name, value):
        return queryset.filter(status__in=OPEN_STATUSES) if value else queryset.exclude(status__in=OPEN_STATUSES)

    def filter_search(self, queryset, name, value):
        value = value.strip()[:100]
        if not value:
            return queryset
        return queryset.filter(Q(number__iexact=value) | Q(title__icontains=value) | Q(description__icontains=value))
