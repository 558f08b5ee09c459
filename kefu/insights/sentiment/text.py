"""Text preparation: bounding, normalisation (width, case, traditional → simplified) and
language detection. Pure functions; the conversion table is read once per process."""

from __future__ import annotations

import unicodedata
from functools import cache
from importlib import resources

MAX_CHARS = 2000
"""Only the first MAX_CHARS characters of a message are analysed: customer sentiment shows
early, and the bound keeps the work per message constant whatever arrives."""

ZH_SHARE = 0.25
"""A message is Chinese when Han characters are at least this share of its letters. Han
characters carry about a word each, so a quarter is already a Chinese sentence with a few
English words (an order number, "APP", a brand) in it."""


def is_han(ch: str) -> bool:
    """True for a CJK unified or compatibility ideograph (Chinese character)."""
    o = ord(ch)
    return (
        0x4E00 <= o <= 0x9FFF
        or 0x3400 <= o <= 0x4DBF
        or 0xF900 <= o <= 0xFAFF
        or 0x20000 <= o <= 0x2FA1F
    )


def detect_language(text: str) -> str:
    """``"zh"`` when Han characters make up at least ZH_SHARE of the letters, else ``"en"``."""
    han = latin = 0
    for ch in text[:MAX_CHARS]:
        if is_han(ch):
            han += 1
        elif ch.isalpha():
            latin += 1
    if han == 0:
        return "en"
    return "zh" if han >= ZH_SHARE * (han + latin) else "en"


@cache
def _conversion() -> tuple[dict[int, str], tuple[tuple[str, str], ...]]:
    chars: dict[int, str] = {}
    words: list[tuple[str, str]] = []
    source = resources.files(__package__).joinpath("data", "t2s.txt")
    for line in source.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        for pair in line.split():
            trad, _, simp = pair.partition(">")
            if len(trad) == 1 and len(simp) == 1:
                chars[ord(trad)] = simp
            elif trad and simp:
                words.append((trad, simp))
    return chars, tuple(words)


def to_simplified(text: str) -> str:
    """Map traditional characters (and a few Taiwan/Hong Kong words) to simplified ones."""
    chars, words = _conversion()
    for trad, simp in words:
        if trad in text:
            text = text.replace(trad, simp)
    return text.translate(chars)


def normalise(text: str) -> str:
    """Bound, fold width (NFKC: ！→!, ＡＢＣ→ABC), simplify and lower-case a message."""
    text = unicodedata.normalize("NFKC", text[:MAX_CHARS])
    return to_simplified(text).lower()
