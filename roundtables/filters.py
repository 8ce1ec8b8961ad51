import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from portal.filters import DatePickerInput, YesNoSelect
from roundtables.models import Series, Session


class SessionFilter(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(
        choices=Session.State.choices, label=_("状态"), widget=forms.CheckboxSelectMultiple
    )
    series = django_filters.ModelChoiceFilter(queryset=Series.objects.all(), label=_("系列"))
    kind = django_filters.ChoiceFilter(field_name="series__kind", choices=Series.Kind.choices, label=_("类型"))
    region = django_filters.CharFilter(method="filter_region", label=_("区划代码（含下级）"))
    starts_after = django_filters.DateFilter(
        field_name="starts_at", lookup_expr="date__gte", label=_("开始日期起"), widget=DatePickerInput
    )
    starts_before = django_filters.DateFilter(
        field_name="starts_at", lookup_expr="date__lte", label=_("开始日期止"), widget=DatePickerInput
    )
    has_seats = django_filters.BooleanFilter(
        method="filter_has_seats", label=_("尚有名额"), widget=YesNoSelect(yes=_("尚有名额"), no=_("名额已满"))
    )

    class Meta:
        model = Session
        fields = ["state", "kind", "series", "region", "starts_after", "starts_before", "has_seats"]

    def filter_region(self, queryset, name, value):
        return queryset.filter(region__path__contains=f"/{value}/")

    def filter_has_seats(self, queryset, name, value):
        # Needs the seats_left annotation of selectors.session_list (open seats).
        return queryset.filter(seats_left__gt=0) if value else queryset.filter(seats_left=0)
