import logging
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext

from portal.api.errors import api_error_response
from portal.security import LAST_SEEN_AT, LAST_SEEN_RESOLUTION, SIGNED_IN_AT

logger = logging.getLogger(__name__)


class ChineseFirstLocaleMiddleware:
    """Speak zh-hans unless the user chose another language in the header.

    Django's LocaleMiddleware would follow the browser's Accept-Language, and
    many officials' and entrepreneurs' browsers say English while they read
    Chinese; the portal's language is Chinese until someone picks otherwise. The
    choice is the cookie Django's set_language view writes (LANGUAGE_COOKIE_AGE
    keeps it for a year).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        translation.activate(self._chosen_language(request))
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response

    @staticmethod
    def _chosen_language(request) -> str:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if not chosen:
            return settings.LANGUAGE_CODE
        try:
            # Accepts spellings like "zh-Hant" or "zh-TW" and maps them onto LANGUAGES.
            return translation.get_supported_language_variant(chosen).lower()
        except LookupError:
            return settings.LANGUAGE_CODE


class SessionTimeoutMiddleware:
    """Sign a user out after SESSION_IDLE_TIMEOUT seconds without a request, and
    SESSION_COOKIE_AGE seconds after they signed in whatever they do.

    A shared office computer left signed in must not stay open to the next person
    (ASVS 7.3). The last-seen stamp is written at most once a minute, so the check
    costs no extra query on most requests.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        if SESSION_KEY in session:
            now = int(time.time())
            signed_in_at = session.get(SIGNED_IN_AT) or now
            last_seen_at = session.get(LAST_SEEN_AT) or now
            if now - last_seen_at > settings.SESSION_IDLE_TIMEOUT or now - signed_in_at > settings.SESSION_COOKIE_AGE:
                logout(request)
                messages.info(request, gettext("您长时间未操作，为保护账户安全已自动退出，请重新登录。"))
            elif SIGNED_IN_AT not in session or now - last_seen_at >= LAST_SEEN_RESOLUTION:
                session[SIGNED_IN_AT] = signed_in_at
                session[LAST_SEEN_AT] = now
        return self.get_response(request)


DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def database_unavailable_response(request):
    """503 for a request the database could not serve: a short Chinese page, or the API's
    error shape. Built without touching the database (no context processors, no user)."""
    message = gettext("数据库暂时无法访问，请稍后再试。")
    if request.path.startswith("/api/"):
        response = api_error_response(message, status=503)
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


class RejectUnstorableInputMiddleware:
    """Answer 400 to a request whose URL, query string or form carries a NUL character.

    PostgreSQL cannot store or compare text containing NUL (psycopg2 refuses it before
    it reaches the server), so such a value would turn any search, filter or form into
    a server error. No legitimate input contains it: the request is refused as a whole,
    with a message in the user's language, before any view sees it. JSON bodies are
    checked field by field by DRF's serializers, which refuse NUL and lone surrogates.
    Under /api/ the check waits for the URL's view: a caller the view would refuse gets its
    403 first (issue #19), and an unmatched URL its 404.
    """

    FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/") and self._carries_nul(request):
            return self._refuse(request)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # The API refuses a caller it would not serve first (403), as it does for any other
        # input, so an anonymous caller learns nothing from a NUL answered 400.
        if request.path.startswith("/api/") and self._carries_nul(request):
            from portal.api.errors import api_not_found
            from portal.api.permissions import refuses_caller

            if view_func is api_not_found:
                return None  # no such resource: 404, whatever the input
            if not refuses_caller(request, view_func, view_args, view_kwargs):
                return self._refuse(request)
        return None

    def _carries_nul(self, request) -> bool:
        if "\x00" in request.path:
            return True
        sources = [request.GET]
        if request.method == "POST" and request.content_type in self.FORM_TYPES:
            sources.append(request.POST)
        for data in sources:
            for key, values in data.lists():
                if "\x00" in key or any("\x00" in value for value in values):
                    return True
        return False

    def _refuse(self, request):
        message = gettext("输入中含有无法处理的控制字符（NUL），请删除后重试。")
        if request.path.startswith("/api/"):
            return api_error_response(message, status=400)
        return render(request, "portal/bad_request.html", {"message": message}, status=400)
