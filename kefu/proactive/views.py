"""Console pages of proactive care (namespace "proactive"):

- ``/care/``: my care list (``?all=1``: every task in my scope) — an outcome in one click;
- ``/care/products/``: products (supervisors and administrators add and change them);
- ``/care/purchases/new/``: enter a purchase by hand;
- ``/care/report/``: tasks created and done, conversion, churn contacted vs not;
- ``/care/customers/<id>/``: the customer-360 card (loaded into the customer page);
- the ticket page's side panel (``panel``, registered in kefu/workflow/panels.py).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.console.views import staff_required
from kefu.core.errors import ApplicationError
from kefu.customers.access import customer_get_for

from . import selectors, services
from .access import care_task_get_for
from .models import CareOutcome, Product, Unit

OUTCOMES = CareOutcome.Result.choices


def _language(request) -> str:
    return "en" if (getattr(request, "LANGUAGE_CODE", "") or "").startswith("en") else "zh-hans"


def _with_scripts(tasks, language):
    for task in tasks:
        task.scripts = selectors.script_for(task, language)
    return tasks


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@staff_required
def care_list(request):
    everyone = request.GET.get("all") == "1"
    day = _day(request.GET.get("date")) or timezone.localdate()
    tasks = list(selectors.care_list(request.user, mine=not everyone, day=day)[:200])
    return render(request, "proactive/care_list.html", {
        "tasks": _with_scripts(tasks, _language(request)), "everyone": everyone, "day": day,
        "outcomes": OUTCOMES, "can_write": request.user.can_write})


@require_POST
@staff_required
def care_outcome(request, task_id):
    task = care_task_get_for(request.user, task_id)
    try:
        services.care_outcome_record(actor=request.user, task=task,
                                     result=request.POST.get("result", ""),
                                     note=request.POST.get("note", ""),
                                     quantity=request.POST.get("quantity") or None)
        ok, message = True, _("Outcome recorded.")
    except ApplicationError as exc:
        ok, message = False, exc.message
    if request.headers.get("HX-Request"):
        task = care_task_get_for(request.user, task_id)
        task.scripts = selectors.script_for(task, _language(request))
        return render(request, "proactive/_task_row.html", {
            "task": task, "outcomes": OUTCOMES, "can_write": request.user.can_write,
            "message": message, "ok": ok}, status=200 if ok else 400)
    (messages.success if ok else messages.error)(request, message)
    return redirect(request.POST.get("next") or "proactive:care_list")


@staff_required
def products(request):
    can_manage = request.user.role in ("supervisor", "admin")
    if request.method == "POST":
        try:
            lead_days = int(request.POST.get("lead_days") or 3)
        except ValueError:
            lead_days = -1
        try:
            services.product_save(actor=request.user, code=request.POST.get("code", ""),
                                  name=request.POST.get("name", ""),
                                  name_en=request.POST.get("name_en", ""),
                                  unit=request.POST.get("unit", ""),
                                  price=request.POST.get("price") or "0", lead_days=lead_days,
                                  remind_customers=request.POST.get("remind_customers") == "1")
            messages.success(request, _("Product saved."))
            return redirect("proactive:products")
        except ApplicationError as exc:
            messages.error(request, exc.message)
    return render(request, "proactive/products.html", {
        "products": Product.objects.all(), "units": Unit.choices, "can_manage": can_manage},
        status=400 if request.method == "POST" else 200)


@staff_required
def purchase_new(request):
    values = {"customer": request.GET.get("customer", ""), "date": timezone.localdate().isoformat()}
    status = 200
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in ("customer", "product", "date", "quantity",
                                                        "amount")}
        try:
            customer = customer_get_for(request.user, values["customer"], related=())
            product = Product.objects.filter(code=values["product"], active=True).first()
            if product is None:
                raise ApplicationError("unknown_product", _("Choose a product."))
            services.purchase_record(actor=request.user, customer=customer, product=product,
                                     day=values["date"], quantity=values["quantity"],
                                     amount=values["amount"] or None)
            messages.success(request, _("Purchase saved."))
            return redirect("console:customer", customer_id=customer.pk)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            status = 404 if exc.status == 404 else 400
    return render(request, "proactive/purchase_new.html", {
        "values": values, "products": Product.objects.filter(active=True)}, status=status)


@staff_required
def report(request):
    today = timezone.localdate()
    since = _day(request.GET.get("since")) or today - timedelta(days=30)
    until = _day(request.GET.get("until")) or today
    return render(request, "proactive/report.html", {
        "report": selectors.proactive_report(request.user, since=since, until=until)})


@staff_required
def customer_card(request, customer_id):
    customer = customer_get_for(request.user, customer_id)
    return render(request, "proactive/_customer_card.html", {"panel": _card_context(request, customer)})


@require_POST
@staff_required
def opt_out(request, customer_id):
    customer = customer_get_for(request.user, customer_id, related=())
    try:
        services.opt_out_set(actor=request.user, customer=customer,
                             opted_out=request.POST.get("opted_out") == "1",
                             reason=request.POST.get("reason", ""))
        messages.success(request, _("Saved."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("console:customer", customer_id=customer.pk)


def _card_context(request, customer) -> dict:
    summary = selectors.customer_summary(customer)
    _with_scripts(summary["open_tasks"], _language(request))
    for task in summary["open_tasks"]:
        task.customer = customer
    return {"customer": customer, "s": summary, "outcomes": OUTCOMES,
            "can_write": request.user.can_write}


def panel(request, ticket):
    """The ticket page's side panel: the customer's proactive card."""
    from kefu.customers.access import customers_for

    customer = getattr(ticket, "customer", None)
    # a ticket the agent may see can belong to a customer outside their scope: no card then
    if customer is None or not customers_for(request.user).filter(pk=customer.pk).exists():
        return None
    return "proactive/_customer_card.html", _card_context(request, customer), "side"
