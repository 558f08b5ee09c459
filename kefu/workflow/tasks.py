"""Background jobs of the workflow (huey). Thin: they call services."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from .services import deadlines, sla

log = logging.getLogger("kefu.tasks")


@db_periodic_task(crontab(minute="*"))
def sla_watch():
    """Every minute: SLA warnings, breaches and escalations; promised deadlines; follow-ups
    come due; reminders for hand-off requests nobody has answered."""
    from .services.handoff import remind_open_handoffs

    result = {"sla": sla.sla_check(), "commitments": deadlines.commitments_check(),
              "follow_ups": deadlines.follow_ups_check(), "handoffs": remind_open_handoffs()}
    if any(result["sla"][k] for k in ("warned", "breached", "escalated")):
        log.info("sla watch: %s", result)
    return result


@db_task(retries=3, retry_delay=30)
def automation_webhook(url: str, payload: dict) -> int:
    """POST an automation rule's JSON to its webhook; retried three times on failure."""
    import json
    import urllib.request

    request = urllib.request.Request(url, data=json.dumps(payload, ensure_ascii=False).encode(),
                                     headers={"Content-Type": "application/json",
                                              "User-Agent": "kefu-automation"}, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - admin-set URL
        return response.status
