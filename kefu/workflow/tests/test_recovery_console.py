"""Service recovery in the console: the ticket-page panel (both languages), the request
form, the approvals page and its decisions, and who may reach them."""

from __future__ import annotations

import shutil
from decimal import Decimal

import pytest
from django.test import Client, override_settings

from kefu.core import i18n_check
from kefu.core.i18n_compile import compile_all
from kefu.core.testing.console import signed_in, ticket_page
from kefu.workflow.models import EmpowermentLimit, RecoveryAction
from kefu.workflow.services import recovery as services


@pytest.fixture
def compiled_locale(tmp_path):
    """The committed catalogues compiled afresh (the tree's .mo files may be stale)."""
    for po in i18n_check.LOCALE_DIR.glob("*/LC_MESSAGES/*.po"):
        target = tmp_path / po.relative_to(i18n_check.LOCALE_DIR)
        target.parent.mkdir(parents=True)
        shutil.copy(po, target)
    assert compile_all(tmp_path)
    with override_settings(LOCALE_PATHS=[tmp_path]):
        yield tmp_path


@pytest.fixture
def complaint(company, make_ticket):
    """Alice's complaint on the east desk; agents may grant 200 CNY, supervisors 2,000."""
    EmpowermentLimit.objects.create(role="agent", currency="CNY", max_amount=Decimal("200"))
    EmpowermentLimit.objects.create(role="supervisor", currency="CNY",
                                    max_amount=Decimal("2000"))
    return make_ticket(company.agent_east, company.alice, type="complaint",
                       subject="冰箱送坏了 broken fridge")



def test_the_panel_renders_in_chinese_and_english(company, complaint, compiled_locale):
    # given a granted and a waiting action on the ticket
    services.recovery_request(ticket=complaint, actor=company.agent_east, kind="refund",
                              amount="100", note="先退部分运费")
    services.recovery_request(ticket=complaint, actor=company.agent_east, kind="voucher",
                              amount="800")
    # when the agent opens the ticket in Chinese
    page = ticket_page(signed_in(company.agent_east), complaint.pk)
    # then the panel lists both, with the request form and the agent's own limit
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="recovery-panel"' in html and 'id="recovery-form"' in html
    assert "退款" in html and "待审批" in html and "先退部分运费" in html
    assert "200.00" in html
    # the requester may cancel the waiting one, but not approve it
    assert "recovery-cancel" in html and "recovery-approve" not in html
    # when the agent reads it in English
    html = ticket_page(signed_in(company.agent_east, "en"), complaint.pk).content.decode()
    assert "Refund" in html and "Waiting for approval" in html
    assert "Request recovery" in html
    assert "granted service recovery: Refund 100.00 CNY (within their own limit)" in html
    assert "asked for service recovery: Voucher 800.00 CNY, waiting for approval" in html


def test_the_supervisor_sees_approve_and_reject_on_the_ticket(company, complaint):
    services.recovery_request(ticket=complaint, actor=company.agent_east, kind="gift",
                              amount="800")
    html = ticket_page(signed_in(company.supervisor_east), complaint.pk).content.decode()
    assert "recovery-approve" in html and "recovery-reject" in html
    assert "recovery-cancel" not in html


def test_auditors_see_the_panel_without_any_form(company, complaint):
    services.recovery_request(ticket=complaint, actor=company.agent_east, kind="gift",
                              amount="800")
    html = ticket_page(signed_in(company.auditor), complaint.pk).content.decode()
    assert 'id="recovery-panel"' in html
    assert 'id="recovery-form"' not in html and "recovery-approve" not in html


def test_a_form_post_requests_recovery(company, complaint):
    # when the agent asks for 800 CNY through the form (currency typed in lower case)
    client = signed_in(company.agent_east)
    response = client.post(f"/tickets/{complaint.pk}/recovery/",
                           {"kind": "refund", "amount": "800", "currency": "cny",
                            "note": "顾客等了三天"})
    # then it waits for approval and the agent is back on the ticket, told so
    assert response.status_code == 302 and response["Location"] == f"/tickets/{complaint.pk}/"
    action = RecoveryAction.objects.get()
    assert (action.status, action.amount, action.currency) == ("pending", Decimal("800.00"), "CNY")
    assert action.note == "顾客等了三天"
    page = client.get(response["Location"]).content.decode()
    assert "approval" in page or "审批" in page


def test_bad_form_input_is_a_message_and_writes_nothing(company, complaint):
    client = signed_in(company.agent_east, "en")
    for data in ({"kind": "refund", "amount": "abc"}, {"kind": "refund", "amount": ""},
                 {"kind": "refund", "amount": "-5"}, {"kind": "cash", "amount": "5"},
                 {"kind": "refund", "amount": "5", "currency": "RMB1"}):
        response = client.post(f"/tickets/{complaint.pk}/recovery/", data, follow=True)
        assert response.status_code == 200
        assert 'class="error"' in response.content.decode(), data
    assert not RecoveryAction.objects.exists()


def test_the_approvals_page_approves(company, complaint):
    # given two waiting requests
    first = services.recovery_request(ticket=complaint, actor=company.agent_east,
                                      kind="refund", amount="800")
    second = services.recovery_request(ticket=complaint, actor=company.agent_east,
                                       kind="gift", amount="300")
    client = signed_in(company.supervisor_east)
    # when the supervisor opens the approvals page
    page = client.get("/recovery/approvals/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'id="recovery-{first.pk}"' in html and f'id="recovery-{second.pk}"' in html
    # and approves the first from there
    response = client.post(f"/recovery/{first.pk}/approve/",
                           {"reason": "同意", "next": "/recovery/approvals/"})
    # then it is approved and the supervisor is back on the page, where only the second waits
    assert response.status_code == 302 and response["Location"] == "/recovery/approvals/"
    first.refresh_from_db()
    assert first.status == "approved" and first.decided_by == company.supervisor_east
    html = client.get("/recovery/approvals/").content.decode()
    assert f'id="recovery-{first.pk}"' not in html and f'id="recovery-{second.pk}"' in html


def test_rejecting_from_the_console_needs_a_reason(company, complaint):
    action = services.recovery_request(ticket=complaint, actor=company.agent_east,
                                       kind="refund", amount="800")
    client = signed_in(company.supervisor_east)
    response = client.post(f"/recovery/{action.pk}/reject/", {"reason": " "}, follow=True)
    assert 'class="error"' in response.content.decode()
    action.refresh_from_db()
    assert action.status == "pending"
    client.post(f"/recovery/{action.pk}/reject/", {"reason": "已换货"})
    action.refresh_from_db()
    assert action.status == "rejected" and action.decision_reason == "已换货"


def test_own_request_cannot_be_approved_from_the_console(company, complaint):
    action = services.recovery_request(ticket=complaint, actor=company.supervisor_east,
                                       kind="refund", amount="5000")
    client = signed_in(company.supervisor_east)
    response = client.post(f"/recovery/{action.pk}/approve/", {}, follow=True)
    assert 'class="error"' in response.content.decode()
    action.refresh_from_db()
    assert action.status == "pending"


def test_the_requester_cancels_from_the_ticket(company, complaint):
    action = services.recovery_request(ticket=complaint, actor=company.agent_east,
                                       kind="refund", amount="800")
    response = signed_in(company.agent_east).post(f"/recovery/{action.pk}/cancel/",
                                                  {"next": "https://evil.example/"})
    assert response["Location"] == f"/tickets/{complaint.pk}/"
    action.refresh_from_db()
    assert action.status == "cancelled"


def test_who_may_reach_the_recovery_pages(company, complaint):
    action = services.recovery_request(ticket=complaint, actor=company.agent_east,
                                       kind="refund", amount="800")
    # anonymous: to sign-in; customers: forbidden
    assert Client().get("/recovery/approvals/").status_code == 302
    alice = signed_in(company.customer_user)
    assert alice.get("/recovery/approvals/").status_code == 403
    assert alice.post(f"/tickets/{complaint.pk}/recovery/",
                      {"kind": "gift", "amount": "0"}).status_code == 403
    assert alice.post(f"/recovery/{action.pk}/approve/").status_code == 403
    # agent_west does not see the east ticket: 404, nothing written or decided
    west = signed_in(company.agent_west)
    assert west.post(f"/tickets/{complaint.pk}/recovery/",
                     {"kind": "gift", "amount": "0"}).status_code == 404
    assert west.post(f"/recovery/{action.pk}/approve/").status_code == 404
    assert west.get("/recovery/approvals/").status_code == 200
    # GET on a form URL is not allowed
    assert signed_in(company.agent_east).get(f"/tickets/{complaint.pk}/recovery/").status_code == 405
    action.refresh_from_db()
    assert action.status == "pending" and RecoveryAction.objects.count() == 1


def test_timeline_sentences_for_every_recovery_event():
    from django.utils import translation

    from kefu.workflow.event_texts import workflow_event_text

    paid = {"action": 1, "kind": "refund", "amount": "120.00", "currency": "CNY"}
    free = {"action": 2, "kind": "apology_visit", "amount": "0.00", "currency": "CNY"}
    with translation.override("en"):
        assert workflow_event_text("recovery_granted", free, {}) == (
            "granted service recovery: Apology visit (within their own limit)")
        assert workflow_event_text("recovery_approved", {**paid, "reason": "OK"}, {}) == (
            "approved service recovery: Refund 120.00 CNY — OK")
        assert workflow_event_text("recovery_rejected", {**paid, "reason": "已补发"}, {}) == (
            "rejected service recovery: Refund 120.00 CNY — 已补发")
        assert workflow_event_text("recovery_cancelled", paid, {}) == (
            "cancelled the request for service recovery: Refund 120.00 CNY")
        # odd data never breaks the timeline
        assert workflow_event_text("recovery_granted", {"amount": "x"}, {})
