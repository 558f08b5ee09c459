"""One error type for the whole domain: a stable code, a human message, optional details.

The API turns it into ``{"code", "message", "details"}`` with ``status``; the console shows
``message``. Services raise it for every rule a caller can break.
"""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    status = 400

    def __init__(self, code: str, message: str, *, details: Any = None, status: int | None = None):
        super().__init__(message)
        self.code = code
        self.message = str(message)
        self.details = details if details is not None else {}
        if status is not None:
            self.status = status


class NotFound(ApplicationError):
    status = 404

    def __init__(self, what: str, ident: Any = None):
        from django.utils.translation import gettext as _

        super().__init__(
            "not_found", _("%(what)s not found.") % {"what": what}, details={"id": ident}
        )


class PermissionDenied(ApplicationError):
    status = 403

    def __init__(self, message: str | None = None):
        from django.utils.translation import gettext as _

        super().__init__("forbidden", message or _("You are not allowed to do this."))


class Conflict(ApplicationError):
    status = 409


def reject_nul(value, field: str, code: str = "invalid_text") -> None:
    """Text with a NUL byte is never valid input (PostgreSQL cannot even store it)."""
    if isinstance(value, str) and "\x00" in value:
        from django.utils.translation import gettext as _

        raise ApplicationError(code, _("%(field)s contains a NUL character.")
                               % {"field": field}, details={"field": field})
