"""Which customer sent a message and which ticket it belongs to (database reads only).

A message joins a ticket only when its sender is that ticket's customer. Looked for in
order: In-Reply-To / References against ``ThreadRef`` (kefu's outgoing Message-IDs and the
inbound ones it filed), the ``[#id]`` subject token, then — for a reply without either —
the sender's own open ticket with the same subject that moved in the last 7 days.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from kefu.customers.models import ContactPoint, Customer
from kefu.tickets import rules as ticket_rules
from kefu.tickets.models import Ticket

from ..models import ThreadRef
from .parse import ParsedEmail
from .threading import find_token, is_reply_subject, normalised_subject

#: A reply by subject alone joins only a ticket that moved this recently.
SUBJECT_FALLBACK_DAYS = 7
#: …and only when the subject says something (not "Re: hi").
SUBJECT_FALLBACK_MIN_CHARS = 4


def message_id_forms(message_id: str) -> list[str]:
    """The forms a Message-ID may be stored in (with and without angle brackets)."""
    core = message_id.strip().strip("<>").strip()
    return [f"<{core}>", core] if core else []


def customers_of(address: str) -> list[Customer]:
    """Every customer the address belongs to (their e-mail or an e-mail contact point)."""
    contact = ContactPoint.objects.filter(kind=ContactPoint.Kind.EMAIL, value__iexact=address)
    return list(Customer.objects.filter(Q(email__iexact=address)
                                        | Q(pk__in=contact.values("customer_id"))).order_by("pk"))


def _follow_merges(ticket: Ticket | None) -> Ticket | None:
    for _step in range(10):
        if ticket is None or ticket.merged_into_id is None:
            return ticket
        ticket = Ticket.objects.filter(pk=ticket.merged_into_id).first()
    return ticket


def _by_references(parsed: ParsedEmail) -> Ticket | None:
    chain: list[str] = []
    for ref in [parsed.in_reply_to, *reversed(parsed.references)]:  # newest first
        if ref and ref not in chain:
            chain.append(ref)
    if not chain:
        return None
    forms = [form for ref in chain for form in message_id_forms(ref)]
    found = {r.message_id.strip().strip("<>"): r.ticket_id
             for r in ThreadRef.objects.filter(message_id__in=forms).only("message_id",
                                                                          "ticket_id")}
    for ref in chain:
        ticket_id = found.get(ref.strip("<>"))
        if ticket_id is not None:
            return Ticket.objects.filter(pk=ticket_id).first()
    return None


def _by_token(parsed: ParsedEmail) -> Ticket | None:
    ticket_id = find_token(parsed.subject)
    return Ticket.objects.filter(pk=ticket_id).first() if ticket_id else None


def _by_subject(parsed: ParsedEmail, customer_ids: set[int]) -> Ticket | None:
    """The guarded fallback: a reply (by its subject prefix or headers) from the customer,
    to one of their open tickets with the same subject that moved in the last 7 days."""
    if not customer_ids:
        return None
    if not (is_reply_subject(parsed.subject) or parsed.in_reply_to or parsed.references):
        return None
    wanted = normalised_subject(parsed.subject)
    if len(wanted) < SUBJECT_FALLBACK_MIN_CHARS:
        return None
    since = timezone.now() - timedelta(days=SUBJECT_FALLBACK_DAYS)
    candidates = (Ticket.objects.filter(customer_id__in=customer_ids, updated_at__gte=since,
                                        merged_into__isnull=True)
                  .exclude(status=ticket_rules.Status.CLOSED).order_by("-updated_at", "-pk")
                  .only("pk", "subject", "customer_id", "status", "merged_into_id")[:50])
    for ticket in candidates:
        if normalised_subject(ticket.subject) == wanted:
            return ticket
    return None


def find_ticket(parsed: ParsedEmail, customer_ids: set[int]) -> tuple[Ticket | None, str, list[str]]:
    """(ticket, how, notes): the ticket the message belongs to, or None."""
    notes: list[str] = []
    for how, finder in (("references", _by_references), ("subject token", _by_token)):
        ticket = _follow_merges(finder(parsed))
        if ticket is None:
            continue
        if ticket.customer_id in customer_ids:
            return ticket, how, notes
        notes.append(f"refers by {how} to ticket #{ticket.pk} of another customer: not joined")
    ticket = _by_subject(parsed, customer_ids)
    return ticket, "subject", notes
