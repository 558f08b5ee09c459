"""Idempotency-Key on POST /tickets: a retried create returns the first ticket.

The same key from the same user with the same body answers the first ticket (200 instead
of 201) and creates nothing; the same key with a different body is a client error (409);
keys belong to the user who sent them. Two racing requests with one key make one ticket.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from kefu.customers.models import Customer
from kefu.tickets.models import IdempotencyKey, Ticket, TicketEvent


def _create(api, body, key):
    return api.post("/api/v1/tickets", body, headers={"HTTP_IDEMPOTENCY_KEY": key})


def _body(company, **extra):
    return {"subject": "快递没到 parcel missing", "customer_id": company.alice.pk,
            "description": "订单 1234", "priority": "high", "tags": ["配送", "催单"], **extra}


def test_same_key_twice_returns_the_first_ticket(company, api_as):
    # given an agent whose network dropped the answer to a create
    api = api_as(company.agent_east)
    body = _body(company)
    first = _create(api, body, "retry-0001")
    assert first.status_code == 201, first.content
    # when the client retries with the same key and body
    again = _create(api, body, "retry-0001")
    # then it gets the first ticket back, as 200, and nothing new was made
    assert again.status_code == 200, again.content
    assert again.json()["id"] == first.json()["id"]
    for field in ("subject", "description", "priority", "status", "customer", "owner", "tags"):
        assert again.json()[field] == first.json()[field], field
    assert Ticket.objects.count() == 1
    assert TicketEvent.objects.filter(kind="created").count() == 1
    assert IdempotencyKey.objects.count() == 1


def test_many_retries_still_make_one_ticket(company, api_as):
    # given a client that retries five times
    api = api_as(company.agent_east)
    statuses = [_create(api, _body(company), "retry-many").status_code for _ in range(5)]
    # then the first made the ticket and the others found it
    assert statuses == [201, 200, 200, 200, 200]
    assert Ticket.objects.count() == 1
    assert TicketEvent.objects.filter(kind="created").count() == 1


def test_same_key_with_a_different_body_is_409(company, api_as):
    # given a ticket created with a key
    api = api_as(company.agent_east)
    first = _create(api, _body(company), "reused-key")
    assert first.status_code == 201
    events = TicketEvent.objects.count()
    carol = Customer.objects.create(name="卡罗尔", tier=company.regular, branch=company.east)
    for changed in (_body(company, subject="另一件事 something else"),
                    _body(company, customer_id=carol.pk),
                    _body(company, tags=["配送"])):
        # when the same key comes with a different request
        response = _create(api, changed, "reused-key")
        # then it is refused as a reused key, and nothing was created
        assert response.status_code == 409, response.content
        body = response.json()
        assert set(body) == {"code", "message", "details"}
        assert body["code"] == "idempotency_key_reused"
    assert Ticket.objects.count() == 1
    assert TicketEvent.objects.count() == events


def test_keys_belong_to_the_user_who_sent_them(company, api_as):
    # given two agents who happen to send the same key
    east, hq = api_as(company.agent_east), api_as(company.agent_hq)
    # when both create a ticket with it
    mine = _create(east, _body(company), "shared-key")
    theirs = _create(hq, _body(company), "shared-key")
    # then each gets their own new ticket
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["id"] != theirs.json()["id"]
    assert mine.json()["owner"]["id"] == company.agent_east.pk
    assert theirs.json()["owner"]["id"] == company.agent_hq.pk
    assert Ticket.objects.count() == 2
    # and each one's retry finds their own
    assert _create(hq, _body(company), "shared-key").json()["id"] == theirs.json()["id"]


def test_a_customer_retry_returns_their_ticket(company, api_as):
    # given Alice on a flaky mobile connection
    api = api_as(company.customer_user)
    body = {"subject": "退款 refund", "customer_id": company.alice.pk}
    first = _create(api, body, "portal-7f3a")
    again = _create(api, body, "portal-7f3a")
    # then she gets her one ticket back
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert Ticket.objects.count() == 1


def test_without_a_key_every_post_creates(company, api_as):
    # given no Idempotency-Key, each POST is a new ticket (that is what the key is for)
    api = api_as(company.agent_east)
    ids = {api.post("/api/v1/tickets", _body(company)).json()["id"] for _ in range(2)}
    assert len(ids) == 2


def test_refused_create_does_not_burn_the_key(company, api_as):
    # given a create refused for a bad body (unknown customer)
    api = api_as(company.agent_east)
    refused = _create(api, _body(company, customer_id=999_999), "first-try")
    assert refused.status_code == 404
    # when the client fixes the body and sends the same key
    fixed = _create(api, _body(company), "first-try")
    # then the ticket is created: the refusal did not keep the key
    assert fixed.status_code == 201, fixed.content
    assert Ticket.objects.count() == 1


def test_concurrent_creates_with_one_key_make_one_ticket(company, api_as, transactional_db):
    # given PostgreSQL (SQLite serialises writers, so there is no race to test)
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers")
    # and two clients of the same agent, released at the same moment
    clients = [api_as(company.agent_east), api_as(company.agent_east)]
    for n in range(8):
        key = f"race-{n}"
        barrier = threading.Barrier(len(clients))
        results: list = [None] * len(clients)

        def send(i, api, key=key, barrier=barrier, results=results):
            try:
                barrier.wait(timeout=10)
                response = _create(api, _body(company), key)
                results[i] = (response.status_code, response.json())
            except Exception as exc:  # reported below, not lost in the thread
                results[i] = ("exception", repr(exc))
            finally:
                connection.close()

        threads = [threading.Thread(target=send, args=(i, api)) for i, api in enumerate(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        # when both send the same create with the same key
        # then one made the ticket (201) and the other got it back (200)
        assert sorted(r[0] for r in results) == [200, 201], results
        assert results[0][1]["id"] == results[1][1]["id"]
        # and there is exactly one more ticket, 'created' event and key
        assert Ticket.objects.count() == n + 1
        assert TicketEvent.objects.filter(kind="created").count() == n + 1
        assert IdempotencyKey.objects.filter(key=key).count() == 1


def test_create_and_its_replay_answer_the_tags_that_were_stored(company, api_as):
    # given a create whose tags need cleaning: spaces, a repeat, an empty one, mixed case
    api = api_as(company.agent_east)
    body = _body(company, tags=[" 配送 ", "配送", "", "b", "A", "Z"])
    # when it is created, retried, and read back
    first = _create(api, body, "tags-1")
    again = _create(api, body, "tags-1")
    stored = api.get(f"/api/v1/tickets/{first.json()['id']}").json()["tags"]
    # then all three answers agree with what was stored, cleaned: no spaces, no repeats
    assert sorted(stored) == ["A", "Z", "b", "配送"]
    assert first.json()["tags"] == stored
    assert again.json()["tags"] == stored
