"""Invitation links. The token in a link is ``HMAC-SHA256(server key, random salt)``: the
database keeps the salt and the token's SHA-256, never the token, so a copy of the database
alone opens no survey; the server can derive the same link again for a reminder. Tokens are
looked up by their hash (``Invitation.token_hash``, unique)."""

from __future__ import annotations

import base64
import hashlib
import secrets

from django.utils.crypto import salted_hmac

_TOKEN_SALT = "kefu.surveys.invitation"
_RESPONSE_SALT = "kefu.surveys.response"
MAX_TOKEN = 100


def new_salt() -> str:
    return secrets.token_hex(16)


def token_for(salt: str) -> str:
    digest = salted_hmac(_TOKEN_SALT, salt, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def plausible(raw) -> bool:
    return isinstance(raw, str) and 20 <= len(raw) <= MAX_TOKEN and raw.isascii() \
        and all(c.isalnum() or c in "-_" for c in raw)


def invitation_digest(invitation_id: int) -> str:
    """What makes an invitation's response unique without pointing at the invitation (an
    anonymous response keeps only this)."""
    return salted_hmac(_RESPONSE_SALT, str(invitation_id), algorithm="sha256").hexdigest()
