"""The customer portal and the agent's contact log in a real browser: sign up, confirm by
the one-time link from the e-mail kefu queued, file a request with an attachment, answer it;
an agent logs a call by typing a phone number (htmx look-up) and opens a ticket."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from tests.browser.conftest import CHROMIUM

if not CHROMIUM.exists():
    pytest.skip("browser tests need Debian's chromium at /usr/bin/chromium",
                allow_module_level=True)
pytest.importorskip("playwright.sync_api", reason="browser tests need the playwright package")

from playwright.sync_api import expect  # noqa: E402

from kefu.accounts.services import user_set_language  # noqa: E402
from kefu.conversations.models import OutboundEmail  # noqa: E402
from kefu.customers.models import CustomerEvent  # noqa: E402
from kefu.tickets.models import Attachment, Ticket  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desk(company):
    user_set_language(user=company.agent_east, language="en")
    company.alice.phone = "13800138000"
    company.alice.save(update_fields=["phone"])
    return SimpleNamespace(company=company)


def test_a_customer_signs_up_by_link_files_a_request_and_answers(page, desk, tmp_path, screenshot):
    # given a visitor who signs up on the portal (in Chinese)
    page.goto("/portal/signup/")
    page.fill("input[name=name]", "周小姐")
    page.fill("input[name=email]", "zhou@example.com")
    page.fill("input[name=password]", "冬日暖阳-2026-xyz")
    page.select_option("select[name=language]", "zh-hans")
    with page.expect_navigation():
        page.click("#signup-submit")
    # when they open the one-time link kefu e-mailed them and press the button
    mail = OutboundEmail.objects.get(to_address="zhou@example.com")
    link = re.search(r"/portal/link/[^\s/]+/", mail.body_text).group(0)
    page.goto(link)
    with page.expect_navigation():
        page.click("#link-use")
    # then they are signed in and file a request with a photo of the damaged box
    page.goto("/portal/tickets/new/")
    page.fill("input[name=subject]", "箱子压坏了")
    page.fill("textarea[name=description]", "今天送到的箱子压坏了，鸡蛋碎了三个。")
    photo = tmp_path / "box.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    page.set_input_files("input[type=file]", str(photo))
    with page.expect_navigation():
        page.click("#new-submit")
    expect(page.locator("#ticket-subject")).to_contain_text("箱子压坏了")
    ticket = Ticket.objects.get(subject="箱子压坏了")
    assert ticket.channel == "portal" and ticket.customer.email == "zhou@example.com"
    assert Attachment.objects.filter(ticket=ticket, filename="box.png").exists()
    # and they answer on the same page
    page.fill("#reply-form textarea", "补充：订单号 A1024")
    with page.expect_navigation():
        page.click("#send-reply")
    expect(page.locator("#timeline")).to_contain_text("订单号 A1024")
    screenshot("portal-ticket-zh")


def test_an_agent_logs_a_call_by_phone_number_and_opens_a_ticket(page, desk, screenshot):
    page.goto("/login/")
    page.fill("input[name=username]", "agent-east")
    page.fill("input[name=password]", "pw-agent-east-123")
    page.click("#login-submit")
    page.click("#nav-contact")
    # typing the number with spaces finds Alice (htmx look-up as you type)
    page.locator("input[name=phone]").press_sequentially("138 0013 8000", delay=20)
    expect(page.locator("body")).to_contain_text("爱丽丝")
    page.fill("textarea[name=notes]", "Asked when the refund arrives")
    page.check("input[name=open_ticket]")
    with page.expect_navigation():
        page.locator("form button[type=submit]").last.click()
    event = CustomerEvent.objects.get(customer=desk.company.alice, kind="call")
    assert event.data["ticket"] and event.actor == desk.company.agent_east
    ticket = Ticket.objects.get(pk=event.data["ticket"])
    assert ticket.channel == "phone" and ticket.owner == desk.company.agent_east
    screenshot("contact-log-en")
