"""Background jobs of the channels (huey). Thin: they take ids and call the modules that
do the work. ``send_outbound`` is queued when the transaction that wrote the e-mail
commits; the two periodic jobs are the safety net (retries, lost jobs, crashed sends) and
the IMAP reader."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

log = logging.getLogger("kefu.tasks")


@db_task()
def send_outbound(outbound_id: int) -> None:
    """Send one queued e-mail (no huey retries: the row's state machine retries; nothing is
    returned, so no result piles up in the queue's storage — the row holds the state)."""
    from . import sending

    sending.send_outbound(outbound_id)


@db_periodic_task(crontab(minute="*"))
def outbound_sweep() -> dict:
    """Every minute: send due retries and e-mail whose job was lost; a send still running
    after 10 minutes (its worker died) becomes "uncertain" and is not resent by itself."""
    from . import sending

    result = sending.outbound_sweep()
    if result["tried"] or result["uncertain"]:
        log.info("outbound sweep: %s", result)
    return result


@db_periodic_task(crontab(minute="*"))
def poll_mailboxes() -> list[dict]:
    """Every minute: read new mail from every active mailbox with an IMAP host."""
    from . import imap

    return imap.poll_mailboxes()


@db_periodic_task(crontab(minute="*/5"))
def file_received_mail() -> int:
    """Every five minutes: file mail whose raw bytes were stored but whose processing never
    ran (the process died in between) — nothing a customer sent is lost."""
    from .email.ingest import process_received

    return len(process_received())


@db_periodic_task(crontab(minute="17"))
def portal_housekeeping() -> dict:
    """Hourly: forget spent or expired sign-in links and sign-ups never confirmed."""
    from .portal.services import portal_housekeeping as clean

    return clean()


from . import tasks_chat  # noqa: E402,F401 - registers the chat webhook jobs with huey
