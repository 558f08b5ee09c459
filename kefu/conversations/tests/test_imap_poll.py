"""Reading a mailbox from a real IMAP server (Debian's dovecot on a loopback port): new mail
becomes tickets and replies, and a message is flagged only once its ingest has committed."""

import base64
import imaplib
import ssl
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from django.db import connection
from django.utils import timezone

from kefu.conversations import imap
from kefu.conversations.models import InboundEmail, Mailbox
from kefu.tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db(transaction=True)


def mail(subject, body="你好，我的订单还没到。", *, sender="zhang.san@example.net",
         message_id=None, in_reply_to=None) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"张三 <{sender}>"
    msg["To"] = "support@example.com"
    msg["Subject"] = subject
    msg["Message-ID"] = message_id or make_msgid(domain="example.net")
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    msg.set_content(body)
    return bytes(msg)


@pytest.fixture
def mailbox(company, dovecot):
    return dovecot.mailbox(team=company.hq_team)


def test_a_new_message_becomes_a_ticket_and_is_flagged(dovecot, mailbox):
    # given a new message in the mailbox
    dovecot.append(mail("订单 1024 没有送到"))
    # when kefu polls it
    result = imap.poll_mailbox(mailbox)
    # then a ticket exists, the message is flagged processed, and the mailbox is healthy
    assert (result["found"], result["filed"], result["failed"]) == (1, 1, 0), result
    assert result["statuses"] == {"created": 1}
    ticket = Ticket.objects.get()
    assert (ticket.subject, ticket.channel, ticket.team) == ("订单 1024 没有送到", "email",
                                                             mailbox.team)
    row = InboundEmail.objects.get()
    assert (row.source, row.imap_uid, row.mailbox, row.status) == ("imap", "1", mailbox, "created")
    assert dovecot.flags() == {1: {"\\Seen", imap.KEYWORD}}
    mailbox.refresh_from_db()
    assert mailbox.last_error == "" and mailbox.last_polled_at is not None
    # when it polls again / then nothing is new
    assert imap.poll_mailbox(mailbox)["found"] == 0
    assert InboundEmail.objects.count() == 1


def test_a_reply_joins_its_ticket(dovecot, mailbox):
    first_id = make_msgid(domain="example.net")
    dovecot.append(mail("洗衣机漏水", message_id=first_id))
    dovecot.append(mail("Re: 洗衣机漏水", "补充：是排水管。", in_reply_to=first_id))
    result = imap.poll_mailbox(mailbox)
    assert result["statuses"] == {"created": 1, "appended": 1}
    ticket = Ticket.objects.get()
    assert list(Message.objects.filter(ticket=ticket).values_list("body", flat=True)) == [
        "补充：是排水管。"]
    assert all(flags == {"\\Seen", imap.KEYWORD} for flags in dovecot.flags().values())


def test_a_message_is_flagged_only_after_its_ingest_committed(dovecot, mailbox, monkeypatch):
    dovecot.append(mail("发票抬头写错了"))
    real = imap._ingest
    seen = {}

    def watching(raw, mb, uid):
        seen["before"] = dovecot.flags()[int(uid)]
        result = real(raw, mb, uid)
        # the ingest has returned: its transactions are committed, the message not yet flagged
        seen["in_transaction"] = connection.in_atomic_block
        seen["stored"] = InboundEmail.objects.filter(imap_uid=uid, status="created").exists()
        seen["after"] = dovecot.flags()[int(uid)]
        return result

    monkeypatch.setattr(imap, "_ingest", watching)
    imap.poll_mailbox(mailbox)
    assert seen == {"before": set(), "in_transaction": False, "stored": True, "after": set()}
    assert dovecot.flags()[1] == {"\\Seen", imap.KEYWORD}


def test_a_failed_ingest_leaves_the_message_for_the_next_poll(dovecot, mailbox, monkeypatch):
    # given the database refuses to store the message (ingest_raw raises)
    dovecot.append(mail("空调不制冷"))

    def broken(raw, mb, uid):
        raise RuntimeError("database is locked")

    monkeypatch.setattr(imap, "_ingest", broken)
    result = imap.poll_mailbox(mailbox)
    # then the message stays unread and unflagged, and the mailbox shows why
    assert (result["filed"], result["failed"]) == (0, 1)
    assert dovecot.flags()[1] == set()
    mailbox.refresh_from_db()
    assert "database is locked" in mailbox.last_error
    # when the next poll works / then the message is filed once and the error cleared
    monkeypatch.undo()
    assert imap.poll_mailbox(mailbox)["statuses"] == {"created": 1}
    assert Ticket.objects.count() == 1 and dovecot.flags()[1] == {"\\Seen", imap.KEYWORD}
    mailbox.refresh_from_db()
    assert mailbox.last_error == ""


def test_a_message_ingested_but_not_flagged_is_recognised_not_filed_again(dovecot, mailbox,
                                                                          monkeypatch):
    # given a poll that died between the ingest and the flag
    dovecot.append(mail("会员积分没到账"))
    monkeypatch.setattr(imap, "mark_done", lambda *a, **kw: (_ for _ in ()).throw(
        OSError("connection reset")))
    imap.poll_mailbox(mailbox)
    assert Ticket.objects.count() == 1 and dovecot.flags()[1] == set()
    monkeypatch.undo()
    # when the next poll reads it again / then it is a duplicate: flagged, no second ticket
    assert imap.poll_mailbox(mailbox)["statuses"] == {"duplicate": 1}
    assert Ticket.objects.count() == 1 and dovecot.flags()[1] == {"\\Seen", imap.KEYWORD}


def test_processed_mail_moves_to_the_done_folder(dovecot, company):
    dovecot.create_folder(imap.imap_utf7("已处理"))
    mailbox = dovecot.mailbox(team=company.hq_team, imap_done_folder="已处理")
    dovecot.append(mail("退货地址"))
    dovecot.append(mail("退货运费"))
    assert imap.poll_mailbox(mailbox)["filed"] == 2
    assert dovecot.flags() == {}
    moved = dovecot.flags(imap.quote_folder("已处理"))
    assert len(moved) == 2 and all(imap.KEYWORD in f and "\\Seen" in f for f in moved.values())


def test_mail_already_read_or_processed_is_left_alone(dovecot, mailbox):
    dovecot.append(mail("已读的邮件"), flags="(\\Seen)")
    dovecot.append(mail("处理过的邮件"), flags=f"({imap.KEYWORD})")
    assert imap.poll_mailbox(mailbox)["found"] == 0
    assert not InboundEmail.objects.exists()


def test_login_and_connection_problems_are_recorded_not_raised(dovecot, mailbox):
    mailbox.imap_password = "wrong"
    result = imap.poll_mailbox(mailbox)
    assert "connect/login" in result["error"]
    assert "connect/login" in Mailbox.objects.get(pk=mailbox.pk).last_error
    from kefu.conversations.tests.servers import free_port

    mailbox.imap_password, mailbox.imap_port = dovecot.password, free_port()
    assert "connect/login" in imap.poll_mailbox(mailbox)["error"]


def test_poll_mailboxes_reads_active_mailboxes_with_a_host(dovecot, mailbox, company):
    Mailbox.objects.create(name="Sales", address="sales@example.com", imap_host="")
    dovecot.mailbox(address="old@example.com", active=False)
    dovecot.append(mail("咨询"))
    results = imap.poll_mailboxes()
    assert [r["mailbox"] for r in results] == [mailbox.pk]
    assert results[0]["filed"] == 1


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_tls_connections(dovecot_tls, company, monkeypatch, security):
    monkeypatch.setattr(imap, "ssl_context",
                        lambda: ssl.create_default_context(cafile=dovecot_tls.cafile))
    mailbox = dovecot_tls.mailbox(team=company.hq_team)
    mailbox.imap_security = security
    mailbox.imap_port = dovecot_tls.imaps_port if security == "ssl" else dovecot_tls.port
    mailbox.save()
    dovecot_tls.append(mail("加密连接"))
    assert imap.poll_mailbox(mailbox)["statuses"] == {"created": 1}
    # and an untrusted certificate is refused (the system CAs do not know it)
    monkeypatch.setattr(imap, "ssl_context", ssl.create_default_context)
    assert "CERTIFICATE_VERIFY_FAILED" in imap.poll_mailbox(mailbox)["error"]


# --- without a server -----------------------------------------------------------------------

def test_plain_imap_is_refused_to_a_remote_host():
    mailbox = Mailbox(address="x@example.com", imap_host="192.0.2.10", imap_port=143,
                      imap_security="none")
    with pytest.raises(imap.ImapError, match="loopback"):
        imap.connect(mailbox)


def test_xoauth2_initial_response():
    raw = imap.xoauth2_string("support@example.com", "ya29.token")
    assert raw == b"user=support@example.com\x01auth=Bearer ya29.token\x01\x01"
    respond = imap.xoauth2_responder("support@example.com", "ya29.token")
    assert respond(b"") == raw
    # an error challenge (base64 JSON from the server) gets the empty answer that ends it
    assert respond(b'{"status":"401"}') == b""
    # and imaplib sends it base64-encoded on one line, as RFC 7628 / Google document
    line = imaplib._Authenticator(respond).process(b"")
    assert base64.b64decode(line) == raw


def test_login_uses_xoauth2_when_a_token_is_stored():
    calls = []

    class FakeConn:
        def authenticate(self, mechanism, authobject):
            calls.append((mechanism, authobject(b"")))
            return "OK", [b"Success"]

        def login(self, user, password):
            calls.append(("LOGIN", user, password))

    mailbox = Mailbox(imap_user="support@example.com", imap_password="unused",
                      oauth2_access_token="ya29.token")
    imap.login(FakeConn(), mailbox)
    assert calls == [("XOAUTH2", b"user=support@example.com\x01auth=Bearer ya29.token\x01\x01")]
    # an expired token is not sent
    mailbox.oauth2_expires_at = timezone.now() - timedelta(minutes=1)
    with pytest.raises(imap.ImapError, match="expired"):
        imap.login(FakeConn(), mailbox)
    # without a token: a plain LOGIN
    calls.clear()
    imap.login(FakeConn(), Mailbox(imap_user="u", imap_password="p"))
    assert calls == [("LOGIN", "u", "p")]


def test_folder_names_in_modified_utf7():
    assert imap.imap_utf7("INBOX") == "INBOX"
    assert imap.imap_utf7("已处理") == "&XfJZBHQG-"
    assert imap.imap_utf7("A&B") == "A&-B"
    assert imap.quote_folder('Done "x"') == '"Done \\"x\\""'
