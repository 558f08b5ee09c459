"""Bearer-token authentication for the API: one indexed lookup by the token's SHA-256,
remembered for KEFU_TOKEN_CACHE_SECONDS per web process (a revoked or deactivated token
stops working within that time everywhere, at once in the process that revoked it)."""

from __future__ import annotations

import time
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from ninja.security import HttpBearer

from kefu.accounts.models import ApiToken
from kefu.accounts.services import token_digest

TOUCH_EVERY = timedelta(minutes=10)


#: digest → (expires at, user). Each web process keeps its own; see KEFU_TOKEN_CACHE_SECONDS.
_CACHE: dict[str, tuple[float, object]] = {}
_CACHE_MAX = 10_000


def forget_token(digest: str) -> None:
    _CACHE.pop(digest, None)


class BearerToken(HttpBearer):
    def authenticate(self, request, token: str):
        if not token or len(token) > 200:
            return None
        digest = token_digest(token)
        ttl = settings.TOKEN_CACHE_SECONDS
        if ttl:
            hit = _CACHE.get(digest)
            if hit and hit[0] > time.monotonic():
                request.user = hit[1]
                return hit[1]
        user = self._lookup(digest)
        if user is not None and ttl:
            if len(_CACHE) >= _CACHE_MAX:
                _CACHE.clear()
            _CACHE[digest] = (time.monotonic() + ttl, user)
        if user is not None:
            request.user = user
        return user

    def _lookup(self, digest: str):
        found = list(ApiToken.objects.select_related("user")
                     .filter(digest=digest, revoked_at__isnull=True)[:1])
        row = found[0] if found else None
        if row is None or not row.user.is_active:
            return None
        now = timezone.now()
        if row.last_used_at is None or now - row.last_used_at > TOUCH_EVERY:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        return row.user
