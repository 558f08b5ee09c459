"""Chat and messaging channels (website chat, WeChat, WhatsApp…): signed inbound messages
from an adapter become tickets and customer messages.

- **Signature.** The adapter signs ``f"{timestamp}.".encode() + raw_body`` with the
  channel's secret (HMAC-SHA256) and sends ``X-Kefu-Signature: sha256=<hex>`` and
  ``X-Kefu-Timestamp: <unix seconds>``; more than five minutes of skew is refused, so a
  captured request cannot be replayed later.
- **Idempotency.** (channel, adapter message id) is unique in the database: the same message
  again answers the first result and writes nothing; two copies racing end the same way
  (the loser's insert fails on the constraint and it reads the winner's row).
- **Who is writing.** The sender's adapter id is a ``ContactPoint`` of the customer, labelled
  ``chat:<channel code>`` (the id is only unique within its channel). Its kind says what the
  id is: ``wechat`` (an openid) for WeChat channels, ``phone`` for WhatsApp (the id is the
  number), ``chat`` for website chat and other adapters. A sender seen for the first time
  is a new customer: kefu never joins a chat sender to an existing customer on a phone
  number or an e-mail address the adapter merely reports (nobody verified it).
- **Which ticket.** The customer's ticket that came through this channel and was active in
  the last 24 hours (not closed) gets the message; otherwise a new ticket in the channel's
  team queue.

See docs/channels.md for the adapter's side.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.errors import ApplicationError, NotFound
from kefu.customers.models import ContactPoint, Customer
from kefu.customers.services import customer_create
from kefu.tickets import rules as ticket_rules
from kefu.tickets.models import Attachment, Message, Ticket
from kefu.tickets.services import (
    attachment_store_from_channel,
    sniff_content_type,
    ticket_create_from_channel,
    ticket_customer_message,
)

from .contacts import normalise_phone
from .models import Channel, ChannelMessage
from .webhooks import sign

#: Largest clock difference between the adapter and kefu that is accepted.
MAX_SKEW_SECONDS = 300
MAX_TEXT = 10_000
MAX_ATTACHMENTS = 5
#: A chat continues on the same ticket while it was active within this many hours.
CONVERSATION_HOURS = 24
#: What a channel's sender id is, as a ContactPoint kind.
IDENTITY_KIND = {Channel.Kind.WECHAT: "wechat", Channel.Kind.WHATSAPP: "phone"}
DEFAULT_IDENTITY_KIND = "chat"
_CODE = re.compile(r"[-a-zA-Z0-9_]{1,40}")


def identity_label(channel: Channel) -> str:
    return f"chat:{channel.code}"


def valid_code(code) -> bool:
    """Could be a channel code (checked before any query: no NUL or 10 kB strings in SQL)."""
    return isinstance(code, str) and bool(_CODE.fullmatch(code))


def channel_for_inbound(code: str) -> Channel:
    """The active channel ``code``, else 404 (an inactive channel is not revealed)."""
    if not valid_code(code):
        raise NotFound(_("Channel"), None)
    channel = Channel.objects.select_related("team").filter(code=code, active=True).first()
    if channel is None:
        raise NotFound(_("Channel"), code)
    return channel


def _unauthorized(code: str, message: str) -> ApplicationError:
    return ApplicationError(code, message, status=401)


def verify_signature(channel: Channel, *, signature: str | None, timestamp: str | None,
                     body: bytes, now: float | None = None) -> None:
    """Raise 401 unless ``signature`` is the channel's signature of ``timestamp`` + ``body``
    and ``timestamp`` is within five minutes of now (constant-time comparison)."""
    if not signature or not timestamp:
        raise _unauthorized("signature_missing",
                            _("The X-Kefu-Signature and X-Kefu-Timestamp headers are required."))
    timestamp = timestamp.strip()
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        raise _unauthorized("timestamp_invalid", _("X-Kefu-Timestamp must be Unix seconds."))
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > MAX_SKEW_SECONDS:
        raise _unauthorized("timestamp_stale",
                            _("The request is too old or the adapter's clock is wrong."))
    if not channel.secret:  # stored encrypted and unreadable with today's keys
        raise ApplicationError("channel_secret_unreadable", _(
            "The channel's signing secret cannot be read; an administrator must enter it "
            "again."), status=503)
    expected = sign(channel.secret, timestamp, body)
    if not hmac.compare_digest(expected.encode(), signature.strip().encode("utf-8", "replace")):
        raise _unauthorized("signature_invalid", _("The signature does not match."))


@dataclass(frozen=True)
class InboundAttachment:
    filename: str
    content_type: str
    data: bytes
    sha256: str


@dataclass(frozen=True)
class InboundChat:
    """One message from an adapter, already checked for shape and size."""

    message_id: str
    sender_id: str
    text: str = ""
    sender_name: str = ""
    sender_phone: str = ""
    sender_email: str = ""
    sent_at: datetime | None = None
    attachments: list[InboundAttachment] = field(default_factory=list)


def _invalid(code: str, message: str, field_name: str, status: int = 422) -> ApplicationError:
    return ApplicationError(code, message, details={"field": field_name}, status=status)


def decode_attachment(*, filename: str, content_type: str = "", data_base64: str | None = None,
                      url: str | None = None, index: int = 0) -> InboundAttachment:
    """Check one attachment: base64 only (kefu fetches no URLs), at most
    KEFU_MAX_ATTACHMENT_BYTES, and really of an accepted type (sniffed from the bytes)."""
    where = f"attachments.{index}"
    if url is not None:
        raise _invalid("attachment_url_not_supported",
                       _("Attachments must be sent as base64; kefu does not fetch URLs."),
                       f"{where}.url")
    if data_base64 is None:
        raise _invalid("attachment_missing", _("An attachment needs its base64 content."),
                       f"{where}.base64")
    try:
        data = base64.b64decode(data_base64, validate=True)
    except (binascii.Error, ValueError):
        raise _invalid("attachment_base64", _("The attachment is not valid base64."),
                       f"{where}.base64")
    if not data:
        raise _invalid("attachment_empty", _("The file is empty."), f"{where}.base64")
    if len(data) > settings.MAX_ATTACHMENT_BYTES:
        raise ApplicationError("attachment_too_large",
                               _("The file is larger than %(mb).1f MB.")
                               % {"mb": settings.MAX_ATTACHMENT_BYTES / 1024 / 1024},
                               details={"field": where, "max_bytes": settings.MAX_ATTACHMENT_BYTES,
                                        "size": len(data)}, status=413)
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()[:200] or "file"
    declared = content_type.split(";")[0].strip().lower()
    real = sniff_content_type(data[:8192], declared)
    if real is None:
        raise ApplicationError("attachment_type", _("This type of file is not accepted."),
                               details={"field": where, "declared": declared}, status=415)
    return InboundAttachment(name, real, data, hashlib.sha256(data).hexdigest())


def _check_text(message: InboundChat) -> None:
    values = {"message_id": message.message_id, "sender.id": message.sender_id,
              "sender.name": message.sender_name, "sender.phone": message.sender_phone,
              "sender.email": message.sender_email, "text": message.text}
    values.update({f"attachments.{i}.filename": a.filename
                   for i, a in enumerate(message.attachments)})
    for name, value in values.items():
        if "\x00" in value:
            raise _invalid("invalid_text", _("%(field)s contains a NUL character.")
                           % {"field": name}, name)
    if not message.message_id.strip():
        raise _invalid("required", _("%(field)s is required.") % {"field": "message_id"},
                       "message_id")
    if not message.sender_id.strip():
        raise _invalid("required", _("%(field)s is required.") % {"field": "sender.id"},
                       "sender.id")
    if not message.text.strip() and not message.attachments:
        raise _invalid("empty_message", _("A message needs text or an attachment."), "text")
    if message.sender_phone and not normalise_phone(message.sender_phone):
        raise _invalid("invalid_phone", _("Enter a valid phone number."), "sender.phone")


@dataclass(frozen=True)
class ChatReceipt:
    channel_message: ChannelMessage
    duplicate: bool

    def as_dict(self) -> dict:
        cm = self.channel_message
        return {"id": cm.pk, "message_id": cm.external_id, "ticket_id": cm.ticket_id,
                "ticket_message_id": cm.message_id,
                "customer_id": cm.ticket.customer_id if cm.ticket_id else None,
                "duplicate": self.duplicate}


def _existing(channel: Channel, message_id: str) -> ChannelMessage | None:
    return (ChannelMessage.objects.select_related("ticket")
            .filter(channel=channel, external_id=message_id).first())


def chat_receive(*, channel: Channel, message: InboundChat, now: datetime | None = None,
                 ) -> ChatReceipt:
    """Record an inbound chat message once: the customer's open chat ticket on this channel
    gets it as a customer message, or it opens a new ticket. A message id seen before
    answers the first result and changes nothing."""
    _check_text(message)
    found = _existing(channel, message.message_id)
    if found is not None:
        return ChatReceipt(found, True)
    saved: list[str] = []
    try:
        with transaction.atomic():
            return _receive(channel, message, now or timezone.now(), saved)
    except BaseException:
        for name in saved:  # the rows are gone with the transaction: so are their files
            Attachment._meta.get_field("file").storage.delete(name)
        raise


def _lock_sender(channel: Channel, sender_id: str) -> None:
    """Serialise messages from one sender (PostgreSQL; SQLite transactions are serial
    already): two first messages arriving together make one customer and one ticket."""
    if connection.vendor != "postgresql":
        return
    digest = hashlib.sha256(f"kefu-chat:{channel.pk}:{sender_id}".encode()).digest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)",
                       [int.from_bytes(digest[:8], "big", signed=True)])


def _payload(message: InboundChat) -> dict:
    return {"message_id": message.message_id,
            "sender": {"id": message.sender_id, "name": message.sender_name,
                       "phone": message.sender_phone, "email": message.sender_email},
            "text": message.text,
            "sent_at": message.sent_at.isoformat() if message.sent_at else None,
            "attachments": [{"filename": a.filename, "content_type": a.content_type,
                             "size": len(a.data), "sha256": a.sha256}
                            for a in message.attachments]}


def _receive(channel: Channel, message: InboundChat, now: datetime,
             saved: list[str]) -> ChatReceipt:
    _lock_sender(channel, message.sender_id)
    try:
        with transaction.atomic():
            cm = ChannelMessage.objects.create(channel=channel, external_id=message.message_id,
                                               sender=message.sender_id,
                                               payload=_payload(message), created_at=now)
    except IntegrityError:
        # The same message id won a race (or arrived while we waited for the lock).
        found = _existing(channel, message.message_id)
        if found is None:
            raise
        return ChatReceipt(found, True)
    customer = _sender_customer(channel, message)
    body = message.text.strip() or "📎 " + ", ".join(a.filename for a in message.attachments)
    ticket = _conversation_ticket(channel, customer, now)
    reply = None
    if ticket is None:
        ticket = ticket_create_from_channel(customer=customer, channel="chat",
                                            subject=_subject(body, customer), description=body,
                                            team=channel.team)
    else:
        reply = ticket_customer_message(ticket=ticket, body=body, channel="chat")
    for attachment in message.attachments:
        _attach(ticket, reply, attachment, saved)
    cm.ticket, cm.message = ticket, reply
    cm.save(update_fields=["ticket", "message"])
    return ChatReceipt(cm, False)


def _sender_customer(channel: Channel, message: InboundChat) -> Customer:
    """The customer behind the sender's adapter id; a new customer the first time."""
    label = identity_label(channel)
    point = (ContactPoint.objects.select_related("customer").order_by("id")
             .filter(label=label, value=message.sender_id).first())
    if point is not None:
        return point.customer
    data = {"name": (message.sender_name.strip() or message.sender_id)[:200]}
    if message.sender_phone:
        data["phone"] = normalise_phone(message.sender_phone)
    if message.sender_email:
        data["email"] = message.sender_email.strip()
    customer = customer_create(actor=None, data=data,
                               branch=channel.team.branch if channel.team_id else None)
    ContactPoint.objects.create(customer=customer, label=label, value=message.sender_id,
                                kind=IDENTITY_KIND.get(channel.kind, DEFAULT_IDENTITY_KIND))
    return customer


def _conversation_ticket(channel: Channel, customer: Customer, now: datetime) -> Ticket | None:
    """The customer's chat ticket on this channel that is still going (not closed, active
    within CONVERSATION_HOURS), newest first."""
    came_here = ChannelMessage.objects.filter(channel=channel, ticket=OuterRef("pk"))
    return (Ticket.objects.filter(customer=customer, channel="chat", merged_into__isnull=True,
                                  updated_at__gte=now - timedelta(hours=CONVERSATION_HOURS))
            .exclude(status=ticket_rules.Status.CLOSED)
            .filter(Exists(came_here)).order_by("-updated_at", "-id").first())


def _subject(body: str, customer: Customer) -> str:
    first = body.strip().splitlines()[0].strip() if body.strip() else ""
    if not first:
        return _("Chat with %(name)s") % {"name": customer.name}
    return first if len(first) <= 80 else first[:79] + "…"


def _attach(ticket: Ticket, message: Message | None, attachment: InboundAttachment,
            saved: list[str]) -> Attachment:
    row = attachment_store_from_channel(ticket=ticket, message=message,
                                        filename=attachment.filename, data=attachment.data,
                                        content_type=attachment.content_type, channel="chat")
    saved.append(row.file.name)
    return row
