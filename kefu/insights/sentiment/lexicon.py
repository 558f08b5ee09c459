"""Lexicon entries and their loading from the plain-text files in ``data/``.

Each file line is ``TERM  SPEC`` (see the header of data/lexicon_zh.txt for the spec).
Entries are sorted by script, not by file: Han terms go to the character matcher, all
other terms (Latin words, digits such as "12315", emoji) to the word/symbol matcher.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from .text import is_han

FILES = ("lexicon_zh.txt", "lexicon_en.txt", "lexicon_common.txt")
ANGER_KINDS = frozenset({"insult", "profanity", "threat", "rage"})
_SPLIT = re.compile(r"\t+| {2,}")


@dataclass(frozen=True, slots=True)
class Entry:
    """What one lexicon term does; a term may play several roles ("可惜": negative + but)."""

    weight: float = 0.0
    negator: bool = False
    degree: float | None = None
    contrast: str | None = None  # "but" or "though"
    question: bool = False
    irony: bool = False
    ifnot: float | None = None
    dangle: float | None = None
    anger: str | None = None

    @property
    def sentiment(self) -> bool:
        """True when the entry carries or can carry a feeling (an event counts)."""
        return self.weight != 0.0 or self.ifnot is not None or self.anger is not None


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Han terms (matched longest-first over characters) and other terms (over words)."""

    han: dict[str, Entry]
    han_lengths: dict[str, tuple[int, ...]]  # first character → candidate lengths, longest first
    words: dict[tuple[str, ...], Entry]
    word_lengths: dict[str, tuple[int, ...]]  # first word → candidate phrase lengths


def parse_spec(spec: str, *, where: str = "") -> Entry:
    """Turn ``"-1.2 irony ifnot=-1.0"`` into an Entry; raise ValueError on anything unknown."""
    fields: dict[str, object] = {}
    for part in spec.split():
        key, _, value = part.partition("=")
        if key in ("neg", "but", "though", "q", "irony") and not value:
            if key == "neg":
                fields["negator"] = True
            elif key == "q":
                fields["question"] = True
            elif key == "irony":
                fields["irony"] = True
            else:
                fields["contrast"] = key
        elif key in ("deg", "ifnot", "dangle") and value:
            fields["degree" if key == "deg" else key] = float(value)
        elif key == "anger" and value in ANGER_KINDS:
            fields["anger"] = value
        else:
            try:
                fields["weight"] = float(part)
            except ValueError:
                raise ValueError(f"unknown spec {part!r} {where}") from None
    return Entry(**fields)  # type: ignore[arg-type]


def parse_lines(lines: list[str], *, source: str = "") -> dict[str, Entry]:
    """Parse lexicon lines into ``{term: Entry}``; a repeated term is an error."""
    entries: dict[str, Entry] = {}
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = _SPLIT.split(line, maxsplit=1)
        if len(parts) != 2:
            raise ValueError(f"{source}:{number}: expected TERM  SPEC")
        term = " ".join(parts[0].lower().split())
        if term in entries:
            raise ValueError(f"{source}:{number}: {term!r} is listed twice")
        entries[term] = parse_spec(parts[1], where=f"at {source}:{number}")
    return entries


def _lengths(keys: list[tuple[str, int]]) -> dict[str, tuple[int, ...]]:
    out: dict[str, set[int]] = {}
    for first, length in keys:
        out.setdefault(first, set()).add(length)
    return {k: tuple(sorted(v, reverse=True)) for k, v in out.items()}


def build(entries: dict[str, Entry]) -> Lexicon:
    """Split entries by script and index them for longest-first matching."""
    han: dict[str, Entry] = {}
    words: dict[tuple[str, ...], Entry] = {}
    for term, entry in entries.items():
        if all(is_han(ch) for ch in term):
            han[term] = entry
        else:
            words[tuple(term.split())] = entry
    return Lexicon(
        han=han,
        han_lengths=_lengths([(t[0], len(t)) for t in han]),
        words=words,
        word_lengths=_lengths([(t[0], len(t)) for t in words]),
    )


@cache
def load() -> Lexicon:
    """The shipped lexicon, read once per process."""
    entries: dict[str, Entry] = {}
    folder = resources.files(__package__).joinpath("data")
    for name in FILES:
        lines = folder.joinpath(name).read_text(encoding="utf-8").splitlines()
        for term, entry in parse_lines(lines, source=name).items():
            if term in entries:
                raise ValueError(f"{name}: {term!r} is also in another lexicon file")
            entries[term] = entry
    return build(entries)
