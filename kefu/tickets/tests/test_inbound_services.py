"""Tickets and replies from a channel, from a customer without a login: queue, no owner,
no actor, the usual event rows; a reply reopens, a closed ticket refuses."""

import pytest

from kefu.core.errors import ApplicationError
from kefu.tickets.models import Ticket, TicketEvent
from kefu.tickets.services import (
    ticket_create_from_channel,
    ticket_customer_message,
    ticket_reply,
    ticket_transition,
)


def test_a_channel_ticket_waits_in_the_queue_without_an_owner(company):
    ticket = ticket_create_from_channel(customer=company.alice, channel="email",
                                        subject="发票", description="请开发票")
    assert ticket.status == "new" and ticket.owner_id is None and ticket.created_by_id is None
    assert ticket.team == company.east_team  # the customer's branch desk
    created = TicketEvent.objects.get(ticket=ticket, kind="created")
    assert created.actor_id is None and created.data["channel"] == "email"


def test_the_customer_writing_again_reopens_a_ticket_waiting_on_them(company):
    ticket = ticket_create_from_channel(customer=company.alice, channel="email", subject="发票")
    ticket_reply(ticket=ticket, actor=company.agent_east, body="请提供抬头")
    ticket_transition(ticket=ticket, actor=company.agent_east, status="pending_customer")
    message = ticket_customer_message(ticket=ticket, body="抬头是某某公司", channel="email")
    ticket.refresh_from_db()
    assert ticket.status == "open" and message.from_customer and message.author_id is None
    assert TicketEvent.objects.filter(ticket=ticket, kind="status", actor=None,
                                      data__new="open").exists()


def test_a_closed_ticket_takes_no_more_messages(company):
    ticket = ticket_create_from_channel(customer=company.alice, channel="web", subject="咨询")
    Ticket.objects.filter(pk=ticket.pk).update(status="closed", owner=company.agent_east)
    with pytest.raises(ApplicationError) as raised:
        ticket_customer_message(ticket=ticket, body="还在吗", channel="web")
    assert raised.value.code == "ticket_closed"
    assert not ticket.messages.exists()


@pytest.mark.parametrize("channel", ["agent", "phone", "nonsense"])
def test_only_customer_channels(company, channel):
    with pytest.raises(ValueError):
        ticket_create_from_channel(customer=company.alice, channel=channel, subject="x")
