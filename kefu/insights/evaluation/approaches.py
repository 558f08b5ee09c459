"""The approaches compared, behind one signature: ``text -> Prediction``.

* rules   — kefu's lexicon scorer alone (kefu.insights.sentiment.rules)
* bayes   — multinomial naive Bayes on n-grams alone, trained by kefu on the dev set
* hybrid  — the lexicon score plus 0.2 × the naive Bayes polarity: the shipped default
* vader   — vaderSentiment's compound score (English only; needs the package)
* snownlp — SnowNLP's sentiment probability (Chinese only; needs the package)

Third-party approaches are optional: when their package is missing they are skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from ..sentiment import bayes
from ..sentiment.analyser import BAYES_WEIGHT, assess


class Prediction(NamedTuple):
    label: str
    score: float  # its sign is the polarity
    anger: bool | None = None  # None: the approach has no anger flag


Predict = Callable[[str], Prediction]


def _label(score: float, positive: float, negative: float) -> str:
    if score >= positive:
        return "positive"
    if score <= negative:
        return "negative"
    return "neutral"


def make_rules(lang: str, model: bayes.Model | None = None) -> Predict:
    def predict(text: str) -> Prediction:
        s = assess(text, lang, bayes_weight=0.0)
        return Prediction(s.label, s.score, s.anger)

    return predict


def make_bayes(lang: str, model: bayes.Model | None = None) -> Predict:
    nb = model or bayes.load(lang)

    def predict(text: str) -> Prediction:
        return Prediction(*nb.predict(text))

    return predict


def make_hybrid(lang: str, model: bayes.Model | None = None) -> Predict:
    nb = model or bayes.load(lang)

    def predict(text: str) -> Prediction:
        s = assess(text, lang, bayes_weight=BAYES_WEIGHT, model=nb)
        return Prediction(s.label, s.score, s.anger)

    return predict


def make_vader(lang: str, model: bayes.Model | None = None) -> Predict:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyser = SentimentIntensityAnalyzer()

    def predict(text: str) -> Prediction:
        compound = analyser.polarity_scores(text)["compound"]
        return Prediction(_label(compound, 0.4, -0.1), compound)  # band chosen on dev

    return predict


def make_snownlp(lang: str, model: bayes.Model | None = None) -> Predict:
    from snownlp import SnowNLP

    def predict(text: str) -> Prediction:
        p = SnowNLP(text).sentiments if text.strip() else 0.5
        return Prediction(_label(p, 0.6, 0.4), 2 * p - 1)  # band chosen on dev

    return predict


@dataclass(frozen=True, slots=True)
class Approach:
    name: str
    langs: tuple[str, ...]
    make: Callable[..., Predict]
    trained: bool = False  # uses the naive Bayes weights (cross-validated on dev)


APPROACHES = (
    Approach("rules", ("zh", "en"), make_rules),
    Approach("bayes", ("zh", "en"), make_bayes, trained=True),
    Approach("hybrid", ("zh", "en"), make_hybrid, trained=True),
    Approach("vader", ("en",), make_vader),
    Approach("snownlp", ("zh",), make_snownlp),
)
