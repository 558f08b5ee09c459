"""Text → tokens, the same for every database (pure apart from the segmenter passed in).

- Normalisation: NFKC (full-width → half-width), lower case, accents dropped.
- Chinese runs: jieba's search-engine mode (words and the shorter words inside them), plus
  every character bigram of the run that jieba did not already give (names, typos, words
  the dictionary lacks), plus the run's last character alone (so that a one-character
  query, searched as a prefix, finds every character of a run).
- Other CJK scripts (kana, hangul): bigrams and the last character.
- Everything else: runs of letters and digits ("iphone15", "fh20240101"), cut at
  ``MAX_TOKEN`` characters.

Tokens never contain spaces, quotes or operators: they are letters and digits only, so the
space-separated token text means the same to SQLite's unicode61 tokenizer and PostgreSQL's
parser with the 'simple' configuration.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

MAX_TOKEN = 40
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
CJK = HAN + "\u3040-\u30ff\u31f0-\u31ff\uac00-\ud7af"
RUNS = re.compile(f"([{HAN}]+)|([{CJK}]+)|([^\\W_{CJK}]+)")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").lower()
    if text.isascii():
        return text
    stripped = "".join(c for c in unicodedata.normalize("NFKD", text)
                       if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", stripped)


def runs(text: str) -> Iterable[tuple[str, str]]:
    """("han" | "cjk" | "word", run) in the normalised text's order."""
    for match in RUNS.finditer(normalise(text)):
        if match.group(1):
            yield "han", match.group(1)
        elif match.group(2):
            yield "cjk", match.group(2)
        else:
            yield "word", match.group(3)[:MAX_TOKEN]


def bigrams(run: str) -> list[str]:
    return [run[i:i + 2] for i in range(len(run) - 1)] if len(run) > 1 else [run]


def index_tokens(text: str, segmenter) -> list[str]:
    """The tokens stored for a text (repeats kept: they count for relevance).
    ``segmenter.cut_for_search(run)`` yields words (jieba's search mode)."""
    out: list[str] = []
    for kind, run in runs(text):
        if kind == "word":
            out.append(run)
            continue
        words = []
        if kind == "han":
            words = [w for w in segmenter.cut_for_search(run) if len(w) > 1 and len(w) <= MAX_TOKEN]
            out.extend(words)
        given = set(words)
        out.extend(b for b in bigrams(run) if b not in given or len(run) == 1)
        if len(run) > 1:
            out.append(run[-1])
    return out


def token_text(text: str, segmenter) -> str:
    return " ".join(index_tokens(text, segmenter))
