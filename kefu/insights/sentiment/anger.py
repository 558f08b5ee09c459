"""The anger/abuse flag: insults, profanity, threats and rage terms (from the lexicon),
threat patterns, ALL-CAPS shouting and runs of "!!!" / "???" / "?!".

Shouting and punctuation runs only count in a message that is not positive, so
"THANK YOU SO MUCH!!!" is not flagged; lexicon terms count whatever the label.
Mild dissatisfaction ("not happy", "不太满意") never sets the flag.
"""

from __future__ import annotations

import re

_PUNCT_RUN = re.compile(r"[!?]{3,}|\?!|!\?")
_THREAT_ZH = re.compile(r"再不.{0,12}就|再.{0,12}试试[!?]|不然.{0,8}(投诉|起诉|报警|曝光)")
_THREAT_EN = re.compile(
    r"\bor else\b|\bor i(?:'ll| will| am|'m) (?:go(?:ing)? to |call|report|sue|take)"
)
_CAPS_WORD = re.compile(r"\b[A-Z][A-Z']+\b")
_WORD = re.compile(r"\b[A-Za-z][A-Za-z']+\b")


def is_shouting(original: str) -> bool:
    """Three or more ALL-CAPS words making most of the words, or two long ones in a row."""
    caps = _CAPS_WORD.findall(original)
    if len(caps) < 2:
        return False
    words = _WORD.findall(original)
    if len(caps) >= 3 and len(caps) >= 0.6 * len(words):
        return True
    return bool(re.search(r"\b[A-Z]{4,}\s+[A-Z]{4,}\b", original))


def is_angry(original: str, normalised: str, label: str, anger_terms: bool) -> bool:
    """The anger flag for one message (original: bounded raw text; normalised: folded)."""
    if anger_terms or _THREAT_ZH.search(normalised) or _THREAT_EN.search(normalised):
        return True
    if label == "positive":
        return False
    return bool(_PUNCT_RUN.search(normalised)) or is_shouting(original)
