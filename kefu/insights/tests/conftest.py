"""Fixtures for the insights integration tests (the shared ones are in
kefu/core/testing/fixtures.py)."""

from __future__ import annotations

import pytest


@pytest.fixture
def huey_immediate():
    """Run huey tasks inline, in this process, while the test runs."""
    from huey.contrib.djhuey import HUEY

    before = HUEY.immediate
    HUEY.immediate = True
    try:
        yield HUEY
    finally:
        HUEY.immediate = before


@pytest.fixture
def customer_ticket(company, make_ticket):
    """A ticket Alice (east branch) opened herself on the portal, at normal priority."""
    def make(subject="订单咨询", description="", **kw):
        return make_ticket(company.customer_user, company.alice, subject=subject,
                           description=description, **kw)
    return make


@pytest.fixture
def customer_says(company):
    """Alice replies on a ticket (a public customer message)."""
    from kefu.tickets.services import ticket_reply

    def say(ticket, body):
        return ticket_reply(ticket=ticket, actor=company.customer_user, body=body)
    return say
