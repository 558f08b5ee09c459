"""Filing one parsed inbound e-mail, inside the caller's transaction: duplicates (Message-ID,
or a hash of the content when there is none), automatic mail and loops, threading
(``lookup.py``), then a reply appended to a ticket or a new ticket opened — with its
attachments, its ThreadRef and, for a new ticket, the acknowledgement.

``file_message`` either returns with ``row`` updated (not saved) or raises ``Outcome``
(filing ends early on purpose: a duplicate, an auto-reply…) or any other exception (the
caller quarantines the message). The transaction and the raw bytes are ``ingest.py``'s.
"""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _

from kefu.core.errors import ApplicationError
from kefu.core.refcache import TableCache
from kefu.customers.models import Customer
from kefu.customers.services import customer_create
from kefu.tickets import rules as ticket_rules
from kefu.tickets.models import Ticket
from kefu.tickets.services import (
    attachment_store_from_channel,
    sniff_content_type,
    ticket_create_from_channel,
    ticket_customer_message,
)

from ..models import InboundEmail, Mailbox, ThreadRef
from .lookup import customers_of, earlier_filing, find_ticket, recent_from
from .parse import MailAttachment, ParsedEmail, Unparseable
from .quotes import split_email

Status = InboundEmail.Status
MAX_ATTACHMENTS_PER_MESSAGE = 50
MAX_BODY_CHARS = 100_000  # the ticket services' limit
MAX_HTML_CHARS = 1_000_000  # the ticket services' limit for the HTML shown in the console
MAX_SUBJECT_CHARS = 300
#: The reason written on a ticket opened because the customer wrote to a closed one; later
#: mail to the closed ticket's thread joins that ticket instead of opening yet another.
FOLLOW_UP_REASON = "follow-up of closed ticket #{}: new ticket"


class Outcome(Exception):
    """Processing ends early with this status and reason (not an error)."""

    def __init__(self, status: str, reason: str, ticket_id: int | None = None):
        super().__init__(reason)
        self.status, self.reason, self.ticket_id = status, reason, ticket_id



def content_message_id(raw: bytes, parsed: ParsedEmail) -> str:
    """A stand-in Message-ID for a message without one: the same message delivered twice
    (with different trace headers) gets the same id, so it is filed once."""
    end = raw.find(b"\r\n\r\n")
    end = raw.find(b"\n\n") if end < 0 else end
    body = raw[end:] if end >= 0 else b""
    key = "\x00".join([parsed.from_address, ",".join(parsed.to), parsed.subject,
                       parsed.date.isoformat() if parsed.date else ""])
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass") + b"\x00" + body.strip())
    return f"<{digest.hexdigest()[:40]}@content-hash.kefu.invalid>"


def file_message(row: InboundEmail, parsed: ParsedEmail | Unparseable, saved_files: list) -> None:
    if isinstance(parsed, Unparseable):
        raise Outcome(Status.QUARANTINED, f"unparseable: {parsed.reason}")
    row.message_id = (parsed.message_id or content_message_id(bytes(row.raw), parsed))[:998]
    row.from_address = parsed.from_address[:320]
    row.subject = parsed.subject[:998]
    if not parsed.from_address:
        raise Outcome(Status.QUARANTINED, "no sender address (no usable From, Sender, "
                                           "Reply-To or Return-Path)")
    _check_duplicate(row)
    _check_automatic(row, parsed)
    mailbox = row.mailbox or _mailbox_for(parsed)
    if row.mailbox_id is None and mailbox is not None:
        row.mailbox = mailbox
    _file(row, parsed, mailbox, saved_files)


def _lock_message_id(message_id: str) -> None:
    """Serialise the processing of one Message-ID arriving two ways at once (IMAP and SMTP):
    on PostgreSQL a transaction-scoped advisory lock; SQLite already runs one writing
    transaction at a time."""
    if connection.vendor != "postgresql":
        return
    key = int.from_bytes(hashlib.sha256(message_id.strip("<>").encode("utf-8", "replace"))
                         .digest()[:8], "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _check_duplicate(row: InboundEmail) -> None:
    _lock_message_id(row.message_id)
    earlier = earlier_filing(row.message_id, exclude_id=row.pk,
                             unfinished=(Status.RECEIVED, Status.QUARANTINED))
    if earlier is None:
        return
    kind, earlier_id, ticket_id = earlier
    if kind == "inbound":
        raise Outcome(Status.DUPLICATE, f"the same Message-ID was filed before "
                                         f"(inbound #{earlier_id})", ticket_id)
    if kind == ThreadRef.Direction.OUT:
        raise Outcome(Status.IGNORED, "loop: this is a message kefu sent itself")
    raise Outcome(Status.DUPLICATE, "the same Message-ID was filed before", ticket_id)


def _load_mailboxes() -> dict:
    return {m.pk: m for m in Mailbox.objects.select_related("team").order_by("pk")}


#: Every mailbox, per process (kefu.core.refcache): each message checks kefu's own addresses.
MAILBOXES = TableCache(_load_mailboxes)


def _own_addresses() -> set[str]:
    addresses = {m.address.lower() for m in MAILBOXES.all().values()}
    addresses.add((settings.MAIL_FROM or "").lower())
    return addresses


def _check_automatic(row: InboundEmail, parsed: ParsedEmail) -> None:
    if parsed.from_address in _own_addresses():
        raise Outcome(Status.IGNORED, f"loop: sent from kefu's own address "
                                       f"{parsed.from_address}")
    if parsed.auto:
        note = ""
        if parsed.auto == "bounce":  # mark the e-mail it reports on (bounces.py)
            from ..bounces import bounce_record

            note = bounce_record(bytes(row.raw), inbound_id=row.pk)
        raise Outcome(Status.IGNORED, f"{parsed.auto}: {parsed.auto_detail}{note}")
    limit = settings.MAIL_LOOP_LIMIT_PER_HOUR
    since = timezone.now() - timedelta(hours=1)
    recent = recent_from(parsed.from_address, since=since, exclude_id=row.pk,
                         statuses_skipped=(Status.DUPLICATE, Status.RECEIVED), limit=limit)
    if recent >= limit:
        raise Outcome(Status.IGNORED, f"loop-rate: more than {limit} messages from "
                                       f"{parsed.from_address} within an hour")


def _mailbox_for(parsed: ParsedEmail) -> Mailbox | None:
    if not parsed.to:
        return None
    wanted = {address.lower() for address in parsed.to}
    return next((m for m in MAILBOXES.all().values()
                 if m.active and m.address.lower() in wanted), None)


def _body(parsed: ParsedEmail, notes: list[str], text: str | None = None) -> str:
    text = (parsed.text if text is None else text).strip()
    if len(text) > MAX_BODY_CHARS:
        notes.append(f"text cut to {MAX_BODY_CHARS} characters (the raw message has it all)")
        text = text[: MAX_BODY_CHARS - 20].rstrip() + "\n[…]"
    if not text:
        text = (_("(no text; see the attachments)") if parsed.attachments
                else _("(empty message)"))
    return text


def _html(html: str, notes: list[str]) -> str:
    if len(html) > MAX_HTML_CHARS:
        notes.append(f"HTML over {MAX_HTML_CHARS} characters: only the text is shown")
        return ""
    return html


def _subject(parsed: ParsedEmail) -> str:
    subject = " ".join(parsed.subject.split())
    if len(subject) > MAX_SUBJECT_CHARS:
        subject = subject[: MAX_SUBJECT_CHARS - 1] + "…"
    return subject or _("(no subject)")


def _sender_customer(parsed: ParsedEmail, customers: list[Customer]) -> Customer:
    if customers:
        return customers[0]
    name = parsed.from_name.strip() or parsed.from_address.split("@", 1)[0]
    try:
        return customer_create(actor=None, data={"name": name[:200],
                                                 "email": parsed.from_address})
    except ApplicationError as exc:
        raise Outcome(Status.QUARANTINED, f"cannot create a customer for "
                                           f"{parsed.from_address}: {exc.message}")


def _file(row: InboundEmail, parsed: ParsedEmail, mailbox: Mailbox | None,
          saved_files: list) -> None:
    customers = customers_of(parsed.from_address)
    customer_ids = {c.pk for c in customers}
    ticket, how, notes = find_ticket(parsed, customer_ids)
    follow_up_of = None
    if ticket is not None and ticket.status == ticket_rules.Status.CLOSED:
        follow_up_of = ticket
        ticket = (Ticket.objects.filter(
            pk__in=InboundEmail.objects.filter(status=Status.CREATED,
                                               reason__startswith=FOLLOW_UP_REASON.format(
                                                   follow_up_of.pk))
            .values("ticket_id"))
            .exclude(status=ticket_rules.Status.CLOSED).order_by("-pk").first())
        how = f"follow-up of closed ticket #{follow_up_of.pk}"
    if ticket is not None:
        # a reply: the quoted history is kept apart from the new text (docs/email.md)
        parts = split_email(parsed.text, parsed.html_sanitised)
        message = ticket_customer_message(
            ticket=ticket, body=_body(parsed, notes, parts.text), channel="email",
            body_html=_html(parts.html, notes), quoted_text=parts.quoted[:MAX_BODY_CHARS])
        row.status, row.ticket, row.ticket_message = Status.APPENDED, ticket, message
        reasons = [f"added to ticket #{ticket.pk} (by {how})"]
    else:
        customer = next((c for c in customers if follow_up_of is None
                         or c.pk == follow_up_of.customer_id), None) \
            or _sender_customer(parsed, customers)
        description, html = _body(parsed, notes), _html(parsed.html_sanitised, notes)
        if follow_up_of is not None:
            note = _("Follow-up to the closed ticket #%(id)s.") % {"id": follow_up_of.pk}
            description = note + "\n\n" + description
            html = html and f"<p>{escape(note)}</p>{html}"
        ticket = ticket_create_from_channel(customer=customer, channel="email",
                                            subject=_subject(parsed), description=description,
                                            team=mailbox.team if mailbox else None,
                                            description_html=html)
        message = None
        row.status, row.ticket = Status.CREATED, ticket
        reasons = [FOLLOW_UP_REASON.format(follow_up_of.pk) if follow_up_of
                   else f"new ticket #{ticket.pk}"]
    reasons += notes
    reasons += _store_attachments(ticket, message, parsed.attachments, saved_files)
    reasons += [f"parser: {p}" for p in parsed.problems[:10]]
    row.reason = "; ".join(reasons)
    ThreadRef.objects.bulk_create(
        [ThreadRef(message_id=row.message_id, ticket=ticket, direction=ThreadRef.Direction.IN,
                   created_at=timezone.now())], ignore_conflicts=True)
    if row.status == Status.CREATED:
        # "we have your message": in the same transaction as the ticket, sent after the commit
        from ..outbound import queue_acknowledgement

        queue_acknowledgement(ticket, inbound=row, new_ticket=True)


_UNSAFE_NAME = re.compile(r"[\\/:*?\"<>|\x00-\x1f\x7f]")


def _store_attachments(ticket: Ticket, message, attachments: tuple[MailAttachment, ...],
                       saved_files: list) -> list[str]:
    """Store what the limits allow; return notes on what was skipped (never fails the mail)."""
    notes: list[str] = []
    for index, item in enumerate(attachments):
        name = _UNSAFE_NAME.sub("_", item.filename).strip(" .")[:200] or f"attachment-{index + 1}"
        if index >= MAX_ATTACHMENTS_PER_MESSAGE:
            notes.append(f"more than {MAX_ATTACHMENTS_PER_MESSAGE} attachments: the rest "
                         f"were not stored")
            break
        size = len(item.data)
        if size == 0:
            notes.append(f"attachment {name!r} skipped: empty")
            continue
        if size > settings.MAX_ATTACHMENT_BYTES:
            notes.append(f"attachment {name!r} skipped: {size} bytes is over the limit of "
                         f"{settings.MAX_ATTACHMENT_BYTES}")
            continue
        real = sniff_content_type(item.data[:8192], item.content_type)
        if real is None:
            notes.append(f"attachment {name!r} skipped: type {item.content_type} not accepted")
            continue
        attachment = attachment_store_from_channel(
            ticket=ticket, message=message, filename=name, data=item.data, content_type=real,
            channel="email", inline=item.is_inline)
        saved_files.append((attachment.file.storage, attachment.file.name))
    return notes

