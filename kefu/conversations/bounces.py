"""Bounces: a delivery report about an e-mail kefu sent updates that e-mail.

The inbound pipeline files a bounce as "ignored" (no ticket, no customer) and calls
``bounce_record`` with it. The report (``email/dsn.py``) is matched to the ``OutboundEmail``
it is about — by the envelope id kefu gave the message (``Original-Envelope-Id``, signed),
else by the Message-ID in the returned message or headers, else by the report's own
In-Reply-To / References — and then:

* a **failure** (``Action: failed``; or a 5.x.x status) marks the e-mail ``bounced`` with the
  status code and the remote server's words, writes an ``email_bounced`` event on the
  ticket and alerts the ticket's owner (else its assignee): the customer did not get it;
* a **delay** (``Action: delayed``; or 4.x.x) is only noted on the e-mail (the receiving
  side keeps trying);
* anything else (a delivery confirmation) changes nothing.

The bounce's reason names the e-mail it matched. Written in the pipeline's transaction (in
a savepoint of its own); a problem here never stops the bounce from being filed.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from kefu.workflow.models import Alert

from .email.dsn import DELAYED, FAILED, DeliveryReport, read_report
from .email.lookup import message_id_forms
from .models import OutboundEmail
from .sending import envelope_id_outbound

log = logging.getLogger("kefu.email")

State = OutboundEmail.State
#: The alert to the ticket's owner (a message id: each reader sees it in their language).
BOUNCED_ALERT = gettext_noop("The e-mail to %(address)s bounced (%(status)s): %(diagnostic)s")
ALERT_KIND = Alert.Kind.EMAIL_BOUNCE
#: A failure report moves an e-mail from these states to BOUNCED (a QUEUED one — sent
#: again by an administrator — keeps its new send; the report is only noted).
BOUNCEABLE = (State.SENT, State.UNCERTAIN, State.SENDING, State.FAILED)


def outbound_for_report(report: DeliveryReport) -> OutboundEmail | None:
    """The e-mail of ours the report is about, or None."""
    if report.envelope_id:
        outbound_id = envelope_id_outbound(report.envelope_id)
        if outbound_id is not None:
            row = OutboundEmail.objects.filter(pk=outbound_id).first()
            if row is not None:
                return row
    forms: list[str] = []
    for message_id in report.message_ids:
        forms += message_id_forms(message_id)
    if not forms:
        return None
    rows = {row.message_id: row for row in OutboundEmail.objects.filter(message_id__in=forms)}
    return next((rows[form] for form in forms if form in rows), None)


def bounce_record(raw: bytes, *, inbound_id: int | None = None) -> str:
    """Apply the bounce in ``raw`` to the e-mail it reports on; returns what happened, to
    add to the bounce's reason ("" when there is nothing to say). Never raises."""
    try:
        with transaction.atomic():
            return _record(raw, inbound_id)
    except Exception:  # the bounce is filed all the same; the log has the cause
        log.exception("bounce (inbound #%s) could not be applied", inbound_id)
        return "; its delivery report could not be applied (see the log)"


def _record(raw: bytes, inbound_id: int | None) -> str:
    report = read_report(raw)
    if report is None:
        return "; no delivery report found in it"
    found = outbound_for_report(report)
    if found is None:
        return "; it matches no e-mail kefu sent"
    row = OutboundEmail.objects.select_for_update(of=("self",)).select_related(
        "ticket").get(pk=found.pk)
    recipient = report.recipient_for(row.to_address)
    outcome = recipient.outcome if recipient is not None else ""
    about = f"outbound e-mail #{row.pk} to {row.to_address}" + (
        f" (ticket #{row.ticket_id})" if row.ticket_id else "")
    status = recipient.status if recipient is not None else ""
    if outcome == FAILED:
        return f"; bounce of {about}: {status or 'no status'} — " + _bounced(
            row, recipient, inbound_id)
    if outcome == DELAYED:
        return f"; delay report for {about}: {status or 'no status'} — " + _delayed(
            row, recipient)
    action = recipient.action if recipient is not None else ""
    return f"; report on {about}: {action or 'no action'} — nothing to change"


def _dsn_fields(recipient, now) -> dict:
    return {"dsn_status": recipient.status[:20], "dsn_diagnostic": recipient.diagnostic[:1000],
            "dsn_recipient": (recipient.recipient or recipient.original_recipient)[:320],
            "dsn_at": now}


def _bounced(row: OutboundEmail, recipient, inbound_id: int | None) -> str:
    from kefu.tickets.models import TicketEvent

    if row.state == State.BOUNCED:
        return "already marked bounced"
    now = timezone.now()
    fields = {"dsn_action": FAILED, **_dsn_fields(recipient, now)}
    if row.state not in BOUNCEABLE:
        OutboundEmail.objects.filter(pk=row.pk).update(**fields)
        return f"noted (the e-mail is {row.state} again)"
    OutboundEmail.objects.filter(pk=row.pk).update(state=State.BOUNCED, next_attempt_at=None,
                                                   **fields)
    if row.ticket_id is not None:
        TicketEvent.objects.create(
            ticket_id=row.ticket_id, actor=None, kind="email_bounced", created_at=now,
            data={"email": row.pk, "kind": row.kind, "to": row.to_address,
                  "status": fields["dsn_status"], "diagnostic": fields["dsn_diagnostic"][:300],
                  "inbound": inbound_id})
        _alert_owner(row, fields)
    log.info("e-mail %s to %s bounced: %s %s", row.pk, row.to_address, fields["dsn_status"],
             fields["dsn_diagnostic"][:200])
    return "marked bounced"


def _alert_owner(row: OutboundEmail, fields: dict) -> None:
    from kefu.workflow.services.alerts import alert_create

    ticket = row.ticket
    user = ticket.owner if ticket.owner_id else ticket.assignee
    if user is None or not user.is_active:
        return
    alert_create(user=user, kind=ALERT_KIND, ticket=ticket, message=BOUNCED_ALERT,
                 address=row.to_address, status=fields["dsn_status"] or "—",
                 diagnostic=fields["dsn_diagnostic"][:150] or "—")


def _delayed(row: OutboundEmail, recipient) -> str:
    if row.state == State.BOUNCED or row.dsn_action == FAILED:
        return "ignored (a failure was reported already)"
    OutboundEmail.objects.filter(pk=row.pk).update(dsn_action=DELAYED,
                                                   **_dsn_fields(recipient, timezone.now()))
    return "noted (the receiving side is still trying)"
