"""Background jobs of the chat channels (huey). Thin: they take ids and call services.

huey's Django integration imports only ``tasks`` modules: ``kefu/conversations/tasks.py``
imports this one so that the consumer knows these jobs.
"""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import webhooks


@db_task()
def webhook_deliver_task(delivery_id: int) -> str | None:
    """One attempt of an outbound webhook (queued when the reply commits)."""
    row = webhooks.webhook_attempt(delivery_id)
    return row.state if row is not None else None


@db_periodic_task(crontab(minute="*"))
def webhook_sweep() -> int:
    """Every minute: queue the pending deliveries whose next attempt is due (retries, and
    first attempts whose job the queue lost)."""
    ids = webhooks.due_delivery_ids()
    for delivery_id in ids:
        webhook_deliver_task(delivery_id)
    return len(ids)
