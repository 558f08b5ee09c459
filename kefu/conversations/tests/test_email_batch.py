"""``ingest_batch`` (what ``kefu mail ingest`` uses): the same outcomes as one message at a
time, in order; a message that fails is rolled back alone and quarantined; files of a
rolled-back message are removed; rows left "received" by a crash are filed."""

import pytest
from django.db import connection

from kefu.conversations import outbound
from kefu.conversations.email import ingest as ingest_module
from kefu.conversations.email.ingest import Incoming, ingest_batch, ingest_raw
from kefu.conversations.models import InboundEmail, ThreadRef
from kefu.conversations.tests.test_email_ingest import corpus, mail
from kefu.tickets.models import Attachment, Message, Ticket


def test_a_batch_files_like_one_message_at_a_time_in_order(company):
    # given a new request, a reply to it in the same batch, the same bytes again, an
    # auto-reply, an unparseable file and a second customer's request
    first = mail("alice@example.com", "冰箱不制冷", "三天了", message_id="<b1@alice>")
    reply = mail("alice@example.com", "Re: 冰箱不制冷", "补充：型号 FH100",
                 message_id="<b2@alice>", In_Reply_To="<b1@alice>", References="<b1@alice>")
    batch = [first, reply, first, corpus("30-auto-submitted.eml"),
             corpus("23-not-an-email.eml"), mail("bob@example.com", "Invoice title", "wrong")]

    # when they are ingested as one batch
    results = ingest_batch([Incoming(raw, source="file") for raw in batch])

    # then each has the outcome it has alone, in the order given
    assert [r.status for r in results] == ["created", "appended", "duplicate", "ignored",
                                           "quarantined", "created"]
    assert results[1].ticket_id == results[0].ticket_id != results[5].ticket_id
    assert results[2].inbound_id == results[0].inbound_id and not results[2].created
    assert InboundEmail.objects.count() == 5  # the same bytes are one row
    assert Ticket.objects.filter(channel="email").count() == 2
    assert Message.objects.filter(ticket_id=results[0].ticket_id, from_customer=True,
                                  body__contains="FH100").count() == 1
    assert ThreadRef.objects.filter(message_id__in=["<b1@alice>", "<b2@alice>"],
                                    direction="in").count() == 2
    # and the rows say so
    rows = {row.pk: row for row in InboundEmail.objects.all()}
    assert [rows[r.inbound_id].status for r in results] == [
        "created", "appended", "created", "ignored", "quarantined", "created"]


def test_a_message_that_fails_is_quarantined_alone_and_its_files_removed(
        company, monkeypatch, settings, tmp_path):
    # given three messages, the second with a picture, whose filing fails after its files
    # were written
    settings.MEDIA_ROOT = str(tmp_path)
    real = outbound.queue_acknowledgement

    def fail_for_broken(ticket, **kwargs):
        if "会失败" in ticket.subject:
            raise RuntimeError("the acknowledgement broke")
        return real(ticket, **kwargs)

    monkeypatch.setattr(outbound, "queue_acknowledgement", fail_for_broken)
    broken = corpus("29-attachments.eml").replace(b"Subject: ", b"Subject: =?utf-8?b?"
                                                  + __import__("base64").b64encode(
                                                      "会失败 ".encode()) + b"?= ", 1)
    batch = [mail("alice@example.com", "第一封"), broken, mail("carol@example.com", "第三封")]

    # when they are ingested together
    results = ingest_batch([Incoming(raw, source="imap") for raw in batch])

    # then the first and the third are filed, the second is quarantined with the reason
    assert [r.status for r in results] == ["created", "quarantined", "created"]
    assert "RuntimeError: the acknowledgement broke" in results[1].reason
    row = InboundEmail.objects.get(pk=results[1].inbound_id)
    assert row.status == "quarantined" and bytes(row.raw) == broken and row.ticket_id is None
    # nothing of it is left: no ticket, no attachment row, no file on disk
    assert Ticket.objects.filter(channel="email").count() == 2
    assert not Attachment.objects.exists()
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]
    # and re-processing it later files it, with its picture
    monkeypatch.undo()
    settings.MEDIA_ROOT = str(tmp_path)
    again = ingest_module.reprocess(row.pk, company.admin)
    assert again.status == "created" and Attachment.objects.filter(ticket_id=again.ticket_id)
    assert [p for p in tmp_path.rglob("*") if p.is_file()]  # the files do go there


def test_rows_left_received_by_a_crash_are_filed_by_the_next_batch(company):
    # given raw bytes stored before a process died (status "received")
    raw = mail("dora@example.com", "断电了")
    row, created = ingest_module._store(raw, source="file", mailbox=None, imap_uid="")
    assert created and row.status == "received"

    # when the same file is ingested again in a batch
    (result,) = ingest_batch([Incoming(raw, source="file")])

    # then it is filed now, once
    assert result.status == "created" and result.inbound_id == row.pk
    assert ingest_raw(raw, source="file").status == "duplicate"
    assert Ticket.objects.filter(channel="email").count() == 1


def test_an_unknown_source_refuses_the_whole_batch(company):
    with pytest.raises(ValueError):
        ingest_batch([Incoming(mail("erin@example.com", "好"), source="file"),
                      Incoming(mail("erin@example.com", "坏"), source="pigeon")])
    assert not InboundEmail.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_batch_commits_twice_on_sqlite_and_queues_the_acknowledgements(company,
                                                                          monkeypatch):
    # given ten new requests
    commits = []
    real_commit = connection.commit

    def counting_commit():
        commits.append(1)
        return real_commit()

    monkeypatch.setattr(connection, "commit", counting_commit)
    batch = [Incoming(mail(f"c{i}@example.com", f"请求 {i}"), source="file") for i in range(10)]

    # when they are ingested as one batch
    results = ingest_batch(batch)

    # then all are filed, each new ticket has its acknowledgement queued once
    assert [r.status for r in results] == ["created"] * 10
    assert outbound.OutboundEmail.objects.filter(kind="ack").count() == 10
    # in two write transactions on SQLite (raw bytes, then filing); one each on PostgreSQL
    assert len(commits) == (2 if connection.vendor == "sqlite" else 20)
