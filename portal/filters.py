"""FilterSets of the shared core, used by the API and the pages alike."""

import django_filters
from django.utils.translation import gettext_lazy as _

from portal.models import Department, Enterprise, EnterpriseTag, Industry, Region


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
