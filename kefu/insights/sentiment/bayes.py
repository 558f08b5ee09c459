"""A multinomial naive Bayes classifier over character and word n-grams, in pure Python.

Features: for Han text, characters and character bigrams; for Latin text, words and word
bigrams, with words after a negator marked ("not_happy"); emoji and "!"/"?" as themselves.
Weights are trained by ``python -m kefu.insights.sentiment.train`` on the dev set written
for kefu and stored as JSON in ``data/bayes_{lang}.json``.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from .text import normalise

CLASSES = ("positive", "neutral", "negative")
_PIECE = re.compile(
    r"(?P<han>[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)"
    r"|(?P<word>[a-z0-9*]+(?:['\-][a-z0-9*]+)*)"
    r"|(?P<stop>[.!?。;,、:~\n]+)"
    r"|(?P<other>[^\s\w])"
)
_NEGATORS = frozenset(
    "not no never nobody none nothing without cannot can't don't doesn't didn't isn't "
    "aren't wasn't weren't won't haven't hasn't couldn't wouldn't shouldn't".split()
)


def features(text: str) -> list[str]:
    """N-gram features of one message (normalised here)."""
    out: list[str] = []
    negated = False
    previous = ""
    for m in _PIECE.finditer(normalise(text)):
        kind, value = m.lastgroup, m.group()
        if kind == "han":
            out.extend(value)
            out.extend(value[i : i + 2] for i in range(len(value) - 1))
            previous, negated = "", False
        elif kind == "word":
            word = f"not_{value}" if negated else value
            out.append(word)
            if previous:
                out.append(f"{previous} {word}")
            previous = word
            negated = negated or value in _NEGATORS
        elif kind == "stop":
            if "!" in value or "?" in value:
                out.append("!" if "!" in value else "?")
            previous, negated = "", False
        else:
            out.append(value)
    return out


@dataclass(frozen=True, slots=True)
class Model:
    prior: tuple[float, ...]  # log P(class)
    loglik: dict[str, tuple[float, ...]]

    def log_posterior(self, feats: Iterable[str]) -> list[float]:
        """Normalised log P(class | features), in CLASSES order."""
        scores = list(self.prior)
        for f in feats:
            row = self.loglik.get(f)
            if row is not None:
                for k in range(len(scores)):
                    scores[k] += row[k]
        top = max(scores)
        total = top + math.log(sum(math.exp(s - top) for s in scores))
        return [s - total for s in scores]

    def predict(self, text: str) -> tuple[str, float]:
        """(label, score): score = P(positive) − P(negative), in -1..1."""
        logp = self.log_posterior(features(text))
        probs = [math.exp(v) for v in logp]
        label = CLASSES[max(range(len(CLASSES)), key=probs.__getitem__)]
        return label, probs[0] - probs[2]

    def to_json(self) -> dict[str, object]:
        return {
            "classes": list(CLASSES),
            "prior": [round(v, 5) for v in self.prior],
            "loglik": {f: [round(v, 4) for v in row] for f, row in sorted(self.loglik.items())},
        }


def train(texts: Sequence[str], labels: Sequence[str], alpha: float = 0.5) -> Model:
    """Fit a multinomial NB with Laplace smoothing ``alpha``; unseen features are skipped
    at prediction time."""
    counts = {c: Counter() for c in CLASSES}
    docs = Counter(labels)
    for text, label in zip(texts, labels, strict=True):
        counts[label].update(features(text))
    vocab = set().union(*counts.values())
    totals = {c: sum(counts[c].values()) + alpha * (len(vocab) + 1) for c in CLASSES}
    n = len(labels)
    prior = tuple(math.log((docs[c] + 1) / (n + len(CLASSES))) for c in CLASSES)
    loglik = {
        f: tuple(math.log((counts[c][f] + alpha) / totals[c]) for c in CLASSES) for f in vocab
    }
    return Model(prior=prior, loglik=loglik)


def from_json(data: dict) -> Model:
    """Rebuild a model saved with ``Model.to_json``."""
    if tuple(data["classes"]) != CLASSES:
        raise ValueError("model classes do not match")
    return Model(
        prior=tuple(data["prior"]),
        loglik={f: tuple(row) for f, row in data["loglik"].items()},
    )


@cache
def load(lang: str) -> Model:
    """The shipped model for "zh" or "en", read once per process."""
    source = resources.files(__package__).joinpath("data", f"bayes_{lang}.json")
    return from_json(json.loads(source.read_text(encoding="utf-8")))
