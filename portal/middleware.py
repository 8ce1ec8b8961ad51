from django.conf import settings
from django.utils import translation


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
