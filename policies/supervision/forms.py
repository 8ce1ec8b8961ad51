"""Forms of the 督办 page. Plain forms: the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from policies.models import SupervisionNotice


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("整改情况"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}))


class EvaluateForm(forms.Form):
    verdict = forms.ChoiceField(
        label=_("评价结果"),
        choices=[c for c in SupervisionNotice.Verdict.choices if c[0]],
        widget=forms.RadioSelect,
    )
    evaluation = forms.CharField(
        label=_("评价意见"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    publish = forms.BooleanField(label=_("公示督办及整改结果"), required=False, initial=True)
