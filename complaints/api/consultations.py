"""The consultations API (/api/v1/consultations/): list, ask, read, and one POST per
step (answer, to-case, rate). Serializers and views in one module, thin like the cases
API: input serializers in, ``complaints.consultations.services`` and ``.selectors``
called, every error answer in the shape ``{"errors": [{"field", "message"}]}``.

An enterprise member sees their enterprises' consultations, a 亲商管家 those of the
enterprises assigned to them, an official every one; anyone else an empty list. A
consultation the user may not see answers 404; a step their role may not take, 403; a
step the consultation's state no longer allows (answered already, a case already, rated
already), 409.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from complaints.api.serializers import FLAG_CHOICES, CategoryField
from complaints.consultations import permissions, selectors, services
from complaints.consultations.filters import ConsultationFilter
from complaints.models import Case, Consultation, Rating
from portal.api.errors import ApiViewSet, error_responses
from portal.api.fields import ChoiceLabel
from portal.api.filters import PortalFilterBackend
from portal.models import Enterprise, User

# --- Output ----------------------------------------------------------------------


class ConsultationPersonSerializer(serializers.ModelSerializer):
    """A person by name (and unit, when they have one), never by login name."""

    name = serializers.CharField(source="display_name", read_only=True)

    class Meta:
        model = User
        fields = ["id", "name"]
        read_only_fields = fields


class ConsultationCaseSerializer(serializers.ModelSerializer):
    status_display = ChoiceLabel("status")

    class Meta:
        model = Case
        fields = ["number", "status", "status_display"]
        read_only_fields = fields


class ConsultationSerializer(serializers.ModelSerializer):
    """A consultation as the reader may see it. The queryset must come from
    ``selectors.consultation_list`` (which annotates state, flag and lateness)."""

    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    asked_by = ConsultationPersonSerializer(read_only=True)
    answered_by = ConsultationPersonSerializer(read_only=True, allow_null=True)
    # A plain string: an enum named "status" would collide with the cases' one.
    status = serializers.CharField(
        source="state", read_only=True, help_text=gettext_lazy("pending 待答复，answered 已答复，to_case 已转诉求")
    )
    status_display = serializers.SerializerMethodField()
    flag = serializers.ChoiceField(
        choices=FLAG_CHOICES,
        read_only=True,
        help_text=gettext_lazy("待答复时：green 正常，yellow 临期，red 超期；已答复或已转诉求时为空"),
    )
    answered_late = serializers.BooleanField(
        read_only=True, allow_null=True, help_text=gettext_lazy("答复晚于答复期限；尚未答复时为空")
    )
    case = ConsultationCaseSerializer(
        read_only=True, allow_null=True, help_text=gettext_lazy("转成的诉求件；未转时为空")
    )
    rating = serializers.ChoiceField(choices=Rating.choices, allow_blank=True, read_only=True)
    rating_display = ChoiceLabel("rating")
    actions = serializers.SerializerMethodField(help_text=gettext_lazy("当前用户现在可以执行的操作"))

    class Meta:
        model = Consultation
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "asked_by",
            "question",
            "asked_at",
            "answer_due_at",
            "status",
            "status_display",
            "flag",
            "overdue_at",
            "answer",
            "answered_by",
            "answered_at",
            "answered_late",
            "case",
            "rating",
            "rating_display",
            "rating_comment",
            "rated_at",
            "actions",
        ]
        read_only_fields = fields

    def get_status_display(self, obj) -> str:
        return str(selectors.State(obj.state).label)

    def get_actions(self, obj) -> list[str]:
        user = self.context["request"].user
        return sorted(permissions.consultation_actions(user, obj))


# --- Input -----------------------------------------------------------------------


class ConsultationCreateSerializer(serializers.Serializer):
    enterprise = serializers.PrimaryKeyRelatedField(
        queryset=Enterprise.objects.all(), help_text=gettext_lazy("企业ID，须是您获准代表的企业")
    )
    question = serializers.CharField(max_length=services.QUESTION_MAX_LENGTH)


class ConsultationAnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=services.ANSWER_MAX_LENGTH)


class ConsultationToCaseSerializer(serializers.Serializer):
    category = CategoryField(
        default=None, allow_null=True, help_text=gettext_lazy("问题分类的编号或名称；不填为“其他”")
    )


class ConsultationRateSerializer(serializers.Serializer):
    rating = serializers.ChoiceField(choices=Rating.choices)
    comment = serializers.CharField(default="", allow_blank=True, max_length=2000)


# --- Views -----------------------------------------------------------------------


CONSULTATION_ERRORS = error_responses(gettext_lazy("咨询不存在或无权查看"))


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("咨询列表"),
        description=gettext_lazy(
            "企业用户看到所在企业的咨询，亲商管家看到所联系企业的咨询，营商办工作人员看到全部咨询，其他用户为空列表。"
            "最新的在前。"
        ),
    ),
)
class ConsultationViewSet(mixins.ListModelMixin, ApiViewSet):
    """咨询: questions from an enterprise that are not complaints."""

    serializer_class = ConsultationSerializer
    filter_backends = [PortalFilterBackend]
    filterset_class = ConsultationFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Consultation.objects.none()
        return selectors.consultation_list(user=self.request.user)

    def _get(self) -> Consultation:
        # Someone else's consultation is 404 (DRF answers Http404 so), as one that does not exist.
        return selectors.consultation_get_for_user(user=self.request.user, pk=self._pk())

    def _detail(self, pk: int, *, status_code: int = status.HTTP_200_OK, headers=None) -> Response:
        consultation = selectors.consultation_get_for_user(user=self.request.user, pk=pk)
        body = ConsultationSerializer(consultation, context=self.get_serializer_context()).data
        return Response(body, status=status_code, headers=headers)

    @extend_schema(
        summary=gettext_lazy("提出咨询"),
        description=gettext_lazy(
            "以企业名义提出咨询，须是该企业获准的成员。答复期限为提问后N个工作日（咨询答复时限，在管理后台设置）。"
            "企业的亲商管家将收到通知；没有管家的企业由营商办答复。"
        ),
        request=ConsultationCreateSerializer,
        responses={201: ConsultationSerializer, **CONSULTATION_ERRORS},
    )
    def create(self, request):
        serializer = ConsultationCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        consultation = services.consultation_ask(actor=request.user, **serializer.validated_data)
        location = request.build_absolute_uri(reverse("consultation-detail", kwargs={"pk": consultation.pk}))
        return self._detail(consultation.pk, status_code=status.HTTP_201_CREATED, headers={"Location": location})

    @extend_schema(summary=gettext_lazy("咨询详情"), responses={200: ConsultationSerializer, **CONSULTATION_ERRORS})
    def retrieve(self, request, pk=None):
        return self._detail(self._get().pk)

    def _step(self, request, step: str, input_serializer, call):
        """404 for a consultation the user may not see, 403 for a step their role may
        not take (before the body is read), then the body, then the service."""
        consultation = self._get()
        if not permissions.may_attempt(request.user, consultation, step):
            raise exceptions.PermissionDenied(_("您无权对该咨询执行此操作。"))
        serializer = input_serializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return call(consultation, serializer.validated_data)

    @extend_schema(
        summary=gettext_lazy("答复咨询"),
        description=gettext_lazy(
            "企业的亲商管家或营商办工作人员答复，每条咨询只答复一次：已答复或已转为诉求件的再答复返回 409。"
        ),
        request=ConsultationAnswerSerializer,
        responses={200: ConsultationSerializer, **CONSULTATION_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        def call(consultation, data):
            services.consultation_answer(consultation=consultation, actor=request.user, answer=data["answer"])
            return self._detail(consultation.pk)

        return self._step(request, "answer", ConsultationAnswerSerializer, call)

    @extend_schema(
        summary=gettext_lazy("咨询转为诉求件"),
        description=gettext_lazy(
            "咨询反映的是需要协调解决的问题时，登记为“咨询”渠道的诉求件（以提问人为诉求人，按规则受理），"
            "咨询保留与诉求件的关联。每条咨询只能转一次：再次调用返回 409。返回咨询（含诉求件编号），"
            "Location 为诉求件的地址。"
        ),
        request=ConsultationToCaseSerializer,
        responses={201: ConsultationSerializer, **CONSULTATION_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="to-case", url_name="to-case")
    def to_case(self, request, pk=None):
        def call(consultation, data):
            case = services.consultation_to_case(consultation=consultation, actor=request.user, **data)
            location = request.build_absolute_uri(reverse("case-detail", kwargs={"number": case.number}))
            return self._detail(consultation.pk, status_code=status.HTTP_201_CREATED, headers={"Location": location})

        return self._step(request, "to_case", ConsultationToCaseSerializer, call)

    @extend_schema(
        summary=gettext_lazy("评价咨询答复"),
        description=gettext_lazy("企业对答复作出评价，答复后才能评价，每条咨询只评价一次：再次评价返回 409。"),
        request=ConsultationRateSerializer,
        responses={200: ConsultationSerializer, **CONSULTATION_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def rate(self, request, pk=None):
        def call(consultation, data):
            services.consultation_rate(consultation=consultation, actor=request.user, **data)
            return self._detail(consultation.pk)

        return self._step(request, "rate", ConsultationRateSerializer, call)
