"""Raw RFC 5322 bytes → ``ParsedEmail``: decoded headers, the best plain-text body, safe HTML,
attachments and whether the message is automatic. Pure: no database.

``parse_message`` raises ``Unparseable`` only for bytes that are not an e-mail at all (no
header fields); for everything else — unknown or lying charsets, broken MIME, bad base64,
missing headers — it returns what it could read and lists what was wrong in ``problems``.
It never raises anything else (a hypothesis test feeds it arbitrary bytes).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import email
import email.utils
import mimetypes
import quopri
import re
from collections import Counter
from dataclasses import dataclass, field
from email.message import Message
from email.policy import Compat32
from typing import NamedTuple

from .automatic import detect_automatic
from .charsets import decode_bytes, recover_header_bytes
from .headers import addresses, decode_header_value, msg_ids, parse_date, unfold
from .sanitise import html_to_text, sanitise_html

__all__ = ["MailAttachment", "ParsedEmail", "Unparseable", "decode_header_value",
           "parse_message"]

MAX_DEPTH = 20  # nested multiparts / forwarded messages
MAX_PARTS = 500
MAX_REFERENCES = 50
MAX_PROBLEMS = 30


class Unparseable(Exception):  # noqa: N818 (the name the design uses)
    """The bytes are not an e-mail message that anything can be read from."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class MailAttachment(NamedTuple):
    filename: str
    content_type: str
    data: bytes
    is_inline: bool
    content_id: str  # without the angle brackets; "" when none


@dataclass(frozen=True)
class ParsedEmail:
    message_id: str  # "<id@host>" or "" when the message has none
    in_reply_to: str  # the first Message-ID in In-Reply-To, or ""
    references: tuple[str, ...]  # oldest first
    subject: str  # decoded
    from_address: str  # lower-cased; "" when no sender address could be found
    from_name: str
    to: tuple[str, ...]  # To and Cc addresses, lower-cased
    date: dt.datetime | None  # time-zone aware
    text: str  # the best plain-text body
    html_sanitised: str  # safe HTML, or ""
    attachments: tuple[MailAttachment, ...]
    auto: str | None  # None, "auto-reply", "bounce", "list" or "loop-header"
    problems: tuple[str, ...]  # what was wrong but could be worked around
    auto_detail: str = ""  # the header or subject that made it automatic
    headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)  # decoded, in order

    def header(self, name: str) -> str:
        """The first header of that name (decoded), or ""."""
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), "")


class _RawPolicy(Compat32):
    """compat32 parsing, but headers come back exactly as received (8-bit bytes as surrogate
    escapes) so this module decodes them itself."""

    def header_fetch_parse(self, name, value):
        return value


_POLICY = _RawPolicy()
_KNOWN_HEADERS = {"from", "to", "cc", "subject", "date", "message-id", "received", "sender",
                  "reply-to", "return-path", "mime-version", "content-type", "in-reply-to",
                  "references", "delivered-to", "x-mailer", "user-agent", "dkim-signature",
                  "content-transfer-encoding", "x-original-to", "envelope-to", "bcc"}
_B64_CHARS = re.compile(rb"[^A-Za-z0-9+/=\s]")
_MBOX_FROM = re.compile(rb"^From [^\r\n]*\r?\n")


# --- bodies ------------------------------------------------------------------------------

class _Collected:
    def __init__(self) -> None:
        self.texts: list[str] = []
        self.htmls: list[str] = []
        self.attachments: list[MailAttachment] = []
        self.problems: list[str] = []
        self.parts = 0

    def note(self, problem: str) -> None:
        if len(self.problems) < MAX_PROBLEMS and problem not in self.problems:
            self.problems.append(problem)


def _param(part: Message, name: str, header: str = "content-type") -> str:
    try:
        value = part.get_param(name, None, header=header)
        if isinstance(value, tuple):  # RFC 2231: (charset, language, value)
            value = email.utils.collapse_rfc2231_value(value)
        return recover_header_bytes(str(value)) if value is not None else ""
    except Exception:
        return ""


def _content_type(part: Message) -> str:
    try:
        ctype = part.get_content_type() or "text/plain"
    except Exception:
        ctype = "text/plain"
    return ctype.lower()[:120]


def _raw_payload(part: Message) -> bytes:
    payload = part._payload  # the undecoded payload as parsed (stdlib API offers no other)
    if isinstance(payload, bytes):
        return payload
    if not isinstance(payload, str):
        return b""
    try:
        return payload.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return payload.encode("utf-8", "surrogatepass")


def _payload_bytes(part: Message, out: _Collected) -> bytes:
    raw = _raw_payload(part)
    cte = unfold(part.get("content-transfer-encoding", "")).strip().strip("\"'").lower()
    if cte == "base64":
        compact = re.sub(rb"\s+", b"", raw)
        stray = len(raw) - len(_B64_CHARS.sub(b"", raw))
        if compact and stray > len(compact) // 20:
            out.note("content declared base64 is not base64; kept as it is")
            return raw
        try:
            data = compact.rstrip(b"=")
            data = data[: len(data) - (len(data) % 4 == 1)]
            return base64.b64decode(re.sub(rb"[^A-Za-z0-9+/]", b"", data)
                                    + b"=" * (-len(data) % 4))
        except (binascii.Error, ValueError):
            out.note("broken base64 content")
            return raw
    if cte in ("quoted-printable", "quoted_printable", "qp"):
        try:
            return quopri.decodestring(raw)
        except (binascii.Error, ValueError):
            out.note("broken quoted-printable content")
            return raw
    if cte in ("x-uuencode", "uuencode", "x-uue", "uue"):
        try:
            data = part.get_payload(decode=True)
            return data if isinstance(data, bytes) else raw
        except Exception:
            out.note("broken uuencoded content")
            return raw
    if cte and cte not in ("7bit", "8bit", "binary", "7-bit", "8-bit"):
        out.note(f"unknown content-transfer-encoding {cte[:30]!r}")
    return raw


def _filename(part: Message) -> str:
    try:
        name = part.get_filename(None)
    except Exception:
        name = None
    if not name:
        name = _param(part, "name")
    if not name:
        return ""
    name = decode_header_value(recover_header_bytes(str(name)))
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip().strip(".")
    return name[:200]


def _disposition(part: Message) -> str:
    value = unfold(part.get("content-disposition", "")).split(";", 1)[0].strip().lower()
    return value


def _boundary_candidates(data: bytes) -> str | None:
    counts: Counter[bytes] = Counter()
    for match in re.finditer(rb"(?m)^--([^\s\r\n]{1,100}?)(--)?[ \t]*\r?$", data[:2_000_000]):
        counts[match.group(1)] += 1
    for token, count in counts.most_common(3):
        if count >= 2 or re.search(rb"(?m)^--" + re.escape(token) + rb"--", data):
            try:
                return token.decode("ascii")
            except UnicodeDecodeError:
                continue
    return None


def _walk(part: Message, depth: int, out: _Collected) -> None:
    out.parts += 1
    if out.parts > MAX_PARTS:
        out.note(f"more than {MAX_PARTS} MIME parts; the rest were skipped")
        return
    if depth > MAX_DEPTH:
        out.note("MIME structure nested too deeply; inner parts skipped")
        return
    for defect in getattr(part, "defects", ()) or ():
        out.note(f"MIME: {type(defect).__name__}")
    ctype = _content_type(part)
    disposition = _disposition(part)

    if ctype == "message/rfc822" or (ctype.startswith("message/") and part.is_multipart()):
        _forwarded(part, depth, out, disposition)
        return
    if part.is_multipart():
        children = [p for p in (part.get_payload() or []) if isinstance(p, Message)]
        if ctype == "multipart/alternative":
            _alternative(children, depth, out)
        else:
            for child in children:
                _walk(child, depth + 1, out)
        return
    if ctype.startswith("multipart/"):
        _salvage_multipart(part, depth, out)
        return

    data = _payload_bytes(part, out)
    filename = _filename(part)
    content_id = unfold(part.get("content-id", "")).strip().strip("<>").strip()[:200]
    is_attachment = disposition == "attachment" or (filename and disposition != "inline") or (
        filename and ctype not in ("text/plain", "text/html"))
    if ctype in ("text/plain", "text/html") and not is_attachment:
        text, problems = decode_bytes(data, _param(part, "charset") or None)
        for problem in problems:
            out.note(f"{ctype}: {problem}")
        if ctype == "text/plain":
            if _param(part, "format").lower() == "flowed":
                text = _unflow(text, _param(part, "delsp").lower() == "yes")
            out.texts.append(text)
        else:
            out.htmls.append(text)
        return
    if not data and not filename:
        return
    if not filename:
        extension = mimetypes.guess_extension(ctype, strict=False) or ".bin"
        filename = f"{'inline' if content_id else 'attachment'}-{len(out.attachments) + 1}" \
                   f"{extension}"
    is_inline = disposition == "inline" or (bool(content_id) and disposition != "attachment")
    out.attachments.append(MailAttachment(filename, ctype, data, is_inline, content_id))


def _unflow(text: str, delsp: bool) -> str:
    """RFC 3676 format=flowed: join soft line breaks (lines ending in a space)."""
    lines = text.split("\n")
    out: list[str] = []
    buffer = ""
    for line in lines:
        if line != "-- " and line.endswith(" ") and not line.startswith(">"):
            buffer += line[:-1] if delsp else line
            continue
        out.append(buffer + line)
        buffer = ""
    if buffer:
        out.append(buffer)
    return "\n".join(out)


def _alternative(children: list[Message], depth: int, out: _Collected) -> None:
    best_text = best_html = None
    for child in children:
        sub = _Collected()
        sub.parts = out.parts
        _walk(child, depth + 1, sub)
        out.parts = sub.parts
        if any(t.strip() for t in sub.texts):
            best_text = sub.texts
        if sub.htmls:
            best_html = sub.htmls
        out.attachments.extend(sub.attachments)
        for problem in sub.problems:
            out.note(problem)
    out.texts.extend(best_text or [])
    out.htmls.extend(best_html or [])


def _forwarded(part: Message, depth: int, out: _Collected, disposition: str) -> None:
    inner = part.get_payload(0) if part.is_multipart() else None
    if not isinstance(inner, Message):
        data = _payload_bytes(part, out)
        if not data.strip():
            return
        inner = email.message_from_bytes(data, policy=_POLICY)
    subject = decode_header_value(inner.get("subject", ""))
    if disposition == "attachment":
        try:
            data = inner.as_bytes(policy=_POLICY)
        except Exception:
            out.note("an attached message could not be serialised; skipped")
            return
        name = _filename(part) or (re.sub(r"[\\/:*?\"<>|\x00-\x1f]", "_", subject)[:80]
                                   or "message") + ".eml"
        out.attachments.append(MailAttachment(name, "message/rfc822", data, False, ""))
        return
    sub = _Collected()
    sub.parts = out.parts
    _walk(inner, depth + 1, sub)
    out.parts = sub.parts
    header = "\n".join(f"{label}: {decode_header_value(inner.get(name, ''))}"
                       for label, name in (("From", "from"), ("Date", "date"),
                                           ("Subject", "subject"), ("To", "to"))
                       if inner.get(name) is not None)
    body = "\n\n".join(t for t in sub.texts if t.strip()) or html_to_text("\n".join(sub.htmls))
    out.texts.append(f"---------- Forwarded message ----------\n{header}\n\n{body}".rstrip())
    out.attachments.extend(sub.attachments)
    for problem in sub.problems:
        out.note(problem)


def _salvage_multipart(part: Message, depth: int, out: _Collected) -> None:
    """A multipart without a usable boundary: look for the boundary its body really uses."""
    data = _raw_payload(part)
    token = _boundary_candidates(data)
    if token is not None and token != _param(part, "boundary"):
        out.note("multipart boundary missing or wrong; recovered from the body")
        rebuilt = email.message_from_bytes(
            f'Content-Type: {_content_type(part)}; boundary="{token}"\r\n\r\n'.encode()
            + data, policy=_POLICY)
        if rebuilt.is_multipart():
            _walk(rebuilt, depth + 1, out)
            return
    out.note("multipart without a usable boundary; its body read as text")
    text, problems = decode_bytes(data, None)
    for problem in problems:
        out.note(problem)
    out.texts.append(text)


# --- the entry point ---------------------------------------------------------------------

def parse_message(raw: bytes) -> ParsedEmail:
    """Parse raw message bytes. Raises ``Unparseable`` (and nothing else) when the bytes are
    not an e-mail at all."""
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise Unparseable("not bytes")
    raw = bytes(raw)
    try:
        return _parse(raw)
    except Unparseable:
        raise
    except RecursionError:
        raise Unparseable("MIME structure nested too deeply")
    except Exception as exc:  # a parser bug must quarantine the message, not crash a worker
        raise Unparseable(f"parser error: {type(exc).__name__}: {str(exc)[:200]}")


def _parse(raw: bytes) -> ParsedEmail:
    body = raw.lstrip(b"\xef\xbb\xbf").lstrip(b"\r\n\t ")
    if not body:
        raise Unparseable("empty message")
    body = _MBOX_FROM.sub(b"", body, count=1)  # an mbox "From " line before the headers
    msg = email.message_from_bytes(body, policy=_POLICY)
    names = {str(k).lower() for k in msg.keys()}
    if not names & _KNOWN_HEADERS:
        raise Unparseable("no e-mail header fields (not an RFC 5322 message)")

    problems: list[str] = []
    headers = tuple((str(k)[:100], decode_header_value(v)[:2000]) for k, v in msg.items()[:500])
    subject = decode_header_value(msg.get("subject", ""))
    if msg.get("subject") is None:
        problems.append("no Subject")
    from_name, from_address = "", ""
    for header in ("from", "sender", "reply-to", "return-path"):
        pairs = addresses(msg.get(header, "")) if msg.get(header) is not None else []
        if pairs:
            from_name, from_address = pairs[0]
            if header != "from":
                problems.append(f"no usable From; sender taken from {header.title()}")
            break
    if not from_address:
        problems.append("no sender address")
    message_ids = msg_ids(msg.get("message-id", ""))
    message_id = message_ids[0] if message_ids else ""
    if not message_id:
        problems.append("no Message-ID")
    in_reply_to = next(iter(msg_ids(msg.get("in-reply-to", ""))), "")
    references = tuple(msg_ids(msg.get("references", "")))[-MAX_REFERENCES:]
    to: list[str] = []
    for header in ("to", "cc"):
        for value in msg.get_all(header, []) or []:
            to.extend(a for _n, a in addresses(value) if a not in to)
    date = parse_date(msg.get("date", ""), problems)

    collected = _Collected()
    _walk(msg, 0, collected)
    html_raw = "\n".join(collected.htmls)
    text = "\n\n".join(t.strip("\n") for t in collected.texts if t.strip())
    if not text.strip() and html_raw.strip():
        text = html_to_text(html_raw)
    html = sanitise_html(html_raw) if html_raw.strip() else ""
    problems.extend(collected.problems)
    auto = detect_automatic(msg, subject, from_address)
    return ParsedEmail(
        message_id=message_id[:998], in_reply_to=in_reply_to[:998], references=references,
        subject=subject[:998], from_address=from_address[:320], from_name=from_name[:200],
        to=tuple(to[:100]), date=date, text=text.strip(), html_sanitised=html,
        attachments=tuple(collected.attachments), auto=auto[0] if auto else None,
        problems=tuple(problems[:MAX_PROBLEMS]), auto_detail=auto[1] if auto else "",
        headers=headers)
