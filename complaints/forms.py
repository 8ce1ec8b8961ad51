from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Case, When
from django.utils.translation import gettext_lazy as _

from complaints.models import Case as CaseModel
from complaints.models import (
    NonAcceptanceReason,
    ProblemCategory,
    ProblemClass,
    Rating,
    RatingMethod,
    RecheckOutcome,
    ReturnVisitMethod,
    Tier,
)
from portal import roles
from portal.forms import EmptyChoiceLabelMixin, HoneypotMixin, privacy_consent_field
from portal.models import Department, Enterprise, User
from portal.selectors import member_enterprise_ids
from portal.sms import CODE_DIGITS
from portal.text import validate_no_invisible
from portal.uploads import ALLOWED_DESCRIPTION, check_upload


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input, each checked by size and content."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/*,.pdf,.doc,.docx,.xls,.xlsx,.ppt,.pptx"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        cleaned = [super(MultipleFileField, self).clean(item, initial) for item in files]
        errors = []
        for upload in cleaned:
            try:
                check_upload(upload)
            except ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise ValidationError(errors)
        return cleaned


class CaseIntakeForm(HoneypotMixin, EmptyChoiceLabelMixin, forms.ModelForm):
    """The web form for enterprises and the public (网上诉求). With phone verification on
    (``APPEAL_PHONE_VERIFICATION``) it asks for the code texted to the phone number
    (``portal.sms``): the view checks it, anonymous appeals always, signed-in ones when
    the number is not the account's own."""

    enterprise = forms.ModelChoiceField(
        label=_("代表企业"), queryset=Enterprise.objects.none(), required=False, help_text=_("以企业名义反映时选择。")
    )
    attachments = MultipleFileField(
        label=_("附件"),
        required=False,
        help_text=_("可选，每个文件不超过20MB，支持%(types)s。") % {"types": ALLOWED_DESCRIPTION},
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False)
    privacy_consent = privacy_consent_field(
        label=_("我已阅读并同意《隐私政策》，同意平台为办理本诉求使用我填写的个人信息"),
        refused=_("请阅读并同意隐私政策后再提交。"),
    )

    class Meta:
        model = CaseModel
        fields = [
            "title",
            "description",
            "category",
            "enterprise",
            "complainant_name",
            "complainant_phone",
            "complainant_email",
            "on_behalf_of_organisation",
            "is_confidential",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, user=None, phone_verification=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = ProblemCategory.objects.filter(is_active=True)
        self.fields["complainant_phone"].required = True
        if phone_verification:
            self.fields["phone_code"] = forms.CharField(
                label=_("短信验证码"),
                required=False,
                max_length=CODE_DIGITS,
                widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
                help_text=_("填写手机号码后点击下方“获取验证码”，验证码5分钟内有效。"),
            )
            order = [name for name in self.fields if name != "phone_code"]
            order.insert(order.index("complainant_phone") + 1, "phone_code")
            self.order_fields(order)
        if user is not None and user.is_authenticated:
            self.fields["enterprise"].queryset = Enterprise.objects.filter(pk__in=member_enterprise_ids(user))
        else:
            del self.fields["enterprise"]


class AcceptForm(forms.Form):
    note = forms.CharField(label=_("受理意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RejectForm(EmptyChoiceLabelMixin, forms.Form):
    reason = forms.ModelChoiceField(
        label=_("不予受理情形"), queryset=NonAcceptanceReason.objects.filter(is_active=True)
    )
    reply = forms.CharField(label=_("答复诉求人"), widget=forms.Textarea(attrs={"rows": 3}))


def chief_officers():
    """The chief problem officers to choose from, shown by name and unit (User.display_name),
    never by login name; their departments come with them, in the same query."""
    return (
        User.objects.filter(groups__name=roles.CHIEF_PROBLEM_OFFICER, is_active=True)
        .select_related("department")
        .order_by("full_name", "pk")
    )


class AssignForm(EmptyChoiceLabelMixin, forms.Form):
    lead_department = forms.ModelChoiceField(label=_("牵头单位"), queryset=Department.objects.filter(is_active=True))
    co_departments = forms.ModelMultipleChoiceField(
        label=_("协办单位"), queryset=Department.objects.filter(is_active=True), required=False
    )
    tier = forms.ChoiceField(label=_("层级"), choices=Tier.choices, initial=Tier.ORDINARY)
    chief_officer = forms.ModelChoiceField(label=_("首席问题官"), queryset=User.objects.none(), required=False)
    note = forms.CharField(label=_("交办意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, suggested_chiefs=(), **kwargs):
        """``suggested_chiefs``: the chief officers bound to the case's region
        (``selectors.chief_officers_for_region``), the first chosen in the empty form."""
        super().__init__(*args, **kwargs)
        field = self.fields["chief_officer"]
        field.queryset = chief_officers()
        field.help_text = _("跨部门、疑难、重大或有协办单位的诉求件须指定。")
        if suggested_chiefs:
            if not self.is_bound:
                self.initial.setdefault("chief_officer", suggested_chiefs[0].pk)
            field.help_text = _("跨部门、疑难、重大或有协办单位的诉求件须指定；按诉求所属区划建议：%(names)s。") % {
                "names": "、".join(chief.display_name for chief in suggested_chiefs)
            }


class EscalateForm(EmptyChoiceLabelMixin, forms.Form):
    chief_officer = forms.ModelChoiceField(label=_("首席问题官"), queryset=User.objects.none())
    note = forms.CharField(label=_("提级说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["chief_officer"].queryset = chief_officers()


class TaskForm(EmptyChoiceLabelMixin, forms.Form):
    task = forms.CharField(label=_("任务"), max_length=200)
    measure = forms.CharField(label=_("措施"), widget=forms.Textarea(attrs={"rows": 2}))
    deadline = forms.DateField(label=_("完成期限"), widget=forms.DateInput(attrs={"type": "date"}))
    department = forms.ModelChoiceField(label=_("责任单位"), queryset=Department.objects.filter(is_active=True))
    responsible_person = forms.CharField(label=_("责任人"), max_length=50)


TaskFormSet = forms.formset_factory(TaskForm, extra=0, min_num=1, validate_min=True, max_num=20, validate_max=True)


class MeasuresForm(forms.Form):
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class FeedbackForm(forms.Form):
    feedback = forms.CharField(label=_("反馈内容"), widget=forms.Textarea(attrs={"rows": 3}))


class ResolveForm(forms.Form):
    resolution = forms.CharField(label=_("办理结果"), widget=forms.Textarea(attrs={"rows": 3}))
    open_tasks_reason = forms.CharField(
        label=_("未销号任务的办结理由"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, open_tasks: int | None = None, **kwargs):
        """``open_tasks``: the current round's tasks not signed off, for the empty form
        on the case page: none, and the reason is not asked for; some, and the hint says
        how many. A posted form keeps the field, so the service's error shows on it."""
        super().__init__(*args, **kwargs)
        if open_tasks == 0:
            del self.fields["open_tasks_reason"]
        elif open_tasks:
            self.fields["open_tasks_reason"].help_text = _(
                "本轮还有%(count)d项任务未销号。请先销号；确需办结的，请说明理由。"
            ) % {"count": open_tasks}


class RateForm(forms.Form):
    rating = forms.ChoiceField(label=_("评价"), choices=Rating.choices, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("评价意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReturnVisitForm(RateForm):
    method = forms.ChoiceField(
        label=_("回访方式"), choices=[c for c in RatingMethod.choices if c[0] != RatingMethod.ENTERPRISE]
    )


class TaskDoneForm(forms.Form):
    """销号 of one task, from the inline form on its row of the four lists."""

    task = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("完成情况"), widget=forms.Textarea(attrs={"rows": 1}))


YES_NO_UNASKED = [("", _("未询问")), ("yes", _("是")), ("no", _("否"))]


def _yes_no(value):
    return {"yes": True, "no": False}.get(value)


class ReturnVisitRecordForm(forms.Form):
    """回访 with 明光's questions: is the problem solved, was the handling smooth, were
    things explained, what went wrong, what would they suggest."""

    method = forms.ChoiceField(label=_("回访方式"), choices=ReturnVisitMethod.choices, initial=ReturnVisitMethod.PHONE)
    solved = forms.TypedChoiceField(
        label=_("问题是否解决？"),
        choices=[("yes", _("已解决")), ("no", _("未解决"))],
        coerce=_yes_no,
        widget=forms.RadioSelect,
    )
    handling_smooth = forms.TypedChoiceField(
        label=_("办理过程是否顺畅？"), choices=YES_NO_UNASKED, coerce=_yes_no, empty_value=None, required=False
    )
    explanation_complete = forms.TypedChoiceField(
        label=_("解释说明是否到位？"), choices=YES_NO_UNASKED, coerce=_yes_no, empty_value=None, required=False
    )
    problems = forms.CharField(
        label=_("办理中遇到了什么问题？"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    suggestions = forms.CharField(label=_("意见建议"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    note = forms.CharField(
        label=_("回访记录"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("问题未解决时必填，将据此再次交办。"),
    )


class RecheckForm(forms.Form):
    outcome = forms.ChoiceField(label=_("回头看结果"), choices=RecheckOutcome.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("情况说明"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("问题反弹时必填，将据此重新登记诉求件。"),
    )


class SplitPartForm(EmptyChoiceLabelMixin, forms.Form):
    title = forms.CharField(label=_("诉求标题"), max_length=200)
    description = forms.CharField(label=_("诉求内容"), widget=forms.Textarea(attrs={"rows": 3}))
    category = forms.ModelChoiceField(label=_("问题分类"), queryset=ProblemCategory.objects.filter(is_active=True))


class BaseSplitFormSet(forms.BaseFormSet):
    default_error_messages = {
        "too_few_forms": _("拆分至少需要%(num)d个问题。"),
        "too_many_forms": _("一次最多拆分为%(num)d个问题。"),
    }


# 一事一件: the case keeps part 1, each further part becomes a case of its own.
SplitFormSet = forms.formset_factory(
    SplitPartForm, formset=BaseSplitFormSet, extra=0, min_num=2, validate_min=True, max_num=5, validate_max=True
)


class SuspendForm(forms.Form):
    reason = forms.CharField(label=_("暂停原因"), max_length=200)


class ResumeForm(forms.Form):
    note = forms.CharField(label=_("说明"), required=False)


class _ReviewDateInput(forms.DateInput):
    input_type = "date"

    def __init__(self):
        super().__init__(format="%Y-%m-%d")


class LongTermRequestForm(forms.Form):
    """申请需长期推进: why the case needs longer than any deadline, and when to look again."""

    reason = forms.CharField(label=_("长期推进原因"), widget=forms.Textarea(attrs={"rows": 3}))
    review_on = forms.DateField(
        label=_("下次评估日期"), widget=_ReviewDateInput(), help_text=_("今天以后的工作日，届时提醒首席问题官评估。")
    )


class LongTermDecideForm(forms.Form):
    approved = forms.TypedChoiceField(
        label=_("审批意见"),
        choices=[("yes", _("同意长期推进")), ("no", _("不同意"))],
        coerce=_yes_no,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text=_("不同意时必填。")
    )


class LongTermExtendForm(forms.Form):
    review_on = forms.DateField(label=_("新的评估日期"), widget=_ReviewDateInput())
    note = forms.CharField(label=_("评估情况"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class LongTermEndForm(forms.Form):
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CommentForm(forms.Form):
    note = forms.CharField(label=_("备注"), widget=forms.Textarea(attrs={"rows": 2}))
    is_public = forms.BooleanField(label=_("企业可见"), required=False)


class ClassifyForm(forms.Form):
    problem_class = forms.ModelChoiceField(
        label=_("一类问题"), queryset=ProblemClass.objects.none(), required=False, empty_label=_("（不归类）")
    )

    def __init__(self, *args, category=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Classes of the case's category first: they are the likely ones.
        queryset = ProblemClass.objects.all()
        if category is not None:
            queryset = queryset.order_by(Case(When(category=category, then=0), default=1), "name")
        self.fields["problem_class"].queryset = queryset


class LookupForm(HoneypotMixin, forms.Form):
    number = forms.CharField(label=_("诉求编号"), max_length=20, validators=[validate_no_invisible])
    lookup_code = forms.CharField(label=_("查询码"), max_length=12, validators=[validate_no_invisible])
