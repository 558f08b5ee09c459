"""The demo's households and purchase histories."""

from kefu.customers.models import Household
from kefu.proactive.demo import build_proactive_demo
from kefu.proactive.models import CareTask, Product, Purchase, RunOutForecast


def test_the_demo_loads_once(company):
    for customer in (company.alice, company.bob):
        customer.household = Household.objects.create(name=customer.name, size=3)
        customer.save()
    lines = build_proactive_demo(seed=1)
    assert lines[0].startswith("proactive care: 5 products")
    assert set(Product.objects.values_list("code", flat=True)) == {"rice", "oil", "water", "milk", "gym"}
    count = Purchase.objects.count()
    assert count > 10 and Purchase.objects.filter(customer=company.alice).exists()
    # the daily job ran on the histories: forecasts, and a care list with a run-out on it
    assert RunOutForecast.objects.filter(customer=company.alice).exists()
    kinds = set(CareTask.objects.filter(status="open").values_list("kind", flat=True))
    assert {"run_out", "birthday", "renewal"} <= kinds, kinds
    assert "already loaded" in build_proactive_demo(seed=1)[0]
    assert Purchase.objects.count() == count
