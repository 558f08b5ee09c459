"""The anonymous web form's write, and the per-client rate limit the portal's anonymous
forms share (web form, sign-up, sign-in links). docs/portal.md explains the reasoning."""

from __future__ import annotations

from django.db import transaction

from kefu.core import ratelimit
from kefu.customers.models import CustomerEvent
from kefu.customers.services import clean_customer_fields, customer_create
from kefu.tickets.models import Ticket
from kefu.tickets.services import ticket_create_from_channel

from .services import (
    check_customer_type,
    clean_language,
    clean_name,
    customer_for_email,
    normalise_email,
)


@transaction.atomic
def web_form_submit(*, name: str, email: str, subject: str, description: str = "",
                    phone: str = "", type: str = "inquiry", language: str = "zh-hans") -> Ticket:
    """A ticket from the web form (no sign-in). The customer is found by e-mail (as the
    e-mail intake does) or created in the ordinary tier. A form never changes an existing
    record: a name or phone that differs from it is noted as a ``web_form_contact`` event
    for staff to check."""
    email = normalise_email(email)
    name = clean_name(name)
    language = clean_language(language)
    phone = clean_customer_fields({"phone": phone}).get("phone", "")
    customer = customer_for_email(email)
    if customer is None:
        customer = customer_create(actor=None, data={"name": name, "email": email,
                                                     "phone": phone, "language": language})
        noted = None
    else:
        noted = {k: v for k, v in (("name", name), ("phone", phone))
                 if v and v != getattr(customer, k)}
    ticket = ticket_create_from_channel(customer=customer, channel="web", subject=subject,
                                        description=description, type=check_customer_type(type))
    if noted:
        CustomerEvent.objects.create(customer=customer, actor=None, kind="web_form_contact",
                                     data={**noted, "ticket": ticket.pk})
    return ticket


def rate_limit_hit(*, scope: str, client: str, limit: int, window: int = 3600) -> bool:
    """Count one attempt from ``client``; True when it goes over ``limit`` in the window
    (fixed, from the first attempt), counted in the database so every process shares it
    (kefu.core.ratelimit). ``limit`` <= 0: no limit."""
    return ratelimit.over_limit(scope=scope, client=client, limit=limit, window=window)
