"""Bad input through the API: each case answers its documented 4xx with the one error
shape and a stable ``code``, and changes nothing in the database. Never a 500.

Statuses: 400 a rule of ours refused the value (or the body is not JSON); 404 an id that
does not exist (or that you may not see); 409 the state forbids it; 413 too large;
415 a file type we do not accept; 422 the request does not match the schema.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.utils import override_settings

from kefu.customers.models import Customer, CustomerEvent, PreferenceNote, Tag
from kefu.tickets import services
from kefu.tickets.models import Attachment, IdempotencyKey, Message, Ticket, TicketEvent

MISSING = 999_999
HUGE = 10**20  # beyond any database integer


@dataclass
class World:
    t: int  # Alice's open ticket, owned by agent_east
    dup: int  # another open ticket of Alice's
    resolved: int
    closed: int
    bob_t: int  # Bob's open ticket
    alice: int
    bob: int
    note: int  # a preference note on Alice
    agent_hq: int
    auditor: int
    customer_user: int
    east_team: int


@pytest.fixture
def w(company, make_ticket) -> World:
    t = make_ticket(company.agent_east, company.alice, subject="大米没送到", tags=["配送"])
    services.ticket_reply(ticket=t, actor=company.agent_east, body="正在查询")
    dup = make_ticket(company.agent_east, company.alice, subject="大米呢")
    resolved = make_ticket(company.agent_east, company.alice, subject="已解决")
    services.ticket_transition(ticket=resolved, actor=company.agent_east, status="resolved")
    closed = make_ticket(company.agent_east, company.alice, subject="已关闭")
    services.ticket_transition(ticket=closed, actor=company.agent_east, status="resolved")
    services.ticket_transition(ticket=closed, actor=company.agent_east, status="closed")
    bob_t = make_ticket(company.agent_west, company.bob, subject="漏水")
    note = PreferenceNote.objects.create(customer=company.alice, text="喜欢安静")
    return World(t=t.pk, dup=dup.pk, resolved=resolved.pk, closed=closed.pk, bob_t=bob_t.pk,
                 alice=company.alice.pk, bob=company.bob.pk, note=note.pk,
                 agent_hq=company.agent_hq.pk, auditor=company.auditor.pk,
                 customer_user=company.customer_user.pk, east_team=company.east_team.pk)


def _media_files() -> list[str]:
    root = settings.MEDIA_ROOT
    return sorted(os.path.join(d, f) for d, _dirs, files in os.walk(root) for f in files)


def snapshot() -> dict:
    """Every row a write could touch, and the files on disk."""
    return {
        "tickets": list(Ticket.objects.order_by("pk").values()),
        "ticket_tags": sorted(Ticket.tags.through.objects.values_list("ticket_id", "tag_id")),
        "messages": Message.objects.count(),
        "events": list(TicketEvent.objects.order_by("pk").values_list("pk", "kind")),
        "attachments": Attachment.objects.count(),
        "idempotency_keys": IdempotencyKey.objects.count(),
        "customers": list(Customer.objects.order_by("pk").values()),
        "customer_tags": sorted(Customer.tags.through.objects.values_list("customer_id",
                                                                          "tag_id")),
        "customer_events": CustomerEvent.objects.count(),
        "preferences": list(PreferenceNote.objects.order_by("pk").values()),
        "tags": sorted(Tag.objects.values_list("name", flat=True)),
        "files": _media_files(),
    }


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "message", "details"}, body
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["details"], dict | list)
    return body


def cursor(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def new_ticket(w, **extra):
    return {"subject": "新工单", "customer_id": w.alice, **extra}


# Each case: (id, request builder, status, code). The builder gets the world and answers
# (method, path, keyword arguments for the JSON client). Everyone acts as the admin, who
# may do everything, so the refusal is about the input alone.
CASES = [
    # --- malformed JSON ---------------------------------------------------------------
    ("json: not JSON", lambda w: ("post", "/api/v1/tickets", {"raw": "{not json"}),
     400, "malformed_request"),
    ("json: truncated", lambda w: ("post", "/api/v1/tickets", {"raw": '{"subject": "x", '}),
     400, "malformed_request"),
    ("json: single quotes", lambda w: ("post", "/api/v1/customers", {"raw": "{'name': 'x'}"}),
     400, "malformed_request"),
    ("json: invalid UTF-8", lambda w: ("post", "/api/v1/tickets",
                                       {"raw": b'{"subject": "\xff\xfe", "customer_id": 1}'}),
     400, "malformed_request"),
    ("json: deeply nested", lambda w: ("post", "/api/v1/tickets", {"raw": "[" * 100_000}),
     400, "malformed_request"),
    ("json: patch not JSON", lambda w: ("patch", f"/api/v1/tickets/{w.t}", {"raw": "{"}),
     400, "malformed_request"),
    ("json: reply not JSON", lambda w: ("post", f"/api/v1/tickets/{w.t}/messages",
                                        {"raw": "hello"}), 400, "malformed_request"),
    ("json: transition not JSON", lambda w: ("post", f"/api/v1/tickets/{w.t}/transitions",
                                             {"raw": "["}), 400, "malformed_request"),
    ("json: an array", lambda w: ("post", "/api/v1/tickets", {"raw": "[1, 2]"}),
     422, "invalid_input"),
    ("json: null", lambda w: ("post", "/api/v1/tickets", {"raw": "null"}), 422, "invalid_input"),
    ("json: a string", lambda w: ("post", "/api/v1/tickets", {"raw": '"ticket"'}),
     422, "invalid_input"),
    ("json: empty body", lambda w: ("post", "/api/v1/tickets", {"raw": ""}), 422, "invalid_input"),
    ("json: lone surrogate", lambda w: ("post", "/api/v1/tickets",
                                        {"raw": '{"subject": "\\ud800", "customer_id": 1}'}),
     422, "invalid_input"),
    ("json: NaN id", lambda w: ("post", "/api/v1/tickets",
                                {"raw": '{"subject": "x", "customer_id": NaN}'}),
     422, "invalid_input"),
    # --- wrong types ----------------------------------------------------------------------
    ('type: "5" for an int', lambda w: ("post", "/api/v1/tickets",
                                        {"data": new_ticket(w, customer_id=str(w.alice))}),
     422, "invalid_input"),
    ("type: 1.0 for an int", lambda w: ("post", "/api/v1/tickets",
                                        {"data": new_ticket(w, customer_id=float(w.alice))}),
     422, "invalid_input"),
    ("type: true for an int", lambda w: ("post", f"/api/v1/tickets/{w.dup}/merge",
                                         {"data": {"into_id": True}}), 422, "invalid_input"),
    ("type: 5 for a string", lambda w: ("post", "/api/v1/tickets",
                                        {"data": new_ticket(w, subject=5)}), 422, "invalid_input"),
    ("type: string for a list", lambda w: ("post", "/api/v1/tickets",
                                           {"data": new_ticket(w, tags="a,b")}),
     422, "invalid_input"),
    ("type: int in tag list", lambda w: ("post", "/api/v1/tickets",
                                         {"data": new_ticket(w, tags=[1])}), 422, "invalid_input"),
    ('type: "true" for a bool', lambda w: ("post", f"/api/v1/tickets/{w.t}/messages",
                                           {"data": {"body": "x", "internal": "true"}}),
     422, "invalid_input"),
    ("type: body as object", lambda w: ("post", f"/api/v1/tickets/{w.t}/messages",
                                        {"data": {"body": {"text": "x"}}}), 422, "invalid_input"),
    ("type: patch priority 1", lambda w: ("patch", f"/api/v1/tickets/{w.t}",
                                          {"data": {"priority": 1}}), 422, "invalid_input"),
    ('type: "3" assignee', lambda w: ("post", f"/api/v1/tickets/{w.t}/assign",
                                      {"data": {"assignee_id": str(w.agent_hq)}}),
     422, "invalid_input"),
    ('type: consent "yes"', lambda w: ("post", "/api/v1/customers",
                                       {"data": {"name": "x", "consent_email": "yes"}}),
     422, "invalid_input"),
    ("type: customer name 5", lambda w: ("post", "/api/v1/customers", {"data": {"name": 5}}),
     422, "invalid_input"),
    ("type: preference important 1", lambda w: (
        "post", f"/api/v1/customers/{w.alice}/preferences",
        {"data": {"text": "x", "important": 1}}), 422, "invalid_input"),
    ("type: path id not a number", lambda w: ("get", "/api/v1/tickets/abc", {}),
     422, "invalid_input"),
    ("type: customer path id not a number", lambda w: ("get", "/api/v1/customers/abc", {}),
     422, "invalid_input"),
    ("type: team filter not a number", lambda w: ("get", "/api/v1/tickets",
                                                  {"params": {"team": "east"}}),
     422, "invalid_input"),
    ("type: owner filter not an id", lambda w: ("get", "/api/v1/tickets",
                                                {"params": {"owner": "somebody"}}),
     400, "invalid_filter"),
    # --- unknown fields -------------------------------------------------------------------
    ("extra: status on create", lambda w: ("post", "/api/v1/tickets",
                                           {"data": new_ticket(w, status="closed")}),
     422, "invalid_input"),
    ("extra: owner on create", lambda w: ("post", "/api/v1/tickets",
                                          {"data": new_ticket(w, owner_id=w.agent_hq)}),
     422, "invalid_input"),
    ("extra: status on patch", lambda w: ("patch", f"/api/v1/tickets/{w.t}",
                                          {"data": {"status": "closed"}}), 422, "invalid_input"),
    ("extra: user on customer", lambda w: ("patch", f"/api/v1/customers/{w.alice}",
                                           {"data": {"user_id": w.customer_user}}),
     422, "invalid_input"),
    ("extra: author on reply", lambda w: ("post", f"/api/v1/tickets/{w.t}/messages",
                                          {"data": {"body": "x", "author_id": w.agent_hq}}),
     422, "invalid_input"),
    ("extra: force on transition", lambda w: ("post", f"/api/v1/tickets/{w.t}/transitions",
                                              {"data": {"status": "closed", "force": True}}),
     422, "invalid_input"),
    # --- missing required fields ----------------------------------------------------------
    ("missing: everything", lambda w: ("post", "/api/v1/tickets", {"data": {}}),
     422, "invalid_input"),
    ("missing: customer", lambda w: ("post", "/api/v1/tickets", {"data": {"subject": "x"}}),
     422, "invalid_input"),
    ("missing: subject", lambda w: ("post", "/api/v1/tickets", {"data": {"customer_id": w.alice}}),
     422, "invalid_input"),
    ("missing: body", lambda w: ("post", f"/api/v1/tickets/{w.t}/messages", {"data": {}}),
     422, "invalid_input"),
    ("missing: status", lambda w: ("post", f"/api/v1/tickets/{w.t}/transitions", {"data": {}}),
     422, "invalid_input"),
    ("missing: owner reason", lambda w: ("post", f"/api/v1/tickets/{w.t}/owner",
                                         {"data": {"owner_id": w.agent_hq}}),
     422, "invalid_input"),
    ("missing: merge target", lambda w: ("post", f"/api/v1/tickets/{w.dup}/merge", {"data": {}}),
     422, "invalid_input"),
    ("missing: customer name", lambda w: ("post", "/api/v1/customers", {"data": {}}),
     422, "invalid_input"),
    ("missing: preference text", lambda w: ("post", f"/api/v1/customers/{w.alice}/preferences",
                                            {"data": {}}), 422, "invalid_input"),
    ("missing: assign nothing", lambda w: ("post", f"/api/v1/tickets/{w.t}/assign", {"data": {}}),
     400, "nothing_to_assign"),
    # --- empty and blank ------------------------------------------------------------------
    ("blank: empty subject", lambda w: ("post", "/api/v1/tickets",
                                        {"data": new_ticket(w, subject="")}), 422, "invalid_input"),
    ("blank: spaces subject", lambda w: ("post", "/api/v1/tickets",
                                         {"data": new_ticket(w, subject="   ")}), 400, "required"),
    ("blank: spaces body", lambda w: ("post", f"/api/v1/tickets/{w.t}/messages",
                                      {"data": {"body": " \n\t "}}), 400, "required"),
    ("blank: spaces name", lambda w: ("post", "/api/v1/customers", {"data": {"name": "   "}}),
     400, "required"),
    ("blank: spaces owner reason", lambda w: ("post", f"/api/v1/tickets/{w.t}/owner",
                                              {"data": {"owner_id": w.agent_hq, "reason": "  "}}),
     400, "required"),
    ("blank: spaces preference", lambda w: ("post", f"/api/v1/customers/{w.alice}/preferences",
                                            {"data": {"text": "   "}}), 400, "invalid_preference"),
    ("blank: null subject on patch", lambda w: ("patch", f"/api/v1/tickets/{w.t}",
                                                {"data": {"subject": None}}), 400, "invalid_input"),
    ("blank: null tags on patch", lambda w: ("patch", f"/api/v1/tickets/{w.t}",
                                             {"data": {"tags": None}}), 400, "invalid_input"),
    ("blank: null name on patch", lambda w: ("patch", f"/api/v1/customers/{w.alice}",
                                             {"data": {"name": None}}), 400, "invalid_input"),
    # --- oversized --------------------------------------------------------------------------
    ("long: subject 301", lambda w: ("post", "/api/v1/tickets",
                                     {"data": new_ticket(w, subject="长" * 301)}),
     422, "invalid_input"),
    ("long: description 100 001", lambda w: ("post", "/api/v1/tickets",
                                             {"data": new_ticket(w, description="x" * 100_001)}),
     422, "invalid_input"),
    ("long: body 100 001", lambda w: ("post", f"/api/v1/tickets/{w.t}/messages",
                                      {"data": {"body": "x" * 100_001}}), 422, "invalid_input"),
    ("long: 21 tags", lambda w: ("post", "/api/v1/tickets",
                                 {"data": new_ticket(w, tags=[f"t{i}" for i in range(21)])}),
     422, "invalid_input"),
    ("long: tag 61", lambda w: ("post", "/api/v1/tickets",
                                {"data": new_ticket(w, tags=["标" * 61])}), 400, "invalid_tag"),
    ("long: patch subject 301", lambda w: ("patch", f"/api/v1/tickets/{w.t}",
                                           {"data": {"subject": "x" * 301}}), 422, "invalid_input"),
    ("long: reason 1001", lambda w: ("post", f"/api/v1/tickets/{w.t}/transitions",
                                     {"data": {"status": "resolved", "reason": "x" * 1001}}),
     422, "invalid_input"),
    ("long: customer name 201", lambda w: ("post", "/api/v1/customers",
                                           {"data": {"name": "名" * 201}}), 422, "invalid_input"),
    ("long: phone 41", lambda w: ("patch", f"/api/v1/customers/{w.alice}",
                                  {"data": {"phone": "1" * 41}}), 422, "invalid_input"),
    ("long: preference 301", lambda w: ("post", f"/api/v1/customers/{w.alice}/preferences",
                                        {"data": {"text": "x" * 301}}), 422, "invalid_input"),
    ("long: search 201", lambda w: ("get", "/api/v1/tickets", {"params": {"q": "x" * 201}}),
     422, "invalid_input"),
    ("long: cursor 501", lambda w: ("get", "/api/v1/tickets", {"params": {"cursor": "x" * 501}}),
     422, "invalid_input"),
    ("long: idempotency key 201", lambda w: (
        "post", "/api/v1/tickets",
        {"data": new_ticket(w), "headers": {"HTTP_IDEMPOTENCY_KEY": "k" * 201}}),
     400, "invalid_idempotency_key"),
    ("long: blank idempotency key", lambda w: (
        "post", "/api/v1/tickets",
        {"data": new_ticket(w), "headers": {"HTTP_IDEMPOTENCY_KEY": "   "}}),
     400, "invalid_idempotency_key"),
    # --- NUL bytes (PostgreSQL cannot store them; SQLite would) -----------------------------
    ("NUL: subject", lambda w: ("post", "/api/v1/tickets", {"data": new_ticket(w, subject="a\x00b")}),
     400, "invalid_text"),
    ("NUL: description", lambda w: ("post", "/api/v1/tickets",
                                    {"data": new_ticket(w, description="a\x00b")}),
     400, "invalid_text"),
    ("NUL: patch subject", lambda w: ("patch", f"/api/v1/tickets/{w.t}",
                                      {"data": {"subject": "a\x00b"}}), 400, "invalid_text"),
    ("NUL: body", lambda w: ("post", f"/api/v1/tickets/{w.t}/messages",
                             {"data": {"body": "a\x00b"}}), 400, "invalid_text"),
    ("NUL: reason", lambda w: ("post", f"/api/v1/tickets/{w.t}/transitions",
                               {"data": {"status": "resolved", "reason": "a\x00b"}}),
     400, "invalid_text"),
    ("NUL: owner reason", lambda w: ("post", f"/api/v1/tickets/{w.t}/owner",
                                     {"data": {"owner_id": w.agent_hq, "reason": "a\x00b"}}),
     400, "invalid_text"),
    ("NUL: customer name", lambda w: ("post", "/api/v1/customers", {"data": {"name": "a\x00b"}}),
     400, "invalid_field"),
    ("NUL: customer address", lambda w: ("patch", f"/api/v1/customers/{w.alice}",
                                         {"data": {"address": "a\x00b"}}), 400, "invalid_field"),
    ("NUL: ticket tag", lambda w: ("post", "/api/v1/tickets",
                                   {"data": new_ticket(w, tags=["a\x00b"])}), 400, "invalid_tag"),
    ("NUL: patch ticket tag", lambda w: ("patch", f"/api/v1/tickets/{w.t}",
                                         {"data": {"tags": ["a\x00b"]}}), 400, "invalid_tag"),
    ("NUL: customer tag", lambda w: ("post", "/api/v1/customers",
                                     {"data": {"name": "x", "tags": ["a\x00b"]}}),
     400, "invalid_tag"),
    ("NUL: patch customer tag", lambda w: ("patch", f"/api/v1/customers/{w.alice}",
                                           {"data": {"tags": ["a\x00b"]}}), 400, "invalid_tag"),
    ("NUL: preference", lambda w: ("post", f"/api/v1/customers/{w.alice}/preferences",
                                   {"data": {"text": "a\x00b"}}), 400, "invalid_preference"),
    # --- unknown ids ----------------------------------------------------------------------
    ("404: get ticket", lambda w: ("get", f"/api/v1/tickets/{MISSING}", {}), 404, "not_found"),
    ("404: get ticket, huge id", lambda w: ("get", f"/api/v1/tickets/{HUGE}", {}),
     404, "not_found"),
    ("404: patch ticket", lambda w: ("patch", f"/api/v1/tickets/{MISSING}",
                                     {"data": {"priority": "high"}}), 404, "not_found"),
    ("404: messages", lambda w: ("get", f"/api/v1/tickets/{MISSING}/messages", {}),
     404, "not_found"),
    ("404: reply", lambda w: ("post", f"/api/v1/tickets/{MISSING}/messages",
                              {"data": {"body": "x"}}), 404, "not_found"),
    ("404: events", lambda w: ("get", f"/api/v1/tickets/{MISSING}/events", {}), 404, "not_found"),
    ("404: transition", lambda w: ("post", f"/api/v1/tickets/{MISSING}/transitions",
                                   {"data": {"status": "resolved"}}), 404, "not_found"),
    ("404: take", lambda w: ("post", f"/api/v1/tickets/{MISSING}/take", {}), 404, "not_found"),
    ("404: assign ticket", lambda w: ("post", f"/api/v1/tickets/{MISSING}/assign",
                                      {"data": {"assignee_id": w.agent_hq}}), 404, "not_found"),
    ("404: assign to nobody", lambda w: ("post", f"/api/v1/tickets/{w.t}/assign",
                                         {"data": {"assignee_id": MISSING}}), 404, "not_found"),
    ("404: assign to huge id", lambda w: ("post", f"/api/v1/tickets/{w.t}/assign",
                                          {"data": {"assignee_id": HUGE}}), 404, "not_found"),
    ("404: assign to no team", lambda w: ("post", f"/api/v1/tickets/{w.t}/assign",
                                          {"data": {"team_id": MISSING}}), 404, "not_found"),
    ("404: owner to nobody", lambda w: ("post", f"/api/v1/tickets/{w.t}/owner",
                                        {"data": {"owner_id": MISSING, "reason": "x"}}),
     404, "not_found"),
    ("404: merge source", lambda w: ("post", f"/api/v1/tickets/{MISSING}/merge",
                                     {"data": {"into_id": w.t}}), 404, "not_found"),
    ("404: merge target", lambda w: ("post", f"/api/v1/tickets/{w.dup}/merge",
                                     {"data": {"into_id": MISSING}}), 404, "not_found"),
    ("404: create for nobody", lambda w: ("post", "/api/v1/tickets",
                                          {"data": new_ticket(w, customer_id=MISSING)}),
     404, "not_found"),
    ("404: create for huge id", lambda w: ("post", "/api/v1/tickets",
                                           {"data": new_ticket(w, customer_id=HUGE)}),
     404, "not_found"),
    ("404: create in no category", lambda w: ("post", "/api/v1/tickets",
                                              {"data": new_ticket(w, category_id=MISSING)}),
     404, "not_found"),
    ("404: create on no team", lambda w: ("post", "/api/v1/tickets",
                                          {"data": new_ticket(w, team_id=MISSING)}),
     404, "not_found"),
    ("404: patch to no category", lambda w: ("patch", f"/api/v1/tickets/{w.t}",
                                             {"data": {"category_id": MISSING}}),
     404, "not_found"),
    ("404: attachment", lambda w: ("get", f"/api/v1/attachments/{MISSING}", {}),
     404, "not_found"),
    ("404: get customer", lambda w: ("get", f"/api/v1/customers/{MISSING}", {}),
     404, "not_found"),
    ("404: patch customer", lambda w: ("patch", f"/api/v1/customers/{MISSING}",
                                       {"data": {"phone": "1"}}), 404, "not_found"),
    ("404: delete customer", lambda w: ("delete", f"/api/v1/customers/{MISSING}", {}),
     404, "not_found"),
    ("404: timeline", lambda w: ("get", f"/api/v1/customers/{MISSING}/timeline", {}),
     404, "not_found"),
    ("404: preference of nobody", lambda w: ("post", f"/api/v1/customers/{MISSING}/preferences",
                                             {"data": {"text": "x"}}), 404, "not_found"),
    ("404: no such preference", lambda w: ("delete",
                                           f"/api/v1/customers/{w.alice}/preferences/{MISSING}",
                                           {}), 404, "not_found"),
    ("404: preference of another customer", lambda w: (
        "delete", f"/api/v1/customers/{w.bob}/preferences/{w.note}", {}), 404, "not_found"),
    ("404: customer tier", lambda w: ("post", "/api/v1/customers",
                                      {"data": {"name": "x", "tier": "platinum"}}),
     404, "not_found"),
    ("404: customer branch", lambda w: ("patch", f"/api/v1/customers/{w.alice}",
                                        {"data": {"branch": "north"}}), 404, "not_found"),
    # --- forbidden transitions and states -------------------------------------------------
    ("409: open → closed", lambda w: ("post", f"/api/v1/tickets/{w.t}/transitions",
                                      {"data": {"status": "closed"}}),
     409, "transition_not_allowed"),
    ("409: open → new", lambda w: ("post", f"/api/v1/tickets/{w.t}/transitions",
                                   {"data": {"status": "new"}}), 409, "transition_not_allowed"),
    ("409: resolved → pending", lambda w: ("post", f"/api/v1/tickets/{w.resolved}/transitions",
                                           {"data": {"status": "pending_customer"}}),
     409, "transition_not_allowed"),
    ("409: closed → open", lambda w: ("post", f"/api/v1/tickets/{w.closed}/transitions",
                                      {"data": {"status": "open"}}),
     409, "transition_not_allowed"),
    ("409: reply to closed", lambda w: ("post", f"/api/v1/tickets/{w.closed}/messages",
                                        {"data": {"body": "还在吗"}}), 409, "ticket_closed"),
    ("409: patch closed", lambda w: ("patch", f"/api/v1/tickets/{w.closed}",
                                     {"data": {"priority": "high"}}), 409, "ticket_closed"),
    ("409: take closed", lambda w: ("post", f"/api/v1/tickets/{w.closed}/take", {}),
     409, "ticket_closed"),
    ("409: assign closed", lambda w: ("post", f"/api/v1/tickets/{w.closed}/assign",
                                      {"data": {"assignee_id": w.agent_hq}}), 409, "ticket_closed"),
    ("409: merge into closed", lambda w: ("post", f"/api/v1/tickets/{w.dup}/merge",
                                          {"data": {"into_id": w.closed}}), 409, "ticket_closed"),
    ("409: merge other customer", lambda w: ("post", f"/api/v1/tickets/{w.dup}/merge",
                                             {"data": {"into_id": w.bob_t}}),
     409, "merge_other_customer"),
    ("409: delete customer with tickets", lambda w: ("delete", f"/api/v1/customers/{w.alice}", {}),
     409, "customer_has_tickets"),
    ("400: merge into itself", lambda w: ("post", f"/api/v1/tickets/{w.t}/merge",
                                          {"data": {"into_id": w.t}}), 400, "merge_into_self"),
    ("400: assign to a customer", lambda w: ("post", f"/api/v1/tickets/{w.t}/assign",
                                             {"data": {"assignee_id": w.customer_user}}),
     400, "invalid_assignee"),
    ("400: owner an auditor", lambda w: ("post", f"/api/v1/tickets/{w.t}/owner",
                                         {"data": {"owner_id": w.auditor, "reason": "x"}}),
     400, "invalid_owner"),
    # --- bad cursors ----------------------------------------------------------------------
    ("cursor: garbage", lambda w: ("get", "/api/v1/tickets", {"params": {"cursor": "garbage!"}}),
     400, "invalid_cursor"),
    ("cursor: not ASCII", lambda w: ("get", "/api/v1/tickets", {"params": {"cursor": "光标"}}),
     400, "invalid_cursor"),
    ("cursor: an object", lambda w: ("get", "/api/v1/tickets",
                                     {"params": {"cursor": cursor({"a": 1})}}),
     400, "invalid_cursor"),
    ("cursor: three parts", lambda w: ("get", "/api/v1/tickets",
                                       {"params": {"cursor": cursor([1, 2, 3])}}),
     400, "invalid_cursor"),
    ("cursor: not a date", lambda w: ("get", "/api/v1/tickets",
                                      {"params": {"cursor": cursor(["yesterday", 1])}}),
     400, "invalid_cursor"),
    ("cursor: naive date", lambda w: ("get", "/api/v1/tickets",
                                      {"params": {"cursor": cursor(["2026-01-01T00:00:00", 1])}}),
     400, "invalid_cursor"),
    ("cursor: id a string", lambda w: (
        "get", "/api/v1/tickets",
        {"params": {"cursor": cursor(["2026-01-01T00:00:00+08:00", "1"])}}),
     400, "invalid_cursor"),
    ("cursor: id a bool", lambda w: (
        "get", "/api/v1/tickets",
        {"params": {"cursor": cursor(["2026-01-01T00:00:00+08:00", True])}}),
     400, "invalid_cursor"),
    ("cursor: customers, text for an id", lambda w: (
        "get", "/api/v1/customers", {"params": {"cursor": cursor(["abc", 1])}}),
     400, "invalid_cursor"),
    ("cursor: customers, date for an id", lambda w: (
        "get", "/api/v1/customers",
        {"params": {"cursor": cursor(["2026-01-01T00:00:00+08:00", 1])}}),
     400, "invalid_cursor"),
    ("cursor: customers, garbage", lambda w: ("get", "/api/v1/customers",
                                              {"params": {"cursor": "%%%"}}),
     400, "invalid_cursor"),
    ("cursor: messages, garbage", lambda w: ("get", f"/api/v1/tickets/{w.t}/messages",
                                             {"params": {"cursor": "nope"}}),
     400, "invalid_cursor"),
    ("cursor: messages, int for a date", lambda w: ("get", f"/api/v1/tickets/{w.t}/messages",
                                                    {"params": {"cursor": cursor([1, 1])}}),
     400, "invalid_cursor"),
    ("cursor: events, garbage", lambda w: ("get", f"/api/v1/tickets/{w.t}/events",
                                           {"params": {"cursor": "nope"}}),
     400, "invalid_cursor"),
    # --- bad limits -----------------------------------------------------------------------
    *[(f"limit: {path} {value}", (lambda p, v: lambda w: (
        "get", p.format(t=w.t), {"params": {"limit": v}}))(path, value), status, code)
      for path in ("/api/v1/tickets", "/api/v1/customers", "/api/v1/tickets/{t}/messages",
                   "/api/v1/tickets/{t}/events")
      for value, status, code in (("0", 400, "invalid_limit"), ("101", 400, "invalid_limit"),
                                  ("-1", 400, "invalid_limit"), ("x", 422, "invalid_input"),
                                  ("1.5", 422, "invalid_input"),
                                  (str(HUGE), 400, "invalid_limit"))],
    ("limit: timeline 0", lambda w: ("get", f"/api/v1/customers/{w.alice}/timeline",
                                     {"params": {"limit": "0"}}), 422, "invalid_input"),
    ("limit: timeline 201", lambda w: ("get", f"/api/v1/customers/{w.alice}/timeline",
                                       {"params": {"limit": "201"}}), 422, "invalid_input"),
    ("limit: timeline x", lambda w: ("get", f"/api/v1/customers/{w.alice}/timeline",
                                     {"params": {"limit": "x"}}), 422, "invalid_input"),
    # --- bad enum values ------------------------------------------------------------------
    ("enum: ticket type", lambda w: ("post", "/api/v1/tickets",
                                     {"data": new_ticket(w, type="rant")}), 422, "invalid_input"),
    ("enum: priority", lambda w: ("post", "/api/v1/tickets",
                                  {"data": new_ticket(w, priority="asap")}), 422, "invalid_input"),
    ("enum: channel", lambda w: ("post", "/api/v1/tickets",
                                 {"data": new_ticket(w, channel="fax")}), 422, "invalid_input"),
    ("enum: patch type", lambda w: ("patch", f"/api/v1/tickets/{w.t}",
                                    {"data": {"type": "Complaint"}}), 422, "invalid_input"),
    ("enum: transition status", lambda w: ("post", f"/api/v1/tickets/{w.t}/transitions",
                                           {"data": {"status": "done"}}), 422, "invalid_input"),
    ("enum: status filter", lambda w: ("get", "/api/v1/tickets",
                                       {"params": {"status": ["open", "bogus"]}}),
     400, "invalid_filter"),
    ("enum: type filter", lambda w: ("get", "/api/v1/tickets", {"params": {"type": "rant"}}),
     400, "invalid_filter"),
    ("enum: priority filter", lambda w: ("get", "/api/v1/tickets",
                                         {"params": {"priority": "asap"}}), 400, "invalid_filter"),
    ("enum: sort", lambda w: ("get", "/api/v1/tickets", {"params": {"sort": "id"}}),
     400, "invalid_sort"),
    ("enum: customer language", lambda w: ("post", "/api/v1/customers",
                                           {"data": {"name": "x", "language": "fr"}}),
     400, "invalid_field"),
    ("enum: patch language", lambda w: ("patch", f"/api/v1/customers/{w.alice}",
                                        {"data": {"language": "klingon"}}), 400, "invalid_field"),
    ("enum: preference category", lambda w: ("post", f"/api/v1/customers/{w.alice}/preferences",
                                             {"data": {"text": "x", "category": "misc"}}),
     400, "invalid_field"),
    ("format: e-mail", lambda w: ("patch", f"/api/v1/customers/{w.alice}",
                                  {"data": {"email": "not-an-email"}}), 400, "invalid_email"),
]


@pytest.mark.parametrize(("build", "status", "code"),
                         [pytest.param(b, s, c, id=i) for i, b, s, c in CASES])
def test_bad_input_is_refused_and_changes_nothing(company, w, api_as, build, status, code):
    # given the admin (who may do anything) and a world of tickets and customers
    api = api_as(company.admin)
    method, path, kwargs = build(w)
    before = snapshot()
    # when they send the bad request
    response = getattr(api, method)(path, **kwargs)
    # then it is refused with its documented status and stable code
    assert_error(response, status, code)
    # and nothing changed
    assert snapshot() == before


def _empty_page_or_refusal(response, codes: set[str]) -> None:
    """A filter nothing can match: an empty page, or a clean 4xx; never a server error."""
    assert response.status_code in (200, 400, 422), response.content
    if response.status_code == 200:
        assert response.json()["items"] == []
    else:
        body = assert_error(response, response.status_code, response.json()["code"])
        assert body["code"] in codes, body


@pytest.mark.parametrize(("path", "name"), [
    ("/api/v1/tickets", "q"), ("/api/v1/tickets", "tag"), ("/api/v1/tickets", "tier"),
    ("/api/v1/customers", "q"), ("/api/v1/customers", "tag"), ("/api/v1/customers", "tier"),
    ("/api/v1/customers", "branch"),
])
def test_nul_bytes_in_filters_are_never_a_500(company, w, api_as, path, name):
    # given a filter value with a NUL byte (PostgreSQL cannot even compare such text)
    api = api_as(company.admin)
    # when it is used to filter a list
    response = api.get(path, {name: "大\x00米"})
    # then it matches nothing, or is refused as a bad filter
    _empty_page_or_refusal(response, {"invalid_filter", "invalid_input"})


@pytest.mark.parametrize("name", ["team", "customer", "category", "owner", "assignee"])
def test_out_of_range_ids_in_filters_are_never_a_500(company, w, api_as, name):
    # given an id larger than any database integer in a ticket list filter
    api = api_as(company.admin)
    # when it is used
    response = api.get("/api/v1/tickets", {name: str(HUGE)})
    # then it matches nothing, or is refused as a bad filter
    _empty_page_or_refusal(response, {"invalid_filter", "invalid_input"})


@pytest.mark.parametrize("value", [[HUGE, 1], [1, HUGE], [-HUGE, 1]])
def test_out_of_range_numbers_in_customer_cursors_are_never_a_500(company, w, api_as, value):
    # given a hand-made cursor with numbers no database integer holds
    api = api_as(company.admin)
    # when it is used
    response = api.get("/api/v1/customers", {"cursor": cursor(value)})
    # then it is a page or a clean invalid_cursor, never a server error
    assert response.status_code in (200, 400), response.content
    if response.status_code == 400:
        assert_error(response, 400, "invalid_cursor")


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00-14:00", "9999-12-31T23:59:59+14:00",
                                  "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_extreme_dates_in_cursors_are_never_a_500(company, w, api_as, when):
    # given a cursor whose date is at (or past, in UTC) the edge of what a datetime holds
    api = api_as(company.admin)
    for path in ("/api/v1/tickets", f"/api/v1/tickets/{w.t}/messages",
                 f"/api/v1/tickets/{w.t}/events"):
        # when it is used on a list, then it is a page or a clean invalid_cursor
        response = api.get(path, {"cursor": cursor([when, 1])})
        assert response.status_code in (200, 400), (path, response.content)
        if response.status_code == 400:
            assert_error(response, 400, "invalid_cursor")


def test_request_body_over_the_limit_is_413(company, w, api_as):
    # given a server that takes request bodies of at most 200 bytes
    api = api_as(company.admin)
    before = snapshot()
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=200):
        # when a client sends a bigger JSON body
        response = api.post("/api/v1/tickets", new_ticket(w, description="很长" * 200))
    # then it is refused as too large, and nothing was created
    assert_error(response, 413, "payload_too_large")
    assert snapshot() == before


def test_customer_writing_an_internal_note_changes_nothing(company, w, api_as):
    # given Alice on the portal, on her own ticket
    api = api_as(company.customer_user)
    before = snapshot()
    # when she tries to post an internal note
    response = api.post(f"/api/v1/tickets/{w.t}/messages", {"body": "偷偷", "internal": True})
    # then she is refused, and nothing changed (not even the ticket's status or owner)
    assert_error(response, 403, "forbidden")
    assert snapshot() == before


# --- attachments -----------------------------------------------------------------------

def _upload(api, ticket_id, upload=None, **form):
    data = dict(form)
    if upload is not None:
        data["file"] = upload
    return api.client.post(f"/api/v1/tickets/{ticket_id}/attachments", data, **api.headers)


ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 200
WINDOWS_EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


@pytest.mark.parametrize(("name", "data", "declared"), [
    ("photo.png", ELF, "image/png"),
    ("setup.exe", WINDOWS_EXE, "application/octet-stream"),
    ("invoice.pdf", WINDOWS_EXE, "application/pdf"),
    ("page.html", b"<html><script>alert(1)</script></html>", "text/html"),
    ("notes.txt", b"\xff\xfe\x00\xd8 not utf-8 \x80\x81", "text/plain"),
], ids=["ELF as PNG", "EXE", "EXE as PDF", "HTML", "binary as text"])
def test_disallowed_file_type_is_415_and_stores_nothing(company, w, api_as, name, data,
                                                        declared):
    # given an agent and a file whose bytes are not an accepted type
    api = api_as(company.agent_east)
    before = snapshot()
    # when they upload it, whatever type it claims to be
    response = _upload(api, w.t, SimpleUploadedFile(name, data, content_type=declared))
    # then it is refused as an unsupported type, with no row, no event and no file on disk
    body = assert_error(response, 415, "attachment_type")
    assert "image/png" in body["details"]["allowed"]
    assert snapshot() == before


def test_oversized_attachment_is_413_and_stores_nothing(company, w, api_as):
    # given a limit of 1 KiB per file
    api = api_as(company.agent_east)
    before = snapshot()
    with override_settings(MAX_ATTACHMENT_BYTES=1024):
        # when an agent uploads 1 KiB and one byte of text
        response = _upload(api, w.t, SimpleUploadedFile("log.txt", b"x" * 1025,
                                                        content_type="text/plain"))
        # then it is refused as too large, naming the limit, and nothing was stored
        body = assert_error(response, 413, "attachment_too_large")
        assert body["details"] == {"max_bytes": 1024, "size": 1025}
        assert snapshot() == before
        # and a file of exactly the limit is accepted
        ok = _upload(api, w.t, SimpleUploadedFile("log.txt", b"x" * 1024,
                                                  content_type="text/plain"))
        assert ok.status_code == 201, ok.content


def test_empty_file_is_400_and_stores_nothing(company, w, api_as):
    api = api_as(company.agent_east)
    before = snapshot()
    # when an agent uploads an empty file
    response = _upload(api, w.t, SimpleUploadedFile("empty.txt", b"", content_type="text/plain"))
    # then it is refused, and nothing was stored
    assert_error(response, 400, "attachment_empty")
    assert snapshot() == before


def test_upload_without_a_file_or_with_a_bad_flag_is_422(company, w, api_as):
    api = api_as(company.agent_east)
    before = snapshot()
    # when the multipart form has no file, or `internal` is not a boolean
    missing = _upload(api, w.t)
    bad_flag = _upload(api, w.t, SimpleUploadedFile("a.txt", b"hello", content_type="text/plain"),
                       internal="maybe")
    # then both are schema errors, and nothing was stored
    assert_error(missing, 422, "invalid_input")
    assert_error(bad_flag, 422, "invalid_input")
    assert snapshot() == before


def test_upload_to_a_closed_ticket_is_409_and_stores_nothing(company, w, api_as):
    api = api_as(company.agent_east)
    before = snapshot()
    response = _upload(api, w.closed, SimpleUploadedFile("a.txt", b"hello",
                                                         content_type="text/plain"))
    assert_error(response, 409, "ticket_closed")
    assert snapshot() == before


def test_upload_to_an_unknown_ticket_is_404(company, w, api_as):
    api = api_as(company.agent_east)
    before = snapshot()
    response = _upload(api, MISSING, SimpleUploadedFile("a.txt", b"hello",
                                                        content_type="text/plain"))
    assert_error(response, 404, "not_found")
    assert snapshot() == before
