"""The lexicon a process segments with: jieba's dictionary, the user dictionary admins edit
(``DictionaryWord``) and the synonyms (``Synonym``, whose Chinese terms are added as words
too, so that 退钱 is cut whole).

Each process loads it once and checks the version row (``LexiconVersion``, changed by every
edit) at most every ``KNOWLEDGE_LEXICON_CHECK_SECONDS`` (default 10): an admin's change
reaches every web process and worker within seconds, without a restart. New words are added
to the loaded segmenter; a removed word makes the process build a fresh one (about a
second)."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from .. import conf
from . import tokens

log = logging.getLogger("kefu.search")
_lock = threading.Lock()


def parse_terms(raw: str) -> list[str]:
    """A synonym row's terms: separated by commas (either width), semicolons or new lines;
    normalised, blanks and repeats dropped."""
    import re

    seen, out = set(), []
    for part in re.split(r"[,，;；、\n]+", raw or ""):
        term = " ".join(tokens.normalise(part).split())
        if term and term not in seen:
            seen.add(term)
            out.append(term)
    return out


@dataclass
class Lexicon:
    segmenter: object
    version: str | None = None
    words: frozenset = frozenset()
    #: a normalised term → the other terms of its groups
    synonyms: dict = field(default_factory=dict)


_state: dict = {"lexicon": None, "checked_at": 0.0}


def _new_segmenter():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    segmenter = jieba.Tokenizer()
    segmenter.initialize()
    return segmenter


def _read():
    from ..models import LexiconVersion

    return LexiconVersion.objects.filter(pk=1).values_list("version", flat=True).first()


def _load(version) -> Lexicon:
    from ..models import DictionaryWord, Synonym

    words = {w: weight for w, weight in DictionaryWord.objects.values_list("word", "weight")}
    synonyms: dict[str, set] = {}
    for raw in Synonym.objects.values_list("terms", flat=True):
        terms = parse_terms(raw)
        for term in terms:
            synonyms.setdefault(term, set()).update(t for t in terms if t != term)
            if " " not in term and all(k == "han" for k, _r in tokens.runs(term)) and len(term) > 1:
                words.setdefault(term, None)
    old: Lexicon | None = _state["lexicon"]
    wanted = frozenset(tokens.normalise(w) for w in words)
    if old is None or not old.words <= wanted:
        segmenter = _new_segmenter()
        added = wanted
    else:
        segmenter = old.segmenter
        added = wanted - old.words
    for word in added:
        weight = next((v for k, v in words.items() if tokens.normalise(k) == word), None)
        segmenter.add_word(word, freq=weight)
    return Lexicon(segmenter=segmenter, version=version, words=wanted,
                   synonyms={k: sorted(v) for k, v in synonyms.items()})


def current() -> Lexicon:
    """This process's lexicon, reloaded when the version row changed."""
    now = time.monotonic()
    every = conf.get("KNOWLEDGE_LEXICON_CHECK_SECONDS")
    lexicon = _state["lexicon"]
    if lexicon is not None and now - _state["checked_at"] < every:
        return lexicon
    with _lock:
        lexicon = _state["lexicon"]
        if lexicon is not None and now - _state["checked_at"] < every:
            return lexicon
        version = _read()
        if lexicon is None or version != lexicon.version:
            lexicon = _load(version)
            _state["lexicon"] = lexicon
        _state["checked_at"] = time.monotonic()
        return lexicon


def reset() -> None:
    """Forget the loaded lexicon's version (tests; the segmenter is kept)."""
    _state["checked_at"] = 0.0
    if _state["lexicon"] is not None:
        _state["lexicon"].version = object()  # never equal to a stored version
