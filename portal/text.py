"""Text that cannot spoof: what the portal stores of what people type.

Invisible formatting characters (Unicode category Cf: the bidi controls U+202A–U+202E and
U+2066–U+2069, the zero-width characters U+200B, U+200C, U+2060–U+2064, U+FEFF, the soft
hyphen U+00AD, …) let a title display other text than it holds: "‮…" shows a case title
reversed to the official who reads it. They are never needed in Chinese text, so:

* **free text** loses them — ``clean_single_line`` for every ``CharField`` (titles, names,
  subjects; a line break, tab or Unicode line separator becomes a space, other control
  characters go), ``clean_multi_line`` for every ``TextField`` (line breaks ``\\n`` and tabs
  stay, ``\\r\\n`` and a lone ``\\r`` become ``\\n``, other control characters go). Rich text
  (a policy's full text, sanitised by nh3 in ``portal/richtext.py``) is a ``TextField`` and is
  cleaned the same way, which leaves its HTML intact. One character is kept: U+200D ZERO WIDTH
  JOINER, which joins emoji sequences (👨‍👩‍👧) and cannot reorder text;
* **identifiers** refuse them with a Chinese message instead of silently changing what was
  typed — user names, 统一社会信用代码, mobile numbers, case numbers and lookup codes
  (``validate_no_invisible``; every control or format character, ZWJ included). A stripped
  user name would be another account's name, and would let a caller walk around the
  sign-in lock (django-axes counts failures per name as typed).

One mechanism, installed once at start-up (``install``, from ``PortalConfig.ready``) on every
``CharField`` and ``TextField`` of the project's apps (``PROJECT_APPS``):

* a free-text field's ``to_python`` cleans: Django calls it in model validation (``full_clean``
  — the admin and model forms) and, for these two field classes, in ``get_prep_value``, i.e. for
  every value written to the database — ``save``, ``create``, ``bulk_create``, ``update`` — so
  no path around a form or serializer stores such a character; a ``pre_save`` signal cleans
  the instance itself too, so what the request goes on to show (a notification, a redirect's
  message) is what was stored;
* an identifier field gets ``validate_no_invisible`` among its validators: model forms (their
  ``full_clean``), the admin and DRF's model serializers (which copy a model field's
  validators) refuse the value with the message below. Plain forms that take identifiers (the
  lookup form) list the validator themselves.

Fields with ``choices`` hold values from the code and are left alone.
``tests/hostile/test_bidi.py`` walks every field and checks its class.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.signals import pre_save
from django.utils.translation import gettext_lazy as _

PROJECT_APPS = ("portal", "roundtables", "policies", "complaints")

# Kept in free text: it joins emoji and reorders nothing.
ZERO_WIDTH_JOINER = "\u200d"

SINGLE_LINE = "single_line"
MULTI_LINE = "multi_line"
IDENTIFIER = "identifier"
CHOICES = "choices"

# Identifiers by name, on any model of the project; credit-code and mobile fields are
# identifiers by their class (portal.fields) wherever they appear.
IDENTIFIER_NAMES = frozenset({"username", "lookup_code", "credit_code", "mobile", "number", "code"})
IDENTIFIER_FIELDS = frozenset({"complaints.Case.complainant_phone", "portal.PhoneVerification.phone"})
# Character fields typed as paragraphs (a textarea), which keep their line breaks.
MULTI_LINE_FIELDS = frozenset({"complaints.ChecklistAnswer.comment"})

INVISIBLE_MESSAGE = _("不能含有不可见的控制或格式字符（如双向文字控制符、零宽字符），请删除后重新输入。")


def _is_unsafe(char: str) -> bool:
    """A control, format, surrogate or line/paragraph-separator character."""
    return unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zl", "Zp")


def clean_single_line(value: str) -> str:
    """One line of text as people read it: invisible formatting characters removed
    (ZWJ kept), line breaks and tabs as spaces, other control characters removed."""
    if value.isprintable():
        return value
    kept = []
    for char in value.replace("\r\n", "\n"):
        category = unicodedata.category(char)
        if category == "Cc":
            if char in "\t\n\r\x0b\x0c":
                kept.append(" ")
        elif category in ("Zl", "Zp"):
            kept.append(" ")
        elif (category == "Cf" and char != ZERO_WIDTH_JOINER) or category == "Cs":
            continue
        else:
            kept.append(char)
    return "".join(kept)


def clean_multi_line(value: str) -> str:
    """Paragraphs as people read them: ``\\n`` and tabs kept (``\\r\\n`` and ``\\r`` become
    ``\\n``, Unicode line and paragraph separators too), invisible formatting characters
    (ZWJ kept) and other control characters removed."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    if value.replace("\n", "").replace("\t", "").isprintable():
        return value
    kept = []
    for char in value:
        category = unicodedata.category(char)
        if category == "Cc":
            if char in "\n\t":
                kept.append(char)
        elif category in ("Zl", "Zp"):
            kept.append("\n")
        elif (category == "Cf" and char != ZERO_WIDTH_JOINER) or category == "Cs":
            continue
        else:
            kept.append(char)
    return "".join(kept)


def has_invisible(value: str) -> bool:
    return isinstance(value, str) and not value.isprintable() and any(_is_unsafe(char) for char in value)


def validate_no_invisible(value) -> None:
    """Identifiers: refuse any control or format character (ZWJ included) rather than
    change what was typed."""
    if has_invisible(value):
        raise ValidationError(INVISIBLE_MESSAGE, code="invisible_characters")


def field_kind(field: models.Field) -> str | None:
    """How a model field's text is kept: ``IDENTIFIER``, ``SINGLE_LINE``, ``MULTI_LINE``,
    ``CHOICES`` (left alone), or None for a field that holds no text."""
    from portal.fields import CreditCodeField, MobileField

    if not isinstance(field, models.CharField | models.TextField):
        return None
    if field.choices:
        return CHOICES
    label = f"{field.model._meta.label}.{field.name}"
    if isinstance(field, CreditCodeField | MobileField) or field.name in IDENTIFIER_NAMES or label in IDENTIFIER_FIELDS:
        return IDENTIFIER
    if isinstance(field, models.TextField) or label in MULTI_LINE_FIELDS:
        return MULTI_LINE
    return SINGLE_LINE


CLEANERS: dict[str, Callable[[str], str]] = {SINGLE_LINE: clean_single_line, MULTI_LINE: clean_multi_line}

# model -> [(attname, cleaner)], for the pre_save signal.
_FREE_TEXT: dict[type[models.Model], list[tuple[str, Callable[[str], str]]]] = {}


def _cleaning_to_python(original, cleaner):
    def to_python(value):
        value = original(value)
        return cleaner(value) if isinstance(value, str) else value

    to_python.text_cleaner = cleaner  # type: ignore[attr-defined]
    return to_python


def _install_on_field(field: models.Field) -> None:
    kind = field_kind(field)
    if kind == IDENTIFIER:
        if validate_no_invisible not in field.validators:
            # Past the validators' cache, not into the field's own list (``_validators``),
            # which migrations would see as a change of every such field.
            field.__dict__["validators"] = [*field.validators, validate_no_invisible]
    elif kind in CLEANERS and not hasattr(field.to_python, "text_cleaner"):
        field.to_python = _cleaning_to_python(field.to_python, CLEANERS[kind])  # type: ignore[method-assign]


def install() -> None:
    """Clean or guard every text field of the project's models; idempotent."""
    from django.apps import apps

    for app_label in PROJECT_APPS:
        for model in apps.get_app_config(app_label).get_models():
            cleaners = []
            for field in model._meta.concrete_fields:
                _install_on_field(field)
                kind = field_kind(field)
                if kind in CLEANERS:
                    cleaners.append((field.attname, CLEANERS[kind]))
            _FREE_TEXT[model] = cleaners
    pre_save.connect(_clean_instance, dispatch_uid="portal.text.clean_instance")


def _clean_instance(sender, instance, **kwargs) -> None:
    for attname, cleaner in _FREE_TEXT.get(sender, ()):
        value = instance.__dict__.get(attname)
        if isinstance(value, str):
            instance.__dict__[attname] = cleaner(value)
