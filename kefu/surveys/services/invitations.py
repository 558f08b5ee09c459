"""Invitations: creating them (one person, one version, once), sending the link, reminders,
and the CSAT invitation after a ticket is resolved.

E-mail goes through ``kefu.conversations.outbound``: ``queue_survey_invitation`` for the
first survey e-mail about a ticket (threaded into its conversation), ``queue_notification``
otherwise (wave invitations, reminders, staff). Each e-mail row is written in the caller's
transaction and sent after the commit.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kefu.customers.models import Customer
from kefu.tickets.models import Ticket

from .. import distribution_rules, rules, tokens
from ..models import CsatPolicy, Instrument, InstrumentVersion, Invitation
from ..models.distribution import Wave

log = logging.getLogger("kefu.surveys")

#: ``Invitation.sent_at`` stays empty until the link went out (or, for the portal and the
#: console, until it was shown there); ``delivered`` counts those.
BATCH = 200

SUBJECT_INVITE = gettext_noop("Your opinion, please: %(name)s")
SUBJECT_REMIND = gettext_noop("Reminder: %(name)s")


def _language(code: str | None) -> str:
    code = (code or settings.LANGUAGE_CODE or "zh-hans").lower()
    return "en" if code.startswith("en") else "zh-hans"


def build(*, version: InstrumentVersion, channel: str, expires_at, now, wave: Wave | None = None,
          policy: CsatPolicy | None = None, ticket: Ticket | None = None,
          customer: Customer | None = None, user=None, language: str | None = None,
          branch_id=None, team_id=None, agent_id=None, tier_id=None,
          contact_channel: str = "") -> Invitation:
    """An unsaved invitation with a fresh link (the caller saves it, alone or in bulk)."""
    salt = tokens.new_salt()
    return Invitation(
        instrument_id=version.instrument_id, version=version, wave=wave, policy=policy,
        ticket=ticket, customer=customer, user=user, channel=channel,
        language=_language(language or (customer.language if customer is not None
                                        else getattr(user, "language", None))),
        token_salt=salt, token_hash=tokens.token_hash(tokens.token_for(salt)), created_at=now,
        expires_at=expires_at, branch_id=branch_id, team_id=team_id, agent_id=agent_id,
        tier_id=tier_id, contact_channel=contact_channel or "")


def link_token(invitation: Invitation) -> str:
    """The token of the invitation's link, derived again from its salt. If the server key
    changed since (the stored hash no longer matches), the invitation gets a new link."""
    raw = tokens.token_for(invitation.token_salt)
    if tokens.token_hash(raw) != invitation.token_hash:
        invitation.token_salt = tokens.new_salt()
        raw = tokens.token_for(invitation.token_salt)
        invitation.token_hash = tokens.token_hash(raw)
        Invitation.objects.filter(pk=invitation.pk).update(token_salt=invitation.token_salt,
                                                           token_hash=invitation.token_hash)
    return raw


def absolute(path: str, base_url: str | None = None) -> str:
    base = (base_url or getattr(settings, "PUBLIC_URL", "") or "").rstrip("/")
    if not base:
        log.warning("KEFU_PUBLIC_URL is not set: survey links use http://localhost:8000")
        base = "http://localhost:8000"
    return base + path


def invitation_url(invitation: Invitation, base_url: str | None = None) -> str:
    """Where the respondent answers: the public page of the link (customers), or the
    console's page (staff, who sign in)."""
    if invitation.user_id is not None and invitation.customer_id is None:
        return absolute(reverse("surveys:console_answer", args=[invitation.pk]), base_url)
    return absolute(reverse("surveys:answer", args=[link_token(invitation)]), base_url)


def _reminder_days(invitation: Invitation) -> list[int]:
    source = invitation.wave if invitation.wave_id else invitation.policy
    return list(getattr(source, "reminder_days", None) or [])


def _address(invitation: Invitation) -> str:
    if invitation.customer_id is not None:
        return invitation.customer.email or ""
    return getattr(invitation.user, "email", "") or ""


def _instrument_name(invitation: Invitation, language: str) -> str:
    instrument = invitation.instrument
    return instrument.name_en if language == "en" and instrument.name_en else instrument.name


def _body(invitation: Invitation, url: str, language: str, *, reminder: bool) -> tuple[str, str]:
    with translation.override(language):
        name = _instrument_name(invitation, language)
        expires = timezone.localtime(invitation.expires_at).strftime("%Y-%m-%d")
        if reminder:
            lines = [_("A few days ago we asked for your opinion (%(name)s). If you have a "
                       "minute, we would still like to hear from you:") % {"name": name}]
        else:
            lines = [_("We would like to hear your opinion of our service (%(name)s). It takes "
                       "a few minutes and helps us serve you better:") % {"name": name}]
        lines += ["", url, "",
                  _("The link is personal and works once, until %(date)s.") % {"date": expires}]
        subject = _(SUBJECT_REMIND if reminder else SUBJECT_INVITE) % {"name": name}
    return subject, "\n".join(lines)


def _mail(invitation: Invitation, base_url: str | None, *, reminder: bool) -> bool:
    """Queue the invitation's e-mail (in the caller's transaction). False: no address or no
    consent."""
    from kefu.conversations import outbound
    from kefu.conversations.models import OutboundEmail

    language = invitation.language
    url = invitation_url(invitation, base_url)
    ticket = invitation.ticket if invitation.ticket_id else None
    if ticket is not None and not reminder and not OutboundEmail.objects.filter(
            ticket=ticket, kind=OutboundEmail.Kind.SURVEY).exists():
        return outbound.queue_survey_invitation(ticket=ticket, url=url,
                                                language=language) is not None
    address = _address(invitation)
    customer = invitation.customer if invitation.customer_id else None
    if not address:
        return False
    if customer is not None and not customer.consent_email and not (
            ticket is not None and ticket.channel == "email"):
        return False
    subject, body = _body(invitation, url, language, reminder=reminder)
    return outbound.queue_notification(to_address=address, subject=subject, body=body,
                                       ticket=ticket, language=language) is not None


def send(invitation: Invitation, *, base_url: str | None = None, now=None) -> bool:
    """Deliver a new invitation (call in a transaction): e-mail the link, or for the portal
    and the console just make it visible there. Sets ``sent_at`` and the first reminder.
    Returns False when it could not be delivered (no address, no consent to e-mail)."""
    now = now or timezone.now()
    if invitation.channel == rules.Channel.EMAIL:
        delivered = _mail(invitation, base_url, reminder=False)
    elif invitation.channel == rules.Channel.CONSOLE and invitation.user_id:
        _mail(invitation, base_url, reminder=False)  # a heads-up when they have an address
        delivered = True
    else:
        delivered = True
    invitation.sent_at = now if delivered else None
    invitation.next_reminder_at = (distribution_rules.next_reminder_at(now, _reminder_days(invitation), 0,
                                                          invitation.expires_at)
                                   if delivered and invitation.channel != rules.Channel.PORTAL
                                   else None)
    Invitation.objects.filter(pk=invitation.pk).update(
        sent_at=invitation.sent_at, next_reminder_at=invitation.next_reminder_at,
        undeliverable=not delivered)
    return delivered


def send_pending(*, wave_id: int | None = None, base_url: str | None = None,
                 limit: int = 5000) -> dict:
    """Send invitations not sent yet (a launched wave's, in batches of 200, each batch its
    own transaction). Returns ``{"sent": n, "undeliverable": m}``."""
    result = {"sent": 0, "undeliverable": 0}
    done = 0
    while done < limit:
        with transaction.atomic():
            qs = (Invitation.objects.filter(sent_at__isnull=True, undeliverable=False,
                                            responded_at__isnull=True,
                                            expires_at__gt=timezone.now())
                  .select_related("customer", "user", "instrument", "ticket", "wave", "policy")
                  .order_by("pk"))
            if wave_id is not None:
                qs = qs.filter(wave_id=wave_id)
            if connection_supports_skip_locked():
                qs = qs.select_for_update(skip_locked=True, of=("self",))
            batch = list(qs[:BATCH])
            if not batch:
                break
            for invitation in batch:
                if send(invitation, base_url=base_url):
                    result["sent"] += 1
                else:
                    result["undeliverable"] += 1
        done += len(batch)
    return result


def connection_supports_skip_locked() -> bool:
    from django.db import connection

    return connection.features.has_select_for_update_skip_locked


def remind_due(*, now=None, base_url: str | None = None, limit: int = 1000) -> int:
    """Send the reminders that are due (e-mail invitations not answered, not expired, whose
    wave is still open); schedule the next one. Each reminder is its own transaction."""
    now = now or timezone.now()
    sent = 0
    ids = list(Invitation.objects.filter(next_reminder_at__lte=now)
               .values_list("pk", flat=True).order_by("next_reminder_at")[:limit])
    for invitation_id in ids:
        with transaction.atomic():
            qs = Invitation.objects.select_related("customer", "user", "instrument", "ticket",
                                                   "wave", "policy")
            if connection_supports_skip_locked():
                qs = qs.select_for_update(skip_locked=True, of=("self",))
            else:
                qs = qs.select_for_update()
            invitation = qs.filter(pk=invitation_id, next_reminder_at__lte=now).first()
            if invitation is None:
                continue
            closed = invitation.wave_id and invitation.wave.status != rules.WaveStatus.OPEN
            if invitation.responded_at or invitation.expires_at <= now or closed:
                Invitation.objects.filter(pk=invitation.pk).update(next_reminder_at=None)
                continue
            if _mail(invitation, base_url, reminder=True):
                sent += 1
            count = invitation.reminder_count + 1
            Invitation.objects.filter(pk=invitation.pk).update(
                reminder_count=count, reminded_at=now,
                next_reminder_at=distribution_rules.next_reminder_at(invitation.sent_at,
                                                        _reminder_days(invitation), count,
                                                        invitation.expires_at))
    return sent


# --- CSAT after resolution --------------------------------------------------------------------

def policies_for(ticket_type: str) -> list[CsatPolicy]:
    """The active policies that apply to a ticket type: its own rows, and the rows without
    a type for instruments it has no row of its own for. Internal tickets: none."""
    if ticket_type == "internal":
        return []
    rows = list(CsatPolicy.objects.filter(active=True).filter(
        Q(ticket_type=ticket_type) | Q(ticket_type="")).select_related("instrument"))
    specific = {row.instrument_id for row in rows if row.ticket_type}
    return [row for row in rows if row.ticket_type or row.instrument_id not in specific]


def csat_invite(*, ticket: Ticket, policy: CsatPolicy, base_url: str | None = None,
                now=None) -> Invitation | None:
    """Invite the ticket's customer to the policy's instrument (its published version), once
    per ticket and instrument. Call it from the ticket flow or let ``csat_invite_due`` find
    the tickets. None when the instrument has no published version or the ticket already
    has this invitation."""
    from .instruments import published_version

    now = now or timezone.now()
    version = published_version(policy.instrument)
    if version is None:
        return None
    customer = ticket.customer
    try:
        with transaction.atomic():
            invitation = build(
                version=version, channel=policy.channel, now=now, policy=policy, ticket=ticket,
                customer=customer, expires_at=now + timedelta(days=policy.expires_days),
                branch_id=ticket.branch_id, team_id=ticket.team_id, agent_id=ticket.owner_id,
                tier_id=customer.tier_id, contact_channel=ticket.channel)
            invitation.save()
            send(invitation, base_url=base_url, now=now)
            _timeline(customer, "survey_invited", invitation)
    except IntegrityError:
        return None  # invited already (another worker got there first)
    return invitation


def _timeline(customer: Customer, kind: str, invitation: Invitation) -> None:
    from kefu.customers.models import CustomerEvent

    CustomerEvent.objects.create(customer=customer, kind=kind, actor=None, data={
        "instrument": invitation.instrument.code, "invitation": invitation.pk,
        "ticket": invitation.ticket_id})


def csat_invite_due(*, now=None, base_url: str | None = None, limit: int = 500) -> int:
    """Tickets resolved at least ``delay_minutes`` ago, since each active policy's
    ``active_since``, still resolved or closed, not merged, without this invitation yet:
    invite them. A per-policy watermark (``swept_until``) keeps the scan to the tickets
    changed since the last run (the ticket index on ``updated_at``)."""
    now = now or timezone.now()
    created = 0
    for policy in CsatPolicy.objects.filter(active=True).select_related("instrument"):
        cutoff = now - timedelta(minutes=policy.delay_minutes)
        since = max(policy.active_since, policy.swept_until or policy.active_since)
        if since >= cutoff or not policy.instrument.versions.filter(
                status=rules.VersionStatus.PUBLISHED).exists():
            continue
        types = [policy.ticket_type] if policy.ticket_type else None
        qs = (Ticket.objects.filter(updated_at__gt=since, resolved_at__gt=since,
                                    resolved_at__lte=cutoff, status__in=("resolved", "closed"),
                                    merged_into__isnull=True)
              .exclude(type="internal")
              .exclude(Exists(Invitation.objects.filter(ticket=OuterRef("pk"),
                                                        instrument=policy.instrument_id)))
              .select_related("customer").order_by("resolved_at", "pk"))
        if types:
            qs = qs.filter(type__in=types)
        else:
            own = CsatPolicy.objects.filter(instrument=policy.instrument_id, active=True) \
                .exclude(ticket_type="").values_list("ticket_type", flat=True)
            qs = qs.exclude(type__in=list(own))
        tickets = list(qs[:limit])
        for ticket in tickets:
            if csat_invite(ticket=ticket, policy=policy, base_url=base_url, now=now):
                created += 1
        # everything up to the cutoff is done unless the batch was full (then up to just
        # before the last one: others resolved at the same instant come next time)
        until = (tickets[-1].resolved_at - timedelta(microseconds=1) if len(tickets) >= limit
                 else cutoff)
        CsatPolicy.objects.filter(pk=policy.pk).update(swept_until=until)
    return created


def instrument_for_code(code: str) -> Instrument | None:
    return Instrument.objects.filter(code=code).first()
