"""Keeping a mailbox's OAuth2 access token fresh (Gmail, Microsoft 365: IMAP with XOAUTH2).

An access token lives about an hour; the refresh token the authorisation gave lasts until
it is revoked. With the provider's token endpoint, the client id and secret and a refresh
token stored on the mailbox, kefu asks for a new access token (RFC 6749 §6: a form-encoded
POST with ``grant_type=refresh_token``) five minutes before the old one expires, and once
after the IMAP server refuses it (revoked early). It stores the new token, its expiry and
the new refresh token when the provider rotates it. A refusal of the refresh token itself
(``invalid_grant``: revoked, expired, the password changed) cannot be mended by kefu: the
error says an administrator must authorise the mailbox again.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from .models import Mailbox

log = logging.getLogger("kefu.email")

#: Refresh this long before the access token expires.
REFRESH_MARGIN = timedelta(minutes=5)
TIMEOUT = 30
#: Without ``expires_in`` in the answer, assume the usual hour.
DEFAULT_LIFETIME = timedelta(hours=1)
MAX_ANSWER_BYTES = 1_000_000


class RefreshError(Exception):
    """The token endpoint did not give a new access token. ``reauthorise``: the refresh
    token (or the client) was refused — only an administrator can mend it."""

    def __init__(self, message: str, *, reauthorise: bool = False):
        super().__init__(message)
        self.reauthorise = reauthorise


@dataclass(frozen=True)
class Tokens:
    access_token: str
    expires_at: datetime
    refresh_token: str  # "" when the provider kept the old one


# --- pure rules ---------------------------------------------------------------------------

def can_refresh(mailbox: Mailbox) -> bool:
    return bool(mailbox.oauth2_token_url and mailbox.oauth2_client_id
                and mailbox.oauth2_refresh_token)


def needs_refresh(access_token: str, expires_at: datetime | None, now: datetime) -> bool:
    """No access token yet, or one that expires within the margin. (A token without a known
    expiry is used until the server refuses it.)"""
    if not access_token:
        return True
    return expires_at is not None and expires_at - REFRESH_MARGIN <= now


def refresh_form(*, refresh_token: str, client_id: str, client_secret: str,
                 scope: str = "") -> dict[str, str]:
    """The refresh request's form fields (the client authenticates in the body, RFC 6749
    §2.3.1, which Google and Microsoft accept)."""
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token,
            "client_id": client_id}
    if client_secret:
        form["client_secret"] = client_secret
    if scope:
        form["scope"] = scope
    return form


def read_answer(status: int, body: bytes, now: datetime) -> Tokens:
    """The token endpoint's answer (RFC 6749 §5.1 success, §5.2 error) as Tokens, or a
    RefreshError saying what went wrong."""
    try:
        data = json.loads(body.decode("utf-8", "replace")) if body else {}
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise RefreshError(f"the token endpoint answered HTTP {status} without JSON: "
                           f"{body[:200].decode('utf-8', 'replace')!r}")
    if status != 200 or "error" in data:
        code = str(data.get("error") or f"HTTP {status}")[:100]
        detail = str(data.get("error_description") or "")[:300]
        text = f"{code}: {detail}" if detail else code
        if code in ("invalid_grant", "invalid_client", "unauthorized_client"):
            raise RefreshError(f"the provider refused the refresh ({text}): an administrator "
                               f"must authorise the mailbox again and store the new refresh "
                               f"token", reauthorise=True)
        raise RefreshError(f"the token endpoint refused the refresh ({text})")
    access = data.get("access_token")
    if not isinstance(access, str) or not access:
        raise RefreshError("the token endpoint's answer has no access_token")
    token_type = str(data.get("token_type") or "bearer").lower()
    if token_type != "bearer":
        raise RefreshError(f"the token endpoint gave a {token_type!r} token, not a bearer one")
    try:
        lifetime = timedelta(seconds=max(0, int(data.get("expires_in"))))
    except (TypeError, ValueError, OverflowError):
        lifetime = DEFAULT_LIFETIME
    refresh = data.get("refresh_token")
    return Tokens(access_token=access, expires_at=now + lifetime,
                  refresh_token=refresh if isinstance(refresh, str) else "")


def check_token_url(url: str) -> str:
    """The endpoint must be https (or http to a loopback host, for tests and local
    proxies); returns an error message, or "" when it is fine."""
    from .imap import is_loopback

    parts = urllib.parse.urlsplit(url or "")
    if parts.scheme == "https" and parts.hostname:
        return ""
    if parts.scheme == "http" and parts.hostname and is_loopback(parts.hostname):
        return ""
    return "the OAuth2 token endpoint must be an https:// address"


# --- the request --------------------------------------------------------------------------

class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # the secret is never re-posted elsewhere
        return None


def request_tokens(url: str, form: dict[str, str], now: datetime) -> Tokens:
    problem = check_token_url(url)
    if problem:
        raise RefreshError(problem, reauthorise=True)
    request = urllib.request.Request(
        url, data=urllib.parse.urlencode(form).encode("ascii"), method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded",
                 "Accept": "application/json", "User-Agent": "kefu"})
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=TIMEOUT) as response:
            status, body = response.status, response.read(MAX_ANSWER_BYTES)
    except urllib.error.HTTPError as exc:  # 4xx/5xx: the body says why (RFC 6749 §5.2)
        status, body = exc.code, exc.read(MAX_ANSWER_BYTES)
    except (OSError, ValueError) as exc:  # no connection, timeout, TLS
        raise RefreshError(f"the token endpoint could not be reached: {exc}")
    return read_answer(status, body, now)


# --- the service --------------------------------------------------------------------------

def refresh_access_token(mailbox: Mailbox) -> Mailbox:
    """Get a new access token for ``mailbox`` and store it (with the rotated refresh token,
    if any); ``mailbox`` is updated in place. Raises RefreshError."""
    if not can_refresh(mailbox):
        raise RefreshError("the mailbox has no OAuth2 token endpoint, client id and refresh "
                           "token to refresh with", reauthorise=True)
    used = mailbox.oauth2_refresh_token
    form = refresh_form(refresh_token=used, client_id=mailbox.oauth2_client_id,
                        client_secret=mailbox.oauth2_client_secret, scope=mailbox.oauth2_scope)
    try:
        tokens = request_tokens(mailbox.oauth2_token_url, form, timezone.now())
    except RefreshError as exc:
        if exc.reauthorise and _refreshed_elsewhere(mailbox, used):
            log.info("mailbox %s: refreshed by another process meanwhile", mailbox.address)
            return mailbox
        raise
    fields = {"oauth2_access_token": tokens.access_token,
              "oauth2_expires_at": tokens.expires_at}
    if tokens.refresh_token and tokens.refresh_token != used:
        fields["oauth2_refresh_token"] = tokens.refresh_token
    # only if nobody stored another refresh token meanwhile (an admin re-authorising); the
    # tokens are stored encrypted, every time differently: compared here, not in SQL
    with transaction.atomic():
        current = (Mailbox.objects.select_for_update().filter(pk=mailbox.pk)
                   .values_list("oauth2_refresh_token", flat=True).first())
        if current == used:
            Mailbox.objects.filter(pk=mailbox.pk).update(**fields)
    for name, value in fields.items():
        setattr(mailbox, name, value)
    log.info("mailbox %s: OAuth2 access token refreshed (expires %s)", mailbox.address,
             tokens.expires_at.isoformat())
    return mailbox


def _refreshed_elsewhere(mailbox: Mailbox, used: str) -> bool:
    """Whether another process rotated the refresh token while ours was refused (the
    provider allows one use): then its fresh access token is ours too."""
    if mailbox.pk is None:
        return False
    current = (Mailbox.objects.filter(pk=mailbox.pk)
               .values("oauth2_refresh_token", "oauth2_access_token", "oauth2_expires_at")
               .first())
    if not current or current["oauth2_refresh_token"] in ("", used):
        return False
    mailbox.oauth2_refresh_token = current["oauth2_refresh_token"]
    mailbox.oauth2_access_token = current["oauth2_access_token"]
    mailbox.oauth2_expires_at = current["oauth2_expires_at"]
    return True


def ensure_fresh(mailbox: Mailbox) -> bool:
    """Refresh the access token when it is missing or about to expire and the mailbox can;
    True when it did. Raises RefreshError."""
    if not can_refresh(mailbox):
        return False
    if not needs_refresh(mailbox.oauth2_access_token, mailbox.oauth2_expires_at,
                         timezone.now()):
        return False
    refresh_access_token(mailbox)
    return True
