"""Analytics jobs: the weekly e-mail reports. The task runs every quarter of an hour and
sends what is due (``weekly.is_due``: Monday from 08:00 in the organisation's time zone,
whatever time zone the worker's clock runs in); each report goes once per week."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

log = logging.getLogger("kefu.reports")


@db_periodic_task(crontab(minute="*/15"))
def send_weekly_reports() -> dict:
    from .weekly import send_due

    result = send_due()
    if result["sent"]:
        log.info("weekly reports sent: %s", result)
    return result
