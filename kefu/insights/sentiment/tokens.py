"""Turn normalised text into lexicon hits, gaps and clause/sentence boundaries.

Han runs are matched longest-first character by character; Latin words (and digits, emoji,
emoticons) longest-first as phrases of up to a few words. Both scripts are read in every
message, so "客服太垃圾了 so bad" and "my 快递 never arrived" are scored as wholes.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from .lexicon import Entry, Lexicon

HIT, GAP, CLAUSE, STOP = range(4)

_TOKEN = re.compile(
    r"(?P<han>[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]+)"
    r"|(?P<emo>:-?[()d](?![a-z0-9]))"
    r"|(?P<word>[a-z0-9*]+(?:['\-][a-z0-9*]+)*)"
    r"|(?P<stop>[.!?。;\n]+)"
    r"|(?P<clause>[,、:~]+)"
    r"|(?P<other>\S)"
)


class Token(NamedTuple):
    kind: int
    entry: Entry | None = None
    latin: bool = False  # matched by the word matcher (not the Han matcher)
    first: bool = False  # the first word of its sentence or clause
    ask: bool = False  # a STOP that contains "?"


_GAP = Token(GAP)
_CLAUSE = Token(CLAUSE)


def _han(run: str, lex: Lexicon, out: list[Token]) -> None:
    i, n = 0, len(run)
    han, lengths = lex.han, lex.han_lengths
    while i < n:
        for length in lengths.get(run[i], ()):
            entry = han.get(run[i : i + length]) if i + length <= n else None
            if entry is not None:
                out.append(Token(HIT, entry))
                i += length
                break
        else:
            out.append(_GAP)
            i += 1


def _words(run: list[str], first: bool, lex: Lexicon, out: list[Token]) -> None:
    words, lengths = lex.words, lex.word_lengths
    # "fuck's", "driver's": read the word without its possessive when only that is known
    run = [w[:-2] if w.endswith("'s") and w not in lengths else w for w in run]
    i, n = 0, len(run)
    while i < n:
        for length in lengths.get(run[i], ()):
            entry = words.get(tuple(run[i : i + length])) if i + length <= n else None
            if entry is not None:
                out.append(Token(HIT, entry, latin=True, first=first and i == 0))
                i += length
                break
        else:
            out.append(_GAP)
            i += 1


def tokenise(text: str, lex: Lexicon) -> list[Token]:
    """Tokens for already normalised (lower-cased, simplified) text."""
    out: list[Token] = []
    run: list[str] = []
    sentence_start = True  # no word seen yet in this sentence or clause
    run_first = True
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "word":
            if not run:
                run_first = sentence_start
            run.append(m.group())
            sentence_start = False
            continue
        if run:
            _words(run, run_first, lex, out)
            run = []
        value = m.group()
        if kind == "han":
            _han(value, lex, out)
            sentence_start = False
        elif kind == "stop":
            out.append(Token(STOP, ask="?" in value))
            sentence_start = True
        elif kind == "clause":
            out.append(_CLAUSE)
            sentence_start = True
        else:  # an emoticon or any other symbol: emoji stand apart, beyond negation
            entry = lex.words.get((value,))
            if entry:
                out.extend((_CLAUSE, Token(HIT, entry, latin=True)))
            else:
                out.append(_GAP)
    if run:
        _words(run, run_first, lex, out)
    return out
