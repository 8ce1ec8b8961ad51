"""One error shape for every API endpoint of the portal::

    {"errors": [{"field": "lead_department", "message": "…"}, {"field": null, "message": "…"}]}

``field`` is the input field (``tasks.0.deadline`` inside lists) or null for an error
about the request as a whole. Django ``ValidationError`` raised by a service (a closed
sign-up, a missing reason) answers 400 like a serializer's; a transition the object's
current state no longer allows (code ``invalid_state``: typically someone else acted
first) answers 409 Conflict.
"""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler, set_rollback


class ApiErrorItemSerializer(serializers.Serializer):
    field = serializers.CharField(allow_null=True)
    message = serializers.CharField()


class ApiErrorSerializer(serializers.Serializer):
    """Every error answer of the API."""

    errors = ApiErrorItemSerializer(many=True)


def api_error_response(message, *, status: int) -> JsonResponse:
    """The error shape for answers made outside DRF's views (middleware, handler404,
    the login lock-out), where no exception handler runs."""
    return JsonResponse(
        {"errors": [{"field": None, "message": str(message)}]}, status=status, json_dumps_params={"ensure_ascii": False}
    )


def _flatten(detail, field: str | None = None) -> list[dict]:
    """DRF error detail (nested dicts and lists) as a flat list of {field, message}."""
    if isinstance(detail, dict):
        errors = []
        for key, value in detail.items():
            if key in (api_settings.NON_FIELD_ERRORS_KEY, NON_FIELD_ERRORS):
                errors += _flatten(value, field)
            else:
                errors += _flatten(value, f"{field}.{key}" if field else str(key))
        return errors
    if isinstance(detail, list):
        errors = []
        for index, item in enumerate(detail):
            # A list of dicts is a list serializer's per-item errors.
            nested = isinstance(item, dict | list)
            errors += _flatten(item, (f"{field}.{index}" if field else str(index)) if nested else field)
        return errors
    return [{"field": field, "message": str(detail)}]


def _django_errors(error: DjangoValidationError) -> list[dict]:
    if hasattr(error, "error_dict"):
        return [
            {"field": None if field == NON_FIELD_ERRORS else field, "message": message}
            for field, errors in error.error_dict.items()
            for message in DjangoValidationError(errors).messages
        ]
    return [{"field": None, "message": message} for message in error.messages]


CONFLICT_CODES = frozenset({"invalid_state"})


def is_conflict(error: DjangoValidationError) -> bool:
    """A refusal because the object's state has moved on (another user acted first),
    not because of the input: the client should reload, not correct its request."""
    return getattr(error, "code", None) in CONFLICT_CODES


def api_exception_handler(exc, context):
    """DRF's handler, plus any Django ValidationError as 400 (409 for a state conflict),
    with every answer reshaped to ``{"errors": [...]}``."""
    if isinstance(exc, DjangoValidationError):
        set_rollback()
        code = status.HTTP_409_CONFLICT if is_conflict(exc) else status.HTTP_400_BAD_REQUEST
        return Response({"errors": _django_errors(exc)}, status=code)
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
    elif isinstance(response.data, dict) and "detail" in response.data:
        errors = [{"field": None, "message": str(response.data["detail"])}]
    else:
        errors = _flatten(response.data)
    response.data = {"errors": errors}
    return response


CONFLICT_DESCRIPTION = gettext_lazy("当前状态已变化（可能已有他人处理），不允许此操作，请刷新后重试")


def error_responses(not_found: str, forbidden: str | None = None) -> dict:
    """The schema's error answers for a view, with its own words for 404 (and 403)."""
    return {
        400: OpenApiResponse(ApiErrorSerializer, description=gettext_lazy("输入有误")),
        403: OpenApiResponse(ApiErrorSerializer, description=forbidden or gettext_lazy("无权进行此操作")),
        404: OpenApiResponse(ApiErrorSerializer, description=not_found),
        409: OpenApiResponse(
            ApiErrorSerializer,
            description=gettext_lazy("当前状态已变化（可能已有他人处理），不允许此操作，请刷新后重试"),
        ),
    }


class ApiViewSet(viewsets.GenericViewSet):
    """Base for the portal's viewsets: the common error shape, and ids that are not
    plain digits answer 404 rather than reaching the database."""

    def get_exception_handler(self):
        return api_exception_handler

    def _pk(self) -> int:
        value = str(self.kwargs.get("pk", ""))
        if not (value.isascii() and value.isdigit()):
            raise exceptions.NotFound
        return int(value)


class PublicReadApiViewSet(ApiViewSet):
    """Lists and details anyone may read (public information); every other action
    needs a signed-in user."""

    def get_permissions(self):
        from rest_framework.permissions import AllowAny, IsAuthenticated

        return [AllowAny()] if self.action in ("list", "retrieve") else [IsAuthenticated()]
