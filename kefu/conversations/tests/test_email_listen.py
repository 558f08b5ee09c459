"""``kefu mail listen``: a real SMTP/LMTP server on a loopback port, spoken to by smtplib."""

import smtplib
import socket
from email.message import EmailMessage

import pytest

from kefu.conversations.email import ingest as ingest_module
from kefu.conversations.email.listen import start_listener
from kefu.conversations.models import InboundEmail, Mailbox
from kefu.tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True)  # the server files mail in its own thread


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def listener(request):
    servers = []

    def start(**kwargs):
        port = free_port()
        controller = start_listener(host="127.0.0.1", port=port, **kwargs)
        servers.append(controller)
        return port

    yield start
    for controller in servers:
        controller.stop()
        controller.handler.executor.shutdown(wait=True)


def customer_mail(subject: str, body: str = "你好，冰箱坏了。") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "张三 <zhangsan@example.cn>"
    msg["To"] = "support@kefu.example"
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{abs(hash(subject))}@example.cn>"
    msg.set_content(body)
    return msg


def test_smtp_delivery_creates_a_ticket(company, listener):
    # given the listener and a mailbox routing to the west desk
    Mailbox.objects.create(name="Support", address="support@kefu.example", team=company.west_team)
    port = listener()
    # when a server delivers a customer's mail
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        refused = smtp.send_message(customer_mail("冰箱坏了"))
    # then it was accepted and filed as a ticket in the mailbox's team
    assert refused == {}
    row = InboundEmail.objects.get()
    assert row.source == "smtp" and row.status == "created"
    assert bytes(row.raw).startswith(b"Return-Path: <zhangsan@example.cn>\r\n")
    ticket = Ticket.objects.get(pk=row.ticket_id)
    assert ticket.subject == "冰箱坏了" and "冰箱坏了" in ticket.description
    assert ticket.team == company.west_team and ticket.channel == "email"


def test_lmtp_answers_once_per_recipient_and_files_once(company, listener):
    port = listener(lmtp=True)
    with smtplib.LMTP("127.0.0.1", port, timeout=30) as lmtp:
        lmtp.ehlo()  # LHLO
        assert lmtp.mail("zhangsan@example.cn")[0] == 250
        assert lmtp.rcpt("support@kefu.example")[0] == 250
        assert lmtp.rcpt("sales@kefu.example")[0] == 250
        # RFC 2033: one reply per recipient after the data (smtplib reads only the first)
        first = lmtp.data(customer_mail("退货").as_bytes())
        second = lmtp.getreply()
    assert first[0] == 250 and second[0] == 250
    row = InboundEmail.objects.get()
    assert row.source == "lmtp" and row.status == "created"
    assert Ticket.objects.count() == 1


def test_a_bounce_with_a_null_sender_is_accepted_and_ignored(company, listener):
    port = listener()
    msg = customer_mail("Undelivered Mail Returned to Sender", "could not deliver")
    del msg["From"]
    msg["From"] = "MAILER-DAEMON@mx.example"
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        smtp.send_message(msg, from_addr="<>")
    row = InboundEmail.objects.get()
    assert row.status == "ignored" and row.reason.startswith("bounce")
    assert not Ticket.objects.exists()


def test_too_large_is_refused_with_552_and_nothing_is_stored(company, listener, settings):
    settings.MAX_EMAIL_BYTES = 2000
    port = listener()
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        with pytest.raises((smtplib.SMTPDataError, smtplib.SMTPSenderRefused)) as exc:
            smtp.send_message(customer_mail("大附件", "长" * 2000))
    assert exc.value.smtp_code == 552
    assert not InboundEmail.objects.exists()


def test_a_storage_failure_answers_451_so_the_sender_retries(company, listener, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database is down")

    monkeypatch.setattr(ingest_module, "ingest_raw", broken)
    port = listener()
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        with pytest.raises(smtplib.SMTPDataError) as exc:
            smtp.send_message(customer_mail("稍后重试"))
    assert exc.value.smtp_code == 451
    monkeypatch.undo()
    # the retry succeeds
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        assert smtp.send_message(customer_mail("稍后重试")) == {}
    assert InboundEmail.objects.get().status == "created"


def test_the_same_message_delivered_twice_is_filed_once(company, listener):
    port = listener()
    msg = customer_mail("重复投递")
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        smtp.send_message(msg)
        smtp.send_message(msg)  # the very same bytes: the same row
        assert InboundEmail.objects.count() == 1
        msg["Received"] = "from relay2.example.cn"  # the same message by another route
        smtp.send_message(msg)
    assert sorted(InboundEmail.objects.values_list("status", flat=True)) == ["created",
                                                                               "duplicate"]
    assert Ticket.objects.count() == 1
