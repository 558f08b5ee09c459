"""Reads for customer 360: the merged timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kefu.accounts.models import Role, User
from kefu.tickets.models import TicketEvent
from kefu.tickets.selectors import CUSTOMER_EVENT_KINDS, customer_event_data

from .models import Customer, CustomerEvent


@dataclass
class TimelineEntry:
    at: datetime
    kind: str
    data: dict
    actor: str | None
    ticket_id: int | None
    ticket_subject: str | None


def customer_timeline(customer: Customer, *, viewer: User, limit: int = 50) -> list[TimelineEntry]:
    """Every interaction with the customer, newest first: their tickets' events and
    customer-level events. Customers never see internal notes or staff-only events."""
    from kefu.tickets.access import tickets_for

    visible = tickets_for(viewer).filter(customer=customer).values("pk")
    ticket_events = (TicketEvent.objects.filter(ticket__in=visible)
                     .select_related("actor", "ticket").order_by("-created_at", "-id"))
    if viewer.role == Role.CUSTOMER:
        ticket_events = ticket_events.filter(kind__in=CUSTOMER_EVENT_KINDS)
    is_customer = viewer.role == Role.CUSTOMER
    entries = [TimelineEntry(e.created_at, e.kind,
                             customer_event_data(e) if is_customer else e.data,
                             None if is_customer else (e.actor.name if e.actor else None),
                             e.ticket_id, e.ticket.subject) for e in ticket_events[:limit]]
    if viewer.role != Role.CUSTOMER:
        for e in (CustomerEvent.objects.filter(customer=customer).select_related("actor")
                  .order_by("-created_at", "-id")[:limit]):
            entries.append(TimelineEntry(e.created_at, e.kind, e.data,
                                         e.actor.name if e.actor else None, None, None))
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]
