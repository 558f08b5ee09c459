"""The inbound e-mail pipeline: every way mail arrives (IMAP, the SMTP/LMTP listener, files)
calls ``ingest_raw``.

1. **Store.** The raw bytes go into an ``InboundEmail`` row in their own committed
   transaction before anything else happens; the same bytes twice are one row (SHA-256
   unique). Only a failure to store raises — then nothing was stored and the caller must
   not acknowledge the message (the listener answers 451, IMAP leaves it unflagged).
   A message larger than ``MAX_EMAIL_BYTES`` is stored whole and quarantined.
2. **Process**, in a second transaction: parse, recognise duplicates (Message-ID, or a
   hash of the content when there is none), automatic mail and loops, thread, then append
   to a ticket or open one. Whatever goes wrong here quarantines the row with the reason;
   nothing is propagated, so a worker never crashes on a message.

Threading rules are in ``lookup.py`` (and docs/email.md).
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _

from kefu.accounts.models import Role, User
from kefu.core.errors import ApplicationError, PermissionDenied
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
from .parse import MailAttachment, ParsedEmail, Unparseable, parse_message
from .quotes import split_email

log = logging.getLogger("kefu.email")

Status = InboundEmail.Status
MAX_ATTACHMENTS_PER_MESSAGE = 50
MAX_BODY_CHARS = 100_000  # the ticket services' limit
MAX_HTML_CHARS = 1_000_000  # the ticket services' limit for the HTML shown in the console
MAX_SUBJECT_CHARS = 300
#: The reason written on a ticket opened because the customer wrote to a closed one; later
#: mail to the closed ticket's thread joins that ticket instead of opening yet another.
FOLLOW_UP_REASON = "follow-up of closed ticket #{}: new ticket"


@dataclass(frozen=True)
class IngestResult:
    status: str  # an InboundEmail.Status value
    ticket_id: int | None
    reason: str
    inbound_id: int | None
    created: bool  # a new InboundEmail row was stored (False: these exact bytes were known)

    def __post_init__(self):
        object.__setattr__(self, "status", str(self.status))  # plain str, not the enum

    def as_json(self) -> dict:
        return {"status": self.status, "ticket": self.ticket_id, "reason": self.reason,
                "inbound": self.inbound_id}


# --- step 1: store -----------------------------------------------------------------------

def _header_summary(raw: bytes) -> tuple[str, str, str]:
    """(Message-ID, sender, subject) of a message too large to parse whole."""
    end = raw.find(b"\r\n\r\n")
    end = raw.find(b"\n\n") if end < 0 else end
    head = raw[: end if 0 < end < 262_144 else 262_144] + b"\r\n\r\n"
    try:
        parsed = parse_message(head)
    except Exception:  # Unparseable, or whatever made processing fail
        return "", "", ""
    return parsed.message_id, parsed.from_address, parsed.subject


def _store(raw: bytes, *, source: str, mailbox: Mailbox | None,
           imap_uid: str) -> tuple[InboundEmail, bool]:
    digest = hashlib.sha256(raw).hexdigest()
    # no look-up first: the unique content hash refuses the same bytes twice
    row = InboundEmail(mailbox=mailbox, source=source, raw=raw, size=len(raw),
                       content_hash=digest, imap_uid=(imap_uid or "")[:40],
                       received_at=timezone.now())
    if len(raw) > settings.MAX_EMAIL_BYTES:
        row.message_id, row.from_address, row.subject = (
            v[:n] for v, n in zip(_header_summary(raw), (998, 320, 998), strict=True))
        row.status = Status.QUARANTINED
        row.reason = (f"too large: {len(raw)} bytes (the limit, KEFU_MAX_EMAIL_BYTES, is "
                      f"{settings.MAX_EMAIL_BYTES}); the whole message is kept — raise the "
                      f"limit and re-process it to file it")
        row.processed_at = row.received_at
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:  # the same bytes arrived at the same moment through another way
        existing = InboundEmail.objects.filter(content_hash=digest).first()
        if existing is None:
            raise
        return existing, False
    return row, True


def ingest_raw(raw: bytes, *, source: str, mailbox: Mailbox | None = None,
               imap_uid: str = "") -> IngestResult:
    """Store ``raw`` (committed), then process it. Raises only when the raw message could
    not be stored (a database error): then the caller must not acknowledge it."""
    if source not in InboundEmail.Source.values:
        raise ValueError(f"unknown source {source!r}")
    raw = bytes(raw)
    row, created = _store(raw, source=source, mailbox=mailbox, imap_uid=imap_uid)
    if not created and row.status != Status.RECEIVED:
        return IngestResult(Status.DUPLICATE, row.ticket_id,
                            f"the same message was received before (inbound #{row.pk}, "
                            f"{row.status})", row.pk, False)
    if row.status == Status.QUARANTINED:
        return IngestResult(Status.QUARANTINED, None, row.reason, row.pk, created)
    # a new row, or one stored earlier whose processing never finished (the process died);
    # the bytes are in hand, so processing need not read them back
    return _process(row.pk, created=created, stored=row if created else None)


def process_received(*, older_than: timedelta = timedelta(minutes=5),
                     limit: int = 100) -> list[IngestResult]:
    """Process rows stored but never processed (their process died between the two
    steps); for a periodic job."""
    cutoff = timezone.now() - older_than
    ids = list(InboundEmail.objects.filter(status=Status.RECEIVED, received_at__lt=cutoff)
               .order_by("received_at").values_list("pk", flat=True)[:limit])
    return [_process(pk, created=False) for pk in ids]


def reprocess(inbound_id: int, actor: User) -> IngestResult:
    """An administrator runs a quarantined message through processing again (after fixing
    the cause: a limit, a missing team, a parser bug)."""
    if actor is None or not (actor.role == Role.ADMIN or actor.is_superuser):
        raise PermissionDenied()
    row = InboundEmail.objects.filter(pk=inbound_id).only("pk", "status").first()
    if row is None:
        raise ApplicationError("not_found", _("No such inbound e-mail."), status=404)
    if row.status != Status.QUARANTINED:
        raise ApplicationError("not_quarantined",
                               _("Only a quarantined e-mail can be processed again."),
                               status=409)
    log.info("inbound e-mail #%s re-processed by %s", inbound_id, actor.username)
    return _process(inbound_id, created=False, reprocess_by=actor)


# --- step 2: process ---------------------------------------------------------------------

#: What processing changes on the stored row.
PROCESSED_FIELDS = ["status", "reason", "ticket", "ticket_message", "attempts", "processed_at", "mailbox",
                    "message_id", "from_address", "subject"]


class _Outcome(Exception):
    """Processing ends early with this status and reason (not an error)."""

    def __init__(self, status: str, reason: str, ticket_id: int | None = None):
        super().__init__(reason)
        self.status, self.reason, self.ticket_id = status, reason, ticket_id


def _parse_stored(raw: bytes) -> ParsedEmail | Unparseable:
    """Parsing is pure: it runs before the processing transaction, so the database (SQLite's
    one writer above all) is held only for the reads and writes."""
    try:
        return parse_message(raw)
    except Unparseable as exc:
        return exc


def _lock_row(inbound_id: int) -> tuple[str, int | None] | None:
    """(status, ticket id) of the row, locked until the transaction ends; None if gone."""
    table = InboundEmail._meta.db_table
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT status, ticket_id FROM {table} WHERE id = %s{lock}",
                       [inbound_id])
        found = cursor.fetchone()
    return (found[0], found[1]) if found else None


def _process(inbound_id: int, *, created: bool, reprocess_by: User | None = None,
             stored: InboundEmail | None = None) -> IngestResult:
    """``stored``: the row just inserted by ``_store`` (its bytes in memory), else it is read."""
    saved_files: list = []
    try:
        if stored is not None:
            row = stored
        else:
            row = InboundEmail.objects.get(pk=inbound_id)
        parsed = _parse_stored(bytes(row.raw))
        with transaction.atomic():
            locked = _lock_row(inbound_id)
            if locked is None:
                raise InboundEmail.DoesNotExist(f"inbound e-mail #{inbound_id} is gone")
            row.status, row.ticket_id = locked
            allowed = {Status.RECEIVED, Status.QUARANTINED} if reprocess_by else {Status.RECEIVED}
            if row.status not in allowed:  # another process got there first
                return IngestResult(Status.DUPLICATE, row.ticket_id,
                                    f"already processed (inbound #{row.pk}, {row.status})",
                                    row.pk, created)
            mailbox = MAILBOXES.covering({row.mailbox_id}).get(row.mailbox_id)
            if mailbox is not None:  # with its team, from the per-process cache
                row.mailbox = mailbox
            row.attempts = min(row.attempts + 1, 32767)
            row.processed_at = timezone.now()
            row.ticket = row.ticket_message = None
            try:
                _handle(row, parsed, saved_files)
            except _Outcome as outcome:
                row.status, row.reason = outcome.status, outcome.reason
                row.ticket_id = outcome.ticket_id
            if reprocess_by is not None:
                row.reason = (f"{row.reason} (re-processed by {reprocess_by.username})")
            row.reason = row.reason.replace("\x00", "")[:10_000]
            row.save(update_fields=PROCESSED_FIELDS)  # not the raw bytes again
            return IngestResult(row.status, row.ticket_id, row.reason, row.pk, created)
    except Exception as exc:
        for storage, name in saved_files:  # the rows pointing at them were rolled back
            try:
                storage.delete(name)
            except Exception:
                log.warning("could not remove the orphaned attachment file %s", name)
        name = type(exc).__name__
        if isinstance(exc, ApplicationError):  # a rule refused (no team…): no traceback needed
            name = f"{name}({exc.code})"
            log.warning("inbound e-mail #%s quarantined: %s", inbound_id, exc.message)
        else:
            log.exception("inbound e-mail #%s could not be processed; quarantined", inbound_id)
        reason = f"processing failed: {name}: {str(exc)[:500]}".replace("\x00", "")
        _quarantine(inbound_id, reason)
        return IngestResult(Status.QUARANTINED, None, reason, inbound_id, created)


def _quarantine(inbound_id: int, reason: str) -> None:
    try:
        with transaction.atomic():
            row = InboundEmail.objects.select_for_update().filter(pk=inbound_id).first()
            if row is None:
                return
            row.status, row.reason = Status.QUARANTINED, reason
            row.attempts = min(row.attempts + 1, 32767)
            row.processed_at = timezone.now()
            row.ticket = row.ticket_message = None
            if not row.from_address:  # so the admin list shows who sent it
                summary = _header_summary(bytes(row.raw))
                row.message_id = row.message_id or summary[0][:998]
                row.from_address, row.subject = summary[1][:320], summary[2][:998]
            row.save(update_fields=["status", "reason", "attempts", "processed_at", "ticket",
                                    "ticket_message", "message_id", "from_address",
                                    "subject"])
    except Exception:  # the database itself is failing: the row stays "received"
        log.exception("could not mark inbound e-mail #%s quarantined", inbound_id)


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


def _handle(row: InboundEmail, parsed: ParsedEmail | Unparseable, saved_files: list) -> None:
    if isinstance(parsed, Unparseable):
        raise _Outcome(Status.QUARANTINED, f"unparseable: {parsed.reason}")
    row.message_id = (parsed.message_id or content_message_id(bytes(row.raw), parsed))[:998]
    row.from_address = parsed.from_address[:320]
    row.subject = parsed.subject[:998]
    if not parsed.from_address:
        raise _Outcome(Status.QUARANTINED, "no sender address (no usable From, Sender, "
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
        raise _Outcome(Status.DUPLICATE, f"the same Message-ID was filed before "
                                         f"(inbound #{earlier_id})", ticket_id)
    if kind == ThreadRef.Direction.OUT:
        raise _Outcome(Status.IGNORED, "loop: this is a message kefu sent itself")
    raise _Outcome(Status.DUPLICATE, "the same Message-ID was filed before", ticket_id)


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
        raise _Outcome(Status.IGNORED, f"loop: sent from kefu's own address "
                                       f"{parsed.from_address}")
    if parsed.auto:
        note = ""
        if parsed.auto == "bounce":  # mark the e-mail it reports on (bounces.py)
            from ..bounces import bounce_record

            note = bounce_record(bytes(row.raw), inbound_id=row.pk)
        raise _Outcome(Status.IGNORED, f"{parsed.auto}: {parsed.auto_detail}{note}")
    limit = settings.MAIL_LOOP_LIMIT_PER_HOUR
    since = timezone.now() - timedelta(hours=1)
    recent = recent_from(parsed.from_address, since=since, exclude_id=row.pk,
                         statuses_skipped=(Status.DUPLICATE, Status.RECEIVED), limit=limit)
    if recent >= limit:
        raise _Outcome(Status.IGNORED, f"loop-rate: more than {limit} messages from "
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
        raise _Outcome(Status.QUARANTINED, f"cannot create a customer for "
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
