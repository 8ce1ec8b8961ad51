"""Forms of the roundtable pages: sign-up, written and on-site appeals, check-in."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from complaints.models import ProblemCategory
from portal.forms import EmptyChoiceLabelMixin, HoneypotMixin, privacy_consent_field
from portal.models import Enterprise
from portal.validators import normalize_credit_code
from roundtables.models import Registration, Slot


class SlotChoiceField(forms.ModelChoiceField):
    """A time slot, shown with the places it has left when the queryset counts them
    (``places_left``, as ``selectors.free_slots`` annotates)."""

    def label_from_instance(self, obj):
        left = getattr(obj, "places_left", None)
        if left is None:
            return str(obj)
        return _("%(time)s（尚可预约%(left)s家）") % {"time": str(obj), "left": left}


def _categories():
    return ProblemCategory.objects.filter(is_active=True)


class SignUpForm(HoneypotMixin, EmptyChoiceLabelMixin, forms.ModelForm):
    """报名. ``enterprises`` are the choices offered (those the user represents); the
    service decides who may sign up whom."""

    enterprise = forms.ModelChoiceField(label=_("报名企业"), queryset=Enterprise.objects.none())
    category = forms.ModelChoiceField(
        label=_("问题分类"),
        queryset=ProblemCategory.objects.none(),
        required=False,
        help_text=_("可选；填写了拟反映的问题时，问题将登记为诉求件。"),
    )
    slot = SlotChoiceField(
        label=_("预约时段"),
        queryset=Slot.objects.none(),
        required=False,
        widget=forms.RadioSelect,
        help_text=_("现场参会请选择一个时段，仅列出尚有名额的时段；仅书面反映的无需选择。"),
    )
    privacy_consent = privacy_consent_field(
        label=_("我已阅读并同意《隐私政策》，同意平台为组织本次恳谈会使用参会人信息"),
        refused=_("请阅读并同意隐私政策后再报名。"),
    )

    class Meta:
        model = Registration
        fields = [
            "enterprise",
            "attendee_name",
            "attendee_title",
            "attendee_mobile",
            "mode",
            "slot",
            "intended_problems",
        ]
        widgets = {
            "mode": forms.RadioSelect,
            "intended_problems": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "intended_problems": _("可选。填写后将立即登记为诉求件，按“1-2-3”时限办理。"),
        }

    def __init__(self, *args, enterprises=None, slots=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = enterprises if enterprises is not None else Enterprise.objects.none()
        self.fields["category"].queryset = _categories()
        self.fields["mode"].choices = Registration.Mode.choices
        # Only a reception day or a 直通车 session books slots: ``slots`` are those offered.
        if slots is None:
            del self.fields["slot"]
        else:
            self.fields["slot"].queryset = slots
        self.fields["attendee_mobile"].widget.attrs.update(inputmode="tel", autocomplete="tel")


class WrittenAppealForm(EmptyChoiceLabelMixin, forms.Form):
    """书面反映: an appeal sent to the session without attending."""

    enterprise = forms.ModelChoiceField(label=_("反映企业"), queryset=Enterprise.objects.none())
    title = forms.CharField(label=_("诉求标题"), max_length=200)
    description = forms.CharField(label=_("诉求内容"), widget=forms.Textarea(attrs={"rows": 5}))
    category = forms.ModelChoiceField(
        label=_("问题分类"), queryset=ProblemCategory.objects.none(), required=False, help_text=_("不选时归入“其他”。")
    )
    # The same form posted twice (a double click) files one case.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, enterprises=None, **kwargs):
        # Shown on the same page as the sign-up form: keep the element ids apart.
        kwargs.setdefault("auto_id", "appeal_%s")
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = enterprises if enterprises is not None else Enterprise.objects.none()
        self.fields["category"].queryset = _categories()


class OnSiteAppealForm(EmptyChoiceLabelMixin, forms.Form):
    """现场提出: staff record an appeal raised at the session."""

    credit_code = forms.CharField(
        label=_("企业统一社会信用代码"),
        max_length=30,
        required=False,
        help_text=_("可从已报名企业中选择，或输入18位代码；个人提出的可留空。"),
        widget=forms.TextInput(attrs={"list": "registered-enterprises", "autocomplete": "off"}),
    )
    complainant_name = forms.CharField(
        label=_("诉求人"), max_length=50, required=False, help_text=_("留空时按该企业报名的参会人登记。")
    )
    complainant_phone = forms.CharField(label=_("诉求人手机"), max_length=20, required=False)
    title = forms.CharField(label=_("诉求标题"), max_length=200)
    description = forms.CharField(label=_("诉求内容"), widget=forms.Textarea(attrs={"rows": 4}))
    category = forms.ModelChoiceField(
        label=_("问题分类"), queryset=ProblemCategory.objects.none(), required=False, help_text=_("不选时归入“其他”。")
    )
    on_site_answer = forms.CharField(label=_("现场答复"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = _categories()

    def clean_credit_code(self):
        code = self.cleaned_data["credit_code"].strip()
        if not code:
            return None
        try:
            return Enterprise.objects.get(credit_code=normalize_credit_code(code))
        except Enterprise.DoesNotExist:
            raise ValidationError(_("未找到统一社会信用代码为“%(code)s”的企业。"), params={"code": code}) from None


class CheckInSearchForm(forms.Form):
    q = forms.CharField(
        label=_("查找"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"placeholder": _("企业名称、参会人、手机号或6位签到码"), "type": "search", "autocomplete": "off"}
        ),
    )
