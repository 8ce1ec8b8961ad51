import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext

logger = logging.getLogger(__name__)


class ChineseFirstLocaleMiddleware:
    """Speak zh-hans unless the user chose another language with the switcher.

    Django's LocaleMiddleware would follow the browser's Accept-Language, and
    many officials' and entrepreneurs' browsers say English while they read
    Chinese; the portal's language is Chinese until someone picks otherwise.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen not in dict(settings.LANGUAGES):
            chosen = settings.LANGUAGE_CODE
        translation.activate(chosen)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response


DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def database_unavailable_response(request):
    """503 for a request the database could not serve: a short Chinese page, or the API's
    error shape. Built without touching the database (no context processors, no user)."""
    message = gettext("数据库暂时无法访问，请稍后再试。")
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"errors": [{"field": None, "message": message}]}, status=503, json_dumps_params={"ensure_ascii": False}
        )
    else:
        response = HttpResponse(render_to_string("503.html", {"message": message}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableMiddleware:
    """PostgreSQL down or restarting: answer 503 (page or API) instead of a traceback.

    The broken connection is dropped at the end of the request (Django closes a
    connection that raised), and with CONN_HEALTH_CHECKS a persistent connection is
    checked before reuse, so the portal recovers by itself when the server is back.
    Errors raised outside views reach ``portal.views.server_error`` (handler500)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            logger.warning("Database unavailable for %s: %s", request.path, exception)
            return database_unavailable_response(request)
        return None
