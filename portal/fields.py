"""Model fields that normalise what people type before it is validated, so the
admin, forms and the API all store one canonical form."""

from django.db import models

from portal.validators import normalize_credit_code, normalize_mobile, validate_credit_code, validate_mobile


class CreditCodeField(models.CharField):
    """统一社会信用代码: full-width and lower-case input is stored upper-case ASCII."""

    default_validators = [validate_credit_code]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 18)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return normalize_credit_code(value) if value else value


class MobileField(models.CharField):
    """A mainland mobile number, stored as 11 digits (+86, spaces and dashes dropped)."""

    default_validators = [validate_mobile]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 20)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return normalize_mobile(value) if value else value
