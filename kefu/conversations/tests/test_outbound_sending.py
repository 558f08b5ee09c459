"""Sending queued e-mail through a real SMTP server (aiosmtpd on a loopback port): the
delivery state machine, retries with back-off, crashed sends, never twice."""

import socket
import threading
from datetime import timedelta
from email.utils import parseaddr

import pytest
from django.db import connection
from django.utils import timezone

from kefu.conversations import sending
from kefu.conversations.models import OutboundEmail
from kefu.conversations.outbound import queue_notification, queue_reply_email
from kefu.conversations.sending import outbound_requeue, outbound_sweep, send_outbound
from kefu.conversations.tests.servers import free_port
from kefu.core.errors import ApplicationError, PermissionDenied
from kefu.tickets import services

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def smtp(settings, smtp_sink):
    settings.SMTP_URL = smtp_sink.url
    return smtp_sink


@pytest.fixture
def queued(company, make_ticket):
    """A reply queued to Bob (consent given) on a phone ticket."""
    company.bob.consent_email = True
    company.bob.save()
    ticket = make_ticket(company.agent_west, company.bob, subject="冰箱不制冷", channel="phone")
    message = services.ticket_reply(ticket=ticket, actor=company.agent_west, body="师傅明天上门。")
    return queue_reply_email(message)


def _state(row):
    row.refresh_from_db()
    return row.state


def test_a_queued_email_is_sent_with_its_headers(smtp, queued):
    # when the job runs
    assert send_outbound(queued.pk) == "sent"
    # then the server got one message, as built, and the row says when
    assert len(smtp.messages) == 1
    sender, recipients, _raw = smtp.messages[0]
    assert sender == "kefu@localhost" and recipients == ["bob@example.com"]
    msg = smtp.parsed()[0]
    assert msg["Message-ID"] == queued.message_id and msg["Subject"] == queued.subject
    assert parseaddr(msg["To"])[1] == "bob@example.com"
    assert "师傅明天上门。" in msg.get_body(("plain",)).get_content()
    assert "师傅明天上门。" in msg.get_body(("html",)).get_content()
    queued.refresh_from_db()
    assert (queued.state, queued.attempts, queued.last_error) == ("sent", 1, "")
    assert queued.sent_at is not None and queued.next_attempt_at is None
    # and running the job again (a duplicate job) sends nothing
    assert send_outbound(queued.pk) == "sent"
    assert len(smtp.messages) == 1


def test_threading_headers_go_out(smtp, company, make_ticket):
    from kefu.conversations.models import InboundEmail, ThreadRef

    ticket = make_ticket(company.agent_east, company.alice, subject="发票", channel="email")
    now = timezone.now()
    InboundEmail.objects.create(source="imap", raw=b"x", size=1, content_hash="a" * 64,
                                message_id="<c1@example.net>", from_address="alice@example.com",
                                status="created", ticket=ticket, received_at=now)
    ThreadRef.objects.create(message_id="<c1@example.net>", ticket=ticket, direction="in",
                             created_at=now)
    row = queue_reply_email(services.ticket_reply(ticket=ticket, actor=company.agent_east,
                                                  body="已开具。"))
    assert send_outbound(row.pk) == "sent"
    msg = smtp.parsed()[0]
    assert msg["In-Reply-To"] == "<c1@example.net>" and msg["References"] == "<c1@example.net>"
    assert msg["Message-ID"].startswith(f"<kefu.{ticket.pk}.")


def test_temporary_failures_retry_with_back_off_then_fail(smtp, queued):
    # given a server that answers 451 to everything
    smtp.fail_next(10)
    # when the job runs / then the row waits for its first retry a minute later
    before = timezone.now()
    assert send_outbound(queued.pk) == "queued"
    queued.refresh_from_db()
    assert queued.attempts == 1 and "451" in queued.last_error
    assert timedelta(seconds=55) < queued.next_attempt_at - before < timedelta(seconds=65)
    # when the every-minute sweep finds it due, again and again
    delays = []
    for _ in range(4):
        assert outbound_sweep(now=queued.next_attempt_at - timedelta(seconds=1))["tried"] == 0
        attempted_at = timezone.now()
        outbound_sweep(now=queued.next_attempt_at)
        queued.refresh_from_db()
        if queued.next_attempt_at:
            delays.append(round((queued.next_attempt_at - attempted_at).total_seconds() / 60))
    # then 1, 2, 4, 8 minutes apart, and after the fifth attempt it is failed for good
    assert delays == [2, 4, 8]
    assert (queued.state, queued.attempts) == ("failed", 5) and "451" in queued.last_error
    assert smtp.messages == []
    assert outbound_sweep(now=timezone.now() + timedelta(days=1))["tried"] == 0


def test_a_retry_that_gets_through_is_sent_once(smtp, queued):
    smtp.fail_next(2)
    send_outbound(queued.pk)
    for _ in range(2):
        queued.refresh_from_db()
        outbound_sweep(now=queued.next_attempt_at)
    queued.refresh_from_db()
    assert (queued.state, queued.attempts) == ("sent", 3) and len(smtp.messages) == 1


def test_a_permanent_refusal_fails_at_once(smtp, queued):
    smtp.fail_next(1, "550 5.1.1 no such user")
    assert send_outbound(queued.pk) == "failed"
    queued.refresh_from_db()
    assert queued.attempts == 1 and "550" in queued.last_error and queued.next_attempt_at is None


def test_a_send_that_crashed_becomes_uncertain_and_is_never_resent(smtp, queued):
    # given a worker that claimed the row and died before it finished (SIGKILL, power cut)
    assert sending._claim(queued.pk) is not None
    assert _state(queued) == "sending"
    # when a job for it runs again / then it does not send (another may be sending)
    assert send_outbound(queued.pk) == "sending"
    # when the sweep runs before ten minutes are up / then nothing changes
    assert outbound_sweep(now=timezone.now() + timedelta(minutes=9))["uncertain"] == 0
    # when it runs after ten minutes / then the row is uncertain, not retried
    assert outbound_sweep(now=timezone.now() + timedelta(minutes=11))["uncertain"] == 1
    queued.refresh_from_db()
    assert queued.state == "uncertain" and "check before resending" in queued.last_error
    assert send_outbound(queued.pk) == "uncertain"
    assert outbound_sweep(now=timezone.now() + timedelta(days=1))["tried"] == 0
    assert smtp.messages == []


def test_a_connection_lost_after_the_data_is_uncertain(settings, queued):
    # given a server that takes the message and hangs up before answering
    port = free_port()
    listener = socket.create_server(("127.0.0.1", port))
    got_data = threading.Event()

    def serve():
        conn, _addr = listener.accept()
        with conn:
            f = conn.makefile("rwb")
            f.write(b"220 fake ESMTP\r\n")
            f.flush()
            while line := f.readline():
                if line.upper().startswith((b"EHLO", b"HELO")):
                    f.write(b"250 fake\r\n")
                elif line.upper().startswith(b"DATA"):
                    f.write(b"354 go ahead\r\n")
                    f.flush()
                    while f.readline() not in (b".\r\n", b""):
                        pass
                    got_data.set()
                    return  # hang up without the final reply
                else:
                    f.write(b"250 ok\r\n")
                f.flush()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    settings.SMTP_URL = f"smtp://127.0.0.1:{port}"
    try:
        # when it is sent / then kefu cannot know whether it arrived: uncertain, not retried
        assert send_outbound(queued.pk) == "uncertain"
    finally:
        listener.close()
    assert got_data.is_set()
    queued.refresh_from_db()
    assert "may have been delivered" in queued.last_error and queued.next_attempt_at is None


def test_without_a_server_the_email_waits_in_the_queue(settings, queued):
    settings.SMTP_URL = ""
    assert send_outbound(queued.pk) == "queued"
    queued.refresh_from_db()
    assert queued.last_error == "no SMTP server configured" and queued.attempts == 0


def test_an_unreachable_server_is_a_temporary_failure(settings, queued):
    settings.SMTP_URL = f"smtp://127.0.0.1:{free_port()}"
    assert send_outbound(queued.pk) == "queued"
    queued.refresh_from_db()
    assert queued.attempts == 1 and "connect" in queued.last_error


def test_two_jobs_for_one_email_send_it_once(smtp, queued):
    # given two workers that pick up a job for the same e-mail at the same moment
    barrier = threading.Barrier(2)
    results = []

    def job():
        try:
            barrier.wait()
            results.append(send_outbound(queued.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=job) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    # then exactly one message reached the server, and the row was attempted once
    assert len(smtp.messages) == 1
    queued.refresh_from_db()
    assert (queued.state, queued.attempts) == ("sent", 1)
    assert sorted(results) in (["sending", "sent"], ["sent", "sent"])


def test_the_sweep_sends_an_email_whose_job_was_lost(smtp, queued):
    assert outbound_sweep()["tried"] == 0  # fresh: its own job is about to run
    assert outbound_sweep(now=timezone.now() + timedelta(minutes=2))["tried"] == 1
    assert _state(queued) == "sent" and len(smtp.messages) == 1


def test_an_admin_requeues_a_failed_email(smtp, company, queued):
    smtp.fail_next(1, "550 5.7.1 rejected")
    send_outbound(queued.pk)
    assert _state(queued) == "failed"
    # non-admins may not, and a sent e-mail cannot be requeued
    with pytest.raises(PermissionDenied):
        outbound_requeue(outbound=queued, actor=company.supervisor_east)
    row = outbound_requeue(outbound=queued, actor=company.admin)
    assert (row.state, row.attempts, row.last_error) == ("queued", 0, "")
    assert row.ticket.events.filter(kind="email_requeued", actor=company.admin).count() == 1
    assert send_outbound(queued.pk) == "sent" and len(smtp.messages) == 1
    with pytest.raises(ApplicationError) as err:
        outbound_requeue(outbound=queued, actor=company.admin)
    assert err.value.code == "email_not_requeueable" and err.value.status == 409


def test_smtp_urls():
    parse = sending.parse_smtp_url
    assert parse("") is None
    assert parse("smtp://mail.example.com") == sending.SmtpServer("mail.example.com", 25, False,
                                                                  "", "")
    server = parse("smtps://kefu%40example.com:p%40ss@smtp.example.com?verify=0")
    assert (server.port, server.tls, server.user, server.password, server.verify) == (
        465, True, "kefu@example.com", "p@ss", False)
    assert parse("smtp://u:p@127.0.0.1:2525").port == 2525
    with pytest.raises(ValueError):
        parse("http://example.com")


def test_back_off_rules():
    assert [sending.retry_delay(n).total_seconds() / 60 for n in range(1, 5)] == [1, 2, 4, 8]
    assert [sending.after_failure(n, permanent=False) for n in range(1, 6)] == [
        "queued", "queued", "queued", "queued", "failed"]
    assert sending.after_failure(1, permanent=True) == "failed"


def test_a_notification_without_a_ticket_is_sent(smtp):
    row = queue_notification(to_address="ops@example.com", subject="日报", body="今日 3 单。")
    assert send_outbound(row.pk) == "sent"
    assert smtp.parsed()[0]["Auto-Submitted"] == "auto-generated"
    assert OutboundEmail.objects.get(pk=row.pk).state == "sent"


def test_the_jobs_are_registered_with_huey(smtp, queued):
    from huey.contrib.djhuey import HUEY

    from kefu.conversations import tasks

    for periodic in (tasks.outbound_sweep, tasks.poll_mailboxes):
        assert periodic.task_class in HUEY._registry._periodic_tasks
        assert periodic.task_class().validate_datetime(timezone.now().replace(second=0))
    # the job the reply queued runs the state machine
    tasks.send_outbound.call_local(queued.pk)
    assert _state(queued) == "sent" and len(smtp.messages) == 1


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # SMTPS: it is TLS
@pytest.mark.parametrize("mode", ["starttls", "smtps"])
def test_tls_and_login(settings, queued, tmp_path, mode):
    import ssl

    from kefu.conversations.tests.servers import self_signed, start_smtp_sink

    cert, key = self_signed(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    tls = {"starttls": context} if mode == "starttls" else {"implicit_tls": context}
    sink, controller = start_smtp_sink(auth=("kefu@example.com", "p@ss"), **tls)
    scheme = "smtp" if mode == "starttls" else "smtps"
    try:
        # a self-signed certificate is refused unless the URL says verify=0
        settings.SMTP_URL = f"{scheme}://kefu%40example.com:p%40ss@127.0.0.1:{sink.port}"
        assert send_outbound(queued.pk) == "queued"
        queued.refresh_from_db()
        assert "CERTIFICATE_VERIFY_FAILED" in queued.last_error
        # (the retry comes due at once for this test)
        OutboundEmail.objects.filter(pk=queued.pk).update(next_attempt_at=timezone.now())
        settings.SMTP_URL += "?verify=0"
        assert send_outbound(queued.pk) == "sent"
    finally:
        controller.stop()
    assert len(sink.messages) == 1
