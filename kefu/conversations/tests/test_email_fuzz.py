"""Fuzzing the parser: whatever bytes arrive, ``parse_message`` answers a ``ParsedEmail`` or
raises ``Unparseable`` — nothing else, ever (pure: no database)."""

import base64
import quopri
from html.parser import HTMLParser

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kefu.conversations.email.charsets import decode_bytes
from kefu.conversations.email.parse import (
    ParsedEmail,
    Unparseable,
    decode_header_value,
    parse_message,
)
from kefu.conversations.email.sanitise import html_to_text, sanitise_html

CHARSETS = ["utf-8", "gb2312", "gbk", "gb18030", "big5", "shift_jis", "iso-2022-jp", "euc-kr",
            "windows-1252", "windows-1251", "iso-8859-1", "us-ascii", "utf-7", "utf-16",
            "x-unknown", "", "hz-gb-2312", "unicode-1-1-utf-7", "binary", "ks_c_5601-1987",
            "\"utf-8\"", "utf8", "cp936", "x-mac-roman", "idna", "rot13", "base64", "zlib",
            "uu", "hex", "punycode", "unicode_escape", "raw_unicode_escape", "mbcs"]
CTES = ["7bit", "8bit", "base64", "quoted-printable", "binary", "x-uuencode", "bogus", ""]
TYPES = ["text/plain", "text/html", "image/png", "application/pdf", "message/rfc822",
         "application/octet-stream", "text/calendar", "multipart/mixed", "message/delivery-status",
         "bogus", "text/", "/", ""]
HEADER_NAMES = ["From", "To", "Cc", "Subject", "Date", "Message-ID", "In-Reply-To", "References",
                "Reply-To", "Sender", "Return-Path", "Auto-Submitted", "Precedence", "List-Id",
                "X-Loop", "Content-Type", "Content-Transfer-Encoding", "Content-Disposition",
                "MIME-Version", "X-Anything"]
TEXTS = st.text(alphabet=st.characters(exclude_categories=()), max_size=40)


def _encode(text: str, charset: str) -> bytes:
    try:
        return text.encode(charset or "utf-8")
    except (LookupError, UnicodeError, TypeError, ValueError):
        return text.encode("utf-8", "surrogatepass")


@st.composite
def header_values(draw) -> bytes:
    kind = draw(st.integers(0, 4))
    text = draw(TEXTS)
    charset = draw(st.sampled_from(CHARSETS))
    data = _encode(text, charset)
    if kind == 0:
        return f"=?{charset}?B?".encode() + base64.b64encode(data) + b"?="
    if kind == 1:
        return f"=?{charset}?Q?".encode() + quopri.encodestring(data, header=True) + b"?="
    if kind == 2:  # raw 8-bit
        return data.replace(b"\r", b"").replace(b"\n", b"")
    if kind == 3:
        return draw(st.sampled_from([b"<a@b>", b"a@b", b"<>", b"\"x\" <y@z.cn>", b"<<>>",
                                     b"=?utf-8?B?", b"=?=?", b"Mon, 99 Foo 2026", b";;;",
                                     b"multipart/mixed; boundary=", b"text/plain; charset=\""]))
    return draw(st.binary(max_size=30)).replace(b"\r", b"").replace(b"\n", b"")


@st.composite
def bodies(draw, depth: int = 0) -> bytes:
    ctype = draw(st.sampled_from(TYPES))
    charset = draw(st.sampled_from(CHARSETS))
    cte = draw(st.sampled_from(CTES))
    head = f"Content-Type: {ctype}; charset={charset}\r\n".encode()
    if cte:
        head += f"Content-Transfer-Encoding: {cte}\r\n".encode()
    if draw(st.booleans()):
        head += b"Content-Disposition: " + draw(st.sampled_from(
            [b"attachment", b"inline", b"attachment; filename*=utf-8''%E5%8F%91.pdf",
             b"inline; filename=\"=?gbk?B?1tA=?=\"", b"weird;;"])) + b"\r\n"
    if draw(st.booleans()):
        head += b"Content-ID: <" + draw(st.binary(max_size=8)).replace(b">", b"") + b">\r\n"
    if ctype.startswith("multipart/") and depth < 3:
        boundary = draw(st.sampled_from(["b1", "b2", "=_x", "", "a b"]))
        declared = boundary if draw(st.integers(0, 4)) else "other"
        head = f'Content-Type: {ctype}; boundary="{declared}"\r\n'.encode()
        parts = draw(st.lists(bodies(depth + 1), max_size=3))
        body = b"".join(f"--{boundary}\r\n".encode() + p + b"\r\n" for p in parts)
        if draw(st.booleans()):
            body += f"--{boundary}--\r\n".encode()
        return head + b"\r\n" + body
    text = _encode(draw(TEXTS), charset)
    if cte == "base64" and draw(st.booleans()):
        text = base64.encodebytes(text)
    elif cte == "quoted-printable" and draw(st.booleans()):
        text = quopri.encodestring(text)
    return head + b"\r\n" + text + draw(st.binary(max_size=20))


@st.composite
def messages(draw) -> bytes:
    headers = [(b"From", draw(header_values()))]
    for _ in range(draw(st.integers(0, 8))):
        headers.append((draw(st.sampled_from(HEADER_NAMES)).encode(), draw(header_values())))
    raw = b"".join(name + b": " + value + b"\r\n" for name, value in headers)
    if draw(st.booleans()):
        raw = raw.replace(b"\r\n", b"\n")
    return raw + draw(bodies())


def _check(parsed: ParsedEmail) -> None:
    assert isinstance(parsed.text, str) and "\x00" not in parsed.text
    assert isinstance(parsed.subject, str) and "\x00" not in parsed.subject
    assert isinstance(parsed.html_sanitised, str)
    assert "<script" not in parsed.html_sanitised.lower()
    assert parsed.auto in (None, "auto-reply", "bounce", "list", "loop-header")
    for attachment in parsed.attachments:
        assert isinstance(attachment.data, bytes) and isinstance(attachment.filename, str)
    for single_line in (parsed.message_id, parsed.in_reply_to, parsed.from_address,
                        parsed.subject, parsed.from_name, *parsed.references, *parsed.to):
        assert not any(ord(c) < 32 or ord(c) == 127 for c in single_line), single_line
        single_line.encode("utf-8")
    parsed.text.encode("utf-8")  # no lone surrogates: storable in any database
    parsed.subject.encode("utf-8")
    parsed.from_name.encode("utf-8")


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise_anything_but_unparseable(raw):
    try:
        parsed = parse_message(raw)
    except Unparseable as exc:
        assert exc.reason
        return
    _check(parsed)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.data_too_large])
@given(messages())
def test_generated_near_valid_messages_always_parse(raw):
    # a message with header fields is always read (problems are listed, not raised)
    parsed = parse_message(raw)
    _check(parsed)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300), st.sampled_from(CHARSETS))
def test_decode_bytes_never_raises(data, charset):
    text, problems = decode_bytes(data, charset)
    text.encode("utf-8")
    assert "\x00" not in text and isinstance(problems, list)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(exclude_categories=()), max_size=300))
def test_header_decoding_and_html_never_raise(value):
    decode_header_value(value).encode("utf-8")
    clean = sanitise_html(value)
    assert "<script" not in clean.lower()
    html_to_text(value)


HTML_BITS = st.sampled_from(["<script>", "</script>", "<img src=", "http://x/y.png", "cid:a",
                             "onerror=", "\"", "'", ">", "<", "<a href=", "javascript:",
                             "<svg>", "<style>", "&lt;", "<!--", "-->", "<![CDATA[", "<p>",
                             " ", "x", "<iframe", "data:text/html,", "<math>", "</"])


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


@settings(max_examples=300, deadline=None)
@given(st.lists(HTML_BITS, max_size=40))
def test_sanitised_html_never_loads_anything_or_runs_anything(bits):
    parser = _Tags()
    parser.feed(sanitise_html("".join(bits)))
    for tag, attrs in parser.tags:
        assert tag not in ("script", "style", "iframe", "svg", "math", "object", "embed")
        assert not any(name.startswith("on") for name in attrs)
        assert not any((value or "").strip().lower().startswith(("javascript:", "data:"))
                       for value in attrs.values())
        if tag == "img":
            assert (attrs.get("src") or "cid:").startswith("cid:")
