"""Case figures as JSON (/api/v1/reports/case-figures/), for staff: the same figures,
by the same definitions, as the dashboard, the statistics and the roundtable pages."""

from __future__ import annotations

from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from complaints.consultations.selectors import consultation_figures
from complaints.models import Channel
from complaints.permissions import can_view_all
from complaints.reporting import selectors as reports
from complaints.reporting.forms import FiguresForm
from portal.api.errors import error_responses
from portal.replica import reports_from_replica


class CanReadFigures(BasePermission):
    message = gettext_lazy("只有营商办工作人员可以查看诉求统计数据。")

    def has_permission(self, request, view):
        return can_view_all(request.user)


class RateSerializer(serializers.Serializer):
    numerator = serializers.IntegerField(help_text=gettext_lazy("分子"))
    denominator = serializers.IntegerField(help_text=gettext_lazy("分母"))
    percent = serializers.FloatField(allow_null=True, help_text=gettext_lazy("百分比，一位小数；分母为0时为null"))


# 咨询按时答复 (complaints/consultations/): the period's consultations, whatever the
# channel, department or series asked for (those scope cases only).
CONSULTATION_FIGURES_SCHEMA = inline_serializer(
    "ConsultationFigures",
    fields={
        "asked": serializers.IntegerField(help_text=gettext_lazy("咨询量：期间内提出的咨询")),
        "answered": serializers.IntegerField(help_text=gettext_lazy("已答复")),
        "answered_on_time": serializers.IntegerField(help_text=gettext_lazy("按时答复：在答复期限内答复")),
        "overdue_unanswered": serializers.IntegerField(help_text=gettext_lazy("已过答复期限仍未答复")),
        "to_case": serializers.IntegerField(help_text=gettext_lazy("转为诉求件")),
        "on_time_rate": RateSerializer(help_text=gettext_lazy("按时答复率＝按时答复÷（已答复＋已过答复期限仍未答复）")),
        "answer_rate": RateSerializer(help_text=gettext_lazy("答复率＝已答复÷咨询量")),
        "satisfaction_rate": RateSerializer(help_text=gettext_lazy("答复满意率＝满意和基本满意÷全部评价")),
    },
    help_text=gettext_lazy("咨询按时答复：期间内提出的咨询，不受 channel、department、series 筛选影响"),
)

# The answer's shape, for the schema. "from" is a Python keyword, hence the dict.
CASE_FIGURES_SCHEMA = inline_serializer(
    "CaseFigures",
    fields={
        "from": serializers.DateField(help_text=gettext_lazy("起始日期（含）")),
        "to": serializers.DateField(help_text=gettext_lazy("截止日期（含）")),
        "channel": serializers.CharField(allow_null=True),
        "department": serializers.IntegerField(allow_null=True),
        "series": serializers.IntegerField(allow_null=True),
        "received": serializers.IntegerField(help_text=gettext_lazy("登记量：期间内登记的诉求件")),
        "accepted": serializers.IntegerField(help_text=gettext_lazy("受理量")),
        "not_accepted": serializers.IntegerField(help_text=gettext_lazy("不予受理")),
        "assigned": serializers.IntegerField(help_text=gettext_lazy("交办量")),
        "resolved": serializers.IntegerField(help_text=gettext_lazy("办结量：已办结或已销单")),
        "resolution_rate": RateSerializer(help_text=gettext_lazy("办结率＝办结量÷受理量")),
        "overdue_open": serializers.IntegerField(
            help_text=gettext_lazy("超期未办结：在办且当前环节已过期限（未暂停，不含需长期推进事项）")
        ),
        "long_term": serializers.IntegerField(
            help_text=gettext_lazy("需长期推进：经首席问题官批准、正在跟进并需长期推进的在办诉求件")
        ),
        "on_time_rate": RateSerializer(
            help_text=gettext_lazy("按时办理率＝按时完成的环节÷（已完成的环节＋已过期限仍未完成的环节）")
        ),
        "on_time_by_stage": serializers.DictField(child=RateSerializer()),
        "return_visits": serializers.IntegerField(help_text=gettext_lazy("回访次数")),
        "return_visit_rate": RateSerializer(help_text=gettext_lazy("回访率＝本轮已回访的办结件÷办结量")),
        "satisfaction_rate": RateSerializer(help_text=gettext_lazy("满意率＝满意和基本满意÷全部评价")),
        # 咨询按时答复 (complaints/consultations/).
        "consultations": CONSULTATION_FIGURES_SCHEMA,
    },
)


class CaseFiguresView(APIView):
    permission_classes = [CanReadFigures]

    @extend_schema(
        summary=gettext_lazy("诉求办理统计"),
        description=gettext_lazy(
            "期间内登记的诉求件的统计数据，口径与数据看板、诉求办理情况和政商恳谈会情况页面相同。"
            "不带 from/to 时为本年1月1日至今天。"
        ),
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, description=gettext_lazy("起始日期（含），YYYY-MM-DD")),
            OpenApiParameter("to", OpenApiTypes.DATE, description=gettext_lazy("截止日期（含），YYYY-MM-DD")),
            OpenApiParameter("channel", OpenApiTypes.STR, enum=Channel.values, description=gettext_lazy("来源渠道")),
            OpenApiParameter("department", OpenApiTypes.INT, description=gettext_lazy("牵头单位 id")),
            OpenApiParameter(
                "series",
                {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
                description=gettext_lazy("恳谈会系列 id"),
            ),
        ],
        responses={200: CASE_FIGURES_SCHEMA, **error_responses(gettext_lazy("不存在"))},
    )
    @method_decorator(reports_from_replica)
    def get(self, request):
        form = FiguresForm(request.query_params, default=reports.Period.this_year())
        if not form.is_valid():
            errors = {("from" if f == "start" else "to" if f == "end" else f): e for f, e in form.errors.items()}
            raise exceptions.ValidationError(errors)
        period, scope = form.period, form.scope
        figures = reports.case_figures(period, **scope)
        return Response(
            {
                "from": period.start.isoformat(),
                "to": period.end.isoformat(),
                **scope,
                **figures.as_json(),
                "consultations": consultation_figures(period).as_json(),
            }
        )
