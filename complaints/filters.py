"""The case list's filters, shared by the workbench, the API and the Excel export."""

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from complaints import sla
from complaints.models import OPEN_STATUSES, Case, Channel, LongTermRequest, ProblemCategory, Status, Tier
from portal.filters import DatePickerInput, YesNoSelect
from portal.models import Department

LONG_TERM_CHOICES = [
    ("true", _("需长期推进")),
    ("false", _("非长期推进")),
    ("pending", _("长期推进待审批")),
    ("review", _("已到评估日期")),
]


def _chief_officers(request):
    from complaints.forms import chief_officers

    return chief_officers()


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
    # 需长期推进 (approved, out of the overdue counts), awaiting a chief officer's decision,
    # or due for review; "false": every case not approved as such.
    long_term = django_filters.ChoiceFilter(
        choices=LONG_TERM_CHOICES, method="filter_long_term", label=_("需长期推进"), empty_label=_("全部")
    )
    # A chief officer's tab 指派给我 (``?chief_officer=<their id>``).
    chief_officer = django_filters.ModelChoiceFilter(queryset=_chief_officers, label=_("首席问题官"))
    # The case's region and the regions under it (行政区划代码), a chief officer's 本区域.
    region = django_filters.CharFilter(method="filter_region", label=_("所属区划代码（含下级）"), max_length=12)
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
            "long_term",
            "chief_officer",
            "region",
        ]

    @extend_schema_field(OpenApiTypes.INT)
    def filter_department(self, queryset, name, value):
        co_handled = Case.co_departments.through.objects.filter(case_id=OuterRef("pk"), department=value)
        return queryset.filter(Q(lead_department=value) | Q(Exists(co_handled)))

    def filter_overdue(self, queryset, name, value):
        overdue = sla.overdue_q(timezone.now())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_long_term(self, queryset, name, value):
        long_term = sla.long_term_q()
        if value == "true":
            return queryset.filter(long_term)
        if value == "false":
            return queryset.exclude(long_term)
        if value == "pending":
            pending = LongTermRequest.objects.filter(case_id=OuterRef("pk"), approved__isnull=True)
            return queryset.filter(Exists(pending), status__in=OPEN_STATUSES)
        if value == "review":
            return queryset.filter(long_term, long_term_review_on__lte=timezone.localdate())
        return queryset

    def filter_region(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(region__path__contains=f"/{value}/") if value else queryset

    def filter_open(self, queryset, name, value):
        return queryset.filter(status__in=OPEN_STATUSES) if value else queryset.exclude(status__in=OPEN_STATUSES)

    def filter_search(self, queryset, name, value):
        value = value.strip()[:100]
        if not value:
            return queryset
        return queryset.filter(Q(number__iexact=value) | Q(title__icontains=value) | Q(description__icontains=value))
