"""One error shape for every API endpoint of the portal::

    {"errors": [{"field": "lead_department", "message": "…"}, {"field": null, "message": "…"}]}

``field`` is the input field (``tasks.0.deadline`` inside lists) or null for an error
about the request as a whole. Django ``ValidationError`` raised by a service (a closed
sign-up, a missing reason) answers 400 like a serializer's; a transition the object's
current state no longer allows (code ``invalid_state``: typically someone else acted
first) answers 409 Conflict.
"""

from __future__ import annotations

from django.core.exceptions import (
    NON_FIELD_ERRORS,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.urls import Resolver404, resolve
from django.utils.translation import gettext_lazy
from django.views import defaults
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, generics, serializers, status, viewsets
from rest_framework.metadata import SimpleMetadata
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView, exception_handler, set_rollback


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


def _too_big(exc: SuspiciousOperation) -> tuple[str, int]:
    """The message and status for a body Django refuses to read."""
    if isinstance(exc, RequestDataTooBig):
        return gettext_lazy("请求内容过大。"), status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    if isinstance(exc, TooManyFilesSent):
        return gettext_lazy("一次上传的文件过多。"), status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    if isinstance(exc, TooManyFieldsSent):
        return gettext_lazy("请求中的字段过多。"), status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    return gettext_lazy("请求无效。"), status.HTTP_400_BAD_REQUEST


def api_exception_handler(exc, context):
    """DRF's handler, plus any Django ValidationError as 400 (409 for a state conflict)
    and a body too large to read as 413, with every answer reshaped to ``{"errors": [...]}``."""
    if isinstance(exc, SuspiciousOperation):
        # Raised by Django when DRF reads the body (request.data): without this it would
        # reach Django's handler400 as an HTML page.
        message, code = _too_big(exc)
        return Response({"errors": [{"field": None, "message": str(message)}]}, status=code)
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


class PortalMetadata(SimpleMetadata):
    """OPTIONS: DRF's description, without the input fields of a view that names no
    serializer (an action reading its own serializer): DRF would fail with a 500 there."""

    def determine_actions(self, request, view):
        has_serializer = getattr(view, "serializer_class", None) is not None or (
            type(view).get_serializer_class is not generics.GenericAPIView.get_serializer_class
        )
        return super().determine_actions(request, view) if has_serializer else {}


class ApiViewSet(viewsets.GenericViewSet):
    """Base for the portal's viewsets: the common error shape, and ids that are not
    plain digits answer 404 rather than reaching the database."""

    metadata_class = PortalMetadata

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


def bad_request(request, exception):
    """handler400: a request Django refused before any view (a body over the upload limit
    read by a middleware, too many fields) answers in the error shape under /api/ (413 for
    a body too large), the site's page everywhere else."""
    if request.path.startswith("/api/"):
        message, code = _too_big(exception) if isinstance(exception, SuspiciousOperation) else ("", 400)
        return api_error_response(message or gettext_lazy("请求无效。"), status=code)
    return defaults.bad_request(request, exception)


class ApiNotFoundView(APIView):
    """Every /api/ URL no route matches (``/api/v1/applications/0.5/``): a 404 in the error
    shape, whatever the method, also with DEBUG on (where Django would show its HTML page
    instead of handler404). A DRF view, so that a POST there meets the 404 and not Django's
    CSRF page; it authenticates no one, so there is no session to protect. A read of a URL
    that only lacks its trailing slash is redirected, as APPEND_SLASH does elsewhere (this
    catch-all matching it, CommonMiddleware no longer would)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]

    def get_exception_handler(self):
        return api_exception_handler

    def dispatch(self, request, *args, **kwargs):
        if request.method in ("GET", "HEAD") and not request.path_info.endswith("/"):
            try:
                match = resolve(f"{request.path_info}/", getattr(request, "urlconf", None))
            except Resolver404:
                match = None
            if match is not None and match.func is not api_not_found:
                query = request.META.get("QUERY_STRING", "")
                return HttpResponsePermanentRedirect(f"{request.path}/" + (f"?{query}" if query else ""))
        return super().dispatch(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        raise exceptions.NotFound(gettext_lazy("请求的资源不存在。"))


api_not_found = ApiNotFoundView.as_view()
