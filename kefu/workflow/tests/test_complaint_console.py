"""The seven-step checklist, resolution card and skipped-steps report in the agent console."""

from datetime import timedelta

import pytest
from django.utils import timezone

from kefu.core.testing.console import signed_in, ticket_page
from kefu.tickets.models import TicketEvent
from kefu.workflow.models import Commitment, ComplaintStep, FollowUp, Resolution
from kefu.workflow.playbook import DEFAULTS
from kefu.workflow.services.complaint import complaint_step_record, resolution_record


@pytest.fixture
def complaint(company, make_ticket):
    return make_ticket(company.agent_east, company.alice, subject="配送延误三天", type="complaint")


@pytest.mark.parametrize("language, title, help_key", [
    ("zh-hans", "投诉处理七步法", "help"),
    ("en", "Complaint handling: the seven steps", "help_en"),
])
def test_the_checklist_renders_with_the_playbook_in_the_users_language(
        company, complaint, language, title, help_key):
    # given a complaint with step 3 done using 对不起
    complaint_step_record(ticket=complaint, actor=company.agent_east, step=3, apology="duibuqi",
                          skip_earlier_reason="补录")
    # when the owner opens the ticket in their language
    page = ticket_page(signed_in(company.agent_east, language), complaint.pk)
    html = page.content.decode()
    # then the seven steps are there with the playbook's help and phrases in that language
    assert page.status_code == 200
    assert 'id="complaint-flow"' in html and title in html
    for step in range(1, 8):
        assert f'id="complaint-step-{step}"' in html
    assert DEFAULTS[4][help_key][:20] in html
    phrase = DEFAULTS[2]["phrases"]["en" if language == "en" else "zh-hans"][0]
    assert phrase in html
    # the four apologies with when each fits, and the one used
    for expression in ("不好意思", "对不起", "请您原谅"):
        assert expression in html
    assert "对不起</strong>" in html
    # the form for step 4 (the next one) asks the playbook questions
    assert 'id="step-form-4"' in html and 'id="step-form-3"' not in html
    # and the owner stays accountable until confirmed
    assert 'id="owner-accountable"' not in html  # no resolution yet
    assert "call-back" in html or "回访" in html


def test_recording_a_step_through_the_form(company, complaint):
    client = signed_in(company.agent_east)
    # when the owner records step 1 / then it is recorded and we are back on the ticket
    response = client.post(f"/tickets/{complaint.pk}/complaint/steps/",
                           {"step": "1", "outcome": "done", "note": "请到接待室"})
    assert response.status_code == 302 and response["Location"] == f"/tickets/{complaint.pk}/"
    row = ComplaintStep.objects.get(ticket=complaint)
    assert (row.step, row.outcome, row.actor, row.note) == (1, "done", company.agent_east, "请到接待室")
    html = ticket_page(client, complaint.pk).content.decode()
    assert 'id="step-form-1"' not in html and 'id="step-form-2"' in html


def test_the_step_forms_capture_apology_answers_and_a_deadline(company, complaint):
    client = signed_in(company.agent_east)
    url = f"/tickets/{complaint.pk}/complaint/steps/"
    client.post(url, {"step": "1", "outcome": "skipped", "reason": "电话投诉"})
    client.post(url, {"step": "2", "outcome": "done"})
    client.post(url, {"step": "3", "outcome": "done", "apology": "baoqian"})
    client.post(url, {"step": "4", "outcome": "done", "q0": "客户到底想要什么？", "k0": "open",
                      "a0": "尽快送到", "q1": "问题的根本原因是什么？", "k1": "open", "a1": ""})
    due = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    client.post(url, {"step": "5", "outcome": "done", "solution": "明天上午送达", "due_at": due})
    client.post(url, {"step": "6", "outcome": "done", "q0": "您接受这个处理方案吗？",
                      "k0": "closed", "a0": "partly"})
    rows = {r.step: r for r in ComplaintStep.objects.filter(ticket=complaint)}
    assert sorted(rows) == [1, 2, 3, 4, 5, 6]
    assert rows[1].reason == "电话投诉" and rows[3].data == {"apology": "baoqian"}
    assert rows[4].data["answers"] == [{"question": "客户到底想要什么？", "answer": "尽快送到",
                                        "kind": "open"}]
    commitment = Commitment.objects.get(ticket=complaint)
    assert timezone.localtime(commitment.due_at).strftime("%Y-%m-%dT%H:%M") == due
    assert rows[6].data["answers"][0]["answer"] == "partly"
    html = ticket_page(client, complaint.pk).content.decode()
    assert "明天上午送达" in html and 'id="commitments"' in html and "抱歉 / 非常抱歉" in html


def test_an_out_of_order_or_past_deadline_post_shows_an_error_and_writes_nothing(company, complaint):
    client = signed_in(company.agent_east)
    url = f"/tickets/{complaint.pk}/complaint/steps/"
    response = client.post(url, {"step": "3", "outcome": "done", "apology": "baoqian"}, follow=True)
    assert b'class="error"' in response.content and not ComplaintStep.objects.exists()
    response = client.post(url, {"step": "5", "outcome": "done", "solution": "x",
                                 "skip_earlier_reason": "补录", "due_at": "2001-01-01T10:00"},
                           follow=True)
    assert b'class="error"' in response.content and not ComplaintStep.objects.exists()
    response = client.post(url, {"step": "x"}, follow=True)
    assert b'class="error"' in response.content
    assert not Commitment.objects.exists()
    before = TicketEvent.objects.filter(ticket=complaint).count()
    assert before == 1  # only "created"


def test_follow_up_schedule_and_outcome_and_keeping_a_promise(company, complaint):
    client = signed_in(company.agent_east)
    due = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    client.post(f"/tickets/{complaint.pk}/follow-ups/", {"due_at": due, "purpose": "回访"})
    follow_up = FollowUp.objects.get(ticket=complaint)
    assert follow_up.assigned_to == company.agent_east
    client.post(f"/follow-ups/{follow_up.pk}/complete/", {"outcome": "satisfied", "note": "好"})
    follow_up.refresh_from_db()
    assert follow_up.outcome == "satisfied"
    complaint_step_record(ticket=complaint, actor=company.agent_east, step=5, solution="送达",
                          due_at=timezone.now() + timedelta(hours=3), skip_earlier_reason="补录")
    commitment = Commitment.objects.get()
    response = client.post(f"/commitments/{commitment.pk}/keep/")
    assert response.status_code == 302 and response["Location"] == f"/tickets/{complaint.pk}/"
    assert Commitment.objects.get().status == "kept"


def test_the_owner_stays_accountable_until_a_call_back_verifies(company, complaint):
    client = signed_in(company.agent_east, "en")
    client.post(f"/tickets/{complaint.pk}/resolution/", {"summary": "已补发并致歉"})
    html = ticket_page(client, complaint.pk).content.decode()
    assert 'id="owner-accountable"' in html and 'id="callback-form"' in html
    assert "The owner stays accountable until the customer confirms or a call-back verifies." in html
    client.post(f"/tickets/{complaint.pk}/resolution/confirm/", {"note": "回访：客户满意"})
    resolution = Resolution.objects.get(ticket=complaint)
    assert resolution.confirmation == "callback"
    html = ticket_page(client, complaint.pk).content.decode()
    assert 'id="owner-accountable"' not in html and 'id="resolution-confirmed"' in html


def test_other_tickets_get_only_the_resolution_card(company, make_ticket):
    inquiry = make_ticket(company.agent_east, company.alice)
    resolution_record(ticket=inquiry, actor=company.agent_east, summary="已答复")
    html = ticket_page(signed_in(company.agent_east), inquiry.pk).content.decode()
    assert 'id="complaint-flow"' not in html and 'id="resolution-card"' in html
    assert 'id="owner-accountable"' in html


def test_colleagues_outside_the_ticket_get_404(company, complaint):
    west = signed_in(company.agent_west)
    assert west.post(f"/tickets/{complaint.pk}/complaint/steps/",
                     {"step": "1"}).status_code == 404
    assert west.post(f"/tickets/{complaint.pk}/resolution/", {"summary": "x"}).status_code == 404
    assert not ComplaintStep.objects.exists() and not Resolution.objects.exists()


def test_the_report_page_for_supervisors_not_agents(company, complaint):
    complaint_step_record(ticket=complaint, actor=company.agent_east, step=1, outcome="skipped",
                          reason="电话投诉")
    page = signed_in(company.supervisor_east, "en").get("/reports/complaint-steps/?days=30")
    html = page.content.decode()
    assert page.status_code == 200 and 'id="complaint-steps-report"' in html
    assert "电话投诉" in html and 'id="report-step-7"' in html
    assert signed_in(company.auditor).get("/reports/complaint-steps/?days=all").status_code == 200
    assert signed_in(company.agent_east).get("/reports/complaint-steps/").status_code == 403
