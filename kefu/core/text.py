"""Checking free text from users: the one rule every service applies to names, notes and
labels before storing them."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .errors import ApplicationError


def clean_text(field: str, value, *, required: bool, limit: int,
               invalid_code: str = "invalid_text") -> str:
    """``value`` stripped; an ApplicationError naming ``field`` when it is not text, missing
    while ``required``, longer than ``limit`` characters or holds a NUL character (which
    PostgreSQL refuses)."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ApplicationError(invalid_code, _("%(field)s must be text.") % {"field": field},
                               details={"field": field})
    value = value.strip()
    if required and not value:
        raise ApplicationError("required", _("%(field)s is required.") % {"field": field},
                               details={"field": field})
    if len(value) > limit:
        raise ApplicationError("too_long", _("%(field)s is longer than %(limit)d characters.")
                               % {"field": field, "limit": limit}, details={"field": field})
    if "\x00" in value:
        raise ApplicationError("invalid_text", _("%(field)s contains a NUL character.")
                               % {"field": field}, details={"field": field})
    return value
