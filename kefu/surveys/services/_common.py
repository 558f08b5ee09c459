"""Helpers shared by the survey services: the audit row, input checks, who may do what."""

from __future__ import annotations

import re

from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import Role, User
from kefu.core.errors import ApplicationError, PermissionDenied
from kefu.core.text import clean_text  # noqa: F401  (services import it from here)

from ..models import SurveyEvent

_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


def event(event_kind: str, actor: User | None, *, instrument=None, version=None, wave=None,
          at=None, **data) -> SurveyEvent:
    """Write the audit row (call inside the change's transaction)."""
    if version is not None and instrument is None:
        instrument = version.instrument
    if wave is not None and instrument is None:
        instrument = wave.instrument
    return SurveyEvent.objects.create(kind=event_kind, actor=actor, instrument=instrument,
                                      version=version, wave=wave, data=data,
                                      created_at=at or timezone.now())


def require_admin(actor: User) -> None:
    if actor is None or actor.role != Role.ADMIN:
        raise PermissionDenied(_("Only administrators may change survey instruments."))


def require_wave_manager(actor: User) -> None:
    if actor is None or actor.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise PermissionDenied(_("Only supervisors and administrators may distribute surveys."))


def clean_code(value, field: str = "code") -> str:
    if not isinstance(value, str) or not _CODE.match(value):
        raise ApplicationError(
            f"invalid_{field}",
            _("%(field)s must be 1–40 lower-case letters, digits, '-' or '_', starting with a "
              "letter or digit.") % {"field": field}, details={"field": field})
    return value


def clean_int(field: str, value, *, low: int, high: int, allow_none: bool = False) -> int | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ApplicationError(f"invalid_{field}",
                               _("%(field)s must be a whole number from %(low)d to %(high)d.")
                               % {"field": field, "low": low, "high": high},
                               details={"field": field})
    return value


def clean_choice(field: str, value, allowed) -> str:
    allowed = [str(a) for a in allowed]
    if value not in allowed:
        raise ApplicationError(f"invalid_{field}", _("%(field)s must be one of: %(allowed)s")
                               % {"field": field, "allowed": ", ".join(allowed)},
                               details={"field": field, "allowed": allowed})
    return value
