"""Serializer fields shared by the apps' APIs."""

from __future__ import annotations

import re

from django.db import models
from django.utils.translation import gettext as _
from rest_framework import relations, serializers


class ChoiceLabel(serializers.CharField):
    """The label of a model field's choice, in the reader's language: ``ChoiceLabel("status")``.

    ``Model.get_FOO_display`` rebuilds the field's choices on every call, translating
    every label to hash it, and DRF inspects the method's signature per row: a third of
    a 20-row case list's time (bench B3). The labels here are read once per serializer
    and only the one shown is translated."""

    def __init__(self, model_field: str, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(source=model_field, **kwargs)

    def bind(self, field_name, parent):
        super().bind(field_name, parent)
        model = parent.Meta.model
        self.labels = dict(model._meta.get_field(self.source).flatchoices)
        # Each label translated once per serializer (one request, one language), not per row.
        self.shown: dict = {}

    def to_representation(self, value):
        shown = self.shown.get(value)
        if shown is None:
            shown = self.shown[value] = str(self.labels.get(value, value))
        return shown


def _strict_pk_to_internal_value(self, data):
    """DRF's PrimaryKeyRelatedField, refusing what is not an id rather than coercing it:
    ``1.5`` and ``true`` would reach Django's IntegerField, which int()s them to object 1
    (found from outside: ``"enterprise": 1.5`` was stored as enterprise 1). A string of
    digits stays accepted, as form-encoded bodies send every value as text."""
    model = getattr(self.get_queryset(), "model", None)
    integer_pk = self.pk_field is None and model is not None and isinstance(model._meta.pk, models.IntegerField)
    if integer_pk and (isinstance(data, bool) or not isinstance(data, int | str) or not _DIGITS.match(str(data))):
        raise serializers.ValidationError(_("请填写对象的编号（正整数）。"), code="incorrect_type")
    return _drf_pk_to_internal_value(self, data)


_DIGITS = re.compile(r"^[0-9]{1,18}$")
_drf_pk_to_internal_value = relations.PrimaryKeyRelatedField.to_internal_value
relations.PrimaryKeyRelatedField.to_internal_value = _strict_pk_to_internal_value
