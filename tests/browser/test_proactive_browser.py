"""Proactive care in a real browser: after the daily job ran on a rice household's purchases,
the agent opens their care list, records "ordered" in one click (htmx) and the task leaves
the open list; the customer page loads the proactive card; the household page saves a
reading and refuses a bad one in place; the same pages in Chinese."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest

from tests.browser.conftest import CHROMIUM

if not CHROMIUM.exists():
    pytest.skip("browser tests need Debian's chromium at /usr/bin/chromium",
                allow_module_level=True)
pytest.importorskip("playwright.sync_api", reason="browser tests need the playwright package")

from django.utils import timezone, translation  # noqa: E402
from django.utils.translation import gettext  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

from kefu.accounts.services import user_set_language  # noqa: E402
from kefu.customers.models import Household  # noqa: E402
from kefu.proactive.daily import run_daily  # noqa: E402
from kefu.proactive.models import CareTask, Consumption, Container, Product, Purchase  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cared(company):
    """Alice's family of four buys 20 kg of rice about every 30 days for their 25 kg bin; the
    last bag was 28 days ago. The daily job has run this morning."""
    user_set_language(user=company.agent_east, language="en")
    rice = Product.objects.create(code="rice", name="大米", name_en="Rice", unit="kg",
                                  price=Decimal("6.50"), lead_days=3)
    household = Household.objects.create(name="爱丽丝家", size=4)
    company.alice.household = household
    company.alice.save()
    Container.objects.create(household=household, product=rice, name="米缸", capacity=25)
    today = timezone.localdate()
    for days_ago in (28, 58, 89, 118, 149, 178):
        Purchase.objects.create(customer=company.alice, product=rice, quantity=20, amount=130,
                                date=today - timedelta(days=days_ago))
    run_daily(today, remind=False)
    task = CareTask.objects.get(customer=company.alice, kind="run_out", status="open")
    assert task.assigned_to == company.agent_east
    return SimpleNamespace(company=company, task=task, rice=rice)


def sign_in(page, username):
    page.goto("/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", f"pw-{username}-123")
    page.click("#login-submit")


def test_an_agent_works_their_care_list(page, cared, screenshot):
    task = cared.task
    sign_in(page, "agent-east")
    page.click("#nav-care")
    row = page.locator(f"#care-task-{task.pk}")
    expect(row).to_contain_text("About to run out")
    expect(row.locator(".script").first).to_contain_text("Rice")
    screenshot("proactive-care-list-en")
    # when the agent records that Alice ordered
    row.locator("button[value=ordered]").click()
    # then the row says so in place, a purchase is recorded, and the task leaves the open list
    expect(page.locator(f"#care-task-{task.pk}")).to_contain_text("Done")
    assert Purchase.objects.filter(customer=cared.company.alice, source="care").count() == 1
    page.reload()
    expect(page.locator(f"#care-task-{task.pk}")).to_have_count(0)
    # the customer page loads the proactive card (htmx, after the page)
    page.goto(f"/customers/{cared.company.alice.pk}/")
    card = page.locator(".proactive-card")
    expect(card).to_contain_text("Predicted next needs")
    expect(card).to_contain_text("Rice")
    expect(card).to_contain_text("Household of 4")


def test_the_household_page_in_chinese(page, cared, screenshot):
    alice = cared.company.alice
    sign_in(page, "agent-east")
    page.goto(f"/customers/{alice.pk}/")
    page.click("#lang-zh")
    with translation.override("zh-hans"):
        heading = gettext("Proactive care")
        saved = gettext("Reading saved.")
    expect(page.locator(".proactive-card")).to_contain_text(heading)
    expect(page.locator(".proactive-card")).to_contain_text("大米")
    page.click("#household-link")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    # a level above the 25 kg bin is refused in place, nothing written
    form = page.locator("#reading-form")
    form.locator("input[name=quantity]").fill("30")
    form.locator("button[type=submit]").click()
    expect(page.locator("#household-readings .error")).to_contain_text("25")
    assert not Consumption.objects.exists()
    # eight kilograms left is kept
    page.locator("#reading-form input[name=quantity]").fill("8")
    page.locator("#reading-form button[type=submit]").click()
    expect(page.locator("#household-readings .success")).to_contain_text(saved)
    expect(page.locator("#household-readings tbody tr").first).to_contain_text("大米")
    expect(page.locator("#household-readings tbody tr").first).to_contain_text("8")
    assert Consumption.objects.get().quantity == 8
    screenshot("proactive-household-zh")
