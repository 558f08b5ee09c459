"""Request middleware: per-user language and time zone."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.utils import timezone, translation

LANGUAGE_COOKIE = "kefu_lang"


def _supported(code: str | None) -> str | None:
    if not code:
        return None
    code = code.lower()
    for known, _name in settings.LANGUAGES:
        if code == known or code.split("-")[0] == known.split("-")[0]:
            return known
    return None


class UserLanguageMiddleware:
    """Language: the signed-in user's setting, else the cookie, else Accept-Language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        lang = _supported(request.COOKIES.get(LANGUAGE_COOKIE))
        if not lang:
            lang = _supported(translation.get_language_from_request(request)) or settings.LANGUAGE_CODE
        translation.activate(lang)
        request.LANGUAGE_CODE = lang
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language())
        translation.deactivate()
        return response


class UserTimezoneMiddleware:
    """After authentication: the user's own language and time zone win."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            lang = _supported(getattr(user, "language", None))
            if lang:
                translation.activate(lang)
                request.LANGUAGE_CODE = lang
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
                timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
