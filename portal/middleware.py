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
