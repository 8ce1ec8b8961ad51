"""Serializer fields shared by the apps' APIs."""

from __future__ import annotations

from rest_framework import serializers


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

    def to_representation(self, value):
        return str(self.labels.get(value, value))
