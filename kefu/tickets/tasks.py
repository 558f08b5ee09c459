"""Background jobs for tickets (huey). Thin: they take ids/numbers and call services."""

from __future__ import annotations

import logging

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import services

log = logging.getLogger("kefu.tasks")


@db_periodic_task(crontab(minute=f"*/{max(1, settings.AUTO_CLOSE_EVERY_MINUTES)}"))
def auto_close_resolved():
    """Close tickets that stayed resolved for KEFU_AUTO_CLOSE_DAYS days without a reply."""
    closed = services.close_resolved_older_than(days=settings.AUTO_CLOSE_DAYS)
    if closed:
        log.info("auto-closed %d resolved tickets", closed)
    return closed


@db_task()
def auto_close_now(days: int) -> int:
    """The same job on demand (``kefu jobs auto-close``) — used by tests and operators."""
    return services.close_resolved_older_than(days=days)


@db_periodic_task(crontab(minute="7"))
def housekeeping():
    """Hourly: forget expired Idempotency-Keys and stale sign-in failures."""
    from kefu.accounts.services import purge_old_login_failures

    keys = services.purge_expired_idempotency_keys(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    failures = purge_old_login_failures()
    return {"idempotency_keys": keys, "login_failures": failures}
