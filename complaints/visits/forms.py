"""Forms of the 走访 log: the visit with any number of problems found (a formset the
page adds rows to), and the choice made when a problem becomes a case."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.models import ProblemCategory, Visit
from complaints.visits import selectors
from complaints.visits.services import DEFAULT_CATEGORY, MAX_PROBLEMS
from portal.forms import EmptyChoiceLabelMixin


class VisitForm(EmptyChoiceLabelMixin, forms.ModelForm):
    """A visit to one of the 管家's own enterprises."""

    class Meta:
        model = Visit
        fields = ["enterprise", "visited_on", "people_met", "discussed"]
        widgets = {
            "visited_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "discussed": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, steward, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the enterprises the 管家 looks after; another's is "not a valid choice".
        self.fields["enterprise"].queryset = selectors.steward_enterprises(user=steward).select_related(None)
        self.fields["visited_on"].widget.attrs["max"] = timezone.localdate().isoformat()

    def clean_visited_on(self):
        visited_on = self.cleaned_data["visited_on"]
        if visited_on > timezone.localdate():
            raise ValidationError(_("走访日期不能晚于今天。"), code="future")
        return visited_on


class ProblemForm(forms.Form):
    description = forms.CharField(
        label=_("发现问题"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("一个问题一条；空白的不保存。"),
    )


ProblemFormSet = forms.formset_factory(ProblemForm, extra=1, max_num=MAX_PROBLEMS, validate_max=True)


class ToCaseForm(EmptyChoiceLabelMixin, forms.Form):
    category = forms.ModelChoiceField(
        label=_("问题分类"), queryset=ProblemCategory.objects.filter(is_active=True), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].help_text = _("不选则归入“%(name)s”。") % {"name": DEFAULT_CATEGORY}
