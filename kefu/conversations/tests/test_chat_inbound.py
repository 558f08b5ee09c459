"""POST /api/v1/channels/{code}/messages: signed, idempotent inbound chat messages."""

from __future__ import annotations

import base64
import json
import time
from datetime import timedelta

import pytest
from django.test import Client

from kefu.conversations import chat
from kefu.conversations.models import Channel, ChannelMessage
from kefu.conversations.webhooks import sign
from kefu.core.testing.concurrency import at_once
from kefu.customers.models import ContactPoint, Customer
from kefu.tickets.models import Attachment, Message, Ticket
from kefu.tickets.services import ticket_reply, ticket_transition

SECRET = "wechat-secret-0123456789"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture
def channel(company):
    return Channel.objects.create(code="wechat-oa", name="公众号", kind="wechat", secret=SECRET,
                                  team=company.east_team)


def send(payload, *, code="wechat-oa", secret=SECRET, timestamp=None, signature=None,
         headers=True):
    body = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
    timestamp = str(int(time.time())) if timestamp is None else timestamp
    extra = {}
    if headers:
        extra = {"HTTP_X_KEFU_TIMESTAMP": timestamp,
                 "HTTP_X_KEFU_SIGNATURE": signature or sign(secret, timestamp, body)}
    return Client().post(f"/api/v1/channels/{code}/messages", data=body,
                         content_type="application/json", **extra)


def message(message_id="m-1", sender="openid-alpha", text="你好，我的订单还没到", **extra):
    return {"message_id": message_id, "sender": {"id": sender, "name": "小王"}, "text": text,
            **extra}


def counts():
    return (Ticket.objects.count(), Message.objects.count(), ChannelMessage.objects.count(),
            Customer.objects.count(), Attachment.objects.count())


def test_a_signed_message_opens_a_ticket_for_a_new_customer(company, channel):
    # when the adapter posts a first message from a WeChat user
    response = send(message(sent_at="2025-03-01T09:30:00+08:00"))
    # then a ticket is opened in the channel's team queue for a new customer
    assert response.status_code == 201, response.content
    body = response.json()
    ticket = Ticket.objects.get(pk=body["ticket_id"])
    assert (ticket.channel, ticket.team, ticket.status, ticket.owner) == (
        "chat", company.east_team, "new", None)
    assert ticket.subject == "你好，我的订单还没到" and ticket.description == "你好，我的订单还没到"
    customer = ticket.customer
    assert body["customer_id"] == customer.pk and customer.name == "小王"
    assert customer.branch == company.east
    # and the sender's WeChat id is a contact point of the customer, labelled with the channel
    point = ContactPoint.objects.get(customer=customer)
    assert (point.kind, point.value, point.label) == ("wechat", "openid-alpha", "chat:wechat-oa")
    row = ChannelMessage.objects.get()
    assert body == {"id": row.pk, "message_id": "m-1", "ticket_id": ticket.pk,
                    "ticket_message_id": None, "customer_id": customer.pk, "duplicate": False}
    assert row.payload["sent_at"] == "2025-03-01T09:30:00+08:00"


def test_the_same_message_again_answers_the_same_and_writes_nothing(company, channel):
    first = send(message()).json()
    before = counts()
    # when the adapter retries the same message id (even re-signed later)
    again = send(message())
    # then the answer is the same, flagged as a duplicate, and nothing new exists
    assert again.status_code == 200
    assert again.json() == {**first, "duplicate": True}
    assert counts() == before


def test_the_next_message_continues_the_same_ticket(company, channel):
    first = send(message()).json()
    second = send(message("m-2", text="能帮我查一下吗？"))
    assert second.status_code == 201
    body = second.json()
    assert body["ticket_id"] == first["ticket_id"] and body["customer_id"] == first["customer_id"]
    reply = Message.objects.get(pk=body["ticket_message_id"])
    assert reply.from_customer and reply.channel == "chat" and reply.body == "能帮我查一下吗？"
    assert reply.author is None and reply.visibility == "public"
    assert Customer.objects.filter(contacts__label="chat:wechat-oa").count() == 1


def test_a_waiting_ticket_reopens_and_a_closed_or_stale_one_starts_anew(company, channel):
    first = send(message()).json()
    ticket = Ticket.objects.get(pk=first["ticket_id"])
    ticket_reply(ticket=ticket, actor=company.agent_east, body="请提供订单号")
    ticket_transition(ticket=ticket, actor=company.agent_east, status="pending_customer")
    # when the customer answers: the ticket is open again
    assert send(message("m-2", text="订单号 123")).json()["ticket_id"] == ticket.pk
    ticket.refresh_from_db()
    assert ticket.status == "open"
    # once it is closed, a new message opens a new ticket
    ticket_transition(ticket=ticket, actor=company.agent_east, status="resolved")
    ticket_transition(ticket=ticket, actor=company.agent_east, status="closed")
    third = send(message("m-3", text="又有问题")).json()
    assert third["ticket_id"] != ticket.pk and third["customer_id"] == first["customer_id"]
    # and after a day of silence, another new one
    Ticket.objects.filter(pk=third["ticket_id"]).update(
        updated_at=Ticket.objects.get(pk=third["ticket_id"]).updated_at - timedelta(hours=25))
    fourth = send(message("m-4", text="还在吗")).json()
    assert fourth["ticket_id"] not in (ticket.pk, third["ticket_id"])


def test_two_senders_never_share_a_customer_or_a_ticket(company, channel):
    a1 = send(message("a-1", sender="openid-a")).json()
    b1 = send(message("b-1", sender="openid-b")).json()
    a2 = send(message("a-2", sender="openid-a")).json()
    b2 = send(message("b-2", sender="openid-b")).json()
    assert a1["customer_id"] != b1["customer_id"] and a1["ticket_id"] != b1["ticket_id"]
    assert (a2["ticket_id"], b2["ticket_id"]) == (a1["ticket_id"], b1["ticket_id"])
    # the same id on another channel is another person (ids are per adapter)
    Channel.objects.create(code="site", name="网站", kind="web_chat", secret="other-secret")
    c1 = send(message("a-1", sender="openid-a"), code="site", secret="other-secret").json()
    assert c1["customer_id"] not in (a1["customer_id"], b1["customer_id"])
    assert ContactPoint.objects.get(label="chat:site").kind == "chat"


def test_a_reported_phone_is_kept_but_never_joins_an_existing_customer(company, channel):
    company.alice.phone = "13812345678"
    company.alice.save()
    Channel.objects.create(code="wa", name="WhatsApp", kind="whatsapp", secret="wa-secret")
    body = send({"message_id": "w1", "sender": {"id": "8613812345678", "name": "Alice?",
                                                  "phone": "+86 138 1234 5678",
                                                  "email": "someone@example.com"},
                 "text": "hi"}, code="wa", secret="wa-secret").json()
    customer = Customer.objects.get(pk=body["customer_id"])
    assert customer.pk != company.alice.pk
    assert (customer.phone, customer.email) == ("13812345678", "someone@example.com")
    assert ContactPoint.objects.get(customer=customer).kind == "phone"


@pytest.mark.parametrize("tamper", [
    "missing", "no_timestamp", "wrong_secret", "other_body", "stale", "future", "not_a_number",
    "bare_hex", "garbage",
])
def test_bad_or_missing_signatures_are_401_and_nothing_is_written(company, channel, tamper):
    payload = message()
    body = json.dumps(payload).encode()
    now = str(int(time.time()))
    kwargs = {}
    if tamper == "missing":
        kwargs["headers"] = False
    elif tamper == "no_timestamp":
        kwargs["timestamp"] = ""
    elif tamper == "wrong_secret":
        kwargs["secret"] = "not-the-secret"
    elif tamper == "other_body":
        kwargs["signature"] = sign(SECRET, now, body.replace(b"m-1", b"m-9"))
        kwargs["timestamp"] = now
    elif tamper == "stale":
        kwargs["timestamp"] = str(int(time.time()) - chat.MAX_SKEW_SECONDS - 5)
    elif tamper == "future":
        kwargs["timestamp"] = str(int(time.time()) + chat.MAX_SKEW_SECONDS + 5)
    elif tamper == "not_a_number":
        kwargs["timestamp"] = "yesterday"
    elif tamper == "bare_hex":
        kwargs["signature"] = sign(SECRET, now, body).removeprefix("sha256=")
        kwargs["timestamp"] = now
    elif tamper == "garbage":
        kwargs["signature"] = "sha256=" + "zz" * 40
        kwargs["timestamp"] = now
    response = send(body, **kwargs)
    assert response.status_code == 401, response.content
    assert set(response.json()) == {"code", "message", "details"}
    assert counts() == (0, 0, 0, 2, 0)


def test_the_signature_covers_the_timestamp(company, channel):
    # a signature captured with one timestamp does not work with another
    body = json.dumps(message()).encode()
    old = str(int(time.time()) - 10)
    response = send(body, timestamp=str(int(time.time())), signature=sign(SECRET, old, body))
    assert response.status_code == 401
    assert response.json()["code"] == "signature_invalid"


def test_unknown_or_inactive_channels_are_404(company, channel):
    assert send(message(), code="nope").status_code == 404
    assert send(message(), code="x" * 100).status_code == 404
    assert send(message(), code="bad%00code").status_code == 404
    Channel.objects.filter(pk=channel.pk).update(active=False)
    response = send(message())
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert counts() == (0, 0, 0, 2, 0)


@pytest.mark.parametrize("body, status, field", [
    (b"{not json", 400, None),
    (b"\xff\xfe", 400, None),
    (b"[]", 422, None),
    ({"message_id": 1, "sender": {"id": "a"}, "text": "x"}, 422, "message_id"),
    ({"message_id": "m", "sender": "openid", "text": "x"}, 422, "sender"),
    ({"message_id": "m", "sender": {"id": 5}, "text": "x"}, 422, "sender.id"),
    ({"message_id": "m", "sender": {"id": "a"}, "text": 5}, 422, "text"),
    ({"message_id": "m", "sender": {"id": "a"}, "text": "x", "sent_at": "yesterday"}, 422,
     "sent_at"),
    ({"message_id": "m", "sender": {"id": "a"}, "text": "x", "sent_at": "2025-01-01T10:00:00"},
     422, "sent_at"),  # no time zone
    ({"message_id": "m", "sender": {"id": "a"}, "text": "x", "priority": "high"}, 422,
     "priority"),
    ({"message_id": "m", "sender": {"id": "a"}}, 422, "text"),  # nothing to say
    ({"message_id": "m", "sender": {"id": "a"}, "text": "   "}, 422, "text"),
    ({"message_id": "", "sender": {"id": "a"}, "text": "x"}, 422, "message_id"),
    ({"message_id": "m" * 201, "sender": {"id": "a"}, "text": "x"}, 422, "message_id"),
    ({"message_id": "m", "sender": {"id": "a" * 201}, "text": "x"}, 422, "sender.id"),
    ({"message_id": "m", "sender": {"id": "a"}, "text": "x" * (chat.MAX_TEXT + 1)}, 422, "text"),
    ({"message_id": "m", "sender": {"id": "a"}, "text": "a\x00b"}, 422, "text"),
    ({"message_id": "m", "sender": {"id": "a", "phone": "call me"}, "text": "x"}, 422,
     "sender.phone"),
    ({"message_id": "m", "sender": {"id": "a", "email": "not-an-address"}, "text": "x"}, 400,
     "email"),
    ({"message_id": "m", "sender": {"id": "a"}, "text": "x", "attachments": {}}, 422,
     "attachments"),
    ({"message_id": "m", "sender": {"id": "a"}, "text": "x",
      "attachments": [{"filename": "a.png", "base64": "AAAA"}] * (chat.MAX_ATTACHMENTS + 1)},
     422, "attachments"),
])
def test_malformed_input_is_a_4xx_and_nothing_is_written(company, channel, body, status, field):
    response = send(body)
    assert response.status_code == status, response.content
    error = response.json()
    assert set(error) == {"code", "message", "details"}
    if field and status == 422:
        fields = ([d["field"] for d in error["details"]] if isinstance(error["details"], list)
                  else [error["details"].get("field")])
        assert any(f == field or f.startswith(field + ".") for f in fields), fields
    assert counts() == (0, 0, 0, 2, 0)


def test_an_oversized_body_is_413(company, channel, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    response = send(message(text="长" * 1500))
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    assert counts() == (0, 0, 0, 2, 0)


def test_base64_attachments_are_stored_with_the_message(company, channel):
    first = send(message(attachments=[{"filename": "photo.png", "content_type": "image/png",
                                       "base64": base64.b64encode(PNG).decode()}])).json()
    ticket = Ticket.objects.get(pk=first["ticket_id"])
    attachment = ticket.attachments.get()
    assert (attachment.filename, attachment.content_type, attachment.size) == (
        "photo.png", "image/png", len(PNG))
    assert attachment.message is None and attachment.file.read() == PNG
    # the stored payload keeps the file's size and hash, not its bytes
    stored = ChannelMessage.objects.get().payload["attachments"][0]
    assert "base64" not in stored and stored["size"] == len(PNG)
    # a photo without words continues the ticket as a message of its own
    second = send({"message_id": "m-2", "sender": {"id": "openid-alpha"},
                   "attachments": [{"filename": "dir/../收据.png",
                                    "base64": base64.b64encode(PNG).decode()}]}).json()
    reply = Message.objects.get(pk=second["ticket_message_id"])
    assert reply.body == "📎 收据.png"
    assert reply.attachments.get().filename == "收据.png"
    assert ticket.events.filter(kind="attachment").count() == 2


@pytest.mark.parametrize("attachment, status, code", [
    ({"filename": "a.png", "url": "http://127.0.0.1/a.png"}, 422, "attachment_url_not_supported"),
    ({"filename": "a.png"}, 422, "attachment_missing"),
    ({"filename": "a.png", "base64": "not base64!"}, 422, "attachment_base64"),
    ({"filename": "a.png", "base64": ""}, 422, "attachment_empty"),
    ({"filename": "a.exe", "base64": base64.b64encode(b"MZ\x90\x00" + bytes(300)).decode()},
     415, "attachment_type"),
    ({"filename": "a.png", "base64": base64.b64encode(PNG).decode(), "content_type": 5}, 422,
     "invalid_input"),
])
def test_bad_attachments_are_refused_and_nothing_is_written(company, channel, attachment,
                                                            status, code):
    response = send(message(attachments=[attachment]))
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert counts() == (0, 0, 0, 2, 0)


def test_a_too_large_attachment_is_413(company, channel, settings):
    settings.MAX_ATTACHMENT_BYTES = 50
    response = send(message(attachments=[{"filename": "a.png",
                                          "base64": base64.b64encode(PNG).decode()}]))
    assert response.status_code == 413 and response.json()["code"] == "attachment_too_large"
    assert counts() == (0, 0, 0, 2, 0)


def test_a_duplicate_that_loses_the_race_answers_the_winner(company, channel, monkeypatch):
    # given a first message recorded
    first = send(message()).json()
    before = counts()
    # when a copy gets past the quick check (as if both arrived at once): the insert hits
    # the unique constraint and the copy answers with the winner's row
    monkeypatch.setattr(chat, "_existing", _only_after_first_call(chat._existing))
    again = send(message())
    assert again.status_code == 200 and again.json() == {**first, "duplicate": True}
    assert counts() == before


def _only_after_first_call(real):
    calls = []

    def existing(channel, message_id):
        calls.append(message_id)
        return None if len(calls) == 1 else real(channel, message_id)

    return existing


def test_the_endpoint_is_documented_without_a_token(company):
    from kefu.api.app import api

    operation = api.get_openapi_schema()["paths"]["/api/v1/channels/{code}/messages"]["post"]
    assert not operation.get("security")
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert "$defs" not in json.dumps(schema) and schema["properties"]["sender"]["properties"]["id"]


def _post_site(payload):
    body = json.dumps(payload).encode()
    timestamp = str(int(time.time()))
    response = Client().post("/api/v1/channels/site/messages", data=body,
                             content_type="application/json",
                             HTTP_X_KEFU_TIMESTAMP=timestamp,
                             HTTP_X_KEFU_SIGNATURE=sign(SECRET, timestamp, body))
    return response.status_code, response.json()


@pytest.mark.django_db(transaction=True)
def test_the_same_message_twice_at_once_makes_one_ticket(company):
    Channel.objects.create(code="site", name="网站", kind="web_chat", secret=SECRET)
    payload = {"message_id": "same", "sender": {"id": "visitor-1"}, "text": "有人吗"}
    results = at_once(lambda: _post_site(payload), lambda: _post_site(payload))
    statuses = sorted(status for status, _body in results)
    assert statuses == [200, 201], results
    assert results[0][1]["ticket_id"] == results[1][1]["ticket_id"]
    assert ChannelMessage.objects.count() == 1 and Ticket.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_first_messages_from_a_new_sender_make_one_customer(company):
    Channel.objects.create(code="site", name="网站", kind="web_chat", secret=SECRET)
    results = at_once(
        lambda: _post_site({"message_id": "m-1", "sender": {"id": "visitor-2"}, "text": "你好"}),
        lambda: _post_site({"message_id": "m-2", "sender": {"id": "visitor-2"}, "text": "在吗"}))
    assert sorted(status for status, _body in results) == [201, 201], results
    assert results[0][1]["customer_id"] == results[1][1]["customer_id"]
    assert results[0][1]["ticket_id"] == results[1][1]["ticket_id"]
    assert ContactPoint.objects.filter(label="chat:site").count() == 1
    assert Ticket.objects.count() == 1


def _documented_example() -> dict:
    """The Python block of docs/channels.md, run as an adapter would run it."""
    import re
    from pathlib import Path

    import kefu

    doc = (Path(kefu.__file__).resolve().parent.parent / "docs" / "channels.md").read_text()
    code = next(block for block in re.findall(r"```python\n(.*?)```", doc, re.S)
                if "def post_to_kefu" in block)
    namespace: dict = {}
    exec(compile(code, "docs/channels.md", "exec"), namespace)  # noqa: S102 — our own docs
    return namespace


@pytest.mark.django_db(transaction=True)
def test_the_documented_adapter_example_works(company, live_server):
    # given the channel, and the adapter code exactly as docs/channels.md shows it
    Channel.objects.create(code="site", name="网站", kind="web_chat", secret=SECRET)
    example = _documented_example()
    # then its signature is kefu's
    assert example["kefu_signature"](SECRET, "123", b"{}") == sign(SECRET, "123", b"{}")
    # and posting a message through it opens a ticket, twice the same message one ticket
    payload = {"message_id": "doc-1", "sender": {"id": "visitor-9", "name": "访客"},
               "text": "文档里的例子"}
    first = example["post_to_kefu"](live_server.url, "site", SECRET, payload)
    again = example["post_to_kefu"](live_server.url, "site", SECRET, payload)
    assert first["ticket_id"] and again == {**first, "duplicate": True}
    # and its webhook check accepts what kefu sends, and refuses anything else
    body = b'{"event":"message"}'
    timestamp = str(int(time.time()))
    headers = {"X-Kefu-Timestamp": timestamp, "X-Kefu-Signature": sign(SECRET, timestamp, body)}
    verify = example["verify_kefu_request"]
    assert verify(SECRET, headers, body)
    assert not verify(SECRET, headers, body + b" ")
    assert not verify("other", headers, body)
    assert not verify(SECRET, {**headers, "X-Kefu-Timestamp": str(int(time.time()) - 600)}, body)
