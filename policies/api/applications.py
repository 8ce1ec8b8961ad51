"""The applications API (/api/v1/applications/): 报 (start, upload, submit), 审 (start
review, return for correction, approve, reject), 兑 (payout) and 评 (rate). Thin: input
serializers in, ``policies.applications.services`` and ``.selectors`` called;
serializers in ``policies.api.application_serializers``.

Who sees what mirrors the application pages: the members of the applying enterprise
see its applications; reviewers (``policies.applications.selectors.can_review``: officials every
application, handlers with ``policies.review_application`` their department's
policies') see those they may review. Anyone else gets 404, so that an application's
existence does not leak. An action the user may not take on an application they can
see is 403; a refused transition or bad input is 400. Every error answer has the
shape ``{"errors": [{"field", "message"}]}``.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import prefetch_related_objects
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from policies.api.application_serializers import (
    PolicyApplicationApproveSerializer,
    PolicyApplicationDetailSerializer,
    PolicyApplicationDraftSerializer,
    PolicyApplicationFileSerializer,
    PolicyApplicationJointOpinionInputSerializer,
    PolicyApplicationPayoutSerializer,
    PolicyApplicationPrepareSerializer,
    PolicyApplicationRateSerializer,
    PolicyApplicationRejectSerializer,
    PolicyApplicationReturnSerializer,
    PolicyApplicationSerializer,
    PolicyApplicationStartSerializer,
    PolicyApplicationSubmitSerializer,
    PolicyApplicationUploadSerializer,
)
from policies.applications import selectors, services
from policies.models import Application, ApplicationFile, JointOpinion
from portal.api.errors import ApiViewSet, error_responses
from portal.deadlines import yellow_threshold

ROLE_REVIEW = selectors.ROLE_REVIEW
ERRORS = error_responses(gettext_lazy("申报不存在或无权查看"), gettext_lazy("未登录，或无权进行此操作"))


# --- Views -----------------------------------------------------------------------


def _transition_schema(request_serializer, summary, description):
    return extend_schema(
        summary=summary,
        description=description,
        request=request_serializer,
        responses={200: PolicyApplicationDetailSerializer, **ERRORS},
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
        return selectors.application_list(self.request.user, role=role, status=status_value)

    def get_serializer_context(self):
        now = timezone.now()
        return {**super().get_serializer_context(), "now": now, "flag_threshold": yellow_threshold(now)}

    def _get(self) -> tuple[Application, bool, bool]:
        """(application, is_member, is_reviewer); 404 for anyone who may not see it."""
        access = self._access()
        return access.application, access.is_member, access.is_reviewer

    def _access(self) -> selectors.ApplicationAccess:
        """The application with the user's capacities (member, reviewer, preparer, joint
        department); 404 for anyone who may not see it. Kept for the answer, which shows
        the departments' opinions only to reviewers and joint departments."""
        self.access = selectors.application_access(self.request.user, self._pk())
        return self.access

    def _respond(self, pk: int, status_code: int = status.HTTP_200_OK) -> Response:
        application = Application.objects.select_related(
            "policy", "enterprise", "prepared_by", "prepared_by__department"
        ).get(pk=pk)
        prefetch_related_objects([application], "files")
        access = getattr(self, "access", None)
        internal = access is not None and access.is_internal
        context = {
            **self.get_serializer_context(),
            "events": selectors.application_timeline(application=application, internal=internal),
            "joint_opinions": selectors.joint_opinions_of(application),
            "internal": internal,
        }
        data = PolicyApplicationDetailSerializer(application, context=context).data
        return Response(data, status=status_code)

    @staticmethod
    def _require(allowed: bool, message: str) -> None:
        if not allowed:
            raise exceptions.PermissionDenied(message)

    # --- Reading and starting ------------------------------------------------------

    @extend_schema(
        summary=gettext_lazy("政策申报详情"),
        description=gettext_lazy(
            "限申报企业的成员、代办人员、可以审核该申报的人员和被征求意见的联审部门，其他人得到404。"
            "联审意见（joint_opinions）只给审核人员和联审部门。"
        ),
        responses={200: PolicyApplicationDetailSerializer, 403: ERRORS[403], 404: ERRORS[404]},
    )
    def retrieve(self, request, pk=None):
        return self._respond(self._access().application.pk)

    @extend_schema(
        summary=gettext_lazy("发起申报"),
        description=gettext_lazy(
            "以当前用户所代表的企业发起政策申报（草稿）。该企业本年度已有未结束的申报时返回200和该申报；"
            "不在申报期内返回400并说明原因；不是该企业的认证成员返回403。"
        ),
        request=PolicyApplicationStartSerializer,
        responses={
            201: PolicyApplicationDetailSerializer,
            200: OpenApiResponse(PolicyApplicationDetailSerializer, description=gettext_lazy("本年度已有的申报")),
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
        access = self._access()
        application = access.application
        self._require(access.is_member or access.is_preparer, _("只有申报企业或代办人员可以上传材料。"))
        serializer = PolicyApplicationUploadSerializer(data=request.data, policy=application.policy)
        serializer.is_valid(raise_exception=True)
        try:
            item = services.application_file_add(
                application=application,
                actor=request.user,
                material=serializer.validated_data["material"],
                upload=serializer.validated_data["file"],
                content_type=serializer.content_type,
            )
        except PermissionDenied:
            raise exceptions.PermissionDenied from None
        return Response(PolicyApplicationFileSerializer(item).data, status=status.HTTP_201_CREATED)

    @_transition_schema(
        PolicyApplicationSubmitSerializer,
        gettext_lazy("提交申报"),
        gettext_lazy(
            "提交（或补正后重新提交）。须已上传全部需要上传的材料并确认所填信息真实；审核计时开始。"
            "帮办代办的申报：企业成员确认后提交；企业已委托代办的，代办人员可依委托代为提交（confirmed 不必填），"
            "未委托时代办人员提交返回400。"
        ),
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._transition(
            request, PolicyApplicationSubmitSerializer, services.application_submit, member=True, preparer=True
        )

    @_transition_schema(
        PolicyApplicationDraftSerializer,
        gettext_lazy("保存草稿"),
        gettext_lazy("企业在草稿或退回补正状态下保存申报数据，不提交。"),
    )
    @action(detail=True, methods=["post"])
    def draft(self, request, pk=None):
        return self._transition(
            request, PolicyApplicationDraftSerializer, services.application_save_draft, member=True, preparer=True
        )

    @_transition_schema(
        None,
        gettext_lazy("交企业确认"),
        gettext_lazy("帮办代办：代办人员填报完成后通知企业成员核对、确认信用承诺后提交。限代办人员。"),
    )
    @action(detail=True, methods=["post"], url_path="send-to-confirm")
    def send_to_confirm(self, request, pk=None):
        return self._transition(request, None, services.application_send_to_confirm, preparer=True)

    @extend_schema(
        summary=gettext_lazy("帮办代办：代企业发起申报"),
        description=gettext_lazy(
            "亲商管家为本人负责的企业、营商办工作人员为任一企业发起政策申报（草稿，记代办人）。"
            "企业成员在“我的申报”中看到并确认提交；企业已委托代办的，代办人员可依委托代为提交。"
            "该企业本年度已有代办的申报时返回200和该申报；企业已自行申报时返回400；"
            "其他管家负责的企业返回404；不是亲商管家或营商办工作人员返回403。"
        ),
        request=PolicyApplicationPrepareSerializer,
        responses={
            201: PolicyApplicationDetailSerializer,
            200: OpenApiResponse(PolicyApplicationDetailSerializer, description=gettext_lazy("本年度已有的代办申报")),
            **ERRORS,
        },
    )
    @action(detail=False, methods=["post"])
    def prepare(self, request):
        if not selectors.may_prepare_at_all(request.user):
            raise exceptions.PermissionDenied(_("只有亲商管家和营商办工作人员可以帮办代办。"))
        serializer = PolicyApplicationPrepareSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            enterprise = selectors.preparable_enterprise_get(user=request.user, pk=data["enterprise"])
            application = services.application_prepare(
                policy=data["policy"], enterprise=enterprise, actor=request.user, declared=data.get("declared")
            )
        except Http404:
            raise exceptions.NotFound(_("企业不存在或无权查看。")) from None
        except PermissionDenied:
            raise exceptions.PermissionDenied(_("您不负责该企业，不能为其代办。")) from None
        return self._respond(application.pk, status.HTTP_201_CREATED if application.just_opened else status.HTTP_200_OK)

    @extend_schema(
        summary=gettext_lazy("删除申报材料"),
        description=gettext_lazy("企业在草稿或退回补正状态下删除已上传的材料文件。"),
        parameters=[
            OpenApiParameter("file_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description=gettext_lazy("材料文件ID"))
        ],
        request=None,
        responses={200: PolicyApplicationDetailSerializer, **ERRORS},
    )
    @action(detail=True, methods=["delete"], url_path=r"files/(?P<file_pk>[0-9]+)", url_name="file")
    def remove_file(self, request, pk=None, file_pk=None):
        access = self._access()
        application = access.application
        self._require(access.is_member or access.is_preparer, _("只有申报企业或代办人员可以删除材料。"))
        try:
            services.application_file_remove(application=application, actor=request.user, file_id=int(file_pk))
        except ApplicationFile.DoesNotExist:
            raise exceptions.NotFound(_("没有这个材料文件。")) from None
        except PermissionDenied:
            raise exceptions.PermissionDenied from None
        return self._respond(application.pk)

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
        try:
            services.application_rate(application=application, actor=request.user, **serializer.validated_data)
        except PermissionDenied:
            raise exceptions.PermissionDenied from None
        return self._respond(application.pk, status.HTTP_201_CREATED)

    # --- The reviewers' side -------------------------------------------------------

    def _transition(
        self, request, input_serializer, service, *, member: bool = False, preparer: bool = False
    ) -> Response:
        access = self._access()
        application = access.application
        if member or preparer:
            allowed = (member and access.is_member) or (preparer and access.is_preparer)
            self._require(
                allowed, _("只有申报企业或代办人员可以进行此操作。") if preparer else _("只有申报企业可以进行此操作。")
            )
        else:
            self._require(access.is_reviewer, _("只有该政策的审核人员可以进行此操作。"))
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

    # --- 联审: joint review of 审查遴选 applications -------------------------------------

    @_transition_schema(
        None,
        gettext_lazy("发起联审"),
        gettext_lazy(
            "审查遴选类项目：审核人员将已提交或审核中的申报发给政策设定的联审部门，各部门在政策规定的工作日内"
            "回复意见，申报进入“联审中”，全部回复后回到“审核中”。每份申报只发起一次：重复发起返回409；"
            "资格定补类项目或未设置联审部门的返回400。"
        ),
    )
    @action(detail=True, methods=["post"], url_path="joint-review", url_name="joint-review")
    def joint_review(self, request, pk=None):
        return self._transition(request, None, services.joint_review_request)

    @extend_schema(
        summary=gettext_lazy("回复联审意见"),
        description=gettext_lazy(
            "联审部门的经办人（或营商办工作人员）回复本部门对该申报的联审意见：同意或不同意，不同意须写明理由。"
            "每个部门只回复一次：重复回复或联审已结束返回409；其他部门的人员返回403。"
            "最后一个部门回复后申报回到“审核中”，审核人员会收到通知。"
        ),
        parameters=[
            OpenApiParameter(
                "department_id", OpenApiTypes.INT, OpenApiParameter.PATH, description=gettext_lazy("联审部门ID")
            )
        ],
        request=PolicyApplicationJointOpinionInputSerializer,
        responses={200: PolicyApplicationDetailSerializer, **ERRORS},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"joint-opinions/(?P<department_id>[0-9]+)",
        url_name="joint-opinion",
    )
    def joint_opinion(self, request, pk=None, department_id=None):
        access = self._access()
        opinion = JointOpinion.objects.filter(application=access.application, department_id=department_id).first()
        if opinion is None:
            raise exceptions.NotFound(_("该申报没有征求这个部门的联审意见。"))
        self._require(
            selectors.can_answer_joint(request.user, opinion.department_id),
            _("只有该联审部门的经办人可以回复联审意见。"),
        )
        serializer = PolicyApplicationJointOpinionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.joint_opinion_give(
                opinion=opinion,
                actor=request.user,
                verdict=serializer.validated_data["opinion"],
                comment=serializer.validated_data["comment"],
            )
        except PermissionDenied:
            raise exceptions.PermissionDenied from None
        return self._respond(access.application.pk)
