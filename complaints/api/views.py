"""The cases API (/api/v1/cases/): list, file, read, timeline, and one POST per
transition. Thin: input serializers in, services and selectors called.

Every error answer of these views has one shape::

    {"errors": [{"field": "lead_department", "message": "…"}, {"field": null, "message": "…"}]}

``field`` is the input field (``tasks.0.deadline`` inside lists) or null for an
error about the request as a whole. A refused transition (``CaseError``) and bad
input are 400; an action the user may not take on a case they can see is 403; a
case they may not see is 404, so its existence does not leak.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import prefetch_related_objects
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from complaints import permissions, selectors, services
from complaints.api import serializers
from complaints.filters import CaseFilter
from complaints.models import Case, Channel
from portal import roles, sms
from portal.api.errors import api_exception_handler, error_responses
from portal.api.filters import PortalFilterBackend, StableOrderingFilter
from portal.pagination import CappedCountPagination
from portal.throttling import check_key, throttles
from portal.validators import normalize_mobile, validate_mobile

IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_MAX_LENGTH = 64  # Case.idempotency_key


# --- Errors ----------------------------------------------------------------------


ERROR_RESPONSES = error_responses(gettext_lazy("诉求件不存在或无权查看"))


def _transition_schema(request_serializer, summary):
    return extend_schema(
        summary=summary,
        request=request_serializer,
        responses={200: serializers.CaseDetailSerializer, **ERROR_RESPONSES},
    )


def _may(action: str):
    """``may(user, case)`` for ``_transition``: the role check of ``permissions.case_actions``."""
    return lambda user, case: permissions.may_attempt(user, case, action)


def _may_rate(user, case) -> bool:
    """The enterprise's rating or an official's return visit recorded as a rating."""
    return permissions.may_attempt(user, case, "rate") or permissions.may_attempt(user, case, "visit")


# --- Views -----------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("诉求件列表")),
    retrieve=extend_schema(
        summary=gettext_lazy("诉求件详情"), responses={200: serializers.CaseDetailSerializer, 404: ERROR_RESPONSES[404]}
    ),
)
class CaseViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """诉求件: officials see every case, handlers their department's, the enterprise
    side its own. A case the user may not see answers 404.

    The complainant's name, phone, e-mail, organisation and enterprise of a
    confidential case are masked as “（保密）” (the enterprise id as null) for
    readers who may not see them, such as department handlers.
    """

    lookup_field = "number"
    # Counting a million cases exactly cost over a second a page (bench B3).
    pagination_class = CappedCountPagination
    filter_backends = [PortalFilterBackend, StableOrderingFilter]
    filterset_class = CaseFilter
    # Explicit: ordering by a complainant field would leak it through the order.
    ordering_fields = ["received_at", "stage_due_at", "resolve_due_at", "number"]

    def get_exception_handler(self):
        return api_exception_handler

    def get_throttles(self):
        # Filing counts with the public form's (portal/throttling.py).
        if self.action == "create":
            return [throttle() for throttle in throttles("appeal")]
        return super().get_throttles()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Case.objects.none()
        if self.action == "list":
            # Archived cases (归档) leave the list; they stay readable by number.
            return selectors.case_list(user=self.request.user, relations=selectors.LIST_RELATIONS).filter(
                archived_at__isnull=True
            )
        return selectors.case_list(user=self.request.user)

    def get_serializer_class(self):
        if self.action == "list":
            return serializers.CaseListSerializer
        if self.action == "create":
            return serializers.CaseCreateSerializer
        if self.action == "events":
            return serializers.CaseEventSerializer
        return serializers.CaseDetailSerializer

    def get_object(self) -> Case:
        case = selectors.case_get_for_user(user=self.request.user, number=self.kwargs[self.lookup_field])
        self.check_object_permissions(self.request, case)
        return case

    def _detail(self, case: Case | None = None, *, number: str | None = None) -> dict:
        """The case as the user sees it; by number, re-read with its annotations
        (a service returns the case without them)."""
        user = self.request.user
        if case is None:
            case = selectors.case_get_for_user(user=user, number=number)
        prefetch_related_objects([case], "ratings")
        # What the detail shows beyond the row, read as the case page reads it.
        case.task_rows = selectors.case_tasks(case=case)
        case.links = selectors.case_links(user=user, case=case)
        staff_side = permissions.is_staff_side(user, case)
        case.follow_ups = selectors.case_follow_ups(case=case) if staff_side else {"return_visits": [], "recheck": None}
        case.available_actions = sorted(permissions.case_actions(user, case))
        case.long_term_request = selectors.long_term_request_pending(case=case) if staff_side else None
        context = {**self.get_serializer_context(), "show_actors": staff_side}
        return serializers.CaseDetailSerializer(case, context=context).data

    def retrieve(self, request, number=None):
        return Response(self._detail(self.get_object()))

    # --- Filing ------------------------------------------------------------------

    @extend_schema(
        summary=gettext_lazy("登记诉求件"),
        description=gettext_lazy(
            "以当前用户名义登记诉求件，来源渠道默认为“接口”。带 Idempotency-Key 请求头重复提交时不会重复登记："
            "首次登记返回 201，同一用户再次使用同一键返回 200 和首次登记的诉求件；其他用户使用已被占用的键返回 403。"
        ),
        request=serializers.CaseCreateSerializer,
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
            201: serializers.CaseDetailSerializer,
            200: OpenApiResponse(
                serializers.CaseDetailSerializer, description=gettext_lazy("该幂等键已登记过的诉求件")
            ),
            **ERROR_RESPONSES,
        },
    )
    def create(self, request):
        serializer = serializers.CaseCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        phone_code = data.pop("phone_code")
        if sms.phone_verification_required(user=request.user, phone=data["complainant_phone"]):
            try:
                sms.phone_code_check(phone=data["complainant_phone"], code=phone_code)
            except DjangoValidationError as error:
                raise exceptions.ValidationError({"phone_code": error.messages}) from None
        if data["channel"] != Channel.API and not roles.is_official(request.user):
            raise exceptions.ValidationError({"channel": [_("只有营商办工作人员可以指定来源渠道。")]})
        if data["received_at"] is not None and not roles.is_official(request.user):
            raise exceptions.ValidationError({"received_at": [_("只有营商办工作人员可以填写收到时间。")]})
        key = (request.headers.get(IDEMPOTENCY_HEADER) or "").strip() or None
        if key is not None and len(key) > IDEMPOTENCY_MAX_LENGTH:
            raise exceptions.ValidationError(
                {IDEMPOTENCY_HEADER: [_("幂等键不能超过%(limit)d个字符。") % {"limit": IDEMPOTENCY_MAX_LENGTH}]}
            )
        case = services.case_file(actor=request.user, idempotency_key=key, **data)
        location = request.build_absolute_uri(reverse("case-detail", kwargs={"number": case.number}))
        return Response(
            self._detail(number=case.number),
            status=status.HTTP_201_CREATED if case.just_filed else status.HTTP_200_OK,
            headers={"Location": location},
        )

    @extend_schema(
        summary=gettext_lazy("获取短信验证码"),
        description=gettext_lazy(
            "向诉求人手机号码发送6位短信验证码，5分钟内有效，最多可试5次；登记诉求件时填入 phone_code。"
            "同一网络、同一账号和同一号码的发送次数均有限制。平台未开启手机号码验证时返回404。"
        ),
        request=serializers.PhoneCodeRequestSerializer,
        responses={202: serializers.PhoneCodeSentSerializer, **ERROR_RESPONSES},
    )
    @action(detail=False, methods=["post"], url_path="phone-code", throttle_classes=throttles("phone_code"))
    def phone_code(self, request):
        if not settings.APPEAL_PHONE_VERIFICATION:
            raise exceptions.NotFound(_("平台未开启手机号码验证，无需验证码。"))
        serializer = serializers.PhoneCodeRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        phone = normalize_mobile(serializer.validated_data["complainant_phone"])
        try:
            validate_mobile(phone)
        except DjangoValidationError as error:
            raise exceptions.ValidationError({"complainant_phone": error.messages}) from None
        wait = check_key("phone_code_phone", phone)
        if wait is not None:
            raise exceptions.Throttled(wait)
        sms.phone_code_send(phone=phone)
        message = _("验证码已发送至尾号%(last4)s的手机，5分钟内有效。") % {"last4": phone[-4:]}
        return Response({"detail": message}, status=status.HTTP_202_ACCEPTED)

    # --- Timeline ----------------------------------------------------------------

    @extend_schema(
        summary=gettext_lazy("办理记录"),
        description=gettext_lazy("诉求件的办理记录，按时间先后排列。企业一方只能看到企业可见的记录。"),
        responses={200: serializers.CaseEventSerializer(many=True), 404: ERROR_RESPONSES[404]},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def events(self, request, number=None):
        case = self.get_object()
        user = request.user
        events = selectors.case_timeline(user=user, case=case)
        context = {**self.get_serializer_context(), "show_actors": permissions.is_staff_side(user, case)}
        return Response(serializers.CaseEventSerializer(events, many=True, context=context).data)

    # --- Transitions -------------------------------------------------------------

    def _transition(self, request, input_serializer, service, *, may=None, created=False):
        """``may(user, case)``: whether the user may take this action at all, asked
        before the body is read, so a user who may not is told so (403) rather than
        how to fill in a form they cannot use. The service checks again, with the body.
        ``created``: the action records something new (回访, 回头看), answered 201."""
        case = self.get_object()
        if may is not None and not may(request.user, case):
            raise exceptions.PermissionDenied(_("您无权对该诉求件执行此操作。"))
        serializer = input_serializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        service(case=case, actor=request.user, **serializer.validated_data)
        return Response(
            self._detail(number=case.number), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    @_transition_schema(serializers.CaseAcceptSerializer, gettext_lazy("受理"))
    @action(detail=True, methods=["post"])
    def accept(self, request, number=None):
        return self._transition(request, serializers.CaseAcceptSerializer, services.case_accept, may=_may("accept"))

    @_transition_schema(serializers.CaseRejectSerializer, gettext_lazy("不予受理"))
    @action(detail=True, methods=["post"])
    def reject(self, request, number=None):
        return self._transition(request, serializers.CaseRejectSerializer, services.case_reject, may=_may("reject"))

    @_transition_schema(serializers.CaseAssignSerializer, gettext_lazy("交办"))
    @action(detail=True, methods=["post"])
    def assign(self, request, number=None):
        return self._transition(request, serializers.CaseAssignSerializer, services.case_assign, may=_may("assign"))

    @_transition_schema(serializers.CaseSetMeasuresSerializer, gettext_lazy("明确措施（四个清单）"))
    @action(detail=True, methods=["post"], url_path="set-measures")
    def set_measures(self, request, number=None):
        return self._transition(
            request,
            serializers.CaseSetMeasuresSerializer,
            services.case_set_measures,
            may=_may("measures"),
        )

    @_transition_schema(serializers.CaseFeedbackSerializer, gettext_lazy("反馈企业"))
    @action(detail=True, methods=["post"])
    def feedback(self, request, number=None):
        return self._transition(
            request, serializers.CaseFeedbackSerializer, services.case_give_feedback, may=_may("feedback")
        )

    @_transition_schema(serializers.CaseResolveSerializer, gettext_lazy("办结"))
    @action(detail=True, methods=["post"])
    def resolve(self, request, number=None):
        return self._transition(request, serializers.CaseResolveSerializer, services.case_resolve, may=_may("resolve"))

    @_transition_schema(serializers.CaseRateSerializer, gettext_lazy("评价或回访"))
    @action(detail=True, methods=["post"])
    def rate(self, request, number=None):
        return self._transition(request, serializers.CaseRateSerializer, services.case_rate, may=_may_rate)

    @_transition_schema(serializers.CaseSuspendSerializer, gettext_lazy("暂停计时"))
    @action(detail=True, methods=["post"])
    def suspend(self, request, number=None):
        return self._transition(request, serializers.CaseSuspendSerializer, services.case_suspend, may=_may("suspend"))

    @_transition_schema(serializers.CaseResumeSerializer, gettext_lazy("恢复计时"))
    @action(detail=True, methods=["post"])
    def resume(self, request, number=None):
        return self._transition(request, serializers.CaseResumeSerializer, services.case_resume, may=_may("resume"))

    @_transition_schema(serializers.CaseEscalateSerializer, gettext_lazy("提级办理"))
    @action(detail=True, methods=["post"])
    def escalate(self, request, number=None):
        return self._transition(
            request, serializers.CaseEscalateSerializer, services.case_escalate, may=_may("escalate")
        )

    # --- 需长期推进 ------------------------------------------------------------------

    @extend_schema(
        summary=gettext_lazy("申请需长期推进"),
        description=gettext_lazy(
            "牵头单位经办人或营商办工作人员申请将诉求件列为需长期推进事项，填写原因和下次评估日期（今天以后的工作日），"
            "由首席问题官审批。"
        ),
        request=serializers.CaseLongTermRequestSerializer,
        responses={201: serializers.CaseDetailSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"], url_path="long-term", url_name="long-term")
    def long_term(self, request, number=None):
        return self._transition(
            request,
            serializers.CaseLongTermRequestSerializer,
            services.case_long_term_request,
            may=_may("long_term"),
            created=True,
        )

    @_transition_schema(
        serializers.CaseLongTermDecideSerializer,
        gettext_lazy("审批长期推进申请（首席问题官）：同意后不计入超期，单独统计"),
    )
    @action(detail=True, methods=["post"], url_path="long-term/decide", url_name="long-term-decide")
    def long_term_decide(self, request, number=None):
        return self._transition(
            request,
            serializers.CaseLongTermDecideSerializer,
            services.case_long_term_decide,
            may=_may("long_term_decide"),
        )

    @_transition_schema(serializers.CaseLongTermExtendSerializer, gettext_lazy("继续长期推进（更新下次评估日期）"))
    @action(detail=True, methods=["post"], url_path="long-term/extend", url_name="long-term-extend")
    def long_term_extend(self, request, number=None):
        return self._transition(
            request,
            serializers.CaseLongTermExtendSerializer,
            services.case_long_term_extend,
            may=_may("long_term_extend"),
        )

    @_transition_schema(
        serializers.CaseLongTermEndSerializer,
        gettext_lazy("结束长期推进，恢复常规办理（各环节期限顺延长期推进期间的工作日）"),
    )
    @action(detail=True, methods=["post"], url_path="long-term/end", url_name="long-term-end")
    def long_term_end(self, request, number=None):
        return self._transition(
            request, serializers.CaseLongTermEndSerializer, services.case_long_term_end, may=_may("long_term_end")
        )

    # --- Tasks, return visits, 回头看, splitting -----------------------------------

    @_transition_schema(serializers.CaseTaskDoneSerializer, gettext_lazy("任务销号"))
    @action(detail=True, methods=["post"], url_path=r"tasks/(?P<task_id>[0-9]+)/done", url_name="task-done")
    def task_done(self, request, number=None, task_id=None):
        """Sign a task of the four lists off (销号). A task of another case is 404."""
        case = self.get_object()
        if not permissions.may_attempt(request.user, case, "task_done"):
            raise exceptions.PermissionDenied(_("您无权对该诉求件执行此操作。"))
        try:
            task = selectors.case_task_get(case=case, task_id=int(task_id))
        except Http404:
            raise exceptions.NotFound(_("该诉求件没有这项任务。")) from None
        serializer = serializers.CaseTaskDoneSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.case_task_complete(case=case, task=task, actor=request.user, **serializer.validated_data)
        return Response(self._detail(number=case.number))

    @extend_schema(
        summary=gettext_lazy("回访"),
        description=gettext_lazy(
            "办结或销单后回访诉求人，每轮一次。问题未解决时须填写回访记录，诉求件将再次交办（下一轮，重新计时）。"
        ),
        request=serializers.CaseReturnVisitSerializer,
        responses={201: serializers.CaseDetailSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"], url_path="return-visits", url_name="return-visits")
    def return_visits(self, request, number=None):
        return self._transition(
            request,
            serializers.CaseReturnVisitSerializer,
            services.case_return_visit,
            may=_may("return_visit"),
            created=True,
        )

    @extend_schema(
        summary=gettext_lazy("回头看"),
        description=gettext_lazy("销单后回头看整改是否保持；问题反弹时须说明情况，将重新登记一件关联的诉求件。"),
        request=serializers.CaseRecheckSerializer,
        responses={201: serializers.CaseDetailSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def recheck(self, request, number=None):
        return self._transition(
            request, serializers.CaseRecheckSerializer, services.case_recheck, may=_may("recheck"), created=True
        )

    @extend_schema(
        summary=gettext_lazy("拆分（一事一件）"),
        description=gettext_lazy(
            "把反映了多个问题的诉求件拆为每个问题一件：本件保留第1个问题，其余各登记为新的关联诉求件，"
            "登记时间和办理时限不变；恳谈会诉求的新件同属原恳谈会和报名。返回本件和新件的编号。"
        ),
        request=serializers.CaseSplitSerializer,
        responses={200: serializers.CaseSplitResultSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def split(self, request, number=None):
        case = self.get_object()
        if not permissions.may_attempt(request.user, case, "split"):
            raise exceptions.PermissionDenied(_("您无权对该诉求件执行此操作。"))
        serializer = serializers.CaseSplitSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        new_cases = services.case_split(case=case, actor=request.user, parts=serializer.validated_data["parts"])
        return Response({"cases": [case.number, *(new_case.number for new_case in new_cases)]})
