"""Who may do what through the API: every role against every endpoint.

The matrix answers one question per cell: with this role, on this endpoint, which status?
Invisible objects answer 404 (we never reveal they exist); visible ones a role may not
change answer 403. A refused request never changes anything. Lists only hold what the
role may open.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kefu.accounts.models import ApiToken
from kefu.accounts.services import token_create, token_revoke
from kefu.customers.models import Customer, CustomerEvent, PreferenceNote
from kefu.tickets import services
from kefu.tickets.models import Attachment, Category, Message, Ticket, TicketEvent

ROLES = ["admin", "auditor", "supervisor_east", "agent_east", "agent_west", "agent_hq",
         "customer_user", "other_customer_user"]


@dataclass
class World:
    east: Ticket  # Alice's, east desk, owned by agent_east: a reply, a note, two files
    east_dup: Ticket  # a second ticket of Alice's on the east desk (merge source)
    resolved: Ticket  # Alice's, east desk, resolved (customers may confirm or reopen)
    west: Ticket  # Bob's, west desk, owned by agent_west
    public_file: Attachment
    internal_file: Attachment
    carol: Customer  # east branch, no tickets, no portal login
    note: PreferenceNote  # on Alice


def _upload(name="receipt.txt", data=b"order 1234 receipt", content_type="text/plain"):
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture
def world(company, make_ticket) -> World:
    east = make_ticket(company.agent_east, company.alice, subject="大米没送到 rice not delivered")
    services.ticket_reply(ticket=east, actor=company.agent_east, body="您好，正在查询。")
    services.ticket_reply(ticket=east, actor=company.agent_east, body="内部：仓库缺货 SECRET",
                          internal=True)
    public_file = services.attachment_add(ticket=east, actor=company.agent_east, upload=_upload())
    internal_file = services.attachment_add(ticket=east, actor=company.agent_east,
                                            upload=_upload("stock.txt", b"internal stock"),
                                            internal=True)
    east_dup = make_ticket(company.agent_east, company.alice, subject="大米呢？")
    resolved = make_ticket(company.agent_east, company.alice, subject="发票 invoice")
    services.ticket_transition(ticket=resolved, actor=company.agent_east, status="resolved")
    west = make_ticket(company.agent_west, company.bob, subject="水管漏水 leaking pipe")
    carol = Customer.objects.create(name="卡罗尔", name_en="Carol", tier=company.regular,
                                    branch=company.east)
    note = PreferenceNote.objects.create(customer=company.alice, text="喜欢安静的房间")
    return World(east=east, east_dup=east_dup, resolved=resolved, west=west,
                 public_file=public_file, internal_file=internal_file, carol=carol, note=note)


def snapshot() -> dict:
    """Everything a request could change, to compare before and after a refused one."""
    return {
        "tickets": list(Ticket.objects.order_by("pk").values()),
        "ticket_tags": sorted(Ticket.tags.through.objects.values_list("ticket_id", "tag_id")),
        "messages": list(Message.objects.order_by("pk").values()),
        "events": list(TicketEvent.objects.order_by("pk").values()),
        "attachments": list(Attachment.objects.order_by("pk").values()),
        "customers": list(Customer.objects.order_by("pk").values()),
        "customer_events": CustomerEvent.objects.count(),
        "preferences": list(PreferenceNote.objects.order_by("pk").values()),
    }


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "message", "details"}
    assert isinstance(body["code"], str) and body["code"]
    assert isinstance(body["message"], str) and body["message"]
    if code is not None:
        assert body["code"] == code, body
    return body


# --- the matrix ------------------------------------------------------------------------
# Each row: what is done, and the status for each role in ROLES order:
#   admin, auditor, supervisor_east, agent_east, agent_west, agent_hq, alice, bob

def _post_file(api, ticket_id, internal=False):
    data = {"file": _upload("photo.txt", b"a photo of the broken box")}
    if internal:
        data["internal"] = "true"
    return api.client.post(f"/api/v1/tickets/{ticket_id}/attachments", data, **api.headers)


def _download(api, attachment_id):
    response = api.get(f"/api/v1/attachments/{attachment_id}")
    if response.streaming:
        b"".join(response.streaming_content)
        response.close()
    return response


MATRIX = [
    # tickets
    ("list tickets", lambda api, w, c: api.get("/api/v1/tickets"),
     (200, 200, 200, 200, 200, 200, 200, 200)),
    ("create ticket for Alice",
     lambda api, w, c: api.post("/api/v1/tickets",
                                {"subject": "新工单 new", "customer_id": c.alice.pk}),
     (201, 403, 201, 201, 404, 201, 201, 404)),
    ("get east ticket", lambda api, w, c: api.get(f"/api/v1/tickets/{w.east.pk}"),
     (200, 200, 200, 200, 404, 404, 200, 404)),
    ("get west ticket", lambda api, w, c: api.get(f"/api/v1/tickets/{w.west.pk}"),
     (200, 200, 404, 404, 200, 404, 404, 200)),
    ("patch east ticket",
     lambda api, w, c: api.patch(f"/api/v1/tickets/{w.east.pk}", {"priority": "high"}),
     (200, 403, 200, 200, 404, 404, 403, 404)),
    ("list messages", lambda api, w, c: api.get(f"/api/v1/tickets/{w.east.pk}/messages"),
     (200, 200, 200, 200, 404, 404, 200, 404)),
    ("post public reply",
     lambda api, w, c: api.post(f"/api/v1/tickets/{w.east.pk}/messages", {"body": "谢谢"}),
     (201, 403, 201, 201, 404, 404, 201, 404)),
    ("post internal note",
     lambda api, w, c: api.post(f"/api/v1/tickets/{w.east.pk}/messages",
                                {"body": "备注", "internal": True}),
     (201, 403, 201, 201, 404, 404, 403, 404)),
    ("list events", lambda api, w, c: api.get(f"/api/v1/tickets/{w.east.pk}/events"),
     (200, 200, 200, 200, 404, 404, 200, 404)),
    ("open → pending_customer",
     lambda api, w, c: api.post(f"/api/v1/tickets/{w.east.pk}/transitions",
                                {"status": "pending_customer"}),
     (200, 403, 200, 200, 404, 404, 403, 404)),
    ("open → resolved",
     lambda api, w, c: api.post(f"/api/v1/tickets/{w.east.pk}/transitions",
                                {"status": "resolved"}),
     (200, 403, 200, 200, 404, 404, 403, 404)),
    ("resolved → closed (confirm)",
     lambda api, w, c: api.post(f"/api/v1/tickets/{w.resolved.pk}/transitions",
                                {"status": "closed"}),
     (200, 403, 200, 200, 404, 404, 200, 404)),
    ("resolved → open (reopen)",
     lambda api, w, c: api.post(f"/api/v1/tickets/{w.resolved.pk}/transitions",
                                {"status": "open", "reason": "还是坏的"}),
     (200, 403, 200, 200, 404, 404, 200, 404)),
    ("take", lambda api, w, c: api.post(f"/api/v1/tickets/{w.east.pk}/take"),
     (200, 403, 200, 200, 404, 404, 403, 404)),
    ("assign to agent_hq",
     lambda api, w, c: api.post(f"/api/v1/tickets/{w.east.pk}/assign",
                                {"assignee_id": c.agent_hq.pk}),
     (200, 403, 200, 200, 404, 404, 403, 404)),
    ("transfer ownership",
     lambda api, w, c: api.post(f"/api/v1/tickets/{w.east.pk}/owner",
                                {"owner_id": c.agent_hq.pk, "reason": "休假 on leave"}),
     (200, 403, 200, 403, 404, 404, 403, 404)),
    ("merge duplicate",
     lambda api, w, c: api.post(f"/api/v1/tickets/{w.east_dup.pk}/merge",
                                {"into_id": w.east.pk}),
     (200, 403, 200, 200, 404, 404, 403, 404)),
    ("upload public attachment", lambda api, w, c: _post_file(api, w.east.pk),
     (201, 403, 201, 201, 404, 404, 201, 404)),
    ("upload internal attachment", lambda api, w, c: _post_file(api, w.east.pk, internal=True),
     (201, 403, 201, 201, 404, 404, 403, 404)),
    ("download public attachment", lambda api, w, c: _download(api, w.public_file.pk),
     (200, 200, 200, 200, 404, 404, 200, 404)),
    ("download internal attachment", lambda api, w, c: _download(api, w.internal_file.pk),
     (200, 200, 200, 200, 404, 404, 404, 404)),
    # customers
    ("list customers", lambda api, w, c: api.get("/api/v1/customers"),
     (200, 200, 200, 200, 200, 200, 200, 200)),
    ("get Alice", lambda api, w, c: api.get(f"/api/v1/customers/{c.alice.pk}"),
     (200, 200, 200, 200, 404, 200, 200, 404)),
    ("get Bob", lambda api, w, c: api.get(f"/api/v1/customers/{c.bob.pk}"),
     (200, 200, 404, 404, 200, 200, 404, 200)),
    ("create customer", lambda api, w, c: api.post("/api/v1/customers", {"name": "新客户"}),
     (201, 403, 201, 201, 201, 201, 403, 403)),
    ("patch Alice's phone",
     lambda api, w, c: api.patch(f"/api/v1/customers/{c.alice.pk}", {"phone": "13800000000"}),
     (200, 403, 200, 200, 404, 200, 200, 404)),
    ("patch Alice's tier",
     lambda api, w, c: api.patch(f"/api/v1/customers/{c.alice.pk}", {"tier": "regular"}),
     (200, 403, 200, 200, 404, 200, 403, 404)),
    ("patch Alice's name",
     lambda api, w, c: api.patch(f"/api/v1/customers/{c.alice.pk}", {"name": "艾丽丝"}),
     (200, 403, 200, 200, 404, 200, 403, 404)),
    ("delete Carol (no tickets)", lambda api, w, c: api.delete(f"/api/v1/customers/{w.carol.pk}"),
     (204, 403, 403, 403, 404, 403, 404, 404)),
    ("delete Alice (has tickets)",
     lambda api, w, c: api.delete(f"/api/v1/customers/{c.alice.pk}"),
     (409, 403, 403, 403, 404, 403, 403, 404)),
    ("Alice's timeline", lambda api, w, c: api.get(f"/api/v1/customers/{c.alice.pk}/timeline"),
     (200, 200, 200, 200, 404, 200, 200, 404)),
    ("add preference",
     lambda api, w, c: api.post(f"/api/v1/customers/{c.alice.pk}/preferences",
                                {"text": "不吃辣 no spicy food", "category": "food"}),
     (201, 403, 201, 201, 404, 201, 403, 404)),
    ("delete preference",
     lambda api, w, c: api.delete(f"/api/v1/customers/{c.alice.pk}/preferences/{w.note.pk}"),
     (204, 403, 204, 204, 404, 204, 403, 404)),
    # meta
    ("me", lambda api, w, c: api.get("/api/v1/me"), (200,) * 8),
    # teams are internal organisation data: staff only
    ("teams", lambda api, w, c: api.get("/api/v1/teams"), (200,) * 6 + (403, 403)),
    ("tiers", lambda api, w, c: api.get("/api/v1/tiers"), (200,) * 8),
    ("categories", lambda api, w, c: api.get("/api/v1/categories"), (200,) * 8),
]

CASES = [pytest.param(call, role, expected[i], id=f"{name} · {role}")
         for name, call, expected in MATRIX for i, role in enumerate(ROLES)]


@pytest.mark.parametrize(("call", "role", "status"), CASES)
def test_permission_matrix(company, world, api_as, call, role, status):
    # given a user of this role with a token, and the shared world of tickets and customers
    api = api_as(getattr(company, role))
    before = snapshot()
    # when they call the endpoint
    response = call(api, world, company)
    # then the status is the one the rules give that role
    assert response.status_code == status, response.content
    if status >= 400:
        # and a refusal has the error shape, says why, and changed nothing
        code = {403: "forbidden", 404: "not_found", 409: "customer_has_tickets"}[status]
        assert_error(response, status, code)
        assert snapshot() == before


# --- lists hold only what the role may open --------------------------------------------

@pytest.fixture
def spread(company, make_ticket) -> dict[str, Ticket]:
    """Tickets across desks, branches and channels."""
    east = make_ticket(company.agent_east, company.alice, subject="east desk")
    west = make_ticket(company.agent_west, company.bob, subject="west desk")
    hq = make_ticket(company.agent_hq, company.alice, subject="hq hotline, east customer")
    alice_portal = make_ticket(company.customer_user, company.alice, subject="alice portal")
    bob_portal = make_ticket(company.other_customer_user, company.bob, subject="bob portal")
    handed_over = make_ticket(company.agent_west, company.bob, subject="west, assigned east")
    services.ticket_assign(ticket=handed_over, actor=company.agent_west,
                           assignee=company.agent_east)
    return {"east": east, "west": west, "hq": hq, "alice_portal": alice_portal,
            "bob_portal": bob_portal, "handed_over": handed_over}


EVERYTHING = {"east", "west", "hq", "alice_portal", "bob_portal", "handed_over"}
TICKETS_SEEN = {
    "admin": EVERYTHING,
    "auditor": EVERYTHING,
    # their desk, plus everything of their branch (the hq ticket is for an east customer)
    "supervisor_east": {"east", "hq", "alice_portal"},
    # their desk, plus what is assigned to them
    "agent_east": {"east", "alice_portal", "handed_over"},
    "agent_west": {"west", "bob_portal", "handed_over"},
    "agent_hq": {"hq"},
    "customer_user": {"east", "hq", "alice_portal"},
    "other_customer_user": {"west", "bob_portal", "handed_over"},
}


def _all_pages(api, path, **params):
    ids, cursor = [], None
    while True:
        response = api.get(path, {**params, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.content
        body = response.json()
        ids += [item["id"] for item in body["items"]]
        cursor = body["next"]
        if not cursor:
            return ids


@pytest.mark.parametrize("role", ROLES)
def test_ticket_list_holds_exactly_what_the_role_may_open(company, spread, api_as, role):
    # given tickets on every desk, and a user of this role
    api = api_as(getattr(company, role))
    # when they page through GET /tickets (small pages, to cross page boundaries)
    ids = _all_pages(api, "/api/v1/tickets", limit=2)
    # then they see exactly their tickets, each once
    expected = {spread[name].pk for name in TICKETS_SEEN[role]}
    assert sorted(ids) == sorted(expected)
    # and every ticket they cannot list answers 404 when asked for directly
    for name, ticket in spread.items():
        status = api.get(f"/api/v1/tickets/{ticket.pk}").status_code
        assert status == (200 if ticket.pk in expected else 404), name


def test_agent_west_never_sees_an_east_ticket_even_when_filtering_for_it(company, spread,
                                                                         api_as):
    # given an agent of the west desk
    api = api_as(company.agent_west)
    # when they filter the list by the east desk, by Alice, or search an east subject / id
    for params in ({"team": company.east_team.pk}, {"customer": company.alice.pk},
                   {"q": "east desk"}, {"q": f"#{spread['east'].pk}"},
                   {"status": "active"}, {"tier": "vip"}):
        items = api.get("/api/v1/tickets", params).json()["items"]
        # then no east-desk ticket they are not assigned ever shows up
        assert {i["id"] for i in items} <= {spread[n].pk for n in TICKETS_SEEN["agent_west"]}
        assert spread["east"].pk not in {i["id"] for i in items}


CUSTOMERS_SEEN = {
    "admin": {"alice", "bob", "carol", "nomad"},
    "auditor": {"alice", "bob", "carol", "nomad"},
    "supervisor_east": {"alice", "carol", "nomad"},
    "agent_east": {"alice", "carol", "nomad"},
    "agent_west": {"bob", "nomad"},
    "agent_hq": {"alice", "bob", "carol", "nomad"},  # the hq desk serves every branch
    "customer_user": {"alice"},
    "other_customer_user": {"bob"},
}


@pytest.mark.parametrize("role", ROLES)
def test_customer_list_holds_exactly_what_the_role_may_open(company, api_as, role):
    # given customers in the east, the west and without a branch
    people = {
        "alice": company.alice, "bob": company.bob,
        "carol": Customer.objects.create(name="卡罗尔", tier=company.regular, branch=company.east),
        "nomad": Customer.objects.create(name="无分店", tier=company.regular),
    }
    api = api_as(getattr(company, role))
    # when they page through GET /customers
    ids = _all_pages(api, "/api/v1/customers", limit=1)
    # then they see exactly the customers their branches serve (customers: only themselves)
    expected = {people[n].pk for n in CUSTOMERS_SEEN[role]}
    assert sorted(ids) == sorted(expected)
    for name, customer in people.items():
        status = api.get(f"/api/v1/customers/{customer.pk}").status_code
        assert status == (200 if customer.pk in expected else 404), name


def test_customer_sees_no_internal_note_in_messages_events_or_timeline(company, world, api_as):
    # given Alice's ticket with a public reply and an internal note
    alice, agent = api_as(company.customer_user), api_as(company.agent_east)
    # when Alice reads the messages
    bodies = [m["body"] for m in alice.get(f"/api/v1/tickets/{world.east.pk}/messages").json()
              ["items"]]
    # then she sees the reply and not the note; the agent sees both
    assert bodies == ["您好，正在查询。"]
    staff_msgs = agent.get(f"/api/v1/tickets/{world.east.pk}/messages").json()["items"]
    assert [m["visibility"] for m in staff_msgs] == ["public", "internal"]
    # and her event list has no note, attachment or internal hand-over events
    kinds = {e["kind"] for e in alice.get(f"/api/v1/tickets/{world.east.pk}/events")
             .json()["items"]}
    assert kinds <= {"created", "status", "merged_from"}
    staff_kinds = {e["kind"] for e in agent.get(f"/api/v1/tickets/{world.east.pk}/events")
                   .json()["items"]}
    assert {"note", "attachment"} <= staff_kinds
    # and her customer timeline has no note, no file event and no staff-only customer event
    timeline = alice.get(f"/api/v1/customers/{company.alice.pk}/timeline").json()
    assert {e["kind"] for e in timeline} <= {"created", "message", "status", "merged"}
    staff_timeline = agent.get(f"/api/v1/customers/{company.alice.pk}/timeline").json()
    assert {"note", "attachment"} <= {e["kind"] for e in staff_timeline}


def test_customer_never_reads_internal_text_anywhere(company, world, api_as):
    # given an internal note with a secret word on Alice's ticket
    alice = api_as(company.customer_user)
    # when Alice reads every page about her ticket and herself
    pages = [f"/api/v1/tickets/{world.east.pk}", f"/api/v1/tickets/{world.east.pk}/messages",
             f"/api/v1/tickets/{world.east.pk}/events", "/api/v1/tickets",
             f"/api/v1/customers/{company.alice.pk}",
             f"/api/v1/customers/{company.alice.pk}/timeline"]
    for page in pages:
        response = alice.get(page)
        # then none of them carries the note or the internal file
        assert response.status_code == 200, page
        assert "SECRET" not in response.content.decode(), page
        assert "stock.txt" not in response.content.decode(), page


def test_handing_a_ticket_to_another_branch_answers_with_the_ticket(company, world, api_as):
    # given the east supervisor, who sees the east ticket through their desk and branch
    api = api_as(company.supervisor_east)
    # when they hand it to the west desk and a west agent
    response = api.post(f"/api/v1/tickets/{world.east.pk}/assign",
                        {"team_id": company.west_team.pk, "assignee_id": company.agent_west.pk})
    # then the hand-over is done...
    world.east.refresh_from_db()
    assert (world.east.team, world.east.assignee) == (company.west_team, company.agent_west)
    # ...and the answer says so (200 with the ticket), not 404 as if nothing had happened:
    # a client told 404 would retry or report a failure for a change that was made
    assert response.status_code == 200, response.content
    assert response.json()["team"]["id"] == company.west_team.pk


def test_creating_a_customer_outside_ones_branches_tells_the_truth(company, api_as):
    # given an east agent, who serves only east customers (and those of no branch)
    api = api_as(company.agent_east)
    before = Customer.objects.count()
    # when they create a customer for the west branch
    response = api.post("/api/v1/customers", {"name": "西区新客户", "branch": "west"})
    # then either it is made and the answer describes it, or it is refused and nothing made;
    # never "404" for a record that was in fact created
    if response.status_code == 201:
        assert response.json()["branch"]["code"] == "west"
        assert Customer.objects.count() == before + 1
    else:
        assert_error(response, response.status_code)
        assert response.status_code in (403, 404)
        assert Customer.objects.count() == before


def test_moving_a_customer_to_another_branch_tells_the_truth(company, api_as):
    # given an east agent and Alice, an east customer
    api = api_as(company.agent_east)
    # when the agent moves Alice to the west branch
    response = api.patch(f"/api/v1/customers/{company.alice.pk}", {"branch": "west"})
    company.alice.refresh_from_db()
    # then either the move is made and the answer describes it, or it is refused and Alice
    # stays east; never "404" for a change that was in fact made
    if response.status_code == 200:
        assert response.json()["branch"]["code"] == "west"
        assert company.alice.branch == company.west
    else:
        assert_error(response, response.status_code)
        assert response.status_code in (403, 404)
        assert company.alice.branch == company.east


def test_customer_timeline_shows_staff_only_tickets_they_may_open(company, api_as,
                                                                  make_ticket):
    # given Bob, served by the west desk, with a ticket the hq hotline keeps on its own desk
    hidden = make_ticket(company.agent_hq, company.bob, subject="hq-only 投诉 escalation")
    services.ticket_reply(ticket=hidden, actor=company.agent_hq, body="内部 note", internal=True)
    api = api_as(company.agent_west)
    assert api.get(f"/api/v1/tickets/{hidden.pk}").status_code == 404
    # when the west agent, who may open Bob's record but not that ticket, reads his timeline
    response = api.get(f"/api/v1/customers/{company.bob.pk}/timeline")
    # then the ticket they may not open does not show up there either
    assert response.status_code == 200
    assert hidden.pk not in {e["ticket_id"] for e in response.json()}
    assert "hq-only" not in response.content.decode()


def test_me_describes_the_caller(company, api_as):
    # given a staff member and a customer
    # when each asks who they are
    staff = api_as(company.agent_east).get("/api/v1/me").json()
    customer = api_as(company.customer_user).get("/api/v1/me").json()
    # then each gets their own role, and the customer their customer record
    assert (staff["username"], staff["role"], staff["customer_id"]) == ("agent-east", "agent",
                                                                       None)
    assert (customer["role"], customer["customer_id"]) == ("customer", company.alice.pk)


def test_customer_may_only_file_tickets_for_themselves(company, api_as):
    # given Alice signed in on the portal
    api = api_as(company.customer_user)
    before = Ticket.objects.count()
    # when she files a ticket for Bob, and one for herself
    for_bob = api.post("/api/v1/tickets", {"subject": "冒名", "customer_id": company.bob.pk})
    for_me = api.post("/api/v1/tickets", {"subject": "我的快递", "customer_id": company.alice.pk})
    # then Bob's is 404 (she may not know he exists) and hers is created, unowned
    assert_error(for_bob, 404, "not_found")
    assert for_me.status_code == 201
    assert (for_me.json()["status"], for_me.json()["owner"]) == ("new", None)
    assert Ticket.objects.count() == before + 1


def test_customer_may_not_move_an_open_ticket_anywhere(company, world, api_as):
    # given Alice's open ticket
    api = api_as(company.customer_user)
    for target in ("pending_customer", "pending_internal", "resolved"):
        before = snapshot()
        # when she tries to move it
        response = api.post(f"/api/v1/tickets/{world.east.pk}/transitions", {"status": target})
        # then she is refused and nothing changed
        assert_error(response, 403, "forbidden")
        assert snapshot() == before


# --- authentication ---------------------------------------------------------------------

def _endpoints(w: World, c) -> list[tuple[str, str, dict | None]]:
    t, a = w.east.pk, c.alice.pk
    return [
        ("get", "/api/v1/me", None), ("get", "/api/v1/teams", None),
        ("get", "/api/v1/tiers", None), ("get", "/api/v1/categories", None),
        ("get", "/api/v1/tickets", None),
        ("post", "/api/v1/tickets", {"subject": "x", "customer_id": a}),
        ("get", f"/api/v1/tickets/{t}", None),
        ("patch", f"/api/v1/tickets/{t}", {"priority": "high"}),
        ("get", f"/api/v1/tickets/{t}/messages", None),
        ("post", f"/api/v1/tickets/{t}/messages", {"body": "x"}),
        ("get", f"/api/v1/tickets/{t}/events", None),
        ("post", f"/api/v1/tickets/{t}/transitions", {"status": "resolved"}),
        ("post", f"/api/v1/tickets/{t}/take", None),
        ("post", f"/api/v1/tickets/{t}/assign", {"assignee_id": c.agent_hq.pk}),
        ("post", f"/api/v1/tickets/{t}/owner", {"owner_id": c.agent_hq.pk, "reason": "x"}),
        ("post", f"/api/v1/tickets/{w.east_dup.pk}/merge", {"into_id": t}),
        ("post", f"/api/v1/tickets/{t}/attachments", None),
        ("get", f"/api/v1/attachments/{w.public_file.pk}", None),
        ("get", "/api/v1/customers", None),
        ("post", "/api/v1/customers", {"name": "x"}),
        ("get", f"/api/v1/customers/{a}", None),
        ("patch", f"/api/v1/customers/{a}", {"phone": "1"}),
        ("delete", f"/api/v1/customers/{w.carol.pk}", None),
        ("get", f"/api/v1/customers/{a}/timeline", None),
        ("post", f"/api/v1/customers/{a}/preferences", {"text": "x"}),
        ("delete", f"/api/v1/customers/{a}/preferences/{w.note.pk}", None),
    ]


def _call(api, method, path, body):
    if method == "post" and path.endswith("/attachments"):
        return api.client.post(path, {"file": _upload()}, **api.headers)
    if method in ("post", "patch"):
        return getattr(api, method)(path, body)
    return getattr(api, method)(path)


def _assert_unauthorized_everywhere(api, world, company):
    for method, path, body in _endpoints(world, company):
        before = snapshot()
        response = _call(api, method, path, body)
        assert response.status_code == 401, (method, path, response.content)
        assert_error(response, 401, "unauthorized")
        assert response["WWW-Authenticate"] == "Bearer"
        assert snapshot() == before, (method, path)


def test_no_token_is_401_on_every_endpoint(company, world, api_as):
    # given a client without a token
    api = api_as(None)
    # when it calls every endpoint, then each answers 401 and changes nothing
    _assert_unauthorized_everywhere(api, world, company)


def test_revoked_token_is_401_on_every_endpoint(company, world, api_as):
    # given the admin's token, which works, then is revoked
    api = api_as(company.admin)
    assert api.get("/api/v1/me").status_code == 200
    token_revoke(token=ApiToken.objects.get(user=company.admin))
    # when it is used again, then every endpoint answers 401
    _assert_unauthorized_everywhere(api, world, company)


@pytest.mark.parametrize("header", [
    "Bearer kefu_not-a-real-token",
    "Bearer ",
    "Bearer " + "x" * 5000,
    "Bearer kefu_\u00e9\u00e9",
    "Basic YWRtaW46YWRtaW4=",
    "bearer-without-space",
    "Token kefu_abc",
])
def test_garbage_token_is_401_on_every_endpoint(company, world, api_as, header):
    # given a client sending a made-up or malformed Authorization header
    api = api_as(None)
    api.headers["HTTP_AUTHORIZATION"] = header
    # when it calls every endpoint, then each answers 401 and changes nothing
    _assert_unauthorized_everywhere(api, world, company)


def test_token_of_a_deactivated_user_is_401(company, api_as):
    # given an agent with a token who then leaves the company
    api = api_as(company.agent_east)
    company.agent_east.is_active = False
    company.agent_east.save(update_fields=["is_active"])
    # when the token is used
    response = api.get("/api/v1/tickets")
    # then it no longer works
    assert_error(response, 401, "unauthorized")


def test_another_users_revoked_token_does_not_affect_mine(company, api_as):
    # given two tokens of the same agent, one revoked
    mine = api_as(company.agent_east)
    old, _raw = token_create(user=company.agent_east, name="old laptop")
    token_revoke(token=old)
    # when the live one is used, then it still works
    assert mine.get("/api/v1/me").status_code == 200


def test_category_list_is_readable_by_every_role(company, api_as):
    # given a category tree
    parent = Category.objects.create(code="delivery", name="配送", name_en="Delivery")
    Category.objects.create(code="late", name="延误", name_en="Late", parent=parent)
    for role in ROLES:
        # when any role lists categories, then it gets them all
        items = api_as(getattr(company, role)).get("/api/v1/categories").json()["items"]
        assert {i["code"] for i in items} == {"delivery", "late"}, role
