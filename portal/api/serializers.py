from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal.models import Department, Enterprise, EnterpriseTag, Industry, Region, StewardAssignment, TagDimension


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


class TagDimensionSerializer(serializers.ModelSerializer):
    class Meta:
        model = TagDimension
        fields = ["id", "name", "name_en"]


class EnterpriseTagSerializer(serializers.ModelSerializer):
    """A tag with the portrait's dimension it belongs to (null: not filed yet)."""

    dimension = TagDimensionSerializer(read_only=True, allow_null=True)

    class Meta:
        model = EnterpriseTag
        fields = ["id", "name", "name_en", "dimension", "is_active"]


class PortraitDimensionSerializer(serializers.Serializer):
    """One dimension of an enterprise's portrait and its tags there."""

    dimension = serializers.CharField(allow_null=True, help_text=_("维度名称；未归入维度的标签为 null。"))
    tags = serializers.ListField(child=serializers.CharField())


class EnterpriseSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    industry = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    tags = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    stewards = StewardSerializer(source="steward_assignments", many=True, read_only=True)
    # 企业画像: the tags grouped by dimension, in the portrait's order.
    portrait = serializers.SerializerMethodField()

    class Meta:
        model = Enterprise
        fields = ["id", "credit_code", *Enterprise.PROFILE_FIELDS, "portrait", "stewards", "updated_at"]

    @extend_schema_field(PortraitDimensionSerializer(many=True))
    def get_portrait(self, enterprise) -> list[dict]:
        # From the prefetched tags and their dimensions (EnterpriseViewSet), no query here.
        def order(tag):
            dimension = tag.dimension
            return (dimension is None, (dimension.position, dimension.name) if dimension else (0, ""), tag.name)

        tags = sorted(enterprise.tags.all(), key=order)
        groups: dict[int | None, dict] = {}
        for tag in tags:
            group = groups.setdefault(
                tag.dimension_id, {"dimension": tag.dimension.name if tag.dimension else None, "tags": []}
            )
            group["tags"].append(tag.name)
        return list(groups.values())
