"""``kefu mail listen``: an SMTP (or, with ``--lmtp``, LMTP) server that files every message
it receives (aiosmtpd).

Each DATA is handed to ``ingest_raw`` (source ``smtp``/``lmtp``); the server answers 250
only once the raw message is committed, so a sending server that gets anything else keeps
the message and retries. Messages over ``KEFU_MAX_EMAIL_BYTES`` are refused with 552 while
they arrive. The listener accepts any recipient: run it on loopback or a private network
behind your mail server (Postfix ``lmtp:inet:127.0.0.1:2525``), not open to the internet.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from concurrent.futures import ThreadPoolExecutor

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP

log = logging.getLogger("kefu.email")

#: Longest line accepted (RFC 5321 says 1000; real senders are sloppier).
LINE_LIMIT = 1 << 20


class _SMTP(SMTP):
    line_length_limit = LINE_LIMIT


class _LMTP(LMTP):
    line_length_limit = LINE_LIMIT


def _with_return_path(data: bytes, mail_from: str | None) -> bytes:
    """Record the envelope sender the way a final delivery does (RFC 5321 §4.4): a bounce
    has an empty one, which is how it is recognised."""
    if data[:12].lower() == b"return-path:":
        return data
    sender = (mail_from or "").strip().strip("<>")
    try:
        line = f"Return-Path: <{sender}>\r\n".encode("ascii")
    except UnicodeEncodeError:
        line = f"Return-Path: <{sender}>\r\n".encode("utf-8", "surrogateescape")
    return line + data


class IngestHandler:
    """aiosmtpd handler: one ``ingest_raw`` per message, run in a worker thread (the Django
    ORM is synchronous). One worker by default, so SQLite sees one writer."""

    def __init__(self, *, source: str = "smtp", workers: int = 1):
        self.source = source
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="kefu-mail")

    def _ingest(self, data: bytes, recipients: list[str]):
        from django.db import connection

        from ..models import Mailbox
        from .ingest import ingest_raw

        try:
            addresses = [r.strip().strip("<>").lower() for r in recipients]
            mailbox = (Mailbox.objects.filter(address__in=addresses, active=True)
                       .select_related("team").order_by("pk").first())
            return ingest_raw(data, source=self.source, mailbox=mailbox)
        finally:
            connection.close()  # this worker thread's connection; mail is rare enough

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd API)
        from django.conf import settings

        data = envelope.original_content or b""
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        recipients = list(envelope.rcpt_tos or [])
        count = max(1, len(recipients)) if self.source == "lmtp" else 1
        if len(data) > settings.MAX_EMAIL_BYTES:
            return _per_recipient("552 5.3.4 Message too big", count)
        data = _with_return_path(data, envelope.mail_from)
        loop = asyncio.get_running_loop()
        try:
            result = await loop.run_in_executor(self.executor, self._ingest, data, recipients)
        except Exception:  # nothing was stored: the sender must keep the message and retry
            log.exception("could not store a message received by %s", self.source.upper())
            return _per_recipient("451 4.3.0 Temporary failure, please retry later", count)
        log.info("%s message from %s: %s (inbound #%s, ticket %s)", self.source,
                 envelope.mail_from, result.status, result.inbound_id, result.ticket_id)
        return _per_recipient(f"250 2.0.0 OK: received as #{result.inbound_id} "
                              f"({result.status})", count)


def _per_recipient(status: str, count: int) -> str:
    """LMTP answers DATA once per recipient (RFC 2033); the message is filed once."""
    return "\r\n".join([status] * count)


class MailController(Controller):
    def __init__(self, handler: IngestHandler, *, hostname: str, port: int, lmtp: bool,
                 max_bytes: int):
        self.lmtp = lmtp
        super().__init__(handler, hostname=hostname, port=port, data_size_limit=max_bytes,
                         enable_SMTPUTF8=True, ident="kefu")

    def factory(self):
        cls = _LMTP if self.lmtp else _SMTP
        return cls(self.handler, **self.SMTP_kwargs)


def start_listener(*, host: str = "127.0.0.1", port: int = 2525, lmtp: bool = False,
                   workers: int = 1) -> MailController:
    """Start the listener in a background thread; ``.stop()`` it when done."""
    from django.conf import settings

    handler = IngestHandler(source="lmtp" if lmtp else "smtp", workers=workers)
    controller = MailController(handler, hostname=host, port=port, lmtp=lmtp,
                                max_bytes=settings.MAX_EMAIL_BYTES)
    controller.start()
    return controller


def run(*, host: str, port: int, lmtp: bool) -> int:
    """Serve until SIGINT/SIGTERM (the ``kefu mail listen`` command)."""
    controller = start_listener(host=host, port=port, lmtp=lmtp)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_args: stop.set())
    print(f"kefu is receiving mail by {'LMTP' if lmtp else 'SMTP'} on {host}:{port}",
          flush=True)
    try:
        while not stop.wait(1.0):
            pass
    finally:
        controller.stop()
        controller.handler.executor.shutdown(wait=True)
    return 0
