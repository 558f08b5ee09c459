"""Header fields as text: unfolding, RFC 2047 encoded-words in any charset (joined across
words before decoding), raw 8-bit headers, Message-IDs, addresses and dates. Pure."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import email.utils
import quopri
import re

from .charsets import clean_text, decode_bytes, recover_header_bytes

_ENCODED_WORD = re.compile(r"=\?([^?\s]{1,75})\?([bBqQ])\?([^?\s]*)\?=")
_BETWEEN_WORDS = re.compile(r"(\?=)[ \t\r\n]+(?==\?)")
_FOLD = re.compile(r"\r?\n(?=[ \t])|\r(?=[ \t])")
_MSG_ID = re.compile(r"<([^<>\s]{1,900})>")
_ADDRESS = re.compile(r"[^\s<>()\[\]\\,;:\"@]+@[^\s<>()\[\]\\,;:\"@]+\.[^\s<>()\[\]\\,;:\"@]+"
                      r"|[^\s<>()\[\]\\,;:\"@]+@[^\s<>()\[\]\\,;:\"@]+")
_VALID_ADDRESS = re.compile(r"^[^\s<>()\[\]\\,;:\"@]{1,64}@[^\s<>()\[\]\\,;:\"@]{1,255}$")


def unfold(value) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        value = str(value)
    return _FOLD.sub("", value).replace("\r", " ").replace("\n", " ")


def _b_decode(text: str) -> bytes:
    data = re.sub(r"[^A-Za-z0-9+/]", "", text)
    data = data[: len(data) - (len(data) % 4 == 1)]  # a lone trailing sextet carries nothing
    return base64.b64decode(data + "=" * (-len(data) % 4))


def _q_decode(text: str) -> bytes:
    raw = text.replace("_", " ").encode("ascii", "surrogateescape")
    return quopri.decodestring(raw, header=False)


def decode_header_value(value) -> str:
    """A header value as text: unfolded, raw 8-bit bytes decoded (UTF-8, else detected), RFC
    2047 encoded-words decoded with their charset (adjacent words of one charset are joined
    before decoding, because clients split multi-byte characters across words)."""
    text = recover_header_bytes(unfold(value))
    if "=?" not in text:
        return _header_text(text)
    text = _BETWEEN_WORDS.sub(r"\1", text)
    out: list[str] = []
    pos = 0
    pending: list[bytes] = []
    pending_charset = ""

    def flush() -> None:
        nonlocal pending, pending_charset
        if pending:
            decoded, _problems = decode_bytes(b"".join(pending), pending_charset)
            out.append(decoded)
        pending, pending_charset = [], ""

    for match in _ENCODED_WORD.finditer(text):
        if match.start() > pos:
            flush()
            out.append(text[pos:match.start()])
        charset = match.group(1).split("*", 1)[0]  # RFC 2231 language: utf-8*zh
        try:
            data = _b_decode(match.group(3)) if match.group(2) in "bB" else _q_decode(
                match.group(3))
        except (binascii.Error, ValueError, UnicodeError):
            flush()
            out.append(match.group(0))
            pos = match.end()
            continue
        if pending and charset.lower() != pending_charset.lower():
            flush()
        pending_charset = charset
        pending.append(data)
        pos = match.end()
    flush()
    out.append(text[pos:])
    return _header_text("".join(out))


def _header_text(text: str) -> str:
    return clean_text(text).replace("\n", " ").replace("\t", " ").strip()


_LINE_UNSAFE = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")


def one_line(value: str) -> str:
    """A single-line field safe for any text column: no controls, no lone surrogates."""
    return _LINE_UNSAFE.sub("", value)


def msg_ids(value: str) -> list[str]:
    value = one_line(recover_header_bytes(unfold(value)))
    ids = [f"<{m}>" for m in _MSG_ID.findall(value)]
    if not ids:
        bare = value.strip().split()
        if len(bare) == 1 and "@" in bare[0] and len(bare[0]) < 900:
            ids = [f"<{bare[0].strip('<>')}>"]
    return [i for i in ids if len(i) > 2]


def addresses(value: str) -> list[tuple[str, str]]:
    """(name, address) pairs; addresses lower-cased; names decoded."""
    raw = recover_header_bytes(unfold(value))
    pairs: list[tuple[str, str]] = []
    try:
        parsed = email.utils.getaddresses([raw])
    except Exception:  # the stdlib's address parser has had many edge-case bugs
        parsed = []
    for name, address in parsed:
        address = address.strip().strip("<>").strip()
        address = one_line(address)
        if _VALID_ADDRESS.match(address):
            pairs.append((decode_header_value(name), address.lower()))
    if not pairs:  # broken syntax, or an encoded-word around the whole thing
        decoded = decode_header_value(raw)
        for match in _ADDRESS.finditer(decoded):
            address = one_line(match.group(0).strip(".'"))
            if _VALID_ADDRESS.match(address):
                name = decoded[: match.start()].strip().strip("<\"' ").strip()
                pairs.append((name if len(pairs) == 0 else "", address.lower()))
    return pairs


def parse_date(value: str, problems: list[str]) -> dt.datetime | None:
    value = unfold(value).strip()
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        parsed = None
    if parsed is None or not (1970 <= parsed.year <= 2200):
        problems.append(f"unreadable Date {value[:60]!r}")
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed
