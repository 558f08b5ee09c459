"""Demo data of proactive care: products (rice, oil, water, milk, a gym card), households
with containers and a year of purchases at each family's own rhythm — some steady, some
lapsing, some due to run out in the next days — birthdays and renewals; then the daily job
so that today's care list is meaningful. Idempotent (skipped when the products exist)."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from kefu.customers.models import Customer, Household

from .models import Container, Product, Purchase, SpecialDate

#: code, zh, en, unit, price, lead days, e-mail reminders, (container capacity or None),
#: per person per day
PRODUCTS = [
    ("rice", "大米", "Rice", "kg", "6.50", 3, True, 25, 0.16),
    ("oil", "食用油", "Cooking oil", "l", "18.00", 5, False, 5, 0.025),
    ("water", "桶装水", "Bottled water", "l", "1.20", 2, True, 18.9, 1.1),
    ("milk", "鲜牛奶", "Fresh milk", "l", "12.00", 1, False, None, 0.12),
    ("gym", "健身课程", "Fitness sessions", "session", "80.00", 7, False, None, 0.07),
]
HOUSEHOLDS = 60
DAYS = 360


def build_proactive_demo(seed: int = 20261123) -> list[str]:
    if Product.objects.filter(code="rice").exists():
        return ["proactive care: demo already loaded (nothing changed)"]
    rng = random.Random(seed)
    today = timezone.localdate()
    purchases = _build(rng, today)
    lines = [f"proactive care: {len(PRODUCTS)} products, {purchases} purchases"]
    try:
        from .daily import run_daily

        result = run_daily(today, remind=False)
        lines.append(f"proactive care: today's care lists hold {result['tasks']['listed']} tasks")
    except ImportError:  # the prediction models are not installed yet
        lines.append("proactive care: models not available, care lists not built")
    return lines


@transaction.atomic
def _build(rng: random.Random, today) -> int:
    products = {}
    for code, zh, en, unit, price, lead, remind, _cap, _rate in PRODUCTS:
        products[code] = Product.objects.create(code=code, name=zh, name_en=en, unit=unit,
                                                price=Decimal(price), lead_days=lead,
                                                remind_customers=remind)
    customers = list(Customer.objects.filter(household__isnull=False).select_related("household")
                     .order_by("pk")[:HOUSEHOLDS])
    rows = []
    for i, customer in enumerate(customers):
        household: Household = customer.household
        kinds = rng.sample(PRODUCTS[:4], rng.choice([1, 2, 2, 3]))
        if i % 7 == 0:
            kinds.append(PRODUCTS[4])
        lapsing = i % 6 == 4  # stopped buying everything some months ago: churn risk
        stopped = today - timedelta(days=rng.randint(120, 200))
        due_soon = i % 4 == 0  # the last purchase is nearly used up
        for code, _zh, _en, _unit, _price, _lead, _remind, capacity, per_person in kinds:
            product = products[code]
            rate = per_person * household.size * rng.uniform(0.8, 1.2)
            size = Decimal(str(capacity)) if capacity else Decimal(str(round(rate * 30, 1) or 1))
            if capacity:
                Container.objects.get_or_create(household=household, product=product,
                                                defaults={"capacity": capacity,
                                                          "name": "米缸" if code == "rice" else ""})
            interval = max(3, int(float(size) / rate))
            last = today - timedelta(days=int(interval * (0.9 if due_soon else rng.uniform(0.2, 0.7))))
            if lapsing:
                last = stopped - timedelta(days=rng.randint(0, interval))
            day = last
            while day > today - timedelta(days=DAYS):
                rows.append(Purchase(customer=customer, product=product, date=day, quantity=size,
                                     amount=(size * product.price).quantize(Decimal("0.01")),
                                     source=Purchase.Source.IMPORT))
                day -= timedelta(days=max(2, int(interval * rng.uniform(0.85, 1.15))))
        if i % 5 == 0:
            birthday = today + timedelta(days=rng.randint(0, 6))
            SpecialDate.objects.create(customer=customer, kind="birthday",
                                       date=birthday.replace(year=birthday.year - rng.randint(25, 70),
                                                            day=min(birthday.day, 28)))
        if i % 11 == 0:
            SpecialDate.objects.create(customer=customer, kind="renewal",
                                       date=today + timedelta(days=rng.randint(3, 25)),
                                       note="宽带年卡 / broadband plan")
    Purchase.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
