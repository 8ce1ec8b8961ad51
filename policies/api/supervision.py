"""The monthly 三色图 and the published 督办 as JSON (issue #18).

``/api/v1/supervision/colour-map/?month=YYYY-MM``: officials read every county's and
issuing department's colours and the figures behind them (401 without login, 403 for
anyone else; 404 for a month without a snapshot; the newest month without ``month``, an
empty map before the first).
``/api/v1/supervision/notices/``: anyone reads the published 督办 and their 整改 results.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, serializers
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from policies.supervision import selectors
from portal import roles
from portal.api.errors import error_responses


class IsSupervisor(BasePermission):
    def has_permission(self, request, view):
        user = request.user
        return roles.is_official(user) and user.has_perm("policies.supervise_units")


class UnitSerializer(serializers.Serializer):
    kind = serializers.CharField(
        source="unit_kind", help_text=gettext_lazy("单位类型：region 区县、department 发布部门")
    )
    id = serializers.SerializerMethodField()
    name = serializers.SerializerMethodField()

    def get_id(self, row) -> int:
        return row.region_id or row.department_id

    def get_name(self, row) -> str:
        return str(row.unit)


class SnapshotSerializer(serializers.Serializer):
    unit = UnitSerializer(source="*")
    rank = serializers.IntegerField(allow_null=True, help_text=gettext_lazy("同类单位中的名次（1 为最好）"))
    ranked_units = serializers.IntegerField(help_text=gettext_lazy("参与排名的同类单位数"))
    colour = serializers.CharField(help_text=gettext_lazy("综合颜色：green、yellow、red；无数据为空"))
    overall_score = serializers.FloatField(allow_null=True)
    strength_colour = serializers.CharField()
    strength_score = serializers.FloatField(allow_null=True, help_text=gettext_lazy("力度：受益企业÷符合条件企业×100"))
    speed_colour = serializers.CharField()
    speed_score = serializers.FloatField(allow_null=True, help_text=gettext_lazy("速度：按期审核÷办结审核×100"))
    convenience_colour = serializers.CharField()
    convenience_score = serializers.FloatField(
        allow_null=True, help_text=gettext_lazy("便利度：零材料或免申即享兑付占比与未退回补正占比的平均")
    )
    eligible_firms = serializers.IntegerField()
    benefited_firms = serializers.IntegerField()
    payments = serializers.IntegerField()
    paid_amount = serializers.DecimalField(max_digits=16, decimal_places=2)
    median_workdays = serializers.FloatField(allow_null=True, help_text=gettext_lazy("提交至兑付中位工作日"))
    decided = serializers.IntegerField()
    decided_on_time = serializers.IntegerField()
    easy_payments = serializers.IntegerField()
    submitted = serializers.IntegerField()
    not_returned = serializers.IntegerField()
    previous_colour = serializers.SerializerMethodField(help_text=gettext_lazy("上月综合颜色；上月无数据为空"))
    previous_rank = serializers.SerializerMethodField()
    score_change = serializers.FloatField(allow_null=True, help_text=gettext_lazy("综合得分较上月变化"))

    def get_previous_colour(self, row) -> str:
        return row.previous.colour if row.previous else ""

    def get_previous_rank(self, row) -> int | None:
        return row.previous.rank if row.previous else None


class ColourMapSerializer(serializers.Serializer):
    month = serializers.DateField(
        format="%Y-%m", allow_null=True, help_text=gettext_lazy("月份，YYYY-MM；尚未生成任何三色图时为空")
    )
    regions = SnapshotSerializer(many=True)
    departments = SnapshotSerializer(many=True)


class ColourMapView(APIView):
    permission_classes = [IsSupervisor]

    @extend_schema(
        summary=gettext_lazy("政策兑付三色图"),
        description=gettext_lazy(
            "某月各区县和各发布部门的三色图：力度、速度、便利度和综合的颜色、得分及依据数据，附上月对比。"
        ),
        parameters=[
            OpenApiParameter(
                "month",
                {"type": "string", "pattern": r"^[0-9]{4}-(0[1-9]|1[0-2])$"},
                description=gettext_lazy("月份，YYYY-MM；缺省为最近一个月"),
            )
        ],
        responses={200: ColourMapSerializer, **error_responses(gettext_lazy("该月尚无三色图"))},
    )
    def get(self, request):
        value = request.query_params.get("month", "")
        if value:
            month = selectors.parse_month(value)
            if month is None:
                raise exceptions.ValidationError({"month": [_("月份格式应为 YYYY-MM，如 2026-01。")]})
        else:
            months = selectors.snapshot_months()[:1]
            if not months:
                # Before the first month end: an empty map, not an error.
                return Response(ColourMapSerializer({"month": None, "regions": [], "departments": []}).data)
            month = months[0]
        grid = selectors.colour_map(month=month)
        if not grid["regions"] and not grid["departments"]:
            raise exceptions.NotFound(_("该月尚无三色图。"))
        return Response(ColourMapSerializer(grid).data)


class NoticeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    month = serializers.DateField(format="%Y-%m", help_text=gettext_lazy("督办月份，YYYY-MM"))
    unit = UnitSerializer(source="*")
    subject = serializers.CharField(help_text=gettext_lazy("督办事项"))
    due_on = serializers.DateField(help_text=gettext_lazy("整改期限"))
    answer = serializers.CharField(help_text=gettext_lazy("整改情况；未答复为空"))
    answered_at = serializers.DateTimeField(allow_null=True)
    verdict = serializers.CharField(help_text=gettext_lazy("评价结果：done 整改到位、not_done 整改不到位；待评价为空"))
    verdict_label = serializers.CharField(source="get_verdict_display")
    evaluation = serializers.CharField(help_text=gettext_lazy("评价意见"))
    published_at = serializers.DateTimeField(allow_null=True)


@extend_schema(
    summary=gettext_lazy("督办公示"),
    description=gettext_lazy("已公示的督办及其整改结果，最新在前；无需登录。"),
)
class NoticeListView(generics.ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = NoticeSerializer

    def get_queryset(self):
        return selectors.published_notices()
