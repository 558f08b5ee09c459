"""What an e-mail leaves on the ticket for display: a reply without its quoted history (kept
beside it), the sanitised HTML, and the same through the ticket services and the API."""

import pytest

from kefu.conversations.email import filing
from kefu.conversations.email.ingest import ingest_raw
from kefu.conversations.models import InboundEmail
from kefu.core.errors import ApplicationError
from kefu.tickets.models import Message, Ticket
from kefu.tickets.services import ticket_customer_message, ticket_reply

NOW = "Mon, 6 Apr 2026 09:15:00 +0800"

REPLY_TEXT = """好的，已经收到了，谢谢！

鲜到家客服 <support@kefu.example> 于2026年4月5日周日 10:15写道：

> 您好，请问订单号是多少？
"""
REPLY_HTML = (
    '<html><head><style>body{background:url(https://tracker.example/bg.png)}</style>'
    '<script>alert("kefu-xss")</script></head><body onload="steal()">'
    '<div dir="ltr" onclick="evil()">好的，已经<b>收到</b>了，谢谢！'
    '<img src="https://tracker.example/pixel.gif" alt="logo"> '
    '<a href="javascript:alert(1)">链接</a></div><br>'
    '<div class="gmail_quote"><div dir="ltr" class="gmail_attr">鲜到家客服 &lt;<a href="mailto:'
    'support@kefu.example">support@kefu.example</a>&gt; 于2026年4月5日周日 10:15写道：<br></div>'
    '<blockquote class="gmail_quote">您好，请问订单号是多少？<br></blockquote></div></body></html>')


def mail(sender: str, subject: str, text: str, html: str | None = None, *,
         message_id: str) -> bytes:
    head = [f"From: {sender}", "To: support@kefu.example", f"Subject: {subject}",
            f"Date: {NOW}", f"Message-ID: {message_id}", "MIME-Version: 1.0"]
    if html is None:
        parts = ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit",
                 "", text]
    else:
        parts = ['Content-Type: multipart/alternative; boundary="b1"', "", "--b1",
                 "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit",
                 "", text, "--b1", "Content-Type: text/html; charset=utf-8",
                 "Content-Transfer-Encoding: 8bit", "", html, "--b1--", ""]
    return "\r\n".join(head + parts).encode()


def _message(result) -> Message:
    return Message.objects.get(pk=InboundEmail.objects.get(pk=result.inbound_id)
                               .ticket_message_id)


def test_a_reply_keeps_its_new_text_and_its_quoted_history_apart(company, make_ticket):
    # given Alice's ticket, when she answers by e-mail from Gmail (text and HTML)
    ticket = make_ticket(company.agent_east, company.alice, subject="订单查询")
    raw = mail("alice@example.com", f"Re: 订单查询 [#{ticket.pk}]", REPLY_TEXT, REPLY_HTML,
               message_id="<reply-1@gmail.example>")
    result = ingest_raw(raw, source="imap")
    assert result.status == "appended"
    message = _message(result)
    # then the message is what she wrote now; the history is kept beside it
    assert message.body == "好的，已经收到了，谢谢！"
    assert message.quoted_text.startswith("鲜到家客服 <support@kefu.example> 于2026年4月5日")
    assert "请问订单号是多少" in message.quoted_text
    # and the HTML is sanitised and without the history too
    html = message.body_html
    assert "<b>收到</b>" in html and "请问订单号是多少" not in html
    for bad in ("<script", "kefu-xss", "onload", "onclick", "javascript:", "<style",
                'src="https://tracker.example', "gmail_quote"):
        assert bad not in html, bad
    assert 'href="https://tracker.example/pixel.gif"' in html  # the remote image is a link
    # nothing is lost: the raw message is stored whole
    assert b"kefu-xss" in bytes(InboundEmail.objects.get(pk=result.inbound_id).raw)


def test_the_first_mail_of_a_ticket_is_never_stripped(company):
    # given a new customer's mail that quotes something (a forwarded conversation, say)
    raw = mail("new@example.cn", "订单查询", REPLY_TEXT, REPLY_HTML, message_id="<first@x>")
    result = ingest_raw(raw, source="imap")
    ticket = Ticket.objects.get(pk=result.ticket_id)
    # then the ticket has it all, the HTML sanitised
    assert result.status == "created"
    assert "请问订单号是多少" in ticket.description and "谢谢" in ticket.description
    assert "请问订单号是多少" in ticket.description_html
    assert "<script" not in ticket.description_html and "onclick" not in ticket.description_html


def test_a_plain_text_reply_without_history_has_no_html_and_no_quote(company, make_ticket):
    ticket = make_ticket(company.agent_east, company.alice, subject="发票")
    result = ingest_raw(mail("alice@example.com", f"Re: [#{ticket.pk}]", "抬头是鲜到家科技。",
                             message_id="<plain@x>"), source="imap")
    message = _message(result)
    assert message.body == "抬头是鲜到家科技。"
    assert message.body_html is None and message.quoted_text is None


def test_a_reply_that_is_only_a_quote_is_kept_whole(company, make_ticket):
    ticket = make_ticket(company.agent_east, company.alice, subject="发票")
    text = "在 2026年4月5日，客服 写道：\n> 请问发票抬头？\n"
    result = ingest_raw(mail("alice@example.com", f"Re: [#{ticket.pk}]", text,
                             message_id="<only-quote@x>"), source="imap")
    message = _message(result)
    assert message.body == text.strip() and message.quoted_text is None


def test_html_too_large_to_show_is_left_out_with_a_note(company, make_ticket, monkeypatch):
    monkeypatch.setattr(filing, "MAX_HTML_CHARS", 20)
    ticket = make_ticket(company.agent_east, company.alice, subject="订单查询")
    result = ingest_raw(mail("alice@example.com", f"Re: [#{ticket.pk}]", REPLY_TEXT, REPLY_HTML,
                             message_id="<big@x>"), source="imap")
    message = _message(result)
    assert message.body_html is None and message.body == "好的，已经收到了，谢谢！"
    assert "only the text is shown" in result.reason


# --- the service ----------------------------------------------------------------------------

def test_the_service_stores_blank_values_as_null_and_refuses_too_much(company, make_ticket):
    ticket = make_ticket(company.agent_east, company.alice)
    message = ticket_customer_message(ticket=ticket, body="你好", channel="email", body_html="  ",
                                      quoted_text="")
    assert message.body_html is None and message.quoted_text is None
    with pytest.raises(ApplicationError) as error:
        ticket_customer_message(ticket=ticket, body="你好", channel="email",
                                quoted_text="x" * 100_001)
    assert error.value.code == "too_long"
    assert Message.objects.filter(ticket=ticket).count() == 1


# --- the API --------------------------------------------------------------------------------

def test_the_api_shows_the_html_and_the_quote_read_only(company, make_ticket, api_as):
    # given an e-mail reply and an internal note on Alice's ticket
    ticket = make_ticket(company.agent_east, company.alice, subject="订单查询")
    ingest_raw(mail("alice@example.com", f"Re: [#{ticket.pk}]", REPLY_TEXT, REPLY_HTML,
                    message_id="<api@x>"), source="imap")
    ticket.refresh_from_db()
    ticket_reply(ticket=ticket, actor=company.agent_east, body="内部：客户很着急", internal=True)
    # when staff list the messages, they see the HTML and the quoted history
    staff = api_as(company.agent_east).get(f"/api/v1/tickets/{ticket.pk}/messages").json()
    email, note = staff["items"]
    assert email["body"] == "好的，已经收到了，谢谢！" and "<b>收到</b>" in email["body_html"]
    assert "请问订单号是多少" in email["quoted_text"]
    assert note["body_html"] is None and note["quoted_text"] is None
    # the customer sees their own e-mail the same way, and still never the internal note
    mine = api_as(company.customer_user).get(f"/api/v1/tickets/{ticket.pk}/messages").json()
    assert [m["body"] for m in mine["items"]] == ["好的，已经收到了，谢谢！"]
    assert mine["items"][0]["quoted_text"] == email["quoted_text"]
    # and the fields cannot be written
    response = api_as(company.agent_east).post(f"/api/v1/tickets/{ticket.pk}/messages",
                                               {"body": "x", "body_html": "<b>x</b>"})
    assert response.status_code == 422
