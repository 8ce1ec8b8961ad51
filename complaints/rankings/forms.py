"""Forms of the quarterly lists: the quarter to draft, and a unit's move with its reason."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.models import InterviewLevel, ItemKind, RankingList


class DraftForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(
        label=_("季度"),
        coerce=int,
        choices=[(1, _("第一季度")), (2, _("第二季度")), (3, _("第三季度")), (4, _("第四季度"))],
    )

    def __init__(self, *args, **kwargs):
        today = timezone.localdate()
        kwargs.setdefault("initial", {"year": today.year, "quarter": (today.month - 1) // 3 + 1})
        super().__init__(*args, **kwargs)


class MoveForm(forms.Form):
    to_list = forms.ChoiceField(label=_("调整至"), choices=RankingList.choices)
    reason = forms.CharField(label=_("调整理由"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class InterviewForm(forms.Form):
    """记录约谈: who talked to whom, when, at which level, and the three lists, one item a
    line (``items()`` gives them to the service as ``(kind, text)``)."""

    level = forms.TypedChoiceField(label=_("约谈级别"), coerce=int, choices=InterviewLevel.choices)
    held_on = forms.DateField(label=_("约谈日期"), widget=forms.DateInput(attrs={"type": "date"}))
    interviewer = forms.CharField(
        label=_("约谈人"), max_length=200, help_text=_("姓名和职务，多人用顿号分隔，如：市营商办主任 王某")
    )
    interviewee = forms.CharField(label=_("被约谈人"), max_length=200, help_text=_("姓名和职务，如：市某局局长 李某"))
    notes = forms.CharField(label=_("约谈情况"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    tasks = forms.CharField(
        label=_("任务清单"), required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text=_("每行一项")
    )
    problems = forms.CharField(
        label=_("问题清单"), required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text=_("每行一项")
    )
    responsibilities = forms.CharField(
        label=_("责任清单"), required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text=_("每行一项")
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"held_on": timezone.localdate()})
        super().__init__(*args, **kwargs)

    def items(self) -> list[tuple[str, str]]:
        data = self.cleaned_data
        return [
            (kind, line)
            for kind, field in (
                (ItemKind.TASK, "tasks"),
                (ItemKind.PROBLEM, "problems"),
                (ItemKind.RESPONSIBILITY, "responsibilities"),
            )
            for line in _lines(data.get(field, ""))
        ]


class SignOffForm(forms.Form):
    """This month's 对账 of one item: how it stands, and whether it is done (销号)."""

    progress = forms.CharField(label=_("本月进展"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    done = forms.BooleanField(label=_("已完成，销号"), required=False)


class InterviewYearForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100, required=False)
