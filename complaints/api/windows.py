"""The 办不成事 windows API: a 问题专员's windows (/api/v1/windows/), registering a window
case (``POST /api/v1/windows/{id}/cases/``), the window cases
(/api/v1/window-cases/, by case number) with their 原因分析 (``cause-analysis/``) and
escalation one level up for 会商联办 (``escalate/``). Thin, like the cases API:
``complaints.windows.services`` and ``selectors`` called, errors in the shape
``{"errors": [{"field", "message"}]}``.

Another window's id answers 404, as does a case the user may not see. Only 问题专员
have windows here; escalation is for the 专员 on duty at the case's current window
(and the 营商办 and chief officers, who triage every case)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from complaints import sla
from complaints.api.serializers import CaseListSerializer, CaseUserSerializer, CategoryField
from complaints.api.views import IDEMPOTENCY_HEADER, IDEMPOTENCY_MAX_LENGTH
from complaints.models import Case, ServiceWindow, WindowEscalation
from complaints.windows import selectors, services
from complaints.windows.filters import WindowCaseFilter
from portal.api.errors import ApiViewSet, error_responses
from portal.api.fields import ChoiceLabel
from portal.api.filters import PortalFilterBackend
from portal.models import Enterprise
from portal.pagination import CappedCountPagination

# --- Serializers -----------------------------------------------------------------


# A plain string, not an enum: its choices would collide in the schema with the region's
# ``level`` (portal.Region.Level).
LEVEL_HELP = gettext_lazy("层级：city 市级，county 县级，township 乡镇级，village 村（社区）级")


class ServiceWindowSerializer(serializers.ModelSerializer):
    level = serializers.CharField(read_only=True, help_text=LEVEL_HELP)
    level_display = ChoiceLabel("level")
    region = serializers.CharField(source="region.code", read_only=True, help_text=gettext_lazy("行政区划代码"))
    region_name = serializers.CharField(source="region.display_name", read_only=True)

    class Meta:
        model = ServiceWindow
        fields = ["id", "name", "address", "level", "level_display", "region", "region_name", "is_active"]
        read_only_fields = fields


class WindowRefSerializer(serializers.ModelSerializer):
    level = serializers.CharField(read_only=True, help_text=LEVEL_HELP)
    level_display = ChoiceLabel("level")

    class Meta:
        model = ServiceWindow
        fields = ["id", "name", "level", "level_display"]
        read_only_fields = fields


class WindowEscalationSerializer(serializers.ModelSerializer):
    from_window = WindowRefSerializer(read_only=True)
    to_window = WindowRefSerializer(read_only=True)
    escalated_by = CaseUserSerializer(read_only=True)

    class Meta:
        model = WindowEscalation
        fields = ["from_window", "to_window", "reason", "escalated_by", "escalated_at"]
        read_only_fields = fields


class WindowCaseSerializer(CaseListSerializer):
    """A window case: the case list's row (its flag the case list's), its windows and
    the 原因分析. The queryset must come from ``selectors.window_case_list``."""

    window = WindowRefSerializer(read_only=True)
    current_window = WindowRefSerializer(read_only=True)

    class Meta(CaseListSerializer.Meta):
        fields = [*CaseListSerializer.Meta.fields, "window", "current_window", "cause_analysis"]
        read_only_fields = fields


class WindowCaseDetailSerializer(WindowCaseSerializer):
    """A window case with its way up the levels (``escalations``, first step first)."""

    escalations = WindowEscalationSerializer(source="escalation_rows", many=True, read_only=True)

    class Meta(WindowCaseSerializer.Meta):
        fields = [*WindowCaseSerializer.Meta.fields, "escalations"]
        read_only_fields = fields


class WindowCaseRegisterSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField()
    category = CategoryField(help_text=gettext_lazy("问题分类的编号或名称"))
    complainant_name = serializers.CharField(max_length=50)
    complainant_phone = serializers.CharField(max_length=20, default="", allow_blank=True)
    complainant_email = serializers.EmailField(default="", allow_blank=True)
    enterprise = serializers.PrimaryKeyRelatedField(
        queryset=Enterprise.objects.all(),
        default=None,
        allow_null=True,
        help_text=gettext_lazy("以企业名义反映时填写企业ID（可选）"),
    )
    is_confidential = serializers.BooleanField(default=False)
    cause_analysis = serializers.CharField(
        allow_blank=True, help_text=gettext_lazy("原因分析（必填）：这件事为什么没能办成")
    )


class WindowCauseSerializer(serializers.Serializer):
    cause_analysis = serializers.CharField(allow_blank=True, help_text=gettext_lazy("新的原因分析（必填）"))


class WindowEscalateSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, help_text=gettext_lazy("上报理由（必填）"))


# --- Views -----------------------------------------------------------------------


WINDOW_ERRORS = error_responses(gettext_lazy("窗口不存在或您不在该窗口在岗"))
CASE_ERRORS = error_responses(gettext_lazy("诉求件不存在、不是窗口登记的或无权查看"))


def _case_detail(request, number: str) -> dict:
    case = selectors.window_case_get_for_user(user=request.user, number=number)
    case.escalation_rows = selectors.window_escalations(case=case)
    sla.with_clock_text([case])
    return WindowCaseDetailSerializer(case, context={"request": request}).data


@extend_schema_view(list=extend_schema(summary=gettext_lazy("我在岗的办不成事窗口")))
class WindowViewSet(mixins.ListModelMixin, ApiViewSet):
    """办不成事窗口: the windows the signed-in 问题专员 is on duty at (others: an empty list)."""

    serializer_class = ServiceWindowSerializer
    pagination_class = None
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ServiceWindow.objects.none()
        return selectors.windows_for_specialist(user=self.request.user).order_by("-is_active", "name")

    @extend_schema(
        summary=gettext_lazy("在窗口登记办不成的事"),
        description=gettext_lazy(
            "问题专员在其在岗的窗口登记诉求件（渠道“办不成事窗口”），必须填写原因分析；登记即受理，由营商办交办。"
            "带 Idempotency-Key 请求头重复提交时不会重复登记：首次返回 201，再次返回 200 和首次登记的诉求件。"
            "不在该窗口在岗返回 404。"
        ),
        request=WindowCaseRegisterSerializer,
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=False,
                description=gettext_lazy("幂等键（最长64个字符），同一表单重复提交时使用相同的值"),
            )
        ],
        responses={
            201: WindowCaseDetailSerializer,
            200: OpenApiResponse(WindowCaseDetailSerializer, description=gettext_lazy("该幂等键已登记过的诉求件")),
            **WINDOW_ERRORS,
        },
    )
    @action(detail=True, methods=["post"])
    def cases(self, request, pk=None):
        window = selectors.window_get_for_specialist(user=request.user, pk=self._pk())
        serializer = WindowCaseRegisterSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        key = (request.headers.get(IDEMPOTENCY_HEADER) or "").strip() or None
        if key is not None and len(key) > IDEMPOTENCY_MAX_LENGTH:
            raise exceptions.ValidationError(
                {IDEMPOTENCY_HEADER: [_("幂等键不能超过%(limit)d个字符。") % {"limit": IDEMPOTENCY_MAX_LENGTH}]}
            )
        case = services.window_case_register(
            window=window, actor=request.user, idempotency_key=key, **serializer.validated_data
        )
        location = request.build_absolute_uri(reverse("window-case-detail", kwargs={"number": case.number}))
        return Response(
            _case_detail(request, case.number),
            status=status.HTTP_201_CREATED if case.just_filed else status.HTTP_200_OK,
            headers={"Location": location},
        )


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("窗口诉求件列表")),
    retrieve=extend_schema(
        summary=gettext_lazy("窗口诉求件详情"), responses={200: WindowCaseDetailSerializer, 404: CASE_ERRORS[404]}
    ),
)
class WindowCaseViewSet(mixins.ListModelMixin, ApiViewSet):
    """窗口诉求件: for a 问题专员, the cases of their windows — registered there, consulted
    on there now (会商联办), or escalated from or to there — with the case list's flag
    (green 正常, yellow 临期, red 超期). The detail, by case number, is for anyone who
    may see the case; a case not registered at a window answers 404."""

    lookup_field = "number"
    serializer_class = WindowCaseSerializer
    pagination_class = CappedCountPagination
    filter_backends = [PortalFilterBackend]
    filterset_class = WindowCaseFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Case.objects.none()
        return selectors.window_case_list(user=self.request.user)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            sla.with_clock_text(page)
        return page

    def retrieve(self, request, number=None):
        return Response(_case_detail(request, number))

    @extend_schema(
        summary=gettext_lazy("上报上一级会商联办"),
        description=gettext_lazy(
            "把窗口诉求件从当前会商窗口上报到上一级启用的窗口（村→乡镇→县→市），记录上报理由，"
            "并通知上一级窗口的问题专员和该区域的首席问题官。只有当前会商窗口在岗的问题专员"
            "（以及营商办工作人员、首席问题官）可以上报；已在市级窗口、上一级没有启用的窗口或诉求件已办结时返回 400，"
            "诉求件已被他人上报时返回 409。"
        ),
        request=WindowEscalateSerializer,
        responses={200: WindowCaseDetailSerializer, **CASE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def escalate(self, request, number=None):
        case = selectors.window_case_get_for_user(user=request.user, number=number)
        serializer = WindowEscalateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.window_case_escalate(case=case, actor=request.user, **serializer.validated_data)
        return Response(_case_detail(request, number))

    @extend_schema(
        summary=gettext_lazy("修改原因分析"),
        description=gettext_lazy("窗口诉求件所经窗口在岗的问题专员（以及营商办工作人员、首席问题官）修改原因分析。"),
        request=WindowCauseSerializer,
        responses={200: WindowCaseDetailSerializer, **CASE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="cause-analysis", url_name="cause-analysis")
    def cause_analysis(self, request, number=None):
        case = selectors.window_case_get_for_user(user=request.user, number=number)
        serializer = WindowCauseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.window_case_update_cause(case=case, actor=request.user, **serializer.validated_data)
        return Response(_case_detail(request, number))
