"""``python -m kefu.insights.evaluation [--split test|challenge|dev]… [--runs N] [--no-speed]``

Prints accuracy, per-class F1, positive-vs-negative accuracy and anger precision/recall for
every approach and language, then throughput (median of N runs over the test messages,
one process, one core). By default both held-out splits are scored: ``test`` and
``challenge``. On ``dev`` the trained approaches are scored by 5-fold cross-validation, so
no message is scored by a model that saw it (the lexicon itself was refined on dev, so dev
figures for every approach are optimistic).
"""

from __future__ import annotations

import argparse
import statistics
import time

from ..sentiment import bayes
from . import dataset, metrics
from .approaches import APPROACHES, Approach, Predict, Prediction

FOLDS = 5


def _predictions(approach: Approach, lang: str, split: str) -> list[Prediction]:
    examples = dataset.load(split, lang)
    if split != "dev" or not approach.trained:
        predict = approach.make(lang)
        return [predict(e.text) for e in examples]
    out: list[Prediction | None] = [None] * len(examples)
    for fold in range(FOLDS):
        train = [e for i, e in enumerate(examples) if i % FOLDS != fold]
        model = bayes.train([e.text for e in train], [e.label for e in train])
        predict = approach.make(lang, model)
        for i, e in enumerate(examples):
            if i % FOLDS == fold:
                out[i] = predict(e.text)
    return out  # type: ignore[return-value]


def _throughput(predict: Predict, texts: list[str], runs: int) -> float:
    rates = []
    for _ in range(runs):
        start = time.perf_counter()
        for t in texts:
            predict(t)
        rates.append(len(texts) / (time.perf_counter() - start))
    return statistics.median(rates)


def _row(name: str, r: metrics.Report) -> str:
    f = r.f1
    anger = (
        "       -"
        if r.anger_precision is None
        else (f"{r.anger_precision:6.1%} {r.anger_recall:6.1%}")
    )
    return (
        f"  {name:<8} {r.accuracy:6.1%} {f['positive']:6.1%} {f['neutral']:6.1%} "
        f"{f['negative']:6.1%} {r.macro_f1:6.1%} {r.polarity:7.1%}   {anger}"
    )


def _available(approach: Approach, lang: str) -> Predict | None:
    try:
        return approach.make(lang)
    except ImportError:
        return None


def _evaluate(split: str, lang: str) -> None:
    examples = dataset.load(split, lang)
    counts = ", ".join(f"{sum(e.label == lab for e in examples)} {lab}" for lab in metrics.LABELS)
    angry = sum(e.anger for e in examples)
    print(f"\n{split}_{lang}: {len(examples)} messages ({counts}; {angry} angry)")
    print("  approach    acc  F1pos  F1neu  F1neg  macro  pos/neg   anger P/R")
    for approach in APPROACHES:
        if lang not in approach.langs:
            continue
        if _available(approach, lang) is None:
            print(f"  {approach.name:<8} (package not installed, skipped)")
            continue
        preds = _predictions(approach, lang, split)
        has_anger = preds[0].anger is not None
        r = metrics.report(
            [e.label for e in examples],
            [p.label for p in preds],
            [p.score for p in preds],
            [e.anger for e in examples] if has_anger else None,
            [bool(p.anger) for p in preds] if has_anger else None,
        )
        print(_row(approach.name, r))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Evaluate kefu's sentiment approaches.")
    parser.add_argument(
        "--split",
        choices=dataset.SPLITS,
        action="append",
        help="repeatable; default: test, challenge",
    )
    parser.add_argument("--runs", type=int, default=5, help="timed runs per approach")
    parser.add_argument("--no-speed", action="store_true", help="skip the throughput runs")
    args = parser.parse_args(argv)

    print("acc: 3-class accuracy; F1 per class and macro; pos/neg: share of messages labelled")
    print("positive or negative whose score has the right sign (0 counts as wrong).")
    for split in args.split or ["test", "challenge"]:
        for lang in dataset.LANGS:
            _evaluate(split, lang)
    if args.no_speed:
        return
    print(f"\nthroughput (messages/s, median of {args.runs} runs over the test messages):")
    for lang in dataset.LANGS:
        texts = [e.text for e in dataset.load("test", lang)]
        for approach in APPROACHES:
            predict = _available(approach, lang) if lang in approach.langs else None
            if predict is None:
                continue
            predict(texts[0])  # load models and lexicons outside the timing
            runs = 1 if approach.name == "snownlp" else args.runs
            rate = _throughput(predict, texts, runs)
            print(f"  {lang} {approach.name:<8} {rate:10,.0f}")


if __name__ == "__main__":
    main()
