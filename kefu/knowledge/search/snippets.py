"""Highlighted snippets: the passage of a text around the first words that matched, escaped,
with the matches in <mark>. Built from the stored plain text (never from HTML), so a text
can inject nothing."""

from __future__ import annotations

import functools
import html
import re

from django.utils.safestring import SafeString, mark_safe

from . import tokens

WIDTH = 160
LEAD = 40


@functools.lru_cache(maxsize=65536)
def _fold(ch: str) -> str:
    n = tokens.normalise(ch)
    return n if len(n) == 1 else (ch.lower() if len(ch.lower()) == 1 else ch)


def _folded(text: str) -> str:
    """The text normalised character by character (same length, so positions map back)."""
    return "".join(map(_fold, text))


def _spans(folded: str, words: list[str]) -> list[tuple[int, int]]:
    spans = []
    for word in words:
        if not word:
            continue
        if word.isascii() and word.replace(" ", "").isalnum():
            pattern = r"(?<![a-z0-9])" + re.escape(word) + (r"[a-z0-9]*" if " " not in word else "")
        else:
            pattern = re.escape(word)
        spans.extend(m.span() for m in re.finditer(pattern, folded))
    spans.sort()
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def _marked(text: str, spans, offset: int = 0) -> str:
    out, pos = [], 0
    for start, end in spans:
        start, end = start - offset, end - offset
        if end <= 0 or start >= len(text):
            continue
        start, end = max(start, 0), min(end, len(text))
        out.append(html.escape(text[pos:start]))
        out.append("<mark>" + html.escape(text[start:end]) + "</mark>")
        pos = end
    out.append(html.escape(text[pos:]))
    return "".join(out)


def highlight(text: str, words: list[str]) -> SafeString:
    """The whole (short) text with its matches marked: titles."""
    return mark_safe(_marked(text, _spans(_folded(text), words)))  # noqa: S308 - escaped above


def snippet(text: str, words: list[str], *, width: int = WIDTH) -> SafeString:
    """About ``width`` characters of ``text`` around its first match, escaped and marked."""
    text = " ".join((text or "").split())
    spans = _spans(_folded(text), words)
    start = max(spans[0][0] - LEAD, 0) if spans else 0
    if start and start < len(text):
        space = text.rfind(" ", max(start - 15, 0), start)
        start = space + 1 if space >= 0 else start
    end = min(start + width, len(text))
    piece = text[start:end]
    inside = [(s, e) for s, e in spans if s < end and e > start]
    body = _marked(piece, inside, offset=start)
    return mark_safe(("…" if start > 0 else "") + body + ("…" if end < len(text) else ""))  # noqa: S308
