"""The public entry points: ``analyse``, ``analyse_many`` and ``to_json``."""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass

from . import anger, bayes, lexicon, rules
from .text import MAX_CHARS, detect_language, normalise

logger = logging.getLogger(__name__)

LABELS = ("positive", "neutral", "negative")
_SQUASH = 4.0  # score = raw / sqrt(raw² + _SQUASH): raw ±0.5 → ±0.24, ±2 → ±0.71
BAYES_WEIGHT = 0.2
"""Raw lexicon units added per unit of the naive Bayes polarity P(pos) − P(neg). Small: the
classifier mostly breaks ties where the lexicon finds nothing (chosen on dev, see docs)."""


@dataclass(frozen=True, slots=True)
class Sentiment:
    """How a customer message feels. ``score`` is in -1..1 (its sign is the polarity);
    ``anger`` flags angry or abusive language; ``lang`` is "zh" or "en"."""

    label: str
    score: float
    anger: bool
    lang: str


def resolve_language(lang: str, text: str) -> str:
    """Pick "zh" or "en": from the hint ("zh-Hans", "en-GB", …) if it names one, else the text."""
    hint = (lang or "auto").strip().lower()
    if hint.startswith("zh"):
        return "zh"
    if hint.startswith("en"):
        return "en"
    return detect_language(text)


def squash(raw: float) -> float:
    """Map an unbounded raw score into -1..1, keeping its sign."""
    return round(raw / math.sqrt(raw * raw + _SQUASH), 4)


def assess(
    text: str,
    lang: str,
    *,
    bayes_weight: float = BAYES_WEIGHT,
    model: bayes.Model | None = None,
) -> Sentiment:
    """The pipeline for bounded text in a resolved language: lexicon rules, plus
    ``bayes_weight`` × the naive Bayes polarity (``model`` or the shipped one), then the
    anger flag. ``analyse`` is the guarded front door; the evaluation calls this directly
    to compare ``bayes_weight=0`` (rules alone) with the default."""
    folded = normalise(text)
    scored = rules.score(folded, lexicon.load())
    raw = scored.raw
    if bayes_weight:
        raw += bayes_weight * (model or bayes.load(lang)).predict(text)[1]
    label = rules.label_of(raw)
    angry = anger.is_angry(text, folded, label, scored.anger_terms)
    if angry and label == "neutral":  # "REFUND NOW!!!": anger is not a neutral feeling
        label, raw = "negative", rules.DEFAULT.negative
    return Sentiment(label=label, score=squash(raw), anger=angry, lang=lang)


def analyse(text: str, lang: str = "auto") -> Sentiment:
    """Sentiment of one customer message. Never raises for a ``str``: empty or blank text
    is neutral with score 0, and only the first MAX_CHARS characters are read."""
    if not isinstance(text, str):
        raise TypeError(f"analyse() takes a str, not {type(text).__name__}")
    bounded = text[:MAX_CHARS]
    code = resolve_language(lang, bounded)
    if not bounded.strip():
        return Sentiment("neutral", 0.0, False, code)
    try:
        return assess(bounded, code)
    except Exception:  # one odd message must not stop intake; the log keeps the evidence
        logger.exception("sentiment analysis failed; returning neutral")
        return Sentiment("neutral", 0.0, False, code)


def analyse_many(texts: Iterable[str], lang: str = "auto") -> list[Sentiment]:
    """``analyse`` for each text, in order (the lexicon is loaded once per process)."""
    return [analyse(t, lang) for t in texts]


def to_json(s: Sentiment) -> dict[str, object]:
    """Exactly ``{"label", "score", "anger", "lang"}``, ready for a JSON field or API."""
    return {"label": s.label, "score": s.score, "anger": s.anger, "lang": s.lang}
