"""Serializers of the policies API: policies as the public reads them, matches of an
enterprise, the calculator's input and answer.

Component names start with ``Policy`` so they never collide with another app's in the
OpenAPI schema. Choice fields whose name another API already uses for a different
choice set (``level``, ``state``) go out as plain strings with the values in the help
text, so the schema's enums keep one meaning per name.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from policies.matching import CLASS_LABELS
from policies.models import Level, Policy, PolicyMaterial, PolicyQuestion, PolicyRevision
from portal.api.fields import ChoiceLabel
from portal.models import Department, Enterprise, EnterpriseTag, Industry, Region

KLASS_CHOICES = list(CLASS_LABELS.items())
LEVEL_HELP = gettext_lazy("政策层级：") + "、".join(f"{value}" for value, _label in Level.choices)


# --- Output ----------------------------------------------------------------------


class PolicyIssuerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "name"]
        read_only_fields = fields


class PolicyListSerializer(serializers.ModelSerializer):
    issuer = PolicyIssuerSerializer(read_only=True)
    level = serializers.CharField(read_only=True, help_text=LEVEL_HELP)
    level_display = ChoiceLabel("level")
    category = serializers.CharField(source="category.name", read_only=True)
    support_type_display = ChoiceLabel("support_type")
    application_method_display = ChoiceLabel("application_method")

    class Meta:
        model = Policy
        fields = [
            "id",
            "title",
            "short_title",
            "document_number",
            "issuer",
            "level",
            "level_display",
            "category",
            "keywords",
            "summary",
            "support_type",
            "support_type_display",
            "amount_rule",
            "amount_fixed",
            "amount_cap",
            "application_method",
            "application_method_display",
            "application_opens",
            "application_closes",
            "published_on",
        ]
        read_only_fields = fields


class PolicyMaterialSerializer(serializers.ModelSerializer):
    class Meta:
        model = PolicyMaterial
        fields = ["name", "zero_material"]
        read_only_fields = fields


class PolicyQuestionSerializer(serializers.ModelSerializer):
    class Meta:
        model = PolicyQuestion
        fields = ["question", "answer"]
        read_only_fields = fields


class PolicyDetailSerializer(PolicyListSerializer):
    """A policy with all its key elements. ``conditions`` are the structured eligibility
    conditions in words; ``questions`` the published Q&A."""

    co_issuers = PolicyIssuerSerializer(many=True, read_only=True)
    region = serializers.CharField(source="region.name", read_only=True)
    state = serializers.CharField(read_only=True, help_text=gettext_lazy("状态：published、expired、draft、withdrawn"))
    conditions = serializers.ListField(child=serializers.CharField(), read_only=True, source="condition_texts")
    materials = PolicyMaterialSerializer(many=True, read_only=True)
    questions = PolicyQuestionSerializer(many=True, read_only=True, source="published_questions")

    class Meta(PolicyListSerializer.Meta):
        fields = [
            *PolicyListSerializer.Meta.fields,
            "co_issuers",
            "region",
            "state",
            "full_text",
            "interpretation",
            "source_url",
            "effective_from",
            "effective_until",
            "amount_field",
            "amount_rate",
            "total_budget",
            "contact_department",
            "contact_person",
            "contact_phone",
            "conditions",
            "materials",
            "questions",
        ]
        read_only_fields = fields


REVISION_KIND_HELP = gettext_lazy("修订类型：") + "、".join(
    f"{value} {label}" for value, label in PolicyRevision.Kind.choices
)


class PolicyRevisionSerializer(serializers.ModelSerializer):
    """One line of a policy's 修订记录: who (name and unit), when, what kind, which
    version, why, and which fields changed (names and their labels)."""

    kind = serializers.CharField(read_only=True, help_text=REVISION_KIND_HELP)
    kind_display = ChoiceLabel("kind")
    actor = serializers.SerializerMethodField(help_text=gettext_lazy("操作人（姓名和单位）；系统操作为空字符串"))
    changed_field_labels = serializers.SerializerMethodField(help_text=gettext_lazy("修改的字段的名称"))

    class Meta:
        model = PolicyRevision
        fields = [
            "id",
            "version",
            "kind",
            "kind_display",
            "actor",
            "reason",
            "changed_fields",
            "changed_field_labels",
            "created_at",
        ]
        read_only_fields = fields

    def get_actor(self, revision) -> str:
        return revision.actor.display_name if revision.actor is not None else ""

    def get_changed_field_labels(self, revision) -> list[str]:
        from policies.manage.selectors import field_label

        return [field_label(name) for name in revision.changed_fields]


class PolicyEnterpriseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Enterprise
        fields = ["id", "name", "credit_code"]
        read_only_fields = fields


class PolicyConditionSerializer(serializers.Serializer):
    key = serializers.CharField(help_text=gettext_lazy("条件标识，如 region、tag:3、employees"))
    text = serializers.CharField(help_text=gettext_lazy("条件的文字表述"))
    met = serializers.BooleanField(allow_null=True, help_text=gettext_lazy("是否满足；null 表示企业信息不全、无法判断"))
    missing = serializers.CharField(help_text=gettext_lazy("无法判断时需要补充的企业信息"))


class PolicyEvaluationSerializer(serializers.Serializer):
    """One policy against one enterprise profile."""

    klass = serializers.ChoiceField(choices=KLASS_CHOICES, help_text=gettext_lazy("匹配结果"))
    klass_display = serializers.CharField()
    conditions = PolicyConditionSerializer(many=True)
    amount = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    amount_explanation = serializers.CharField(help_text=gettext_lazy("金额的计算过程"))


class PolicyMatchPolicySerializer(serializers.ModelSerializer):
    class Meta:
        model = Policy
        fields = ["id", "title", "document_number", "application_method", "application_closes"]
        read_only_fields = fields


class PolicyMatchSerializer(serializers.Serializer):
    policy = PolicyMatchPolicySerializer()
    klass = serializers.ChoiceField(choices=KLASS_CHOICES, help_text=gettext_lazy("匹配结果"))
    klass_display = serializers.CharField()
    unmet = serializers.ListField(child=serializers.CharField(), help_text=gettext_lazy("未满足的条件"))
    unknown = serializers.ListField(child=serializers.CharField(), help_text=gettext_lazy("需要补充的企业信息"))
    amount = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    amount_explanation = serializers.CharField()


class PolicyEnterpriseMatchesSerializer(serializers.Serializer):
    enterprise = PolicyEnterpriseSerializer()
    matches = PolicyMatchSerializer(many=True)


# --- Input -----------------------------------------------------------------------


class PolicyProfileSerializer(serializers.Serializer):
    """An enterprise profile for the calculator; every field optional (what is not
    given is unknown)."""

    region = serializers.CharField(required=False, allow_blank=True, help_text=gettext_lazy("所在区划代码，如 341802"))
    industry = serializers.CharField(required=False, allow_blank=True, help_text=gettext_lazy("国民经济行业代码，如 C"))
    scale = serializers.ChoiceField(choices=Enterprise.Scale.choices, required=False, allow_blank=True)
    ownership = serializers.ChoiceField(choices=Enterprise.Ownership.choices, required=False, allow_blank=True)
    tax_credit_grade = serializers.ChoiceField(
        choices=Enterprise.TaxCreditGrade.choices,
        required=False,
        allow_blank=True,
        help_text=gettext_lazy("纳税信用等级"),
    )
    tags = serializers.ListField(
        child=serializers.CharField(), required=False, help_text=gettext_lazy("企业标签名称，如 高新技术企业")
    )
    employees = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    annual_revenue = serializers.DecimalField(
        max_digits=16, decimal_places=2, required=False, allow_null=True, min_value=0
    )
    tax_paid = serializers.DecimalField(max_digits=16, decimal_places=2, required=False, allow_null=True, min_value=0)
    rd_spend = serializers.DecimalField(max_digits=16, decimal_places=2, required=False, allow_null=True, min_value=0)
    founded_on = serializers.DateField(required=False, allow_null=True)

    def validate_region(self, value):
        if not value:
            return None
        path = Region.objects.filter(code=value).values_list("path", flat=True).first()
        if path is None:
            raise serializers.ValidationError(_("没有代码为 %(code)s 的行政区划。") % {"code": value})
        return path

    def validate_industry(self, value):
        if not value:
            return None
        path = Industry.objects.filter(code=value).values_list("path", flat=True).first()
        if path is None:
            raise serializers.ValidationError(_("没有代码为 %(code)s 的行业。") % {"code": value})
        return path

    def validate_tags(self, value):
        names = set(value)
        tags = {tag.name: tag.pk for tag in EnterpriseTag.objects.filter(name__in=names)}
        unknown = sorted(names - set(tags))
        if unknown:
            raise serializers.ValidationError(_("没有这些企业标签：%(names)s") % {"names": "、".join(unknown)})
        return tags
