from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal.models import Enterprise, EnterpriseTag, User
from portal.portraits import TagsByDimensionField
from portal.validators import normalize_credit_code, validate_credit_code, validate_mobile

# Django's label for a select's empty choice, which says nothing to the reader.
DJANGO_EMPTY_CHOICE = "---------"


class EmptyChoiceLabelMixin:
    """A select's empty choice reads 请选择 instead of Django's "---------" (model fields
    with blank choices, foreign keys, ModelChoiceField). Filter forms say 全部 instead
    (FILTERS_EMPTY_CHOICE_LABEL); a field given its own empty_label keeps it."""

    empty_choice_label = _("请选择")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField):
                if field.empty_label == DJANGO_EMPTY_CHOICE:
                    field.empty_label = self.empty_choice_label
            elif isinstance(field, forms.ChoiceField):
                choices = list(field.choices)
                if choices and choices[0] == ("", DJANGO_EMPTY_CHOICE):
                    field.choices = [("", self.empty_choice_label), *choices[1:]]


# The honeypot (a field people never see): named like something worth filling in.
HONEYPOT_FIELD = "homepage"


class HoneypotMixin:
    """A public form with a hidden field that only a bot fills in (the appeal form, sign-up,
    registration, lookup). The field is rendered by ``portal/_honeypot.html`` inside the
    form: off-screen (``visually-hidden``), ``aria-hidden``, out of the tab order and
    without autocomplete, so people and screen readers never meet it. A form that comes
    back with it filled is answered as if accepted — the view says what the success would
    say, or redirects where it would — and stores nothing: a bot told "refused" tries
    again differently, one told "thanks" moves on."""

    @property
    def caught_in_honeypot(self) -> bool:
        return bool(self.is_bound and str(self.data.get(HONEYPOT_FIELD, "")).strip())


def add_service_errors(form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field when the form has
    it, at the top otherwise, so the page keeps what was typed and says why."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def privacy_consent_field(*, label, refused) -> forms.BooleanField:
    """The consent box every form that collects personal data ends with (个人信息同意):
    required, with a link to the policy; the service records the time."""
    return forms.BooleanField(
        label=label,
        error_messages={"required": refused},
        help_text=_('<a href="/privacy/" target="_blank" rel="noopener">阅读隐私政策</a>（新窗口打开）'),
    )


class SignUpForm(HoneypotMixin, UserCreationForm):
    full_name = forms.CharField(label=_("姓名"), max_length=50)
    mobile = forms.CharField(label=_("手机号码"), max_length=20, validators=[validate_mobile])
    email = forms.EmailField(label=_("电子邮箱"), required=False, help_text=_("用于接收办理进度通知，可不填。"))
    privacy_consent = privacy_consent_field(
        label=_("我已阅读并同意《隐私政策》"), refused=_("请阅读并同意隐私政策后再注册。")
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ["username", "full_name", "mobile", "email"]


class MembershipRequestForm(forms.Form):
    credit_code = forms.CharField(
        label=_("统一社会信用代码"),
        max_length=40,
        help_text=_("18位，见营业执照。全角字符和小写字母会自动转换。"),
    )
    enterprise_name = forms.CharField(
        label=_("企业名称"), max_length=200, required=False, help_text=_("平台中尚无该企业时必填。")
    )
    position = forms.CharField(label=_("您在企业的职务"), max_length=50, required=False)

    def clean_credit_code(self):
        code = normalize_credit_code(self.cleaned_data["credit_code"])
        validate_credit_code(code)
        return code


class EnterpriseProfileForm(EmptyChoiceLabelMixin, forms.ModelForm):
    # Grouped by the portrait's dimensions (portal.portraits).
    tags = TagsByDimensionField(
        label=_("企业标签"),
        queryset=EnterpriseTag.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Enterprise
        fields = list(Enterprise.PROFILE_FIELDS)
        widgets = {"founded_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["industry"].queryset = self.fields["industry"].queryset.order_by("path")
        self.fields["region"].queryset = self.fields["region"].queryset.order_by("path")


class NotificationSettingsForm(forms.ModelForm):
    """Contact details and channels. Changing the e-mail or mobile number asks for the
    current password: whoever takes over an unattended session must not be able to
    redirect the account's notifications (and so its password resets) to themselves."""

    CONTACT_FIELDS = ("email", "mobile")

    current_password = forms.CharField(
        label=_("当前密码"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("修改电子邮箱或手机号码时需要输入当前密码。"),
    )

    field_order = ["email", "mobile", "current_password", "notify_by_email", "notify_by_sms"]

    class Meta:
        model = User
        fields = ["email", "mobile", "notify_by_email", "notify_by_sms"]
        help_texts = {"notify_by_email": _("站内消息始终开启。")}

    def clean(self):
        cleaned_data = super().clean()
        if any(field in self.changed_data for field in self.CONTACT_FIELDS):
            password = cleaned_data.get("current_password") or ""
            if not password:
                self.add_error("current_password", _("修改电子邮箱或手机号码前，请输入当前密码。"))
            elif not self.instance.check_password(password):
                self.add_error("current_password", _("当前密码不正确。"))
        return cleaned_data
