"""Queueing e-mail to customers: who gets one, once per reply, threading headers, templates
in the customer's language."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext

from kefu.conversations.email.threading import find_token
from kefu.conversations.models import InboundEmail, Mailbox, OutboundEmail, ThreadRef
from kefu.conversations.outbound import (
    email_language,
    queue_acknowledgement,
    queue_notification,
    queue_reply_email,
    queue_survey_invitation,
    thread_headers,
)
from kefu.conversations.sending import build_message
from kefu.tickets import services


def _inbound(ticket, message_id, *, minutes_ago, mailbox=None, status="created",
             sender="alice@example.com"):
    received = timezone.now() - timedelta(minutes=minutes_ago)
    row = InboundEmail.objects.create(
        mailbox=mailbox, source="imap", raw=b"x", size=1, content_hash=message_id.ljust(64, "0")[:64],
        message_id=message_id, from_address=sender, subject=ticket.subject, status=status,
        ticket=ticket, received_at=received, processed_at=received)
    ThreadRef.objects.create(message_id=message_id, ticket=ticket, direction="in",
                             created_at=received)
    return row


@pytest.fixture
def mailbox(company):
    return Mailbox.objects.create(name="鲜到家客服", address="help@freshhome.example",
                                  team=company.east_team)


@pytest.fixture
def email_ticket(company, make_ticket, mailbox):
    ticket = make_ticket(company.agent_east, company.alice, subject="Re: 订单没有送到",
                         channel="email")
    _inbound(ticket, "<first.1@mail.example.net>", minutes_ago=30, mailbox=mailbox)
    return ticket


def _reply(company, ticket, body="您好，我们已为您补发。"):
    return services.ticket_reply(ticket=ticket, actor=company.agent_east, body=body)


def test_a_public_reply_on_an_email_ticket_is_queued_once_with_its_thread(company, email_ticket,
                                                                          mailbox):
    # given the customer wrote twice (the second is the latest)
    _inbound(email_ticket, "<second.2@mail.example.net>", minutes_ago=5, mailbox=mailbox,
             status="appended", sender="alice.home@example.org")
    # when an agent replies publicly
    message = _reply(company, email_ticket)
    row = queue_reply_email(message)
    # then one e-mail to the address the customer last wrote from, threaded to that message
    assert row is not None and row.kind == "reply" and row.state == "queued"
    assert row.to_address == "alice.home@example.org" and row.mailbox == mailbox
    assert re.fullmatch(rf"<kefu\.{email_ticket.pk}\.[0-9a-f]{{32}}@freshhome\.example>",
                        row.message_id)
    assert row.in_reply_to == "<second.2@mail.example.net>"
    assert row.references == "<first.1@mail.example.net> <second.2@mail.example.net>"
    # the subject carries the token the e-mail-in side reads back, without doubled prefixes
    assert row.subject == f"Re: 订单没有送到 [#{email_ticket.pk}]"
    assert find_token(row.subject) == email_ticket.pk
    # and its Message-ID is known, so the customer's answer threads to the ticket
    assert ThreadRef.objects.filter(message_id=row.message_id, ticket=email_ticket,
                                    direction="out").exists()
    # when it is queued again (a retried request, a second caller) / then the same row
    assert queue_reply_email(message) == row
    assert OutboundEmail.objects.filter(ticket_message=message).count() == 1


def test_references_chain_ours_and_theirs_in_order_ending_with_the_customer(company, email_ticket):
    # given our first reply went out, then the customer answered it
    first = queue_reply_email(_reply(company, email_ticket, "第一次回复"))
    _inbound(email_ticket, "<answer.3@mail.example.net>", minutes_ago=-1, status="appended")
    # when we reply again
    second = queue_reply_email(_reply(company, email_ticket, "第二次回复"))
    # then it answers the customer's latest message and lists the whole thread in order
    assert second.in_reply_to == "<answer.3@mail.example.net>"
    assert second.references.split() == ["<first.1@mail.example.net>", first.message_id,
                                         "<answer.3@mail.example.net>"]
    assert second.message_id != first.message_id


def test_a_long_thread_keeps_the_first_and_the_latest_references(company, email_ticket):
    for i in range(15):
        _inbound(email_ticket, f"<m{i}@mail.example.net>", minutes_ago=20 - i, status="appended")
    in_reply_to, references = thread_headers(email_ticket, list(
        InboundEmail.objects.filter(ticket=email_ticket).order_by("-received_at")))
    refs = references.split()
    assert len(refs) == 10 and refs[0] == "<first.1@mail.example.net>"
    assert refs[-1] == in_reply_to == "<m14@mail.example.net>"


def test_no_email_without_an_address_or_consent(company, make_ticket):
    alice = company.alice
    # given a phone ticket of a customer with an address but no consent to e-mail
    alice.consent_email = False
    alice.save()
    ticket = make_ticket(company.agent_east, alice, channel="phone")
    assert queue_reply_email(_reply(company, ticket)) is None
    # given consent but no address
    alice.consent_email, alice.email = True, ""
    alice.save()
    ticket.customer.refresh_from_db()
    assert queue_reply_email(_reply(company, ticket)) is None
    # given an e-mail ticket but no address anywhere (no inbound row, no customer address)
    email_ticket = make_ticket(company.agent_east, alice, channel="email")
    assert queue_reply_email(_reply(company, email_ticket)) is None
    assert not OutboundEmail.objects.exists()


def test_internal_notes_and_customer_messages_are_never_emailed(company, email_ticket):
    note = services.ticket_reply(ticket=email_ticket, actor=company.agent_east, body="内部备注",
                                 internal=True)
    own = services.ticket_reply(ticket=email_ticket, actor=company.customer_user, body="我补充一下")
    assert queue_reply_email(note) is None and queue_reply_email(own) is None
    assert not OutboundEmail.objects.exists()


def test_consent_and_an_address_get_replies_on_other_channels(company, make_ticket):
    # given a phone ticket of a customer who agreed to e-mail
    company.bob.consent_email = True
    company.bob.save()
    ticket = make_ticket(company.agent_west, company.bob, channel="phone")
    # when an agent replies / then it is e-mailed to the customer's address, no thread yet
    row = queue_reply_email(services.ticket_reply(ticket=ticket, actor=company.agent_west,
                                                  body="已经为您登记。"))
    assert row.to_address == "bob@example.com" and row.mailbox is None
    assert row.in_reply_to == "" and row.references == ""
    assert row.message_id.endswith("@localhost>")  # KEFU_MAIL_FROM's domain


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_templates_in_the_customers_language(company, email_ticket, language):
    # given a customer who reads ``language``
    company.alice.language = language
    company.alice.save()
    email_ticket.customer.refresh_from_db()
    # when a reply with markup in it is queued
    row = queue_reply_email(_reply(company, email_ticket, "请查收 <b>补发</b> 的订单。\n第二行"))
    # then text and HTML are rendered in that language, with the customer's name in it
    assert row.language == language
    name = "Alice" if language == "en" else "爱丽丝"
    with translation.override(language):
        greeting = gettext("Dear %(customer_name)s,") % {"customer_name": name}
        service = gettext("Your reference: %(token)s. Reply to this e-mail to add to your "
                          "request; please keep the reference in the subject.") % {
            "token": f"[#{email_ticket.pk}]"}
    assert greeting in row.body_text and greeting in row.body_html
    assert service in row.body_text
    assert "请查收 <b>补发</b> 的订单。" in row.body_text  # plain text: as written
    assert "&lt;b&gt;补发&lt;/b&gt;" in row.body_html and "<b>补发" not in row.body_html
    assert ('lang="zh-Hans"' if language == "zh-hans" else 'lang="en"') in row.body_html
    # and the message says which language it is in, with a text and an HTML part
    msg = build_message(row)
    assert msg["Content-Language"] == ("zh-Hans" if language == "zh-hans" else "en")
    assert [part.get_content_type() for part in msg.iter_parts()] == ["text/plain", "text/html"]
    assert msg["Auto-Submitted"] is None  # a person's reply


def test_customer_language_codes_map_to_a_template_language():
    assert [email_language(c) for c in ("zh-hans", "zh_Hans", "zh-CN", "en", "en-GB", "", None)] \
        == ["zh-hans", "zh-hans", "zh-hans", "en", "en", "zh-hans", "zh-hans"]


def test_the_acknowledgement_threads_to_the_first_message_once(company, email_ticket, mailbox):
    row = queue_acknowledgement(email_ticket)
    assert row.kind == "ack" and row.ticket_message is None
    assert row.to_address == "alice@example.com" and row.mailbox == mailbox
    assert row.in_reply_to == "<first.1@mail.example.net>"
    assert find_token(row.subject) == email_ticket.pk
    assert f"[#{email_ticket.pk}]" in row.body_text
    assert queue_acknowledgement(email_ticket) == row
    msg = build_message(row)
    # machine-made: autoresponders must not answer it
    assert msg["Auto-Submitted"] == "auto-replied" and msg["X-Auto-Response-Suppress"] == "All"
    assert msg["From"] == "鲜到家客服 <help@freshhome.example>"


def test_survey_invitation_and_notification_builders(company, email_ticket):
    survey = queue_survey_invitation(ticket=email_ticket, url="https://kefu.example/s/abc")
    assert survey.kind == "survey" and "https://kefu.example/s/abc" in survey.body_text
    assert 'href="https://kefu.example/s/abc"' in survey.body_html
    assert find_token(survey.subject) == email_ticket.pk
    assert queue_survey_invitation(ticket=email_ticket, url="https://x.example") == survey
    note = queue_notification(to_address="alice@example.com", subject="您的工单已解决",
                              body="如有问题请回复。", ticket=email_ticket)
    assert note.kind == "notification" and "如有问题请回复。" in note.body_text
    assert note.subject == f"您的工单已解决 [#{email_ticket.pk}]"
    assert build_message(note)["Auto-Submitted"] == "auto-generated"
    # without a ticket: no token, no thread
    plain = queue_notification(to_address="ops@example.com", subject="Daily digest", body="…",
                               language="en")
    assert plain.subject == "Daily digest" and plain.ticket is None
    assert re.fullmatch(r"<kefu\.[0-9a-f]{32}@localhost>", plain.message_id)


def test_survey_needs_consent_unless_the_ticket_came_by_email(company, make_ticket):
    ticket = make_ticket(company.agent_east, company.alice, channel="phone")
    assert queue_survey_invitation(ticket=ticket, url="https://kefu.example/s/1") is None
