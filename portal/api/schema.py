"""Post-processing of the OpenAPI schema drf-spectacular generates.

Every operation can answer with the portal's error shape for reasons no single view
declares: a filter, page or ordering value that does not parse (400), a caller who is
not signed in or may not act (403; the API answers 403 rather than 401 because session
authentication comes first), an object that does not exist or is not the caller's, and
a page past the end (404), a method the resource does not offer (405), and a body in a
format it cannot read (415). Declaring them once here keeps the schema honest without
repeating them on every view (found by the schemathesis run in tests/hostile).
"""

from __future__ import annotations

import copy

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string", "nullable": True},
                    "message": {"type": "string"},
                },
                "required": ["field", "message"],
            },
        }
    },
    "required": ["errors"],
}
# A time of day as DRF's TimeField writes it and reads it back.
TIME_OF_DAY = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$"
# Text fields whose schema is a plain string (not a choice, a date or an e-mail address).
NON_BLANK_TEXT = (serializers.CharField, serializers.RegexField)
HTTP_METHODS = {"get", "put", "patch", "post", "delete", "head", "options", "trace"}


def _common_errors() -> dict[str, str]:
    return {
        "400": _("输入有误（含无法识别的筛选、排序或页码参数），或当前状态不允许此操作"),
        "403": _("未登录，或无权进行此操作"),
        "404": _("对象不存在或不属于当前用户，或页码超出范围"),
        "405": _("该资源不支持此请求方法"),
        "413": _("请求内容过大"),
        "415": _("请求体格式不受支持"),
    }


def add_common_error_responses(result, generator, request, public):
    """Spectacular post-processing hook: give every operation the portal's error answers
    it does not declare itself, all with the ``ApiError`` body."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("ApiError", ERROR_SCHEMA)
    reference = {"$ref": "#/components/schemas/ApiError"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in HTTP_METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for status, description in _common_errors().items():
                responses.setdefault(
                    status, {"description": description, "content": {"application/json": {"schema": reference}}}
                )
            for parameter in operation.get("parameters", []):
                # An empty value is "not given" (portal.api.filters), as an HTML form sends it.
                if parameter.get("in") == "query" and not parameter.get("required"):
                    parameter["allowEmptyValue"] = True
    return result


class PortalAutoSchema(AutoSchema):
    """drf-spectacular's schema, with one correction: a read-only choice field over a model
    field that may be blank (a case's ``stage`` once it is resolved, a walkthrough's
    ``form`` in a draft) can answer "" — DRF drops ``allow_blank`` from read-only fields,
    so without this the schema's enum would not allow the empty value the API sends.
    Likewise a blank read-only URL or e-mail (a session's ``online_link``) is "" and
    not a URI, so such fields are plain strings in the schema."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        # A throttled view (portal.throttling) answers 429 once a caller has used its share.
        if operation is not None and self.view.get_throttles():
            operation["responses"].setdefault(
                "429",
                {
                    "description": _("请求过于频繁，请稍后再试（Retry-After 头给出秒数）"),
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}},
                },
            )
        return operation

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        model_field = _model_field(field) if field.read_only else None
        blank = bool(getattr(model_field, "blank", False))
        if blank and isinstance(field, serializers.ChoiceField) and not field.allow_blank:
            field = copy.copy(field)
            field.allow_blank = True
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.TimeField) and schema.get("format") == "time":
            # OpenAPI's "time" is RFC 3339's full-time, with an offset; the portal's times of
            # day ("09:11:00") are local wall-clock times without one.
            del schema["format"]
            schema["pattern"] = TIME_OF_DAY
        elif (
            direction == "request"
            and type(field) in NON_BLANK_TEXT
            and not field.read_only
            and not field.allow_blank
            and not schema.get("enum")
            and "$ref" not in schema
        ):
            # DRF refuses "" and, trimming it first, text of only spaces: say so. Only for
            # input: what the server sends back may be blank (the model allows it).
            schema.setdefault("minLength", 1)
            schema.setdefault("pattern", r"\S")
        return schema

    def _insert_field_validators(self, field, schema):
        super()._insert_field_validators(field, schema)
        if (
            field.read_only
            and getattr(_model_field(field), "blank", False)
            and schema.get("format") in ("uri", "email")
        ):
            del schema["format"]


def _model_field(field):
    model = getattr(getattr(getattr(field, "parent", None), "Meta", None), "model", None)
    source = getattr(field, "source", None)
    if model is None or not source or "." in source or source == "*":
        return None
    try:
        return model._meta.get_field(source)
    except FieldDoesNotExist:
        return None
