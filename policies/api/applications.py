"""The applications API (/api/v1/applications/): 报 (start, upload, submit), 审 (start
review, return for correction, approve, reject), 兑 (payout) and 评 (rate). Thin: input
serializers in, ``policies.services`` and ``policies.application_selectors`` called.

Who sees what mirrors the application pages: the members of the applying enterprise
see its applications; reviewers (``policies.services.can_review``: officials every
application, handlers with ``policies.review_application`` their department's
policies') see those they may review. Anyone else gets 404, so that an application's
existence does not leak. An action the user may not take on an application they can
see is 403; a refused transition or bad input is 400. Every error answer has the
shape ``{"errors": [{"field", "message"}]}``.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from policies import application_selectors as selectors
from policies import services
from policies.models import Application, ApplicationFile, ApplicationRating, Policy, PolicyMaterial
from portal.api.errors import ApiViewSet, error_responses
from portal.api.fields import ChoiceLabel
from portal.deadlines import GREEN, RED, YELLOW, yellow_threshold
from portal.models import Enterprise
from portal.uploads import ALLOWED_DESCRIPTION, check_upload, display_name

EDITABLE = (Application.Status.DRAFT, Application.Status.RETURNED)
CONCLUDED = (Application.Status.PAID, Application.Status.REJECTED)
ROLE_REVIEW = "review"

# ``status`` and ``flag`` go out as plain strings (values in the help text): other APIs
# already use these names for different choice sets, and the schema's enums keep one
# meaning per name.
STATUS_HELP = gettext_lazy("申报状态：") + "、".join(value for value, _label in Application.Status.choices)
FLAG_HELP = gettext_lazy(
    "审核期限标识（仅已提交和审核中的申报）：green 正常，yellow 一个工作日内到期，red 超期；其他为空"
)

ERRORS = error_responses(gettext_lazy("申报不存在或无权查看"), gettext_lazy("未登录，或无权进行此操作"))


# --- Serializers -----------------------------------------------------------------


class PolicyApplicationPolicySerializer(serializers.ModelSerializer):
    class Meta:
        model = Policy
        fields = ["id", "title"]
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


def review_flag(application: Application, *, now, threshold) -> str:
    """green / yellow / red on review_due_at, as ``application_selectors.flag_expression``
    computes it in SQL for the reviewers' workbench."""
    due = application.review_due_at
    if application.status not in selectors.PENDING_REVIEW or due is None:
        return ""
    if due < now:
        return RED
    if due <= threshold:
        return YELLOW
    return GREEN


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
        ]
        read_only_fields = fields

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


# --- Selection -------------------------------------------------------------------


def application_list(user, *, role: str = "", status: str = ""):
    """The applications of the user's enterprises and, for reviewers, those they may
    review (drafts stay with the enterprise, as on the reviewers' workbench).
    ``role="review"``: only those to review."""
    scope = selectors.reviewable_q(user)
    to_review = None if scope is None else scope & ~Q(status=Application.Status.DRAFT)
    if role == ROLE_REVIEW:
        if to_review is None:
            return Application.objects.none()
        condition = to_review
    else:
        condition = Q(enterprise__in=selectors.represented(user).values("pk"))
        if to_review is not None:
            condition |= to_review
    # Archived applications (归档) leave the list; they stay readable by id.
    queryset = Application.objects.filter(condition, archived_at__isnull=True)
    if status:
        queryset = queryset.filter(status=status)
    return (
        queryset.select_related("policy", "enterprise", "rating")
        .prefetch_related("files")
        .order_by("-created_at", "-id")
    )


# --- Views -----------------------------------------------------------------------


def _transition_schema(request_serializer, summary, description):
    return extend_schema(
        summary=summary,
        description=description,
        request=request_serializer,
        responses={200: PolicyApplicationSerializer, **ERRORS},
    )


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("政策申报列表"),
        description=gettext_lazy(
            "当前用户所代表企业的申报，以及审核人员可以审核的申报（营商办工作人员：全部；"
            "有审核权限的部门经办人：本部门发布的政策；不含企业尚未提交的草稿）。"
            "role=review 时只列出可审核的申报。按创建时间倒序，分页。"
        ),
        parameters=[
            OpenApiParameter(
                "status",
                OpenApiTypes.STR,
                enum=Application.Status.values,
                required=False,
                description=gettext_lazy("只列出该状态的申报"),
            ),
            OpenApiParameter(
                "role",
                OpenApiTypes.STR,
                enum=[ROLE_REVIEW],
                required=False,
                description=gettext_lazy("review：只列出当前用户可以审核的申报"),
            ),
        ],
        responses={200: PolicyApplicationSerializer(many=True), 400: ERRORS[400], 403: ERRORS[403]},
    ),
)
class ApplicationViewSet(mixins.ListModelMixin, ApiViewSet):
    """政策申报: 报、审、兑、评."""

    serializer_class = PolicyApplicationSerializer
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Application.objects.none()
        params = self.request.query_params
        status_value = params.get("status", "")
        role = params.get("role", "")
        errors = {}
        if status_value and status_value not in Application.Status.values:
            errors["status"] = [_("没有这个申报状态。")]
        if role and role != ROLE_REVIEW:
            errors["role"] = [_("role 只能为 review。")]
        if errors:
            raise exceptions.ValidationError(errors)
        return application_list(self.request.user, role=role, status=status_value)

    def get_serializer_context(self):
        now = timezone.now()
        return {**super().get_serializer_context(), "now": now, "flag_threshold": yellow_threshold(now)}

    def _get(self) -> tuple[Application, bool, bool]:
        """(application, is_member, is_reviewer); 404 for anyone who may not see it."""
        return selectors.application_for(self.request.user, self._pk())

    def _respond(self, pk: int, status_code: int = status.HTTP_200_OK) -> Response:
        application = Application.objects.select_related("policy", "enterprise").get(pk=pk)
        prefetch_related_objects([application], "files")
        data = PolicyApplicationSerializer(application, context=self.get_serializer_context()).data
        return Response(data, status=status_code)

    @staticmethod
    def _require(allowed: bool, message: str) -> None:
        if not allowed:
            raise exceptions.PermissionDenied(message)

    # --- Reading and starting ------------------------------------------------------

    @extend_schema(
        summary=gettext_lazy("政策申报详情"),
        description=gettext_lazy("限申报企业的成员和可以审核该申报的人员，其他人得到404。"),
        responses={200: PolicyApplicationSerializer, 403: ERRORS[403], 404: ERRORS[404]},
    )
    def retrieve(self, request, pk=None):
        application, _is_member, _is_reviewer = self._get()
        return self._respond(application.pk)

    @extend_schema(
        summary=gettext_lazy("发起申报"),
        description=gettext_lazy(
            "以当前用户所代表的企业发起政策申报（草稿）。该企业本年度已有未结束的申报时返回200和该申报；"
            "不在申报期内返回400并说明原因；不是该企业的认证成员返回403。"
        ),
        request=PolicyApplicationStartSerializer,
        responses={
            201: PolicyApplicationSerializer,
            200: OpenApiResponse(PolicyApplicationSerializer, description=gettext_lazy("本年度已有的申报")),
            **ERRORS,
        },
    )
    def create(self, request):
        serializer = PolicyApplicationStartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        policy, enterprise = data["policy"], data["enterprise"]
        try:
            application = services.application_start(
                policy=policy, enterprise=enterprise, actor=request.user, declared=data.get("declared")
            )
        except PermissionDenied:
            raise exceptions.PermissionDenied(_("您不是该企业的认证成员，不能以其名义申报。")) from None
        return self._respond(application.pk, status.HTTP_201_CREATED if application.just_opened else status.HTTP_200_OK)

    # --- The enterprise side -------------------------------------------------------

    @extend_schema(
        summary=gettext_lazy("上传申报材料"),
        description=gettext_lazy(
            "企业在草稿或退回补正状态下为本政策需要上传的材料上传文件（multipart/form-data）；文件类型按内容判断。"
        ),
        request=PolicyApplicationUploadSerializer,
        responses={201: PolicyApplicationFileSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def files(self, request, pk=None):
        application, is_member, _is_reviewer = self._get()
        self._require(is_member, _("只有申报企业可以上传材料。"))
        with transaction.atomic():
            application = Application.objects.select_for_update().get(pk=application.pk)
            if application.status not in EDITABLE:
                raise exceptions.ValidationError(
                    _("该申报当前状态为“%(status)s”，不能上传材料。") % {"status": application.get_status_display()}
                )
            serializer = PolicyApplicationUploadSerializer(data=request.data, policy=application.policy)
            serializer.is_valid(raise_exception=True)
            upload = serializer.validated_data["file"]
            item = ApplicationFile.objects.create(
                application=application,
                material=serializer.validated_data["material"],
                file=upload,
                original_name=display_name(upload.name),
                content_type=serializer.content_type,
                size=upload.size,
            )
        return Response(PolicyApplicationFileSerializer(item).data, status=status.HTTP_201_CREATED)

    @_transition_schema(
        PolicyApplicationSubmitSerializer,
        gettext_lazy("提交申报"),
        gettext_lazy("提交（或补正后重新提交）。须已上传全部需要上传的材料并确认所填信息真实；审核计时开始。"),
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._transition(request, PolicyApplicationSubmitSerializer, services.application_submit, member=True)

    @extend_schema(
        summary=gettext_lazy("评价"),
        description=gettext_lazy("申报已兑付或未通过后，申报企业可评价一次（1–5分）。"),
        request=PolicyApplicationRateSerializer,
        responses={201: PolicyApplicationSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def rate(self, request, pk=None):
        application, is_member, _is_reviewer = self._get()
        self._require(is_member, _("只有申报企业可以评价。"))
        serializer = PolicyApplicationRateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            application = Application.objects.select_for_update().get(pk=application.pk)
            if (
                application.status not in CONCLUDED
                or ApplicationRating.objects.filter(application=application).exists()
            ):
                raise exceptions.ValidationError(_("该申报现在不能评价。"))
            ApplicationRating.objects.create(application=application, **serializer.validated_data)
        return self._respond(application.pk, status.HTTP_201_CREATED)

    # --- The reviewers' side -------------------------------------------------------

    def _transition(self, request, input_serializer, service, *, member: bool = False) -> Response:
        application, is_member, is_reviewer = self._get()
        if member:
            self._require(is_member, _("只有申报企业可以进行此操作。"))
        else:
            self._require(is_reviewer, _("只有该政策的审核人员可以进行此操作。"))
        data = {}
        if input_serializer is not None:
            serializer = input_serializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
        try:
            service(application=application, actor=request.user, **data)
        except PermissionDenied:
            raise exceptions.PermissionDenied from None
        return self._respond(application.pk)

    @_transition_schema(None, gettext_lazy("开始审核"), gettext_lazy("审核人员开始审核已提交的申报。"))
    @action(detail=True, methods=["post"], url_path="start-review")
    def start_review(self, request, pk=None):
        return self._transition(request, None, services.application_start_review)

    @_transition_schema(
        PolicyApplicationReturnSerializer,
        gettext_lazy("退回补正"),
        gettext_lazy("退回企业补正，写明需要补正的内容；企业会收到通知。"),
    )
    @action(detail=True, methods=["post"], url_path="return")
    def return_for_correction(self, request, pk=None):
        return self._transition(request, PolicyApplicationReturnSerializer, services.application_return)

    @_transition_schema(
        PolicyApplicationApproveSerializer,
        gettext_lazy("核准"),
        gettext_lazy("核准申报及金额（不超过政策规定的单个企业上限）。"),
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._transition(request, PolicyApplicationApproveSerializer, services.application_approve)

    @_transition_schema(
        PolicyApplicationRejectSerializer, gettext_lazy("不予通过"), gettext_lazy("作出不予通过决定并说明理由。")
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._transition(request, PolicyApplicationRejectSerializer, services.application_reject)

    @_transition_schema(
        PolicyApplicationPayoutSerializer,
        gettext_lazy("登记兑付"),
        gettext_lazy("登记已核准申报的资金兑付：金额（不超过核准金额）、兑付日期和凭证号。"),
    )
    @action(detail=True, methods=["post"])
    def payout(self, request, pk=None):
        return self._transition(request, PolicyApplicationPayoutSerializer, services.application_record_payout)
