"""Sending an ``OutboundEmail``: the delivery state machine and the SMTP client.

    QUEUED ──claim──▶ SENDING ──accepted──▶ SENT ──a bounce (bounces.py)──▶ BOUNCED
      ▲                  │ temporary failure (attempts < 5): back to QUEUED, next_attempt_at
      └──────────────────┤ permanent failure or 5th attempt: FAILED (last_error)
                         └ still SENDING 10 minutes later (the worker died mid-send): UNCERTAIN

The claim (QUEUED → SENDING, attempts + 1) is committed before kefu talks to the SMTP
server, and only a QUEUED row can be claimed: two jobs for one row send it once, and a row
whose send may have happened is never sent again by itself — UNCERTAIN waits for an admin
to look and requeue it. While a row is SENDING, ``next_attempt_at`` holds the moment it is
considered stale.

``SMTP_URL``: ``smtp://user:password@host:port`` (STARTTLS when the server offers it),
``smtps://…`` (TLS from the start); ``?verify=0`` accepts a self-signed certificate. Empty:
rows stay QUEUED with the error "no SMTP server configured".
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
import urllib.parse
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, formataddr

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from .models import OutboundEmail

log = logging.getLogger("kefu.email")

State = OutboundEmail.State
MAX_ATTEMPTS = 5
#: First retry after a minute, then 2, 4, 8 minutes.
RETRY_BASE = timedelta(minutes=1)
#: A row still SENDING this long after its claim: the worker died mid-send.
STALE_AFTER = timedelta(minutes=10)
SMTP_TIMEOUT = 30
#: How many due rows one sweep sends (the next sweep, a minute later, takes the rest).
SWEEP_BATCH = 200
NO_SERVER = "no SMTP server configured"
#: What an administrator may send again.
REQUEUEABLE = (State.FAILED, State.UNCERTAIN, State.BOUNCED)
ENVID_SALT = "kefu.conversations.envid"
_ENVID = re.compile(r"^kefu-(\d{1,18})-([0-9a-f]{16})$")


# --- pure rules -------------------------------------------------------------------------

def retry_delay(attempts: int) -> timedelta:
    """Exponential back-off after the ``attempts``-th failed attempt: 1, 2, 4, 8 minutes."""
    return RETRY_BASE * (2 ** max(0, attempts - 1))


def after_failure(attempts: int, *, permanent: bool) -> str:
    """The state a row goes to when its ``attempts``-th attempt failed."""
    if permanent or attempts >= MAX_ATTEMPTS:
        return State.FAILED
    return State.QUEUED


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    tls: bool  # TLS from the start (smtps)
    user: str
    password: str
    verify: bool = True


def parse_smtp_url(url: str) -> SmtpServer | None:
    """``smtp://user:pass@host:587`` → SmtpServer; empty → None; anything else: ValueError."""
    if not url:
        return None
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError(f"KEFU_SMTP_URL must be smtp://host[:port] or smtps://…, not {url!r}")
    query = urllib.parse.parse_qs(parts.query)
    verify = (query.get("verify") or ["1"])[0].lower() not in ("0", "false", "no", "off")
    tls = parts.scheme == "smtps"
    return SmtpServer(host=parts.hostname, port=parts.port or (465 if tls else 25), tls=tls,
                      user=urllib.parse.unquote(parts.username or ""),
                      password=urllib.parse.unquote(parts.password or ""), verify=verify)


# --- the message --------------------------------------------------------------------------

def sender_of(row: OutboundEmail) -> tuple[str, str]:
    """(display name, address) the row is sent from."""
    if row.mailbox_id is not None and row.mailbox is not None:
        return row.mailbox.name, row.mailbox.address
    return "", settings.MAIL_FROM


def envelope_id(outbound_id: int) -> str:
    """The ENVID (RFC 3461) kefu gives an e-mail: ``kefu-{id}-{signature}``. A delivery
    report carries it back (``Original-Envelope-Id``), so a bounce finds its e-mail even
    when the returned headers are cut; the signature keeps a forged report from naming
    any e-mail by its number."""
    signature = salted_hmac(ENVID_SALT, str(outbound_id)).hexdigest()[:16]
    return f"kefu-{outbound_id}-{signature}"


def envelope_id_outbound(value: str) -> int | None:
    """The e-mail an ENVID names, if kefu made it (servers may change its case)."""
    match = _ENVID.match((value or "").strip().lower())
    if match is None:
        return None
    outbound_id = int(match.group(1))
    return outbound_id if constant_time_compare(envelope_id(outbound_id), match.group(0)) \
        else None


def build_message(row: OutboundEmail) -> EmailMessage:
    return build(row)[0]


def build(row: OutboundEmail) -> tuple[EmailMessage, list[dict]]:
    """The message, and what became of the reply's files (attached or linked)."""
    from .outbound_files import add_attachments, plan_files, with_links

    plan = plan_files(row)
    text, html = row.body_text, row.body_html
    if plan.linked:
        text, html = with_links(row, plan, text, html)
    name, address = sender_of(row)
    msg = EmailMessage(policy=SMTP_POLICY)
    msg["From"] = formataddr((name, address)) if name else address
    msg["To"] = row.to_address
    msg["Subject"] = row.subject
    msg["Date"] = format_datetime(timezone.now())
    msg["Message-ID"] = row.message_id
    if row.in_reply_to:
        msg["In-Reply-To"] = row.in_reply_to
    if row.references:
        msg["References"] = row.references
    if row.kind != OutboundEmail.Kind.REPLY:
        # RFC 3834: machine-made; autoresponders must not answer it (no mail loops).
        msg["Auto-Submitted"] = "auto-replied" if row.kind == OutboundEmail.Kind.ACK \
            else "auto-generated"
        msg["X-Auto-Response-Suppress"] = "All"
    msg.set_content(text)
    if html:
        msg.add_alternative(html, subtype="html")
    # after the content: set_content() drops Content-* headers set before it
    msg["Content-Language"] = "zh-Hans" if row.language == "zh-hans" else row.language
    add_attachments(msg, plan)
    return msg, plan.summary()


# --- SMTP ---------------------------------------------------------------------------------

class SendError(Exception):
    """A failed attempt. ``permanent``: the server refused for good (5xx); ``maybe_sent``:
    the connection broke after the message was handed over (it may have been delivered)."""

    def __init__(self, message: str, *, permanent: bool = False, maybe_sent: bool = False):
        super().__init__(message)
        self.permanent = permanent
        self.maybe_sent = maybe_sent


def _check(reply: tuple[int, bytes], step: str) -> None:
    code, text = reply
    if not 200 <= code < 400:
        detail = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
        raise SendError(f"{step}: {code} {detail}", permanent=500 <= code < 600)


def deliver(server: SmtpServer, envelope_from: str, to_address: str, data: bytes, *,
            envid: str = "") -> None:
    """One SMTP transaction, step by step, so that a failure before DATA (safe to retry) is
    told apart from a broken connection after it (maybe delivered: never retried). With
    ``envid``, to a server that offers DSN (RFC 3461): ``ENVID`` (a bounce carries it back)
    and ``RET=HDRS`` (a bounce returns our headers, not the whole message)."""
    context = ssl.create_default_context()
    if not server.verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    try:
        if server.tls:
            smtp = smtplib.SMTP_SSL(server.host, server.port, timeout=SMTP_TIMEOUT, context=context)
        else:
            smtp = smtplib.SMTP(server.host, server.port, timeout=SMTP_TIMEOUT)
    except (OSError, smtplib.SMTPException) as exc:
        raise SendError(f"connect {server.host}:{server.port}: {exc}")
    handed_over = False
    try:
        smtp.ehlo_or_helo_if_needed()
        if not server.tls and smtp.has_extn("starttls"):
            smtp.starttls(context=context)
            smtp.ehlo()
        if server.user:
            smtp.login(server.user, server.password)
        options = ["SMTPUTF8"] if smtp.has_extn("smtputf8") and not to_address.isascii() else []
        if envid and smtp.has_extn("dsn"):
            options += [f"ENVID={envid}", "RET=HDRS"]
        _check(smtp.mail(envelope_from, options), "MAIL FROM")
        _check(smtp.rcpt(to_address), "RCPT TO")
        handed_over = True
        _check(smtp.data(data), "DATA")
    except SendError:
        raise
    except smtplib.SMTPAuthenticationError as exc:
        raise SendError(f"login: {exc.smtp_code} {exc.smtp_error!r}")
    except smtplib.SMTPResponseException as exc:
        raise SendError(f"{exc.smtp_code} {exc.smtp_error!r}", permanent=500 <= exc.smtp_code < 600)
    except (OSError, smtplib.SMTPException) as exc:
        raise SendError(f"{type(exc).__name__}: {exc}", maybe_sent=handed_over)
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()


# --- the state machine --------------------------------------------------------------------

def _claim(outbound_id: int) -> OutboundEmail | None:
    """QUEUED → SENDING (attempts + 1), committed; None when the row is not QUEUED (sent,
    being sent by another job, failed, uncertain) or no server is configured."""
    now = timezone.now()
    with transaction.atomic():
        row = (OutboundEmail.objects.select_for_update(of=("self",)).select_related("mailbox")
               .filter(pk=outbound_id).first())
        if row is None or row.state != State.QUEUED:
            return None
        if not settings.SMTP_URL:
            if row.last_error != NO_SERVER or not row.next_attempt_at or row.next_attempt_at <= now:
                OutboundEmail.objects.filter(pk=row.pk).update(
                    last_error=NO_SERVER, next_attempt_at=now + RETRY_BASE)
            return None
        claimed = OutboundEmail.objects.filter(pk=row.pk, state=State.QUEUED).update(
            state=State.SENDING, attempts=F("attempts") + 1, next_attempt_at=now + STALE_AFTER)
        if not claimed:
            return None
    row.state, row.attempts = State.SENDING, row.attempts + 1
    return row


def send_outbound(outbound_id: int) -> str:
    """Send one row if it is QUEUED; returns the state it ends in (or the one that stopped
    it). Never raises for an SMTP problem: the row records it."""
    row = _claim(outbound_id)
    if row is None:
        found = OutboundEmail.objects.filter(pk=outbound_id).values_list("state", flat=True)
        return found[0] if found else "missing"
    try:
        server = parse_smtp_url(settings.SMTP_URL)
        msg, files = build(row)
        deliver(server, sender_of(row)[1], row.to_address, msg.as_bytes(),
                envid=envelope_id(row.pk))
    except SendError as exc:
        return _failed(row, str(exc), permanent=exc.permanent, maybe_sent=exc.maybe_sent)
    except Exception as exc:  # a bug or a bad setting: recorded on the row, retried
        log.exception("sending e-mail %s", row.pk)
        return _failed(row, f"{type(exc).__name__}: {exc}", permanent=False, maybe_sent=False)
    now = timezone.now()
    # SENT even if a sweep thought us dead meanwhile (UNCERTAIN): now we know.
    OutboundEmail.objects.filter(pk=row.pk, state__in=(State.SENDING, State.UNCERTAIN)).update(
        state=State.SENT, sent_at=now, next_attempt_at=None, last_error="", files=files)
    log.info("e-mail %s (%s) sent to %s", row.pk, row.kind, row.to_address)
    return State.SENT


def _failed(row: OutboundEmail, error: str, *, permanent: bool, maybe_sent: bool) -> str:
    now = timezone.now()
    if maybe_sent:
        state, next_at = State.UNCERTAIN, None
        error = f"the connection broke after the message was handed over (it may have been delivered): {error}"
    else:
        state = after_failure(row.attempts, permanent=permanent)
        next_at = now + retry_delay(row.attempts) if state == State.QUEUED else None
    OutboundEmail.objects.filter(pk=row.pk, state=State.SENDING).update(
        state=state, next_attempt_at=next_at, last_error=error[:2000])
    log.warning("e-mail %s attempt %s: %s → %s", row.pk, row.attempts, error, state)
    return state


def mark_stale_uncertain(now=None) -> int:
    """Rows still SENDING past their deadline (the worker died mid-send) become UNCERTAIN:
    never resent by themselves."""
    now = now or timezone.now()
    return OutboundEmail.objects.filter(state=State.SENDING, next_attempt_at__lte=now).update(
        state=State.UNCERTAIN, next_attempt_at=None,
        last_error="the send was interrupted (it may have gone out): check before resending")


def outbound_sweep(now=None) -> dict:
    """Every minute: stale SENDING rows become UNCERTAIN; due QUEUED rows (retries, and
    rows whose job was lost) are sent."""
    now = now or timezone.now()
    uncertain = mark_stale_uncertain(now)
    due = list(OutboundEmail.objects.filter(state=State.QUEUED, next_attempt_at__lte=now)
               .order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:SWEEP_BATCH])
    lost = list(OutboundEmail.objects.filter(state=State.QUEUED, next_attempt_at__isnull=True,
                                             created_at__lte=now - RETRY_BASE)
                .order_by("pk").values_list("pk", flat=True)[:SWEEP_BATCH])
    results: dict[str, int] = {}
    for outbound_id in [*due, *lost][:SWEEP_BATCH]:
        state = send_outbound(outbound_id)
        results[state] = results.get(state, 0) + 1
    return {"uncertain": uncertain, "tried": len(due) + len(lost), **results}


def outbound_requeue(*, outbound: OutboundEmail, actor) -> OutboundEmail:
    """An admin sends a FAILED, UNCERTAIN or BOUNCED e-mail again (after checking an
    uncertain one did not arrive, or that the customer's mailbox takes mail again). Written
    with an event on the ticket; the job runs after the commit."""
    from kefu.accounts.models import Role
    from kefu.core.errors import ApplicationError, PermissionDenied
    from kefu.tickets.models import TicketEvent

    from .outbound import enqueue_send

    if actor.role != Role.ADMIN:
        raise PermissionDenied(_("Only an administrator can send an e-mail again."))
    with transaction.atomic():
        row = OutboundEmail.objects.select_for_update(of=("self",)).get(pk=outbound.pk)
        if row.state not in REQUEUEABLE:
            raise ApplicationError("email_not_requeueable",
                                   _("Only a failed, uncertain or bounced e-mail can be sent "
                                     "again."),
                                   details={"state": row.state}, status=409)
        now = timezone.now()
        old_state = row.state
        row.state, row.next_attempt_at, row.attempts = State.QUEUED, now, 0
        row.last_error = ""
        # the last delivery report was about the previous send
        row.dsn_action = row.dsn_status = row.dsn_diagnostic = row.dsn_recipient = ""
        row.dsn_at = None
        row.save(update_fields=["state", "next_attempt_at", "attempts", "last_error",
                                "dsn_action", "dsn_status", "dsn_diagnostic", "dsn_recipient",
                                "dsn_at"])
        if row.ticket_id is not None:
            TicketEvent.objects.create(ticket_id=row.ticket_id, actor=actor, kind="email_requeued",
                                       data={"email": row.pk, "kind": row.kind, "old": old_state},
                                       created_at=now)
        enqueue_send(row.pk)
    return row
