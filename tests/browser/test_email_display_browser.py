"""A customer's HTML e-mail in a real browser: it shows formatted in its sandboxed frame,
nothing in it runs (even HTML that skipped sanitising), nothing loads from the network, and
the agent can switch to the plain text and unfold the quoted history.

Runs against pytest-django's live server with Debian's chromium (see conftest.py).
"""

from __future__ import annotations

import http.server
import threading

import pytest

from tests.browser.conftest import CHROMIUM

if not CHROMIUM.exists():
    pytest.skip(
        "browser tests need Debian's chromium at /usr/bin/chromium "
        "(apt-get install chromium fonts-wqy-microhei)",
        allow_module_level=True,
    )
pytest.importorskip("playwright.sync_api", reason="browser tests need the playwright package")

from playwright.sync_api import expect  # noqa: E402

from kefu.accounts.services import user_set_language  # noqa: E402
from kefu.conversations.email.ingest import ingest_raw  # noqa: E402
from kefu.tickets.models import Message  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = ("包装破损了，照片见附件。\n\nOn Sun, Apr 5, 2026 at 10:15 AM FreshHome <support@kefu.example>"
        " wrote:\n> 请描述一下问题。\n")
HTML = ('<div>包装<b>破损</b>了，照片见附件。'
        '<img src="https://tracker.example/pixel.gif" alt="logo"></div><br>'
        '<div class="gmail_quote">On Sun, Apr 5, 2026 at 10:15 AM FreshHome &lt;support@kefu.example'
        '&gt; wrote:<br><blockquote>请描述一下问题。</blockquote></div>')
#: What a sanitiser bug could let through: it must still never run.
UNSANITISED = ('<p id="raw">未经清理</p><script>document.body.dataset.ran = "1";'
               'parent.document.title = "pwned";</script>'
               '<img src="x" onerror="parent.document.title = \'pwned\'">'
               '<img src="{pixel}/unsanitised.gif">')


@pytest.fixture
def tracker():
    """A real web server on a loopback port standing in for a tracker: it counts what the
    browser fetched from it (Playwright's own view of a sandboxed frame's requests is not
    complete enough to prove that nothing left)."""
    hits: list[str] = []

    class Pixel(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the standard library's name
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/gif")
            self.end_headers()
            self.wfile.write(b"GIF89a")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Pixel)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", hits
    server.shutdown()
    server.server_close()


def _mail(subject: str) -> bytes:
    return "\r\n".join([
        "From: alice@example.com", "To: support@kefu.example", f"Subject: {subject}",
        "Date: Mon, 6 Apr 2026 09:15:00 +0800", "Message-ID: <browser-1@x>", "MIME-Version: 1.0",
        'Content-Type: multipart/alternative; boundary="b"', "", "--b",
        "Content-Type: text/plain; charset=utf-8", "", TEXT, "--b",
        "Content-Type: text/html; charset=utf-8", "", HTML, "--b--", ""]).encode()


def test_an_agent_reads_an_html_reply_safely(page, company, make_ticket, screenshot, tracker):
    # given Alice's ticket with her HTML reply, and a message whose HTML skipped sanitising
    user_set_language(user=company.agent_east, language="en")
    ticket = make_ticket(company.agent_east, company.alice, subject="包装破损 Damaged box")
    assert ingest_raw(_mail(f"Re: [#{ticket.pk}]"), source="imap").status == "appended"
    Message.objects.create(ticket=ticket, visibility="public", body="未经清理", from_customer=True,
                           channel="email", body_html=UNSANITISED.format(pixel=tracker[0]))
    # when agent-east opens the ticket
    page.goto("/login/")
    page.fill("input[name=username]", "agent-east")
    page.fill("input[name=password]", "pw-agent-east-123")
    page.click("#login-submit")
    page.goto(f"/tickets/{ticket.pk}/")
    # then the reply shows formatted, inside its frame
    frames = page.locator("iframe.email-html")
    expect(frames).to_have_count(2)
    reply = page.frame_locator("iframe.email-html").first
    expect(reply.locator("b")).to_have_text("破损")
    expect(reply.locator("a.kefu-remote-image")).to_have_count(1)
    # the unsanitised one shows as markup but nothing in it ran, and nothing was fetched
    raw = page.frame_locator("iframe.email-html").nth(1)
    expect(raw.locator("#raw")).to_have_text("未经清理")
    page.wait_for_timeout(300)
    assert raw.locator("body").get_attribute("data-ran") is None
    assert page.title() != "pwned" and tracker[1] == []
    screenshot("email-display-formatted")
    # the agent switches the reply to plain text and back
    item = page.locator(".timeline .item.customer").first
    item.get_by_role("button", name="Plain text").click()
    expect(item.locator(".body")).to_have_text("包装破损了，照片见附件。")
    expect(item.locator("iframe.email-html")).to_be_hidden()
    item.get_by_role("button", name="Formatted").click()
    expect(item.locator("iframe.email-html")).to_be_visible()
    # and unfolds the quoted history
    quoted = item.locator(".email-quoted .quoted")
    expect(quoted).to_be_hidden()
    item.get_by_text("Show quoted text").click()
    expect(quoted).to_contain_text("请描述一下问题。")
    screenshot("email-display-quoted")
