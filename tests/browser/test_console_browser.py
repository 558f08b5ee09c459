"""The agent console in a real browser: sign in, filter the inbox (htmx), work a ticket,
switch language, and the two ways in being refused (wrong password, other branch).

Runs against pytest-django's live server with Debian's chromium (see conftest.py).
Screenshots land in /tmp/kefu-shots/ for a human to look at.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

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
from kefu.tickets.models import Message, Ticket  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ZH_CATALOGUE = Path(__file__).resolve().parents[2] / "kefu/locale/zh_Hans/LC_MESSAGES/django.mo"


@pytest.fixture
def desk(company, make_ticket):
    """agent-east (English UI) has three tickets for 爱丽丝; agent-west one for 鲍勃."""
    user_set_language(user=company.agent_east, language="en")
    user_set_language(user=company.agent_west, language="en")
    return SimpleNamespace(
        company=company,
        complaint=make_ticket(
            company.agent_east,
            company.alice,
            type="complaint",
            subject="充电桩多收费 Overcharged at the charger",
        ),
        inquiry=make_ticket(
            company.agent_east,
            company.alice,
            type="inquiry",
            subject="发票怎么开 How do I get an invoice",
        ),
        request=make_ticket(
            company.agent_east,
            company.alice,
            type="request",
            subject="更改账单地址 Change the billing address",
        ),
        west=make_ticket(company.agent_west, company.bob, subject="西区工单 West ticket"),
    )


def sign_in(page, username, password=None):
    page.goto("/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password or f"pw-{username}-123")
    page.click("#login-submit")


def test_agent_filters_the_inbox_and_works_a_complaint(page, desk, screenshot):
    # given: agent-east signs in and lands on the inbox, in English
    sign_in(page, "agent-east")
    expect(page).to_have_url(re.compile(r"/inbox/$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("main h1")).to_have_text("Inbox")
    rows = page.locator("tr.ticket-row")
    expect(rows).to_have_count(3)  # bob's west-branch ticket is not in agent-east's scope
    expect(page.locator("#inbox-rows")).to_contain_text("爱丽丝")
    expect(page.locator("#inbox-rows")).to_contain_text("East desk")
    screenshot("inbox-en")

    # when: the agent filters by type "complaint"
    page.evaluate("window.__kefuSamePage = true")
    with page.expect_response(lambda r: "/inbox/?" in r.url) as swap:
        page.select_option("#filter-type", "complaint")

    # then: htmx swapped in only the rows, without reloading the page, and pushed the query
    assert swap.value.request.headers.get("hx-request") == "true"
    assert "<html" not in swap.value.text()
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-ticket", str(desk.complaint.pk))
    expect(page).to_have_url(re.compile(r"/inbox/\?.*\btype=complaint\b"))
    assert page.evaluate("window.__kefuSamePage") is True

    # when: the agent opens the complaint
    rows.first.locator("a").click()
    # then
    expect(page).to_have_url(re.compile(rf"/tickets/{desk.complaint.pk}/$"))
    expect(page.locator("#ticket-subject")).to_contain_text("Overcharged at the charger")

    # when: the agent sends a public reply
    reply = "您好，多收的 12 元已退回。 We have refunded the 12 yuan overcharge."
    page.fill("#reply-body", reply)
    page.click("#send-reply")
    # then: it shows in the timeline as a public reply, and is stored as one
    expect(page.locator(".messages")).to_contain_text("Reply sent.")
    public_item = page.locator("#timeline .item", has_text=reply)
    expect(public_item).to_have_count(1)
    expect(public_item).not_to_have_class(re.compile(r"\binternal\b"))
    expect(public_item).to_contain_text("Public reply")
    message = Message.objects.get(ticket=desk.complaint, body=reply)
    assert message.visibility == "public"
    assert message.author == desk.company.agent_east
    assert message.from_customer is False

    # when: the agent adds an internal note
    note = "内部备注：已通知东区维修。 Internal: east maintenance informed."
    page.fill("#reply-body", note)
    page.click("#add-note")
    # then
    expect(page.locator(".messages")).to_contain_text("Internal note added.")
    note_item = page.locator("#timeline .item.internal", has_text=note)
    expect(note_item).to_have_count(1)
    expect(note_item).to_contain_text("Internal note")
    assert Message.objects.get(ticket=desk.complaint, body=note).visibility == "internal"

    # when: the agent resolves the ticket
    page.select_option("#status-select", "resolved")
    page.fill("#status-form input[name=reason]", "refunded")
    page.click("#status-form button[type=submit]")
    # then
    expect(page.locator(".messages")).to_contain_text("Status changed.")
    expect(page.locator("#ticket-status")).to_have_text("Resolved")
    expect(page.locator("#timeline")).to_contain_text("refunded")
    assert Ticket.objects.get(pk=desk.complaint.pk).status == "resolved"
    screenshot("ticket-en")

    # when: the agent switches the console to Chinese
    page.click("#lang-zh")
    # then: the page is Chinese (team name from its Chinese field), and so is <html lang>
    expect(page.locator("#lang-en")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/tickets/{desk.complaint.pk}/$"))
    expect(page.locator("main")).to_contain_text("东区服务台")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    desk.company.agent_east.refresh_from_db()
    assert desk.company.agent_east.language == "zh-hans"
    screenshot("ticket-zh")

    # when: back to the inbox (the Chinese setting sticks)
    page.click("#nav-inbox")
    # then
    expect(page).to_have_url(re.compile(r"/inbox/$"))
    expect(rows).to_have_count(2)  # the resolved complaint has left the open-tickets view
    expect(page.locator(f"tr.ticket-row[data-ticket='{desk.complaint.pk}']")).to_have_count(0)
    expect(page.locator("#inbox-rows")).to_contain_text("爱丽丝")
    expect(page.locator("#inbox-rows")).to_contain_text("东区服务台")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    screenshot("inbox-zh")


@pytest.mark.skipif(
    not ZH_CATALOGUE.exists(),
    reason=f"zh_Hans catalogue not compiled yet ({ZH_CATALOGUE} missing; "
    "run `make setup` or python -m kefu.core.i18n_compile)",
)
def test_inbox_heading_follows_the_language_switch(page, desk):
    # given: agent-east, signed in with an English console
    sign_in(page, "agent-east")
    expect(page.locator("main h1")).to_have_text("Inbox")
    # when: they switch to Chinese
    page.click("#lang-zh")
    # then: the UI labels are translated
    expect(page.locator("main h1")).to_have_text("收件箱")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    # when / then: and back
    page.click("#lang-en")
    expect(page.locator("main h1")).to_have_text("Inbox")
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_wrong_password_shows_an_error(page, desk):
    # given: the sign-in page
    page.goto("/login/")
    # when: a wrong password is entered
    page.fill("input[name=username]", "agent-east")
    page.fill("input[name=password]", "not-the-password")
    with page.expect_response(
        lambda r: r.url.endswith("/login/") and r.request.method == "POST"
    ) as answer:
        page.click("#login-submit")
    # then: the form comes back with an error, and nobody is signed in
    assert answer.value.status == 401
    expect(page.get_by_role("alert")).to_have_text("User name or password is wrong.")
    expect(page).to_have_url(re.compile(r"/login/"))
    expect(page.locator("header.top")).to_have_count(0)
    page.goto("/inbox/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/inbox/"))


def test_agent_of_another_branch_gets_not_found(page, desk):
    # given: agent-west is signed in (their inbox holds only the west ticket)
    sign_in(page, "agent-west")
    expect(page.locator("tr.ticket-row")).to_have_count(1)
    expect(page.locator("tr.ticket-row")).to_have_attribute("data-ticket", str(desk.west.pk))
    # when: they open an east-branch ticket by its address
    response = page.goto(f"/tickets/{desk.complaint.pk}/")
    # then: the not-found page, which does not reveal the ticket
    assert response.status == 404
    expect(page.locator("main h1")).to_have_text("Not found")
    expect(page.locator("main")).not_to_contain_text("Overcharged")
    expect(page.locator("#reply-body")).to_have_count(0)
