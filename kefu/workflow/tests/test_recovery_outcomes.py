"""Do recovered complainers stay? ``recovery_outcomes`` on a small hand-built data set."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kefu.customers.models import Customer
from kefu.tickets.models import Ticket
from kefu.workflow.models import RecoveryAction
from kefu.workflow.selectors_recovery import recovery_outcomes


@pytest.fixture
def history(company, make_ticket):
    """Six east customers and Bob (west), with tickets and actions on known days."""
    now = timezone.now()

    def days_ago(n):
        return now - timedelta(days=n)

    def ticket(customer, type, age, actor=company.agent_east):
        t = make_ticket(actor, customer, type=type)
        Ticket.objects.filter(pk=t.pk).update(created_at=days_ago(age))
        return t

    def action(t, status, age):
        RecoveryAction.objects.create(ticket=t, customer=t.customer, kind="voucher",
                                      amount=Decimal("50"), status=status,
                                      requested_by=company.agent_east, created_at=days_ago(age))

    def customer(name, **kw):
        return Customer.objects.create(name=name, tier=company.regular, branch=company.east, **kw)

    c1, c2, c3, c4, c5, c6 = (customer(f"客户{n}") for n in range(1, 7))
    # c1: complained 200 days ago, recovered (granted); came back 150 and 30 days ago
    action(ticket(c1, "complaint", 200), "granted", 199)
    ticket(c1, "request", 150)
    ticket(c1, "inquiry", 30)
    # c2: complained 200 days ago, recovered (approved); never came back
    action(ticket(c2, "complaint", 200), "approved", 198)
    # c3: complained 200 days ago; the request waited and was rejected: not recovered;
    # came back 100 days ago (not within the last 90)
    first = ticket(c3, "complaint", 200)
    action(first, "pending", 199)
    action(first, "rejected", 199)
    ticket(c3, "inquiry", 100)
    # c4: complained 120 days ago, nothing done; came back 10 days ago
    ticket(c4, "complaint", 120)
    ticket(c4, "inquiry", 10)
    # c5: never complained (a granted gesture on an inquiry does not make a complainer)
    action(ticket(c5, "inquiry", 50), "granted", 50)
    # c6: an inquiry 400 days ago, complaints 300 and 250 days ago: one later ticket
    ticket(c6, "inquiry", 400)
    ticket(c6, "complaint", 300)
    ticket(c6, "complaint", 250)
    # Bob (west): complained and was recovered; the east supervisor cannot see him
    action(ticket(company.bob, "complaint", 60, actor=company.agent_west), "granted", 59)
    return now


def summary(result):
    return {name: (g.customers, g.later_tickets, g.still_active)
            for name, g in result.items() if name in ("recovered", "not_recovered")}


def test_recovered_and_not_recovered_complainers_in_the_supervisors_scope(company, history):
    # when the east supervisor asks
    result = recovery_outcomes(company.supervisor_east, now=history)
    # then c1, c2 are recovered (2 later tickets, 1 still active);
    # c3, c4, c6 are not (3 later tickets, 1 still active); c5 and Bob are not counted
    assert summary(result) == {"recovered": (2, 2, 1), "not_recovered": (3, 3, 1)}
    assert result["recovered"].later_tickets_per_customer == 1.0
    assert result["recovered"].still_active_share == 0.5
    assert result["not_recovered"].still_active_share == round(1 / 3, 4)
    assert result["active_days"] == 90 and result["since"] is None


def test_a_global_reader_sees_every_branch(company, history):
    result = recovery_outcomes(company.admin, now=history)
    assert summary(result) == {"recovered": (3, 2, 1), "not_recovered": (3, 3, 1)}


def test_since_limits_complaints_and_actions_to_the_period(company, history):
    # complaints from 220 days ago: c6's (300 and 250 days ago) drop out
    result = recovery_outcomes(company.supervisor_east, since=history - timedelta(days=220),
                               now=history)
    assert summary(result) == {"recovered": (2, 2, 1), "not_recovered": (2, 2, 1)}
    # from 199 days ago: only c4's complaint (120 days ago), not recovered
    late = recovery_outcomes(company.supervisor_east, since=history - timedelta(days=199),
                             now=history)
    assert summary(late) == {"recovered": (0, 0, 0), "not_recovered": (1, 1, 1)}
    assert late["recovered"].still_active_share is None
    assert late["recovered"].later_tickets_per_customer is None


def test_an_agent_sees_only_their_teams_tickets(company, history):
    result = recovery_outcomes(company.agent_west, now=history)
    assert summary(result) == {"recovered": (1, 0, 0), "not_recovered": (0, 0, 0)}


def test_outcomes_cost_a_fixed_number_of_queries(company, history):
    with CaptureQueriesContext(connection) as queries:
        recovery_outcomes(company.admin, now=history)
    assert len(queries) == 2


def test_the_report_endpoint(company, api_as, history):
    # agents may not read the report; supervisors, admins and auditors may
    assert api_as(company.agent_east).get("/api/v1/reports/recovery-outcomes").status_code == 403
    response = api_as(company.supervisor_east).get("/api/v1/reports/recovery-outcomes")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["recovered"] == {"customers": 2, "later_tickets": 2,
                                 "later_tickets_per_customer": 1.0, "still_active": 1,
                                 "still_active_share": 0.5}
    assert body["not_recovered"]["customers"] == 3
    assert api_as(company.auditor).get("/api/v1/reports/recovery-outcomes").json()[
        "recovered"]["customers"] == 3
    since = api_as(company.admin).get("/api/v1/reports/recovery-outcomes",
                                      {"since": "2000-01-01T00:00:00+08:00"})
    assert since.status_code == 200 and since.json()["since"].startswith("1999-12-31T16:00")
    for bad in ("yesterday", "0001-01-01T00:00:00+14:00", "2026-13-01"):
        response = api_as(company.admin).get("/api/v1/reports/recovery-outcomes",
                                             {"since": bad})
        assert 400 <= response.status_code < 500, (bad, response.content)
