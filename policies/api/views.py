"""The policies API (/api/v1/policies/, /api/v1/enterprises/{id}/matches/). Thin, like
the cases and roundtables APIs: selectors and ``policies.matching`` called, every error
answer in the shape ``{"errors": [{"field", "message"}]}``.

The published catalogue is public. Who a policy reaches (eligible enterprises) is for
officials who may change policies. An enterprise's matches are for its members and
officials (404 otherwise, so existence does not leak). The calculator evaluates a
profile sent in the request, stored nowhere, for any signed-in user.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from policies import matching, selectors, views_counter
from policies.api import serializers
from policies.filters import PolicyApiFilter
from policies.models import Policy
from portal.api.errors import PublicReadApiViewSet, api_exception_handler, error_responses
from portal.api.filters import PortalFilterBackend

POLICY_ERRORS = error_responses(gettext_lazy("政策不存在或尚未发布"), gettext_lazy("未登录，或无权进行此操作"))
ENTERPRISE_ERRORS = error_responses(gettext_lazy("企业不存在或无权查看"), gettext_lazy("未登录"))


def _conditions(evaluation: matching.Evaluation) -> list[dict]:
    return [{"key": c.key, "text": c.text, "met": c.met, "missing": c.missing} for c in evaluation.conditions]


def _evaluation_data(evaluation: matching.Evaluation) -> dict:
    return {
        "klass": evaluation.klass,
        "klass_display": evaluation.klass_label,
        "conditions": _conditions(evaluation),
        "amount": evaluation.amount,
        "amount_explanation": evaluation.amount_explanation,
    }


def _match_data(evaluation: matching.Evaluation) -> dict:
    """One match in the words of the page (``matching.Evaluation``): the page joins
    the same lists that are given here."""
    return {
        "policy": evaluation.policy,
        "klass": evaluation.klass,
        "klass_display": evaluation.klass_label,
        "unmet": evaluation.unmet_texts,
        "unknown": evaluation.missing_fields,
        "amount": evaluation.amount,
        "amount_explanation": evaluation.amount_explanation,
    }


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("政策列表"),
        description=gettext_lazy(
            "已发布的惠企政策，按发布日期倒序；带 search 时按相关程度排序（标题、简称、关键词、摘要）。无需登录。"
        ),
    ),
)
class PolicyViewSet(mixins.ListModelMixin, PublicReadApiViewSet):
    """惠企政策: the catalogue, who a policy reaches, and the calculator."""

    serializer_class = serializers.PolicyListSerializer
    filter_backends = [PortalFilterBackend]
    filterset_class = PolicyApiFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Policy.objects.none()
        return selectors.policy_list()

    def _policy(self) -> Policy:
        return selectors.policy_get_for_user(user=self.request.user, pk=self._pk())

    @extend_schema(
        summary=gettext_lazy("政策详情"),
        description=gettext_lazy(
            "政策的全部关键要素，申报条件以文字列出。无需登录；草稿和已撤回的政策只有政策管理人员可见。"
        ),
        responses={200: serializers.PolicyDetailSerializer, 404: POLICY_ERRORS[404]},
    )
    def retrieve(self, request, pk=None):
        policy = self._policy()
        views_counter.record_page_view(request, policy)
        policy.condition_texts = [c.text for c in matching.evaluate(policy, matching.Profile()).conditions]
        return Response(serializers.PolicyDetailSerializer(policy, context=self.get_serializer_context()).data)

    @extend_schema(
        summary=gettext_lazy("符合政策的企业"),
        description=gettext_lazy("完全符合本政策条件的企业（分页）。仅限政策管理人员。"),
        responses={
            200: serializers.PolicyEnterpriseSerializer(many=True),
            403: POLICY_ERRORS[403],
            404: POLICY_ERRORS[404],
        },
    )
    @action(detail=True, methods=["get"], url_path="eligible-enterprises", filter_backends=[])
    def eligible_enterprises(self, request, pk=None):
        if not selectors.can_manage(request.user):
            raise exceptions.PermissionDenied(_("只有政策管理人员可以查看符合政策的企业。"))
        policy = self._policy()
        enterprises = matching.eligible_enterprises(policy).order_by("name", "id")
        page = self.paginate_queryset(enterprises)
        data = serializers.PolicyEnterpriseSerializer(page, many=True).data
        return self.get_paginated_response(data)

    @extend_schema(
        summary=gettext_lazy("修订记录"),
        description=gettext_lazy(
            "政策的修订记录（起草、修改、提交审核、退回修改、发布、撤回），按时间先后排列：操作人、版本、"
            "修改说明和修改的字段。限发布部门的工作人员和营商办工作人员；其他部门得到404。"
        ),
        responses={
            200: serializers.PolicyRevisionSerializer(many=True),
            403: POLICY_ERRORS[403],
            404: POLICY_ERRORS[404],
        },
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def revisions(self, request, pk=None):
        from policies.manage import selectors as keeping

        policy = keeping.kept_policy_get(user=request.user, pk=self._pk())
        revisions = keeping.revisions(policy=policy)
        return Response(serializers.PolicyRevisionSerializer(revisions, many=True).data)

    @extend_schema(
        summary=gettext_lazy("政策计算器"),
        description=gettext_lazy(
            "按请求中给出的企业信息（不保存，均可不填）逐条判断本政策的条件：met 为 true 满足、false 不满足、"
            "null 信息不全；并给出匹配结果和预计金额及其计算过程。需要登录。"
        ),
        request=serializers.PolicyProfileSerializer,
        responses={200: serializers.PolicyEvaluationSerializer, **POLICY_ERRORS},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def evaluate(self, request, pk=None):
        policy = self._policy()
        serializer = serializers.PolicyProfileSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        tags = data.get("tags") or {}
        profile = matching.Profile(
            region_path=data.get("region"),
            industry_path=data.get("industry"),
            scale=data.get("scale") or "",
            ownership=data.get("ownership") or "",
            tax_credit_grade=data.get("tax_credit_grade") or "",
            tag_ids=frozenset(tags.values()),
            tag_names=frozenset(tags),
            employees=data.get("employees"),
            annual_revenue=data.get("annual_revenue"),
            tax_paid=data.get("tax_paid"),
            rd_spend=data.get("rd_spend"),
            founded_on=data.get("founded_on"),
        )
        evaluation = matching.evaluate(policy, profile)
        return Response(serializers.PolicyEvaluationSerializer(_evaluation_data(evaluation)).data)


class EnterpriseMatchesView(APIView):
    """The open catalogue classified for one enterprise."""

    permission_classes = [IsAuthenticated]

    def get_exception_handler(self):
        return api_exception_handler

    @extend_schema(
        operation_id="enterprises_matches_retrieve",
        summary=gettext_lazy("企业匹配的政策"),
        description=gettext_lazy(
            "正在实施的政策对该企业的匹配结果：符合、差一项（unmet 列出未满足的条件）、"
            "待补充信息（unknown 列出需要补充的企业信息），含预计金额及计算过程；"
            "默认不含不符合的政策，show=all 时包含。限该企业的成员和营商办工作人员，其他人得到404。"
        ),
        parameters=[
            OpenApiParameter(
                "show",
                OpenApiTypes.STR,
                enum=["all"],
                required=False,
                description=gettext_lazy("all：包含不符合的政策"),
            )
        ],
        responses={200: serializers.PolicyEnterpriseMatchesSerializer, **ENTERPRISE_ERRORS},
        tags=["enterprises"],
    )
    def get(self, request, pk: int):
        show = request.query_params.get("show", "")
        if show not in ("", "all"):
            # A value the schema does not offer is a mistake to report, not a default to guess.
            raise exceptions.ValidationError({"show": _("只能为 all，或不传此参数。")})
        enterprise = matching.matches_enterprise_get(user=request.user, pk=pk)
        matches = matching.enterprise_matches(enterprise=enterprise, include_not_eligible=show == "all")
        data = {"enterprise": enterprise, "matches": [_match_data(e) for e in matches.evaluations]}
        return Response(serializers.PolicyEnterpriseMatchesSerializer(data).data)
