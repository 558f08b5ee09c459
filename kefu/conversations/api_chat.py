"""Chat channel endpoints: signed inbound messages from adapters, and the outbound
webhook delivery log."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import Field
from pydantic import ValidationError as PydanticValidationError

from kefu.accounts.access import require_role
from kefu.accounts.models import Role
from kefu.api.schemas import ErrorOut, StrictIn
from kefu.core.errors import ApplicationError, NotFound
from kefu.core.pagination import keyset_page, valid_id

from . import chat, webhooks
from .models import Channel, WebhookDelivery

router = Router(tags=["channels"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut,
          413: ErrorOut, 415: ErrorOut, 422: ErrorOut}

#: base64 of the largest attachment the settings could allow (the request body limit,
#: DATA_UPLOAD_MAX_MEMORY_SIZE, is the real bound).
MAX_BASE64 = 64 * 1024 * 1024


class SenderIn(StrictIn):
    id: str = Field(min_length=1, max_length=200)
    name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=254)


class ChatAttachmentIn(StrictIn):
    filename: str = Field(min_length=1, max_length=255)
    content_type: str | None = Field(default=None, max_length=120)
    base64: str | None = Field(default=None, max_length=MAX_BASE64)
    #: refused in this version (kefu fetches nothing): send ``base64``
    url: str | None = Field(default=None, max_length=2000)


class ChatMessageIn(StrictIn):
    message_id: str = Field(min_length=1, max_length=200)
    sender: SenderIn
    text: str = Field(default="", max_length=chat.MAX_TEXT)
    #: ISO 8601 with a time zone ("2025-03-01T09:30:00+08:00"); kept with the message
    sent_at: str | None = Field(default=None, max_length=40)
    attachments: list[ChatAttachmentIn] = Field(default_factory=list,
                                                max_length=chat.MAX_ATTACHMENTS)


class ChatReceiptOut(Schema):
    id: int
    message_id: str
    ticket_id: int | None
    ticket_message_id: int | None
    customer_id: int | None
    duplicate: bool


class DeliveryOut(Schema):
    id: int
    message_id: int
    ticket_id: int | None
    url: str
    state: str
    attempts: int
    next_attempt_at: datetime | None
    last_status: int | None
    last_error: str
    created_at: datetime
    delivered_at: datetime | None


class DeliveryPage(Schema):
    items: list[DeliveryOut]
    next: str | None


class DeliveryFilters(Schema):
    state: Literal["pending", "delivered", "failed"] | None = None
    cursor: str | None = Field(default=None, max_length=500)
    limit: int = 25


def _parse(body: bytes) -> ChatMessageIn:
    try:
        return ChatMessageIn.model_validate_json(body)
    except PydanticValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False)
        if any(err.get("type") == "json_invalid" for err in errors):
            raise ApplicationError("malformed_request", _("The request body is not valid JSON."))
        raise NinjaValidationError([{**err, "loc": ("body", *err.get("loc", ()))}
                                    for err in errors])


def _sent_at(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise ApplicationError("invalid_input",
                               _("sent_at must be an ISO 8601 time with a time zone."),
                               details={"field": "sent_at"}, status=422)
    return parsed


def _message(payload: ChatMessageIn) -> chat.InboundChat:
    attachments = [chat.decode_attachment(filename=a.filename, content_type=a.content_type or "",
                                          data_base64=a.base64, url=a.url, index=i)
                   for i, a in enumerate(payload.attachments)]
    sender = payload.sender
    return chat.InboundChat(message_id=payload.message_id, sender_id=sender.id,
                            text=payload.text, sender_name=sender.name or "",
                            sender_phone=sender.phone or "", sender_email=sender.email or "",
                            sent_at=_sent_at(payload.sent_at), attachments=attachments)


def _inline_schema(model) -> dict:
    """The model's JSON schema with its nested models written out (the body is read by
    hand, after the signature check, so ninja does not list these schemas itself)."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def resolve(node):
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return resolve(defs[ref.rsplit("/", 1)[-1]])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(value) for value in node]
        return node

    return resolve(schema)


@router.post("/channels/{code}/messages", auth=None,
             response={200: ChatReceiptOut, 201: ChatReceiptOut, **ERRORS},
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/json": {"schema": _inline_schema(ChatMessageIn)}}}})
def receive_message(request, code: str):
    """An adapter's inbound message. Authenticated by its signature, not a token:
    ``X-Kefu-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>" with the
    channel's secret>`` and ``X-Kefu-Timestamp: <Unix seconds>`` (at most 5 minutes off).
    201: recorded; 200: this ``message_id`` was seen before (the same answer, nothing new)."""
    channel = chat.channel_for_inbound(code)
    body = request.body
    chat.verify_signature(channel, signature=request.headers.get(webhooks.SIGNATURE_HEADER),
                          timestamp=request.headers.get(webhooks.TIMESTAMP_HEADER), body=body)
    receipt = chat.chat_receive(channel=channel, message=_message(_parse(body)))
    return Status(200 if receipt.duplicate else 201, receipt.as_dict())


def _channel(code: str) -> Channel:
    channel = Channel.objects.filter(code=code).first() if chat.valid_code(code) else None
    if channel is None:
        raise NotFound(_("Channel"), code)
    return channel


def delivery_out(d: WebhookDelivery) -> dict:
    return {"id": d.pk, "message_id": d.message_id, "ticket_id": (d.payload or {}).get("ticket_id"),
            "url": d.url, "state": d.state, "attempts": d.attempts,
            "next_attempt_at": d.next_attempt_at, "last_status": d.last_status,
            "last_error": d.last_error, "created_at": d.created_at,
            "delivered_at": d.delivered_at}


@router.get("/channels/{code}/deliveries", response={200: DeliveryPage, **ERRORS})
def list_deliveries(request, code: str, filters: Query[DeliveryFilters]):
    """Administrators: the channel's outbound webhook deliveries, newest first."""
    require_role(request.auth, Role.ADMIN)
    channel = _channel(code)
    qs = WebhookDelivery.objects.filter(channel=channel)
    if filters.state:
        qs = qs.filter(state=filters.state)
    rows, nxt = keyset_page(qs, field="id", descending=True, cursor=filters.cursor,
                            limit=filters.limit)
    return {"items": [delivery_out(d) for d in rows], "next": nxt}


@router.post("/channels/{code}/deliveries/{delivery_id}/retry",
             response={200: DeliveryOut, **ERRORS})
def retry_delivery(request, code: str, delivery_id: int):
    """Administrators: send a failed delivery again (409 unless it failed)."""
    require_role(request.auth, Role.ADMIN)
    channel = _channel(code)
    delivery = (WebhookDelivery.objects.filter(pk=delivery_id, channel=channel).first()
                if valid_id(delivery_id) else None)
    if delivery is None:
        raise NotFound(_("Webhook delivery"), delivery_id)
    return delivery_out(webhooks.webhook_retry(delivery=delivery, actor=request.auth))
