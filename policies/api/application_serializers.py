"""Serializers of the applications API (/api/v1/applications/): the application as its
enterprise and its reviewers see it, with its record (申报记录), and one input
serializer per step. The steps themselves are ``policies.applications.services``."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from policies.applications.selectors import actor_name, review_flag
from policies.models import (
    Application,
    ApplicationEvent,
    ApplicationFile,
    ApplicationRating,
    JointOpinion,
    Policy,
    PolicyMaterial,
    ProjectType,
)
from portal.api.fields import ChoiceLabel
from portal.deadlines import yellow_threshold
from portal.models import Enterprise, User
from portal.uploads import ALLOWED_DESCRIPTION, check_upload

# ``status`` and ``flag`` go out as plain strings (values in the help text): other APIs
# already use these names for different choice sets, and the schema's enums keep one
# meaning per name.
STATUS_HELP = gettext_lazy("申报状态：") + "、".join(value for value, _label in Application.Status.choices)
FLAG_HELP = gettext_lazy(
    "审核期限标识（仅已提交和审核中的申报）：green 正常，yellow 一个工作日内到期，red 超期；其他为空"
)
PROJECT_TYPE_HELP = gettext_lazy("项目类型：") + "、".join(f"{value} {label}" for value, label in ProjectType.choices)
OPINION_HELP = gettext_lazy("联审意见：空字符串为待回复，agree 同意，disagree 不同意")
JOINT_FLAG_HELP = gettext_lazy("回复期限标识（仅待回复）：green 正常，yellow 一个工作日内到期，red 超期；已回复为空")
EVENT_KIND_HELP = gettext_lazy("记录类型：") + "、".join(value for value, _label in ApplicationEvent.Kind.choices)


# --- Serializers -----------------------------------------------------------------


class PolicyApplicationPolicySerializer(serializers.ModelSerializer):
    project_type = serializers.CharField(read_only=True, help_text=PROJECT_TYPE_HELP)
    project_type_display = ChoiceLabel("project_type")

    class Meta:
        model = Policy
        fields = ["id", "title", "project_type", "project_type_display"]
        read_only_fields = fields


class PolicyApplicationEnterpriseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Enterprise
        fields = ["id", "name"]
        read_only_fields = fields


class PolicyApplicationFileSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApplicationFile
        fields = ["id", "material", "original_name", "size"]
        read_only_fields = fields


class PolicyApplicationRatingSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApplicationRating
        fields = ["score", "comment", "created_at"]
        read_only_fields = fields


class PolicyApplicationEventSerializer(serializers.ModelSerializer):
    """One entry of the application's record: who (by name and unit), what, when, how much."""

    kind = serializers.CharField(read_only=True, help_text=EVENT_KIND_HELP)
    kind_display = ChoiceLabel("kind")
    from_status = serializers.CharField(read_only=True, help_text=STATUS_HELP)
    to_status = serializers.CharField(read_only=True, help_text=STATUS_HELP)
    actor = serializers.SerializerMethodField(help_text=gettext_lazy("操作人（姓名和单位）"))

    class Meta:
        model = ApplicationEvent
        fields = ["id", "kind", "kind_display", "actor", "created_at", "from_status", "to_status", "amount", "note"]
        read_only_fields = fields

    def get_actor(self, event) -> str:
        return actor_name(event.actor, application=self.context["application"])


class PolicyApplicationJointDepartmentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True, source="display_name")


class PolicyApplicationJointOpinionSerializer(serializers.ModelSerializer):
    """One joint department's opinion (联审意见) on its own working-day clock. Load with
    ``policies.applications.selectors.joint_opinions_of`` (flag, time left, who answered)."""

    department = PolicyApplicationJointDepartmentSerializer(read_only=True)
    opinion = serializers.CharField(read_only=True, help_text=OPINION_HELP)
    opinion_display = serializers.SerializerMethodField(help_text=gettext_lazy("意见的中文名称"))
    flag = serializers.CharField(read_only=True, help_text=JOINT_FLAG_HELP)
    time_left = serializers.CharField(
        read_only=True, help_text=gettext_lazy("待回复的剩余工作日，如“剩余 2 个工作日”“超期 1 个工作日”")
    )
    answered_by = serializers.CharField(
        read_only=True, source="answered_by_name", help_text=gettext_lazy("回复人（姓名和单位）；待回复为空")
    )

    class Meta:
        model = JointOpinion
        fields = [
            "department",
            "opinion",
            "opinion_display",
            "comment",
            "requested_at",
            "due_at",
            "flag",
            "time_left",
            "answered_by",
            "answered_at",
        ]
        read_only_fields = fields

    def get_opinion_display(self, opinion) -> str:
        return str(opinion.get_opinion_display())


class PolicyApplicationPreparerSerializer(serializers.Serializer):
    """帮办代办: who filled the application in for the enterprise."""

    name = serializers.CharField(read_only=True, help_text=gettext_lazy("姓名"))
    unit = serializers.CharField(read_only=True, help_text=gettext_lazy("单位"))


class PolicyApplicationSerializer(serializers.ModelSerializer):
    """An application as its enterprise and its reviewers see it. The context carries
    ``now`` and ``flag_threshold`` (computed once per request)."""

    policy = PolicyApplicationPolicySerializer(read_only=True)
    enterprise = PolicyApplicationEnterpriseSerializer(read_only=True)
    status = serializers.CharField(read_only=True, help_text=STATUS_HELP)
    status_display = ChoiceLabel("status")
    review_flag = serializers.SerializerMethodField(help_text=FLAG_HELP)
    files = PolicyApplicationFileSerializer(many=True, read_only=True)
    rating = serializers.SerializerMethodField()
    prepared_by = serializers.SerializerMethodField(
        help_text=gettext_lazy("帮办代办：代为填报的亲商管家或营商办工作人员；企业自行申报的为 null")
    )
    submitted_under_mandate = serializers.BooleanField(
        read_only=True, help_text=gettext_lazy("是否由代办人员依企业的委托代办代为提交")
    )

    class Meta:
        model = Application
        fields = [
            "id",
            "policy",
            "enterprise",
            "year",
            "status",
            "status_display",
            "is_auto_grant",
            "declared",
            "eligibility",
            "estimated_amount",
            "policy_version",
            "submitted_at",
            "review_due_at",
            "review_flag",
            "correction_request",
            "rejection_reason",
            "approved_amount",
            "paid_amount",
            "paid_on",
            "voucher_number",
            "files",
            "rating",
            "prepared_by",
            "submitted_under_mandate",
        ]
        read_only_fields = fields

    @extend_schema_field(PolicyApplicationPreparerSerializer(allow_null=True))
    def get_prepared_by(self, application):
        preparer = application.prepared_by if application.is_prepared else None
        if preparer is None:
            return None
        department = preparer.department if User.department.is_cached(preparer) else None
        return {"name": preparer.get_full_name(), "unit": department.display_name if department else ""}

    def get_review_flag(self, application) -> str:
        now = self.context.get("now") or timezone.now()
        threshold = self.context.get("flag_threshold") or yellow_threshold(now)
        return review_flag(application, now=now, threshold=threshold)

    @extend_schema_field(PolicyApplicationRatingSerializer(allow_null=True))
    def get_rating(self, application):
        rating = getattr(application, "rating", None)  # a missing rating raises a subclass of AttributeError
        return PolicyApplicationRatingSerializer(rating).data if rating is not None else None


# --- Input -----------------------------------------------------------------------


class PolicyApplicationStartSerializer(serializers.Serializer):
    policy = serializers.PrimaryKeyRelatedField(
        queryset=Policy.objects.filter(state__in=[Policy.State.PUBLISHED, Policy.State.EXPIRED]),
        help_text=gettext_lazy("政策ID"),
    )
    enterprise = serializers.PrimaryKeyRelatedField(
        queryset=Enterprise.objects.all(), help_text=gettext_lazy("申报企业ID（须为当前用户所代表的企业）")
    )
    declared = serializers.DictField(required=False, help_text=gettext_lazy('申报数据，如 {"note": "…"}'))


@extend_schema_field(OpenApiTypes.BINARY)
class UploadField(serializers.FileField):
    """A file in a multipart request (the schema says binary, not a URL)."""


class PolicyApplicationUploadSerializer(serializers.Serializer):
    material = serializers.PrimaryKeyRelatedField(
        queryset=PolicyMaterial.objects.filter(zero_material=False),
        help_text=gettext_lazy("本政策需要上传的申报材料ID（零材料无需上传）"),
    )
    file = UploadField(help_text=gettext_lazy("每个文件不超过20MB，支持%(types)s。") % {"types": ALLOWED_DESCRIPTION})

    def __init__(self, *args, policy: Policy | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if policy is not None:
            self.fields["material"].queryset = policy.materials.filter(zero_material=False)

    def validate_file(self, upload):
        self.content_type = check_upload(upload)
        return upload


class PolicyApplicationSubmitSerializer(serializers.Serializer):
    declared = serializers.DictField(required=False, help_text=gettext_lazy("申报数据；不填则保留已保存的内容"))
    confirmed = serializers.BooleanField(
        default=False, help_text=gettext_lazy("本企业承诺所填信息及所附材料真实有效（必须为 true）")
    )


class PolicyApplicationReturnSerializer(serializers.Serializer):
    correction_request = serializers.CharField(max_length=5000, help_text=gettext_lazy("需要补正的内容"))


class PolicyApplicationApproveSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, help_text=gettext_lazy("核准金额（元）"))


class PolicyApplicationRejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000, help_text=gettext_lazy("不予通过的理由"))


class PolicyApplicationPayoutSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, help_text=gettext_lazy("兑付金额（元）"))
    paid_on = serializers.DateField(help_text=gettext_lazy("实际兑付日期（不晚于今天）"))
    voucher_number = serializers.CharField(max_length=50, help_text=gettext_lazy("凭证号"))


class PolicyApplicationRateSerializer(serializers.Serializer):
    score = serializers.IntegerField(min_value=1, max_value=5, help_text=gettext_lazy("5分为非常满意，1分为非常不满意"))
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class PolicyApplicationDetailSerializer(PolicyApplicationSerializer):
    """One application with its record; the context carries ``events`` (from
    ``policies.applications.selectors.application_timeline``), ``joint_opinions`` (from
    ``joint_opinions_of``) and ``internal`` (the caller reviews it or is a joint department)."""

    events = serializers.SerializerMethodField()
    joint_opinions = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "跨部门联审意见（审查遴选类项目），仅审核人员和联审部门可见；申报企业及其代办人员得到 null"
        )
    )
    joint_review_due_at = serializers.SerializerMethodField(
        help_text=gettext_lazy("联审中时预计完成联审的时间（各待回复部门的最晚回复期限）；否则为 null")
    )

    class Meta(PolicyApplicationSerializer.Meta):
        fields = [*PolicyApplicationSerializer.Meta.fields, "events", "joint_opinions", "joint_review_due_at"]
        read_only_fields = fields

    @extend_schema_field(PolicyApplicationJointOpinionSerializer(many=True, allow_null=True))
    def get_joint_opinions(self, application):
        if not self.context.get("internal"):
            return None
        return PolicyApplicationJointOpinionSerializer(self.context.get("joint_opinions", []), many=True).data

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_joint_review_due_at(self, application):
        from policies.applications.selectors import joint_expected_date

        due = joint_expected_date(self.context.get("joint_opinions", []))
        return serializers.DateTimeField().to_representation(due) if due else None

    @extend_schema_field(PolicyApplicationEventSerializer(many=True))
    def get_events(self, application):
        events = self.context.get("events", [])
        return PolicyApplicationEventSerializer(events, many=True, context={"application": application}).data


class PolicyApplicationDraftSerializer(serializers.Serializer):
    declared = serializers.DictField(help_text=gettext_lazy('申报数据，如 {"note": "…"}'))


class PolicyApplicationPrepareSerializer(serializers.Serializer):
    """帮办代办: the policy and the enterprise staff apply for on its behalf."""

    policy = serializers.PrimaryKeyRelatedField(
        queryset=Policy.objects.filter(state__in=[Policy.State.PUBLISHED, Policy.State.EXPIRED]),
        help_text=gettext_lazy("政策ID"),
    )
    enterprise = serializers.IntegerField(
        help_text=gettext_lazy("企业ID（亲商管家：本人负责的企业；营商办工作人员：任一企业）")
    )
    declared = serializers.DictField(required=False, help_text=gettext_lazy('申报数据，如 {"note": "…"}'))


class PolicyApplicationJointOpinionInputSerializer(serializers.Serializer):
    """联审意见: agree or disagree; disagreeing needs a comment (the service checks)."""

    opinion = serializers.ChoiceField(
        choices=[JointOpinion.Opinion.AGREE, JointOpinion.Opinion.DISAGREE],
        help_text=gettext_lazy("agree 同意，disagree 不同意"),
    )
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=5000, help_text=gettext_lazy("意见说明；不同意时必填")
    )
