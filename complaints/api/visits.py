"""The 走访 API (/api/v1/visits/): a 亲商管家's visits to the enterprises they look after,
and turning a problem found into a case. Thin, like the cases API: input serializers in,
``complaints.visits.services`` and ``complaints.visits.selectors`` called, and every
error answer in the shape ``{"errors": [{"field", "message"}]}``.

Who reads a visit: its 管家, officials (every visit), and the approved members of the
visited enterprise — without ``discussed`` (the 管家's notes; null for them). Anyone
else gets 404, another 管家 included. Only a 管家 records visits, to their own
enterprises; the visit's 管家 (or an official) turns a problem into a case, once.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from complaints.api.walkthroughs import FindingCaseSerializer
from complaints.models import ProblemCategory, Visit, VisitProblem
from complaints.visits import selectors, services
from complaints.visits.filters import VisitFilter
from portal.api.errors import ApiViewSet, error_responses
from portal.api.filters import PortalFilterBackend
from portal.models import Enterprise, User

# --- Output ----------------------------------------------------------------------


class VisitStewardSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="get_full_name", read_only=True, help_text=_("姓名"))
    unit = serializers.CharField(
        source="department.display_name", read_only=True, allow_null=True, default=None, help_text=_("单位")
    )

    class Meta:
        model = User
        fields = ["id", "name", "unit"]
        read_only_fields = fields


class VisitEnterpriseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Enterprise
        fields = ["id", "name", "credit_code"]
        read_only_fields = fields


class VisitProblemSerializer(serializers.ModelSerializer):
    case = FindingCaseSerializer(read_only=True, allow_null=True, help_text=_("转成的诉求件；尚未转办时为空"))

    class Meta:
        model = VisitProblem
        fields = ["id", "description", "case"]
        read_only_fields = fields


class VisitSerializer(serializers.ModelSerializer):
    """A visit with its problems. The queryset must come from
    ``complaints.visits.selectors`` (with the problems and their cases prefetched)."""

    steward = VisitStewardSerializer(read_only=True)
    enterprise = VisitEnterpriseSerializer(read_only=True)
    discussed = serializers.SerializerMethodField(help_text=_("交流内容；仅走访人和营商办工作人员可见，企业看到的为空"))
    problems = VisitProblemSerializer(many=True, read_only=True)

    class Meta:
        model = Visit
        fields = ["id", "steward", "enterprise", "visited_on", "people_met", "discussed", "problems", "created_at"]
        read_only_fields = fields

    def get_discussed(self, visit) -> str | None:
        request = self.context.get("request")
        return visit.discussed if request is not None and selectors.sees_notes(request.user, visit) else None


# --- Input -----------------------------------------------------------------------


class VisitCreateSerializer(serializers.Serializer):
    enterprise = serializers.IntegerField(help_text=_("企业ID，须为您联系的企业"))
    visited_on = serializers.DateField(help_text=_("走访日期，不能晚于今天"))
    people_met = serializers.CharField(max_length=200, help_text=_("接待人员，如：张总（总经理）、李会计"))
    discussed = serializers.CharField(help_text=_("交流内容"))
    problems = serializers.ListField(
        child=serializers.CharField(allow_blank=True),
        default=list,
        max_length=services.MAX_PROBLEMS,
        help_text=_("发现的问题，一条一个；空白的不保存"),
    )

    def validate_enterprise(self, value):
        enterprise = selectors.steward_enterprises(user=self.context["request"].user).filter(pk=value).first()
        if enterprise is None:
            raise serializers.ValidationError(_("您不是该企业的亲商管家，不能记录对它的走访。"))
        return enterprise


class VisitToCaseSerializer(serializers.Serializer):
    category = serializers.PrimaryKeyRelatedField(
        queryset=ProblemCategory.objects.filter(is_active=True),
        default=None,
        allow_null=True,
        help_text=_("问题分类ID；不填则为“其他”"),
    )


# --- Views -----------------------------------------------------------------------


VISIT_ERRORS = error_responses(gettext_lazy("走访记录不存在或无权查看"))


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("走访记录列表"),
        description=gettext_lazy(
            "亲商管家看到自己的走访记录；营商办工作人员看到全部；企业用户看到对本企业的走访（不含交流内容）。"
            "可按企业（enterprise）和走访日期（visited_after、visited_before）筛选。"
        ),
    ),
)
class VisitViewSet(mixins.ListModelMixin, ApiViewSet):
    """走访记录 (a 亲商管家's visits)."""

    serializer_class = VisitSerializer
    filter_backends = [PortalFilterBackend]
    filterset_class = VisitFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Visit.objects.none()
        return selectors.visit_list(user=self.request.user).prefetch_related("problems__case")

    def _detail(self, pk: int) -> dict:
        visit = selectors.visit_get_for_user(user=self.request.user, pk=pk)
        return VisitSerializer(visit, context=self.get_serializer_context()).data

    @extend_schema(
        summary=gettext_lazy("记录走访"),
        description=gettext_lazy("亲商管家记录对其联系企业的一次走访及发现的问题。其他角色返回 403。"),
        request=VisitCreateSerializer,
        responses={201: VisitSerializer, **VISIT_ERRORS},
    )
    def create(self, request):
        if not selectors.is_steward(request.user):
            raise exceptions.PermissionDenied(_("只有亲商管家可以记录走访。"))
        serializer = VisitCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        visit = services.visit_record(steward=request.user, **serializer.validated_data)
        location = request.build_absolute_uri(reverse("visit-detail", kwargs={"pk": visit.pk}))
        return Response(self._detail(visit.pk), status=status.HTTP_201_CREATED, headers={"Location": location})

    @extend_schema(summary=gettext_lazy("走访记录详情"), responses={200: VisitSerializer, 404: VISIT_ERRORS[404]})
    def retrieve(self, request, pk=None):
        return Response(self._detail(self._pk()))

    @extend_schema(
        summary=gettext_lazy("将走访发现的问题转为诉求件"),
        description=gettext_lazy(
            "以“走访”渠道为该企业登记诉求件并受理（登记即受理，按1-2-3时限办理），走访人为登记人。"
            "每个问题只能转一次：再次转办返回 409。"
        ),
        parameters=[
            OpenApiParameter("problem_id", int, OpenApiParameter.PATH, description=gettext_lazy("发现问题的ID"))
        ],
        request=VisitToCaseSerializer,
        responses={201: FindingCaseSerializer, **VISIT_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path=r"problems/(?P<problem_id>[^/.]+)/to-case", url_name="to-case")
    def to_case(self, request, pk=None, problem_id=None):
        visit = selectors.visit_get_for_user(user=request.user, pk=self._pk())
        if not (str(problem_id).isascii() and str(problem_id).isdigit()):
            raise exceptions.NotFound
        problem = selectors.visit_problem_get(visit=visit, problem_id=int(problem_id))
        if not selectors.may_convert(request.user, visit):
            raise exceptions.PermissionDenied(_("只有走访人或营商办工作人员可以将问题转为诉求件。"))
        serializer = VisitToCaseSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        case = services.visit_problem_to_case(problem=problem, actor=request.user, **serializer.validated_data)
        location = request.build_absolute_uri(reverse("case-detail", kwargs={"number": case.number}))
        return Response(
            FindingCaseSerializer(case).data, status=status.HTTP_201_CREATED, headers={"Location": location}
        )
