"""The quoted history in an e-mail reply: split what the customer wrote now from the earlier
conversation their mail client copied below (or above) it. Pure: no database.

``split_reply(text)`` finds the **first** quote marker and decides from what surrounds it:

* markers: an attribution line (``On … wrote:``, ``在 2026年3月2日 … 写道：``, ``… 于 … 写道：``,
  ``Am … schrieb …:``), a separator (``-----Original Message-----``, ``-----原始邮件-----``,
  QQ/Foxmail's ``------------------ 原始邮件 ------------------``, NetEase's ``---- 回复的原邮件
  ----``), a header block (``From:/发件人:`` followed by ``Sent:/发送时间:``, ``To:/收件人:``,
  ``Subject:/主题:`` … — Outlook, Foxmail, QQ), the signature delimiter ``-- `` and lines
  quoted with ``>``;
* **top-posting** (new text, then the history): everything from the marker down is the
  history — for ``>`` quoting only when nothing but quoted lines follows;
* **bottom-posting** (the history first, then the new text below it): a single quoted block
  at the very top followed by new text is the history (``quoted_first``);
* anything else — inline answers between quoted lines, new text both above and below a
  quote, a forwarded message (``---------- Forwarded message ----------``) — is kept whole.

It is conservative: text above the first marker is never removed, a message that would be
left empty (only a quote) is kept whole, and the history is kept as ``quoted`` so nothing
is lost. ``split_reply_html`` does the same with the (already sanitised) HTML of a message,
where ``<blockquote>`` is the quoting; ``split_email`` combines the two.
"""

from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass

from .sanitise import clean_sanitised

__all__ = ["EmailParts", "HtmlSplit", "Split", "split_email", "split_reply", "split_reply_html"]

MAX_LINES = 20_000  # a text longer than this is kept whole
MAX_SIGNATURE_LINES = 10  # a "-- " with more text below it is not a signature

_SPACES = re.compile(r"[\s\u00a0\u3000]+")
_DASHES = r"[-_=—–─*~]"
_SEPARATOR = re.compile(
    rf"^{_DASHES}*\s*{_DASHES}{{2,}}\s*(?:original\s+message|original|replied\s+message|"
    r"reply\s+message|message\s+d'origine|ursprüngliche\s+nachricht|原始邮件|原始郵件|原始信息|"
    r"原始消息|邮件原件|郵件原件|原邮件|原郵件|回复的原邮件|回覆的原郵件)\s*"
    rf"{_DASHES}{{2,}}\s*{_DASHES}*$", re.IGNORECASE)
_FORWARD = re.compile(r"forwarded\s+message|begin\s+forwarded|转发|轉發|转寄|轉寄|"
                      r"weitergeleitete|message\s+transféré", re.IGNORECASE)
_RULE = re.compile(rf"^{_DASHES}{{5,}}$")
_HEADER = re.compile(
    r"^\**\s*(from|sent|date|to|cc|subject|发件人|發件人|寄件者|寄件人|发送时间|發送時間|"
    r"时间|時間|日期|寄件日期|收件人|收件者|抄送|副本|主题|主題|主旨|von|gesendet|an|betreff|"
    r"de|envoyé|à|objet)\s*\**\s*[:：]", re.IGNORECASE)
_HEADER_KIND = {"from": "from", "发件人": "from", "發件人": "from", "寄件者": "from",
                "寄件人": "from", "von": "from", "de": "from",
                "sent": "date", "date": "date", "发送时间": "date", "發送時間": "date",
                "时间": "date", "時間": "date", "日期": "date", "寄件日期": "date",
                "gesendet": "date", "envoyé": "date",
                "to": "to", "收件人": "to", "收件者": "to", "an": "to", "à": "to",
                "cc": "cc", "抄送": "cc", "副本": "cc",
                "subject": "subject", "主题": "subject", "主題": "subject", "主旨": "subject",
                "betreff": "subject", "objet": "subject"}
#: Attributions: "On <date>, X <x@y> wrote:", "在 2026年3月2日 10:00，X <x@y> 写道：",
#: "X <x@y> 于2026年3月2日周一 10:00写道：", "Am … schrieb X:", "Le … a écrit :"…
_ATTRIBUTION = re.compile(
    r"^(?:on\s.{3,300}\swrote|am\s.{3,300}\sschrieb.{0,100}|le\s.{3,300}\sa\sécrit|"
    r"el\s.{3,300}\sescribió|.{0,300}(?:写道|寫道|書きました|님이\s*작성))\s*[:：]?$",
    re.IGNORECASE)
_ATTRIBUTION_ENDS = ("wrote", "写道", "寫道", "書きました", "작성", "a écrit", "escribió")
#: A year, a time or an address: what tells a client's attribution from a sentence.
_ATTRIBUTION_DETAIL = re.compile(r"@|\d{1,2}:\d{2}|\d{4}")
#: An address or a time: a client's attribution even when no quoted line follows (the
#: text made from HTML has no ">" marks).
_ADDRESS_OR_TIME = re.compile(r"@|\d{1,2}:\d{2}")
#: How an attribution that a client may wrap over lines starts.
_OPENER = re.compile(r"^(?:on|am|le|el|在)\s", re.IGNORECASE)
#: "Zhang San wrote:", "2026-03-02 10:00 GMT+08:00 张三 <a@b.com>:" — only right above
#: quoted lines.
_WEAK_ATTRIBUTION = re.compile(r"^.{1,300}(?:\swrote|写道|寫道|@[^\s>]{1,200}>)\s*[:：]$",
                               re.IGNORECASE)


@dataclass(frozen=True)
class Split:
    text: str  # what is new; the whole (stripped) text when nothing was recognised
    quoted: str  # the quoted history (with a signature below the new text); "" when none
    quoted_first: bool = False  # bottom-posting: the history came above the new text
    marker: str = ""  # "attribution", "separator", "headers", "signature", "quote" or ""


@dataclass(frozen=True)
class _Cut:
    line: int  # the index of the first line of the history (bottom-posting: of the new text)
    quoted_first: bool
    marker: str


def _clean(line: str) -> str:
    return _SPACES.sub(" ", line).strip()


def _is_quote(line: str) -> bool:
    return line.lstrip(" \t\u00a0\u3000").startswith((">", "＞"))


def _signature(line: str) -> bool:
    return line.rstrip("\r\n") == "-- "  # RFC 3676; a bare "--" is too often just a rule


def _strong_attribution(joined: str) -> bool:
    core = joined.rstrip(" :：")
    lower = core.lower()
    if not (lower.endswith(_ATTRIBUTION_ENDS) or (lower.startswith("am ")
                                                  and " schrieb " in lower)):
        return False  # the cheap test first: the expression is tried on few lines
    return bool(_ATTRIBUTION.match(joined)) and bool(_ATTRIBUTION_DETAIL.search(joined))


def _attribution(raw: list[str], clean: list[str], i: int, quote_follows) -> int:
    """How many lines the attribution starting at ``i`` takes (0: none). Gmail wraps a long
    one over two or three lines. One without a date or an address, or one that is only
    "X wrote:", counts only right above quoted lines."""
    wraps = bool(_OPENER.match(clean[i])) or clean[i].count("<") > clean[i].count(">")
    for extra in range(3 if wraps else 1):
        end = i + extra + 1
        if end > len(clean) or not clean[end - 1] or _is_quote(raw[end - 1]):
            break
        joined = " ".join(clean[i:end])
        if len(joined) > 400:
            break
        if not joined.endswith((":", "：", "wrote", "写道", "寫道", "ました")):
            continue
        strong = _strong_attribution(joined)
        if (strong and (quote_follows(end) or _ADDRESS_OR_TIME.search(joined))) or (
                (strong or _WEAK_ATTRIBUTION.match(joined)) and quote_follows(end)):
            return extra + 1
    return 0


def _header_block(clean: list[str], i: int) -> bool:
    """``From:`` followed by at least two other header lines (Outlook, Foxmail, QQ)."""
    match = _HEADER.match(clean[i])
    if not match or _HEADER_KIND[match.group(1).lower()] != "from":
        return False
    kinds: set[str] = set()
    blanks = 0
    for line in clean[i + 1:i + 12]:
        if not line:
            blanks += 1
            if blanks > 1:
                break
            continue
        match = _HEADER.match(line)
        if not match:
            break
        kinds.add(_HEADER_KIND[match.group(1).lower()])
    return len(kinds - {"from"}) >= 2


def _decide(raw: list[str]) -> _Cut | None:
    """Where the history starts (or, bottom-posted, ends) in these lines; None: keep whole."""
    if len(raw) > MAX_LINES:
        return None
    clean = [_clean(line) for line in raw]
    quote = [_is_quote(line) for line in raw]
    n = len(clean)

    def next_content(i: int) -> int:
        while i < n and not clean[i]:
            i += 1
        return i

    def quote_follows(i: int) -> bool:
        i = next_content(i)
        return i < n and quote[i]

    def only_quotes_from(i: int) -> bool:
        return all(quote[j] or not clean[j] for j in range(i, n))

    def history_from(i: int, marker: str, size: int) -> bool:
        """Is everything from line ``i`` (a marker of ``size`` lines) the history?"""
        if marker in ("separator", "headers"):
            return True
        if marker == "quote":
            return only_quotes_from(i)
        if marker == "attribution":
            start = next_content(i + size)
            return start >= n or not quote[start] or only_quotes_from(start)
        # a signature: a few lines, then the end or the history
        j, lines = i + 1, 0
        while j < n:
            if quote[j]:
                return only_quotes_from(j)
            found = marker_at(j)
            if found is not None and found[0] != "signature":
                return history_from(j, *found)
            if clean[j]:
                lines += 1
                if lines > MAX_SIGNATURE_LINES:
                    return False
            j += 1
        return True

    def marker_at(i: int) -> tuple[str, int] | None:
        line = clean[i]
        if not line:
            return None
        if quote[i]:
            return "quote", 1
        if _SEPARATOR.match(line):
            return "separator", 1
        if _RULE.match(line) and next_content(i + 1) < n and _header_block(
                clean, next_content(i + 1)):
            return "headers", 1
        if _header_block(clean, i):
            return "headers", 1
        size = _attribution(raw, clean, i, quote_follows)
        if size:
            return "attribution", size
        if _signature(raw[i]):
            return "signature", 1
        return None

    first_content = next_content(0)
    for i in range(first_content, n):
        if clean[i] and len(clean[i]) <= 100 and _FORWARD.search(clean[i]) and (
                clean[i][0] in "-=_—–" or clean[i][-1] in ":："):
            return None  # a forwarded message: its headers and text are the customer's point
        found = marker_at(i)
        if found is None:
            continue
        marker, size = found
        if i > first_content:  # new text above the marker: top-posting
            return _Cut(i, False, marker) if history_from(i, marker, size) else None
        # the message starts with the marker: bottom-posting, or only a quote
        if marker not in ("quote", "attribution"):
            return None
        start = i if marker == "quote" else next_content(i + size)
        if start >= n or not quote[start]:
            return None
        end = start
        while end < n and (quote[end] or not clean[end]):
            end += 1
        if end >= n or any(quote[j] for j in range(end, n)):
            return None  # only a quote, or answers between quoted lines: keep it whole
        return _Cut(end, True, marker)
    return None


def split_reply(text: str) -> Split:
    """The new text and the quoted history of a reply's plain text. Never raises; the new
    text is never empty when ``text`` has any."""
    text = text or ""
    whole = Split(text.strip(), "")
    if not whole.text:
        return whole
    lines = text.splitlines(keepends=True)
    cut = _decide(lines)
    if cut is None:
        return whole
    offset = sum(len(line) for line in lines[:cut.line])
    before, after = text[:offset].strip(), text[offset:].strip()
    new, quoted = (after, before) if cut.quoted_first else (before, after)
    if not new or not quoted:
        return whole
    return Split(new, quoted, cut.quoted_first, cut.marker)


# --- HTML --------------------------------------------------------------------------------

_BLOCK = {"p", "div", "br", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5",
          "h6", "blockquote", "pre", "hr", "section", "article", "header", "footer", "dl", "dt",
          "dd", "address", "center", "figure", "figcaption", "tbody", "thead", "caption"}


#: A token of serialised, sanitised HTML (what nh3 writes: attribute values in double quotes,
#: "<" in text escaped, no comments): a start or end tag, a run of text, or a stray "<".
_TOKEN = re.compile(r'<(/?)([a-zA-Z][a-zA-Z0-9]*)(?:\s+[^\s=>/"]+(?:="[^"]*")?)*\s*/?>'
                    r"|[^<]+|<")
_TAGS_TEXT = re.compile(r"<[^>]*>")


def _html_lines(html: str) -> list[tuple[str, int]]:
    """The visible lines of sanitised HTML, each with the offset in the HTML where the
    elements leading to it start; lines inside ``<blockquote>`` are prefixed with ``> ``."""
    lines: list[tuple[str, int]] = []
    text: list[str] = []
    start: int | None = None
    depth = line_depth = 0

    def line_break() -> None:
        nonlocal text, start
        if text:
            lines.append(("> " * line_depth + "".join(text).replace("\n", " "), start or 0))
            text, start = [], None

    for token in _TOKEN.finditer(html):
        closing, tag = token.group(1), (token.group(2) or "").lower()
        if not tag:  # text
            data = htmllib.unescape(token.group())
            if data.strip():
                if not text:
                    line_depth = depth
                    start = token.start() if start is None else start
                text.append(data)
            elif text:
                text.append(" ")
            continue
        if tag in _BLOCK:
            line_break()
        if closing:
            if tag == "blockquote":
                depth = max(0, depth - 1)
            continue
        if tag != "br" and start is None:
            start = token.start()
        if tag == "blockquote":
            depth += 1
    line_break()
    return lines


def _has_content(html: str) -> bool:
    return bool(htmllib.unescape(_TAGS_TEXT.sub("", html)).strip()) or "<img" in html


@dataclass(frozen=True)
class HtmlSplit:
    html: str  # the new part
    quoted: str  # the quoted history
    quoted_first: bool
    marker: str


def split_reply_html(html: str) -> HtmlSplit | None:
    """The new part and the quoted history of sanitised HTML, both cleaned again (the cut
    may fall inside an element); None when no history was recognised."""
    if not html or not html.strip():
        return None
    lines = _html_lines(html)
    cut = _decide([text + "\n" for text, _offset in lines])
    if cut is None:
        return None
    offset = lines[cut.line][1]
    before, after = clean_sanitised(html[:offset]), clean_sanitised(html[offset:])
    new, quoted = (after, before) if cut.quoted_first else (before, after)
    if not _has_content(new) or not _has_content(quoted):
        return None
    return HtmlSplit(new, quoted, cut.quoted_first, cut.marker)


@dataclass(frozen=True)
class EmailParts:
    text: str  # the new text
    quoted: str  # the quoted history as text; "" when none was recognised
    html: str  # the new part of the sanitised HTML; the whole HTML when it could not be
    # split the same way as the text; "" when the message had none


def split_email(text: str, html: str = "") -> EmailParts:
    """Split a reply's text and its sanitised HTML alike. The HTML loses its history only
    when the text did too, and the HTML splits the same way (the same marker, top- or
    bottom-posted alike)."""
    split = split_reply(text)
    if not split.quoted or not html:
        return EmailParts(split.text, split.quoted, html or "")
    html_split = split_reply_html(html)
    if html_split is None or (html_split.quoted_first, html_split.marker) != (
            split.quoted_first, split.marker):
        return EmailParts(split.text, split.quoted, html)
    return EmailParts(split.text, split.quoted, html_split.html)
