"""Credentials kefu must be able to read back (a mailbox's IMAP password and OAuth2 tokens, a
chat channel's signing secret) are stored encrypted: a database dump or backup does not
give them away.

``SecretField`` seals a value on its way into the database (Fernet: AES-128-CBC with an
HMAC-SHA256, a fresh IV each time, stored as ``enc1:<token>``) and opens it on the way
out. The keys are ``KEFU_SECRETS_KEYS`` (``SECRETS_KEYS``), comma-separated: the first
seals, every one opens — to rotate, put the new key first and the old one after it, then
run ``kefu secrets reseal``. Without it the key is derived from ``SECRET_KEY`` (so changing
``SECRET_KEY`` alone makes the stored secrets unreadable: set ``KEFU_SECRETS_KEYS`` to the
old ``SECRET_KEY`` first). A key is either a Fernet key (32 url-safe base64 bytes) or any
passphrase, stretched with SHA-256.

A value that cannot be opened (the key is gone) reads as an ``UnreadableSecret``: an empty
string that says so, never an exception while loading the row — the mailbox page still
opens, and the code that needs the secret reports "enter it again". Values stored before
encryption (no ``enc1:`` prefix) read as they are and are sealed on the next save.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models

log = logging.getLogger("kefu.secrets")

PREFIX = "enc1:"


class UnreadableSecret(str):
    """The stored value could not be opened with any configured key: reads as "", and is
    saved back as it was stored (a save of the row's other fields does not erase it)."""

    stored: str

    def __new__(cls, stored: str):
        obj = super().__new__(cls, "")
        obj.stored = stored
        return obj


def _fernet_key(key: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(key.encode("ascii"))
        if len(raw) == 32:
            return key.encode("ascii")
    except (binascii.Error, ValueError, UnicodeEncodeError):
        pass
    digest = hashlib.sha256(b"kefu-secrets\x00" + key.encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest)


@cache
def _keyring(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(_fernet_key(key)) for key in keys])


def keyring() -> MultiFernet:
    keys = tuple(k.strip() for k in (settings.SECRETS_KEYS or []) if k.strip()) \
        or (settings.SECRET_KEY,)
    return _keyring(keys)


def seal(value: str) -> str:
    """``value`` encrypted with the first key (an empty value stays empty)."""
    if isinstance(value, UnreadableSecret):
        return value.stored
    if not value:
        return ""
    return PREFIX + keyring().encrypt(value.encode("utf-8")).decode("ascii")


def unseal(stored: str | None) -> str:
    """What ``seal`` sealed; a value stored before encryption as it is."""
    if not stored:
        return ""
    if not stored.startswith(PREFIX):
        return stored
    try:
        return keyring().decrypt(stored[len(PREFIX):].encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError, ValueError):
        log.error("a stored secret cannot be decrypted with KEFU_SECRETS_KEYS (or the key "
                  "derived from SECRET_KEY): was the key changed?")
        return UnreadableSecret(stored)


def is_unreadable(value: str) -> bool:
    return isinstance(value, UnreadableSecret)


def reseal_all() -> dict[str, int]:
    """Seal every stored secret again with the first key (after putting a new key first in
    ``KEFU_SECRETS_KEYS``): {"sealed": rows re-sealed, "unreadable": values no key opens
    (left as they are)}."""
    from django.apps import apps
    from django.db import transaction

    counts = {"sealed": 0, "unreadable": 0}
    for model in apps.get_models():
        fields = [f.name for f in model._meta.concrete_fields if isinstance(f, SecretField)]
        if not fields:
            continue
        with transaction.atomic():
            for row in model._default_manager.select_for_update().only("pk", *fields):
                bad = sum(1 for name in fields if is_unreadable(getattr(row, name)))
                counts["unreadable"] += bad
                row.save(update_fields=fields)  # an unreadable value is written back as it was
                counts["sealed"] += 1
    return counts


class SecretField(models.TextField):
    """A text column holding a secret sealed by ``seal``; Python code sees plain text.
    Equality lookups cannot work on it (every seal differs): compare in Python."""

    def from_db_value(self, value, expression, connection):
        return unseal(value)

    def to_python(self, value):
        return value if value is None or isinstance(value, str) else str(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return value if value is None else seal(value)
