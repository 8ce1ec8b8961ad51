"""Forms of the application pages (报 / 审 / 兑 / 评). Plain forms: the services decide."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from policies.models import ApplicationRating, JointOpinion, PolicyMaterial
from portal.forms import EmptyChoiceLabelMixin
from portal.models import Enterprise
from portal.uploads import ALLOWED_DESCRIPTION, check_upload


class StartForm(EmptyChoiceLabelMixin, forms.Form):
    """Which represented enterprise applies."""

    enterprise = forms.ModelChoiceField(label=_("申报企业"), queryset=Enterprise.objects.none())

    def __init__(self, *args, enterprises, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = enterprises


class DeclareForm(forms.Form):
    """申报说明 and the applicant's confirmation; saved as a draft or submitted."""

    note = forms.CharField(
        label=_("申报说明"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("可填写申报项目名称、投资额、申请金额等情况。"),
    )
    confirmed = forms.BooleanField(label=_("本企业承诺所填信息及所附材料真实有效"), required=False)


class UploadForm(EmptyChoiceLabelMixin, forms.Form):
    material = forms.ModelChoiceField(label=_("对应材料"), queryset=PolicyMaterial.objects.none())
    file = forms.FileField(
        label=_("文件"), help_text=_("每个文件不超过20MB，支持%(types)s。") % {"types": ALLOWED_DESCRIPTION}
    )

    def __init__(self, *args, policy, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["material"].queryset = policy.materials.filter(zero_material=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        self.content_type = check_upload(upload)
        return upload


class RatingForm(forms.ModelForm):
    score = forms.TypedChoiceField(
        label=_("评分"),
        coerce=int,
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        widget=forms.RadioSelect,
        help_text=_("5分为非常满意，1分为非常不满意。"),
    )

    class Meta:
        model = ApplicationRating
        fields = ["score", "comment"]
        widgets = {"comment": forms.Textarea(attrs={"rows": 3})}


class ReturnForm(forms.Form):
    correction_request = forms.CharField(label=_("补正要求"), widget=forms.Textarea(attrs={"rows": 3}))


class ApproveForm(forms.Form):
    amount = forms.DecimalField(label=_("核准金额（元）"), max_digits=14, decimal_places=2, min_value=0)


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("不予通过理由"), widget=forms.Textarea(attrs={"rows": 3}))


class PayoutForm(forms.Form):
    amount = forms.DecimalField(label=_("兑付金额（元）"), max_digits=14, decimal_places=2, min_value=0)
    paid_on = forms.DateField(label=_("兑付日期"), widget=forms.DateInput(attrs={"type": "date"}))
    voucher_number = forms.CharField(label=_("凭证号"), max_length=50)

    def clean_paid_on(self):
        from django.utils import timezone

        paid_on = self.cleaned_data["paid_on"]
        if paid_on > timezone.localdate():
            raise ValidationError(_("兑付日期不能晚于今天。"))
        return paid_on


class ReviewFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), required=False)

    def __init__(self, *args, **kwargs):
        from policies.models import Application

        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("待审核（已提交和审核中）")), ("all", _("全部"))] + [
            choice for choice in Application.Status.choices if choice[0] != Application.Status.DRAFT
        ]


class PrepareForm(forms.Form):
    """帮办代办: which policy staff apply for on the enterprise's behalf — one of the open
    policies it matches (or the one the link named)."""

    policy = forms.TypedChoiceField(label=_("申报政策"), coerce=int, choices=())

    def __init__(self, *args, policies=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(policy.pk, label) for policy, label in policies]
        self.fields["policy"].choices = [("", EmptyChoiceLabelMixin.empty_choice_label), *choices]


class MandateForm(forms.Form):
    """委托代办: the member agrees to the mandate's 信用承诺."""

    agreed = forms.BooleanField(label=_("本企业已阅读并同意以上委托代办承诺"), required=False)


class JointOpinionForm(forms.Form):
    """联审意见: one department's answer; the service decides who may give it."""

    opinion = forms.ChoiceField(
        label=_("联审意见"),
        choices=[(JointOpinion.Opinion.AGREE, _("同意")), (JointOpinion.Opinion.DISAGREE, _("不同意"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("意见说明"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("不同意的，请写明理由。"),
    )

    def __init__(self, *args, department_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.department_id = department_id
        # One form per department on the page: distinct ids keep labels and fields paired.
        self.auto_id = f"id_joint_{department_id}_%s"


class JointFilterForm(forms.Form):
    show = forms.ChoiceField(
        label=_("范围"),
        required=False,
        choices=[("pending", _("待回复")), ("answered", _("已回复")), ("all", _("全部"))],
    )
