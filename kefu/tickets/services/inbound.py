"""Tickets and replies that arrive through a channel (e-mail, web form, chat) from a
customer who may have no login: no actor, the customer is the sender. The same rules as
everywhere else: an event row in the same transaction, SLA due times, automations and
sentiment scoring after the commit."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from kefu.accounts.models import Team
from kefu.customers.models import Customer
from kefu.insights.tasks import queue_message_scoring, queue_ticket_scoring
from kefu.workflow.services.automation import fire
from kefu.workflow.services.sla import sla_on_change, sla_on_create

from .. import rules
from ..models import Message, Ticket, TicketEvent
from ._common import (
    MAX_BODY,
    MAX_SUBJECT,
    _check_choice,
    _clean_text,
    _event,
    _lock,
    _require_open_for_change,
    _save,
)
from .create import route_team

#: Channels a customer writes in through (not an agent logging a call).
CUSTOMER_CHANNELS = ("email", "portal", "web", "chat")
#: The most sanitised HTML kept for display with a message (the raw e-mail has it all).
MAX_BODY_HTML = 1_000_000


def _optional_text(field: str, value: str | None, limit: int) -> str | None:
    return _clean_text(field, value, required=False, limit=limit) or None


@transaction.atomic
def ticket_create_from_channel(*, customer: Customer, channel: str, subject: str,
                               description: str = "", team: Team | None = None,
                               type: str = "inquiry", priority: str = "normal",
                               description_html: str = "") -> Ticket:
    """A new ticket in the team's queue (status new, no owner yet: the first agent who takes
    it becomes its owner). ``description_html``: the e-mail's HTML, already sanitised by the
    channel (the console shows it sandboxed all the same)."""
    if channel not in CUSTOMER_CHANNELS:
        raise ValueError(f"not a customer channel: {channel}")
    subject = _clean_text("subject", subject, required=True, limit=MAX_SUBJECT)
    description = _clean_text("description", description, required=False, limit=MAX_BODY)
    description_html = _optional_text("description_html", description_html, MAX_BODY_HTML)
    ticket_type = _check_choice("type", type, rules.Type)
    priority = rules.complaint_escalated_priority(ticket_type,
                                                  _check_choice("priority", priority, rules.Priority))
    team = team or route_team(customer=customer, actor=None)
    now = timezone.now()
    ticket = Ticket(subject=subject, description=description,
                    description_html=description_html, customer=customer, type=ticket_type,
                    priority=priority, status=rules.Status.NEW, channel=channel, team=team,
                    branch_id=team.branch_id or customer.branch_id, created_at=now, updated_at=now)
    sla_on_create(ticket, tier_id=customer.tier_id)
    ticket.save(force_insert=True)
    _event(ticket, None, "created", now, status=ticket.status, owner=None, channel=channel).save()
    ticket.tag_names = []
    fire("ticket_created", ticket)
    queue_ticket_scoring(ticket)
    return ticket


@transaction.atomic
def ticket_customer_message(*, ticket: Ticket, body: str, channel: str, body_html: str = "",
                            quoted_text: str = "") -> Message:
    """The customer wrote again (an e-mail reply, a chat message): a public message from the
    customer; a ticket waiting on the customer or resolved goes back to open (a closed one
    stays closed — the caller opens a new ticket instead). An e-mail may come with its HTML
    (already sanitised by the channel) and the quoted history stripped from ``body``."""
    body = _clean_text("body", body, required=True, limit=MAX_BODY)
    body_html = _optional_text("body_html", body_html, MAX_BODY_HTML)
    quoted_text = _optional_text("quoted_text", quoted_text, MAX_BODY)
    _lock(ticket)
    _require_open_for_change(ticket)
    now = timezone.now()
    old_status = ticket.status
    events: list[TicketEvent] = []
    changed: list[str] = []
    if ticket.status in (rules.Status.PENDING_CUSTOMER, rules.Status.RESOLVED):
        events.append(_event(ticket, None, "status", now, old=ticket.status, new="open",
                             reopened=ticket.status == rules.Status.RESOLVED, channel=channel))
        if ticket.status == rules.Status.RESOLVED:
            ticket.resolved_at = None
            changed.append("resolved_at")
        ticket.status = rules.Status.OPEN  # both statuses have an owner (the DB checks it)
        changed.append("status")
    message = Message.objects.create(ticket=ticket, visibility="public", body=body, author=None,
                                     from_customer=True, channel=channel, body_html=body_html,
                                     quoted_text=quoted_text)
    events.append(_event(ticket, None, "message", now, message=message.pk, channel=channel))
    changed += sla_on_change(ticket, now, old_status=old_status)
    _save(ticket, now, *set(changed))
    TicketEvent.objects.bulk_create(events)
    fire("message_in", ticket, text=body)
    queue_message_scoring(message)
    return message
