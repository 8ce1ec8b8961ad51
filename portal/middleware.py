from django.conf import settings
from django.utils import translation


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


class RejectUnstorableInputMiddleware:
    """Answer 400 to a request whose URL, query string or form carries a NUL character.

    PostgreSQL cannot store or compare text containing NUL (psycopg2 refuses it before
    it reaches the server), so such a value would turn any search, filter or form into
    a server error. No legitimate input contains it: the request is refused as a whole,
    with a message in the user's language, before any view sees it. JSON bodies are
    checked field by field by DRF's serializers, which refuse NUL and lone surrogates.
    """

    FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._carries_nul(request):
            return self._refuse(request)
        return self.get_response(request)

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
        from django.http import JsonResponse
        from django.shortcuts import render
        from django.utils.translation import gettext as _

        message = _("输入中含有无法处理的控制字符（NUL），请删除后重试。")
        if request.path.startswith("/api/"):
            return JsonResponse({"errors": [{"field": None, "message": message}]}, status=400)
        return render(request, "portal/bad_request.html", {"message": message}, status=400)
