"""Closed loop and impact in a real browser: an administrator reads the impact panel (counts,
assumptions, arithmetic), changes an assumption in its form and sees the arithmetic follow;
a visitor without an account reads the public supervision page once it is switched on."""

from __future__ import annotations

import pytest

from tests.browser.conftest import CHROMIUM

if not CHROMIUM.exists():
    pytest.skip("browser tests need Debian's chromium at /usr/bin/chromium",
                allow_module_level=True)
pytest.importorskip("playwright.sync_api", reason="browser tests need the playwright package")

from playwright.sync_api import expect  # noqa: E402

from kefu.accounts.services import user_set_language  # noqa: E402
from kefu.analytics.quality_services import public_page_current, public_page_save  # noqa: E402
from kefu.analytics.tests.quality_helpers import answer, instruments  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def answered(company, make_ticket):
    instruments()
    for rating in (1, 2, 5):
        answer("csat", {"rating": rating}, customer=company.alice, branch=company.east,
               team=company.east_team, agent=company.agent_east,
               ticket=make_ticket(company.agent_east, company.alice))
    make_ticket(company.agent_east, company.alice, type="complaint")
    return company


def test_the_administrator_reads_and_edits_the_impact_panel(page, answered, screenshot):
    user_set_language(user=answered.admin, language="en")
    page.goto("/login/")
    page.fill("input[name=username]", "root")
    page.fill("input[name=password]", "pw-root-123")
    page.click("#login-submit")
    page.goto("/quality/impact/")
    expect(page.locator("#assumption-note")).to_contain_text("Estimates, not data.")
    expect(page.locator("#count-dissatisfied")).to_have_text("2")
    expect(page.locator("#count-complaints")).to_have_text("1")
    expect(page.locator("#step-told")).to_contain_text("2 × 12 = 24")
    expect(page.locator("#step-estimated")).to_contain_text("1 ÷ 4% = 25")
    screenshot("quality-impact")
    # when the administrator says a dissatisfied customer tells 15 people
    page.click("#impact-assumptions summary")
    page.fill("input[name=tell]", "15")
    page.click("#assumptions-save")
    # then: 80% × 15 + 20% × 20 = 16 per person, 2 × 16 = 32
    expect(page.locator("#step-per_person")).to_contain_text("80% × 15 + 20% × 20 = 16")
    expect(page.locator("#step-told")).to_contain_text("2 × 16 = 32")
    expect(page.locator("li.assumption").first).to_have_text(
        "A dissatisfied customer tells 15 people.")


def test_a_visitor_reads_the_public_page_once_it_is_on(page, answered, live_server):
    assert page.goto("/quality/public/").status == 404
    settings = public_page_current()
    settings.enabled, settings.min_n = True, 3
    public_page_save(actor=answered.admin, page=settings)
    page.goto("/quality/public/?lang=en")
    row = page.locator("tr.public-branch", has_text="East")
    expect(row.locator("td.csat")).to_contain_text("33.3% (3 answers)")
    expect(page.locator("tr.public-branch", has_text="West").locator("td.csat")).to_contain_text(
        "too few answers")
    page.click("#lang-zh")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.locator("tr.public-branch", has_text="东区")).to_have_count(1)
