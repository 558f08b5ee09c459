"""Service recovery through the API: granted within one's limit, pending above it, decided
by someone else whose limit covers it, audited, alerted; bad input and wrong people refused
with nothing written."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from kefu.tickets import services as ticket_services
from kefu.tickets.models import Ticket, TicketEvent
from kefu.workflow.models import Alert, EmpowermentLimit, RecoveryAction

RECOVERY_EVENTS = ("recovery_granted", "recovery_requested", "recovery_approved",
                   "recovery_rejected", "recovery_cancelled")


@pytest.fixture
def limits(company):
    """Agents 200 CNY (500 for VIP customers), supervisors 2,000, admins 10,000."""
    for role, tier, amount in (("agent", None, "200"), ("agent", company.vip, "500"),
                               ("supervisor", None, "2000"), ("admin", None, "10000")):
        EmpowermentLimit.objects.create(role=role, tier=tier, currency="CNY",
                                        max_amount=Decimal(amount))


@pytest.fixture
def complaint(company, limits, make_ticket):
    """Alice (VIP, east branch) complains on the east desk; agent_east owns it."""
    return make_ticket(company.agent_east, company.alice, type="complaint",
                       subject="送错了商品 wrong goods delivered")


def ask(api_as, user, ticket, amount, kind="refund", **more):
    return api_as(user).post(f"/api/v1/tickets/{ticket.pk}/recovery",
                             {"kind": kind, "amount": amount, **more})


def pending(api_as, company, ticket, amount, user=None):
    response = ask(api_as, user or company.agent_east, ticket, amount)
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "pending"
    return RecoveryAction.objects.get(pk=response.json()["id"])


def recovery_events(ticket):
    return list(TicketEvent.objects.filter(ticket=ticket, kind__in=RECOVERY_EVENTS)
                .order_by("id").values_list("kind", flat=True))


def test_within_the_limit_is_granted_at_once_and_audited(company, api_as, complaint):
    # given agent_east may grant up to 500 CNY to a VIP customer
    # when they grant exactly 500
    response = ask(api_as, company.agent_east, complaint, "500", note="送错两次")
    # then it is granted at once, audited, and nobody is asked to approve
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "granted" and body["amount"] == "500.00"
    assert body["currency"] == "CNY" and body["requested_by"]["username"] == "agent-east"
    action = RecoveryAction.objects.get(pk=body["id"])
    assert action.customer == company.alice and action.created_at is not None
    event = TicketEvent.objects.get(ticket=complaint, kind="recovery_granted")
    assert event.actor == company.agent_east
    assert event.data == {"action": action.pk, "kind": "refund", "amount": "500.00",
                          "currency": "CNY", "note": "送错两次"}
    assert not Alert.objects.exists()


def test_apology_visit_without_cost_is_granted_even_without_any_limit(company, api_as,
                                                                       make_ticket):
    # given no empowerment limits at all
    ticket = make_ticket(company.agent_east, company.alice, type="complaint")
    # when an agent arranges an apology visit that costs nothing
    response = ask(api_as, company.agent_east, ticket, 0, kind="apology_visit")
    # then it is granted; anything that costs money waits
    assert response.json()["status"] == "granted"
    assert ask(api_as, company.agent_east, ticket, "0.01", kind="gift").json()["status"] == "pending"


def test_above_the_limit_waits_and_alerts_the_branch_supervisor(company, api_as, complaint):
    # when agent_east asks for 800 CNY (their limit for a VIP is 500)
    action = pending(api_as, company, complaint, 800)
    # then it waits, is audited, and the east supervisor (limit 2,000) is alerted; not the admin
    assert action.status == "pending" and action.decided_by is None
    assert recovery_events(complaint) == ["recovery_requested"]
    alerts = list(Alert.objects.all())
    assert [a.user for a in alerts] == [company.supervisor_east]
    assert alerts[0].kind == "approval" and alerts[0].ticket == complaint
    with translation.override("en"):
        assert alerts[0].text == (f"Recovery request waiting for your approval on ticket "
                                  f"#{complaint.pk}: 800.00 CNY")


def test_above_every_supervisor_goes_to_the_admins(company, api_as, complaint):
    pending(api_as, company, complaint, 5000)
    assert [a.user for a in Alert.objects.all()] == [company.admin]


def test_above_every_limit_tells_the_admins_to_review_the_limits(company, api_as, complaint):
    # when an amount no approver's limit covers is asked for
    action = pending(api_as, company, complaint, 50000)
    # then the admins hear of it, and even they cannot approve it
    alert = Alert.objects.get()
    assert alert.user == company.admin and "above every approver" in alert.message
    response = api_as(company.admin).post(f"/api/v1/recovery/{action.pk}/approve", {})
    assert response.status_code == 403 and response.json()["code"] == "above_your_limit"
    assert response.json()["details"] == {"amount": "50000.00", "currency": "CNY",
                                          "limit": "10000.00"}


def test_supervisor_approves_and_the_requester_is_told(company, api_as, complaint):
    # given a request waiting for approval
    action = pending(api_as, company, complaint, 800)
    queue = api_as(company.supervisor_east).get("/api/v1/recovery/approvals").json()
    assert [item["id"] for item in queue["items"]] == [action.pk]
    assert queue["items"][0]["can_decide"] is True and queue["next"] is None
    # when the east supervisor approves it
    response = api_as(company.supervisor_east).post(f"/api/v1/recovery/{action.pk}/approve",
                                                    {"reason": "老客户，同意"})
    # then it is approved, audited, the requester is alerted, and the queue is empty
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "approved"
    assert response.json()["decided_by"]["username"] == "sup-east"
    action.refresh_from_db()
    assert action.decided_by == company.supervisor_east and action.decided_at is not None
    assert action.decision_reason == "老客户，同意"
    assert recovery_events(complaint) == ["recovery_requested", "recovery_approved"]
    told = Alert.objects.get(user=company.agent_east)
    with translation.override("en"):
        assert told.text == (f"Your recovery request on ticket #{complaint.pk} was approved: "
                             "800.00 CNY")
    assert api_as(company.supervisor_east).get("/api/v1/recovery/approvals").json()["items"] == []


def test_approve_needs_no_body(company, api_as, complaint):
    action = pending(api_as, company, complaint, 800)
    response = api_as(company.supervisor_east).post(f"/api/v1/recovery/{action.pk}/approve")
    assert response.status_code == 200, response.content


def test_nobody_approves_or_rejects_their_own_request(company, api_as, complaint):
    # given the supervisor asks for more than their own limit, and so does the admin
    own = pending(api_as, company, complaint, 5000, user=company.supervisor_east)
    admins_own = pending(api_as, company, complaint, 20000, user=company.admin)
    for user, action in ((company.supervisor_east, own), (company.admin, admins_own)):
        api = api_as(user)
        # when they try to decide their own request
        approve = api.post(f"/api/v1/recovery/{action.pk}/approve", {})
        reject = api.post(f"/api/v1/recovery/{action.pk}/reject", {"reason": "算了"})
        # then both are refused and nothing changes
        assert approve.status_code == 403 and reject.status_code == 403
        assert approve.json()["code"] == reject.json()["code"] == "own_request"
        action.refresh_from_db()
        assert action.status == "pending" and action.decided_by is None
    # and the queue never offers one's own request
    assert own.pk not in [i["id"] for i in
                          api_as(company.supervisor_east).get("/api/v1/recovery/approvals")
                          .json()["items"]]
    admin_queue = api_as(company.admin).get("/api/v1/recovery/approvals").json()["items"]
    assert [i["id"] for i in admin_queue] == [own.pk]
    assert recovery_events(complaint) == ["recovery_requested", "recovery_requested"]


def test_an_approver_whose_limit_is_too_low_is_refused(company, api_as, complaint):
    # given 5,000 is waiting; the east supervisor may grant 2,000, the admin 10,000
    action = pending(api_as, company, complaint, 5000)
    # when the supervisor approves, then it is refused and the request still waits
    low = api_as(company.supervisor_east).post(f"/api/v1/recovery/{action.pk}/approve", {})
    assert low.status_code == 403 and low.json()["code"] == "above_your_limit"
    assert api_as(company.supervisor_east).get("/api/v1/recovery/approvals").json()["items"] == []
    action.refresh_from_db()
    assert action.status == "pending"
    # when the admin approves, then it is approved
    ok = api_as(company.admin).post(f"/api/v1/recovery/{action.pk}/approve", {})
    assert ok.status_code == 200 and ok.json()["status"] == "approved"


def test_rejecting_needs_a_reason(company, api_as, complaint):
    action = pending(api_as, company, complaint, 800)
    api = api_as(company.supervisor_east)
    # when rejecting without a reason (missing, empty, blank), then refused, nothing changes
    for body in ({}, {"reason": ""}, {"reason": "   "}):
        response = api.post(f"/api/v1/recovery/{action.pk}/reject", body)
        assert response.status_code in (400, 422), body
    action.refresh_from_db()
    assert action.status == "pending"
    assert recovery_events(complaint) == ["recovery_requested"]
    # when with a reason, then rejected and the requester is told why
    response = api.post(f"/api/v1/recovery/{action.pk}/reject", {"reason": "已补发商品"})
    assert response.status_code == 200 and response.json()["status"] == "rejected"
    assert response.json()["decision_reason"] == "已补发商品"
    told = Alert.objects.get(user=company.agent_east)
    assert told.args["reason"] == "已补发商品"
    with translation.override("en"):
        assert told.text.endswith("was rejected: 已补发商品")


def test_a_second_decision_is_refused_with_409(company, api_as, complaint):
    # given the supervisor has approved a request
    action = pending(api_as, company, complaint, 800)
    assert api_as(company.supervisor_east).post(f"/api/v1/recovery/{action.pk}/approve",
                                                {}).status_code == 200
    # when the admin tries to approve or reject it too
    again = api_as(company.admin).post(f"/api/v1/recovery/{action.pk}/approve", {})
    reject = api_as(company.admin).post(f"/api/v1/recovery/{action.pk}/reject",
                                        {"reason": "too much"})
    # then both are refused as a conflict and the first decision stands
    assert again.status_code == 409 and again.json()["code"] == "already_decided"
    assert reject.status_code == 409
    action.refresh_from_db()
    assert action.status == "approved" and action.decided_by == company.supervisor_east
    assert recovery_events(complaint) == ["recovery_requested", "recovery_approved"]


def test_the_requester_may_cancel_while_pending(company, api_as, complaint):
    action = pending(api_as, company, complaint, 800)
    # someone else cannot cancel it
    other = api_as(company.supervisor_east).post(f"/api/v1/recovery/{action.pk}/cancel")
    assert other.status_code == 403 and other.json()["code"] == "not_your_request"
    # the requester can, once
    mine = api_as(company.agent_east).post(f"/api/v1/recovery/{action.pk}/cancel")
    assert mine.status_code == 200 and mine.json()["status"] == "cancelled"
    assert api_as(company.agent_east).post(f"/api/v1/recovery/{action.pk}/cancel").status_code == 409
    # and a cancelled request can no longer be approved
    late = api_as(company.supervisor_east).post(f"/api/v1/recovery/{action.pk}/approve", {})
    assert late.status_code == 409
    assert recovery_events(complaint) == ["recovery_requested", "recovery_cancelled"]


def test_a_granted_action_cannot_be_cancelled(company, api_as, complaint):
    granted = ask(api_as, company.agent_east, complaint, 100).json()
    response = api_as(company.agent_east).post(f"/api/v1/recovery/{granted['id']}/cancel")
    assert response.status_code == 409


@pytest.mark.parametrize("payload", [
    {"kind": "refund", "amount": -1},
    {"kind": "refund", "amount": "-1"},
    {"kind": "refund", "amount": "1000000.01"},
    {"kind": "refund", "amount": 1e300},
    {"kind": "refund", "amount": 12.345},
    {"kind": "refund", "amount": "12.345"},
    {"kind": "refund", "amount": "1e3"},
    {"kind": "refund", "amount": "NaN"},
    {"kind": "refund", "amount": "Infinity"},
    {"kind": "refund", "amount": ""},
    {"kind": "refund", "amount": True},
    {"kind": "refund", "amount": None},
    {"kind": "refund", "amount": [5]},
    {"kind": "refund"},
    {"kind": "cash", "amount": 5},
    {"kind": "refund", "amount": 5, "currency": "cny"},
    {"kind": "refund", "amount": 5, "currency": "RMB1"},
    {"kind": "refund", "amount": 5, "currency": ""},
    {"kind": "refund", "amount": 5, "currency": None},
    {"kind": "refund", "amount": 5, "note": "x" * 2001},
    {"kind": "refund", "amount": 5, "note": "bad\x00byte"},
    {"kind": "refund", "amount": 5, "status": "approved"},
])
def test_bad_input_is_refused_and_nothing_is_written(company, api_as, complaint, payload):
    response = api_as(company.agent_east).post(f"/api/v1/tickets/{complaint.pk}/recovery",
                                               payload)
    assert 400 <= response.status_code < 500, response.content
    assert set(response.json()) == {"code", "message", "details"}
    assert not RecoveryAction.objects.exists()
    assert recovery_events(complaint) == []


@pytest.mark.parametrize("raw", ['{"kind": "refund", "amount": NaN}',
                                 '{"kind": "refund", "amount": Infinity}',
                                 '{"kind": "refund", "amount": -Infinity}',
                                 '{"kind": "refund", "amount": 1e400}',
                                 '{"kind": "refund", "amount": 5'])
def test_non_standard_json_numbers_are_refused(company, api_as, complaint, raw):
    response = api_as(company.agent_east).post(f"/api/v1/tickets/{complaint.pk}/recovery",
                                               raw=raw)
    assert 400 <= response.status_code < 500, response.content
    assert not RecoveryAction.objects.exists()


def test_a_closed_ticket_takes_no_new_recovery(company, api_as, complaint):
    # (closed directly: closing a complaint through the service needs its resolution and
    # follow-up recorded, which test_complaint_* cover)
    Ticket.objects.filter(pk=complaint.pk).update(status="closed")
    response = ask(api_as, company.agent_east, complaint, 10)
    assert response.status_code == 409 and response.json()["code"] == "ticket_closed"
    assert not RecoveryAction.objects.exists()


def test_invisible_tickets_and_actions_answer_404(company, api_as, complaint):
    # given an east ticket with a waiting request
    action = pending(api_as, company, complaint, 800)
    west = api_as(company.agent_west)
    # then agent_west can neither see nor touch any of it
    assert ask(api_as, company.agent_west, complaint, 10).status_code == 404
    assert west.get(f"/api/v1/tickets/{complaint.pk}/recovery").status_code == 404
    for verb, body in (("approve", {}), ("reject", {"reason": "no"}), ("cancel", None)):
        assert west.post(f"/api/v1/recovery/{action.pk}/{verb}", body).status_code == 404
    assert west.post("/api/v1/recovery/999999/approve", {}).status_code == 404
    assert west.get("/api/v1/recovery/approvals").json()["items"] == []
    assert RecoveryAction.objects.count() == 1


def test_customers_never_see_recovery_actions(company, api_as, complaint):
    # given a granted and a waiting action on Alice's ticket
    granted = ask(api_as, company.agent_east, complaint, 100).json()
    waiting = pending(api_as, company, complaint, 800)
    alice = api_as(company.customer_user)
    # then Alice, who can see her ticket, gets 403 on every recovery endpoint
    assert alice.get(f"/api/v1/tickets/{complaint.pk}").status_code == 200
    assert alice.get(f"/api/v1/tickets/{complaint.pk}/recovery").status_code == 403
    assert ask(api_as, company.customer_user, complaint, 0, kind="gift").status_code == 403
    assert alice.get("/api/v1/recovery/approvals").status_code == 403
    assert alice.get("/api/v1/recovery/limits").status_code == 403
    assert alice.get("/api/v1/reports/recovery-outcomes").status_code == 403
    for action_id in (granted["id"], waiting.pk):
        assert alice.post(f"/api/v1/recovery/{action_id}/approve", {}).status_code == 403
    # and her ticket's events and her timeline say nothing about it
    kinds = {e["kind"] for e in alice.get(f"/api/v1/tickets/{complaint.pk}/events").json()["items"]}
    assert not kinds & set(RECOVERY_EVENTS)
    timeline = alice.get(f"/api/v1/customers/{company.alice.pk}/timeline").content.decode()
    assert "recovery" not in timeline and "800" not in timeline
    assert RecoveryAction.objects.count() == 2


def test_auditors_read_but_never_write(company, api_as, complaint):
    action = pending(api_as, company, complaint, 800)
    auditor = api_as(company.auditor)
    listed = auditor.get(f"/api/v1/tickets/{complaint.pk}/recovery")
    assert listed.status_code == 200 and listed.json()["items"][0]["can_decide"] is False
    assert ask(api_as, company.auditor, complaint, 0, kind="apology_visit").status_code == 403
    for verb, body in (("approve", {}), ("reject", {"reason": "审计"}), ("cancel", None)):
        assert auditor.post(f"/api/v1/recovery/{action.pk}/{verb}", body).status_code == 403
    assert auditor.get("/api/v1/recovery/approvals").json()["items"] == []
    assert auditor.get("/api/v1/reports/recovery-outcomes").status_code == 200
    action.refresh_from_db()
    assert action.status == "pending" and RecoveryAction.objects.count() == 1


def test_the_queue_holds_what_i_may_decide_and_nothing_else(company, api_as, complaint,
                                                            make_ticket):
    # given requests by the agent (800 and 5,000) and by the supervisor (5,000)
    small = pending(api_as, company, complaint, 800)
    large = pending(api_as, company, complaint, 5000)
    supervisors = pending(api_as, company, complaint, 5000, user=company.supervisor_east)
    # and a west ticket's request the east supervisor cannot see
    west_ticket = make_ticket(company.agent_west, company.bob, type="complaint")
    west = pending(api_as, company, west_ticket, 900, user=company.agent_west)

    def queue(user):
        return [i["id"] for i in api_as(user).get("/api/v1/recovery/approvals").json()["items"]]

    # then each approver's queue holds only what they may decide, oldest first
    assert queue(company.supervisor_east) == [small.pk]
    assert queue(company.admin) == [small.pk, large.pk, supervisors.pk, west.pk]
    assert queue(company.agent_east) == [] and queue(company.agent_west) == []


def test_the_queue_pages_with_a_cursor(company, api_as, complaint):
    ids = [pending(api_as, company, complaint, 600 + n).pk for n in range(5)]
    api = api_as(company.supervisor_east)
    first = api.get("/api/v1/recovery/approvals", {"limit": 3}).json()
    second = api.get("/api/v1/recovery/approvals", {"limit": 3, "cursor": first["next"]}).json()
    assert [i["id"] for i in first["items"] + second["items"]] == ids
    assert second["next"] is None
    bad = api.get("/api/v1/recovery/approvals", {"cursor": "nonsense"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_cursor"


def test_tier_limits_apply_to_the_queue(company, api_as, make_ticket, limits):
    # given supervisors may approve up to 3,000 for VIP customers (2,000 for others)
    EmpowermentLimit.objects.create(role="supervisor", tier=company.vip, currency="CNY",
                                    max_amount=Decimal("3000"))
    vip_ticket = make_ticket(company.agent_east, company.alice, type="complaint")
    carol = company.alice.__class__.objects.create(name="卡罗尔", tier=company.regular,
                                                   branch=company.east)
    regular_ticket = make_ticket(company.agent_east, carol, type="complaint")
    vip = pending(api_as, company, vip_ticket, 2500)
    pending(api_as, company, regular_ticket, 2500)
    # then the east supervisor is offered the VIP one only, and may approve it
    items = api_as(company.supervisor_east).get("/api/v1/recovery/approvals").json()["items"]
    assert [i["id"] for i in items] == [vip.pk]
    assert api_as(company.supervisor_east).post(f"/api/v1/recovery/{vip.pk}/approve",
                                                {}).status_code == 200


def test_other_currencies_need_their_own_limit(company, api_as, complaint):
    # given agents have CNY limits only: 10 USD waits for approval
    response = ask(api_as, company.agent_east, complaint, 10, currency="USD")
    assert response.status_code == 201 and response.json()["status"] == "pending"
    # and no supervisor or admin has a USD limit either: the admins are told to review
    assert "above every approver" in Alert.objects.get().message


def test_my_limits(company, api_as, limits):
    items = api_as(company.agent_east).get("/api/v1/recovery/limits").json()["items"]
    assert sorted((i["tier"] or "", i["kind"], i["max_amount"]) for i in items) == [
        ("", None, "200.00"), ("vip", None, "500.00")]
    assert api_as(company.auditor).get("/api/v1/recovery/limits").json() == {"items": [],
                                                                           "next": None}


def test_list_queries_do_not_grow_with_the_page(company, api_as, complaint, make_ticket):
    # given many waiting requests on several tickets, by several people
    tickets = [complaint] + [make_ticket(company.agent_east, company.alice, type="complaint")
                             for _ in range(3)]
    for n in range(24):
        user = (company.agent_east, company.agent_hq)[n % 2] if n % 3 else company.agent_east
        ticket = tickets[n % 4]
        if user == company.agent_hq:
            ticket_services.ticket_assign(ticket=ticket, actor=company.agent_east,
                                          assignee=company.agent_hq)
        assert ask(api_as, user, ticket, 700 + n).status_code == 201
    api = api_as(company.supervisor_east)
    api.get("/api/v1/me")  # the first request of a token records its use: not the list's cost
    for path in ("/api/v1/recovery/approvals", f"/api/v1/tickets/{tickets[1].pk}/recovery"):
        counts = []
        for limit in (2, 20):
            with CaptureQueriesContext(connection) as queries:
                response = api.get(path, {"limit": limit})
            assert response.status_code == 200
            assert len(response.json()["items"]) == min(limit, 24 if "approvals" in path else 6)
            counts.append(len(queries))
        assert counts[0] == counts[1], (path, counts)


def test_the_service_itself_refuses_a_ticket_the_actor_cannot_see(company, complaint):
    # given a caller that skipped ticket_get_for
    from kefu.core.errors import NotFound
    from kefu.workflow.services.recovery import recovery_request

    # then the service still answers "not found" and writes nothing
    with pytest.raises(NotFound):
        recovery_request(ticket=complaint, actor=company.agent_west, kind="gift", amount=0)
    assert not RecoveryAction.objects.exists()
