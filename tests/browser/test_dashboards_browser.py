"""The manager dashboards in a real browser: a branch supervisor opens them, the ECharts
charts have data (read from the chart instances), a click on a table number opens the
responses or tickets behind it — only their branch's — in English and in Chinese."""

from __future__ import annotations

import pytest

from tests.browser.conftest import CHROMIUM

if not CHROMIUM.exists():
    pytest.skip("browser tests need Debian's chromium at /usr/bin/chromium",
                allow_module_level=True)
pytest.importorskip("playwright.sync_api", reason="browser tests need the playwright package")

from playwright.sync_api import expect  # noqa: E402

from kefu.accounts.services import user_set_language  # noqa: E402
from kefu.analytics.tests.dashboard_data import same, servqual, submit  # noqa: E402
from kefu.surveys.defaults import ensure_defaults  # noqa: E402
from kefu.tickets.models import Category  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# polled while a click's navigation may still be under way: neither echarts nor the chart's
# element is there yet on the next page
CHART_DRAWN = """id => {
  const el = document.getElementById(id);
  return Boolean(window.echarts && el && echarts.getInstanceByDom(el));
}"""
SERIES = """id => {
  const chart = echarts.getInstanceByDom(document.getElementById(id));
  if (!chart) return null;
  return chart.getOption().series.map(s => (s.data || []).filter(v => v !== null).length);
}"""


@pytest.fixture
def figures(company, make_ticket, settings):
    settings.PUBLIC_URL = "https://help.example.com"
    ensure_defaults()
    submit("servqual", servqual(same(6), {**same(5), "responsiveness": 3}),
           customer=company.alice, branch=company.east, team=company.east_team)
    submit("servqual", servqual(same(5), same(5)), customer=company.bob, branch=company.west,
           team=company.west_team)
    for rating in (5, 4, 2):
        submit("csat", {"rating": rating}, customer=company.alice, branch=company.east,
               team=company.east_team, agent=company.agent_east)
    billing = Category.objects.create(code="billing", name="账单问题", name_en="Billing")
    make_ticket(company.agent_east, company.alice, type="complaint", category=billing,
                team=company.east_team, subject="账单重复扣费 double charge")
    make_ticket(company.agent_west, company.bob, type="complaint", category=billing,
                team=company.west_team, subject="西区的投诉 west only")
    return company


def sign_in(page, username):
    page.goto("/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", f"pw-{username}-123")
    page.click("#login-submit")


def test_supervisor_reads_the_charts_and_drills_down(page, figures, screenshot):
    user_set_language(user=figures.supervisor_east, language="en")
    sign_in(page, "sup-east")
    page.click("#nav-dashboards")
    expect(page.locator("h2").first).to_contain_text("SERVQUAL")
    # the radar has the expectation and perception of the five dimensions
    page.wait_for_function(CHART_DRAWN, arg="chart-radar")
    radar = page.evaluate("""() => echarts.getInstanceByDom(document.getElementById('chart-radar'))
        .getOption().series[0].data.map(d => d.value.length)""")
    assert radar == [5, 5]
    assert page.evaluate(SERIES, "chart-gaps")[0] == 5
    # only the east respondent counts for the east supervisor; responsiveness is the weakest
    expect(page.locator("#weakest")).to_have_text("Responsiveness")
    expect(page.locator(".card .meta").first).to_contain_text("1 respondent")
    screenshot("dashboards-quality-en")
    # drill down from the dimension table to the responses behind the figure
    page.locator("#table-dimensions a.drill").first.click()
    expect(page.locator("#drill-responses")).to_be_visible()
    assert page.locator("a.response-link").count() == 1
    page.locator("a.response-link").first.click()
    expect(page.locator("#response-detail")).to_contain_text("tan1")
    # scores: the CSAT chart per team has data; a small sample is flagged
    page.goto("/dashboards/scores/")
    page.wait_for_function(CHART_DRAWN, arg="chart-csat-team")
    assert page.evaluate(SERIES, "chart-csat-team")[0] == 1
    expect(page.locator("#table-teams")).to_contain_text("small sample")
    screenshot("dashboards-scores-en")
    # tickets: the Pareto chart, and a click on its count lists the east complaint only
    page.click("#tab-tickets")
    page.wait_for_function(CHART_DRAWN, arg="chart-pareto")
    # (low scores may have opened recovery complaints of their own: uncategorised)
    bars = page.evaluate("""() => {
        const o = echarts.getInstanceByDom(document.getElementById('chart-pareto')).getOption();
        return Object.fromEntries(o.xAxis[0].data.map((name, i) => [name, o.series[0].data[i]]));
    }""")
    assert bars["Billing"] == 1
    screenshot("dashboards-tickets-en")
    page.locator("#table-pareto tr", has_text="Billing").locator("a.drill").click()
    expect(page.locator("#drill-tickets")).to_contain_text("double charge")
    expect(page.locator("#drill-tickets")).not_to_contain_text("west only")


def test_dashboards_in_chinese_and_a_chart_click(page, figures, screenshot):
    user_set_language(user=figures.admin, language="zh-hans")
    sign_in(page, "root")
    page.goto("/dashboards/")
    # (the dashboard's own words come from the merged catalogue; the dimensions' are there)
    assert page.evaluate("() => document.documentElement.lang") == "zh-hans"
    page.wait_for_function(CHART_DRAWN, arg="chart-radar")
    indicators = page.evaluate("""() => echarts.getInstanceByDom(document.getElementById('chart-radar'))
        .getOption().radar[0].indicator.map(i => i.name)""")
    assert indicators == ["有形性", "可靠性", "响应性", "保证性", "移情性"]
    expect(page.locator(".card .meta").first).to_contain_text("2")
    screenshot("dashboards-quality-zh")
    # a click on a gap bar opens the responses behind it (both branches for an admin)
    chart = page.locator("#chart-gaps canvas").first
    box = chart.bounding_box()
    chart.click(position={"x": box["width"] * 0.5, "y": box["height"] * 0.5})
    page.wait_for_url("**/dashboards/responses/**")
    assert page.locator("a.response-link").count() == 2
