"""FilterSets of the shared core, used by the API and the pages alike."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters.conf import settings as filter_settings
from django_filters.widgets import BooleanWidget

from portal.models import Department, Enterprise, EnterpriseTag, Industry, Region

YES, NO = _("是"), _("否")


class YesNoSelect(BooleanWidget):
    """A yes/no filter's select: 全部 (no filter, the default) rather than django-filter's
    未知, then yes and no in the filter's own words. Its values stay the API's ``true`` and
    ``false`` (and it reads ``TRUE`` too, which the stock select ignored)."""

    def __init__(self, yes=YES, no=NO, attrs=None):
        super().__init__(attrs={"class": "form-select", **(attrs or {})})
        self.choices = [("", filter_settings.EMPTY_CHOICE_LABEL), ("true", yes), ("false", no)]


class DatePickerInput(forms.DateInput):
    """The browser's own date picker; it sends ISO dates whatever the page's language."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class RegionFilter(django_filters.FilterSet):
    parent = django_filters.CharFilter(field_name="parent__code", label=_("上级区划代码"))
    within = django_filters.CharFilter(method="filter_within", label=_("区划代码（含下级）"))

    class Meta:
        model = Region
        fields = ["level", "parent", "within"]

    def filter_within(self, queryset, name, value):
        return queryset.filter(path__contains=f"/{value}/")


class IndustryFilter(django_filters.FilterSet):
    parent = django_filters.CharFilter(field_name="parent__code", label=_("上级行业代码"))
    within = django_filters.CharFilter(method="filter_within", label=_("行业代码（含下级）"))

    class Meta:
        model = Industry
        fields = ["level", "parent", "within"]

    def filter_within(self, queryset, name, value):
        return queryset.filter(path__contains=f"/{value}/")


class DepartmentFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(field_name="region__code", label=_("区划代码"))
    is_active = django_filters.BooleanFilter(label=_("启用"), widget=YesNoSelect())

    class Meta:
        model = Department
        fields = ["region", "is_active"]


class EnterpriseFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(method="filter_region", label=_("区划代码（含下级）"))
    industry = django_filters.CharFilter(method="filter_industry", label=_("行业代码（含下级）"))
    tag = django_filters.ModelMultipleChoiceFilter(
        field_name="tags", queryset=EnterpriseTag.objects.all(), conjoined=True, label=_("企业标签（须全部具备）")
    )
    employees_min = django_filters.NumberFilter(field_name="employees", lookup_expr="gte", label=_("从业人数不少于"))
    employees_max = django_filters.NumberFilter(field_name="employees", lookup_expr="lte", label=_("从业人数不多于"))

    class Meta:
        model = Enterprise
        fields = ["scale", "ownership", "tax_credit_grade", "region", "industry", "tag"]

    def filter_region(self, queryset, name, value):
        return queryset.filter(region__path__contains=f"/{value}/")

    def filter_industry(self, queryset, name, value):
        return queryset.filter(industry__path__contains=f"/{value}/")
