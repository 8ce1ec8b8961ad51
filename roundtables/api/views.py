"""The roundtables API (/api/v1/roundtables/, /api/v1/registrations/). Thin, like the
cases API: input serializers in, ``roundtables.services`` and ``.selectors`` called,
and every error answer in the cases API's shape ``{"errors": [{"field", "message"}]}``.

Published sessions are public: anyone may list and read them. A draft exists only
for the officials who organise roundtables (anyone else gets 404). Signing up,
cancelling and filing appeals need an account; an enterprise the user does not
represent answers 403, and a second sign-up of the same enterprise 409 with the
id of the registration it already has.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.api.errors import ApiViewSet, PublicReadApiViewSet, error_responses
from portal.api.filters import PortalFilterBackend
from portal.throttling import throttles
from roundtables import selectors, services
from roundtables.api import serializers
from roundtables.filters import SessionFilter
from roundtables.models import Appeal, Registration, Session

SESSION_ERRORS = error_responses(gettext_lazy("恳谈会不存在或尚未发布"), gettext_lazy("未登录，或无权进行此操作"))
REGISTRATION_ERRORS = error_responses(gettext_lazy("报名不存在或无权查看"), gettext_lazy("未登录，或无权进行此操作"))


def _registration_data(registration: Registration, context: dict) -> dict:
    """A registration with its session, enterprise and waitlist position, re-read
    (a service returns it without what the serializer reads)."""
    registration = Registration.objects.select_related("session__series", "session__region", "enterprise").get(
        pk=registration.pk
    )
    [registration] = selectors.with_waitlist_positions([registration])
    return serializers.RoundtableRegistrationSerializer(registration, context=context).data


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("恳谈会列表"),
        description=gettext_lazy(
            "已发布的各期恳谈会（含已召开、已取消的），按开始时间倒序；恳谈会工作人员还能看到草稿。无需登录。"
        ),
    ),
)
class SessionViewSet(mixins.ListModelMixin, PublicReadApiViewSet):
    """政商恳谈会: sessions, signing up for one, and filing appeals to it."""

    serializer_class = serializers.RoundtableSessionSerializer
    filter_backends = [PortalFilterBackend]
    filterset_class = SessionFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Session.objects.none()
        # Departments and slots: one query each for the whole page.
        return selectors.with_slots(selectors.session_list(user=self.request.user).prefetch_related("departments"))

    def _session(self) -> Session:
        return selectors.session_get(user=self.request.user, pk=self._pk())

    @extend_schema(
        summary=gettext_lazy("恳谈会详情"),
        description=gettext_lazy("无需登录。草稿只有恳谈会工作人员可见，其他人得到404。"),
        responses={200: serializers.RoundtableSessionSerializer, 404: SESSION_ERRORS[404]},
    )
    def retrieve(self, request, pk=None):
        session = self.get_queryset().filter(pk=self._pk()).first()
        if session is None:
            raise exceptions.NotFound
        return Response(self.get_serializer(session).data)

    @extend_schema(
        summary=gettext_lazy("报名"),
        description=gettext_lazy(
            "为当前用户已获准代表的企业报名本期恳谈会。现场参会时按名额确认（status 为 confirmed），"
            "名额已满则进入候补（status 为 waitlisted，waitlist_position 为候补位次），有人取消时按先后递补；"
            "仅书面反映的直接确认，不占名额。填写拟反映的问题时即登记为诉求件并受理。"
            "企业接待日和直通车按时段预约：现场参会须以 slot 指定本期的一个时段，时段约满、未指定、"
            "指定了其他会议的时段或为其他类型指定时段均返回400。"
            "报名未开放或已截止返回400；不代表该企业返回403；该企业已报名返回409和已有报名的ID。"
        ),
        request=serializers.RoundtableRegistrationCreateSerializer,
        responses={
            201: serializers.RoundtableRegistrationSerializer,
            **SESSION_ERRORS,
            409: OpenApiResponse(
                serializers.RoundtableRegistrationConflictSerializer, description=gettext_lazy("该企业已报名本期恳谈会")
            ),
        },
    )
    @action(detail=True, methods=["post"], throttle_classes=throttles("roundtable_signup"))
    def registrations(self, request, pk=None):
        session = self._session()
        serializer = serializers.RoundtableRegistrationCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        try:
            registration = services.registration_create(
                session=session, actor=request.user, **serializer.validated_data
            )
        except services.RegistrationExists as error:
            body = {
                "errors": [{"field": None, "message": message} for message in error.messages],
                "registration_id": error.registration.pk,
            }
            return Response(body, status=status.HTTP_409_CONFLICT)
        except DjangoPermissionDenied:
            raise exceptions.PermissionDenied(_("您尚未获准代表该企业，不能为其报名。")) from None
        location = request.build_absolute_uri(reverse("roundtable-registration-detail", kwargs={"pk": registration.pk}))
        return Response(
            _registration_data(registration, self.get_serializer_context()),
            status=status.HTTP_201_CREATED,
            headers={"Location": location},
        )

    @extend_schema(
        summary=gettext_lazy("提出诉求"),
        description=gettext_lazy(
            "向本期恳谈会书面反映问题（source 为 written），登记为“政商恳谈会”渠道的诉求件并即时受理，返回诉求件编号。"
            "企业用户须指定其已获准代表的企业，且只在会议发布后至召开期间可以提出；"
            "恳谈会工作人员随时可以登记，也可以登记现场提出的诉求（source 为 on_site）及现场答复。"
        ),
        request=serializers.RoundtableAppealCreateSerializer,
        responses={201: serializers.RoundtableAppealSerializer, **SESSION_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def appeals(self, request, pk=None):
        session = self._session()
        serializer = serializers.RoundtableAppealCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if not services.can_manage(request.user):
            if data["source"] == Appeal.Source.ON_SITE:
                raise exceptions.PermissionDenied(_("只有恳谈会工作人员可以登记现场提出的诉求。"))
            if data["enterprise"] is None:
                raise exceptions.ValidationError({"enterprise": [_("请选择提出诉求的企业。")]})
        try:
            appeal = services.appeal_file(session=session, actor=request.user, **data)
        except DjangoPermissionDenied:
            raise exceptions.PermissionDenied(_("您尚未获准代表该企业。")) from None
        location = request.build_absolute_uri(reverse("case-detail", kwargs={"number": appeal.case.number}))
        return Response(
            serializers.RoundtableAppealSerializer(appeal, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": location},
        )


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("我的报名"),
        description=gettext_lazy("当前用户所代表企业的报名（以及本人提交的报名），含已取消的；候补中的带候补位次。"),
    ),
)
class RegistrationViewSet(mixins.ListModelMixin, ApiViewSet):
    """恳谈会报名: the user's enterprises' registrations."""

    serializer_class = serializers.RoundtableRegistrationSerializer
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Registration.objects.none()
        return selectors.registrations_for_user(user=self.request.user)

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        registrations = selectors.with_waitlist_positions(page)
        return self.get_paginated_response(self.get_serializer(registrations, many=True).data)

    def _registration(self) -> Registration:
        return selectors.registration_get_for_user(user=self.request.user, pk=self._pk())

    @extend_schema(
        summary=gettext_lazy("报名详情"),
        description=gettext_lazy("当前用户所代表企业的（或本人提交的）一条报名；恳谈会工作人员可以查看任何报名。"),
        responses={200: serializers.RoundtableRegistrationSerializer, 404: REGISTRATION_ERRORS[404]},
    )
    def retrieve(self, request, pk=None):
        return Response(_registration_data(self._registration(), self.get_serializer_context()))

    @extend_schema(
        summary=gettext_lazy("取消报名"),
        description=gettext_lazy(
            "取消报名；空出的现场名额即时递补给候补中最先报名的企业。已取消的再次取消不报错。"
            "会议已召开或已取消后不能取消（400）。"
        ),
        request=None,
        responses={200: serializers.RoundtableRegistrationSerializer, **REGISTRATION_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        registration = services.registration_cancel(registration=self._registration(), actor=request.user)
        return Response(_registration_data(registration, self.get_serializer_context()))
