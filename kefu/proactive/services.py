"""Every write of proactive care data: products, purchases, consumption, containers, special
dates, the opt-out, care outcomes. Each takes ``actor=``, checks it, runs in a transaction
and leaves a line on the customer's timeline."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.access import require_staff_writer
from kefu.accounts.models import User
from kefu.core.errors import ApplicationError, Conflict, NotFound, reject_nul
from kefu.customers.models import Customer, CustomerEvent

from . import rules
from .access import require_manager
from .care_settings import thresholds
from .models import (
    CareOutcome,
    CareTask,
    Consumption,
    Container,
    OptOut,
    Product,
    Purchase,
    SpecialDate,
    Unit,
)

MAX_QUANTITY = Decimal("1000000")
MAX_AMOUNT = Decimal("1000000000")


# --- field checks (shared with the importer and the API) --------------------------------

def _error(code: str, message: str, field: str) -> ApplicationError:
    return ApplicationError(code, message, details={"field": field})


def parse_day(value, field: str = "date", *, today: date | None = None) -> date:
    """A calendar day (YYYY-MM-DD; 2026/3/1 too), never in the future."""
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        text = str(value or "").strip().replace("/", "-")
        try:
            y, m, d = (int(part) for part in text.split("-"))
            value = date(y, m, d)
        except (ValueError, TypeError):
            raise _error("invalid_date", _("%(field)s is not a date (YYYY-MM-DD): %(value)s")
                         % {"field": field, "value": str(value)[:40]}, field)
    if value > (today or timezone.localdate()):
        raise _error("future_date", _("%(field)s is in the future: %(value)s")
                     % {"field": field, "value": value.isoformat()}, field)
    return value


def parse_decimal(value, field: str, *, positive: bool, limit: Decimal) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise _error("invalid_number", _("%(field)s is not a number: %(value)s")
                     % {"field": field, "value": str(value)[:40]}, field)
    if not number.is_finite() or number < 0 or (positive and number == 0):
        raise _error("negative_quantity" if number < 0 else "invalid_number",
                     _("%(field)s must be more than zero.") % {"field": field} if positive
                     else _("%(field)s must not be negative.") % {"field": field}, field)
    if number > limit:
        raise _error("invalid_number", _("%(field)s is too large.") % {"field": field}, field)
    return number


def clean_purchase(*, product: Product, day, quantity, amount=None,
                   today: date | None = None) -> dict:
    quantity = parse_decimal(quantity, "quantity", positive=True, limit=MAX_QUANTITY)
    if amount in (None, ""):
        amount = (quantity * product.price).quantize(Decimal("0.01"))
    else:
        amount = parse_decimal(amount, "amount", positive=False, limit=MAX_AMOUNT)
    return {"product": product, "date": parse_day(day, today=today), "quantity": quantity,
            "amount": amount}


def _event(customer_id: int, actor, event_kind: str, /, **data) -> None:
    CustomerEvent.objects.create(customer_id=customer_id, actor=actor, kind=event_kind, data=data)


def _product_data(product: Product) -> dict:
    """What a timeline line needs to name the product in either language, even once renamed."""
    return {"product": product.code, "product_name": product.name,
            "product_name_en": product.name_en}


# --- products --------------------------------------------------------------------------

@transaction.atomic
def product_save(*, actor: User, code: str, name: str, name_en: str = "", unit: str = "kg",
                 price="0", lead_days: int = 3, remind_customers: bool = False,
                 active: bool = True) -> Product:
    """Create a product, or change the one with this code."""
    require_manager(actor)
    for field, value in (("code", code), ("name", name), ("name_en", name_en)):
        reject_nul(value, field)
    code = (code or "").strip().lower()
    if not code or len(code) > 40 or not all(c.isalnum() or c in "-_" for c in code) or not code.isascii():
        raise _error("invalid_code", _("The code may use letters, digits, - and _ only."), "code")
    name = (name or "").strip()
    if not name or len(name) > 120 or len(name_en or "") > 120:
        raise _error("required", _("%(field)s is required.") % {"field": "name"}, "name")
    if unit not in Unit.values:
        raise _error("invalid_unit", _("The unit must be one of: %(allowed)s")
                     % {"allowed": ", ".join(Unit.values)}, "unit")
    price = parse_decimal(price, "price", positive=False, limit=MAX_AMOUNT)
    if not isinstance(lead_days, int) or not 0 <= lead_days <= 60:
        raise _error("invalid_number", _("%(field)s must be between 0 and 60.")
                     % {"field": "lead_days"}, "lead_days")
    product, _created = Product.objects.update_or_create(
        code=code, defaults={"name": name, "name_en": (name_en or "").strip(), "unit": unit,
                             "price": price, "lead_days": lead_days,
                             "remind_customers": bool(remind_customers), "active": bool(active)})
    return product


# --- purchases and consumption ----------------------------------------------------------

@transaction.atomic
def purchase_record(*, actor: User | None, customer: Customer, product: Product, day, quantity,
                    amount=None, source: str = Purchase.Source.FORM) -> Purchase:
    if actor is not None:
        require_staff_writer(actor)
    fields = clean_purchase(product=product, day=day, quantity=quantity, amount=amount)
    purchase = Purchase.objects.create(customer=customer, source=source, created_by=actor, **fields)
    _event(customer.pk, actor, "purchase", **_product_data(product),
           quantity=str(fields["quantity"]), unit=product.unit, date=fields["date"].isoformat(), purchase=purchase.pk)
    return purchase


@transaction.atomic
def consumption_record(*, actor: User, customer: Customer, product: Product, day, quantity,
                       kind: str = Consumption.Kind.LEVEL) -> Consumption:
    """A level measured at the customer's ("8 kg left in the bin") or a quantity used. A level
    above the household's container for the product is refused (a misreading)."""
    require_staff_writer(actor)
    if kind not in Consumption.Kind.values:
        raise _error("invalid_kind", _("The kind must be one of: %(allowed)s")
                     % {"allowed": ", ".join(Consumption.Kind.values)}, "kind")
    day = parse_day(day)
    quantity = parse_decimal(quantity, "quantity", positive=False, limit=MAX_QUANTITY)
    if kind == Consumption.Kind.LEVEL and customer.household_id:
        container = Container.objects.filter(household_id=customer.household_id,
                                             product=product).first()
        if container is not None and quantity > container.capacity:
            raise _error("above_capacity",
                         _("%(quantity)s is more than the container holds (%(capacity)s).")
                         % {"quantity": _plain(quantity), "capacity": _plain(container.capacity)},
                         "quantity")
    record = Consumption.objects.create(customer=customer, product=product, kind=kind,
                                        created_by=actor, date=day, quantity=quantity)
    _event(customer.pk, actor, "consumption", **_product_data(product), kind=kind,
           quantity=_plain(record.quantity), date=record.date.isoformat())
    return record


def _plain(number: Decimal) -> str:
    """20.000 → "20", 2.500 → "2.5"."""
    text = format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


@transaction.atomic
def container_set(*, actor: User, customer: Customer, product: Product, capacity,
                  name: str = "", household_size: int | None = None) -> Container:
    """The customer's household keeps ``product`` in a container of ``capacity`` units (a
    household is created for a customer without one)."""
    require_staff_writer(actor)
    reject_nul(name, "name")
    name = (name or "").strip()
    if len(name) > 80:
        raise _error("too_long", _("%(field)s is too long (at most %(max)d characters).")
                     % {"field": "name", "max": 80}, "name")
    capacity = parse_decimal(capacity, "capacity", positive=True, limit=MAX_QUANTITY)
    if household_size is not None and (not isinstance(household_size, int)
                                       or not 1 <= household_size <= 100):
        raise _error("invalid_number", _("%(field)s must be between 1 and 100.")
                     % {"field": "household_size"}, "household_size")
    from kefu.customers.models import Household

    household = customer.household
    if household is None:
        household = Household.objects.create(name=customer.name, size=household_size or 1)
        customer.household = household
        customer.save(update_fields=["household", "updated_at"])
    elif household_size:
        household.size = household_size
        household.save(update_fields=["size"])
    container, _created = Container.objects.update_or_create(
        household=household, product=product, defaults={"capacity": capacity, "name": name})
    _event(customer.pk, actor, "container", **_product_data(product), capacity=_plain(capacity),
           unit=product.unit)
    return container


@transaction.atomic
def container_remove(*, actor: User, customer: Customer, container_id) -> None:
    """Remove a container of the customer's household (404 for anybody else's)."""
    require_staff_writer(actor)
    container = (Container.objects.select_related("product")
                 .filter(pk=_int_or_none(container_id), household_id=customer.household_id)
                 .first() if customer.household_id else None)
    if container is None:
        raise NotFound(_("Container"), container_id)
    product = container.product
    container.delete()
    _event(customer.pk, actor, "container_removed", **_product_data(product))


#: Birthdays and anniversaries have happened; a renewal lies ahead (up to this many years).
RENEWAL_YEARS = 20


@transaction.atomic
def special_date_add(*, actor: User, customer: Customer, kind: str, day, note: str = "") -> SpecialDate:
    """A birthday or anniversary (a past day, repeated yearly) or a contract renewal (once)."""
    require_staff_writer(actor)
    reject_nul(note, "note")
    note = (note or "").strip()
    if kind not in SpecialDate.Kind.values:
        raise _error("invalid_kind", _("The kind must be one of: %(allowed)s")
                     % {"allowed": ", ".join(SpecialDate.Kind.values)}, "kind")
    if len(note) > 200:
        raise _error("too_long", _("%(field)s is too long (at most %(max)d characters).")
                     % {"field": "note", "max": 200}, "note")
    today = timezone.localdate()
    if kind == SpecialDate.Kind.RENEWAL:
        day = parse_day(day, today=date.max)
        if day.year > today.year + RENEWAL_YEARS:
            raise _error("invalid_date", _("%(field)s is too far ahead: %(value)s")
                         % {"field": "date", "value": day.isoformat()}, "date")
    else:
        day = parse_day(day, today=today)
    if day.year < 1900:
        raise _error("invalid_date", _("%(field)s is not a date (YYYY-MM-DD): %(value)s")
                     % {"field": "date", "value": day.isoformat()}, "date")
    special = SpecialDate.objects.create(customer=customer, kind=kind, note=note, date=day)
    _event(customer.pk, actor, "special_date", kind=kind, date=special.date.isoformat())
    return special


@transaction.atomic
def special_date_remove(*, actor: User, customer: Customer, special_date_id) -> None:
    require_staff_writer(actor)
    special = SpecialDate.objects.filter(pk=_int_or_none(special_date_id), customer=customer).first()
    if special is None:
        raise NotFound(_("Special date"), special_date_id)
    kind, day = special.kind, special.date.isoformat()
    special.delete()
    _event(customer.pk, actor, "special_date_removed", kind=kind, date=day)


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- opt-out -------------------------------------------------------------------------------

@transaction.atomic
def opt_out_set(*, actor: User, customer: Customer, opted_out: bool, reason: str = "") -> bool:
    """Stop (or allow again) all proactive contact; stopping cancels the open care tasks."""
    require_staff_writer(actor)
    reject_nul(reason, "reason")
    if opted_out:
        _obj, created = OptOut.objects.get_or_create(
            customer=customer, defaults={"reason": (reason or "")[:200], "created_by": actor})
        CareTask.objects.filter(customer=customer, status=CareTask.Status.OPEN).update(
            status=CareTask.Status.CANCELLED, done_at=timezone.now())
    else:
        created = OptOut.objects.filter(customer=customer).delete()[0] > 0
    if created:
        _event(customer.pk, actor, "proactive_opt_out" if opted_out else "proactive_opt_in",
               reason=(reason or "")[:200])
    return opted_out


# --- care outcomes ---------------------------------------------------------------------------

FOLLOW_UP_RESULT = {"reached": "satisfied", "ordered": "satisfied", "not_reachable": "unreachable"}


@transaction.atomic
def care_outcome_record(*, actor: User, task: CareTask, result: str, note: str = "",
                        quantity=None) -> CareOutcome:
    """Record how a care contact went. "ordered" records the purchase (``quantity``, default:
    the customer's last quantity of the product), which the next prediction starts from;
    "declined" damps the customer's next tasks of this kind; "not reachable" keeps the task
    open until the third attempt. A follow-up task also completes the complaint's follow-up."""
    require_staff_writer(actor)
    reject_nul(note, "note")
    if result not in CareOutcome.Result.values:
        raise _error("invalid_outcome", _("The outcome must be one of: %(allowed)s")
                     % {"allowed": ", ".join(CareOutcome.Result.values)}, "result")
    locked = CareTask.objects.select_for_update().get(pk=task.pk)
    if locked.status != CareTask.Status.OPEN:
        raise Conflict("care_task_closed", _("This care task is already closed."))
    now = timezone.now()
    purchase = None
    if result == CareOutcome.Result.ORDERED and locked.product_id:
        product = Product.objects.get(pk=locked.product_id)
        if quantity in (None, ""):
            last = (Purchase.objects.filter(customer_id=locked.customer_id, product=product)
                    .order_by("-date", "-id").first())
            quantity = last.quantity if last else Decimal("1")
        purchase = purchase_record(actor=actor, customer=locked.customer, product=product,
                                   day=timezone.localdate(), quantity=quantity,
                                   source=Purchase.Source.CARE)
    outcome = CareOutcome.objects.create(task=locked, result=result, note=(note or "")[:500],
                                         purchase=purchase, actor=actor, created_at=now)
    locked.attempts += 1
    locked.outcome = result
    if rules.outcome_closes(result, locked.attempts, thresholds()):
        locked.status = CareTask.Status.DONE
        locked.done_at = now
    locked.save(update_fields=["attempts", "outcome", "status", "done_at"])
    task.status, task.outcome, task.attempts = locked.status, locked.outcome, locked.attempts
    if locked.follow_up_id and result in FOLLOW_UP_RESULT:
        _complete_follow_up(locked, actor, FOLLOW_UP_RESULT[result], note)
    _event(locked.customer_id, actor, "care_outcome", task=locked.pk, care_kind=locked.kind,
           result=result)
    return outcome


def _complete_follow_up(task: CareTask, actor: User, outcome: str, note: str) -> None:
    from kefu.workflow.models import FollowUp
    from kefu.workflow.services.complaint import follow_up_complete

    follow_up = FollowUp.objects.select_related("ticket").get(pk=task.follow_up_id)
    if follow_up.done_at is not None:
        return
    try:
        with transaction.atomic():
            follow_up_complete(follow_up=follow_up, actor=actor, outcome=outcome, note=note)
    except (ApplicationError, IntegrityError):
        return
