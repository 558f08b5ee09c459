"""Request middleware: per-user language and time zone; browser-only wrappers of Django's
session, CSRF, authentication and messages middleware."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.middleware.csrf import CsrfViewMiddleware
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



API_PREFIX = "/api/"


def _is_api(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


# Sessions, CSRF, session users and messages serve the browser pages. API requests carry a
# bearer token, so for them these are dead weight (about a tenth of a small API request's
# time). Subclasses, so that Django's checks and the admin still recognise them.


class BrowserSessionMiddleware(SessionMiddleware):
    def __call__(self, request):
        return self.get_response(request) if _is_api(request) else super().__call__(request)


class BrowserCsrfMiddleware(CsrfViewMiddleware):
    def __call__(self, request):
        return self.get_response(request) if _is_api(request) else super().__call__(request)

    def process_view(self, request, callback, callback_args, callback_kwargs):
        if _is_api(request):
            return None
        return super().process_view(request, callback, callback_args, callback_kwargs)


class BrowserAuthenticationMiddleware(AuthenticationMiddleware):
    def __call__(self, request):
        return self.get_response(request) if _is_api(request) else super().__call__(request)


class BrowserMessageMiddleware(MessageMiddleware):
    def __call__(self, request):
        return self.get_response(request) if _is_api(request) else super().__call__(request)
