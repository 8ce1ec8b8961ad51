"""The policy forms: the fields the admin and the keepers' pages share (conditions picked
the same way in both), the keepers' form, and the 营商办's return form."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from policies.models import CONDITION_FIELDS, Policy
from portal.forms import EmptyChoiceLabelMixin
from portal.models import Department, Enterprise, EnterpriseTag, Industry, Region
from portal.portraits import TagsByDimensionField

REASON_LABEL = _("修改说明")
REASON_HELP = _("说明改了什么、为什么改；修改已发布的政策必须填写，会记入修订记录。")


def reason_required(form: forms.ModelForm) -> bool:
    """A published policy's edit is a new version and says why."""
    return form.instance.pk is not None and form.instance.state == Policy.State.PUBLISHED


class PolicyFieldsForm(forms.ModelForm):
    """The fields both the admin and the keepers' pages show the same way: the choices
    kept as lists (checkboxes) and the tag conditions grouped by portrait dimension."""

    source_url = forms.URLField(label=_("原文链接"), required=False, assume_scheme="https")
    scales = forms.MultipleChoiceField(
        label=_("企业规模"), choices=Enterprise.Scale.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    ownerships = forms.MultipleChoiceField(
        label=_("所有制类型"), choices=Enterprise.Ownership.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    tax_credit_grades = forms.MultipleChoiceField(
        label=_("纳税信用等级"),
        choices=Enterprise.TaxCreditGrade.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=Policy._meta.get_field("tax_credit_grades").help_text,
    )
    # 企业画像: the tag conditions pick from tags grouped by dimension (portal.portraits);
    # every tag, so that a condition on a tag since retired is kept when the policy is saved.
    tags_all = TagsByDimensionField(
        EnterpriseTag.objects.all(), label=Policy._meta.get_field("tags_all").verbose_name, required=False
    )
    tags_any = TagsByDimensionField(
        EnterpriseTag.objects.all(), label=Policy._meta.get_field("tags_any").verbose_name, required=False
    )
    tags_excluded = TagsByDimensionField(
        EnterpriseTag.objects.all(), label=Policy._meta.get_field("tags_excluded").verbose_name, required=False
    )

    class Meta:
        model = Policy
        fields: list[str] = []

    def clean(self):
        cleaned = super().clean()
        if (
            "reason" in self.fields
            and reason_required(self)
            and [name for name in self.changed_data if name != "reason"]
            and not (cleaned.get("reason") or "").strip()
        ):
            self.add_error("reason", _("修改已发布的政策会生成新版本，请填写修改说明。"))
        return cleaned


class IndustryCodesField(forms.CharField):
    """Industries by their GB/T 4754 codes (门类 letter or 2–4 digits), as typed: a short
    text box rather than a list of six hundred entries, which a phone cannot use."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 500)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return " ".join(getattr(item, "code", str(item)) for item in value)
        return value

    def clean(self, value):
        text = super().clean(value)
        codes = [code for code in re.split(r"[\s,，、;；]+", (text or "").strip().upper()) if code]
        if not codes:
            return []
        found = {industry.code: industry for industry in Industry.objects.filter(code__in=codes)}
        unknown = [code for code in codes if code not in found]
        if unknown:
            raise forms.ValidationError(
                _("没有这些行业代码：%(codes)s") % {"codes": "、".join(unknown)}, code="unknown_industry"
            )
        return [found[code] for code in dict.fromkeys(codes)]


# The fields of the keepers' form, in the order of the page's sections.
BASIC = ["title", "short_title", "document_number", "issuer", "category", "level", "region", "keywords"]
CONTENT = ["summary", "full_text", "interpretation", "source_url"]
DATES = ["effective_from", "effective_until", "application_opens", "application_closes"]
SUPPORT = [
    "support_type",
    "amount_rule",
    "amount_fixed",
    "amount_field",
    "amount_rate",
    "amount_cap",
    "total_budget",
]
APPLY = [
    "application_method",
    "project_type",
    "joint_review_departments",
    "joint_review_days",
    "contact_department",
    "contact_person",
    "contact_phone",
]
CONDITIONS = CONDITION_FIELDS
SECTIONS = [
    (_("基本信息"), BASIC),
    (_("政策内容"), CONTENT),
    (_("时间"), DATES),
    (_("支持内容"), SUPPORT),
    (_("申报与联审"), APPLY),
    (_("申报条件"), CONDITIONS),
]


class PolicyKeepForm(EmptyChoiceLabelMixin, PolicyFieldsForm):
    """The issuing department's (or the 营商办's) form for a policy's key elements and
    conditions. Materials, attachments, co-issuers, the edition chain and the JSON
    condition tree stay in the admin. An issuer's department is fixed: the field is
    left out for them, and the service fills it in."""

    industries = IndustryCodesField(
        label=Policy._meta.get_field("industries").verbose_name,
        help_text=_("填写国民经济行业代码，如 C（制造业）、C34，以空格或逗号分隔；含下级行业；不填表示不限"),
    )
    reason = forms.CharField(
        label=REASON_LABEL,
        required=False,
        max_length=2000,
        help_text=REASON_HELP,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    class Meta:
        model = Policy
        fields = [*BASIC, *CONTENT, *DATES, *SUPPORT, *APPLY, *CONDITIONS]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "full_text": forms.Textarea(attrs={"rows": 6}),
            "interpretation": forms.Textarea(attrs={"rows": 4}),
            "effective_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "effective_until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "application_opens": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "application_closes": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "regions": forms.SelectMultiple(attrs={"size": 6}),
            "joint_review_departments": forms.SelectMultiple(attrs={"size": 6}),
        }

    def __init__(self, *args, fixed_issuer: Department | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fixed_issuer = fixed_issuer
        if fixed_issuer is not None:
            del self.fields["issuer"]
        self.fields["region"].queryset = Region.objects.order_by("path")
        self.fields["regions"].queryset = Region.objects.order_by("path")
        self.fields["joint_review_departments"].queryset = Department.objects.order_by("name")
        self.fields["joint_review_departments"].help_text = _(
            "审查遴选类项目须各联审部门在时限内给出意见后，发布部门再作决定"
        )
        if self.instance.pk is not None:
            self.initial["industries"] = " ".join(industry.code for industry in self.instance.industries.all())
        if reason_required(self):
            self.fields["reason"].required = False  # required only when something changed (clean)
            self.fields["reason"].label = _("修改说明（必填）")

    def sections(self):
        """(heading, bound fields) per section of the page, the issuer's fixed unit left out."""
        return [(heading, [self[name] for name in names if name in self.fields]) for heading, names in SECTIONS]

    def service_data(self) -> dict:
        """What the service sets: the model's fields of the form, as cleaned."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields if name in self.fields}


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("退回原因"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("发布部门会看到退回原因，请写明需要修改的地方"),
    )


class ReviewNoteForm(forms.Form):
    reason = forms.CharField(
        label=_("说明"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
