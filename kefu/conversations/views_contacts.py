"""The console's phone and counter page: /contacts/new/ (log a call or a visit in a few
keystrokes) and its as-you-type phone lookup."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from kefu.console.views import staff_required
from kefu.core.errors import ApplicationError, NotFound
from kefu.core.pagination import valid_id
from kefu.customers.access import customer_get_for
from kefu.tickets.models import PRIORITY_CHOICES, TYPE_CHOICES, Category
from kefu.tickets.selectors import category_paths

from . import contacts


def _lookup_context(request, *, phone: str, picked: str = "") -> dict:
    """What the customer part of the form shows for ``phone`` (or the customer picked)."""
    customer = None
    if picked:
        try:
            customer = customer_get_for(request.user, picked)
        except NotFound:
            customer = None
    number = contacts.normalise_phone(phone)
    matches = contacts.customer_find_by_phone(request.user, phone) if number else []
    if customer is not None and all(c.pk != customer.pk for c in matches):
        matches = [customer, *matches]
    return {"phone": phone, "number": number, "matches": matches,
            "picked": customer.pk if customer else (matches[0].pk if matches else None)}


@staff_required
def contact_lookup(request):
    """htmx: the customers with the number typed so far, or the new-customer name field."""
    phone = (request.GET.get("phone") or "")[: contacts.MAX_PHONE]
    return render(request, "conversations/contact_lookup.html",
                  {**_lookup_context(request, phone=phone), "name": ""})


@staff_required
def contact_new(request):
    """One form: phone → customer, call or visit, category, notes, optionally a ticket."""
    data = request.POST if request.method == "POST" else request.GET
    error = None
    picked = data.get("customer") or ""
    if request.method == "POST":
        try:
            category, raw = None, data.get("category", "")
            if raw:
                category = (Category.objects.filter(pk=int(raw)).first()
                            if raw.isascii() and raw.isdigit() and valid_id(int(raw)) else None)
                if category is None:
                    raise NotFound(_("Category"), raw)
            event, ticket, created = contacts.contact_record(
                actor=request.user,
                customer_id=picked if picked.isascii() and picked.isdigit() else None,
                new_customer=picked == "new",
                phone=data.get("phone", ""), name=data.get("name", ""),
                kind=data.get("kind", "call"), direction=data.get("direction", "in"),
                category=category, notes=data.get("notes", ""),
                open_ticket=data.get("open_ticket") == "1", subject=data.get("subject", ""),
                ticket_type=data.get("ticket_type", "inquiry"),
                priority=data.get("priority", "normal"))
        except ApplicationError as exc:
            error = exc.message
        else:
            if ticket is not None:
                messages.success(request, _("Contact logged; ticket #%(id)s opened.")
                                 % {"id": ticket.pk})
                return redirect("console:ticket", ticket_id=ticket.pk)
            messages.success(request, _("Contact logged."))
            return redirect("console:customer", customer_id=event.customer_id)
    phone = (data.get("phone") or "")[: contacts.MAX_PHONE]
    if picked == "new":
        picked = ""
    if picked and not phone:
        try:
            phone = customer_get_for(request.user, picked).phone
        except NotFound:
            picked = ""
    context = {
        **_lookup_context(request, phone=phone, picked=picked),
        "name": data.get("name", ""), "error": error, "post": data,
        "picked_new": data.get("customer") == "new",
        "kind": data.get("kind") or "call",
        "categories": sorted(category_paths().items(), key=lambda kv: kv[1]),
        "types": TYPE_CHOICES, "priorities": PRIORITY_CHOICES,
        "can_write": request.user.can_write,
    }
    return render(request, "conversations/contact_new.html", context,
                  status=400 if error else 200)


urlpatterns = [
    path("contacts/new/", contact_new, name="contact_new"),
    path("contacts/lookup/", contact_lookup, name="contact_lookup"),
]
