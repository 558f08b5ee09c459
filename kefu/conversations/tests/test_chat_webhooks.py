"""Outbound webhooks to a real HTTP receiver on loopback: signed, retried with back-off,
given up after six attempts, never sent twice; the delivery log."""

from __future__ import annotations

import hmac
import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kefu.conversations import webhooks
from kefu.conversations.chat import InboundChat, chat_receive
from kefu.conversations.models import Channel, WebhookDelivery
from kefu.conversations.webhooks import (
    MAX_ATTEMPTS,
    backoff,
    due_delivery_ids,
    queue_chat_reply,
    sign,
    webhook_attempt,
)
from kefu.core.testing.concurrency import at_once
from kefu.tickets.models import Message
from kefu.tickets.services import ticket_reply

SECRET = "outbound-secret-42"


class Receiver:
    """An adapter's webhook endpoint: checks each request's signature with the channel's
    secret and answers the scripted statuses in turn (then 200)."""

    def __init__(self, statuses=(), delay: float = 0.0):
        self.statuses = list(statuses)
        self.delay = delay
        self.requests: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                timestamp = self.headers.get("X-Kefu-Timestamp", "")
                expected = sign(SECRET, timestamp, body)
                valid = (hmac.compare_digest(expected, self.headers.get("X-Kefu-Signature", ""))
                         and abs(time.time() - int(timestamp or 0)) <= 300)
                receiver.requests.append({"valid": valid, "body": json.loads(body),
                                          "delivery": self.headers.get("X-Kefu-Delivery")})
                if receiver.delay:
                    time.sleep(receiver.delay)
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                if not valid:
                    status = 401
                payload = b'{"ok": true}'
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/kefu-hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    with Receiver() as r:
        yield r


@pytest.fixture
def make_chat(company):
    """A chat ticket that came through a channel posting to ``url``; returns the ticket."""

    def make(url, sender="openid-1", code="wechat-oa"):
        channel = Channel.objects.filter(code=code).first() or Channel.objects.create(
            code=code, name="公众号", kind="wechat", secret=SECRET, outbound_url=url,
            team=company.east_team)
        receipt = chat_receive(channel=channel, message=InboundChat(
            message_id=f"in-{sender}", sender_id=sender, sender_name="小李", text="在吗？"))
        return receipt.channel_message.ticket

    return make


def _reply(ticket, agent, body="您好，请讲", **kw) -> tuple[Message, WebhookDelivery | None]:
    message = ticket_reply(ticket=ticket, actor=agent, body=body, **kw)
    return message, queue_chat_reply(message)


def test_a_reply_is_delivered_signed_once(company, receiver, make_chat,
                                          django_capture_on_commit_callbacks):
    ticket = make_chat(receiver.url)
    # when the agent replies publicly (and the caller queues the webhook in its transaction)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message, delivery = _reply(ticket, company.agent_east)
    # then a pending delivery exists, its send queued for after the commit
    assert delivery.state == "pending" and delivery.url == receiver.url
    assert len(callbacks) == 1
    # when the job runs
    row = webhook_attempt(delivery.pk)
    # then the receiver got one signed request with the reply and the sender to answer
    assert row.state == "delivered" and row.attempts == 1 and row.last_status == 200
    assert row.delivered_at is not None and row.next_attempt_at is None
    [request] = receiver.requests
    assert request["valid"] and request["delivery"] == str(delivery.pk)
    body = request["body"]
    assert body["recipient"] == {"id": "openid-1"} and body["text"] == "您好，请讲"
    assert body["message_id"] == message.pk and body["ticket_id"] == ticket.pk
    assert body["in_reply_to"] == "in-openid-1" and body["channel"] == "wechat-oa"
    assert body["author"] == {"name": company.agent_east.name} and body["event"] == "message"
    # and it is never sent again: not by the job, not by the sweep, not by queueing again
    assert webhook_attempt(delivery.pk).attempts == 1
    later = timezone.now() + timedelta(days=1)
    assert delivery.pk not in due_delivery_ids(now=later)
    assert queue_chat_reply(message).pk == delivery.pk
    assert WebhookDelivery.objects.count() == 1 and len(receiver.requests) == 1


def test_a_500_is_retried_after_the_back_off_then_delivered(company, make_chat):
    with Receiver(statuses=[500]) as receiver:
        ticket = make_chat(receiver.url)
        _message, delivery = _reply(ticket, company.agent_east)
        start = timezone.now()
        row = webhook_attempt(delivery.pk, now=start)
        # the first attempt failed: pending, due again after the back-off
        assert (row.state, row.attempts, row.last_status) == ("pending", 1, 500)
        assert "HTTP 500" in row.last_error
        assert row.next_attempt_at == start + backoff(1)
        # not due yet: neither the sweep nor a stray job sends it
        assert delivery.pk not in due_delivery_ids(now=start + timedelta(seconds=30))
        assert webhook_attempt(delivery.pk, now=start + timedelta(seconds=30)).attempts == 1
        # once due, the sweep picks it and the second attempt succeeds
        due = start + backoff(1) + timedelta(seconds=1)
        assert due_delivery_ids(now=due) == [delivery.pk]
        row = webhook_attempt(delivery.pk, now=due)
        assert (row.state, row.attempts, row.last_status, row.last_error) == (
            "delivered", 2, 200, "")
        assert [r["valid"] for r in receiver.requests] == [True, True]


def test_gives_up_after_six_failed_attempts(company, make_chat):
    with Receiver(statuses=[503] * 10) as receiver:
        ticket = make_chat(receiver.url)
        _message, delivery = _reply(ticket, company.agent_east)
        now = timezone.now()
        waits = []
        for attempt in range(1, MAX_ATTEMPTS + 1):
            row = webhook_attempt(delivery.pk, now=now)
            assert row.attempts == attempt
            if row.next_attempt_at:
                waits.append(row.next_attempt_at - now)
                now = row.next_attempt_at
        # then it failed, with the reason, after exponentially growing waits
        assert row.state == "failed" and row.last_status == 503 and row.next_attempt_at is None
        assert waits == [timedelta(minutes=m) for m in (1, 2, 4, 8, 16)]
        assert len(receiver.requests) == MAX_ATTEMPTS
        # and nothing sends it again
        assert webhook_attempt(delivery.pk, now=now + timedelta(days=1)).attempts == MAX_ATTEMPTS
        assert due_delivery_ids(now=now + timedelta(days=1)) == []
        assert len(receiver.requests) == MAX_ATTEMPTS


def test_a_timeout_is_retried(company, make_chat, monkeypatch):
    monkeypatch.setattr(webhooks, "TIMEOUT_SECONDS", 0.3)
    with Receiver(delay=1.0) as receiver:
        ticket = make_chat(receiver.url)
        _message, delivery = _reply(ticket, company.agent_east)
        row = webhook_attempt(delivery.pk)
        assert (row.state, row.attempts, row.last_status) == ("pending", 1, None)
        assert "timed out" in row.last_error.lower() or "timeout" in row.last_error.lower()


def test_a_client_error_fails_at_once_and_an_admin_can_retry_it(company, make_chat, api_as):
    with Receiver(statuses=[400]) as receiver:
        ticket = make_chat(receiver.url)
        _message, delivery = _reply(ticket, company.agent_east)
        row = webhook_attempt(delivery.pk)
        assert (row.state, row.attempts, row.last_status) == ("failed", 1, 400)
        # an administrator sends it again from the API
        admin = api_as(company.admin)
        url = f"/api/v1/channels/wechat-oa/deliveries/{delivery.pk}/retry"
        assert api_as(company.agent_east).post(url).status_code == 403
        response = admin.post(url)
        assert response.status_code == 200, response.content
        assert response.json()["state"] == "pending" and response.json()["attempts"] == 0
        row = webhook_attempt(delivery.pk)
        assert row.state == "delivered"
        # a delivered one cannot be retried
        assert admin.post(url).status_code == 409
        assert len(receiver.requests) == 2


def test_refused_connections_are_retried(company, make_chat):
    with Receiver() as closed:
        url = closed.url
    ticket = make_chat(url)  # nobody listens there any more
    _message, delivery = _reply(ticket, company.agent_east)
    row = webhook_attempt(delivery.pk)
    assert (row.state, row.attempts, row.last_status) == ("pending", 1, None)
    assert row.last_error


def test_only_public_staff_replies_on_chat_tickets_with_a_webhook_are_queued(
        company, receiver, make_chat, make_ticket):
    ticket = make_chat(receiver.url)
    note, delivery = _reply(ticket, company.agent_east, body="内部备注", internal=True)
    assert delivery is None
    # a ticket from another channel
    other = make_ticket(company.agent_east, company.alice)
    assert _reply(other, company.agent_east)[1] is None
    # a channel without an outbound URL
    quiet = make_chat("", sender="openid-2", code="quiet")
    Channel.objects.filter(code="quiet").update(outbound_url="")
    assert _reply(quiet, company.agent_east)[1] is None
    # a customer's message
    customer_message = Message.objects.filter(ticket=ticket, from_customer=True).first()
    assert customer_message is None or queue_chat_reply(customer_message) is None
    assert WebhookDelivery.objects.count() == 0


def test_an_inactive_channel_fails_the_delivery_without_sending(company, receiver, make_chat):
    ticket = make_chat(receiver.url)
    _message, delivery = _reply(ticket, company.agent_east)
    Channel.objects.update(active=False)
    row = webhook_attempt(delivery.pk)
    assert row.state == "failed" and receiver.requests == []


def test_the_sweep_task_sends_due_deliveries(company, receiver, make_chat):
    from huey.contrib.djhuey import HUEY

    from kefu.conversations import tasks_chat

    ticket = make_chat(receiver.url)
    _message, delivery = _reply(ticket, company.agent_east)
    was = HUEY.immediate
    HUEY.immediate = True
    try:
        assert tasks_chat.webhook_sweep.call_local() == 1
    finally:
        HUEY.immediate = was
    delivery.refresh_from_db()
    assert delivery.state == "delivered" and len(receiver.requests) == 1


def test_the_delivery_log_is_for_administrators(company, receiver, make_chat, api_as):
    ticket = make_chat(receiver.url)
    for i in range(3):
        _message, delivery = _reply(ticket, company.agent_east, body=f"回复{i}")
        webhook_attempt(delivery.pk)
    admin = api_as(company.admin)
    response = admin.get("/api/v1/channels/wechat-oa/deliveries", {"limit": 2})
    assert response.status_code == 200, response.content
    page = response.json()
    assert [d["state"] for d in page["items"]] == ["delivered", "delivered"]
    assert page["items"][0]["ticket_id"] == ticket.pk and page["next"]
    rest = admin.get("/api/v1/channels/wechat-oa/deliveries",
                     {"limit": 2, "cursor": page["next"]}).json()
    assert len(rest["items"]) == 1 and rest["next"] is None
    assert admin.get("/api/v1/channels/wechat-oa/deliveries",
                     {"state": "failed"}).json()["items"] == []
    for user in (company.agent_east, company.supervisor_east, company.auditor):
        assert api_as(user).get("/api/v1/channels/wechat-oa/deliveries").status_code == 403
    assert admin.get("/api/v1/channels/nope/deliveries").status_code == 404
    assert admin.get("/api/v1/channels/wechat-oa/deliveries", {"state": "lost"}).status_code == 422
    assert admin.get("/api/v1/channels/wechat-oa/deliveries",
                     {"cursor": "bad"}).status_code == 400


def test_the_delivery_log_query_count_does_not_grow(company, receiver, make_chat, api_as):
    ticket = make_chat(receiver.url)
    admin = api_as(company.admin)

    def count(limit):
        admin.get("/api/v1/channels/wechat-oa/deliveries", {"limit": limit})
        with CaptureQueriesContext(connection) as ctx:
            response = admin.get("/api/v1/channels/wechat-oa/deliveries", {"limit": limit})
        assert len(response.json()["items"]) == limit
        return len(ctx.captured_queries)

    for i in range(10):
        _reply(ticket, company.agent_east, body=f"回复{i}")
    assert count(2) == count(10) <= 4


@pytest.mark.django_db(transaction=True)
def test_two_workers_on_one_delivery_send_it_once(company):
    with Receiver(delay=0.5) as receiver:
        channel = Channel.objects.create(code="site", name="网站", kind="web_chat",
                                         secret=SECRET, outbound_url=receiver.url)
        ticket = chat_receive(channel=channel, message=InboundChat(
            message_id="in-1", sender_id="visitor-3", text="你好")).channel_message.ticket
        message = ticket_reply(ticket=ticket, actor=company.agent_hq, body="您好")
        delivery = queue_chat_reply(message)
        results = at_once(lambda: webhook_attempt(delivery.pk),
                           lambda: webhook_attempt(delivery.pk))
        assert not any(isinstance(r, Exception) for r in results), results
        delivery.refresh_from_db()
        assert delivery.state == "delivered" and delivery.attempts == 1
        assert len(receiver.requests) == 1
        assert WebhookDelivery.objects.count() == 1


def test_retrying_an_unknown_delivery_is_404(company, api_as):
    Channel.objects.create(code="site", name="网站", kind="web_chat", secret=SECRET)
    admin = api_as(company.admin)
    for delivery_id in (999999, 10**20):
        response = admin.post(f"/api/v1/channels/site/deliveries/{delivery_id}/retry")
        assert response.status_code in (404, 422), response.content
    assert admin.post("/api/v1/channels/nope/deliveries/1/retry").status_code == 404
