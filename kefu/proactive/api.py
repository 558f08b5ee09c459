"""Proactive endpoints under /api/v1/proactive/… (mounted by kefu.api.app). Staff only,
scoped like customers: an agent sees the care tasks and purchases of the customers they
serve; customers get 403 everywhere."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router
from pydantic import Field

from kefu.api.schemas import ErrorOut, StrictIn
from kefu.core.errors import ApplicationError
from kefu.customers.access import customer_get_for

from . import importer, selectors, services
from .access import care_task_get_for, require_manager, require_staff
from .models import CareTask, Container, Product, Purchase, SpecialDate

router = Router(tags=["proactive"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
MAX_BATCH = 5000


class ProductIn(StrictIn):
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=120)
    name_en: str = Field(default="", max_length=120)
    unit: str = "kg"
    price: str = "0"
    lead_days: int = 3
    remind_customers: bool = False
    active: bool = True


class PurchaseIn(StrictIn):
    customer: int
    product: str = Field(min_length=1, max_length=40)
    date: str = Field(min_length=8, max_length=10)
    quantity: str | int | float
    amount: str | int | float | None = None


class PurchaseBatchIn(StrictIn):
    rows: list[dict] = Field(min_length=1, max_length=MAX_BATCH)


class OutcomeIn(StrictIn):
    result: str
    note: str = Field(default="", max_length=500)
    quantity: str | int | float | None = None


class ContainerIn(StrictIn):
    product: str = Field(min_length=1, max_length=40)
    capacity: str | int | float
    name: str = Field(default="", max_length=80)
    household_size: int | None = None


class ReadingIn(StrictIn):
    product: str = Field(min_length=1, max_length=40)
    date: str = Field(min_length=8, max_length=10)
    quantity: str | int | float
    kind: str = "level"


class SpecialDateIn(StrictIn):
    kind: str
    date: str = Field(min_length=8, max_length=10)
    note: str = Field(default="", max_length=200)


Number = float | int | str | None


class SettingsIn(StrictIn):
    """Any of the thresholds (``rules.Thresholds``); checked by ``care_settings_save``."""

    churn_risk: Number = None
    vip_rank: Number = None
    vip_silence_days: Number = None
    greeting_days: Number = None
    renewal_days: Number = None
    follow_up_days: Number = None
    run_out_grace_days: Number = None
    decline_memory_days: Number = None
    damping: Number = None
    max_attempts: Number = None


class OptOutIn(StrictIn):
    opted_out: bool
    reason: str = Field(default="", max_length=200)


def product_out(p: Product) -> dict:
    return {"code": p.code, "name": p.label, "name_zh": p.name, "name_en": p.name_en,
            "unit": p.unit, "price": str(p.price), "lead_days": p.lead_days,
            "remind_customers": p.remind_customers, "active": p.active}


def purchase_out(p: Purchase) -> dict:
    return {"id": p.pk, "customer_id": p.customer_id, "product": p.product.code,
            "date": p.date.isoformat(), "quantity": str(p.quantity), "amount": str(p.amount),
            "source": p.source}


def container_out(c: Container) -> dict:
    return {"id": c.pk, "product": c.product.code, "name": c.name,
            "capacity": format(c.capacity, ".3f")}


def special_date_out(d: SpecialDate) -> dict:
    return {"id": d.pk, "kind": d.kind, "date": d.date.isoformat(), "note": d.note}


def task_out(t: CareTask, language: str) -> dict:
    return {"id": t.pk, "kind": t.kind, "customer": {"id": t.customer_id, "name": t.customer.name},
            "product": t.product.code if t.product_id else None, "due": t.due.isoformat(),
            "value": t.value, "urgency": t.urgency, "rank": t.rank, "action": t.action,
            "status": t.status, "outcome": t.outcome, "attempts": t.attempts,
            "assigned_to": t.assigned_to.username if t.assigned_to_id else None,
            "follow_up_id": t.follow_up_id, "data": t.data,
            "script": selectors.script_for(t, language)}


def _language(request) -> str:
    return "en" if (request.auth.language or "").startswith("en") else "zh-hans"


@router.get("/proactive/products", response={200: dict, **ERRORS})
def products(request):
    require_staff(request.auth)
    return {"items": [product_out(p) for p in Product.objects.all()], "next": None}


@router.post("/proactive/products", response={201: dict, **ERRORS})
def product_save(request, body: ProductIn):
    product = services.product_save(actor=request.auth, **body.dict())
    return 201, product_out(product)


def _product(code: str) -> Product:
    product = Product.objects.filter(code=code.strip().lower()).first()
    if product is None:
        raise ApplicationError("unknown_product", _("Unknown product: %(code)s")
                               % {"code": code[:40]}, details={"field": "product"})
    return product


@router.post("/proactive/purchases", response={201: dict, **ERRORS})
def purchase_create(request, body: PurchaseIn):
    require_staff(request.auth)
    customer = customer_get_for(request.auth, body.customer)
    product = _product(body.product)
    purchase = services.purchase_record(actor=request.auth, customer=customer, product=product,
                                        day=body.date, quantity=body.quantity, amount=body.amount,
                                        source=Purchase.Source.API)
    return 201, purchase_out(purchase)


@router.post("/proactive/purchases/import", response={201: dict, **ERRORS})
def purchase_import(request, body: PurchaseBatchIn):
    """Many rows at once, checked like a file: all are written or none (errors by row,
    numbered from 1). Customers outside the caller's scope are unknown customers."""
    from kefu.accounts.access import require_staff_writer
    from kefu.customers.access import customers_for

    require_staff_writer(request.auth)
    rows = [{k: v for k, v in r.items() if v not in (None, "")} for r in body.rows]
    try:
        result = importer.import_rows(rows, actor=request.auth,
                                      customers=customers_for(request.auth))
    except importer.ImportFailed as exc:
        raise ApplicationError("import_failed", _("Nothing was imported: %(n)s row(s) are wrong.")
                               % {"n": len(exc.errors)}, details={"errors": exc.errors[:200]})
    return 201, {"purchases": result.purchases, "customers": result.customers}


@router.get("/proactive/customers/{customer_id}/purchases", response={200: dict, **ERRORS})
def customer_purchases(request, customer_id: int, limit: int = Query(50, ge=1, le=200)):
    require_staff(request.auth)
    customer = customer_get_for(request.auth, customer_id, related=())
    rows = Purchase.objects.filter(customer=customer).select_related("product").order_by("-date", "-id")
    return {"items": [purchase_out(p) for p in rows[:limit]], "next": None}


@router.get("/proactive/customers/{customer_id}", response={200: dict, **ERRORS})
def customer_summary(request, customer_id: int):
    """Predicted next needs, value and risk, segment, open care tasks."""
    require_staff(request.auth)
    customer = customer_get_for(request.auth, customer_id)
    s = selectors.customer_summary(customer)
    score = s["score"]
    language = _language(request)
    return {
        "customer_id": customer.pk, "opted_out": s["opted_out"],
        "purchase_count": s["purchase_count"], "spent": str(s["spent"]),
        "score": None if score is None else {
            "prob_alive": score.prob_alive, "churn_risk": s["churn_risk"],
            "expected_purchases_30d": score.expected_purchases, "clv": score.clv,
            "rfm": score.rfm, "segment": score.segment, "frequency": score.frequency,
            "last_purchase": score.last_purchase.isoformat() if score.last_purchase else None,
            "computed_at": score.computed_at.isoformat()},
        "next_needs": [{"product": f.product.code, "date": f.date.isoformat(),
                        "low": f.low.isoformat(), "high": f.high.isoformat(),
                        "rate_per_day": f.rate_per_day, "basis": f.basis} for f in s["forecasts"]],
        "household_size": s["household"].size if s["household"] else None,
        "containers": [container_out(c) for c in s["containers"]],
        "special_dates": [special_date_out(d) for d in s["special_dates"]],
        "open_tasks": [task_out(t, language) for t in
                       CareTask.objects.filter(pk__in=[t.pk for t in s["open_tasks"]])
                       .select_related("customer", "product", "assigned_to")],
    }


@router.post("/proactive/customers/{customer_id}/opt-out", response={200: dict, **ERRORS})
def opt_out(request, customer_id: int, body: OptOutIn):
    require_staff(request.auth)
    customer = customer_get_for(request.auth, customer_id, related=())
    services.opt_out_set(actor=request.auth, customer=customer, opted_out=body.opted_out,
                         reason=body.reason)
    return {"customer_id": customer.pk, "opted_out": body.opted_out}


@router.get("/proactive/care-tasks", response={200: dict, **ERRORS})
def care_tasks(request, mine: bool = True, status: str = "open", date_: str | None = Query(None, alias="date"),
               limit: int = Query(100, ge=1, le=500)):
    """The care list, highest value × urgency first: your own (``mine=true``, default) or
    every task in your scope."""
    if status not in CareTask.Status.values:
        raise ApplicationError("invalid_status", _("Unknown status."), details={"field": "status"})
    day = None
    if date_:
        try:
            day = date.fromisoformat(date_)
        except ValueError:
            raise ApplicationError("invalid_date", _("%(field)s is not a date (YYYY-MM-DD): %(value)s")
                                   % {"field": "date", "value": date_[:20]}, details={"field": "date"})
    rows = selectors.care_list(request.auth, mine=mine, status=status, day=day)[:limit]
    language = _language(request)
    return {"items": [task_out(t, language) for t in rows], "next": None}


@router.post("/proactive/care-tasks/{task_id}/outcome", response={200: dict, **ERRORS})
def care_outcome(request, task_id: int, body: OutcomeIn):
    task = care_task_get_for(request.auth, task_id)
    services.care_outcome_record(actor=request.auth, task=task, result=body.result,
                                 note=body.note, quantity=body.quantity)
    task = care_task_get_for(request.auth, task_id)
    return task_out(task, _language(request))


@router.get("/proactive/report", response={200: dict, **ERRORS})
def report(request, since: str | None = None, until: str | None = None):
    require_staff(request.auth)
    today = timezone.localdate()
    try:
        start = date.fromisoformat(since) if since else today - timedelta(days=30)
        end = date.fromisoformat(until) if until else today
    except ValueError:
        raise ApplicationError("invalid_date", _("Dates must be YYYY-MM-DD."), details={"field": "since"})
    r = selectors.proactive_report(request.auth, since=start, until=end)
    return {"since": r.since.isoformat(), "until": r.until.isoformat(), "created": r.created,
            "done": r.done, "cancelled": r.cancelled, "open": r.open, "outcomes": r.outcomes,
            "conversion": r.conversion, "by_kind": r.by_kind,
            "churn": {"contacted": r.at_risk_contacted, "contacted_churned": r.at_risk_contacted_churned,
                      "contacted_rate": r.churn_contacted,
                      "not_contacted": r.at_risk_not_contacted,
                      "not_contacted_churned": r.at_risk_not_contacted_churned,
                      "not_contacted_rate": r.churn_not_contacted}}


@router.post("/proactive/care-lists/build", response={200: dict, **ERRORS})
def build(request):
    """Supervisors and administrators: run the daily job now (idempotent)."""
    require_manager(request.auth)
    from .daily import run_daily

    return run_daily()



# --- the household: containers, consumption readings, special dates -----------------------

@router.post("/proactive/customers/{customer_id}/containers", response={200: dict, **ERRORS})
def container_save(request, customer_id: int, body: ContainerIn):
    """Create or change the household's container for a product (the household is created
    for a customer without one; ``household_size`` changes its size)."""
    require_staff(request.auth)
    customer = customer_get_for(request.auth, customer_id, related=("household",))
    container = services.container_set(actor=request.auth, customer=customer,
                                       product=_product(body.product), capacity=body.capacity,
                                       name=body.name, household_size=body.household_size)
    return container_out(container)


@router.delete("/proactive/customers/{customer_id}/containers/{container_id}",
               response={204: None, **ERRORS})
def container_delete(request, customer_id: int, container_id: int):
    require_staff(request.auth)
    customer = customer_get_for(request.auth, customer_id, related=())
    services.container_remove(actor=request.auth, customer=customer, container_id=container_id)
    return 204, None


@router.post("/proactive/customers/{customer_id}/readings", response={201: dict, **ERRORS})
def reading_create(request, customer_id: int, body: ReadingIn):
    """What was seen at the customer's: ``level`` left in the container or quantity ``used``."""
    require_staff(request.auth)
    customer = customer_get_for(request.auth, customer_id, related=())
    reading = services.consumption_record(actor=request.auth, customer=customer,
                                          product=_product(body.product), day=body.date,
                                          quantity=body.quantity, kind=body.kind)
    return 201, {"id": reading.pk, "product": body.product.strip().lower(), "kind": reading.kind,
                 "date": reading.date.isoformat(), "quantity": str(reading.quantity)}


@router.post("/proactive/customers/{customer_id}/special-dates", response={201: dict, **ERRORS})
def special_date_create(request, customer_id: int, body: SpecialDateIn):
    require_staff(request.auth)
    customer = customer_get_for(request.auth, customer_id, related=())
    special = services.special_date_add(actor=request.auth, customer=customer, kind=body.kind,
                                        day=body.date, note=body.note)
    return 201, special_date_out(special)


@router.delete("/proactive/customers/{customer_id}/special-dates/{special_date_id}",
               response={204: None, **ERRORS})
def special_date_delete(request, customer_id: int, special_date_id: int):
    require_staff(request.auth)
    customer = customer_get_for(request.auth, customer_id, related=())
    services.special_date_remove(actor=request.auth, customer=customer,
                                 special_date_id=special_date_id)
    return 204, None


# --- the care list's thresholds ------------------------------------------------------------

@router.get("/proactive/settings", response={200: dict, **ERRORS})
def settings_read(request):
    require_staff(request.auth)
    from .care_settings import thresholds

    return dict(thresholds().__dict__)


@router.patch("/proactive/settings", response={200: dict, **ERRORS})
def settings_change(request, body: SettingsIn):
    """Administrators: change any of the thresholds (the others stay); the next daily run
    uses them. Out of range or unknown: 400 naming the field, nothing changes."""
    from .care_settings import care_settings_save

    row = care_settings_save(actor=request.auth, values=body.dict(exclude_unset=True))
    return dict(row.thresholds().__dict__)
