"""Validators and normalisers for identifiers the portal receives from people.

Each validator raises a ``ValidationError`` whose message names the rule that
failed, so a user who mistyped a code knows what to look at.
"""

import re
import unicodedata

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

# GB 32100-2015 uses the digits and the capital letters except I, O, Z, S and V.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_CODE_VALUES = {char: value for value, char in enumerate(CREDIT_CODE_ALPHABET)}
# Weight of position i (1-based) is 3^(i-1) mod 31.
_CREDIT_CODE_WEIGHTS = [pow(3, i, 31) for i in range(17)]
# First character: the registration authority (登记管理部门代码).
_REGISTRATION_AUTHORITIES = set("123456789ANY")


def normalize_credit_code(value: str) -> str:
    """Full-width characters become half-width, letters upper case, spaces go."""
    if value is None:
        return ""
    value = unicodedata.normalize("NFKC", str(value))
    return re.sub(r"\s+", "", value).upper()


def credit_code_check_character(first17: str) -> str:
    """The GB 32100-2015 check character for the first seventeen characters."""
    total = sum(_CREDIT_CODE_VALUES[char] * weight for char, weight in zip(first17, _CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    """Validate a unified social credit code (统一社会信用代码, GB 32100-2015)."""
    code = normalize_credit_code(value)
    if len(code) != 18:
        raise ValidationError(
            _("统一社会信用代码应为18位，当前为%(length)d位。"),
            code="credit_code_length",
            params={"length": len(code)},
        )
    bad = sorted({char for char in code if char not in _CREDIT_CODE_VALUES})
    if bad:
        raise ValidationError(
            _("统一社会信用代码含有不允许的字符：%(chars)s（不使用字母I、O、Z、S、V）。"),
            code="credit_code_characters",
            params={"chars": "、".join(bad)},
        )
    if code[0] not in _REGISTRATION_AUTHORITIES:
        raise ValidationError(
            _("统一社会信用代码第1位（登记管理部门代码）“%(char)s”无效。"),
            code="credit_code_authority",
            params={"char": code[0]},
        )
    if not code[2:8].isdigit():
        raise ValidationError(
            _("统一社会信用代码第3至8位应为6位数字的行政区划代码。"),
            code="credit_code_region",
        )
    expected = credit_code_check_character(code[:17])
    if code[17] != expected:
        raise ValidationError(
            _("统一社会信用代码校验位不正确：第18位应为“%(expected)s”，请核对代码是否抄错。"),
            code="credit_code_check",
            params={"expected": expected},
        )


def normalize_mobile(value: str) -> str:
    """Drop spaces, dashes and a +86 / 0086 prefix; full-width digits become ASCII."""
    if not value:
        return ""
    value = unicodedata.normalize("NFKC", str(value))
    value = re.sub(r"[\s\-()]", "", value)
    return re.sub(r"^(\+?86|0086)(?=1\d{10}$)", "", value)


def validate_mobile(value: str) -> None:
    """Validate a mainland China mobile number (11 digits starting 13–19)."""
    if not re.fullmatch(r"1[3-9]\d{9}", normalize_mobile(value)):
        raise ValidationError(
            _("请输入有效的11位手机号码（以13至19开头）。"),
            code="mobile",
        )


def validate_region_code(value: str) -> None:
    """GB/T 2260 codes are six digits; township codes extend them to nine or twelve."""
    if not re.fullmatch(r"\d{6}(\d{3}){0,2}", value or ""):
        raise ValidationError(_("行政区划代码应为6位（乡镇为9位或12位）数字。"), code="region_code")


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's, with its too-short message in the portal's catalogue: Django 5.2
    reworded that message and its zh-hans translation has not caught up, so the one
    password rule people break most often would be shown in English."""

    def get_error_message(self):
        return ngettext(
            "密码太短，至少需要%(min_length)d个字符。",
            "密码太短，至少需要%(min_length)d个字符。",
            self.min_length,
        ) % {"min_length": self.min_length}
