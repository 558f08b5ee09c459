"""Complaint endpoints: the checklist, steps, commitments, follow-ups, resolution and
confirmation, the report — every role, invisible tickets (404), bad input (4xx, nothing
written), and a fixed number of queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kefu.tickets.models import TicketEvent
from kefu.workflow.models import Commitment, ComplaintStep, FollowUp, Resolution
from kefu.workflow.services.complaint import (
    complaint_step_record,
    follow_up_schedule,
    resolution_record,
)

HUGE = 10**20


@pytest.fixture
def complaint(company, make_ticket):
    return make_ticket(company.agent_east, company.alice, subject="账单多扣了钱", type="complaint")


def iso(**kw) -> str:
    return (timezone.now() + timedelta(**kw)).isoformat()


def _written(ticket):
    return (ComplaintStep.objects.count(), Commitment.objects.count(), FollowUp.objects.count(),
            Resolution.objects.count(), TicketEvent.objects.filter(ticket=ticket).count())


def _steps_url(ticket):
    return f"/api/v1/tickets/{ticket.pk}/complaint/steps"


def test_the_whole_flow_through_the_api(company, api_as, complaint):
    api = api_as(company.agent_east)
    # given a fresh complaint: seven steps to do, the playbook, two things stopping a close
    checklist = api.get(f"/api/v1/tickets/{complaint.pk}/complaint").json()
    assert checklist["is_complaint"] and checklist["next_step"] == 1
    assert [s["step"] for s in checklist["steps"]] == [1, 2, 3, 4, 5, 6, 7]
    assert all(s["record"] is None and s["playbook"]["help"] for s in checklist["steps"])
    assert len(checklist["steps"][3]["playbook"]["questions"]) >= 3
    assert [a["code"] for a in checklist["apologies"]] == [
        "buhaoyisi", "baoqian", "duibuqi", "qingyuanliang"]
    assert len(checklist["close_problems"]) == 2 and checklist["owner_accountable"]
    # when the agent works through the seven steps
    bodies = [
        {"step": 1, "note": "请客户到接待室"},
        {"step": 2, "outcome": "skipped", "reason": "客户情绪平稳"},
        {"step": 3, "apology": "duibuqi"},
        {"step": 4, "answers": [{"question": "客户到底想要什么？", "answer": "退还多扣的钱"}]},
        {"step": 5, "solution": "三个工作日内退款", "due_at": iso(days=3)},
        {"step": 6, "answers": [{"question": "您接受这个处理方案吗？", "answer": "yes",
                                 "kind": "closed"}]},
    ]
    for body in bodies:
        response = api.post(_steps_url(complaint), body)
        assert response.status_code == 201, response.content
        assert response.json()["step"] == body["step"]
        assert response.json()["actor"]["username"] == "agent-east"
    commitment = Commitment.objects.get(ticket=complaint)
    scheduled = api.post(f"/api/v1/tickets/{complaint.pk}/follow-ups",
                         {"due_at": iso(days=4), "purpose": "确认退款到账"})
    assert scheduled.status_code == 201 and scheduled.json()["assigned_to"]["username"] == "agent-east"
    kept = api.post(f"/api/v1/commitments/{commitment.pk}/keep")
    assert kept.status_code == 200 and kept.json()["status"] == "kept"
    done = api.post(f"/api/v1/follow-ups/{scheduled.json()['id']}/complete",
                    {"outcome": "satisfied", "note": "已到账"})
    assert done.status_code == 200 and done.json()["outcome"] == "satisfied"
    # (reaching the customer at the follow-up completed step 7)
    again = api.post(_steps_url(complaint), {"step": 7, "note": "回访满意"})
    assert again.status_code == 409 and again.json()["code"] == "step_already_recorded"
    recorded = api.post(f"/api/v1/tickets/{complaint.pk}/resolution", {"summary": "已退款"})
    assert recorded.status_code == 201 and recorded.json()["confirmed"] is False
    # then the checklist shows everything recorded and nothing stops the close
    checklist = api.get(f"/api/v1/tickets/{complaint.pk}/complaint").json()
    assert checklist["next_step"] is None and checklist["close_problems"] == []
    assert checklist["steps"][1]["record"]["outcome"] == "skipped"
    assert checklist["steps"][2]["record"]["data"] == {"apology": "duibuqi"}
    assert checklist["commitments"][0]["status"] == "kept"
    assert checklist["follow_ups"][0]["outcome"] == "satisfied"
    assert checklist["owner_accountable"] is True  # until confirmed
    # when Alice confirms on her own ticket
    alice = api_as(company.customer_user)
    confirmed = alice.post(f"/api/v1/tickets/{complaint.pk}/resolution/confirm", {})
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["confirmation"] == "customer"
    assert "confirmed_by" not in confirmed.json() or confirmed.json()["confirmed_by"] is None
    assert api.get(f"/api/v1/tickets/{complaint.pk}/complaint").json()["owner_accountable"] is False


def test_the_owner_verifies_by_call_back_with_a_note(company, api_as, complaint):
    resolution_record(ticket=complaint, actor=company.agent_east, summary="已退款")
    api = api_as(company.agent_east)
    url = f"/api/v1/tickets/{complaint.pk}/resolution/confirm"
    assert api.post(url, {}).status_code == 400  # staff need a note
    assert api_as(company.supervisor_east).get(f"/api/v1/tickets/{complaint.pk}/resolution"
                                               ).json()["confirmed"] is False
    response = api.post(url, {"note": "回访核实：客户已收到退款"})
    assert response.status_code == 200
    assert (response.json()["confirmation"], response.json()["confirmed_by"]["username"]) == (
        "callback", "agent-east")
    again = api_as(company.customer_user).post(url, {})
    assert again.status_code == 409 and again.json()["code"] == "already_confirmed"


def test_customers_see_their_resolution_without_staff_details(company, api_as, complaint):
    resolution_record(ticket=complaint, actor=company.agent_east, summary="已退款")
    body = api_as(company.customer_user).get(f"/api/v1/tickets/{complaint.pk}/resolution").json()
    assert body["summary"] == "已退款" and body["confirmed"] is False
    assert body.get("recorded_by") is None and body.get("confirmation_note") is None


def test_out_of_order_steps_answer_409_and_write_nothing(company, api_as, complaint):
    api = api_as(company.agent_east)
    before = _written(complaint)
    response = api.post(_steps_url(complaint), {"step": 4, "answers": [
        {"question": "q", "answer": "a"}]})
    assert response.status_code == 409 and response.json()["code"] == "steps_out_of_order"
    assert response.json()["details"]["missing"] == [1, 2, 3]
    assert _written(complaint) == before
    # with a reason the earlier ones are skipped
    response = api.post(_steps_url(complaint), {"step": 2, "skip_earlier_reason": "线上投诉"})
    assert response.status_code == 201
    assert ComplaintStep.objects.get(ticket=complaint, step=1).outcome == "skipped"


def test_a_deadline_in_the_past_is_refused_and_nothing_written(company, api_as, complaint):
    for step in (1, 2):
        complaint_step_record(ticket=complaint, actor=company.agent_east, step=step)
    complaint_step_record(ticket=complaint, actor=company.agent_east, step=3, apology="baoqian")
    complaint_step_record(ticket=complaint, actor=company.agent_east, step=4,
                          answers=[{"question": "q", "answer": "a"}])
    api = api_as(company.agent_east)
    before = _written(complaint)
    for due_at, status, code in ((iso(hours=-2), 400, "in_the_past"),
                                 ("2030-01-01T10:00:00", 400, "invalid_datetime"),
                                 ("9999-12-31T23:59:59-05:00", 400, "invalid_datetime"),
                                 ("tomorrow", 422, "invalid_input"),
                                 (1893456000, 422, "invalid_input")):
        response = api.post(_steps_url(complaint), {"step": 5, "solution": "退款", "due_at": due_at})
        assert (response.status_code, response.json()["code"]) == (status, code), due_at
    assert _written(complaint) == before


@pytest.mark.parametrize("body", [
    {"step": 0},
    {"step": 8},
    {"step": "1"},
    {"step": 1, "outcome": "maybe"},
    {"step": 1, "surprise": True},
    {"step": 1, "note": "x" * 4001},
    {"step": 3, "apology": "sorry"},
    {"step": 1, "answers": [{"question": "q"}] * 21},
    {"step": 1, "answers": [{"question": "", "answer": "a"}]},
])
def test_bad_step_input_answers_422_and_writes_nothing(company, api_as, complaint, body):
    before = _written(complaint)
    response = api_as(company.agent_east).post(_steps_url(complaint), body)
    assert response.status_code == 422, response.content
    assert set(response.json()) == {"code", "message", "details"}
    assert _written(complaint) == before


def test_rule_breaking_input_answers_400_and_writes_nothing(company, api_as, complaint):
    api = api_as(company.agent_east)
    before = _written(complaint)
    for body, code in (({"step": 1, "outcome": "skipped"}, "required"),
                       ({"step": 1, "note": "a\x00b"}, "invalid_text")):
        response = api.post(_steps_url(complaint), body)
        assert (response.status_code, response.json()["code"]) == (400, code)
    assert _written(complaint) == before


def test_an_inquiry_has_no_steps_but_the_checklist_says_so(company, api_as, make_ticket):
    inquiry = make_ticket(company.agent_east, company.alice)
    api = api_as(company.agent_east)
    assert api.get(f"/api/v1/tickets/{inquiry.pk}/complaint").json()["is_complaint"] is False
    response = api.post(_steps_url(inquiry), {"step": 1})
    assert response.status_code == 409 and response.json()["code"] == "not_a_complaint"


def test_tickets_the_caller_cannot_see_answer_404_everywhere(company, api_as, complaint):
    complaint_step_record(ticket=complaint, actor=company.agent_east, step=1,
                          skip_earlier_reason="")
    complaint_step_record(ticket=complaint, actor=company.agent_east, step=5, solution="退款",
                          due_at=timezone.now() + timedelta(days=1), skip_earlier_reason="补录")
    commitment = Commitment.objects.get()
    follow_up = follow_up_schedule(ticket=complaint, actor=company.agent_east,
                                   due_at=timezone.now() + timedelta(days=1))
    resolution_record(ticket=complaint, actor=company.agent_east, summary="已退款")
    before = _written(complaint)
    t = complaint.pk
    for user in (company.agent_west, company.other_customer_user):
        api = api_as(user)
        for path in (f"/api/v1/tickets/{t}/complaint", f"/api/v1/tickets/{t}/resolution"):
            assert api.get(path).status_code == 404, (user, path)
        for path, body in ((f"/api/v1/tickets/{t}/complaint/steps", {"step": 6}),
                           (f"/api/v1/commitments/{commitment.pk}/keep", None),
                           (f"/api/v1/tickets/{t}/follow-ups", {"due_at": iso(days=1)}),
                           (f"/api/v1/follow-ups/{follow_up.pk}/complete", {"outcome": "satisfied"}),
                           (f"/api/v1/tickets/{t}/resolution", {"summary": "x"}),
                           (f"/api/v1/tickets/{t}/resolution/confirm", {"note": "x"})):
            assert api.post(path, body).status_code == 404, (user, path)
    assert _written(complaint) == before


def test_auditors_read_and_customers_see_nothing_internal(company, api_as, complaint):
    complaint_step_record(ticket=complaint, actor=company.agent_east, step=5, solution="退款",
                          due_at=timezone.now() + timedelta(days=1), skip_earlier_reason="补录")
    commitment = Commitment.objects.get()
    follow_up = follow_up_schedule(ticket=complaint, actor=company.agent_east,
                                   due_at=timezone.now() + timedelta(days=1))
    resolution_record(ticket=complaint, actor=company.agent_east, summary="已退款")
    before = _written(complaint)
    t = complaint.pk
    writes = ((f"/api/v1/tickets/{t}/complaint/steps", {"step": 6}),
              (f"/api/v1/commitments/{commitment.pk}/keep", None),
              (f"/api/v1/tickets/{t}/follow-ups", {"due_at": iso(days=1)}),
              (f"/api/v1/follow-ups/{follow_up.pk}/complete", {"outcome": "satisfied"}),
              (f"/api/v1/tickets/{t}/resolution", {"summary": "x"}))
    auditor = api_as(company.auditor)
    assert auditor.get(f"/api/v1/tickets/{t}/complaint").status_code == 200
    for path, body in (*writes, (f"/api/v1/tickets/{t}/resolution/confirm", {"note": "x"})):
        assert auditor.post(path, body).status_code == 403, path
    alice = api_as(company.customer_user)
    assert alice.get(f"/api/v1/tickets/{t}/complaint").status_code == 403
    for path, body in writes:
        assert alice.post(path, body).status_code in (403, 404), path
    assert _written(complaint) == before


def test_follow_up_input_is_checked(company, api_as, complaint):
    api = api_as(company.agent_east)
    url = f"/api/v1/tickets/{complaint.pk}/follow-ups"
    before = _written(complaint)
    for body, status in (({"due_at": iso(hours=-1)}, 400),
                         ({}, 422),
                         ({"due_at": iso(days=1), "assigned_to_id": 999_999}, 404),
                         ({"due_at": iso(days=1), "assigned_to_id": HUGE}, 404),
                         ({"due_at": iso(days=1), "assigned_to_id": company.customer_user.pk}, 400)):
        assert api.post(url, body).status_code == status, body
    assert _written(complaint) == before
    response = api.post(url, {"due_at": iso(days=1), "assigned_to_id": company.agent_hq.pk})
    assert response.status_code == 201 and response.json()["assigned_to"]["username"] == "agent-hq"
    follow_up = response.json()["id"]
    bad = api.post(f"/api/v1/follow-ups/{follow_up}/complete", {"outcome": "happy"})
    assert bad.status_code == 422
    needs_note = api.post(f"/api/v1/follow-ups/{follow_up}/complete", {"outcome": "not_satisfied"})
    assert needs_note.status_code == 400
    assert api.post(f"/api/v1/follow-ups/{follow_up}/complete",
                    {"outcome": "unreachable"}).status_code == 200
    assert api.post(f"/api/v1/follow-ups/{follow_up}/complete",
                    {"outcome": "satisfied"}).status_code == 409


def test_unknown_and_huge_ids_answer_404(company, api_as):
    api = api_as(company.admin)
    for path in (f"/api/v1/commitments/{HUGE}/keep", "/api/v1/commitments/999999/keep",
                 f"/api/v1/follow-ups/{HUGE}/complete"):
        assert api.post(path, {"outcome": "satisfied"} if "follow" in path else None
                        ).status_code == 404, path
    assert api.get(f"/api/v1/tickets/{HUGE}/complaint").status_code == 404
    assert api.get("/api/v1/tickets/999999/resolution").status_code == 404


def test_resolution_input_is_checked(company, api_as, complaint):
    api = api_as(company.agent_east)
    url = f"/api/v1/tickets/{complaint.pk}/resolution"
    assert api.post(url, {"summary": ""}).status_code == 422
    assert api.post(url, {"summary": "   "}).status_code == 400
    assert api.post(f"{url}/confirm", {"note": "回访"}).status_code == 409  # nothing to confirm
    assert api.get(url).status_code == 404
    assert not Resolution.objects.exists()


def test_the_report_for_supervisors_admins_and_auditors_only(company, api_as, complaint):
    complaint_step_record(ticket=complaint, actor=company.agent_east, step=1, outcome="skipped",
                          reason="电话投诉")
    for user in (company.supervisor_east, company.admin, company.auditor):
        body = api_as(user).get("/api/v1/reports/complaint-steps").json()
        assert body["next"] is None and len(body["items"]) == 7
        assert body["items"][0]["skipped"] == 1
        assert body["items"][0]["reasons"] == [{"reason": "电话投诉", "count": 1}]
    assert api_as(company.agent_east).get("/api/v1/reports/complaint-steps").status_code == 403
    assert api_as(company.customer_user).get("/api/v1/reports/complaint-steps").status_code == 403
    api = api_as(company.admin)
    future = api.get("/api/v1/reports/complaint-steps", {"since": iso(days=1)}).json()
    assert future["items"][0]["skipped"] == 0
    assert api.get("/api/v1/reports/complaint-steps", {"since": "soon"}).status_code == 422
    naive = api.get("/api/v1/reports/complaint-steps", {"since": "2024-01-01T00:00:00"})
    assert naive.status_code == 400


def _queries(api, path) -> int:
    api.get(path)
    with CaptureQueriesContext(connection) as ctx:
        assert api.get(path).status_code == 200
    return len(ctx.captured_queries)


def test_the_checklist_and_report_cost_a_fixed_number_of_queries(company, api_as, make_ticket):
    # given one complaint with a single promise and follow-up, another with many
    small = make_ticket(company.agent_east, company.alice, type="complaint")
    big = make_ticket(company.agent_east, company.alice, type="complaint")
    for ticket, n in ((small, 1), (big, 8)):
        for i in range(n):
            Commitment.objects.create(ticket=ticket, text=f"承诺{i}", promised_by=company.agent_hq,
                                      due_at=timezone.now() + timedelta(days=i + 1),
                                      created_at=timezone.now())
            follow_up_schedule(ticket=ticket, actor=company.agent_east,
                               due_at=timezone.now() + timedelta(days=i + 1),
                               assigned_to=[company.agent_east, company.agent_hq][i % 2])
        complaint_step_record(ticket=ticket, actor=company.agent_east, step=1)
    big_steps = [2, 3, 4, 5, 6, 7]
    for step in big_steps:
        complaint_step_record(ticket=big, actor=company.agent_east, step=step, outcome="skipped",
                              reason=f"原因{step}")
    api = api_as(company.agent_east)
    assert _queries(api, f"/api/v1/tickets/{small.pk}/complaint") == _queries(
        api, f"/api/v1/tickets/{big.pk}/complaint")
    # and the report does not grow with the number of complaints
    supervisor = api_as(company.supervisor_east)
    few = _queries(supervisor, "/api/v1/reports/complaint-steps")
    for i in range(5):
        ticket = make_ticket(company.agent_east, company.alice, type="complaint")
        complaint_step_record(ticket=ticket, actor=company.agent_east, step=1, outcome="skipped",
                              reason=f"理由{i}")
    assert _queries(supervisor, "/api/v1/reports/complaint-steps") == few
