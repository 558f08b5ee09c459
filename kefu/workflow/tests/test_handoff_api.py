"""Hand-off endpoints: every role, invisible tickets (404), bad input (4xx, nothing written),
and list query counts that do not grow with the page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kefu.tickets.models import Ticket, TicketEvent
from kefu.workflow.models import Handoff
from kefu.workflow.services.handoff import handoff_cancel, handoff_request

HUGE = 10**20


@pytest.fixture
def ticket(company, make_ticket):
    return make_ticket(company.agent_east, company.alice, subject="退款未到账", type="complaint")


def _post(api, ticket, team, note="请财务核实退款"):
    return api.post(f"/api/v1/tickets/{ticket.pk}/handoffs", {"to_team_id": team.pk, "note": note})


def _written(ticket) -> tuple[int, int]:
    return Handoff.objects.count(), TicketEvent.objects.filter(ticket=ticket).count()


def test_request_list_and_accept_through_the_api(company, api_as, ticket):
    # given the owner's API client / when they hand the ticket to the hq team
    owner = api_as(company.agent_east)
    response = _post(owner, ticket, company.hq_team)
    # then 201 with the open request
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "open" and body["to_team"]["code"] == "hq"
    assert body["from_team"]["code"] == "east-desk" and body["requested_by"]["username"] == "agent-east"
    assert body["ticket"] == {"id": ticket.pk, "subject": "退款未到账", "owner_id": company.agent_east.pk}
    # and it is listed on the ticket and in the hq agent's queue, not in the west agent's
    listed = owner.get(f"/api/v1/tickets/{ticket.pk}/handoffs").json()
    assert [h["id"] for h in listed["items"]] == [body["id"]] and listed["next"] is None
    hq = api_as(company.agent_hq)
    assert [h["id"] for h in hq.get("/api/v1/handoffs").json()["items"]] == [body["id"]]
    assert api_as(company.agent_west).get("/api/v1/handoffs").json()["items"] == []
    # when the hq agent (who cannot see the ticket yet) reads and accepts it
    assert hq.get(f"/api/v1/handoffs/{body['id']}").status_code == 200
    accepted = hq.post(f"/api/v1/handoffs/{body['id']}/accept")
    # then it is accepted; the ticket moved to hq, the hq agent works it, the owner is unchanged
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["status"] == "accepted"
    assert accepted.json()["decided_by"]["username"] == "agent-hq"
    t = hq.get(f"/api/v1/tickets/{ticket.pk}").json()
    assert t["team"]["code"] == "hq" and t["assignee"]["username"] == "agent-hq"
    assert t["owner"]["username"] == "agent-east"
    # and the open queue is empty again; the accepted one is under status=accepted
    assert hq.get("/api/v1/handoffs").json()["items"] == []
    assert len(hq.get("/api/v1/handoffs", {"status": "accepted"}).json()["items"]) == 1


def test_a_second_open_request_answers_409_not_a_server_error(company, api_as, ticket):
    owner = api_as(company.agent_east)
    assert _post(owner, ticket, company.hq_team).status_code == 201
    before = _written(ticket)
    second = _post(owner, ticket, company.west_team, note="再转西区")
    assert second.status_code == 409
    assert second.json()["code"] == "handoff_already_open"
    assert set(second.json()) == {"code", "message", "details"}
    assert _written(ticket) == before


def test_tickets_the_caller_cannot_see_answer_404(company, api_as, ticket):
    # given Alice's east ticket with an open hand-off to the east desk's neighbour, hq
    handoff = handoff_request(ticket=ticket, actor=company.agent_east, to_team=company.hq_team,
                              note="x")
    before = _written(ticket)
    for user in (company.agent_west, company.other_customer_user):
        api = api_as(user)
        # then the west agent and the other customer get 404 for everything about it
        assert _post(api, ticket, company.west_team).status_code == 404
        assert api.get(f"/api/v1/tickets/{ticket.pk}/handoffs").status_code == 404
        assert api.get(f"/api/v1/handoffs/{handoff.pk}").status_code == 404
        for verb in ("accept", "cancel"):
            assert api.post(f"/api/v1/handoffs/{handoff.pk}/{verb}").status_code == 404
        assert api.post(f"/api/v1/handoffs/{handoff.pk}/reject",
                        {"reason": "no"}).status_code == 404
    assert _written(ticket) == before
    assert Handoff.objects.get(pk=handoff.pk).status == "open"


def test_customers_never_see_hand_offs_even_on_their_own_ticket(company, api_as, ticket):
    handoff = handoff_request(ticket=ticket, actor=company.agent_east, to_team=company.hq_team,
                              note="内部备注")
    alice = api_as(company.customer_user)
    assert alice.get(f"/api/v1/tickets/{ticket.pk}/handoffs").status_code == 403
    assert _post(alice, ticket, company.hq_team).status_code == 403
    assert alice.get(f"/api/v1/handoffs/{handoff.pk}").status_code == 404
    assert alice.get("/api/v1/handoffs").status_code == 403


def test_auditors_read_but_never_write(company, api_as, ticket):
    handoff = handoff_request(ticket=ticket, actor=company.agent_east, to_team=company.hq_team,
                              note="x")
    auditor = api_as(company.auditor)
    before = _written(ticket)
    assert auditor.get(f"/api/v1/tickets/{ticket.pk}/handoffs").status_code == 200
    assert len(auditor.get("/api/v1/handoffs").json()["items"]) == 1
    assert _post(auditor, ticket, company.west_team).status_code == 403
    for verb, body in (("accept", None), ("cancel", None), ("reject", {"reason": "x"})):
        assert auditor.post(f"/api/v1/handoffs/{handoff.pk}/{verb}", body).status_code == 403
    assert _written(ticket) == before


def test_the_requester_may_not_accept_and_others_may_not_cancel(company, api_as, ticket):
    handoff = handoff_request(ticket=ticket, actor=company.agent_east, to_team=company.hq_team,
                              note="x")
    # the requester can see it but is not in the receiving team
    refused = api_as(company.agent_east).post(f"/api/v1/handoffs/{handoff.pk}/accept")
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    # the receiving team may not cancel someone else's request
    assert api_as(company.agent_hq).post(f"/api/v1/handoffs/{handoff.pk}/cancel").status_code == 403
    assert Handoff.objects.get(pk=handoff.pk).status == "open"


def test_reject_with_a_reason_then_cancel_is_a_conflict(company, api_as, ticket):
    handoff = handoff_request(ticket=ticket, actor=company.agent_east, to_team=company.hq_team,
                              note="x")
    hq = api_as(company.agent_hq)
    assert hq.post(f"/api/v1/handoffs/{handoff.pk}/reject", {}).status_code == 422
    assert hq.post(f"/api/v1/handoffs/{handoff.pk}/reject", {"reason": "   "}).status_code == 400
    rejected = hq.post(f"/api/v1/handoffs/{handoff.pk}/reject", {"reason": "需先补充照片"})
    assert rejected.status_code == 200 and rejected.json()["reason"] == "需先补充照片"
    again = api_as(company.agent_east).post(f"/api/v1/handoffs/{handoff.pk}/cancel")
    assert again.status_code == 409 and again.json()["code"] == "handoff_not_open"


def test_the_requester_cancels_with_or_without_a_reason(company, api_as, ticket):
    owner = api_as(company.agent_east)
    first = _post(owner, ticket, company.hq_team).json()
    cancelled = owner.post(f"/api/v1/handoffs/{first['id']}/cancel", {"reason": "客户撤回"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    second = _post(owner, ticket, company.hq_team).json()
    assert owner.post(f"/api/v1/handoffs/{second['id']}/cancel").status_code == 200


@pytest.mark.parametrize("payload, status", [
    ({"note": "x"}, 422),  # no team
    ({"to_team_id": "1", "note": "x"}, 422),  # a string for a number
    ({"to_team_id": 1, "note": ""}, 422),  # empty note
    ({"to_team_id": 1, "note": "x", "extra": 1}, 422),  # unknown field
    ({"to_team_id": 1, "note": "x" * 2001}, 422),  # too long
    ({"to_team_id": 999_999, "note": "x"}, 404),  # no such team
    ({"to_team_id": HUGE, "note": "x"}, 404),  # beyond any database integer
    ({"to_team_id": 1, "note": "a\x00b"}, 400),  # NUL
])
def test_bad_requests_answer_4xx_and_write_nothing(company, api_as, ticket, payload, status):
    if payload.get("to_team_id") == 1:
        payload["to_team_id"] = company.hq_team.pk
    before = _written(ticket)
    response = api_as(company.agent_east).post(f"/api/v1/tickets/{ticket.pk}/handoffs", payload)
    assert response.status_code == status, response.content
    assert set(response.json()) == {"code", "message", "details"}
    assert _written(ticket) == before


def test_the_same_team_and_closed_tickets_are_refused(company, api_as, ticket):
    owner = api_as(company.agent_east)
    same = _post(owner, ticket, company.east_team)
    assert same.status_code == 400 and same.json()["code"] == "same_team"
    Ticket.objects.filter(pk=ticket.pk).update(status="closed")
    assert _post(owner, ticket, company.hq_team).status_code == 409


def test_unknown_and_huge_ids_and_bad_filters(company, api_as):
    api = api_as(company.agent_hq)
    for path in (f"/api/v1/handoffs/{HUGE}", "/api/v1/handoffs/999999"):
        assert api.get(path).status_code == 404
    assert api.post(f"/api/v1/handoffs/{HUGE}/accept").status_code == 404
    assert api.get(f"/api/v1/tickets/{HUGE}/handoffs").status_code == 404
    assert api.get("/api/v1/handoffs", {"status": "maybe"}).status_code == 422
    assert api.get("/api/v1/handoffs", {"cursor": "not-a-cursor"}).status_code == 400
    assert api.get("/api/v1/handoffs", {"limit": 0}).status_code == 400


def _count(api, path: str, limit: int, params=None) -> int:
    api.get(path, {"limit": limit, **(params or {})})  # warm up
    with CaptureQueriesContext(connection) as ctx:
        response = api.get(path, {"limit": limit, **(params or {})})
    assert response.status_code == 200, response.content
    assert len(response.json()["items"]) == limit, "the page should be full"
    return len(ctx.captured_queries)


def test_list_queries_do_not_grow_with_the_page(company, api_as, make_ticket):
    # given twelve tickets handed from the east desk to hq, twelve from hq to the east desk,
    # and one ticket handed back and forth twelve times
    for i in range(12):
        t = make_ticket(company.agent_east, company.alice, subject=f"工单{i}")
        handoff_request(ticket=t, actor=company.agent_east, to_team=company.hq_team, note=f"转{i}")
        t = make_ticket(company.agent_hq, company.alice, subject=f"总部工单{i}")
        handoff_request(ticket=t, actor=company.agent_hq, to_team=company.east_team, note=f"转{i}")
    busy = make_ticket(company.agent_east, company.alice, subject="反复转")
    for i in range(12):
        h = handoff_request(ticket=busy, actor=company.agent_east,
                            to_team=[company.hq_team, company.west_team][i % 2], note=f"第{i}次")
        handoff_cancel(handoff=h, actor=company.agent_east)
    # then a page of 2 and a page of 10 cost the same number of queries
    for user, path, params in (
            (company.agent_hq, "/api/v1/handoffs", None),
            (company.admin, "/api/v1/handoffs", {"status": "cancelled"}),
            (company.supervisor_east, "/api/v1/handoffs", None),
            (company.agent_east, f"/api/v1/tickets/{busy.pk}/handoffs", None)):
        api = api_as(user)
        assert _count(api, path, 2, params) == _count(api, path, 10, params), (user, path)


def test_pages_follow_the_cursor(company, api_as, make_ticket):
    for i in range(5):
        t = make_ticket(company.agent_east, company.alice, subject=f"工单{i}")
        handoff_request(ticket=t, actor=company.agent_east, to_team=company.hq_team, note="x")
    api = api_as(company.agent_hq)
    first = api.get("/api/v1/handoffs", {"limit": 3}).json()
    second = api.get("/api/v1/handoffs", {"limit": 3, "cursor": first["next"]}).json()
    ids = [h["id"] for h in first["items"] + second["items"]]
    assert len(ids) == 5 == len(set(ids)) and second["next"] is None
