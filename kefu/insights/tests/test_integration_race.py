"""The job and the safety net (or two jobs) scoring at the same moment: one row per text,
one escalation per ticket."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from kefu.insights import services
from kefu.insights.models import Sentiment
from kefu.tickets.models import Ticket, TicketEvent
from kefu.workflow.models import Alert

ANGRY = ["你们这是什么破服务！气死我了！！！", "WHERE IS MY REFUND??? This is a scam!"]


def at_once(*message_ids):
    start = threading.Barrier(len(message_ids))
    errors = []

    def score(message_id):
        try:
            start.wait(timeout=10)
            services.score_message(message_id)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=score, args=(pk,)) for pk in message_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []


@pytest.mark.django_db(transaction=True)
def test_the_same_message_twice_at_once_is_stored_and_escalated_once(customer_ticket,
                                                                     customer_says):
    ticket = customer_ticket()
    message = customer_says(ticket, ANGRY[0])
    at_once(message.pk, message.pk)
    assert Sentiment.objects.filter(message=message).count() == 1
    assert TicketEvent.objects.filter(ticket=ticket, kind=services.ESCALATED).count() == 1
    assert Alert.objects.filter(ticket=ticket).count() == 1
    assert Ticket.objects.get(pk=ticket.pk).priority == "high"


@pytest.mark.django_db(transaction=True)
def test_two_angry_messages_at_once_raise_the_priority_once(customer_ticket, customer_says):
    ticket = customer_ticket()
    first, second = (customer_says(ticket, text) for text in ANGRY)
    at_once(first.pk, second.pk)
    assert Sentiment.objects.count() == 2
    assert TicketEvent.objects.filter(ticket=ticket, kind=services.ESCALATED).count() == 1
    assert Ticket.objects.get(pk=ticket.pk).priority == "high"
