"""Request middleware: per-user language and time zone; browser-only wrappers of Django's
session, CSRF, authentication and messages middleware."""

from __future__ import annotations

import time
import zoneinfo

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth import get_user as auth_get_user
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import timezone, translation
from django.utils.functional import SimpleLazyObject

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


class _BrowserOnly:
    """Mixed in before a Django middleware: API requests go straight past it."""

    def __call__(self, request):
        return self.get_response(request) if _is_api(request) else super().__call__(request)


class BrowserSessionMiddleware(_BrowserOnly, SessionMiddleware):
    pass


class BrowserCsrfMiddleware(_BrowserOnly, CsrfViewMiddleware):
    def process_view(self, request, callback, callback_args, callback_kwargs):
        if _is_api(request):
            return None
        return super().process_view(request, callback, callback_args, callback_kwargs)


class BrowserAuthenticationMiddleware(_BrowserOnly, AuthenticationMiddleware):
    """Django's session authentication, with the signed-in user (and the teams read from it)
    remembered per process for KEFU_TOKEN_CACHE_SECONDS, as API tokens are: two queries
    fewer on every page. Signing out ends the session at once everywhere (the session is
    still read on every request); a deactivated user, a new role or a new password take
    effect within that many seconds in other processes, at once in this one."""

    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: cached_session_user(request))


#: (user id, session auth hash) → (expires at, user)
_SESSION_USERS: dict[tuple, tuple[float, object]] = {}


def forget_session_users(**_kwargs) -> None:
    _SESSION_USERS.clear()


def cached_session_user(request):
    ttl = settings.TOKEN_CACHE_SECONDS
    session = request.session
    if not ttl or SESSION_KEY not in session:
        return auth_get_user(request)
    key = (str(session[SESSION_KEY]), session.get(HASH_SESSION_KEY), session.get(BACKEND_SESSION_KEY))
    hit = _SESSION_USERS.get(key)
    now = time.monotonic()
    if hit is not None and hit[0] > now:
        return hit[1]
    user = auth_get_user(request)  # verifies the session hash; flushes a stale session
    if user.is_authenticated:
        if len(_SESSION_USERS) > 10_000:
            _SESSION_USERS.clear()
        _SESSION_USERS[key] = (now + ttl, user)
    return user


class BrowserMessageMiddleware(_BrowserOnly, MessageMiddleware):
    pass


#: Images a browser page may load: our own, and inline ``data:``/``blob:`` ones. Frames made
#: from ``srcdoc`` (a customer's HTML e-mail) inherit this on top of their own policy, so a
#: remote image — a tracking pixel — never loads, whichever page htmx swapped them into.
IMAGE_POLICY = "img-src 'self' data: blob:"


class ImagePolicyMiddleware:
    """Adds :data:`IMAGE_POLICY` as a Content-Security-Policy to HTML pages without one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (not _is_api(request) and "Content-Security-Policy" not in response.headers
                and response.headers.get("Content-Type", "").startswith("text/html")):
            response.headers["Content-Security-Policy"] = IMAGE_POLICY
        return response
