"""The walkthroughs API (/api/v1/walkthroughs/, /api/v1/checklists/current/,
/api/v1/findings/{id}/promote/): serializers and views in one module. Thin, like the
cases API: input serializers in, ``complaints.walkthroughs.services`` and
``complaints.walkthroughs.selectors`` called, and every error answer in the cases API's shape
``{"errors": [{"field", "message"}]}``.

A walkthrough reads and writes as one nested document: the record's own fields
(``project`` and ``departments`` for 带项目交叉走), ``walkers`` (who walked with the
officer, one of them at most leading), ``steps`` (in order, each with its
``materials``), ``answers`` to the checklist and ``findings`` (each with its
``cause`` and whether it was ``fixed_on_spot``). On a write, ``walkers``,
``departments`` and ``steps`` replace the saved ones wholesale, ``answers`` are
upserted by question, and ``findings`` are matched by ``id`` (without an id a
finding is added; ``"delete": true`` removes it; a field left out of an existing
finding keeps its value).

PATCH changes only what the body names. PUT replaces the record: a field of the
record left out is cleared and left-out ``walkers``, ``departments`` and ``steps``
mean none; answers and findings keep their upsert / match-by-id rules (a finding goes
away only with ``delete``).

Only the walkthrough's officer edits or submits it, and only while it is a draft.
Someone else's walkthrough answers 404 to those calls, even when the reader may see
it (an official reading a submitted one), as the web form does.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from complaints.api.serializers import CaseUserSerializer
from complaints.models import (
    Case,
    Checklist,
    ChecklistAnswer,
    ChecklistQuestion,
    Finding,
    ProblemCategory,
    StepMaterial,
    Walkthrough,
    WalkthroughStep,
    WalkthroughTheme,
    WalkthroughWalker,
)
from complaints.walkthroughs import selectors as selectors
from complaints.walkthroughs import services as services
from portal.api.errors import ApiViewSet, error_responses
from portal.api.fields import ChoiceLabel
from portal.api.filters import PortalFilterBackend
from portal.models import Department

MAX_STEPS = 50
MAX_MATERIALS = 50
MAX_FINDINGS = 30
MAX_WALKERS = 20
MAX_MINUTES = 24 * 60
MAX_TRIPS = 50


# --- Output ----------------------------------------------------------------------


class StepMaterialSerializer(serializers.ModelSerializer):
    class Meta:
        model = StepMaterial
        fields = ["name", "is_necessary"]
        read_only_fields = fields


class WalkthroughStepSerializer(serializers.ModelSerializer):
    materials = StepMaterialSerializer(many=True, read_only=True)

    class Meta:
        model = WalkthroughStep
        fields = ["action", "minutes_waited", "minutes_handled", "trips_to_other_windows", "materials"]
        read_only_fields = fields


class WalkthroughAnswerSerializer(serializers.ModelSerializer):
    answer = serializers.ChoiceField(
        choices=ChecklistAnswer.Answer.choices, allow_blank=True, read_only=True, help_text=_("尚未回答时为空")
    )

    class Meta:
        model = ChecklistAnswer
        fields = ["question", "answer", "comment"]
        read_only_fields = fields


class FindingCaseSerializer(serializers.ModelSerializer):
    status_display = ChoiceLabel("status")

    class Meta:
        model = Case
        fields = ["number", "status", "status_display"]
        read_only_fields = fields


class WalkthroughFindingSerializer(serializers.ModelSerializer):
    severity_display = ChoiceLabel("severity")
    case = FindingCaseSerializer(read_only=True, allow_null=True, help_text=_("转成的诉求件；尚未转办时为空"))
    fixed_on_spot = serializers.BooleanField(read_only=True, help_text=_("当场整改：计入已解决，不再转为诉求件"))

    class Meta:
        model = Finding
        fields = [
            "id",
            "description",
            "cause",
            "fixed_on_spot",
            "severity",
            "severity_display",
            "question",
            "category",
            "case",
        ]
        read_only_fields = fields


class WalkthroughWalkerSerializer(serializers.ModelSerializer):
    role = serializers.ChoiceField(choices=WalkthroughWalker.Role.choices, read_only=True)
    role_display = ChoiceLabel("role")

    class Meta:
        model = WalkthroughWalker
        fields = ["user", "name", "unit", "role", "role_display", "is_leader"]
        read_only_fields = fields
        extra_kwargs = {"user": {"help_text": _("从账号中选择的同行人员的账号ID；手动填写的为空")}}


class WalkthroughSerializer(serializers.ModelSerializer):
    """A walkthrough with its steps, answers and findings. The queryset must come from
    ``complaints.walkthroughs.selectors`` (with the prefetches of ``WalkthroughViewSet``)."""

    officer = CaseUserSerializer(read_only=True)
    # A plain string: an enum named "status" would collide with the cases' one.
    status = serializers.CharField(read_only=True, help_text=_("draft 草稿，submitted 已提交，reviewed 已审阅"))
    status_display = ChoiceLabel("status")
    # Blank while the draft leaves them so.
    form = serializers.ChoiceField(choices=Walkthrough.Form.choices, allow_blank=True, read_only=True)
    identity = serializers.ChoiceField(choices=Walkthrough.Identity.choices, allow_blank=True, read_only=True)
    outcome = serializers.ChoiceField(choices=Walkthrough.Outcome.choices, allow_blank=True, read_only=True)
    checklist_version = serializers.IntegerField(
        source="checklist.version", read_only=True, allow_null=True, help_text=_("所用检查清单的版本")
    )
    minutes_spent = serializers.IntegerField(read_only=True, allow_null=True)
    walkers = WalkthroughWalkerSerializer(
        many=True, read_only=True, help_text=_("同行的体验人员，带队人员在前；体验人本人不在其中")
    )
    departments = serializers.PrimaryKeyRelatedField(many=True, read_only=True, help_text=_("带项目交叉走涉及的部门ID"))
    steps = WalkthroughStepSerializer(many=True, read_only=True)
    answers = WalkthroughAnswerSerializer(many=True, read_only=True)
    findings = WalkthroughFindingSerializer(many=True, read_only=True)

    class Meta:
        model = Walkthrough
        fields = [
            "id",
            "officer",
            "status",
            "status_display",
            *services.WALKTHROUGH_FIELDS,
            "departments",
            "minutes_spent",
            "checklist_version",
            "created_at",
            "updated_at",
            "submitted_at",
            "walkers",
            "steps",
            "answers",
            "findings",
        ]
        read_only_fields = fields


class ChecklistQuestionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChecklistQuestion
        fields = ["id", "order", "text", "problem_answer"]
        read_only_fields = fields


class ChecklistSerializer(serializers.ModelSerializer):
    questions = ChecklistQuestionSerializer(many=True, read_only=True)

    class Meta:
        model = Checklist
        fields = ["id", "version", "title", "published_at", "questions"]
        read_only_fields = fields


class FindingPromoteResultSerializer(serializers.Serializer):
    case = FindingCaseSerializer(read_only=True)
    created = serializers.BooleanField(read_only=True, help_text=_("false：该问题此前已转为诉求件，未重复创建"))


# --- Input -----------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.INT)
class ChecklistQuestionField(serializers.Field):
    """A question of the walkthrough's checklist, by id. The serializer's context
    holds the questions (``{id: question}``), so checking costs no query."""

    default_error_messages = {
        "incorrect_type": gettext_lazy("检查项应为编号。"),
        "does_not_exist": gettext_lazy("检查项“{value}”不在本记录所用的检查清单中。"),
    }

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("incorrect_type")
        text = str(data).strip()
        if not (text.isascii() and text.isdigit()):
            self.fail("incorrect_type")
        question = self.context["questions"].get(int(text))
        if question is None:
            self.fail("does_not_exist", value=text)
        return question

    def to_representation(self, value):
        return value.pk


class StepMaterialInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, allow_blank=True, help_text=_("材料名称；空白的不保存"))
    is_necessary = serializers.BooleanField(default=True, help_text=_("该材料是否确有必要"))


class WalkthroughStepInputSerializer(serializers.Serializer):
    action = serializers.CharField(max_length=200, allow_blank=True, default="", help_text=_("如：取号、窗口受理"))
    minutes_waited = serializers.IntegerField(min_value=0, max_value=MAX_MINUTES, allow_null=True, default=None)
    minutes_handled = serializers.IntegerField(min_value=0, max_value=MAX_MINUTES, allow_null=True, default=None)
    trips_to_other_windows = serializers.IntegerField(min_value=0, max_value=MAX_TRIPS, default=0)
    materials = StepMaterialInputSerializer(many=True, default=list, max_length=MAX_MATERIALS)


class WalkthroughAnswerInputSerializer(serializers.Serializer):
    question = ChecklistQuestionField(help_text=_("检查项ID，须属于本记录所用的检查清单"))
    answer = serializers.ChoiceField(choices=ChecklistAnswer.Answer.choices, allow_blank=True, default="")
    comment = serializers.CharField(max_length=500, allow_blank=True, default="")


class WalkthroughWalkerInputSerializer(serializers.Serializer):
    user = serializers.PrimaryKeyRelatedField(
        queryset=services.walker_accounts(),
        required=False,
        allow_null=True,
        default=None,
        help_text=_("从工作人员账号中选择时的账号ID；姓名和单位职务未填时取自该账号"),
    )
    name = serializers.CharField(max_length=50, allow_blank=True, default="", help_text=_("姓名"))
    unit = serializers.CharField(max_length=100, allow_blank=True, default="", help_text=_("如：市数据资源局局长"))
    role = serializers.ChoiceField(choices=WalkthroughWalker.Role.choices, default=WalkthroughWalker.Role.AS_APPLICANT)
    is_leader = serializers.BooleanField(default=False, help_text=_("带队人员；一次体验至多一位"))


class WalkthroughFindingInputSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        required=False, allow_null=True, help_text=_("已有问题的ID；不填则新增（问题描述为空的新增项不保存）")
    )
    description = serializers.CharField(required=False, allow_blank=True, trim_whitespace=True)
    cause = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=True, help_text=_("产生原因（逐一分析），提交时必填")
    )
    fixed_on_spot = serializers.BooleanField(required=False, help_text=_("当场整改"))
    severity = serializers.ChoiceField(choices=Finding.Severity.choices, required=False)
    question = ChecklistQuestionField(required=False, allow_null=True, help_text=_("对应的检查项ID"))
    category = serializers.PrimaryKeyRelatedField(
        queryset=ProblemCategory.objects.filter(is_active=True), required=False, allow_null=True
    )
    delete = serializers.BooleanField(default=False, help_text=_("为 true 时删除该问题"))

    def validate_id(self, value):
        if value is not None and value not in self.context["findings"]:
            raise serializers.ValidationError(_("本记录没有编号为 %(id)s 的问题。") % {"id": value})
        return value

    def validate(self, attrs):
        finding = self.context["findings"].get(attrs.get("id"))
        if finding is not None and not attrs["delete"]:
            description = attrs.get("description", finding.description)
            if not description.strip():
                # A kept finding needs words: it may become a case titled by them.
                raise serializers.ValidationError({"description": [_("请填写问题描述，或删除该问题。")]})
        return attrs


class WalkthroughWriteSerializer(serializers.ModelSerializer):
    """What an officer writes to a draft. Every field is optional: submitting checks
    that the record is complete."""

    theme = serializers.PrimaryKeyRelatedField(
        queryset=WalkthroughTheme.objects.filter(is_active=True), required=False, allow_null=True
    )
    department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.filter(is_active=True), required=False, allow_null=True
    )
    departments = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.filter(is_active=True),
        many=True,
        required=False,
        help_text=_("带项目交叉走涉及的部门ID，替换已保存的"),
    )
    walkers = WalkthroughWalkerInputSerializer(
        many=True,
        required=False,
        max_length=MAX_WALKERS,
        help_text=_("全部同行人员（不含体验人本人），替换已保存的；至多一位带队"),
    )
    steps = WalkthroughStepInputSerializer(
        many=True, required=False, max_length=MAX_STEPS, help_text=_("全部办理环节，按顺序；替换已保存的")
    )
    answers = WalkthroughAnswerInputSerializer(
        many=True, required=False, help_text=_("检查清单的回答，按检查项更新或新增；未列出的保持不变")
    )
    findings = WalkthroughFindingInputSerializer(
        many=True,
        required=False,
        max_length=MAX_FINDINGS,
        help_text=_("发现的问题：带 id 的修改，不带 id 的新增，delete 为 true 的删除；未列出的保持不变"),
    )

    class Meta:
        model = Walkthrough
        fields = [*services.WALKTHROUGH_FIELDS, "departments", "walkers", "steps", "answers", "findings"]
        extra_kwargs = {name: {"required": False} for name in services.WALKTHROUGH_FIELDS}

    def validate_answers(self, value):
        questions = [item["question"].pk for item in value]
        if len(questions) != len(set(questions)):
            raise serializers.ValidationError(_("同一检查项只能回答一次。"))
        return value

    def validate_walkers(self, value):
        if sum(1 for walker in value if walker["is_leader"]) > 1:
            raise serializers.ValidationError(_("一次体验只能有一位带队人员。"))
        users = [walker["user"].pk for walker in value if walker.get("user") is not None]
        if len(users) != len(set(users)):
            raise serializers.ValidationError(_("同一账号只能列入一次同行人员。"))
        if self.context["request"].user.pk in users:
            raise serializers.ValidationError(_("体验人本人无需列入同行人员。"))
        return value

    def validate_departments(self, value):
        if len({department.pk for department in value}) != len(value):
            raise serializers.ValidationError(_("同一部门只能选择一次。"))
        return value

    def validate_findings(self, value):
        ids = [item["id"] for item in value if item.get("id") is not None]
        if len(ids) != len(set(ids)):
            raise serializers.ValidationError(_("同一问题只能出现一次。"))
        return value


class FindingPromoteSerializer(serializers.Serializer):
    department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.filter(is_active=True),
        default=None,
        allow_null=True,
        help_text=_("承办单位ID；默认为体验记录的办理部门，都没有时只受理不交办"),
    )
    category = serializers.PrimaryKeyRelatedField(
        queryset=ProblemCategory.objects.filter(is_active=True),
        default=None,
        allow_null=True,
        help_text=_("问题分类ID；默认为该问题的分类，再无则为“审批服务”"),
    )


# --- Views -----------------------------------------------------------------------


WALKTHROUGH_ERRORS = error_responses(gettext_lazy("体验记录不存在或无权查看"))
FINDING_ERRORS = error_responses(gettext_lazy("发现的问题不存在或无权查看"))


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("换位体验记录列表"),
        description=gettext_lazy("体验官看到自己的记录；营商办工作人员还看到所有人已提交的记录（草稿只有本人可见）。"),
    ),
)
class WalkthroughViewSet(mixins.ListModelMixin, ApiViewSet):
    """换位体验记录 (walkthroughs), read and written as one nested document."""

    serializer_class = WalkthroughSerializer
    filter_backends = [PortalFilterBackend]
    filterset_fields = ["status"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Walkthrough.objects.none()
        return (
            selectors.walkthrough_list(user=self.request.user, include_archived=self.action != "list")
            .select_related("checklist")
            .prefetch_related(
                Prefetch("steps", queryset=WalkthroughStep.objects.prefetch_related("materials")),
                "answers",
                Prefetch("findings", queryset=Finding.objects.select_related("case")),
                "walkers",
                "departments",
            )
        )

    def _detail(self, pk: int) -> dict:
        walkthrough = selectors.walkthrough_get_for_user(user=self.request.user, pk=pk)
        return WalkthroughSerializer(walkthrough, context=self.get_serializer_context()).data

    def _own(self, pk: int) -> Walkthrough:
        """The user's own walkthrough, with what validating a write needs; 404 for
        anyone else's, whether or not they may read it."""
        walkthrough = selectors.walkthrough_get_for_user(user=self.request.user, pk=pk)
        if walkthrough.officer_id != self.request.user.pk:
            raise exceptions.NotFound
        return walkthrough

    def _write_serializer(self, data, *, checklist: Checklist | None, findings) -> WalkthroughWriteSerializer:
        questions = {question.pk: question for question in checklist.questions.all()} if checklist else {}
        context = {
            **self.get_serializer_context(),
            "questions": questions,
            "findings": {finding.pk: finding for finding in findings},
        }
        serializer = WalkthroughWriteSerializer(data=data, context=context)
        serializer.is_valid(raise_exception=True)
        return serializer

    def _save(self, walkthrough: Walkthrough, data: dict, *, existing, replace: bool) -> None:
        """Hand the validated body to ``walkthrough_save_draft``. ``replace`` (PUT)
        clears the record's fields and steps the body leaves out."""
        fields = {name: data[name] for name in services.WALKTHROUGH_FIELDS if name in data}
        if replace:
            fields = {name: fields.get(name) for name in services.WALKTHROUGH_FIELDS}
        steps = data.get("steps", [] if replace else None)
        if steps is not None:
            steps = [
                {**step, "materials": [(item["name"], item["is_necessary"]) for item in step["materials"]]}
                for step in steps
            ]
        walkers = data.get("walkers", [] if replace else None)
        departments = data.get("departments", [] if replace else None)
        answers = None
        if "answers" in data:
            answers = {item["question"].pk: (item["answer"], item["comment"]) for item in data["answers"]}
        findings = None
        if "findings" in data:
            findings = [self._finding_item(item, existing.get(item.get("id"))) for item in data["findings"]]
        services.walkthrough_save_draft(
            walkthrough=walkthrough,
            actor=self.request.user,
            fields=fields,
            steps=steps,
            answers=answers,
            findings=findings,
            walkers=walkers,
            departments=departments,
        )

    @staticmethod
    def _finding_item(item: dict, finding: Finding | None) -> dict:
        """A finding as the service takes it; left-out fields keep the saved values."""
        saved = {
            "description": finding.description if finding else "",
            "cause": finding.cause if finding else "",
            "fixed_on_spot": finding.fixed_on_spot if finding else False,
            "severity": finding.severity if finding else Finding.Severity.LOW,
            "question": finding.question if finding else None,
            "category": finding.category if finding else None,
        }
        return {
            "id": finding.pk if finding else None,
            **{key: item.get(key, value) for key, value in saved.items()},
            "DELETE": item["delete"],
        }

    @extend_schema(
        summary=gettext_lazy("新建换位体验记录（草稿）"),
        description=gettext_lazy(
            "以当前用户为体验人新建草稿（体验日期默认为今天，使用当前发布的检查清单），并保存请求中的内容。"
            "只有营商环境体验官和营商办工作人员可以新建。"
        ),
        request=WalkthroughWriteSerializer,
        responses={201: WalkthroughSerializer, **WALKTHROUGH_ERRORS},
    )
    def create(self, request):
        if not services.can_walk(request.user):
            raise exceptions.PermissionDenied(_("只有营商环境体验官和营商办工作人员可以记录换位体验。"))
        serializer = self._write_serializer(request.data, checklist=Checklist.current(), findings=[])
        with transaction.atomic():
            walkthrough = services.walkthrough_start(officer=request.user)
            self._save(walkthrough, serializer.validated_data, existing={}, replace=False)
        location = request.build_absolute_uri(reverse("walkthrough-detail", kwargs={"pk": walkthrough.pk}))
        return Response(self._detail(walkthrough.pk), status=status.HTTP_201_CREATED, headers={"Location": location})

    @extend_schema(
        summary=gettext_lazy("换位体验记录详情"), responses={200: WalkthroughSerializer, **WALKTHROUGH_ERRORS}
    )
    def retrieve(self, request, pk=None):
        return Response(self._detail(self._pk()))

    def _update(self, request, *, replace: bool):
        walkthrough = self._own(self._pk())
        findings = list(walkthrough.findings.all())
        serializer = self._write_serializer(request.data, checklist=walkthrough.checklist, findings=findings)
        self._save(
            walkthrough,
            serializer.validated_data,
            existing={finding.pk: finding for finding in findings},
            replace=replace,
        )
        return Response(self._detail(walkthrough.pk))

    @extend_schema(
        summary=gettext_lazy("保存草稿（整体替换）"),
        description=gettext_lazy(
            "替换记录本身的字段和全部办理环节（未给出的字段清空）；检查清单回答按检查项更新，"
            "发现的问题按 id 修改、新增或删除。只有体验人本人可以修改，且只限草稿。"
        ),
        request=WalkthroughWriteSerializer,
        responses={200: WalkthroughSerializer, **WALKTHROUGH_ERRORS},
    )
    def update(self, request, pk=None):
        return self._update(request, replace=True)

    @extend_schema(
        summary=gettext_lazy("保存草稿（部分修改）"),
        description=gettext_lazy("只修改请求中给出的部分。只有体验人本人可以修改，且只限草稿。"),
        request=WalkthroughWriteSerializer,
        responses={200: WalkthroughSerializer, **WALKTHROUGH_ERRORS},
    )
    def partial_update(self, request, pk=None):
        return self._update(request, replace=False)

    @extend_schema(
        summary=gettext_lazy("提交换位体验记录"),
        description=gettext_lazy("提交审阅。记录不完整时返回 400，每一项缺漏为一条错误。"),
        request=None,
        responses={200: WalkthroughSerializer, **WALKTHROUGH_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        walkthrough = self._own(self._pk())
        services.walkthrough_submit(walkthrough=walkthrough, actor=request.user)
        return Response(self._detail(walkthrough.pk))


class ChecklistViewSet(ApiViewSet):
    """检查清单."""

    queryset = Checklist.objects.none()

    @extend_schema(
        summary=gettext_lazy("当前检查清单"),
        description=gettext_lazy("当前发布的检查清单及其检查项；新建的体验记录使用这一版本。"),
        responses={200: ChecklistSerializer, 404: WALKTHROUGH_ERRORS[404]},
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def current(self, request):
        checklist = Checklist.current()
        if checklist is None:
            raise exceptions.NotFound(_("尚未发布检查清单。"))
        return Response(ChecklistSerializer(checklist, context=self.get_serializer_context()).data)


class FindingViewSet(ApiViewSet):
    """体验发现的问题."""

    queryset = Finding.objects.all()
    # What OPTIONS describes for promote (the action builds its own serializer).
    serializer_class = FindingPromoteSerializer

    @extend_schema(
        summary=gettext_lazy("将发现的问题转为诉求件"),
        description=gettext_lazy(
            "登记为“走流程”渠道的诉求件并受理，有承办单位时一并交办；问题的产生原因写入诉求件的描述和原因分析。"
            "每个问题只转一次：再次调用返回已有的诉求件（created 为 false，状态码 200）。"
            "草稿中的问题和已当场整改的问题不能转办（400）。"
        ),
        request=FindingPromoteSerializer,
        responses={
            201: FindingPromoteResultSerializer,
            200: OpenApiResponse(FindingPromoteResultSerializer, description=gettext_lazy("该问题此前已转为诉求件")),
            **FINDING_ERRORS,
        },
    )
    @action(detail=True, methods=["post"])
    def promote(self, request, pk=None):
        finding = Finding.objects.filter(pk=self._pk()).first()
        # A finding is visible with its walkthrough; others' do not exist for the user.
        if (
            finding is None
            or not selectors.walkthrough_list(user=request.user, include_archived=True)
            .filter(pk=finding.walkthrough_id)
            .exists()
        ):
            raise exceptions.NotFound
        if not request.user.has_perm("complaints.promote_finding"):
            raise exceptions.PermissionDenied
        serializer = FindingPromoteSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        case, created = services.finding_promote(finding=finding, actor=request.user, **serializer.validated_data)
        body = FindingPromoteResultSerializer({"case": case, "created": created}).data
        if not created:
            return Response(body)
        location = request.build_absolute_uri(reverse("case-detail", kwargs={"number": case.number}))
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": location})
