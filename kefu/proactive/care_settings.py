"""The care list's thresholds as the business set them (``CareSettings``, one row): read by
the daily job on every run, changed by administrators only, checked first (nothing changes
on a refusal) and audited (``CareSettingsChange``)."""

from __future__ import annotations

import math

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import Role, User
from kefu.core.errors import ApplicationError, PermissionDenied

from . import rules
from .models import THRESHOLD_FIELDS, CareSettings, CareSettingsChange


def thresholds() -> rules.Thresholds:
    """The thresholds in force (the defaults until an administrator changes one)."""
    row = CareSettings.objects.filter(pk=1).first()
    return row.thresholds() if row is not None else rules.DEFAULTS


def care_settings_current() -> CareSettings:
    row = CareSettings.objects.filter(pk=1).first()
    if row is None:
        row, _created = CareSettings.objects.get_or_create(pk=1)
    return row


def label(field: str) -> str:
    try:
        return str(CareSettings._meta.get_field(field).verbose_name)
    except Exception:  # noqa: BLE001 - an unknown name is shown as it was sent
        return field


def _bad(field: str, message: str) -> ApplicationError:
    return ApplicationError("invalid_setting", message, details={"field": field})


def _number(field: str, raw) -> float | int:
    """A number from a form (text) or JSON; whole numbers for the day and count fields."""
    if isinstance(raw, str):
        raw = raw.strip().replace("%", "") if field in rules.FRACTIONS else raw.strip()
        try:
            raw = float(raw) if len(raw) <= 30 else None
        except ValueError:
            raw = None
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        raise _bad(field, _("%(field)s must be a number.") % {"field": label(field)})
    if field in rules.FRACTIONS:
        return float(raw)
    if not float(raw).is_integer():
        raise _bad(field, _("%(field)s must be a whole number.") % {"field": label(field)})
    return int(raw)


@transaction.atomic
def care_settings_save(*, actor: User, values: dict) -> CareSettings:
    """Change the thresholds given in ``values`` (the others stay). Administrators only."""
    if actor is None or actor.role != Role.ADMIN:
        raise PermissionDenied(_("Only administrators may change these settings."))
    if not isinstance(values, dict):
        raise ApplicationError("invalid_setting", _("Send the settings as an object."))
    unknown = sorted(set(values) - set(THRESHOLD_FIELDS))
    if unknown:
        raise _bad(unknown[0], _("Unknown setting: %(field)s") % {"field": unknown[0]})
    changes = {name: _number(name, values[name]) for name in THRESHOLD_FIELDS if name in values}
    row = CareSettings.objects.select_for_update().filter(pk=1).first() or care_settings_current()
    before = row.thresholds()
    for name, value in changes.items():
        setattr(row, name, value)
    try:
        rules.check_thresholds(row.thresholds())
    except rules.ThresholdError as exc:
        low, high = rules.LIMITS[exc.field]
        raise _bad(exc.field, _("%(field)s must lie between %(low)s and %(high)s.") % {
            "field": label(exc.field), "low": _plain(low), "high": _plain(high)})
    changed = {name: value for name, value in changes.items() if getattr(before, name) != value}
    if not changed:
        return row
    row.updated_at = timezone.now()
    row.updated_by = actor
    row.save()
    CareSettingsChange.objects.create(actor=actor, created_at=row.updated_at, changes={
        name: {"old": getattr(before, name), "new": value} for name, value in changed.items()})
    return row


def _plain(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)
