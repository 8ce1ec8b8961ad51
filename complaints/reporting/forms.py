"""What a figures page or the figures API is asked for: a period and, optionally, a
channel, a lead department or a roundtable series. One form, so the dashboard and
``/api/v1/reports/case-figures/`` accept and refuse the same things."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from complaints.models import Channel
from complaints.reporting.selectors import Period
from portal.models import Department

# Years outside these are typing mistakes.
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2099, 12, 31)


class FiguresForm(forms.Form):
    # "from" is a Python keyword: the form's field names are the query's, set below.
    start = forms.DateField(label=_("起始日期"), required=False)
    end = forms.DateField(label=_("截止日期"), required=False)
    channel = forms.ChoiceField(label=_("来源渠道"), choices=[("", _("全部渠道")), *Channel.choices], required=False)
    department = forms.ModelChoiceField(
        label=_("牵头单位"), queryset=Department.objects.all(), required=False, empty_label=_("全部单位")
    )
    series = forms.IntegerField(label=_("恳谈会系列"), required=False, min_value=1, max_value=2**31 - 1)

    def __init__(self, data=None, *, default: Period, **kwargs):
        if data is not None:
            data = data.copy()
            for name, field in (("from", "start"), ("to", "end")):
                if name in data:
                    data[field] = data.get(name)
        super().__init__(data, **kwargs)
        self.default = default

    def clean(self):
        cleaned = super().clean()
        start = cleaned.get("start") or (None if self.errors.get("start") else self.default.start)
        end = cleaned.get("end") or (None if self.errors.get("end") else self.default.end)
        if start and end:
            if not (FIRST_DAY <= start <= LAST_DAY and FIRST_DAY <= end <= LAST_DAY):
                raise forms.ValidationError(_("日期须在2000年至2099年之间。"), code="out_of_range")
            if start > end:
                self.add_error("end", _("截止日期不能早于起始日期。"))
            cleaned["start"], cleaned["end"] = start, end
        return cleaned

    @property
    def period(self) -> Period:
        return Period(self.cleaned_data["start"], self.cleaned_data["end"])

    @property
    def scope(self) -> dict:
        department = self.cleaned_data.get("department")
        return {
            "channel": self.cleaned_data.get("channel") or None,
            "department": department.pk if department else None,
            "series": self.cleaned_data.get("series"),
        }
