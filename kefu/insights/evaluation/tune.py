"""Coordinate search of the lexicon scorer's parameters on the dev split only:
``python -m kefu.insights.evaluation.tune``. Prints the best ``Params`` and the objective
for a range of naive Bayes weights; copying them into rules.DEFAULT and
analyser.BAYES_WEIGHT is a manual step.

Objective: mean over both languages of (3-class accuracy + positive-vs-negative accuracy).
"""

from __future__ import annotations

import dataclasses

from ..sentiment import bayes, lexicon, rules
from ..sentiment.analyser import squash
from ..sentiment.text import normalise
from . import dataset, metrics

GRID: dict[str, tuple[float, ...]] = {
    "positive": (0.3, 0.4, 0.5, 0.6, 0.7),
    "negative": (-0.3, -0.4, -0.5, -0.6, -0.7),
    "but_before": (0.25, 0.5, 0.75),
    "but_after": (1.0, 1.5, 2.0),
    "though": (0.25, 0.5, 0.75),
    "question": (0.0, 0.2, 0.3, 0.6, 1.0),
    "window_han": (2, 3, 4, 5, 6),
    "window_latin": (2, 3, 4, 5),
    "negate_positive": (-0.6, -0.9, -1.2),
    "negate_negative": (-0.3, -0.5, -0.8),
    "dangle_han": (0.0, -0.2, -0.3, -0.5, -0.7),
    "dangle_latin": (0.0, -0.1, -0.2, -0.4),
    "irony_trigger": (-0.3, -0.5, -0.8),
    "irony_flip": (0.5, 0.8, 1.0),
}


def objective(params: rules.Params, sets: dict[str, list[tuple[str, str]]]) -> float:
    lex = lexicon.load()
    total = 0.0
    for pairs in sets.values():
        raws = [rules.score(text, lex, params).raw for text, _ in pairs]
        gold = [label for _, label in pairs]
        pred = [rules.label_of(r, params) for r in raws]
        total += metrics.accuracy(gold, pred) + metrics.polarity_accuracy(
            gold, [squash(r) for r in raws]
        )
    return total / (2 * len(sets))


def search(start: rules.Params, sets: dict[str, list[tuple[str, str]]], rounds: int = 2):
    best, best_value = start, objective(start, sets)
    for _ in range(rounds):
        for field, values in GRID.items():
            for value in values:
                candidate = dataclasses.replace(best, **{field: value})
                v = objective(candidate, sets)
                if v > best_value + 1e-9:
                    best, best_value = candidate, v
    return best, best_value


def cross_validated_bayes(lang: str, folds: int = 5) -> list[float]:
    """P(positive) − P(negative) for each dev message from a model that did not see it."""
    examples = dataset.load("dev", lang)
    out = [0.0] * len(examples)
    for fold in range(folds):
        train = [e for i, e in enumerate(examples) if i % folds != fold]
        model = bayes.train([e.text for e in train], [e.label for e in train])
        for i, e in enumerate(examples):
            if i % folds == fold:
                out[i] = model.predict(e.text)[1]
    return out


def hybrid_objective(weight: float, params: rules.Params, nb: dict[str, list[float]]) -> float:
    lex = lexicon.load()
    total = 0.0
    for lang, nb_scores in nb.items():
        examples = dataset.load("dev", lang)
        raws = [
            rules.score(normalise(e.text), lex, params).raw + weight * s
            for e, s in zip(examples, nb_scores, strict=True)
        ]
        gold = [e.label for e in examples]
        pred = [rules.label_of(r, params) for r in raws]
        total += metrics.accuracy(gold, pred) + metrics.polarity_accuracy(gold, raws)
    return total / (2 * len(nb))


def main() -> None:
    sets = {
        lang: [(normalise(e.text), e.label) for e in dataset.load("dev", lang)]
        for lang in dataset.LANGS
    }
    print(f"start {objective(rules.DEFAULT, sets):.4f} {rules.DEFAULT}")
    best, value = search(rules.DEFAULT, sets)
    print(f"best  {value:.4f} {best}")
    nb = {lang: cross_validated_bayes(lang) for lang in dataset.LANGS}
    for weight in (0.0, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5):
        print(f"hybrid weight {weight:4}: {hybrid_objective(weight, rules.DEFAULT, nb):.4f}")


if __name__ == "__main__":
    main()
