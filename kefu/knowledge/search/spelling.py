"""Typing mistakes in Latin-script words ("refnud", "strawbery", "invioce"): when a search
finds too little, each word that is not in the vocabulary of the published articles gets its
closest vocabulary words as extra alternatives (``search.search`` asks again with them
before it falls back to matching any word).

The vocabulary is every Latin-script token of four letters or more in the article search
documents, with its count, read once per process and again after ``REFRESH_SECONDS``. A
correction is a vocabulary word with the same first letter within one edit (two for words
of seven letters or more) — an edit being a letter inserted, deleted, replaced, or two
neighbours swapped — nearest first, then most frequent. Chinese mistypes (同音字) are left to
the semantic ranking.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from dataclasses import replace

from . import query as q

REFRESH_SECONDS = 300
MIN_LETTERS = 4
MAX_CORRECTIONS = 2
_WORD = re.compile(r"^[a-z]+$")
_lock = threading.Lock()
_cache: dict = {"at": -1e9, "words": {}}


def _load() -> dict[str, dict[str, int]]:
    """Vocabulary words grouped by first letter: {letter: {word: count}}."""
    from ..models import SearchDocument

    counts: Counter[str] = Counter()
    rows = SearchDocument.objects.filter(kind="article").values_list("title_tokens", "tokens")
    for title_tokens, body_tokens in rows.iterator(chunk_size=500):
        for token in f"{title_tokens} {body_tokens}".split():
            if len(token) >= MIN_LETTERS and _WORD.match(token):
                counts[token] += 1
    grouped: dict[str, dict[str, int]] = {}
    for word, count in counts.items():
        grouped.setdefault(word[0], {})[word] = count
    return grouped


def vocabulary() -> dict[str, dict[str, int]]:
    with _lock:
        if time.monotonic() - _cache["at"] > REFRESH_SECONDS:
            _cache["words"], _cache["at"] = _load(), time.monotonic()
        return _cache["words"]


def forget() -> None:
    """Read the vocabulary again on next use (tests, after publishing in bulk)."""
    with _lock:
        _cache["at"] = -1e9


def distance(a: str, b: str, limit: int) -> int:
    """Edits from ``a`` to ``b`` (insert, delete, replace, swap two neighbours), or
    ``limit + 1`` once it is certain to be more than ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before, row = None, list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + cost)
            if (before is not None and i > 1 and j > 1 and a[i - 1] == b[j - 2]
                    and a[i - 2] == b[j - 1]):
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        before, row = row, current
    return row[-1]


def corrections(word: str, words: dict[str, dict[str, int]], *,
                prefix: bool = False) -> list[str]:
    """The closest vocabulary words to ``word`` (none when it is a vocabulary word, too
    short or not plain Latin letters). ``prefix``: the word was typed last and may be the
    start of a longer one; a correction may then be the start of a vocabulary word."""
    if len(word) < MIN_LETTERS or not _WORD.match(word):
        return []
    same_start = words.get(word[0], {})
    if word in same_start:
        return []
    limit = 2 if len(word) >= 7 else 1
    found = {}
    for candidate, count in same_start.items():
        # a word typed last may be the start of a longer one (strawbery → strawberr-ies)
        forms = [candidate] + ([candidate[:n] for n in (len(word), len(word) + 1)
                                if n < len(candidate)] if prefix else [])
        for form in forms:
            d = distance(word, form, limit)
            if d <= limit and form != word and (d, -count) < found.get(form, (99, 0)):
                found[form] = (d, -count)
    return sorted(found, key=lambda form: (*found[form], form))[:MAX_CORRECTIONS]


def corrected(query: q.Query) -> q.Query | None:
    """``query`` with the corrections of its misspelt words as extra alternatives, or None
    when no word needs one."""
    words = vocabulary()
    terms, changed = [], False
    for term in query.terms:
        prefix = any(t.prefix for alt in term.alternatives for t in alt)
        fixes = corrections(term.word, words, prefix=prefix)
        if not fixes:
            terms.append(term)
            continue
        changed = True
        extra = [(q.Token(fix, prefix=prefix),) for fix in fixes]
        terms.append(replace(term, alternatives=[*term.alternatives, *extra],
                             also=[*term.also, *fixes]))
    return replace(query, terms=terms) if changed else None
