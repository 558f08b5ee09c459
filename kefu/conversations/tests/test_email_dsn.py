"""Reading bounces (pure, no database): RFC 3464 reports from Postfix, Exchange/Outlook and
Gmail, the plain-text bounces of Exim and of Chinese webmail (QQ, 163), and whatever bytes
arrive — ``read_report`` answers a report or None, never raises."""

from email.message import EmailMessage
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kefu.conversations.email.dsn import (
    DELAYED,
    DELIVERED,
    FAILED,
    DeliveryReport,
    decode_xtext,
    outcome_of,
    read_report,
    status_code,
)

BOUNCES = Path(__file__).parent / "corpus" / "bounces"
TO = "zhang.san@example.net"
MESSAGE_ID = "<kefu.42.0123abcd@kefu.example>"
ENVID = "kefu-7-0123456789abcdef"


def bounce(name: str, *, to: str = TO, message_id: str = MESSAGE_ID, envid: str = ENVID) -> bytes:
    """A sample of ``corpus/bounces`` with the placeholders filled in."""
    raw = (BOUNCES / name).read_bytes()
    return (raw.replace(b"{{TO}}", to.encode()).replace(b"{{MESSAGE_ID}}", message_id.encode())
            .replace(b"{{ENVID}}", envid.encode()))


# name: (structured, envelope id, outcome, status, words of the diagnostic, recipient)
EXPECTED = {
    "postfix-failed.eml": (True, ENVID, FAILED, "5.1.1",
                           "Recipient address rejected: User unknown in virtual mailbox table",
                           TO),
    "postfix-delayed.eml": (True, ENVID, DELAYED, "4.4.1",
                            "connect to mx.example.net[203.0.113.25]:25: Connection timed out",
                            TO),
    "exchange.eml": (True, "", FAILED, "5.1.10", "RESOLVER.ADR.RecipientNotFound", TO),
    "gmail.eml": (True, "", FAILED, "5.1.1",
                  "The email account that you tried to reach does not exist", TO),
    "exim-text.eml": (False, "", FAILED, "5.2.1",
                      "550 5.2.1 The email account that you tried to reach is disabled.", TO),
    "qq.eml": (False, "", FAILED, "5.0.0", "错误代码：550 Mailbox not found.", ""),
    "163-text.eml": (False, "", FAILED, "5.0.0", f"错误代码：550 User not found: {TO}", ""),
}


def test_every_sample_is_covered():
    assert sorted(p.name for p in BOUNCES.glob("*.eml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_kind_of_bounce_names_our_message_and_what_happened(name):
    structured, envid, outcome, status, words, recipient = EXPECTED[name]
    # when the bounce is read
    report = read_report(bounce(name))
    # then it points at our message (first: the returned one, or the id quoted in the text)
    assert isinstance(report, DeliveryReport)
    assert report.message_ids[0] == MESSAGE_ID
    assert (report.structured, report.envelope_id) == (structured, envid)
    # and says what became of it for our recipient
    found = report.recipient_for(TO)
    assert (found.outcome, found.status, found.recipient) == (outcome, status, recipient)
    assert words in found.diagnostic
    assert "\n" not in found.diagnostic


def test_the_bounces_own_message_id_is_never_taken_for_ours():
    report = read_report(bounce("gmail.eml"))
    assert "<6611a2b3.050a0220.1c2d3.abcdGMR@mx.google.com>" not in report.message_ids
    assert report.message_ids == (MESSAGE_ID,)  # returned, X-Original-Message-ID, headers: one


def test_in_reply_to_and_references_are_used_when_nothing_comes_back():
    msg = EmailMessage()
    msg["From"] = "MAILER-DAEMON@mx.example"
    msg["Subject"] = "Undeliverable"
    msg["In-Reply-To"] = "<kefu.9.aa@kefu.example>"
    msg["References"] = "<first@x> <kefu.9.aa@kefu.example>"
    msg.set_content("Your message could not be delivered.\n\n550 5.1.1 user unknown")
    report = read_report(bytes(msg))
    assert report.message_ids == ("<kefu.9.aa@kefu.example>", "<first@x>")
    assert report.recipient_for("").outcome == FAILED


def test_a_text_bounce_with_neither_code_nor_message_id_is_no_report():
    msg = EmailMessage()
    msg["From"] = "MAILER-DAEMON@mx.example"
    msg["Subject"] = "Returned mail"
    msg.set_content("Something went wrong.")
    assert read_report(bytes(msg)) is None
    assert read_report(b"") is None
    assert read_report(b"\xff\xfe not an e-mail") is None


def test_a_text_without_a_code_needs_words_of_failure():
    # a vacation reply sent with an empty Return-Path (so taken for a bounce) is no report
    msg = EmailMessage()
    msg["From"] = "zhang.san@example.net"
    msg["Subject"] = "Re: refund [#42]"
    msg["In-Reply-To"] = MESSAGE_ID
    msg.set_content("I am on leave until Monday, 6 April.\n500 yuan refunds: call Li Si.")
    assert read_report(bytes(msg)) is None
    # a bounce in words only is one
    msg.replace_header("Subject", "Returned mail: see transcript for details")
    msg.set_content("The message could not be delivered to the recipient.")
    report = read_report(bytes(msg))
    assert report.message_ids == (MESSAGE_ID,) and report.recipients[0].outcome == FAILED
    assert report.recipients[0].status == ""


def test_a_text_delay_warning_is_a_delay():
    msg = EmailMessage()
    msg["From"] = "Mail Delivery System <Mailer-Daemon@mx.example>"
    msg["Subject"] = "Warning: message 1wABCd-000123-4x delayed 24 hours"
    msg.set_content("This message was created automatically by mail delivery software.\n"
                    "A message that you sent has not yet been delivered to one or more of its\n"
                    "recipients after more than 24 hours on the queue.\n"
                    "    451 4.7.1 Greylisted, try again later\n\n"
                    f"Message-ID: {MESSAGE_ID}\n")
    report = read_report(bytes(msg))
    assert report.recipients[0].outcome == DELAYED and report.recipients[0].status == "4.7.1"


def test_a_recipient_is_chosen_by_address_then_failure():
    raw = bounce("postfix-failed.eml").replace(
        b"Final-Recipient: rfc822; " + TO.encode(),
        b"Final-Recipient: rfc822; other@example.org\nAction: delivered\nStatus: 2.0.0\n\n"
        b"Final-Recipient: rfc822; " + TO.encode())
    report = read_report(raw)
    assert [r.outcome for r in report.recipients] == [DELIVERED, FAILED]
    assert report.recipient_for(TO.upper()).recipient == TO
    assert report.recipient_for("nobody@else").recipient == TO  # the one that failed


def test_outcome_rules():
    assert outcome_of("failed", "4.4.7") == FAILED  # the server gave up after retrying
    assert outcome_of("Failed", "") == FAILED
    assert outcome_of("delayed", "4.4.1") == DELAYED
    assert outcome_of("", "5.7.1") == FAILED
    assert outcome_of("", "4.2.2") == DELAYED
    assert outcome_of("relayed", "2.0.0") == DELIVERED
    assert outcome_of("", "") == ""


def test_status_codes_and_xtext():
    assert status_code("smtp; 550 5.1.10 RESOLVER") == "5.1.10"
    assert status_code("5.0.0 (permanent failure)") == "5.0.0"
    assert status_code("host 5.1.1.4 refused") == ""  # an IP address is no status
    assert status_code("Exim v4.1.2") == ""
    assert decode_xtext("kefu+2B1-ab") == "kefu+1-ab"


# --- whatever arrives ---------------------------------------------------------------------

PIECES = st.sampled_from([
    b"Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n",
    b"Content-Type: message/delivery-status\r\n", b"Content-Type: text/rfc822-headers\r\n",
    b"Content-Type: message/rfc822\r\n", b"Content-Type: message/global-delivery-status\r\n",
    b"Content-Transfer-Encoding: base64\r\n", b"Content-Type: text/html; charset=gb18030\r\n",
    b"--b\r\n", b"--b--\r\n", b"\r\n", b"Final-Recipient: rfc822; x@y\r\n",
    b"Final-Recipient: ;;;\r\n", b"Action: failed\r\n", b"Action: (\r\n",
    b"Status: 5.1.1\r\n", b"Status: 9.9.9.9.9\r\n", b"Diagnostic-Code: smtp; 550 5.1.1 x\r\n",
    b"Diagnostic-Code: =?utf-8?b?5a6i?=\r\n", b"Original-Envelope-Id: kefu-1-+ZZ\r\n",
    b"Message-ID: <a@b>\r\n", b"In-Reply-To: <<<>>>\r\n", b"References: <x@y> <\r\n",
    b"X-Failed-Recipients: ,,,@\r\n", b" folded continuation\r\n", b"550-5.7.1 blocked\r\n",
    b"\xe9\x80\x80\xe4\xbf\xa1\xe5\x8e\x9f\xe5\x9b\xa0\xef\xbc\x9a\r\n", b"\xff\xfe\x00",
    b"From: MAILER-DAEMON@x\r\n", b"=?gb2312?B?zcvQxQ==?=\r\n", b"<html><b>&amp;&#0;</b>",
])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(PIECES | st.binary(max_size=40), max_size=40))
def test_read_report_never_raises(pieces):
    result = read_report(b"".join(pieces))
    assert result is None or isinstance(result, DeliveryReport)
    if result is not None:
        for recipient in result.recipients:
            assert recipient.outcome in (FAILED, DELAYED, DELIVERED, "")
            assert len(recipient.diagnostic) <= 1000


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(sorted(EXPECTED)), st.integers(min_value=0), st.binary(max_size=20))
def test_a_damaged_sample_never_raises(name, at, junk):
    raw = bounce(name)
    at %= len(raw)
    result = read_report(raw[:at] + junk + raw[at + len(junk):])
    assert result is None or isinstance(result, DeliveryReport)
