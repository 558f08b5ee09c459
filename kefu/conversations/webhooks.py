"""Outbound webhooks: a staff member's public reply on a chat ticket goes back to the
adapter that brought the conversation in.

``queue_chat_reply`` writes a ``WebhookDelivery`` in the reply's transaction (one per
channel and message: the unique constraint makes a second one impossible) and queues the
send for after the commit. ``webhook_attempt`` sends it once: the attempt is claimed first
(a conditional UPDATE, so two workers never send the same attempt), then POSTed, signed like
inbound messages. 2xx: delivered, never sent again. 5xx, 408/425/429, timeouts and network
errors: tried again after 1, 2, 4, 8 and 16 minutes (``next_attempt_at``; a sweep every
minute picks due ones), failed after the sixth attempt. Any other answer (4xx, a redirect)
will not get better by itself: failed at once, with the reason in ``last_error``.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.access import require_role
from kefu.accounts.models import Role, User
from kefu.core.errors import Conflict

from .models import ChannelMessage, WebhookDelivery

log = logging.getLogger("kefu.webhooks")

SIGNATURE_HEADER = "X-Kefu-Signature"
TIMESTAMP_HEADER = "X-Kefu-Timestamp"

MAX_ATTEMPTS = 6
FIRST_RETRY_SECONDS = 60
TIMEOUT_SECONDS = 10.0
#: Client errors that may pass by themselves; every other 4xx fails the delivery at once.
RETRY_STATUSES = {408, 425, 429}
MAX_ERROR = 1000
USER_AGENT = "kefu-webhooks/1"
State = WebhookDelivery.State


def sign(secret: str, timestamp: str | int, body: bytes) -> str:
    """The ``X-Kefu-Signature`` value for ``body`` sent at ``timestamp``: HMAC-SHA256 of
    ``f"{timestamp}.{body}"`` with the channel's secret (inbound and outbound alike)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def backoff(attempt: int) -> timedelta:
    """How long after failed attempt number ``attempt`` (1-based) the next one is due."""
    return timedelta(seconds=FIRST_RETRY_SECONDS * 2 ** (max(attempt, 1) - 1))


def reply_payload(message, last: ChannelMessage) -> dict:
    author = message.author
    return {
        "event": "message",
        "channel": last.channel.code,
        "message_id": message.pk,
        "ticket_id": message.ticket_id,
        "recipient": {"id": last.sender},
        "in_reply_to": last.external_id,
        "text": message.body,
        "author": {"name": author.name} if author is not None else None,
        "sent_at": (message.created_at or timezone.now()).isoformat(),
    }


def queue_chat_reply(message) -> WebhookDelivery | None:
    """Call after a public staff reply (inside its transaction): when the ticket is a chat
    that came through a channel with an outbound webhook, write its delivery (at most one
    per message) and queue the send for after the commit. Anything else: None."""
    if message.visibility != "public" or message.from_customer:
        return None
    ticket = message.ticket
    if ticket.channel != "chat":
        return None
    last = (ChannelMessage.objects.select_related("channel").filter(ticket_id=ticket.pk)
            .order_by("-created_at", "-id").first())
    if last is None or not last.channel.active or not last.channel.outbound_url:
        return None
    now = timezone.now()
    try:
        with transaction.atomic():
            delivery = WebhookDelivery.objects.create(
                channel=last.channel, message=message, url=last.channel.outbound_url,
                payload=reply_payload(message, last), state=State.PENDING, created_at=now,
                next_attempt_at=now)
    except IntegrityError:
        return WebhookDelivery.objects.filter(channel=last.channel, message=message).first()
    _enqueue_on_commit(delivery.pk)
    return delivery


def _enqueue_on_commit(delivery_id: int) -> None:
    def enqueue():
        from .tasks_chat import webhook_deliver_task

        webhook_deliver_task(delivery_id)

    # robust: a queue that cannot take the job must not fail the reply; the sweep sends it.
    transaction.on_commit(enqueue, robust=True)


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    retry: bool
    status: int | None = None
    error: str = ""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A webhook is POSTed to the configured URL only; a redirect is an answer, not a hop."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def encode(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def post_signed(url: str, secret: str, payload: dict, *, delivery_id: int | None = None,
                timeout: float | None = None) -> Outcome:
    """POST ``payload`` as JSON signed with ``secret``; what came of it."""
    if urlsplit(url).scheme not in ("http", "https"):
        return Outcome(False, False, None, _("Only http and https webhook URLs are allowed."))
    body = encode(payload)
    timestamp = str(int(time.time()))
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT,
               SIGNATURE_HEADER: sign(secret, timestamp, body), TIMESTAMP_HEADER: timestamp}
    if delivery_id is not None:
        headers["X-Kefu-Delivery"] = str(delivery_id)
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with _OPENER.open(request, timeout=timeout or TIMEOUT_SECONDS) as response:
            status = response.status
            response.read(4096)
    except urllib.error.HTTPError as exc:
        status = exc.code
        try:
            detail = exc.read(500).decode("utf-8", "replace")
        except OSError:
            detail = ""
        finally:
            exc.close()
        retry = status >= 500 or status in RETRY_STATUSES
        return Outcome(False, retry, status, f"HTTP {status} {detail}".strip())
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        return Outcome(False, True, None, f"{type(exc).__name__}: {reason}")
    if 200 <= status < 300:
        return Outcome(True, False, status)
    return Outcome(False, status >= 500, status, f"HTTP {status}")


def webhook_attempt(delivery_id: int, *, now: datetime | None = None) -> WebhookDelivery | None:
    """Send a pending delivery once, if it is due. A delivered or failed one is left alone."""
    now = now or timezone.now()
    row = WebhookDelivery.objects.select_related("channel").filter(pk=delivery_id).first()
    if row is None or row.state != State.PENDING:
        return row
    if row.next_attempt_at is not None and row.next_attempt_at > now:
        return row
    attempt = row.attempts + 1
    # Claim the attempt (committed before the request goes out): a second worker's claim
    # finds ``attempts`` changed and sends nothing. If this worker dies mid-send, the sweep
    # tries again once the back-off has passed.
    claimed = (WebhookDelivery.objects
               .filter(pk=row.pk, state=State.PENDING, attempts=row.attempts)
               .update(attempts=attempt, next_attempt_at=now + backoff(attempt)))
    if not claimed:
        return row
    if not row.channel.active:
        outcome = Outcome(False, False, None, _("The channel is inactive."))
    elif not row.channel.secret:  # stored encrypted and unreadable with today's keys
        outcome = Outcome(False, True, None, _("The channel's signing secret cannot be read; "
                                               "an administrator must enter it again."))
    else:
        outcome = post_signed(row.url, row.channel.secret, row.payload, delivery_id=row.pk)
    fields: dict = {"last_status": outcome.status, "last_error": outcome.error[:MAX_ERROR]}
    if outcome.delivered:
        fields.update(state=State.DELIVERED, delivered_at=timezone.now(), next_attempt_at=None)
    elif not outcome.retry or attempt >= MAX_ATTEMPTS:
        fields.update(state=State.FAILED, next_attempt_at=None)
    (WebhookDelivery.objects.filter(pk=row.pk, state=State.PENDING, attempts=attempt)
     .update(**fields))
    level = logging.INFO if outcome.delivered else logging.WARNING
    log.log(level, "webhook delivery %s attempt %s: %s", row.pk, attempt,
            "delivered" if outcome.delivered else outcome.error)
    row.refresh_from_db()
    return row


def due_delivery_ids(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Pending deliveries whose next attempt is due, oldest first."""
    now = now or timezone.now()
    return list(WebhookDelivery.objects.filter(state=State.PENDING, next_attempt_at__lte=now)
                .order_by("next_attempt_at", "id").values_list("pk", flat=True)[:limit])


@transaction.atomic
def webhook_retry(*, delivery: WebhookDelivery, actor: User) -> WebhookDelivery:
    """Administrators: send a failed delivery again (six more attempts). A delivered one is
    never sent twice."""
    require_role(actor, Role.ADMIN)
    now = timezone.now()
    updated = (WebhookDelivery.objects.filter(pk=delivery.pk, state=State.FAILED)
               .update(state=State.PENDING, attempts=0, next_attempt_at=now))
    if not updated:
        raise Conflict("delivery_not_failed", _("Only a failed delivery can be retried."))
    _enqueue_on_commit(delivery.pk)
    delivery.refresh_from_db()
    return delivery
