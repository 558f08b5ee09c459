"""Ticket tokens in subjects and subject normalisation — pure functions, no database.

Outgoing mail carries ``[#123]`` in its subject (``ticket_token``); ``find_token`` reads it
back from a reply however the customer's client decorated the subject: reply and forward
prefixes in many languages (``Re: 回复: 答复: AW: Fwd:``), full-width brackets and digits
(``【#123】``, ``［＃１２３］``) and stray spaces (``[# 123]``).
"""

from __future__ import annotations

import re
import unicodedata

#: Reply prefixes (a reply continues a conversation).
_REPLY_WORDS = ("re", "aw", "sv", "vs", "antw", "antwort", "odp", "rif", "r", "res", "ref",
                "yn", "atb", "vá", "回复", "答复", "回覆", "答覆", "回應", "返信", "답장",
                "回信", "ответ", "απ", "σχετ")
#: Forward prefixes (a forward starts something new).
_FORWARD_WORDS = ("fwd", "fw", "fwd2", "wg", "tr", "enc", "i", "doorst", "rv", "转发", "轉寄",
                  "轉發", "转寄", "転送", "전달", "pd", "παρ")
_WORD = "|".join(sorted({re.escape(w) for w in _REPLY_WORDS + _FORWARD_WORDS},
                        key=len, reverse=True))
# "Re:", "RE :", "Re[2]:", "Re(3):", "Re^2:", "回复：" … possibly inside brackets "[Re: …]"
_PREFIX = re.compile(rf"^\s*(?:{_WORD})\s*(?:\[\d+\]|\(\d+\)|\^\d+)?\s*[:：]\s*", re.IGNORECASE)
_REPLY_PREFIX = re.compile(
    rf"^\s*(?:{'|'.join(sorted((re.escape(w) for w in _REPLY_WORDS), key=len, reverse=True))})"
    r"\s*(?:\[\d+\]|\(\d+\)|\^\d+)?\s*[:：]", re.IGNORECASE)
_TOKEN = re.compile(r"[\[【〔〖]\s*#\s*(\d{1,12})\s*[\]】〕〗]")
_ANY_TOKEN = re.compile(r"[\[【〔〖]\s*#\s*\d{1,12}\s*[\]】〕〗]")
_SPACES = re.compile(r"\s+")


def ticket_token(ticket_id: int) -> str:
    """The token outgoing mail carries in its subject: ``[#123]``."""
    return f"[#{int(ticket_id)}]"


def _nfkc(subject: str) -> str:
    return unicodedata.normalize("NFKC", subject or "")


def find_token(subject: str) -> int | None:
    """The ticket id in the first ``[#id]`` token of ``subject``, or None."""
    match = _TOKEN.search(_nfkc(subject)[:2000])
    if match is None:
        return None
    value = int(match.group(1))
    return value if 0 < value < 2**63 else None


def strip_prefixes(subject: str) -> str:
    text = _nfkc(subject)
    for _ in range(50):
        stripped = _PREFIX.sub("", text, count=1)
        stripped = re.sub(r"^\s*\[\s*(?=(?:" + _WORD + r")\s*[:：])", "", stripped,
                          flags=re.IGNORECASE)
        if stripped == text:
            break
        text = stripped
    return text


def is_reply_subject(subject: str) -> bool:
    """Whether the subject starts with a reply prefix (not a forward)."""
    return bool(_REPLY_PREFIX.match(_nfkc(subject)))


def normalised_subject(subject: str) -> str:
    """The subject without reply/forward prefixes, ticket tokens, case and spacing
    differences: what two messages of one conversation share."""
    text = _ANY_TOKEN.sub(" ", _nfkc(subject)[:2000])
    text = strip_prefixes(text)
    text = _ANY_TOKEN.sub(" ", text)  # a token between prefixes: "Re: [#1] Re: x"
    text = strip_prefixes(text)
    return _SPACES.sub(" ", text).strip().casefold()
