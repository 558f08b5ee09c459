"""Background jobs of insights (huey). Thin: they take ids and call services.

The ticket services call ``queue_message_scoring`` / ``queue_ticket_scoring``; the job is
queued when their transaction commits, so creating a ticket or a reply never waits for
scoring, and the worker scores it within seconds. ``score_missed`` runs every five
minutes as a safety net for jobs the queue lost.
"""

from __future__ import annotations

import logging

from django.db import transaction
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import rules

log = logging.getLogger("kefu.tasks")


@db_task(retries=2, retry_delay=5)
def score_message_task(message_id: int) -> None:
    from . import services

    services.score_message(message_id)


@db_task(retries=2, retry_delay=5)
def score_ticket_task(ticket_id: int) -> None:
    from . import services

    services.score_ticket_description(ticket_id)


@db_periodic_task(crontab(minute="*/5"))
def score_missed() -> int:
    """Every five minutes: score customer texts of the last 24 hours that have no
    sentiment yet (their job was lost)."""
    from . import services

    return services.score_missed()


def queue_message_scoring(message) -> None:
    """Call after creating a message: a customer's public message is scored once the
    current transaction commits. Anything else is ignored."""
    if not rules.is_customer_message(from_customer=message.from_customer,
                                     visibility=message.visibility):
        return
    message_id = message.pk
    # robust: a queue that cannot take the job must not fail the committed request; the
    # safety net scores the message later.
    transaction.on_commit(lambda: score_message_task(message_id), robust=True)


def queue_ticket_scoring(ticket) -> None:
    """Call after creating a ticket: its subject and description are scored once the
    current transaction commits, when they are the customer's own words (a customer
    channel, or the customer's login created it). Anything else is ignored."""
    if not rules.is_customer_description(channel=ticket.channel,
                                         created_by_id=ticket.created_by_id,
                                         customer_user_id=ticket.customer.user_id):
        return
    ticket_id = ticket.pk
    transaction.on_commit(lambda: score_ticket_task(ticket_id), robust=True)
