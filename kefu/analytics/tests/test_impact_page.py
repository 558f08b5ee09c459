"""The impact panel in the console: the period's real counts (dissatisfied answers from the
rollups, complaints without the survey-opened ones) within the viewer's scope, the
assumptions shown as assumptions with the arithmetic; administrators change them, anyone
else cannot; bad values are refused and change nothing."""

from __future__ import annotations

import pytest

from kefu.analytics.models import ImpactAssumptions, QualityEvent
from kefu.analytics.quality_services import assumptions_current, assumptions_save
from kefu.core.errors import ApplicationError, PermissionDenied
from kefu.core.testing.console import signed_in
from kefu.tickets.models import Ticket

from .quality_helpers import answer, instruments

URL = "/quality/impact/"


@pytest.fixture
def period(company, make_ticket):
    """East: CSAT 1, 2 and 5 (two recovery tickets follow), two complaints by an agent.
    West: an NPS detractor (a recovery ticket) and one complaint."""
    instruments()
    for rating in (1, 2, 5):
        ticket = make_ticket(company.agent_east, company.alice)
        answer("csat", {"rating": rating}, customer=company.alice, ticket=ticket,
               branch=company.east, team=company.east_team, agent=company.agent_east)
    answer("nps", {"score": 3}, customer=company.bob, branch=company.west)
    for _ in range(2):
        make_ticket(company.agent_east, company.alice, type="complaint")
    make_ticket(company.agent_west, company.bob, type="complaint")
    assert Ticket.objects.filter(type="complaint").count() == 6  # 3 received + 3 recovery


def page(user, **params):
    client = signed_in(user, "en")
    return client.get(URL, params)


def test_the_administrator_sees_every_count_and_the_arithmetic(company, period):
    html = page(company.admin).content.decode()
    # counted: 2 dissatisfied CSAT, 1 NPS detractor, 3 complaints received (not the 3 opened
    # by surveys)
    assert 'id="count-csat"><a' in html and ">2</a>" in html.split('id="count-csat"')[1][:200]
    assert ">1</a>" in html.split('id="count-nps"')[1][:200]
    assert ">3<" in html.split('id="count-dissatisfied"')[1][:20]
    assert ">3</a>" in html.split('id="count-complaints"')[1][:200]
    # the assumptions, labelled as such, and the arithmetic on these counts
    assert "Estimates, not data." in html
    assert "A dissatisfied customer tells 10 people." in html
    assert "Only 4% of dissatisfied customers complain." in html
    assert "3 × 12 = 36" in html  # told, from 3 dissatisfied answers
    assert "3 ÷ 4% = 75" in html and "72 × 81% = 58.32" in html and "58.32 × 5 = 291.6" in html


def test_a_branch_supervisor_counts_only_their_branch(company, period):
    html = page(company.supervisor_east).content.decode()
    assert ">2</a>" in html.split('id="count-csat"')[1][:200]
    assert ">0</a>" in html.split('id="count-nps"')[1][:200]  # bob's answer is the west's
    assert ">2</a>" in html.split('id="count-complaints"')[1][:200]
    assert "assumptions-form" not in html  # only administrators edit them


def test_agents_and_customers_get_no_panel(company, period, client):
    assert page(company.agent_east).status_code == 403
    assert page(company.customer_user).status_code == 403
    assert client.get(URL).status_code == 302  # signed out: to the sign-in page


def test_a_bad_filter_is_refused_clearly(company, period):
    response = page(company.admin, start="2024-13")
    assert response.status_code == 400 and "YYYY-MM" in response.content.decode()


def test_an_administrator_changes_the_assumptions_and_the_figures_follow(company, period):
    client = signed_in(company.admin, "en")
    response = client.post("/quality/impact/assumptions/", {
        "tell": "5", "loud_share": "0", "loud_tell": "0", "complain_share": "0.5",
        "silent_leave_share": "1", "repair": "2", "acquisition_multiple": "3",
        "keep_cost": "100", "currency": "cny"})
    assert response.status_code == 302
    row = ImpactAssumptions.objects.get()
    assert (row.tell, row.complain_share, row.keep_cost, row.currency, row.updated_by) == (
        5, 0.5, 100, "CNY", company.admin)
    assert QualityEvent.objects.filter(kind="assumptions_changed").count() == 1
    html = client.get(URL).content.decode()
    # 3 complaints ÷ 50% = 6; 3 silent, all leave; 3 × 3 = 9; × 100 = 900
    assert "3 ÷ 50% = 6" in html and "3 × 3 = 9" in html and "9 × 100 = 900" in html
    assert "Keeping one customer costs 100.00 CNY." in html


@pytest.mark.parametrize("field, value, message", [
    ("complain_share", "0", "Share of dissatisfied customers who complain must lie between "
                            "0.0001 and 1."),
    ("loud_share", "2", "Share of dissatisfied customers who tell more must lie between 0 "
                        "and 1."),
    ("tell", "ten", "People a dissatisfied customer tells must be a number."),
    ("repair", "1e999", "Good experiences that repair one bad one must be a number."),
    ("keep_cost", "-5", "The cost of keeping a customer must be an amount from 0 up"),
    ("currency", "人民币", "The currency is a three-letter code"),
    ("tell", "9" * 40, "People a dissatisfied customer tells must be a number.")])
def test_bad_assumptions_change_nothing(company, field, value, message):
    client = signed_in(company.admin, "en")
    response = client.post("/quality/impact/assumptions/", {field: value}, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<li class="error">' in html and message in html
    row = assumptions_current()
    assert (row.tell, row.loud_share, row.complain_share, row.keep_cost, row.currency) == (
        10, 0.2, 0.04, None, "CNY")
    assert not QualityEvent.objects.exists()


def test_only_administrators_change_assumptions(company):
    client = signed_in(company.supervisor_east, "en")
    assert client.post("/quality/impact/assumptions/", {"tell": "1"}).status_code == 403
    with pytest.raises(PermissionDenied):
        assumptions_save(actor=company.auditor, values={"tell": 1})
    with pytest.raises(ApplicationError):
        assumptions_save(actor=company.admin, values={"unknown": 1})
    assert assumptions_current().tell == 10 and not QualityEvent.objects.exists()


def test_the_page_opens_in_chinese(company, period):
    response = signed_in(company.admin, "zh-hans").get(URL)
    assert response.status_code == 200 and "3 ÷ 4% = 75" in response.content.decode()
