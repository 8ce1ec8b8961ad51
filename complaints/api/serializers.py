"""Serializers of the cases API: what a case looks like to the reader, and one small
input serializer per transition.

The complainant's identity goes out only through the model's ``*_display``
properties, which mask it unless the selector annotated ``identity_visible`` for
the reading user. No field here reads ``complainant_*``, ``on_behalf_of_organisation``
or the enterprise directly.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from complaints.models import (
    Case,
    CaseEvent,
    CaseRating,
    CaseTask,
    Channel,
    LongTermRequest,
    NonAcceptanceReason,
    ProblemCategory,
    Rating,
    RatingMethod,
    Recheck,
    RecheckOutcome,
    ReturnVisit,
    ReturnVisitMethod,
    Tier,
)
from complaints.services import checked_receipt_time
from portal.api.fields import ChoiceLabel
from portal.deadlines import GREEN, RED, YELLOW
from portal.models import Department, Enterprise, Region, User

FLAG_CHOICES = [(GREEN, GREEN), (YELLOW, YELLOW), (RED, RED), ("", "")]


# --- Output ----------------------------------------------------------------------


class CaseDepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "name"]


class CaseUserSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="get_full_name", read_only=True)

    class Meta:
        model = User
        fields = ["id", "name"]


class CaseTaskSerializer(serializers.ModelSerializer):
    """A task from ``selectors.case_tasks`` (which sets ``is_overdue``)."""

    department = CaseDepartmentSerializer(read_only=True)
    done_by = serializers.SerializerMethodField(help_text=_("销号人姓名；仅工作人员可见"))
    is_overdue = serializers.BooleanField(read_only=True, help_text=_("已过完成期限且未销号"))

    class Meta:
        model = CaseTask
        fields = [
            "id",
            "round",
            "task",
            "measure",
            "deadline",
            "department",
            "responsible_person",
            "done_at",
            "done_note",
            "done_by",
            "is_overdue",
        ]

    def get_done_by(self, obj) -> str | None:
        # A person's name, never their login name; for the staff side (context
        # ``show_actors``), like the actors of the timeline.
        if obj.done_by_id is None or not self.context.get("show_actors", False):
            return None
        return obj.done_by.get_full_name()


class ReturnVisitSerializer(serializers.ModelSerializer):
    method_display = ChoiceLabel("method")
    visited_by = serializers.SerializerMethodField()

    class Meta:
        model = ReturnVisit
        fields = [
            "round",
            "method",
            "method_display",
            "solved",
            "handling_smooth",
            "explanation_complete",
            "problems",
            "suggestions",
            "note",
            "visited_by",
            "visited_at",
        ]
        read_only_fields = fields

    def get_visited_by(self, obj) -> str | None:
        return obj.visited_by.get_full_name() if obj.visited_by_id else None


class RecheckSerializer(serializers.ModelSerializer):
    outcome_display = ChoiceLabel("outcome")
    new_case = serializers.CharField(source="new_case.number", read_only=True, allow_null=True)
    checked_by = serializers.SerializerMethodField()

    class Meta:
        model = Recheck
        fields = ["outcome", "outcome_display", "note", "new_case", "checked_by", "checked_at"]
        read_only_fields = fields

    def get_checked_by(self, obj) -> str | None:
        return obj.checked_by.get_full_name() if obj.checked_by_id else None


class CaseRatingSerializer(serializers.ModelSerializer):
    rating_display = ChoiceLabel("rating")
    method_display = ChoiceLabel("method")

    class Meta:
        model = CaseRating
        # Not rated_by: on a confidential case the rater is the complainant.
        fields = ["round", "rating", "rating_display", "method", "method_display", "comment", "created_at"]


class CaseListSerializer(serializers.ModelSerializer):
    """One row of the case list. The queryset must come from ``selectors.case_list``."""

    channel_display = ChoiceLabel("channel")
    category = serializers.CharField(source="category.name", read_only=True)
    status_display = ChoiceLabel("status")
    tier_display = ChoiceLabel("tier")
    lead_department = CaseDepartmentSerializer(read_only=True, allow_null=True)
    stage_display = ChoiceLabel("stage")
    flag = serializers.ChoiceField(
        choices=FLAG_CHOICES, read_only=True, help_text=_("green 正常，yellow 临期，red 超期")
    )
    is_suspended = serializers.BooleanField(read_only=True)
    is_long_term = serializers.SerializerMethodField(help_text=_("需长期推进：不计入超期，单独统计"))
    long_term_review_on = serializers.SerializerMethodField(help_text=_("需长期推进的下次评估日期"))
    overdue_tasks = serializers.IntegerField(read_only=True, help_text=_("本轮逾期未销号的任务数"))
    identity_visible = serializers.SerializerMethodField()
    complainant_name = serializers.CharField(source="complainant_name_display", read_only=True)
    enterprise = serializers.SerializerMethodField(help_text=_("企业ID；诉求人身份保密时为空。"))
    enterprise_name = serializers.CharField(source="enterprise_display", read_only=True)

    class Meta:
        model = Case
        fields = [
            "number",
            "channel",
            "channel_display",
            "title",
            "category",
            "status",
            "status_display",
            "tier",
            "tier_display",
            "lead_department",
            "stage",
            "stage_display",
            "stage_due_at",
            "flag",
            "is_suspended",
            "is_long_term",
            "long_term_review_on",
            "overdue_tasks",
            "is_supervised",
            "is_escalated",
            "round",
            "received_at",
            "resolve_due_at",
            "is_confidential",
            "identity_visible",
            "complainant_name",
            "enterprise",
            "enterprise_name",
        ]
        read_only_fields = fields

    def get_identity_visible(self, obj) -> bool:
        return bool(getattr(obj, "identity_visible", False))

    # 需长期推进 describes an open case (a resolved one has left it).
    def get_is_long_term(self, obj) -> bool:
        return obj.is_open and obj.is_long_term

    def get_long_term_review_on(self, obj) -> dt.date | None:
        return obj.long_term_review_on if self.get_is_long_term(obj) else None

    def get_enterprise(self, obj) -> int | None:
        return obj.enterprise_id if getattr(obj, "identity_visible", False) else None


class LongTermRequestSerializer(serializers.ModelSerializer):
    requested_by = serializers.SerializerMethodField()

    class Meta:
        model = LongTermRequest
        fields = ["reason", "review_on", "requested_by", "requested_at"]
        read_only_fields = fields

    def get_requested_by(self, obj) -> str:
        return obj.requested_by.get_full_name()


class CaseDetailSerializer(CaseListSerializer):
    """A whole case as the reader may see it."""

    long_term_reason = serializers.SerializerMethodField(help_text=_("需长期推进的原因"))
    long_term_request = LongTermRequestSerializer(
        read_only=True, allow_null=True, help_text=_("待首席问题官审批的长期推进申请；仅工作人员可见")
    )

    co_departments = CaseDepartmentSerializer(many=True, read_only=True)
    chief_officer = CaseUserSerializer(read_only=True, allow_null=True)
    complainant_phone = serializers.CharField(source="complainant_phone_display", read_only=True)
    complainant_email = serializers.CharField(source="complainant_email_display", read_only=True)
    on_behalf_of_organisation = serializers.CharField(source="organisation_display", read_only=True)
    non_acceptance_reason = serializers.CharField(source="non_acceptance_reason.title", read_only=True, allow_null=True)
    tasks = CaseTaskSerializer(
        source="task_rows", many=True, read_only=True, help_text=_("四个清单：任务、措施、期限、责任")
    )
    ratings = CaseRatingSerializer(many=True, read_only=True)
    return_visits = ReturnVisitSerializer(
        source="follow_ups.return_visits", many=True, read_only=True, help_text=_("回访记录；仅工作人员可见")
    )
    recheck = RecheckSerializer(
        source="follow_ups.recheck", read_only=True, allow_null=True, help_text=_("回头看；仅工作人员可见")
    )
    origin_case = serializers.SerializerMethodField(help_text=_("本件所由来的诉求件编号（拆分或反弹）"))
    derived_cases = serializers.SerializerMethodField(help_text=_("由本件拆分或反弹后登记的诉求件编号"))
    actions = serializers.ListField(
        child=serializers.CharField(),
        source="available_actions",
        read_only=True,
        help_text=_("当前用户现在可以对本件执行的操作"),
    )

    class Meta(CaseListSerializer.Meta):
        fields = [
            *CaseListSerializer.Meta.fields,
            "description",
            "complainant_phone",
            "complainant_email",
            "on_behalf_of_organisation",
            "co_departments",
            "chief_officer",
            "unsatisfied_count",
            "suspended_at",
            "suspension_reason",
            "long_term_since",
            "long_term_reason",
            "long_term_request",
            "assign_due_at",
            "measures_due_at",
            "feedback_due_at",
            "accepted_at",
            "assigned_at",
            "measures_set_at",
            "feedback_at",
            "resolved_at",
            "closed_at",
            "non_acceptance_reason",
            "reply",
            "feedback_text",
            "resolution",
            "tasks",
            "ratings",
            "return_visits",
            "recheck",
            "origin_case",
            "derived_cases",
            "actions",
        ]
        read_only_fields = fields

    def get_long_term_reason(self, obj) -> str:
        return obj.long_term_reason if self.get_is_long_term(obj) else ""

    # The linked cases the reader may see (``selectors.case_links``, set by the view).
    def get_origin_case(self, obj) -> str | None:
        origin = obj.links["origin"]
        return origin.number if origin is not None else None

    def get_derived_cases(self, obj) -> list[str]:
        return [case.number for case in obj.links["derived"]]


class CaseEventSerializer(serializers.ModelSerializer):
    """A timeline entry from ``selectors.case_timeline``. ``actor`` is named to the
    staff side only (context ``show_actors``), and comes masked when the actor is the
    complainant's side of a case whose identity the reader may not see."""

    kind_display = ChoiceLabel("kind")
    from_status_display = ChoiceLabel("from_status")
    to_status_display = ChoiceLabel("to_status")
    # Plain strings: the values of ``status`` (a second enum of the same choices
    # would make the schema name one choice set twice).
    from_status = serializers.CharField(read_only=True, help_text=_("原状态，取值同诉求件的 status；可为空"))
    to_status = serializers.CharField(read_only=True, help_text=_("新状态，取值同诉求件的 status；可为空"))
    actor = serializers.SerializerMethodField()

    class Meta:
        model = CaseEvent
        fields = [
            "id",
            "kind",
            "kind_display",
            "created_at",
            "actor",
            "from_status",
            "from_status_display",
            "to_status",
            "to_status_display",
            "stage",
            "round",
            "note",
            "is_public",
        ]
        read_only_fields = fields

    def get_actor(self, obj) -> str | None:
        if obj.actor_id is None or not self.context.get("show_actors", False):
            return None
        return str(obj.actor_name)


# --- Input -----------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.STR)
class CategoryField(serializers.RelatedField):
    """A problem category by its id or by its name (e.g. "审批服务")."""

    default_error_messages = {
        "does_not_exist": _("问题分类“%(value)s”不存在或已停用。"),
        "incorrect_type": _("问题分类应为编号或名称。"),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", ProblemCategory.objects.filter(is_active=True))
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("incorrect_type")
        text = str(data).strip()
        lookup = {"pk": int(text)} if text.isdigit() and len(text) <= 9 else {"name": text}
        try:
            return self.get_queryset().get(**lookup)
        except ProblemCategory.DoesNotExist:
            raise serializers.ValidationError(self.error_messages["does_not_exist"] % {"value": text}) from None

    def to_representation(self, value):
        return value.name


def _active_departments():
    return Department.objects.filter(is_active=True)


class CaseCreateSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(
        choices=Channel.choices,
        default=Channel.API,
        help_text=_("来源渠道，默认“系统对接”；只有营商办工作人员可以登记其他渠道的诉求。"),
    )
    title = serializers.CharField(max_length=200)
    description = serializers.CharField()
    category = CategoryField(help_text=_("问题分类的编号或名称"))
    complainant_name = serializers.CharField(max_length=50)
    complainant_phone = serializers.CharField(max_length=20, default="", allow_blank=True)
    complainant_email = serializers.EmailField(default="", allow_blank=True)
    enterprise = serializers.PrimaryKeyRelatedField(
        queryset=Enterprise.objects.all(),
        default=None,
        allow_null=True,
        help_text=_("以企业名义反映时填写企业ID，须是您获准代表的企业。"),
    )
    region = serializers.SlugRelatedField(
        slug_field="code", queryset=Region.objects.all(), default=None, allow_null=True, help_text=_("行政区划代码")
    )
    is_confidential = serializers.BooleanField(default=False)
    on_behalf_of_organisation = serializers.CharField(max_length=100, default="", allow_blank=True)
    received_at = serializers.DateTimeField(
        default=None,
        allow_null=True,
        help_text=_(
            "诉求到达的时间，交办期限从此起算；不填为现在。只有营商办工作人员可以填写，不能晚于现在，也不能早于30天前。"
        ),
    )

    phone_code = serializers.CharField(
        max_length=6,
        default="",
        allow_blank=True,
        write_only=True,
        help_text=_(
            "短信验证码（POST /api/v1/cases/phone-code/ 获取）。平台开启手机号码验证时，"
            "complainant_phone 不是当前账号本人的手机号码的必须填写；未开启时忽略。"
        ),
    )

    def validate_received_at(self, value):
        try:
            return checked_receipt_time(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None


class CaseAcceptSerializer(serializers.Serializer):
    note = serializers.CharField(default="", allow_blank=True)


class CaseRejectSerializer(serializers.Serializer):
    reason = serializers.PrimaryKeyRelatedField(
        queryset=NonAcceptanceReason.objects.filter(is_active=True), help_text=_("不予受理情形ID")
    )
    reply = serializers.CharField()


class CaseAssignSerializer(serializers.Serializer):
    lead_department = serializers.PrimaryKeyRelatedField(queryset=_active_departments())
    co_departments = serializers.PrimaryKeyRelatedField(queryset=_active_departments(), many=True, default=list)
    tier = serializers.ChoiceField(choices=Tier.choices, default=Tier.ORDINARY)
    chief_officer = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), default=None, allow_null=True
    )
    note = serializers.CharField(default="", allow_blank=True)


class CaseTaskInputSerializer(serializers.Serializer):
    task = serializers.CharField(max_length=200)
    measure = serializers.CharField()
    deadline = serializers.DateField()
    department = serializers.PrimaryKeyRelatedField(queryset=_active_departments())
    responsible_person = serializers.CharField(max_length=50)


class CaseSetMeasuresSerializer(serializers.Serializer):
    tasks = CaseTaskInputSerializer(many=True, max_length=20)
    note = serializers.CharField(default="", allow_blank=True)


class CaseFeedbackSerializer(serializers.Serializer):
    feedback = serializers.CharField()


class CaseResolveSerializer(serializers.Serializer):
    resolution = serializers.CharField()
    open_tasks_reason = serializers.CharField(
        default="", allow_blank=True, help_text=_("本轮尚有任务未销号时必填：为何仍可办结")
    )


class CaseTaskDoneSerializer(serializers.Serializer):
    note = serializers.CharField(help_text=_("任务完成情况"))


class CaseReturnVisitSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=ReturnVisitMethod.choices)
    solved = serializers.BooleanField(help_text=_("问题是否解决；否则再次交办"))
    note = serializers.CharField(default="", allow_blank=True, help_text=_("回访记录；问题未解决时必填"))
    handling_smooth = serializers.BooleanField(default=None, allow_null=True, help_text=_("办理过程是否顺畅"))
    explanation_complete = serializers.BooleanField(default=None, allow_null=True, help_text=_("解释说明是否到位"))
    problems = serializers.CharField(default="", allow_blank=True, help_text=_("办理中遇到的问题"))
    suggestions = serializers.CharField(default="", allow_blank=True, help_text=_("意见建议"))


class CaseRecheckSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=RecheckOutcome.choices)
    note = serializers.CharField(default="", allow_blank=True, help_text=_("情况说明；问题反弹时必填"))


class CaseSplitPartSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField()
    category = CategoryField(
        required=False, default=None, allow_null=True, help_text=_("问题分类的编号或名称；不填沿用原件")
    )


class CaseSplitSerializer(serializers.Serializer):
    parts = CaseSplitPartSerializer(many=True, min_length=2, max_length=5, help_text=_("每个问题一件；本件保留第1个"))


class CaseSplitResultSerializer(serializers.Serializer):
    cases = serializers.ListField(
        child=serializers.CharField(), help_text=_("本件和新登记的诉求件编号，依次对应各个问题")
    )


class CaseRateSerializer(serializers.Serializer):
    rating = serializers.ChoiceField(choices=Rating.choices)
    comment = serializers.CharField(default="", allow_blank=True)
    method = serializers.ChoiceField(
        choices=RatingMethod.choices,
        default=RatingMethod.ENTERPRISE,
        help_text=_("企业评价为 enterprise；营商办工作人员回访时填写 phone、visit 或 wechat。"),
    )


class CaseSuspendSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class CaseResumeSerializer(serializers.Serializer):
    note = serializers.CharField(default="", allow_blank=True)


class CaseEscalateSerializer(serializers.Serializer):
    chief_officer = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))
    note = serializers.CharField(default="", allow_blank=True)


class CaseLongTermRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text=_("需长期推进的原因"))
    review_on = serializers.DateField(help_text=_("下次评估日期：今天以后的工作日"))


class CaseLongTermDecideSerializer(serializers.Serializer):
    approved = serializers.BooleanField(help_text=_("true 同意，false 不同意"))
    note = serializers.CharField(default="", allow_blank=True, help_text=_("审批意见；不同意时必填"))


class CaseLongTermExtendSerializer(serializers.Serializer):
    review_on = serializers.DateField(help_text=_("新的评估日期：今天以后的工作日"))
    note = serializers.CharField(default="", allow_blank=True, help_text=_("评估情况"))


class CaseLongTermEndSerializer(serializers.Serializer):
    note = serializers.CharField(default="", allow_blank=True)


class PhoneCodeRequestSerializer(serializers.Serializer):
    complainant_phone = serializers.CharField(max_length=20, help_text=_("接收验证码的手机号码（11位）"))


class PhoneCodeSentSerializer(serializers.Serializer):
    detail = serializers.CharField()
