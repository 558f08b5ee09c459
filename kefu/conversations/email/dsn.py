"""Reading bounces: which e-mail of ours a delivery report is about, and what happened to it.

Most mail servers send RFC 3464 delivery status notifications (``multipart/report;
report-type=delivery-status``: Postfix, Exim, Exchange/Outlook, Gmail): a
``message/delivery-status`` part with the envelope id kefu gave the message
(``Original-Envelope-Id``, RFC 3461) and one block per recipient (``Action``, ``Status``,
``Diagnostic-Code``), and the returned message or its headers (``message/rfc822``,
``text/rfc822-headers``) with our Message-ID. Older servers and Chinese webmail (QQ, 163)
send plain text or HTML bounces instead; from those the status code, the reason and the
quoted Message-ID are read out of the text.

``read_report(raw)`` is pure and never raises: whatever the bytes, it answers a
``DeliveryReport`` or None.
"""

from __future__ import annotations

import email
import html
import re
from dataclasses import dataclass
from email.message import Message

from .charsets import decode_bytes
from .headers import addresses, decode_header_value, msg_ids, unfold
from .parse import _POLICY  # compat32, headers as received (decoded here, as in parse.py)

#: What a recipient's report means for our e-mail.
FAILED, DELAYED, DELIVERED = "failed", "delayed", "delivered"
MAX_PARTS = 100
MAX_DEPTH = 8
MAX_TEXT = 200_000  # characters of human-readable text read for a text bounce
MAX_RECIPIENTS = 100
MAX_DIAGNOSTIC = 1000

_STATUS = re.compile(r"(?<![\w.])([245])\.(\d{1,3})\.(\d{1,3})(?![\w.]*\d)")
#: In free text only a failure or delay code counts (2.x.x there is a version number).
_TEXT_STATUS = re.compile(r"(?<![\w.])([45])\.(\d{1,3})\.(\d{1,3})(?![\w.]*\d)")
#: "550 5.1.1", "550-5.7.1", "554 #5.0.0": an SMTP reply with its enhanced code.
_PAIRED = re.compile(r"(?<!\d)([45][0-5]\d)[ \-]#?([45])\.(\d{1,3})\.(\d{1,3})(?![\w.]*\d)")
#: An SMTP reply code in a quoted server answer: at the start of a line ("550 5.1.1 …",
#: "550-5.7.1 …") or after "said:", "error", "错误代码" and the like.
_REPLY_CODE = re.compile(
    r"(?:^[ \t>]*|(?:said|error|reply|response|code|错误代码|错误码|返回码|代码)\W{0,4})"
    r"([45][0-5]\d)(?=[ \-:]|$)", re.IGNORECASE | re.MULTILINE)
_DELAY_WORDS = re.compile(
    r"delayed|delay(?:ed)? (?:mail|notification)|still being retried|will (?:continue to |keep )?"
    r"(?:retry|try)|will be retried|not yet been delivered|has not been delivered yet|"
    r"temporar(?:y|ily) (?:failure|problem|unable)|延迟|延误|仍在重试|将继续尝试|暂时无法|稍后重试",
    re.IGNORECASE)
#: Words that say a text bounce is about a failure. A text bounce needs them or a status
#: code: a vacation reply sent with an empty Return-Path (so taken for a bounce) is none.
_FAILURE_WORDS = re.compile(
    r"could not be delivered|couldn't be delivered|undeliver|delivery (?:has )?failed|"
    r"failed to deliver|permanent (?:error|failure)|returned mail|returning message|"
    r"does not exist|no such user|user unknown|mailbox (?:is )?(?:full|unavailable|not found)|"
    r"退信|(?:未|没)能(?:成功)?(?:发送|送达|投递)|无法送达|投递失败|发送失败|不存在|配信不能|"
    r"無法傳遞",
    re.IGNORECASE)
_REASON_LINE = re.compile(
    r"^\s*(?:退信原因|失败原因|原因|reason|diagnostic[- ]code|remote server said)\s*[:：]\s*(.+)$",
    re.IGNORECASE | re.MULTILINE)
_QUOTED_MESSAGE_ID = re.compile(r"^[ \t>]*Message-ID[ \t]*:[ \t]*(<[^<>\s]{1,900}>)",
                                re.IGNORECASE | re.MULTILINE)
_XTEXT = re.compile(r"\+([0-9A-Fa-f]{2})")
_TAGS = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class RecipientReport:
    """One recipient of a delivery report."""

    recipient: str  # Final-Recipient (lower-case), or "" when the report does not say
    original_recipient: str  # Original-Recipient, or ""
    action: str  # as reported: failed, delayed, delivered, relayed, expanded, or ""
    status: str  # the enhanced status code ("5.1.1"), or ""
    diagnostic: str  # the remote server's answer (Diagnostic-Code), or a reason from the text
    remote_mta: str = ""

    @property
    def outcome(self) -> str:
        """FAILED (the server gave up: the e-mail will not arrive), DELAYED (still being
        tried), DELIVERED, or "" (the report does not say)."""
        return outcome_of(self.action, self.status)


@dataclass(frozen=True)
class DeliveryReport:
    recipients: tuple[RecipientReport, ...]
    #: the Original-Envelope-Id (RFC 3461) as sent, or ""
    envelope_id: str
    #: Message-IDs that may be the original's, best first: the returned message's or
    #: headers' own, ids quoted in the text, then the report's In-Reply-To and References
    message_ids: tuple[str, ...]
    reporting_mta: str
    #: True for an RFC 3464 report; False when it was read from a plain-text bounce
    structured: bool

    def recipient_for(self, address: str) -> RecipientReport | None:
        """The block about ``address`` (final or original recipient), else the first that
        failed, else the first."""
        address = (address or "").strip().lower()
        for report in self.recipients:
            if address and address in (report.recipient, report.original_recipient):
                return report
        return next((r for r in self.recipients if r.outcome == FAILED),
                    self.recipients[0] if self.recipients else None)


def outcome_of(action: str, status: str) -> str:
    """A report's meaning from its Action and Status (RFC 3464 §2.3.3, RFC 3463): "failed"
    is final whatever the status class (a server that gave up after 4.x.x errors); without
    an action, a 5.x.x status is a failure and a 4.x.x one a delay."""
    action = (action or "").strip().lower()
    if action == "failed":
        return FAILED
    if action == "delayed":
        return DELAYED
    if action in ("delivered", "relayed", "expanded"):
        return DELIVERED
    if status.startswith("5."):
        return FAILED
    if status.startswith("4."):
        return DELAYED
    if status.startswith("2."):
        return DELIVERED
    return ""


def status_code(text: str) -> str:
    """The first enhanced status code (RFC 3463: ``5.1.1``, ``5.1.10``) in ``text``, or ""."""
    match = _STATUS.search(text or "")
    return ".".join(match.groups()) if match else ""


def decode_xtext(value: str) -> str:
    """RFC 3461 xtext (``+2B`` for "+") as text."""
    return _XTEXT.sub(lambda m: chr(int(m.group(1), 16)), value)


# --- reading the message ----------------------------------------------------------------

class _Found:
    def __init__(self) -> None:
        self.status_blocks: list[list[tuple[str, str]]] = []
        self.message_ids: list[str] = []
        self.texts: list[str] = []
        self.text_size = 0
        self.parts = 0


def _ctype(part: Message) -> str:
    try:
        return (part.get_content_type() or "text/plain").lower()
    except Exception:  # a header the stdlib cannot read
        return "text/plain"


def _payload_text(part: Message) -> str:
    """A leaf part's content as text (transfer encoding undone, charset detected)."""
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if not isinstance(data, bytes):
        payload = part.get_payload()
        if isinstance(payload, bytes):
            data = payload
        elif isinstance(payload, str):
            data = payload.encode("utf-8", "surrogateescape")
        else:
            return ""
    try:
        charset = part.get_content_charset(None)
    except Exception:
        charset = None
    text, _problems = decode_bytes(data[:MAX_TEXT * 4], charset)
    return text


def _header_blocks(text: str) -> list[list[tuple[str, str]]]:
    """``Name: value`` blocks separated by blank lines, continuation lines unfolded."""
    blocks: list[list[tuple[str, str]]] = []
    current: list[tuple[str, str]] = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if not line.strip():
            if current:
                blocks.append(current)
                current = []
            continue
        if line[:1] in (" ", "\t") and current:
            name, value = current[-1]
            current[-1] = (name, f"{value} {line.strip()}")
            continue
        name, sep, value = line.partition(":")
        if sep and name.strip() and " " not in name.strip():
            current.append((name.strip().lower(), value.strip()))
    if current:
        blocks.append(current)
    return blocks[:MAX_RECIPIENTS + 1]


def _status_blocks(part: Message) -> list[list[tuple[str, str]]]:
    payload = part.get_payload()
    if isinstance(payload, list):  # the stdlib parsed each block as a header section
        blocks = []
        for block in payload[:MAX_RECIPIENTS + 1]:
            if isinstance(block, Message):
                blocks.append([(str(k).strip().lower(), unfold(v).strip())
                               for k, v in block.items()[:100]])
        return [b for b in blocks if b]
    return _header_blocks(_payload_text(part))


def _headers_message_ids(text: str) -> list[str]:
    for block in _header_blocks(text)[:1]:
        for name, value in block:
            if name == "message-id":
                return msg_ids(value)[:1]
    return []


def _walk(part: Message, depth: int, found: _Found) -> None:
    found.parts += 1
    if found.parts > MAX_PARTS or depth > MAX_DEPTH:
        return
    ctype = _ctype(part)
    if ctype in ("message/delivery-status", "message/global-delivery-status"):
        found.status_blocks.extend(_status_blocks(part))
        return
    if ctype in ("message/rfc822", "message/global"):
        payload = part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else None
        if isinstance(inner, Message):
            found.message_ids.extend(msg_ids(inner.get("message-id", ""))[:1])
        elif isinstance(payload, str | bytes):  # not parsed (encoded): read its headers
            found.message_ids.extend(_headers_message_ids(_payload_text(part)))
        return
    if ctype in ("text/rfc822-headers", "message/global-headers"):
        found.message_ids.extend(_headers_message_ids(_payload_text(part)))
        return
    if part.is_multipart():
        payload = part.get_payload()
        for child in payload if isinstance(payload, list) else ():
            if isinstance(child, Message):
                _walk(child, depth + 1, found)
        return
    if ctype in ("text/plain", "text/html") and found.text_size < MAX_TEXT:
        text = _payload_text(part)
        if ctype == "text/html":
            text = html.unescape(_TAGS.sub(" ", text))
        text = text[: MAX_TEXT - found.text_size]
        found.text_size += len(text)
        found.texts.append(text)


def _value(block: list[tuple[str, str]], name: str) -> str:
    return next((value for key, value in block if key == name), "")


def _address(value: str) -> str:
    """``rfc822; bob@example.com`` → ``bob@example.com``."""
    kind, sep, rest = value.partition(";")
    value = rest if sep else kind
    value = decode_xtext(value.strip()).strip().strip("<>").strip()
    found = addresses(value)
    return found[0][1] if found else value.lower()[:320]


def _diagnostic(value: str) -> str:
    kind, sep, rest = value.partition(";")
    text = rest if sep and len(kind) < 20 and " " not in kind.strip() else value
    return " ".join(decode_header_value(text).split())[:MAX_DIAGNOSTIC]


def _structured(found: _Found) -> tuple[list[RecipientReport], str, str]:
    recipients: list[RecipientReport] = []
    envelope_id = reporting_mta = ""
    for block in found.status_blocks:
        envelope_id = envelope_id or decode_xtext(_value(block, "original-envelope-id")).strip()
        reporting_mta = reporting_mta or _diagnostic(_value(block, "reporting-mta"))[:255]
        if not any(key in ("final-recipient", "original-recipient", "action", "status")
                   for key, _v in block):
            continue
        diagnostic = _diagnostic(_value(block, "diagnostic-code"))
        status = status_code(_value(block, "status")) or status_code(diagnostic)
        recipients.append(RecipientReport(
            recipient=_address(_value(block, "final-recipient")),
            original_recipient=_address(_value(block, "original-recipient")),
            action=_value(block, "action").split("(")[0].strip().lower()[:20],
            status=status, diagnostic=diagnostic,
            remote_mta=_diagnostic(_value(block, "remote-mta"))[:255]))
    return recipients[:MAX_RECIPIENTS], envelope_id[:200], reporting_mta


def _from_text(msg: Message, texts: list[str], subject: str) -> list[RecipientReport]:
    """A plain-text bounce (old Exim, qmail, QQ/163 webmail): the code and reason found in
    its words, the failed recipients from ``X-Failed-Recipients``."""
    text = "\n".join(texts)
    anchor = _PAIRED.search(text)
    if anchor is not None:
        status = ".".join(anchor.groups()[1:])
    else:
        anchor = _TEXT_STATUS.search(text)
        status = ".".join(anchor.groups()) if anchor else ""
    if anchor is None:
        anchor = _REPLY_CODE.search(text)
        status = f"{anchor.group(1)[0]}.0.0" if anchor else ""
    reason = ""
    if anchor is not None:  # the line with the server's answer
        start = text.rfind("\n", 0, anchor.start()) + 1
        end = text.find("\n", anchor.end())
        reason = text[start: end if end >= 0 else len(text)]
    reason_match = _REASON_LINE.search(text)
    if reason_match and (not reason.strip() or anchor is None):
        reason = reason_match.group(1)
    reason = " ".join(reason.split())[:MAX_DIAGNOSTIC]
    delayed = not status.startswith("5.") and bool(
        _DELAY_WORDS.search(subject) or _DELAY_WORDS.search(text[:5000]))
    action = DELAYED if delayed else FAILED
    failed = []
    for value in msg.get_all("x-failed-recipients", []) or []:
        failed.extend(address for _name, address in addresses(str(value)))
    if not failed:
        failed = [""]
    return [RecipientReport(recipient=address, original_recipient="", action=action,
                            status=status, diagnostic=reason)
            for address in failed[:MAX_RECIPIENTS]]


def read_message(msg: Message) -> DeliveryReport | None:
    """The delivery report in a parsed message, or None when it carries none."""
    found = _Found()
    _walk(msg, 0, found)
    recipients, envelope_id, reporting_mta = _structured(found)
    structured = bool(recipients) or bool(envelope_id)
    text = "\n".join(found.texts)
    ids = list(found.message_ids)
    for block in found.status_blocks:  # Gmail names the original in the report too
        ids += msg_ids(_value(block, "x-original-message-id"))[:1]
    ids += [f"<{m}>" for m in (m.strip("<>") for m in _QUOTED_MESSAGE_ID.findall(text))]
    ids += msg_ids(str(msg.get("in-reply-to", "") or ""))
    ids += list(reversed(msg_ids(str(msg.get("references", "") or ""))))
    own = set(msg_ids(str(msg.get("message-id", "") or "")))
    seen: set[str] = set()
    ids = [i for i in ids if i not in own and not (i in seen or seen.add(i))][:20]
    if not structured:
        subject = decode_header_value(msg.get("subject", "") or "")
        recipients = _from_text(msg, found.texts, subject)
        head = text[:20_000]
        if not (_TEXT_STATUS.search(head) or _FAILURE_WORDS.search(subject)
                or _FAILURE_WORDS.search(head) or _DELAY_WORDS.search(subject)):
            return None  # no status code, no words of failure or delay: nothing to go on
        if not ids and not any(r.status for r in recipients):
            return None
    return DeliveryReport(recipients=tuple(recipients), envelope_id=envelope_id,
                          message_ids=tuple(ids), reporting_mta=reporting_mta,
                          structured=structured)


def read_report(raw: bytes) -> DeliveryReport | None:
    """The delivery report in raw message bytes, or None. Never raises."""
    try:
        msg = email.message_from_bytes(bytes(raw), policy=_POLICY)
    except Exception:  # the stdlib parser on hostile bytes
        return None
    try:
        return read_message(msg)
    except RecursionError:
        return None
