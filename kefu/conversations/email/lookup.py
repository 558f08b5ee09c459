"""Which customer sent a message and which ticket it belongs to (database reads only).

A message joins a ticket only when its sender is that ticket's customer. Looked for in
order: In-Reply-To / References against ``ThreadRef`` (kefu's outgoing Message-IDs and the
inbound ones it filed), the ``[#id]`` subject token, then — for a reply without either —
the sender's own open ticket with the same subject that moved in the last 7 days.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.utils import timezone

from kefu.customers.models import ContactPoint, Customer
from kefu.tickets import rules as ticket_rules
from kefu.tickets.models import Ticket

from ..models import InboundEmail, ThreadRef
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
    """Every customer the address belongs to (their e-mail or an e-mail contact point).
    Compared as ``UPPER(column) = UPPER(address)``, the expression the case-insensitive
    indexes hold (``__iexact`` is a LIKE on SQLite, which no index serves); plain SQL, as
    it runs for every inbound message. A UNION of the two index look-ups: with ``OR``
    PostgreSQL scans the whole customer table."""
    customers, points = Customer._meta.db_table, ContactPoint._meta.db_table
    sql = (f"SELECT * FROM {customers} WHERE id IN ("
           f"SELECT id FROM {customers} WHERE UPPER(email) = UPPER(%s) UNION "
           f"SELECT customer_id FROM {points} WHERE kind = %s AND UPPER(value) = UPPER(%s)) "
           f"ORDER BY id")
    return list(Customer.objects.raw(sql, [address, ContactPoint.Kind.EMAIL.value, address]))


# The two checks below run for every inbound message: plain SQL, one round trip each.

def earlier_filing(message_id: str, *, exclude_id: int,
                   unfinished: tuple[str, ...]) -> tuple[str, int, int | None] | None:
    """How this Message-ID was seen before: ("inbound", row id, ticket id) for another
    inbound row that was filed (its status not in ``unfinished``), else (direction, ref id,
    ticket id) for a ThreadRef ("in": filed, "out": kefu sent it), else None."""
    forms = message_id_forms(message_id)
    if not forms:
        return None
    marks = ", ".join(["%s"] * len(forms))
    skip = ", ".join(["%s"] * len(unfinished))
    inbound, refs = InboundEmail._meta.db_table, ThreadRef._meta.db_table
    sql = (f"SELECT 'inbound', id, ticket_id FROM (SELECT id, ticket_id FROM {inbound} "
           f"WHERE message_id IN ({marks}) AND id <> %s AND status NOT IN ({skip}) LIMIT 1) a "
           f"UNION ALL SELECT direction, id, ticket_id FROM (SELECT direction, id, ticket_id "
           f"FROM {refs} WHERE message_id IN ({marks}) LIMIT 1) b")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*forms, exclude_id, *unfinished, *forms])
        found = cursor.fetchall()
    found.sort(key=lambda r: r[0] != "inbound")  # another inbound row first
    return tuple(found[0]) if found else None


def recent_from(address: str, *, since, exclude_id: int, statuses_skipped: tuple[str, ...],
                limit: int) -> int:
    """How many messages (at most ``limit``) ``address`` sent since ``since``."""
    skip = ", ".join(["%s"] * len(statuses_skipped))
    table = InboundEmail._meta.db_table
    sql = (f"SELECT COUNT(*) FROM (SELECT 1 FROM {table} WHERE from_address = %s AND "
           f"received_at >= %s AND id <> %s AND status NOT IN ({skip}) LIMIT %s) recent")
    with connection.cursor() as cursor:
        cursor.execute(sql, [address, connection.ops.adapt_datetimefield_value(since),
                             exclude_id, *statuses_skipped, limit])
        return cursor.fetchone()[0]


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
