"""A customer's HTML e-mail in the ticket page: shown in a sandboxed frame, never as markup
of the page, with the plain text and the quoted history a click away."""

from __future__ import annotations

import html as htmllib
import re

import pytest
from django.test import Client

from kefu.conversations.email.ingest import ingest_raw
from kefu.tickets.models import Message, Ticket
from kefu.tickets.services import ticket_reply

pytestmark = pytest.mark.django_db

TEXT = "包装破损了，照片见下。\n\nOn Sun, Apr 5, 2026 at 10:15 AM 鲜到家客服 <support@kefu.example> wrote:\n> 请描述一下问题。\n"
HTML = ('<div onmouseover="steal()">包装<b>破损</b>了，照片见下。<script>alert("kefu-xss")</script>'
        '<img src="https://tracker.example/p.gif" onerror="alert(2)"></div><br>'
        '<div class="gmail_quote">On Sun, Apr 5, 2026 at 10:15 AM 鲜到家客服 &lt;support@kefu.example'
        '&gt; wrote:<br><blockquote>请描述一下问题。</blockquote></div>')


def signed_in(user) -> Client:
    user.language = "en"  # the assertions read the English labels
    user.save(update_fields=["language"])
    client = Client()
    client.force_login(user)
    return client


def _mail(subject: str, message_id: str) -> bytes:
    return "\r\n".join([
        "From: alice@example.com", "To: support@kefu.example", f"Subject: {subject}",
        "Date: Mon, 6 Apr 2026 09:15:00 +0800", f"Message-ID: {message_id}", "MIME-Version: 1.0",
        'Content-Type: multipart/alternative; boundary="b"', "", "--b",
        "Content-Type: text/plain; charset=utf-8", "", TEXT, "--b",
        "Content-Type: text/html; charset=utf-8", "", HTML, "--b--", ""]).encode()


def _frames(page: str) -> list[str]:
    return re.findall(r"<iframe\b[^>]*>", page)


def test_an_html_reply_is_shown_in_a_sandboxed_frame_and_never_runs(company, make_ticket):
    # given Alice's ticket and her HTML reply with a script, handlers and a tracker image
    ticket = make_ticket(company.agent_east, company.alice, subject="包装破损")
    assert ingest_raw(_mail(f"Re: [#{ticket.pk}]", "<r1@x>"), source="imap").status == "appended"
    # when an agent opens the ticket
    page = signed_in(company.agent_east).get(f"/tickets/{ticket.pk}/").content.decode()
    # then the e-mail is in a sandboxed frame without scripts or the page's origin
    (frame,) = _frames(page)
    assert 'sandbox="allow-popups allow-popups-to-escape-sandbox"' in frame
    assert "allow-scripts" not in page and "allow-same-origin" not in page
    srcdoc = htmllib.unescape(re.search(r'srcdoc="([^"]*)"', frame).group(1))
    assert "Content-Security-Policy" in srcdoc and "default-src 'none'" in srcdoc
    assert "<b>破损</b>" in srcdoc
    # and nothing of the script or the handlers reaches the page, escaped or not
    for bad in ("kefu-xss", "onerror", "onmouseover", "steal()", 'src="https://tracker'):
        assert bad not in page and bad not in srcdoc, bad
    # the plain text and the quoted history are there, the history folded away
    assert "Formatted" in page and "Plain text" in page
    assert re.search(r"<details class=\"email-quoted\">\s*<summary>Show quoted text</summary>",
                     page)
    assert "请描述一下问题。" in page


def test_html_that_escaped_sanitising_still_cannot_leave_the_frame(company, make_ticket):
    # given a message whose stored HTML was never sanitised (a bug, a hand-edited row)
    ticket = make_ticket(company.agent_east, company.alice)
    evil = '"></iframe><script>alert("kefu-escape")</script><img src=x onerror=alert(3)>'
    ticket_reply(ticket=ticket, actor=company.agent_east, body="内部", internal=True)
    Message.objects.create(ticket=ticket, visibility="public", body="plain", from_customer=True,
                           channel="email", body_html=evil)
    page = signed_in(company.agent_east).get(f"/tickets/{ticket.pk}/").content.decode()
    # then it is only ever text inside the sandboxed frame's srcdoc attribute
    assert '<script>alert("kefu-escape")' not in page and "<img src=x" not in page
    (frame,) = _frames(page)
    assert "sandbox=" in frame and "&lt;script&gt;" in frame
    assert page.count("</iframe>") == 1


def test_the_first_mail_of_a_ticket_shows_formatted_too(company):
    raw = _mail("新问题", "<first@x>").replace(b"alice@example.com", b"new@example.cn")
    ticket = Ticket.objects.get(pk=ingest_raw(raw, source="imap").ticket_id)
    ticket.team = company.east_team
    ticket.save(update_fields=["team"])
    page = signed_in(company.agent_east).get(f"/tickets/{ticket.pk}/").content.decode()
    (frame,) = _frames(page)
    assert "sandbox=" in frame and 'class="description"' in page
    assert "Show quoted text" not in page  # the first mail is never stripped


def test_plain_messages_look_as_before(company, make_ticket):
    ticket = make_ticket(company.agent_east, company.alice, description="冰箱不制冷")
    ticket_reply(ticket=ticket, actor=company.agent_east, body="师傅明天上门")
    page = signed_in(company.agent_east).get(f"/tickets/{ticket.pk}/").content.decode()
    assert not _frames(page) and "Show quoted text" not in page
    assert '<div class="body" style="white-space:pre-wrap">师傅明天上门</div>' in page
    assert '<div class="description" style="white-space:pre-wrap">冰箱不制冷</div>' in page
