"""Forms of the 问题专员's pages: register a window case, its 原因分析, escalation."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from complaints.models import Case, ProblemCategory
from portal.forms import EmptyChoiceLabelMixin
from portal.models import Enterprise


class WindowCaseForm(EmptyChoiceLabelMixin, forms.ModelForm):
    """A case the window could not settle, as the 专员 takes it down from the walk-in."""

    # A window knows a firm by its credit code, not by our ids.
    enterprise = forms.CharField(
        label=_("企业统一社会信用代码"),
        max_length=18,
        required=False,
        help_text=_("可选。以企业名义反映时填写。"),
    )
    cause_analysis = forms.CharField(
        label=_("原因分析"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,  # the service says why it is needed, on this field
        help_text=_("必填：这件事为什么没能办成（政策限制、材料不全、部门职责不清、系统问题等）。"),
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Case
        fields = [
            "title",
            "description",
            "category",
            "complainant_name",
            "complainant_phone",
            "complainant_email",
            "is_confidential",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = ProblemCategory.objects.filter(is_active=True)
        self.fields["cause_analysis"].widget.attrs["aria-required"] = "true"
        self.order_fields(["title", "description", "category", "enterprise"])

    def clean_enterprise(self) -> Enterprise | None:
        code = self.cleaned_data["enterprise"].strip().upper()
        if not code:
            return None
        enterprise = Enterprise.objects.filter(credit_code=code).first()
        if enterprise is None:
            raise forms.ValidationError(_("未找到统一社会信用代码为 %(code)s 的企业。") % {"code": code})
        return enterprise


class CauseAnalysisForm(forms.Form):
    cause_analysis = forms.CharField(label=_("原因分析"), widget=forms.Textarea(attrs={"rows": 4}), required=False)


class WindowEscalateForm(forms.Form):
    reason = forms.CharField(
        label=_("上报理由"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("说明本级为什么协调不了、需要上一级会商联办的事项。"),
    )
