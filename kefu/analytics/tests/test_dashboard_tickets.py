"""Ticket figures: complaint Pareto, SLA compliance, first-contact resolution and reopen
rate — hand-counted on tickets made through the ticket services; scope; constant queries."""

from __future__ import annotations

import pytest

from kefu.analytics.selectors import tickets
from kefu.analytics.selectors.filters import Scope
from kefu.tickets.models import Category, Ticket
from kefu.tickets.services import ticket_reply, ticket_transition
from kefu.workflow.defaults import ensure_defaults as ensure_workflow_defaults
from kefu.workflow.models import TicketSla

from .dashboard_data import everything


@pytest.fixture
def categories(db):
    return {code: Category.objects.create(code=code, name=zh, name_en=en) for code, zh, en in
            (("billing", "账单", "Billing"), ("delivery", "配送", "Delivery"),
             ("staff", "员工态度", "Staff attitude"))}


def test_complaint_pareto_sorted_with_cumulative_shares(company, categories, make_ticket):
    # given 5 billing, 3 delivery, 2 staff complaints (east) and one west, one inquiry
    for code, n in (("billing", 5), ("delivery", 3), ("staff", 2)):
        for _ in range(n):
            make_ticket(company.agent_east, company.alice, type="complaint",
                        category=categories[code], team=company.east_team)
    make_ticket(company.agent_west, company.bob, type="complaint", category=categories["staff"],
                team=company.west_team)
    make_ticket(company.agent_east, company.alice, type="inquiry", team=company.east_team)
    # when
    got = tickets.complaint_pareto(everything(scope=Scope(branches=frozenset({company.east.pk}),
                                                          teams=frozenset())))
    # then 10 in the east: 50 %, 80 %, 100 %; two categories reach the 80 % line
    assert got["total"] == 10
    assert [(c["name"], c["count"], c["cumulative"]) for c in got["categories"]] == [
        (categories["billing"].label, 5, 50.0), (categories["delivery"].label, 3, 80.0),
        (categories["staff"].label, 2, 100.0)]
    assert got["vital_few"] == 2
    assert tickets.complaint_pareto(everything())["total"] == 11


def test_resolution_fcr_and_reopen_rate(company, make_ticket):
    agent = company.agent_east
    # one reply then resolved: first contact
    a = make_ticket(agent, company.alice, team=company.east_team)
    ticket_reply(ticket=a, actor=agent, body="已处理")
    ticket_transition(ticket=a, actor=agent, status="resolved")
    # two replies then resolved: not first contact
    b = make_ticket(agent, company.alice, team=company.east_team)
    ticket_reply(ticket=b, actor=agent, body="请提供订单号")
    ticket_reply(ticket=b, actor=agent, body="已处理")
    ticket_transition(ticket=b, actor=agent, status="resolved")
    # resolved, reopened, resolved again: not first contact, reopened
    c = make_ticket(agent, company.alice, team=company.east_team)
    ticket_reply(ticket=c, actor=agent, body="好的")
    ticket_transition(ticket=c, actor=agent, status="resolved")
    ticket_transition(ticket=c, actor=agent, status="open")
    ticket_transition(ticket=c, actor=agent, status="resolved")
    # still open
    make_ticket(agent, company.alice, team=company.east_team)
    got = tickets.resolution(everything(min_n=2))["total"]
    assert got["tickets"] == 4 and got["resolved"] == 3
    assert got["fcr"]["x"] == 1 and got["fcr"]["n"] == 3 and got["fcr"]["value"] == 33.3
    assert got["reopen"]["x"] == 1 and got["reopen"]["n"] == 3
    # Wilson 1 of 3: [6.1, 79.2]
    assert got["reopen"]["ci95"] == [6.1, 79.2]


def test_sla_compliance_counts(company, make_ticket):
    ensure_workflow_defaults()  # the default SLA policy: every ticket gets due times
    agent = company.agent_east
    met = make_ticket(agent, company.alice, team=company.east_team)
    ticket_reply(ticket=met, actor=agent, body="收到")
    late = make_ticket(agent, company.alice, team=company.east_team)
    ticket_reply(ticket=late, actor=agent, body="收到")
    TicketSla.objects.filter(ticket=late).update(first_response_breached=True)
    make_ticket(agent, company.alice, team=company.east_team)  # running
    got = tickets.sla(everything(min_n=1))
    total = got["total"]
    assert total["with_sla"] == 3
    assert total["first_response"]["met"] == 1
    assert total["first_response"]["breached"] == 1
    assert total["first_response"]["running"] == 1
    assert total["first_response"]["compliance"]["value"] == 50.0
    assert total["no_breach"]["x"] == total["with_sla"] - 1


def test_sla_breach_without_due_times_stays_consistent(company, make_ticket):
    # given a ticket whose SLA record says breached but which carries no due time (as data
    # loaded in bulk can be): it counts as breached and as a ticket with an SLA
    ticket = make_ticket(company.agent_east, company.alice, team=company.east_team)
    Ticket.objects.filter(pk=ticket.pk).update(first_response_due=None, resolution_due=None)
    TicketSla.objects.update_or_create(ticket=ticket, defaults={"sunset_breached": True,
                                                                "resolution_breached": True})
    total = tickets.sla(everything(min_n=1))["total"]
    assert total["with_sla"] == 1 and total["no_breach"]["x"] == 0
    assert total["resolution"]["breached"] == 1 and total["resolution"]["running"] == 0
    assert total["resolution"]["compliance"]["value"] == 0.0


def test_other_branch_tickets_are_not_counted(company, make_ticket):
    make_ticket(company.agent_west, company.bob, team=company.west_team)
    east = everything(scope=Scope(branches=frozenset({company.east.pk}),
                                  teams=frozenset({company.east_team.pk})))
    assert tickets.resolution(east)["total"]["tickets"] == 0
    assert tickets.sla(east)["total"]["tickets"] == 0
    assert tickets.resolution(everything())["total"]["tickets"] == 1


def test_constant_queries(company, make_ticket, django_assert_max_num_queries):
    for _ in range(3):
        make_ticket(company.agent_east, company.alice, team=company.east_team, type="complaint")
    for fn in (tickets.complaint_pareto, tickets.sla, tickets.resolution):
        with django_assert_max_num_queries(2):
            fn(everything())
