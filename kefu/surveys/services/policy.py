"""The CSAT policy (who is asked what after resolution): data an administrator edits in
the admin screen or through this service, never a setting."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.errors import ApplicationError, Conflict
from kefu.tickets.models import TYPE_CHOICES

from .. import distribution_rules, rules
from ..models import CsatPolicy, Instrument
from ._common import clean_choice, clean_int, event, require_admin

POLICY_KINDS = (rules.InstrumentKind.CSAT, rules.InstrumentKind.NPS, rules.InstrumentKind.CES,
                rules.InstrumentKind.CUSTOM)


def check_policy(policy: CsatPolicy) -> None:
    """The rules every policy row obeys, wherever it is edited (admin screen or service)."""
    if policy.instrument.kind not in POLICY_KINDS:
        raise ApplicationError("invalid_instrument",
                               _("After resolution, ask a CSAT, NPS, CES or custom survey."),
                               details={"field": "instrument"})
    clean_choice("ticket_type", policy.ticket_type,
                 [""] + [code for code, _label in TYPE_CHOICES if code != "internal"])
    clean_choice("channel", policy.channel, [rules.Channel.EMAIL.value, rules.Channel.PORTAL.value])
    clean_int("delay_minutes", policy.delay_minutes, low=0, high=60 * 24 * 30)
    clean_int("expires_days", policy.expires_days, low=1, high=365)
    try:
        policy.reminder_days = distribution_rules.check_reminder_days(list(policy.reminder_days or []))
    except (ValueError, TypeError):
        raise ApplicationError("invalid_reminder_days",
                               _("reminder_days: at most three reminders, 1–90 days after "
                                 "sending, in increasing order."),
                               details={"field": "reminder_days"})


@transaction.atomic
def csat_policy_save(*, actor, policy: CsatPolicy) -> CsatPolicy:
    """Create or change a policy row (checked first). Switching a policy on (or creating it)
    starts it now: tickets resolved earlier are not surveyed."""
    require_admin(actor)
    instrument = Instrument.objects.filter(pk=policy.instrument_id).first()
    if instrument is None:
        raise ApplicationError("invalid_instrument", _("Unknown instrument."),
                               details={"field": "instrument"})
    policy.instrument = instrument
    check_policy(policy)
    if CsatPolicy.objects.filter(ticket_type=policy.ticket_type, instrument=instrument).exclude(
            pk=policy.pk).exists():
        raise Conflict("policy_exists",
                       _("There is already a policy for this ticket type and instrument: "
                         "change that one."), details={"field": "ticket_type"})
    now = timezone.now()
    was_active = None if policy.pk is None else CsatPolicy.objects.filter(
        pk=policy.pk).values_list("active", flat=True).first()
    if policy.active and not was_active:
        policy.active_since = now
        policy.swept_until = None
    elif policy.active_since is None:
        policy.active_since = now
    policy.updated_at = now
    policy.updated_by = actor
    created = policy.pk is None
    policy.save()
    event("csat_policy_created" if created else "csat_policy_changed", actor,
          instrument=instrument, at=now, policy=policy.pk, ticket_type=policy.ticket_type,
          active=policy.active, delay_minutes=policy.delay_minutes, channel=policy.channel)
    return policy
