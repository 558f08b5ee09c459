"""Bearer-token authentication for the API: one indexed lookup by the token's SHA-256."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from ninja.security import HttpBearer

from kefu.accounts.models import ApiToken
from kefu.accounts.services import token_digest

TOUCH_EVERY = timedelta(minutes=10)


class BearerToken(HttpBearer):
    def authenticate(self, request, token: str):
        if not token or len(token) > 200:
            return None
        found = list(ApiToken.objects.select_related("user")
                     .filter(digest=token_digest(token), revoked_at__isnull=True)[:1])
        row = found[0] if found else None
        if row is None or not row.user.is_active:
            return None
        now = timezone.now()
        if row.last_used_at is None or now - row.last_used_at > TOUCH_EVERY:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        request.user = row.user
        return row.user
