"""Bounces: an e-mail sent through a real SMTP server (aiosmtpd on a loopback port, offering
DSN) carries a signed envelope id; the delivery report that comes back — Postfix, Exchange,
Gmail, Exim, QQ and 163 style — marks that e-mail bounced, records it on the ticket and
alerts its owner, while the report itself files no ticket."""

import pytest
from django.test import RequestFactory

from kefu.api.app import api  # noqa: F401 - the API's routes are registered
from kefu.conversations import views
from kefu.conversations.email.ingest import ingest_raw
from kefu.conversations.models import InboundEmail, OutboundEmail
from kefu.conversations.outbound import queue_reply_email
from kefu.conversations.sending import (
    envelope_id,
    envelope_id_outbound,
    outbound_requeue,
    send_outbound,
)
from kefu.conversations.tests.servers import start_smtp_sink
from kefu.conversations.tests.test_email_dsn import bounce
from kefu.customers.models import Customer
from kefu.tickets import services
from kefu.tickets.models import Ticket, TicketEvent
from kefu.workflow.models import Alert

pytestmark = pytest.mark.django_db(transaction=True)

FAILED_SAMPLES = ["postfix-failed.eml", "exchange.eml", "gmail.eml", "exim-text.eml", "qq.eml",
                  "163-text.eml"]


@pytest.fixture
def dsn_sink(settings):
    pytest.importorskip("aiosmtpd", reason="aiosmtpd is not installed: SMTP not tested")
    sink, controller = start_smtp_sink(dsn=True)
    settings.SMTP_URL = sink.url
    try:
        yield sink
    finally:
        controller.stop()


@pytest.fixture
def sent(company, make_ticket, dsn_sink):
    """A reply to Bob (consent given) on a phone ticket owned by agent-west, sent."""
    company.bob.consent_email = True
    company.bob.save()
    ticket = make_ticket(company.agent_west, company.bob, subject="冰箱不制冷", channel="phone")
    message = services.ticket_reply(ticket=ticket, actor=company.agent_west, body="师傅明天上门。")
    row = queue_reply_email(message)
    assert send_outbound(row.pk) == "sent"
    row.refresh_from_db()
    return row


def report_for(row, name, **changes) -> bytes:
    fields = {"to": row.to_address, "message_id": row.message_id, "envid": envelope_id(row.pk)}
    fields.update(changes)
    return bounce(name, **fields)


def test_the_envelope_id_goes_to_a_server_that_offers_dsn(sent, dsn_sink):
    # then the server got MAIL FROM … ENVID=<signed id> RET=HDRS
    assert dsn_sink.dsn_params == [{"ENVID": envelope_id(sent.pk), "RET": "HDRS"}]
    assert envelope_id_outbound(envelope_id(sent.pk)) == sent.pk
    assert envelope_id_outbound(envelope_id(sent.pk).upper()) == sent.pk  # case may change
    assert envelope_id_outbound(f"kefu-{sent.pk + 1}-{envelope_id(sent.pk)[-16:]}") is None
    assert envelope_id_outbound("") is None and envelope_id_outbound("kefu-1-xyz") is None


def test_a_server_without_dsn_gets_no_envelope_id(company, make_ticket, smtp_sink, settings):
    settings.SMTP_URL = smtp_sink.url
    row = queue_reply_email(services.ticket_reply(
        ticket=make_ticket(company.agent_east, company.alice, channel="email"),
        actor=company.agent_east, body="收到。"))
    assert send_outbound(row.pk) == "sent" and len(smtp_sink.messages) == 1


@pytest.mark.parametrize("name", FAILED_SAMPLES)
def test_a_bounce_marks_the_email_bounced_and_tells_the_owner(company, sent, name):
    customers, tickets = Customer.objects.count(), Ticket.objects.count()
    # when the bounce arrives (by any way mail comes in)
    result = ingest_raw(report_for(sent, name), source="smtp")
    # then the bounce itself is ignored — no ticket, no customer — and says what it matched
    assert result.status == "ignored" and result.ticket_id is None
    assert f"bounce of outbound e-mail #{sent.pk} to bob@example.com (ticket #{sent.ticket_id})" \
        in result.reason and "marked bounced" in result.reason, result.reason
    assert (Customer.objects.count(), Ticket.objects.count()) == (customers, tickets)
    # and the e-mail is bounced, with the server's status and words
    row = OutboundEmail.objects.get(pk=sent.pk)
    assert (row.state, row.dsn_action) == ("bounced", "failed")
    assert row.dsn_status.startswith("5.") and row.dsn_diagnostic and row.dsn_at is not None
    # and the ticket's timeline records it, and its owner has an alert
    event = TicketEvent.objects.get(ticket_id=sent.ticket_id, kind="email_bounced")
    assert event.data["email"] == sent.pk and event.data["status"] == row.dsn_status
    assert event.data["inbound"] == result.inbound_id and event.actor is None
    alert = Alert.objects.get(user=company.agent_west, ticket_id=sent.ticket_id)
    assert alert.kind == "email_bounce" and "bob@example.com" in alert.text
    assert row.dsn_status in alert.text


def test_a_delay_is_only_noted_and_a_later_failure_wins(company, sent):
    # when a delay report arrives
    result = ingest_raw(report_for(sent, "postfix-delayed.eml"), source="smtp")
    assert result.status == "ignored" and "delay report for outbound e-mail" in result.reason
    row = OutboundEmail.objects.get(pk=sent.pk)
    # then the e-mail is still sent, with a note; nobody is alerted, the timeline is quiet
    assert (row.state, row.dsn_action, row.dsn_status) == ("sent", "delayed", "4.4.1")
    assert "Connection timed out" in row.dsn_diagnostic
    assert not TicketEvent.objects.filter(kind="email_bounced").exists()
    assert not Alert.objects.exists()
    # when the server gives up / then it bounced
    ingest_raw(report_for(sent, "postfix-failed.eml"), source="smtp")
    row.refresh_from_db()
    assert (row.state, row.dsn_action, row.dsn_status) == ("bounced", "failed", "5.1.1")
    # and a late delay report changes nothing; a second failure report is not counted twice
    late = report_for(sent, "postfix-delayed.eml").replace(b"4.4.1", b"4.4.2").replace(
        b"<20260406051509.", b"<20260407051509.")  # another report (its own Message-ID)
    assert "a failure was reported already" in ingest_raw(late, source="smtp").reason
    assert "already marked bounced" in ingest_raw(report_for(sent, "exchange.eml"),
                                                  source="smtp").reason
    row.refresh_from_db()
    assert (row.state, row.dsn_status) == ("bounced", "5.1.1")
    assert TicketEvent.objects.filter(kind="email_bounced").count() == 1
    assert Alert.objects.count() == 1


def test_the_envelope_id_finds_the_email_when_the_message_id_is_lost(sent):
    raw = report_for(sent, "postfix-failed.eml", message_id="<rewritten-by-a-relay@x>")
    result = ingest_raw(raw, source="smtp")
    assert f"outbound e-mail #{sent.pk}" in result.reason
    assert OutboundEmail.objects.get(pk=sent.pk).state == "bounced"


def test_a_forged_or_unknown_report_changes_nothing(sent):
    forged = f"kefu-{sent.pk}-0000000000000000"
    raw = report_for(sent, "postfix-failed.eml", message_id="<someone-else@x>", envid=forged)
    result = ingest_raw(raw, source="smtp")
    assert result.status == "ignored" and "matches no e-mail kefu sent" in result.reason
    assert OutboundEmail.objects.get(pk=sent.pk).state == "sent"
    assert not Alert.objects.exists()


def test_the_api_and_the_panel_show_the_bounce_and_an_admin_can_send_again(company, sent,
                                                                           api_as):
    ingest_raw(report_for(sent, "gmail.eml"), source="smtp")
    # the API
    item = api_as(company.agent_west).get(
        f"/api/v1/tickets/{sent.ticket_id}/emails").json()["items"][0]
    assert item["state"] == "bounced" and item["can_requeue"] is False
    report = item["delivery_report"]
    assert (report["action"], report["status"], report["recipient"]) == (
        "failed", "5.1.1", "bob@example.com")
    assert "does not exist" in report["diagnostic"] and report["reported_at"]
    # the ticket page's panel
    request = RequestFactory().get("/")
    request.user = company.agent_west
    from django.template.loader import render_to_string

    template, context = views.panel(request, Ticket.objects.get(pk=sent.ticket_id))
    html = render_to_string(template, {"panel": context}, request=request)
    assert 'data-state="bounced"' in html and "5.1.1" in html and "does not exist" in html
    # the timeline's sentence
    from kefu.console.templatetags.kefu import event_text

    event = TicketEvent.objects.get(kind="email_bounced")
    assert "bob@example.com" in event_text(event) and "5.1.1" in event_text(event)
    # an admin sends it again (the customer freed their mailbox): the old report is cleared
    row = outbound_requeue(outbound=sent, actor=company.admin)
    assert (row.state, row.dsn_action, row.dsn_status, row.dsn_at) == ("queued", "", "", None)
    assert api_as(company.admin).get(
        f"/api/v1/tickets/{sent.ticket_id}/emails").json()["items"][0]["delivery_report"] is None


def test_a_bounce_for_mail_we_never_sent_is_still_ignored(company):
    raw = bounce("exchange.eml", message_id="<not-ours@example.org>")
    result = ingest_raw(raw, source="file")
    assert result.status == "ignored" and result.reason.startswith("bounce: ")
    assert "matches no e-mail kefu sent" in result.reason
    assert InboundEmail.objects.get(pk=result.inbound_id).status == "ignored"


def test_a_failure_while_applying_the_report_never_stops_the_bounce(sent, monkeypatch):
    from kefu.conversations import bounces

    def broken(report):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(bounces, "outbound_for_report", broken)
    result = ingest_raw(report_for(sent, "postfix-failed.eml"), source="smtp")
    assert result.status == "ignored" and "could not be applied" in result.reason
    assert OutboundEmail.objects.get(pk=sent.pk).state == "sent"
