"""The inbound e-mail pipeline: every way mail arrives (IMAP, the SMTP/LMTP listener, files)
calls ``ingest_raw`` (one message) or ``ingest_batch`` (many, from files).

1. **Store.** The raw bytes go into an ``InboundEmail`` row in their own committed
   transaction before anything else happens; the same bytes twice are one row (SHA-256
   unique). Only a failure to store raises — then nothing was stored and the caller must
   not acknowledge the message (the listener answers 451, IMAP leaves it unflagged).
   A message larger than ``MAX_EMAIL_BYTES`` is stored whole and quarantined.
2. **Process**, in a second transaction: parse (before the transaction), then file it
   (``filing.py``): recognise duplicates, automatic mail and loops, thread, append to a
   ticket or open one. Whatever goes wrong here quarantines the row with the reason;
   nothing is propagated, so a worker never crashes on a message.

``ingest_batch`` stores a batch's raw bytes in one committed transaction, then files the
batch in a second one, each message in its own savepoint (a failing message is rolled
back alone and quarantined). On SQLite, where one writer at a time is the rule, that
halves the number of write transactions per message and shares their commits; on
PostgreSQL it files one message per transaction as ``ingest_raw`` does (a batch would hold
its row and advisory locks until the end, and two batches could wait on each other).

Threading rules are in ``lookup.py`` (and docs/email.md).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import Role, User
from kefu.core.errors import ApplicationError, PermissionDenied

from ..models import InboundEmail, Mailbox
from .filing import (  # noqa: F401  (MAILBOXES and the limits: imported from here elsewhere)
    FOLLOW_UP_REASON,
    MAILBOXES,
    MAX_ATTACHMENTS_PER_MESSAGE,
    MAX_BODY_CHARS,
    Outcome,
    content_message_id,
    file_message,
)
from .parse import ParsedEmail, Unparseable, parse_message

log = logging.getLogger("kefu.email")

Status = InboundEmail.Status
#: Messages filed per write transaction by ``ingest_batch`` on SQLite: the write lock is
#: held for a batch (about 3 ms a message), so other writers wait at most ~0.1 s.
SQLITE_BATCH = 25


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



@dataclass(frozen=True)
class Incoming:
    """One message for ``ingest_batch``."""
    raw: bytes
    source: str
    mailbox: Mailbox | None = None
    imap_uid: str = ""


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



def ingest_batch(messages: Iterable[Incoming]) -> list[IngestResult]:
    """``ingest_raw`` for many messages, in order, with fewer write transactions (see the
    module's docstring). Raises only when the raw bytes could not be stored: then none of
    the batch was stored."""
    messages = list(messages)
    for message in messages:
        if message.source not in InboundEmail.Source.values:
            raise ValueError(f"unknown source {message.source!r}")
    if connection.vendor != "sqlite":
        return [ingest_raw(m.raw, source=m.source, mailbox=m.mailbox, imap_uid=m.imap_uid)
                for m in messages]
    results: list[IngestResult] = []
    for start in range(0, len(messages), SQLITE_BATCH):
        results += _ingest_chunk(messages[start:start + SQLITE_BATCH])
    return results


def _ingest_chunk(messages: list[Incoming]) -> list[IngestResult]:
    with transaction.atomic():  # one commit for the batch's raw bytes
        stored = [_store(bytes(m.raw), source=m.source, mailbox=m.mailbox,
                         imap_uid=m.imap_uid) for m in messages]
    results: list[IngestResult | None] = [None] * len(stored)
    todo: list[tuple[int, InboundEmail, bool]] = []
    for index, (row, created) in enumerate(stored):
        if not created and row.status != Status.RECEIVED:
            results[index] = _known(row)
        elif row.status == Status.QUARANTINED:
            results[index] = IngestResult(Status.QUARANTINED, None, row.reason, row.pk, created)
        else:
            todo.append((index, row, created))
    parsed = [_parse_stored(bytes(row.raw)) for _i, row, _c in todo]
    saved_files: list = []
    try:
        with transaction.atomic():  # one commit for the batch's filing
            for (index, row, created), message in zip(todo, parsed, strict=True):
                results[index] = _process_in_savepoint(row, message, created, saved_files)
    except DatabaseError:  # the commit itself failed: every row is still "received"
        log.exception("filing a batch of %s e-mails failed; filing them one by one", len(todo))
        _delete_files(saved_files)
        for index, row, created in todo:
            results[index] = _process(row.pk, created=created)
    return [result for result in results if result is not None]


def _known(row: InboundEmail) -> IngestResult:
    return IngestResult(Status.DUPLICATE, row.ticket_id,
                        f"the same message was received before (inbound #{row.pk}, "
                        f"{row.status})", row.pk, False)


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
    """Process one stored row in its own transaction. ``stored``: the row just inserted by
    ``_store`` (its bytes in memory), else it is read."""
    saved_files: list = []
    try:
        row = stored if stored is not None else InboundEmail.objects.get(pk=inbound_id)
        parsed = _parse_stored(bytes(row.raw))
        with transaction.atomic():
            return _file_row(row, parsed, created, saved_files, reprocess_by=reprocess_by)
    except Exception as exc:
        return _failed(inbound_id, exc, created, saved_files)


def _process_in_savepoint(row: InboundEmail, parsed: ParsedEmail | Unparseable, created: bool,
                          saved_files: list) -> IngestResult:
    """Process one row of a batch inside the batch's transaction: a failure rolls back this
    message's savepoint only, then quarantines it in the same transaction."""
    mine: list = []
    try:
        with transaction.atomic():
            result = _file_row(row, parsed, created, mine)
    except Exception as exc:
        return _failed(row.pk, exc, created, mine)
    saved_files += mine
    return result


def _file_row(row: InboundEmail, parsed: ParsedEmail | Unparseable, created: bool,
              saved_files: list, *, reprocess_by: User | None = None) -> IngestResult:
    """File ``row`` in the current transaction; raises what makes it quarantined."""
    inbound_id = row.pk
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
        file_message(row, parsed, saved_files)
    except Outcome as outcome:
        row.status, row.reason = outcome.status, outcome.reason
        row.ticket_id = outcome.ticket_id
    if reprocess_by is not None:
        row.reason = (f"{row.reason} (re-processed by {reprocess_by.username})")
    row.reason = row.reason.replace("\x00", "")[:10_000]
    row.save(update_fields=PROCESSED_FIELDS)  # not the raw bytes again
    return IngestResult(row.status, row.ticket_id, row.reason, row.pk, created)


def _failed(inbound_id: int, exc: Exception, created: bool, saved_files: list) -> IngestResult:
    """Processing raised: remove the files its rolled-back rows pointed at, log, quarantine."""
    _delete_files(saved_files)
    name = type(exc).__name__
    if isinstance(exc, ApplicationError):  # a rule refused (no team…): no traceback needed
        name = f"{name}({exc.code})"
        log.warning("inbound e-mail #%s quarantined: %s", inbound_id, exc.message)
    else:
        log.exception("inbound e-mail #%s could not be processed; quarantined", inbound_id)
    reason = f"processing failed: {name}: {str(exc)[:500]}".replace("\x00", "")
    _quarantine(inbound_id, reason)
    return IngestResult(Status.QUARANTINED, None, reason, inbound_id, created)


def _delete_files(saved_files: list) -> None:
    for storage, name in saved_files:  # the rows pointing at them were rolled back
        try:
            storage.delete(name)
        except Exception:
            log.warning("could not remove the orphaned attachment file %s", name)
    saved_files.clear()


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

