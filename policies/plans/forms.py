from django import forms
from django.utils.translation import gettext_lazy as _


class PlanForm(forms.Form):
    recommendations = forms.CharField(
        label=_("工作建议"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("写明建议企业下一步做什么：先申报哪些政策、补齐哪些条件、需要哪些部门协助等。"),
    )
