"""Phone and counter (电话 / 柜台): an agent logs a call or a visit in a few keystrokes.

Find the customer by phone number (or create them), write what happened, optionally open a
ticket that the agent owns (首问负责制). The contact is a ``CustomerEvent`` (kind "call" or
"visit") on the customer's timeline, written in the same transaction as the ticket.
"""

from __future__ import annotations

import re

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from kefu.accounts.access import require_staff_writer, user_teams
from kefu.accounts.models import User
from kefu.core.errors import ApplicationError
from kefu.core.text import clean_text
from kefu.customers.access import customer_get_for, customers_for
from kefu.customers.models import ContactPoint, Customer, CustomerEvent
from kefu.customers.services import customer_create
from kefu.tickets.models import Category, Ticket
from kefu.tickets.services import ticket_create

KINDS = ("call", "visit")
DIRECTIONS = ("in", "out")
#: The ticket channel a contact becomes.
TICKET_CHANNEL = {"call": "phone", "visit": "counter"}
MAX_NOTES = 5000
MAX_PHONE = 40
#: Phone lookups answer at most this many customers (a shared family or office number).
LOOKUP_LIMIT = 10

_SEPARATORS = re.compile(r"[\s\-().·/]+")
_PHONE = re.compile(r"\+?\d{3,20}")


def normalise_phone(raw: str | None) -> str:
    """The digits of a phone number as kefu compares them: spaces, dashes, dots and
    brackets removed, a Chinese country code (+86, 0086, or 86 before a mobile number)
    dropped. Other country codes keep their "+". Not a phone number: ""."""
    value = _SEPARATORS.sub("", (raw or "").strip())[:MAX_PHONE]
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    elif value.startswith("86") and len(value) == 13 and value[2] == "1":
        value = value[2:]
    return value if _PHONE.fullmatch(value) else ""


def phone_variants(number: str) -> list[str]:
    """The ways people write ``number`` (already normalised) in a phone field: each is an
    exact, indexed match, so a lookup never scans the customer table."""
    if not number:
        return []
    variants = {number}
    if number.startswith("+"):
        return sorted(variants)
    prefixed = [number]
    if len(number) == 11 and number.startswith("1"):  # mobile 138 1234 5678
        a, b, c = number[:3], number[3:7], number[7:]
        prefixed += [f"{a}-{b}-{c}", f"{a} {b} {c}"]
    elif number.startswith("0") and len(number) >= 9:  # landline 021-12345678, 0571-1234567
        for cut in (3, 4):
            prefixed += [f"{number[:cut]}-{number[cut:]}", f"{number[:cut]} {number[cut:]}"]
    for p in prefixed:
        variants.add(p)
        if p.startswith("1"):
            variants.update({f"+86{p}", f"+86 {p}", f"+86-{p}", f"86{p}", f"0086{p}"})
        elif p.startswith("0"):
            rest = p[1:]
            variants.update({f"+86{rest}", f"+86 {rest}", f"+86-{rest}"})
    return sorted(variants)


def customer_find_by_phone(actor: User, phone: str) -> list[Customer]:
    """Customers the actor may see whose phone, or one of whose phone contact points, is
    ``phone`` in any usual spelling ("138 1234 5678", "+86-13812345678"…)."""
    variants = phone_variants(normalise_phone(phone))
    if not variants:
        return []
    by_contact = list(ContactPoint.objects.filter(kind=ContactPoint.Kind.PHONE, value__in=variants)
                      .values_list("customer_id", flat=True)[:LOOKUP_LIMIT * 5])
    match = Q(phone__in=variants)
    if by_contact:
        match |= Q(pk__in=by_contact)
    return list(customers_for(actor).filter(match).select_related("tier", "branch")
                .order_by("-id")[:LOOKUP_LIMIT])


def _default_branch(actor: User):
    """Where a customer an agent creates belongs: the agent's branch, else their first
    team's branch; none for head office (every branch's staff see such customers)."""
    if actor.branch_id:
        return actor.branch
    for team in user_teams(actor):
        if team.branch_id:
            return team.branch
    return None


@transaction.atomic
def customer_quick_create(*, actor: User, name: str, phone: str) -> Customer:
    """A new customer from the phone or the counter: a name and a number are enough."""
    require_staff_writer(actor)
    number = normalise_phone(phone)
    if not number:
        raise ApplicationError("invalid_phone", _("Enter a valid phone number."),
                               details={"field": "phone"})
    return customer_create(actor=actor, data={"name": name, "phone": number},
                           branch=_default_branch(actor))


def _clean(field: str, value, *, limit: int, required: bool) -> str:
    return clean_text(field, value, required=required, limit=limit, invalid_code="invalid_field")


def _default_subject(notes: str) -> str:
    first = notes.splitlines()[0].strip() if notes else ""
    return first if len(first) <= 80 else first[:79] + "…"


@transaction.atomic
def contact_log(*, actor: User, customer: Customer, kind: str, notes: str,
                category: Category | None = None, direction: str = "in",
                open_ticket: bool = False, subject: str = "", ticket_type: str = "inquiry",
                priority: str = "normal") -> tuple[CustomerEvent, Ticket | None]:
    """Log a call or a counter visit on the customer's timeline; with ``open_ticket`` also
    a ticket (channel "phone" or "counter") that the agent owns from the start."""
    require_staff_writer(actor)
    customer = customer_get_for(actor, customer.pk, related=("tier",))
    if kind not in KINDS:
        raise ApplicationError("invalid_kind", _("%(field)s must be one of: %(allowed)s")
                               % {"field": "kind", "allowed": ", ".join(KINDS)},
                               details={"field": "kind", "allowed": list(KINDS)})
    if direction not in DIRECTIONS:
        raise ApplicationError("invalid_direction", _("%(field)s must be one of: %(allowed)s")
                               % {"field": "direction", "allowed": ", ".join(DIRECTIONS)},
                               details={"field": "direction", "allowed": list(DIRECTIONS)})
    notes = _clean("notes", notes, limit=MAX_NOTES, required=True)
    ticket = None
    if open_ticket:
        subject = _clean("subject", subject, limit=300, required=False) or _default_subject(notes)
        ticket, _created = ticket_create(actor=actor, customer=customer, subject=subject,
                                         description=notes, type=ticket_type, priority=priority,
                                         channel=TICKET_CHANNEL[kind], category=category)
    event = CustomerEvent.objects.create(
        customer=customer, actor=actor, kind=kind,
        data={"category": category.pk if category else None,
              "category_code": category.code if category else None,
              "notes": notes, "direction": direction,
              "ticket": ticket.pk if ticket else None})
    return event, ticket


def contact_customer(*, actor: User, customer_id=None, phone: str = "", name: str = "",
                     new: bool = False) -> tuple[Customer, bool]:
    """The customer a contact is about: the one picked (``customer_id``), else the only one
    with that phone number, else a new customer when a name is given (``new``: a new
    customer even when the number is known). Returns (customer, created). Several matches
    and no pick: 409 ``ambiguous_phone`` with the candidates."""
    if customer_id not in (None, "") and not new:
        return customer_get_for(actor, customer_id, related=("tier",)), False
    require_staff_writer(actor)
    if not normalise_phone(phone):
        raise ApplicationError("invalid_phone", _("Enter a valid phone number."),
                               details={"field": "phone"})
    found = [] if new else customer_find_by_phone(actor, phone)
    if len(found) == 1:
        return found[0], False
    if len(found) > 1:
        raise ApplicationError("ambiguous_phone",
                               _("Several customers have this phone number: pick one."),
                               details={"field": "customer_id",
                                        "candidates": [c.pk for c in found]}, status=409)
    name = _clean("name", name, limit=200, required=False)
    if not name:
        raise ApplicationError("new_customer_name",
                               _("Enter the new customer's name.") if new else
                               _("No customer has this phone number: enter a name to create one."),
                               details={"field": "name"})
    return customer_quick_create(actor=actor, name=name, phone=phone), True


@transaction.atomic
def contact_record(*, actor: User, customer_id=None, phone: str = "", name: str = "",
                   new_customer: bool = False,
                   **fields) -> tuple[CustomerEvent, Ticket | None, bool]:
    """The whole form in one transaction: find or create the customer, then ``contact_log``
    (a failure leaves no half-created customer). Returns (event, ticket, customer created)."""
    customer, created = contact_customer(actor=actor, customer_id=customer_id, phone=phone,
                                         name=name, new=new_customer)
    event, ticket = contact_log(actor=actor, customer=customer, **fields)
    return event, ticket, created
