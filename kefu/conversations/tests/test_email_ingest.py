"""The inbound pipeline: store first, file exactly once, thread replies (and only replies),
ignore automatic mail, quarantine what cannot be filed — never raise."""

import io
import json
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from kefu.conversations import cli
from kefu.conversations.email import filing
from kefu.conversations.email import ingest as ingest_module
from kefu.conversations.email.ingest import ingest_raw, process_received, reprocess
from kefu.conversations.models import InboundEmail, Mailbox, ThreadRef
from kefu.core.errors import ApplicationError, PermissionDenied
from kefu.customers.models import ContactPoint, Customer
from kefu.tickets.models import Attachment, Message, Ticket

CORPUS = Path(__file__).parent / "corpus"
NOW = "Mon, 6 Apr 2026 09:15:00 +0800"


def corpus(name: str, ticket: int | None = None) -> bytes:
    raw = (CORPUS / name).read_bytes()
    return raw.replace(b"{{TICKET}}", str(ticket).encode()) if ticket is not None else raw


def mail(sender: str, subject: str, body: str = "正文", *, message_id: str | None = None,
         **headers: str) -> bytes:
    lines = [f"From: {sender}", "To: support@kefu.example", f"Subject: {subject}", f"Date: {NOW}"]
    if message_id != "":
        lines.append(f"Message-ID: {message_id or f'<{abs(hash((sender, subject, body)))}@t>'}")
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    lines += ["MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8",
              "Content-Transfer-Encoding: 8bit", "", body]
    return "\r\n".join(lines).encode()


def close(ticket: Ticket) -> None:
    Ticket.objects.filter(pk=ticket.pk).update(status="closed", closed_at=timezone.now(),
                                               owner=ticket.owner or ticket.created_by)


def set_status(ticket: Ticket, status: str, owner=None) -> None:
    Ticket.objects.filter(pk=ticket.pk).update(status=status, owner=owner)


# --- the corpus ---------------------------------------------------------------------------

CORPUS_STATUS = {
    "22-no-sender.eml": "quarantined", "23-not-an-email.eml": "quarantined",
    "30-auto-submitted.eml": "ignored", "31-x-autoreply.eml": "ignored",
    "32-zidong-huifu-subject.eml": "ignored", "33-automatic-reply-outlook.eml": "ignored",
    "34-dsn-bounce.eml": "ignored", "35-list-id.eml": "ignored",
    "36-precedence-bulk.eml": "ignored", "37-x-loop.eml": "ignored",
    "44-read-receipt.eml": "ignored",
}


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.eml")), ids=lambda p: p.name)
def test_every_corpus_message_is_filed_ignored_or_quarantined_never_lost(company, path):
    # given any message of the corpus, when ingested on its own
    result = ingest_raw(corpus(path.name, 999_999), source="file")
    # then it has the expected outcome, and its raw bytes are kept exactly
    assert result.status == CORPUS_STATUS.get(path.name, "created"), result.reason
    row = InboundEmail.objects.get(pk=result.inbound_id)
    assert bytes(row.raw) == corpus(path.name, 999_999) and row.status == result.status
    assert row.processed_at is not None and row.attempts == 1
    if result.status == "created":
        ticket = Ticket.objects.get(pk=result.ticket_id)
        assert ticket.channel == "email" and ticket.description and ticket.subject
        assert ThreadRef.objects.filter(ticket=ticket, direction="in").exists()
    else:
        assert result.ticket_id is None and row.reason


def test_a_gbk_mail_becomes_a_readable_ticket_for_a_new_customer(company):
    result = ingest_raw(corpus("17-undeclared-gbk-raw-headers.eml"), source="file")
    ticket = Ticket.objects.select_related("customer").get(pk=result.ticket_id)
    assert ticket.subject == "会员卡激活问题" and "会员卡怎么激活" in ticket.description
    # a new customer: the sender's name and address, the most ordinary tier, no branch
    assert ticket.customer.name == "孙丽" and ticket.customer.email == "sun.li@example.cn"
    assert ticket.customer.tier == company.regular and ticket.customer.branch is None
    assert ticket.status == "new" and ticket.owner_id is None


def test_auto_replies_open_nothing_and_create_no_customer(company):
    before = (Ticket.objects.count(), Customer.objects.count())
    for name in ("30-auto-submitted.eml", "32-zidong-huifu-subject.eml", "34-dsn-bounce.eml",
                 "35-list-id.eml", "37-x-loop.eml"):
        result = ingest_raw(corpus(name), source="imap")
        assert result.status == "ignored" and result.ticket_id is None
    assert (Ticket.objects.count(), Customer.objects.count()) == before
    reasons = list(InboundEmail.objects.values_list("reason", flat=True))
    assert {r.split(":")[0] for r in reasons} == {"auto-reply", "bounce", "list", "loop-header"}


# --- exactly once ------------------------------------------------------------------------

def test_the_same_bytes_twice_are_one_row_and_one_ticket(company):
    raw = mail("Alice <alice@example.com>", "冰箱坏了")
    first = ingest_raw(raw, source="imap")
    second = ingest_raw(raw, source="imap")
    assert first.status == "created" and first.created
    assert second.status == "duplicate" and not second.created
    assert second.ticket_id == first.ticket_id and second.inbound_id == first.inbound_id
    assert InboundEmail.objects.count() == 1 and Ticket.objects.count() == 1


def test_the_same_message_id_by_another_route_is_a_duplicate(company):
    raw = mail("Alice <alice@example.com>", "冰箱坏了", message_id="<same@alice>")
    first = ingest_raw(raw, source="imap")
    second = ingest_raw(b"Received: from relay2\r\n" + raw, source="smtp")
    assert second.status == "duplicate" and second.created
    assert second.ticket_id == first.ticket_id
    assert Ticket.objects.count() == 1


def test_a_message_without_message_id_is_deduplicated_by_its_content(company):
    raw = mail("Alice <alice@example.com>", "没有编号", message_id="")
    first = ingest_raw(raw, source="imap")
    second = ingest_raw(b"Received: from relay2\r\n" + raw, source="smtp")
    third = ingest_raw(mail("Alice <alice@example.com>", "没有编号", "另一封", message_id=""),
                       source="smtp")
    assert (first.status, second.status, third.status) == ("created", "duplicate", "created")
    assert InboundEmail.objects.get(pk=first.inbound_id).message_id.endswith(
        "@content-hash.kefu.invalid>")


def test_a_row_stored_by_a_process_that_died_is_filed_when_the_bytes_come_again(company):
    # given the raw row committed but never processed (the process was killed in between)
    raw = mail("Alice <alice@example.com>", "断电了")
    row, created = ingest_module._store(raw, source="imap", mailbox=None, imap_uid="7")
    assert created and row.status == "received"
    # when the same message is fetched again, then it is filed now, once
    result = ingest_raw(raw, source="imap", imap_uid="7")
    assert result.status == "created" and result.inbound_id == row.pk and not result.created
    assert ingest_raw(raw, source="imap").status == "duplicate"
    assert Ticket.objects.count() == 1


def test_process_received_files_rows_left_behind(company):
    row, _created = ingest_module._store(mail("Bob <bob@example.com>", "遗留"), source="smtp",
                                         mailbox=None, imap_uid="")
    InboundEmail.objects.filter(pk=row.pk).update(received_at=timezone.now() - timedelta(hours=1))
    (result,) = process_received()
    assert result.status == "created"
    assert process_received() == []


# --- threading ---------------------------------------------------------------------------

def test_a_reply_to_our_outgoing_mail_joins_the_ticket(company, make_ticket):
    # given a ticket whose reply we sent with a Message-ID the outbound side recorded
    ticket = make_ticket(company.agent_east, company.alice, subject="关于您的发票")
    set_status(ticket, "pending_customer", owner=company.agent_east)
    ThreadRef.objects.create(message_id="<kefu.corpus-thread@kefu.example>", ticket=ticket,
                             direction="out", created_at=timezone.now())
    # when the customer answers it
    result = ingest_raw(corpus("38-reply-in-reply-to.eml"), source="imap")
    # then the answer is a customer message on that ticket, which opens again
    assert result.status == "appended" and result.ticket_id == ticket.pk
    ticket.refresh_from_db()
    assert ticket.status == "open"
    message = Message.objects.get(pk=InboundEmail.objects.get(pk=result.inbound_id)
                                  .ticket_message_id)
    assert message.from_customer and message.channel == "email" and "抬头是鲜到家科技" in message.body
    assert Ticket.objects.count() == 1


def test_references_thread_even_when_in_reply_to_is_unknown(company, make_ticket):
    ticket = make_ticket(company.agent_east, company.alice)
    ThreadRef.objects.create(message_id="<old@kefu>", ticket=ticket, direction="out",
                             created_at=timezone.now())
    raw = mail("alice@example.com", "a new subject entirely", In_Reply_To="<unknown@elsewhere>",
               References="<old@kefu> <unknown@elsewhere>")
    assert ingest_raw(raw, source="imap").ticket_id == ticket.pk


def test_the_customers_own_inbound_message_ids_thread_too(company):
    first = ingest_raw(mail("alice@example.com", "快递丢了", message_id="<a1@alice>"),
                       source="imap")
    # Alice replies to her own first mail (a "reply all" on her sent copy)
    second = ingest_raw(mail("alice@example.com", "补充", message_id="<a2@alice>",
                             In_Reply_To="<a1@alice>"), source="imap")
    assert second.status == "appended" and second.ticket_id == first.ticket_id


def test_a_reply_with_only_the_token_joins_the_ticket(company, make_ticket):
    ticket = make_ticket(company.agent_east, company.alice, subject="发票")
    result = ingest_raw(corpus("39-reply-token-only.eml", ticket.pk), source="imap")
    assert result.status == "appended" and result.ticket_id == ticket.pk


def test_a_forwarded_mail_with_someone_elses_token_does_not_join(company, make_ticket):
    # given Alice's ticket, when Bob forwards her mail with the token in the subject
    ticket = make_ticket(company.agent_east, company.alice, subject="invoice")
    result = ingest_raw(corpus("40-forward-foreign-token.eml", ticket.pk), source="imap")
    # then Bob gets his own ticket; Alice's ticket is untouched
    assert result.status == "created" and result.ticket_id != ticket.pk
    assert Ticket.objects.get(pk=result.ticket_id).customer == company.bob
    assert not Message.objects.filter(ticket=ticket).exists()
    assert f"ticket #{ticket.pk} of another customer" in result.reason


def test_a_reply_header_from_another_sender_does_not_hijack_a_ticket(company, make_ticket):
    ticket = make_ticket(company.agent_east, company.alice)
    ThreadRef.objects.create(message_id="<to-alice@kefu>", ticket=ticket, direction="out",
                             created_at=timezone.now())
    raw = mail("stranger@evil.example", f"Re: [#{ticket.pk}] x", In_Reply_To="<to-alice@kefu>")
    result = ingest_raw(raw, source="imap")
    assert result.status == "created" and result.ticket_id != ticket.pk
    assert not Message.objects.filter(ticket=ticket).exists()


def test_an_unrelated_mail_with_the_same_subject_from_another_sender_does_not_join(
        company, make_ticket):
    ticket = make_ticket(company.agent_east, company.alice, subject="订单 12345 还没到")
    result = ingest_raw(corpus("41-same-subject-other-sender.eml"), source="imap")
    assert result.status == "created" and result.ticket_id != ticket.pk


def test_the_guarded_subject_fallback(company, make_ticket):
    ticket = make_ticket(company.agent_east, company.alice, subject="订单 12345 还没到")
    # a reply by subject alone, from the ticket's customer, joins
    result = ingest_raw(mail("alice@example.com", "回复: 订单 12345 还没到", "还没到"), source="imap")
    assert result.status == "appended" and result.ticket_id == ticket.pk
    # a fresh mail (no reply prefix, no reply headers) with the same subject does not
    result = ingest_raw(mail("alice@example.com", "订单 12345 还没到", "另一单"), source="imap")
    assert result.status == "created"
    # nor a reply to a ticket that has not moved for more than 7 days
    old = make_ticket(company.agent_east, company.alice, subject="很久以前的问题")
    Ticket.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=8))
    result = ingest_raw(mail("alice@example.com", "Re: 很久以前的问题", "again"), source="imap")
    assert result.status == "created" and result.ticket_id != old.pk
    # nor a reply whose subject says nothing
    make_ticket(company.agent_east, company.alice, subject="hi")
    assert ingest_raw(mail("alice@example.com", "Re: hi", "x"), source="imap").status == "created"


def test_a_sender_known_by_a_contact_point_threads(company, make_ticket):
    ContactPoint.objects.create(customer=company.alice, kind="email", value="Alice@Work.example")
    ticket = make_ticket(company.agent_east, company.alice, subject="发票")
    result = ingest_raw(mail("alice@work.example", f"Re: [#{ticket.pk}] 发票"), source="imap")
    assert result.status == "appended" and result.ticket_id == ticket.pk


def test_a_reply_to_a_closed_ticket_opens_a_follow_up_and_later_replies_join_it(
        company, make_ticket):
    ticket = make_ticket(company.agent_east, company.alice, subject="退款")
    close(ticket)
    first = ingest_raw(mail("alice@example.com", f"Re: [#{ticket.pk}] 退款", "还没收到钱"),
                       source="imap")
    assert first.status == "created" and first.ticket_id != ticket.pk
    follow_up = Ticket.objects.get(pk=first.ticket_id)
    assert f"#{ticket.pk}" in follow_up.description and follow_up.customer == company.alice
    second = ingest_raw(mail("alice@example.com", f"Re: [#{ticket.pk}] 退款", "还是没有"),
                        source="imap")
    assert second.status == "appended" and second.ticket_id == follow_up.pk


def test_a_reply_to_a_merged_ticket_goes_to_the_ticket_it_was_merged_into(company, make_ticket):
    target = make_ticket(company.agent_east, company.alice, subject="a")
    source = make_ticket(company.agent_east, company.alice, subject="b")
    Ticket.objects.filter(pk=source.pk).update(merged_into=target, status="closed",
                                               owner=company.agent_east)
    result = ingest_raw(mail("alice@example.com", f"Re: [#{source.pk}] b"), source="imap")
    assert result.status == "appended" and result.ticket_id == target.pk


# --- loops -------------------------------------------------------------------------------

def test_our_own_message_coming_back_is_ignored(company, make_ticket):
    ticket = make_ticket(company.agent_east, company.alice)
    ThreadRef.objects.create(message_id="<kefu.1.x@kefu.example>", ticket=ticket,
                             direction="out", created_at=timezone.now())
    raw = mail("support@kefu.example", "Re: x", message_id="<kefu.1.x@kefu.example>")
    assert ingest_raw(raw, source="imap").status == "ignored"


def test_mail_from_our_own_address_is_ignored(company):
    Mailbox.objects.create(name="Support", address="support@kefu.example")
    result = ingest_raw(mail("Support <Support@kefu.example>", "hello"), source="imap")
    assert result.status == "ignored" and result.reason.startswith("loop")


def test_more_than_the_hourly_limit_from_one_sender_is_a_loop(company, settings):
    settings.MAIL_LOOP_LIMIT_PER_HOUR = 3
    statuses = [ingest_raw(mail("bot@loop.example", f"n{i}", f"body {i}"), source="smtp").status
                for i in range(5)]
    assert statuses == ["created", "created", "created", "ignored", "ignored"]
    assert InboundEmail.objects.filter(reason__startswith="loop-rate").count() == 2


# --- quarantine --------------------------------------------------------------------------

def test_an_oversized_message_is_kept_whole_quarantined_and_can_be_filed_later(company, settings):
    settings.MAX_EMAIL_BYTES = 500
    raw = mail("alice@example.com", "很长", "长" * 400)
    result = ingest_raw(raw, source="imap")
    assert result.status == "quarantined" and "too large" in result.reason
    row = InboundEmail.objects.get(pk=result.inbound_id)
    assert bytes(row.raw) == raw and row.size == len(raw)
    assert row.from_address == "alice@example.com" and row.subject == "很长"
    settings.MAX_EMAIL_BYTES = 10_000
    again = reprocess(row.pk, company.admin)
    assert again.status == "created" and "re-processed by root" in again.reason


def test_an_unparseable_message_is_quarantined_with_its_bytes(company):
    result = ingest_raw(corpus("23-not-an-email.eml"), source="smtp")
    row = InboundEmail.objects.get(pk=result.inbound_id)
    assert row.status == "quarantined" and row.reason.startswith("unparseable")
    assert bytes(row.raw) == corpus("23-not-an-email.eml")


def test_a_crash_while_filing_quarantines_never_raises_and_rolls_back(company, monkeypatch):
    def boom(**kwargs):
        Customer.objects.create(name="half-done", tier=company.regular)
        raise RuntimeError("boom")

    monkeypatch.setattr(filing, "ticket_create_from_channel", boom)
    raw = mail("new.person@example.cn", "会崩溃")
    result = ingest_raw(raw, source="imap")
    assert result.status == "quarantined" and "RuntimeError: boom" in result.reason
    assert not Customer.objects.filter(name="half-done").exists()  # rolled back
    row = InboundEmail.objects.get(pk=result.inbound_id)
    assert row.status == "quarantined" and row.attempts == 1 and bytes(row.raw) == raw
    # an administrator re-processes it once the cause is fixed
    monkeypatch.undo()
    assert reprocess(row.pk, company.admin).status == "created"
    row.refresh_from_db()
    assert row.status == "created" and row.attempts == 2 and row.ticket_id


def test_only_admins_reprocess_and_only_quarantined_mail(company):
    result = ingest_raw(corpus("23-not-an-email.eml"), source="smtp")
    with pytest.raises(PermissionDenied):
        reprocess(result.inbound_id, company.agent_east)
    assert reprocess(result.inbound_id, company.admin).status == "quarantined"
    filed = ingest_raw(mail("alice@example.com", "ok"), source="smtp")
    with pytest.raises(ApplicationError) as exc:
        reprocess(filed.inbound_id, company.admin)
    assert exc.value.code == "not_quarantined"


# --- attachments, mailboxes --------------------------------------------------------------

def test_attachments_are_stored_within_the_limits(company, settings):
    result = ingest_raw(corpus("29-attachments.eml"), source="imap")
    stored = {a.filename: a for a in Attachment.objects.filter(ticket_id=result.ticket_id)}
    assert set(stored) == {"发票.pdf", "清单.txt"}  # the .exe is refused, the mail is not
    assert stored["发票.pdf"].content_type == "application/pdf"
    assert stored["发票.pdf"].file.read().startswith(b"%PDF")
    assert "setup.exe" in result.reason and "not accepted" in result.reason
    settings.MAX_ATTACHMENT_BYTES = 10
    big = ingest_raw(corpus("28-inline-image.eml"), source="imap")
    assert big.status == "created" and "over the limit" in big.reason
    assert not Attachment.objects.filter(ticket_id=big.ticket_id).exists()


def test_inline_images_of_a_reply_are_attached_to_the_message(company, make_ticket):
    ticket = make_ticket(company.agent_east, company.alice, subject="照片在正文里")
    raw = corpus("28-inline-image.eml").replace(b"From: Cao <cao@example.cn>",
                                                b"From: alice@example.com")
    raw = raw.replace(b"Subject: ", f"Subject: Re: [#{ticket.pk}] ".encode(), 1)
    result = ingest_raw(raw, source="imap")
    assert result.status == "appended"
    (attachment,) = Attachment.objects.filter(ticket=ticket)
    assert attachment.message_id == InboundEmail.objects.get(
        pk=result.inbound_id).ticket_message_id
    assert attachment.content_type == "image/png"


def test_a_mailbox_routes_new_tickets_to_its_team(company):
    mailbox = Mailbox.objects.create(name="West", address="west@kefu.example",
                                     team=company.west_team)
    result = ingest_raw(mail("new@example.cn", "咨询"), source="imap", mailbox=mailbox)
    assert Ticket.objects.get(pk=result.ticket_id).team == company.west_team
    # without a mailbox given, the To address finds it
    raw = mail("other@example.cn", "咨询").replace(b"To: support@kefu.example",
                                                  b"To: West <west@kefu.example>")
    result = ingest_raw(raw, source="file")
    assert Ticket.objects.get(pk=result.ticket_id).team == company.west_team
    assert InboundEmail.objects.get(pk=result.inbound_id).mailbox == mailbox


def test_an_empty_message_still_makes_a_ticket(company):
    raw = b"From: someone@example.cn\r\nMessage-ID: <empty@x>\r\n\r\n"
    result = ingest_raw(raw, source="imap")
    ticket = Ticket.objects.get(pk=result.ticket_id)
    assert result.status == "created" and ticket.subject and ticket.description


# --- the command -------------------------------------------------------------------------

def test_mail_ingest_prints_one_json_line_per_file(company, tmp_path, capsys):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.eml").write_bytes(corpus("01-utf8-qp.eml"))
    (tmp_path / "b.eml").write_bytes(corpus("30-auto-submitted.eml"))
    (tmp_path / "ignored.txt").write_text("not mail")
    single = tmp_path / "c.msg"
    single.write_bytes(corpus("01-utf8-qp.eml"))
    import argparse

    parser = argparse.ArgumentParser()
    cli.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["mail", "ingest", str(tmp_path), str(single),
                              str(tmp_path / "missing.eml")])
    assert args.func(args) == 0
    lines = [json.loads(line) for line in io.StringIO(capsys.readouterr().out)]
    assert [Path(line["file"]).name for line in lines] == ["b.eml", "a.eml", "c.msg",
                                                           "missing.eml"]
    assert [line["status"] for line in lines] == ["ignored", "created", "duplicate", "error"]
    assert all(set(line) == {"file", "status", "ticket", "reason"} for line in lines)
    assert lines[1]["ticket"] == lines[2]["ticket"] and lines[0]["ticket"] is None


# --- concurrency ---------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_one_message_arriving_two_ways_at_once_is_filed_once(company):
    # given the same message by IMAP and by SMTP (different trace headers), at the same moment
    raw = mail("alice@example.com", "同时到达", message_id="<race@alice>")
    copies = [raw, b"Received: from relay2\r\n" + raw, b"Received: from relay3\r\n" + raw]
    barrier = threading.Barrier(len(copies))
    results = []

    def deliver(data):
        from django.db import connection

        try:
            barrier.wait()
            results.append(ingest_raw(data, source="smtp"))
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver, args=(c,)) for c in copies]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    # then exactly one ticket, and the others are duplicates of it
    assert sorted(r.status for r in results) == ["created", "duplicate", "duplicate"]
    assert Ticket.objects.count() == 1 and len({r.ticket_id for r in results}) == 1


# --- the admin screens ---------------------------------------------------------------------

def test_admins_see_quarantined_mail_download_it_and_reprocess_it(company, client, monkeypatch):
    monkeypatch.setattr(filing, "ticket_create_from_channel",
                        lambda **kw: (_ for _ in ()).throw(RuntimeError("boom")))
    raw = mail("new.person@example.cn", "会崩溃")
    result = ingest_raw(raw, source="imap")
    monkeypatch.undo()
    client.force_login(company.admin)
    listing = client.get("/admin/conversations/inboundemail/?status__exact=quarantined")
    assert listing.status_code == 200 and "new.person@example.cn" in listing.content.decode()
    page = client.get(f"/admin/conversations/inboundemail/{result.inbound_id}/change/")
    assert page.status_code == 200 and "RuntimeError: boom" in page.content.decode()
    download = client.get(f"/admin/conversations/inboundemail/{result.inbound_id}/raw/")
    assert download.status_code == 200 and download.content == raw
    assert download["Content-Type"] == "message/rfc822"
    response = client.post("/admin/conversations/inboundemail/",
                           {"action": "reprocess_selected", "_selected_action": [result.inbound_id]})
    assert response.status_code == 302
    assert InboundEmail.objects.get(pk=result.inbound_id).status == "created"
    # agents cannot reach any of it
    client.force_login(company.agent_east)
    assert client.get(f"/admin/conversations/inboundemail/{result.inbound_id}/raw/") \
        .status_code in (302, 403, 404)


def test_the_mailbox_admin_never_shows_the_password_and_keeps_it_when_blank(company, client):
    mailbox = Mailbox.objects.create(name="Support", address="support@kefu.example",
                                     imap_password="s3cret-pw")
    client.force_login(company.admin)
    page = client.get(f"/admin/conversations/mailbox/{mailbox.pk}/change/")
    assert page.status_code == 200 and "s3cret-pw" not in page.content.decode()
    data = {"name": "Support desk", "address": "support@kefu.example", "active": "on",
            "imap_host": "imap.example", "imap_port": "993", "imap_security": "ssl",
            "imap_user": "u", "imap_password": "", "imap_folder": "INBOX",
            "imap_done_folder": "", "oauth2_access_token": "", "team": ""}
    response = client.post(f"/admin/conversations/mailbox/{mailbox.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    mailbox.refresh_from_db()
    assert mailbox.name == "Support desk" and mailbox.imap_password == "s3cret-pw"
