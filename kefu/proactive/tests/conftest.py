"""Proactive fixtures: products and a rice household for the company fixture."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from kefu.customers.models import Household
from kefu.proactive.models import Container, Product, Purchase


@pytest.fixture
def rice(db) -> Product:
    return Product.objects.create(code="rice", name="大米", name_en="Rice", unit="kg",
                                  price=Decimal("6.50"), lead_days=3)


@pytest.fixture
def oil(db) -> Product:
    return Product.objects.create(code="oil", name="食用油", name_en="Cooking oil", unit="l",
                                  price=Decimal("20"), lead_days=5)


@pytest.fixture
def rice_household(company, rice):
    """Alice's family of four with a 25 kg rice bin, buying 20 kg about every 30 days."""
    household = Household.objects.create(name="爱丽丝家", size=4)
    company.alice.household = household
    company.alice.save()
    Container.objects.create(household=household, product=rice, name="米缸", capacity=25)
    start = date(2026, 1, 5)
    for i in range(4):
        Purchase.objects.create(customer=company.alice, product=rice, date=start + timedelta(days=30 * i),
                                quantity=20, amount=130)
    return household
