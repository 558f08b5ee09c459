"""End to end once the ticket services queue the scoring (kefu/tickets/services/create.py
calls ``queue_ticket_scoring``, lifecycle.py ``queue_message_scoring``): a customer's angry
ticket and reply through the API are scored by the job and escalate. Skipped until wired."""

from __future__ import annotations

import inspect

import pytest

from kefu.insights.models import Sentiment
from kefu.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def wired(module_name: str, function: str) -> bool:
    import importlib

    return function in inspect.getsource(importlib.import_module(module_name))


@pytest.mark.skipif(not wired("kefu.tickets.services.create", "queue_ticket_scoring"),
                    reason="ticket_create does not call queue_ticket_scoring yet")
def test_a_customers_angry_ticket_is_scored_after_commit(
        huey_immediate, django_capture_on_commit_callbacks, company, api_as):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(company.customer_user).post("/api/v1/tickets", {
            "subject": "退款", "description": "你们这是什么破服务！气死我了！！！",
            "customer_id": company.alice.pk})
    assert response.status_code == 201
    ticket_id = response.json()["id"]
    assert Sentiment.objects.get(ticket_id=ticket_id).anger
    assert Ticket.objects.get(pk=ticket_id).priority == "high"


@pytest.mark.skipif(not wired("kefu.tickets.services.lifecycle", "queue_message_scoring"),
                    reason="ticket_reply does not call queue_message_scoring yet")
def test_a_customers_reply_is_scored_after_commit(
        huey_immediate, django_capture_on_commit_callbacks, company, api_as, make_ticket):
    ticket = make_ticket(company.agent_east, company.alice, channel="phone")
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(company.customer_user).post(
            f"/api/v1/tickets/{ticket.pk}/messages", {"body": "WHERE IS MY REFUND??? Scam!"})
        staff = api_as(company.agent_east).post(
            f"/api/v1/tickets/{ticket.pk}/messages", {"body": "Terrible, sorry!!!"})
    assert response.status_code == 201 and staff.status_code == 201
    assert Sentiment.objects.get(message_id=response.json()["id"]).anger
    assert not Sentiment.objects.filter(message_id=staff.json()["id"]).exists()
    assert not Sentiment.objects.filter(ticket=ticket).exists()  # an agent's phone ticket
    assert Ticket.objects.get(pk=ticket.pk).priority == "high"
