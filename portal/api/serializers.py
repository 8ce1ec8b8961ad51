from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from portal.models import Department, Enterprise, Industry, Region, StewardAssignment


class RegionSerializer(serializers.ModelSerializer):
    # allow_null: top-level nodes have no parent, and the schema must say the API sends null.
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Region
        fields = ["id", "code", "name", "level", "parent"]


class IndustrySerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Industry
        fields = ["id", "code", "name", "level", "parent"]


class DepartmentSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Department
        fields = ["id", "name", "short_name", "region", "phone", "is_active"]


class StewardSerializer(serializers.ModelSerializer):
    """An enterprise's 亲商管家 as the enterprise sees them: name, unit and work phone."""

    name = serializers.CharField(source="steward.get_full_name", read_only=True, help_text=_("姓名"))
    unit = serializers.CharField(
        source="steward.department.display_name", read_only=True, allow_null=True, default=None, help_text=_("单位")
    )
    work_phone = serializers.CharField(source="steward.work_phone", read_only=True, help_text=_("办公电话"))

    class Meta:
        model = StewardAssignment
        fields = ["name", "unit", "work_phone"]


class EnterpriseSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    industry = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    tags = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    stewards = StewardSerializer(source="steward_assignments", many=True, read_only=True)

    class Meta:
        model = Enterprise
        fields = ["id", "credit_code", *Enterprise.PROFILE_FIELDS, "stewards", "updated_at"]
