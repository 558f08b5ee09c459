"""The daily proactive job (huey): re-score, build the care lists, send run-out reminders.
Thin: it calls ``daily.run_daily``."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

log = logging.getLogger("kefu.tasks")


@db_periodic_task(crontab(hour="5", minute="30"))
def proactive_daily() -> dict:
    """Every morning at 05:30 (before the shift): the day's care lists are ready."""
    from .daily import run_daily

    result = run_daily()
    log.info("proactive daily job: %s", result)
    return result
