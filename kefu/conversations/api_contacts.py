"""Phone and counter endpoints: log a call or a visit, find a customer by phone number."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from kefu.accounts.access import require_staff_writer
from kefu.accounts.models import Role
from kefu.api.schemas import ErrorOut, StrictIn, user_ref
from kefu.core.errors import NotFound, PermissionDenied, reject_nul
from kefu.core.pagination import valid_id
from kefu.tickets.models import Category

from . import contacts

router = Router(tags=["contacts"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut,
          422: ErrorOut}


class ContactIn(StrictIn):
    """The customer: ``customer_id``, or a ``phone`` number that finds them (one match), or a
    ``phone`` and a ``name`` for a new customer when nobody has that number
    (``new_customer``: a new customer even when the number is known)."""

    customer_id: int | None = None
    new_customer: bool = False
    phone: str = Field(default="", max_length=contacts.MAX_PHONE)
    name: str = Field(default="", max_length=200)
    kind: Literal["call", "visit"]
    direction: Literal["in", "out"] = "in"
    category_id: int | None = None
    notes: str = Field(min_length=1, max_length=contacts.MAX_NOTES)
    open_ticket: bool = False
    subject: str = Field(default="", max_length=300)
    ticket_type: Literal["inquiry", "request", "complaint", "praise", "internal"] = "inquiry"
    priority: Literal["low", "normal", "high", "urgent"] = "normal"


class ContactEventOut(Schema):
    id: int
    kind: str
    customer_id: int
    actor: dict | None
    data: dict
    created_at: datetime


class ContactOut(Schema):
    event: ContactEventOut
    customer_id: int
    customer_created: bool
    ticket_id: int | None


class LookupItem(Schema):
    id: int
    name: str
    name_en: str
    phone: str
    tier: str
    branch: str | None


class LookupOut(Schema):
    phone: str
    items: list[LookupItem]
    next: str | None


class LookupFilters(Schema):
    phone: str = Field(max_length=contacts.MAX_PHONE)


def _category(category_id: int | None) -> Category | None:
    if category_id is None:
        return None
    category = Category.objects.filter(pk=category_id).first() if valid_id(category_id) else None
    if category is None:
        raise NotFound(_("Category"), category_id)
    return category


@router.post("/contacts", response={201: ContactOut, **ERRORS})
def log_contact(request, payload: ContactIn):
    """Staff writers: log a call or a counter visit on the customer's timeline; with
    ``open_ticket`` also a ticket (channel ``phone`` / ``counter``) that you own."""
    require_staff_writer(request.auth)
    if payload.customer_id is not None and not valid_id(payload.customer_id):
        raise NotFound(_("Customer"), payload.customer_id)
    for field in ("phone", "name", "notes", "subject"):
        reject_nul(getattr(payload, field), field)
    event, ticket, created = contacts.contact_record(
        actor=request.auth, customer_id=payload.customer_id, phone=payload.phone,
        name=payload.name, new_customer=payload.new_customer, kind=payload.kind, direction=payload.direction,
        category=_category(payload.category_id), notes=payload.notes,
        open_ticket=payload.open_ticket, subject=payload.subject,
        ticket_type=payload.ticket_type, priority=payload.priority)
    return Status(201, {
        "event": {"id": event.pk, "kind": event.kind, "customer_id": event.customer_id,
                  "actor": user_ref(request.auth), "data": event.data,
                  "created_at": event.created_at},
        "customer_id": event.customer_id, "customer_created": created,
        "ticket_id": ticket.pk if ticket else None})


@router.get("/customers/lookup", response={200: LookupOut, **ERRORS})
def lookup_customers(request, filters: Query[LookupFilters]):
    """Staff: customers you may see with this phone number (on their profile or as a phone
    contact), whatever the spelling ("138 1234 5678", "+86-13812345678")."""
    if request.auth.role == Role.CUSTOMER:
        raise PermissionDenied()
    reject_nul(filters.phone, "phone", "invalid_filter")
    found = contacts.customer_find_by_phone(request.auth, filters.phone)
    return {"phone": contacts.normalise_phone(filters.phone), "next": None,
            "items": [{"id": c.pk, "name": c.name, "name_en": c.name_en, "phone": c.phone,
                       "tier": c.tier.code, "branch": c.branch.code if c.branch_id else None}
                      for c in found]}
