"""Exactly once, for real: a separate process polls a dovecot mailbox holding 40 messages and
is killed with SIGKILL in the middle of the batch — once right after a message's ingest
committed but before it was flagged on the server, once at a random moment. After restarts
every message has produced exactly one ticket or one reply: none lost, none twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

import pytest
from django.db import connection

from kefu.conversations import imap
from kefu.conversations.models import InboundEmail
from kefu.tickets.models import Message, Ticket

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

PROJECT_DIR = Path(__file__).resolve().parents[3]
NEW, REPLIES = 25, 15

#: The poller process: poll_mailbox over the mailbox. With KEFU_TEST_PAUSE_AFTER=n it
#: writes KEFU_TEST_MARKER once the n-th ingest has returned (committed) and then waits
#: before flagging that message — the moment the test kills it.
CHILD = """
import os, sys, time, json
import django
django.setup()
from kefu.conversations import imap
from kefu.conversations.models import Mailbox

pause_after = int(os.environ.get("KEFU_TEST_PAUSE_AFTER") or 0)
marker = os.environ.get("KEFU_TEST_MARKER", "")
delay = float(os.environ.get("KEFU_TEST_DELAY") or 0)
real = imap._ingest
done = 0

def ingest(raw, mailbox, uid):
    global done
    result = real(raw, mailbox, uid)
    done += 1
    if pause_after and done == pause_after:
        open(marker, "w").write(uid)
        time.sleep(60)
    if delay:
        time.sleep(delay)
    return result

imap._ingest = ingest
print(json.dumps(imap.poll_mailbox(Mailbox.objects.get(pk=int(sys.argv[1])))), flush=True)
"""


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _poller(mailbox, **env) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(mailbox.pk)], cwd=PROJECT_DIR,
        env={**os.environ, "DATABASE_URL": _database_url(),
             "DJANGO_SETTINGS_MODULE": "kefu.settings", **env},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_until(predicate, timeout=20.0) -> None:
    deadline = time.time() + timeout
    while not predicate():
        if time.time() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.02)


def _kill(proc: subprocess.Popen) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    assert proc.returncode == -signal.SIGKILL


def _messages() -> list[tuple[str, str | None, bytes]]:
    """40 messages from 10 customers: 25 new requests, 15 replies to earlier ones."""
    out, threads = [], []
    for i in range(NEW + REPLIES):
        sender = f"customer{i % 10}@example.net"
        msg = EmailMessage()
        msg["From"] = sender
        msg["To"] = "support@example.com"
        msg["Message-ID"] = message_id = f"<m{i}.exactly-once@example.net>"
        parent = None
        if i >= NEW:
            # a reply to this sender's earliest request
            parent = next(mid for mid, who in threads if who == sender)
            msg["Subject"] = f"Re: 请求 {parent}"
            msg["In-Reply-To"] = msg["References"] = parent
        else:
            msg["Subject"] = f"请求 {message_id}"
            threads.append((message_id, sender))
        msg.set_content(f"第 {i} 封邮件 message {i}")
        out.append((message_id, parent, bytes(msg)))
    return out


def test_a_poller_killed_mid_batch_files_every_message_exactly_once(company, dovecot, tmp_path):
    # given 40 new messages in the mailbox
    mailbox = dovecot.mailbox(team=company.hq_team)
    messages = _messages()
    conn = dovecot.client()
    try:
        for _mid, _parent, raw in messages:
            assert conn.append("INBOX", None, None, raw)[0] == "OK"
    finally:
        conn.logout()

    # when a poller is killed right after the 12th ingest committed, before its flag
    marker = tmp_path / "paused"
    first = _poller(mailbox, KEFU_TEST_PAUSE_AFTER="12", KEFU_TEST_MARKER=str(marker))
    try:
        _wait_until(marker.exists)
    finally:
        _kill(first)
    stored = InboundEmail.objects.count()
    flags = dovecot.flags()
    flagged = sum(1 for f in flags.values() if imap.KEYWORD in f)
    assert stored == 12 and flagged == 11  # the 12th: in kefu, not flagged on the server

    # and a second poller is killed at a random moment further on
    second = _poller(mailbox, KEFU_TEST_DELAY="0.03")
    try:
        _wait_until(lambda: InboundEmail.objects.count() >= 24)
    finally:
        _kill(second)
    assert InboundEmail.objects.count() < NEW + REPLIES

    # and a third runs to the end
    third = _poller(mailbox)
    out, err = third.communicate(timeout=60)
    assert third.returncode == 0, err

    # then every message was stored once and filed once: a ticket or a reply
    rows = {row.message_id: row for row in InboundEmail.objects.all()}
    assert len(rows) == InboundEmail.objects.count() == NEW + REPLIES
    assert sorted(rows) == sorted(mid for mid, _p, _r in messages)
    assert {row.status for row in rows.values()} <= {"created", "appended"}, [
        (r.message_id, r.status, r.reason) for r in rows.values() if r.status not in
        ("created", "appended")]
    created = [row for row in rows.values() if row.status == "created"]
    appended = [row for row in rows.values() if row.status == "appended"]
    assert len(created) == NEW and len(appended) == REPLIES
    assert Ticket.objects.filter(channel="email").count() == NEW
    assert len({row.ticket_id for row in created}) == NEW
    assert Message.objects.filter(from_customer=True).count() == REPLIES
    assert len({row.ticket_message_id for row in appended}) == REPLIES
    # each reply joined the ticket of the message it answers
    for mid, parent, _raw in messages:
        if parent is not None:
            assert rows[mid].ticket_id == rows[parent].ticket_id
    # and on the server every message is flagged processed; nothing is left to read
    assert all(f >= {"\\Seen", imap.KEYWORD} for f in dovecot.flags().values())
    assert len(dovecot.flags()) == NEW + REPLIES
    mailbox.refresh_from_db()
    assert mailbox.last_error == ""
