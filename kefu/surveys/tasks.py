"""Background jobs of the surveys (huey). Thin: they call the services."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

log = logging.getLogger("kefu.tasks")


@db_periodic_task(crontab(minute="*/5"))
def csat_after_resolution() -> int:
    """Every five minutes: invite the customers of tickets resolved long enough ago (the
    CSAT policies' delays), once per ticket and instrument."""
    from .services.invitations import csat_invite_due

    created = csat_invite_due()
    if created:
        log.info("survey invitations after resolution: %d", created)
    return created


@db_periodic_task(crontab(minute="*/15"))
def survey_reminders() -> int:
    """Every fifteen minutes: reminders that are due; invitations a lost job never sent."""
    from .services.invitations import remind_due, send_pending

    pending = send_pending(limit=2000)
    reminded = remind_due()
    if reminded or pending["sent"]:
        log.info("survey reminders: %d, late invitations: %s", reminded, pending)
    return reminded


@db_task()
def send_wave_invitations(wave_id: int, base_url: str | None = None) -> None:
    """Send a launched wave's invitations (queued when the launch commits)."""
    from .services.invitations import send_pending

    send_pending(wave_id=wave_id, base_url=base_url, limit=10_000_000)
