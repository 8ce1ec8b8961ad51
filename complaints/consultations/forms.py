"""The consultation pages' forms: asking, answering, turning into a case, rating."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from complaints.consultations.services import ANSWER_MAX_LENGTH, QUESTION_MAX_LENGTH
from complaints.models import ProblemCategory, Rating
from portal.forms import EmptyChoiceLabelMixin
from portal.models import Enterprise
from portal.selectors import member_enterprise_ids


class AskForm(EmptyChoiceLabelMixin, forms.Form):
    enterprise = forms.ModelChoiceField(label=_("企业"), queryset=Enterprise.objects.none())
    question = forms.CharField(
        label=_("咨询内容"),
        max_length=QUESTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("政策、办事流程等问题均可咨询；需要协调解决的具体问题，管家可转为诉求件办理。"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        enterprises = Enterprise.objects.filter(pk__in=member_enterprise_ids(user)).order_by("name")
        self.fields["enterprise"].queryset = enterprises
        # One enterprise (the usual case): chosen already.
        if self.fields["enterprise"].initial is None and not self.is_bound:
            only = list(enterprises[:2])
            if len(only) == 1:
                self.initial.setdefault("enterprise", only[0].pk)


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("答复内容"), max_length=ANSWER_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 5})
    )


class ToCaseForm(EmptyChoiceLabelMixin, forms.Form):
    category = forms.ModelChoiceField(
        label=_("问题分类"),
        queryset=ProblemCategory.objects.filter(is_active=True),
        required=False,
        help_text=_("不选时归入“其他”。转为诉求件后按诉求办理时限（1-2-3）计时。"),
    )


class RateForm(forms.Form):
    rating = forms.ChoiceField(label=_("评价"), choices=Rating.choices, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("评价意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
