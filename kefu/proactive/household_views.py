"""The customer's household page (``/care/customers/<id>/household/``): containers (the rice
bin and its capacity) with the household size, consumption readings ("8 kg left") and
special dates (birthday, anniversary, contract renewal).

Each section is its own htmx form: a POST answers with the section again (its list, and the
message), 400 with nothing written on bad input (the section's ``hx-on::before-swap`` lets
htmx swap that answer in too: htmx leaves 4xx answers out by default). Without htmx the POST redirects back to the
page. Staff who may see the customer read it; agents, supervisors and administrators write;
anybody else's customer is 404."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.console.views import staff_required
from kefu.core.errors import ApplicationError
from kefu.customers.access import customer_get_for

from . import services
from .models import Consumption, Container, Product, SpecialDate

SECTIONS = {"containers": "proactive/_household_containers.html",
            "readings": "proactive/_household_readings.html",
            "dates": "proactive/_household_dates.html"}
READINGS_SHOWN = 20


def _context(request, customer, **extra) -> dict:
    household = customer.household if customer.household_id else None
    return {
        "customer": customer,
        "household": household,
        "containers": (list(Container.objects.filter(household=household).select_related("product")
                            .order_by("product__code")) if household else []),
        "readings": list(Consumption.objects.filter(customer=customer).select_related("product")
                         .order_by("-date", "-id")[:READINGS_SHOWN]),
        "dates": list(SpecialDate.objects.filter(customer=customer).order_by("kind", "date")),
        "products": list(Product.objects.filter(active=True)),
        "reading_kinds": Consumption.Kind.choices,
        "date_kinds": SpecialDate.Kind.choices,
        "today": timezone.localdate(),
        "can_write": request.user.can_write,
        "values": {},
        **extra,
    }


@staff_required
def household(request, customer_id):
    customer = customer_get_for(request.user, customer_id, related=("household",))
    return render(request, "proactive/household.html", _context(request, customer))


def _product(code: str) -> Product:
    product = Product.objects.filter(code=(code or "").strip(), active=True).first()
    if product is None:
        raise ApplicationError("unknown_product", _("Choose a product."), details={"field": "product"})
    return product


def _household_size(raw: str) -> int | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        return -1  # refused by the service with its message


def _write(request, customer_id, section: str, action):
    """Load the customer in the user's scope, run ``action(customer)`` and answer with the
    section (htmx) or a redirect back to the page."""
    customer = customer_get_for(request.user, customer_id, related=("household",))
    if not request.user.can_write:
        return render(request, "console/forbidden.html", status=403)
    try:
        message = action(customer)
        ok = True
    except ApplicationError as exc:
        if exc.status == 404:
            raise
        ok, message = False, exc.message
    if not request.headers.get("HX-Request"):
        (messages.success if ok else messages.error)(request, message)
        return redirect("proactive:household", customer_id=customer.pk)
    customer = customer_get_for(request.user, customer.pk, related=("household",))
    values = {} if ok else request.POST
    return render(request, SECTIONS[section],
                  _context(request, customer, message=message, ok=ok, values=values),
                  status=200 if ok else 400)


@require_POST
@staff_required
def container_save(request, customer_id):
    def action(customer):
        services.container_set(actor=request.user, customer=customer,
                               product=_product(request.POST.get("product")),
                               capacity=request.POST.get("capacity", ""),
                               name=request.POST.get("name", ""),
                               household_size=_household_size(request.POST.get("household_size")))
        return _("Container saved.")
    return _write(request, customer_id, "containers", action)


@require_POST
@staff_required
def container_remove(request, customer_id, container_id):
    def action(customer):
        services.container_remove(actor=request.user, customer=customer, container_id=container_id)
        return _("Container removed.")
    return _write(request, customer_id, "containers", action)


@require_POST
@staff_required
def reading_save(request, customer_id):
    def action(customer):
        services.consumption_record(actor=request.user, customer=customer,
                                    product=_product(request.POST.get("product")),
                                    day=request.POST.get("date", ""),
                                    quantity=request.POST.get("quantity", ""),
                                    kind=request.POST.get("kind", Consumption.Kind.LEVEL))
        return _("Reading saved.")
    return _write(request, customer_id, "readings", action)


@require_POST
@staff_required
def date_save(request, customer_id):
    def action(customer):
        services.special_date_add(actor=request.user, customer=customer,
                                  kind=request.POST.get("kind", ""), day=request.POST.get("date", ""),
                                  note=request.POST.get("note", ""))
        return _("Special date saved.")
    return _write(request, customer_id, "dates", action)


@require_POST
@staff_required
def date_remove(request, customer_id, special_date_id):
    def action(customer):
        services.special_date_remove(actor=request.user, customer=customer,
                                     special_date_id=special_date_id)
        return _("Special date removed.")
    return _write(request, customer_id, "dates", action)
