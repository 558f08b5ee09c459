"""Classification figures as small pure functions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..sentiment import LABELS


def accuracy(gold: Sequence[str], pred: Sequence[str]) -> float:
    """Share of exact matches (0 for empty input)."""
    return sum(g == p for g, p in zip(gold, pred, strict=True)) / len(gold) if gold else 0.0


def f1(gold: Sequence[object], pred: Sequence[object], positive: object) -> float:
    """F1 of one class treated as the positive class."""
    tp = sum(g == positive and p == positive for g, p in zip(gold, pred, strict=True))
    fp = sum(g != positive and p == positive for g, p in zip(gold, pred, strict=True))
    fn = sum(g == positive and p != positive for g, p in zip(gold, pred, strict=True))
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def precision_recall(gold: Sequence[bool], pred: Sequence[bool]) -> tuple[float, float]:
    """Precision and recall of a binary flag."""
    tp = sum(g and p for g, p in zip(gold, pred, strict=True))
    flagged, actual = sum(pred), sum(gold)
    return (tp / flagged if flagged else 0.0, tp / actual if actual else 0.0)


def polarity_accuracy(gold: Sequence[str], scores: Sequence[float]) -> float:
    """Positive-vs-negative accuracy: over messages labelled positive or negative, the
    share whose score has the right sign. A score of exactly 0 counts as wrong."""
    pairs = [(g, s) for g, s in zip(gold, scores, strict=True) if g != "neutral"]
    right = sum((g == "positive" and s > 0) or (g == "negative" and s < 0) for g, s in pairs)
    return right / len(pairs) if pairs else 0.0


@dataclass(frozen=True, slots=True)
class Report:
    n: int
    accuracy: float
    f1: dict[str, float]
    macro_f1: float
    polarity: float
    anger_precision: float | None
    anger_recall: float | None


def report(
    gold: Sequence[str],
    pred: Sequence[str],
    scores: Sequence[float],
    gold_anger: Sequence[bool] | None = None,
    pred_anger: Sequence[bool] | None = None,
) -> Report:
    """All figures for one approach on one set."""
    per_class = {label: f1(gold, pred, label) for label in LABELS}
    ap = ar = None
    if gold_anger is not None and pred_anger is not None:
        ap, ar = precision_recall(gold_anger, pred_anger)
    return Report(
        n=len(gold),
        accuracy=accuracy(gold, pred),
        f1=per_class,
        macro_f1=sum(per_class.values()) / len(LABELS),
        polarity=polarity_accuracy(gold, scores),
        anger_precision=ap,
        anger_recall=ar,
    )
