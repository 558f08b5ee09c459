"""The files of an agent's reply go out with its e-mail, through a real SMTP server (aiosmtpd
on a loopback port): the bytes intact, Chinese names readable, links to the portal instead
when together they are over the limit, and still never sent twice."""

import email
import os
from datetime import timedelta
from email.policy import default

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from kefu.conversations.email.parse import parse_message
from kefu.conversations.models import OutboundEmail
from kefu.conversations.outbound_files import attach_all
from kefu.conversations.sending import outbound_sweep, send_outbound
from kefu.core.testing.console import signed_in
from kefu.tickets.models import Attachment

pytestmark = pytest.mark.django_db(transaction=True)

PNG = b"\x89PNG\r\n\x1a\n" + os.urandom(2000)
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"
NOTE = "收据编号 A-778，请保留。\n".encode()


@pytest.fixture
def smtp(settings, smtp_sink):
    settings.SMTP_URL = smtp_sink.url
    return smtp_sink


@pytest.fixture
def ticket(company, make_ticket):
    """Bob's phone ticket (he agreed to e-mail), handled by agent-west."""
    company.bob.consent_email = True
    company.bob.save()
    return make_ticket(company.agent_west, company.bob, subject="发票抬头", channel="phone")


def files():
    return [SimpleUploadedFile("发票 2026年3月.pdf", PDF, content_type="application/pdf"),
            SimpleUploadedFile("现场照片.png", PNG, content_type="image/png"),
            SimpleUploadedFile("note.txt", NOTE, content_type="text/plain")]


def reply(company, ticket, *, internal=False, uploads=None):
    """The agent answers on the ticket page, with files; returns the reply's e-mail row."""
    response = signed_in(company.agent_west).post(
        f"/tickets/{ticket.pk}/reply/",
        {"body": "发票已重开，见附件。", "internal": "1" if internal else "0",
         "files": files() if uploads is None else uploads})
    assert response.status_code == 302, response.content
    return OutboundEmail.objects.filter(ticket=ticket, kind="reply").first()


def test_the_replys_files_are_attached_intact_with_their_names(company, ticket, smtp):
    # when the agent replies with three files and the e-mail is sent
    row = reply(company, ticket)
    assert send_outbound(row.pk) == "sent"
    # then the server got one message carrying the three files, bytes intact
    assert len(smtp.messages) == 1
    msg = smtp.parsed()[0]
    got = {part.get_filename(): (part.get_content_type(), part.get_content())
           for part in msg.iter_attachments()}
    assert got == {"发票 2026年3月.pdf": ("application/pdf", PDF),
                   "现场照片.png": ("image/png", PNG),
                   "note.txt": ("text/plain", NOTE.decode())}
    assert "发票已重开" in msg.get_body(("plain",)).get_content()
    # the names are RFC 2231-encoded, on Content-Disposition and Content-Type
    raw = smtp.messages[0][2].decode("ascii")
    assert "filename*=utf-8''%E5%8F%91%E7%A5%A8" in raw and "name*=utf-8''%E5%8F%91%E7%A5%A8" in raw
    assert [p.get_param("name") for p in msg.iter_attachments()][-1] == "note.txt"
    # and kefu's own parser (as another kefu would receive it) reads the same
    parsed = parse_message(smtp.messages[0][2])
    assert {(a.filename, a.data) for a in parsed.attachments} == {
        ("发票 2026年3月.pdf", PDF), ("现场照片.png", PNG), ("note.txt", NOTE)}
    # the files belong to the reply, and the row says how they went
    attachments = list(Attachment.objects.filter(ticket=ticket).order_by("pk"))
    assert {a.message_id for a in attachments} == {row.ticket_message_id}
    row.refresh_from_db()
    assert [(f["filename"], f["how"]) for f in row.files] == [
        ("发票 2026年3月.pdf", "attached"), ("现场照片.png", "attached"), ("note.txt", "attached")]
    # never twice: the job again, and the sweep, send nothing more
    assert send_outbound(row.pk) == "sent"
    assert outbound_sweep(now=timezone.now() + timedelta(days=1))["tried"] == 0
    assert len(smtp.messages) == 1


def test_over_the_limit_the_email_links_to_the_portal_and_says_so(company, ticket, smtp,
                                                                  settings):
    settings.MAX_OUTBOUND_ATTACHMENT_BYTES = len(PDF) + len(PNG)  # the three are over it
    settings.PUBLIC_URL = "https://help.example.com/"
    company.bob.language = "en"
    company.bob.save()
    row = reply(company, ticket)
    assert send_outbound(row.pk) == "sent"
    msg = smtp.parsed()[0]
    # then nothing is attached; the text says why and links each file in the portal
    assert list(msg.iter_attachments()) == []
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "larger than we send by e-mail" in text
    for attachment in Attachment.objects.filter(ticket=ticket):
        link = (f"https://help.example.com/portal/tickets/{ticket.pk}/attachments/"
                f"{attachment.pk}/")
        assert f"{attachment.filename}" in text and link in text
        assert f'href="{link}"' in html
    # the note comes before the signature's reference line, and above the HTML footer
    assert text.index("larger than we send") < text.index("Your reference")
    assert html.index("files-linked") < html.index("Your reference")
    row.refresh_from_db()
    assert {f["how"] for f in row.files} == {"linked"}


def test_without_a_public_address_the_note_names_the_request(company, ticket, smtp, settings):
    settings.MAX_OUTBOUND_ATTACHMENT_BYTES = 10
    settings.PUBLIC_URL = ""
    company.bob.language = "en"
    company.bob.save()
    row = reply(company, ticket)
    send_outbound(row.pk)
    text = smtp.parsed()[0].get_body(("plain",)).get_content()
    assert f"They are with your request #{ticket.pk}." in text and "http" not in text


def test_internal_notes_and_their_files_are_never_emailed(company, ticket, smtp):
    assert reply(company, ticket, internal=True) is None
    assert Attachment.objects.filter(ticket=ticket, internal=True).count() == 3
    # a later public reply without files carries none of them
    row = reply(company, ticket, uploads=[])
    send_outbound(row.pk)
    assert list(smtp.parsed()[0].iter_attachments()) == []


def test_a_refused_file_takes_the_reply_back_with_it(company, ticket, smtp):
    bad = SimpleUploadedFile("tool.exe", b"MZ\x90\x00" + b"\x00" * 60,
                             content_type="application/octet-stream")
    response = signed_in(company.agent_west).post(
        f"/tickets/{ticket.pk}/reply/", {"body": "见附件", "internal": "0",
                                          "files": [files()[0], bad]})
    assert response.status_code == 302
    assert not OutboundEmail.objects.exists() and not Attachment.objects.exists()
    assert not ticket.messages.exists()


def test_the_agents_words_come_back_when_a_file_is_refused(company, ticket, smtp):
    # given an agent whose reply was taken back because of a refused file
    client = signed_in(company.agent_west)
    bad = SimpleUploadedFile("tool.exe", b"MZ\x90\x00" + b"\x00" * 60,
                             content_type="application/octet-stream")
    client.post(f"/tickets/{ticket.pk}/reply/",
                {"body": "您好，<b>这是</b>处理结果", "internal": "0", "files": [bad]})
    # when the ticket page opens again, the text is in the reply box (escaped), once
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "您好，&lt;b&gt;这是&lt;/b&gt;处理结果</textarea>" in page
    again = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "处理结果</textarea>" not in again


def test_a_stored_file_that_is_gone_is_left_out_and_recorded(company, ticket, smtp):
    row = reply(company, ticket)
    gone = Attachment.objects.get(ticket=ticket, filename="note.txt")
    gone.file.storage.delete(gone.file.name)
    assert send_outbound(row.pk) == "sent"
    names = {p.get_filename() for p in smtp.parsed()[0].iter_attachments()}
    assert names == {"发票 2026年3月.pdf", "现场照片.png"}
    row.refresh_from_db()
    assert {f["filename"]: f["how"] for f in row.files}["note.txt"] == "missing"


def test_the_limit_rule():
    assert attach_all([], 0)
    assert attach_all([10, 20], 30) and not attach_all([10, 21], 30)


def test_the_received_bytes_parse_as_a_standard_message(company, ticket, smtp):
    row = reply(company, ticket, uploads=[files()[0]])
    send_outbound(row.pk)
    msg = email.message_from_bytes(smtp.messages[0][2], policy=default)
    assert msg.get_content_type() == "multipart/mixed"
    body, attachment = msg.get_payload()
    assert body.get_content_type() == "multipart/alternative"
    assert attachment.get_content_disposition() == "attachment"
    assert attachment.get_filename() == "发票 2026年3月.pdf"


# --- through the API: files uploaded first, then named by the reply -------------------------


def _upload(api, ticket, upload, internal=False):
    response = api.post(f"/api/v1/tickets/{ticket.pk}/attachments",
                        {"file": upload, "internal": "true" if internal else "false"},
                        format="multipart")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def test_an_api_reply_carries_the_files_uploaded_before_it(company, ticket, smtp, api_as):
    # given agent-west uploaded two files to Bob's ticket through the API
    api = api_as(company.agent_west)
    ids = [_upload(api, ticket, upload) for upload in files()[:2]]
    # when they reply naming them
    response = api.post(f"/api/v1/tickets/{ticket.pk}/messages",
                        {"body": "发票已重开，见附件。", "attachment_ids": ids})
    # then the reply has the files, the timeline says so, and the e-mail carries them
    assert response.status_code == 201, response.content
    assert [a["filename"] for a in response.json()["attachments"]] == ["发票 2026年3月.pdf", "现场照片.png"]
    message_id = response.json()["id"]
    assert set(Attachment.objects.filter(pk__in=ids).values_list("message_id", flat=True)) == {message_id}
    assert ticket.events.filter(kind="attachments_linked", data__message=message_id).exists()
    row = OutboundEmail.objects.get(ticket=ticket, kind="reply")
    assert send_outbound(row.pk) == "sent"
    got = {p.get_filename(): p.get_content() for p in smtp.parsed()[0].iter_attachments()}
    assert got == {"发票 2026年3月.pdf": PDF, "现场照片.png": PNG}


@pytest.mark.parametrize("case", ["other_agents_file", "internal_file_on_a_reply", "already_sent",
                                  "unknown_id"])
def test_an_api_reply_with_a_file_it_cannot_carry_is_refused_whole(company, ticket, smtp, api_as, case):
    api = api_as(company.agent_west)
    mine = _upload(api, ticket, files()[2])
    if case == "other_agents_file":
        other = _upload(api_as(company.admin), ticket, files()[0])
    elif case == "internal_file_on_a_reply":
        other = _upload(api, ticket, files()[0], internal=True)
    elif case == "already_sent":
        other = _upload(api, ticket, files()[0])
        assert api.post(f"/api/v1/tickets/{ticket.pk}/messages",
                        {"body": "第一封", "attachment_ids": [other]}).status_code == 201
    else:
        other = 987_654
    before = (ticket.messages.count(), OutboundEmail.objects.count(),
              list(Attachment.objects.order_by("pk").values_list("pk", "message_id")))
    # when the reply names a file it cannot carry beside one it can
    response = api.post(f"/api/v1/tickets/{ticket.pk}/messages",
                        {"body": "见附件", "attachment_ids": [mine, other]})
    # then it is refused naming that file, and nothing changed: no reply, no e-mail, no link
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "attachment_not_linkable"
    assert response.json()["details"]["attachment_ids"] == [other]
    assert (ticket.messages.count(), OutboundEmail.objects.count(),
            list(Attachment.objects.order_by("pk").values_list("pk", "message_id"))) == before


def test_an_internal_note_carries_internal_files_and_nothing_is_emailed(company, ticket, smtp, api_as):
    api = api_as(company.agent_west)
    file_id = _upload(api, ticket, files()[0], internal=True)
    response = api.post(f"/api/v1/tickets/{ticket.pk}/messages",
                        {"body": "内部：原始发票", "internal": True, "attachment_ids": [file_id]})
    assert response.status_code == 201
    assert Attachment.objects.get(pk=file_id).message_id == response.json()["id"]
    assert not OutboundEmail.objects.filter(ticket=ticket).exists()


def test_an_api_reply_names_at_most_twenty_files(company, ticket, api_as):
    response = api_as(company.agent_west).post(
        f"/api/v1/tickets/{ticket.pk}/messages", {"body": "太多", "attachment_ids": list(range(1, 22))})
    assert response.status_code == 422
    assert not ticket.messages.filter(body="太多").exists()
