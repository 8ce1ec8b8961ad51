"""The quarterly 红黄黑榜 as JSON (/api/v1/supervision/rankings/?quarter=YYYYQN).

Anyone reads a published quarter: each 承办单位's list and the figures it was decided
on (frozen at publication). Officials also read the draft with ``?draft=true`` (or ``1``); anyone
else asking for it is refused (401 without login, 403 otherwise). A quarter without a
published list (or, with ``?draft=true``, without any list) answers 404. Without
``quarter``, the latest published quarter.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from complaints.api.reports import RateSerializer
from complaints.models import QuarterRanking
from complaints.rankings import selectors
from portal.api.errors import error_responses


class RankingDepartmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name", help_text=gettext_lazy("承办单位名称"))


class RankingFiguresSerializer(serializers.Serializer):
    received = serializers.IntegerField(help_text=gettext_lazy("登记量：本季度登记的诉求件"))
    accepted = serializers.IntegerField(help_text=gettext_lazy("受理量"))
    resolved = serializers.IntegerField(help_text=gettext_lazy("办结量"))
    overdue_open = serializers.IntegerField(help_text=gettext_lazy("超期未办结"))
    on_time_rate = RateSerializer(help_text=gettext_lazy("按时办理率"))
    resolution_rate = RateSerializer(help_text=gettext_lazy("办结率＝办结量÷受理量"))
    satisfaction_rate = RateSerializer(help_text=gettext_lazy("满意率＝满意和基本满意÷全部评价"))
    return_visit_rate = RateSerializer(help_text=gettext_lazy("回访率＝已回访的办结件÷办结量"))


class RankingEntrySerializer(serializers.Serializer):
    department = RankingDepartmentSerializer()
    list = serializers.CharField(help_text=gettext_lazy("榜单：red 红榜、yellow 黄榜、black 黑榜、none 暂不列榜"))
    list_label = serializers.CharField(source="get_list_display")
    drafted_list = serializers.CharField(
        help_text=gettext_lazy("按规则初评的榜单（取值同 list）；与 list 不同时为人工调整")
    )
    moved_reason = serializers.CharField(help_text=gettext_lazy("调整理由；未调整时为空"))
    figures = serializers.SerializerMethodField()

    @extend_schema_field(RankingFiguresSerializer)
    def get_figures(self, entry) -> dict:
        rates = selectors.entry_rates(entry)
        return {
            "received": entry.received,
            "accepted": entry.accepted,
            "resolved": entry.resolved,
            "overdue_open": entry.overdue_open,
            "on_time_rate": rates["on_time"].as_json(),
            "resolution_rate": rates["resolution"].as_json(),
            "satisfaction_rate": rates["satisfaction"].as_json(),
            "return_visit_rate": rates["return_visit"].as_json(),
        }


class QuarterRankingSerializer(serializers.Serializer):
    quarter = serializers.CharField(source="code", help_text=gettext_lazy("季度，如 2026Q1"))
    state = serializers.CharField(help_text=gettext_lazy("状态：draft 草稿、published 已公布"))
    drafted_at = serializers.DateTimeField(help_text=gettext_lazy("生成时间"))
    published_at = serializers.DateTimeField(allow_null=True, help_text=gettext_lazy("公布时间；草稿为空"))
    entries = RankingEntrySerializer(many=True, source="entries.all")


class RankingView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary=gettext_lazy("季度红黄黑榜"),
        description=gettext_lazy(
            "某季度公布的红黄黑榜：各承办单位所在榜单及定榜所依据的数据（公布时冻结）。"
            "营商办工作人员加 draft=true 可查看未公布的草稿。"
        ),
        parameters=[
            OpenApiParameter(
                "quarter",
                {"type": "string", "pattern": r"^[0-9]{4}Q[1-4]$"},
                description=gettext_lazy("季度，YYYYQN，如 2026Q1；缺省为最近公布的季度"),
            ),
            OpenApiParameter(
                "draft",
                OpenApiTypes.STR,
                enum=["true", "false", "1", "0"],
                description=gettext_lazy("查看草稿（仅营商办工作人员）：true 或 1"),
            ),
        ],
        responses={200: QuarterRankingSerializer, **error_responses(gettext_lazy("该季度尚无榜单"))},
    )
    def get(self, request):
        draft_value = request.query_params.get("draft") or "false"  # empty: not given
        if draft_value not in ("true", "false", "1", "0"):
            raise exceptions.ValidationError({"draft": [_("draft 只能是 true、false、1 或 0。")]})
        draft = draft_value in ("true", "1")
        if draft and not selectors.may_manage(request.user):
            if not request.user.is_authenticated:
                raise exceptions.NotAuthenticated
            raise exceptions.PermissionDenied(_("只有营商办工作人员可以查看榜单草稿。"))
        code = request.query_params.get("quarter", "")
        if code:
            parsed = selectors.parse_quarter(code)
            if parsed is None:
                raise exceptions.ValidationError({"quarter": [_("季度格式应为 YYYYQN，如 2026Q1。")]})
        else:
            latest = selectors.published_quarters()[:1]
            if not latest:
                raise exceptions.NotFound(_("尚未公布榜单。"))
            parsed = latest[0]
        year, quarter = parsed
        ranking: QuarterRanking | None = selectors.ranking_get(
            user=request.user, year=year, quarter=quarter, draft=draft
        )
        if ranking is None:
            raise exceptions.NotFound(_("该季度尚无榜单。"))
        return Response(QuarterRankingSerializer(ranking).data)
