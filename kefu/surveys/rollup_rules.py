"""What one response adds to the rollups (pure, no ORM): ``rollup_deltas``. The rows'
meaning is documented there and in docs/surveys.md; ``kefu.surveys.rollups`` writes them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .rules import (
    CHOICE_KINDS,
    DIMENSIONS,
    OVERALL,
    CleanAnswer,
    Column,
    QuestionKind,
    QuestionSpec,
)

#: (question id — 0 for response-level rows, dimension, column, option) → (count, sum, sum of
#: squares). The service adds the period, instrument and slice (branch, team, tier, agent,
#: channel).
RollupTail = tuple[int, str, int, int]


def _add(out: dict, key: RollupTail, value: float) -> None:
    count, total, squares = out.get(key, (0, 0.0, 0.0))
    out[key] = (count + 1, total + value, squares + value * value)


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def rollup_deltas(specs: Sequence[QuestionSpec], answers: Iterable[CleanAnswer]
                  ) -> dict[RollupTail, tuple[int, float, float]]:
    """What one response adds to the rollups.

    - one ``RESPONSES`` row (question 0);
    - scale questions: the value (count, sum, sum of squares) and its distribution: option
      ``k`` counts answers equal to ``scale_min + k − 1`` (NPS and % satisfied need it);
    - choice questions: option 0 counts respondents, option ``k`` those choosing option k;
      open questions: how many answered;
    - SERVQUAL items: each column, and the respondent's item gap (P − E), MSA (P − adequate)
      and MSS (P − desired) when both columns were answered;
    - per dimension (question 0) and overall (dimension ``overall``): the respondent's mean
      of the answered items, for each column and difference; overall is the mean of the
      dimension means; with importance weights, ``WEIGHTED_GAP`` and ``WEIGHTED_PERCEPTION``
      are the respondent's Σ w_d · score_d / Σ w_d over the dimensions with both points and
      a score (Zeithaml, Parasuraman & Berry 1990; weights normalised per respondent, as
      ``kefu.analytics.stats.servqual`` does);
    - importance weights: the points of each dimension.
    """
    by_id = {spec.id: spec for spec in specs}
    out: dict[RollupTail, tuple[int, float, float]] = {}
    out[(0, "", Column.RESPONSES, 0)] = (1, 0.0, 0.0)
    items: dict[int, dict[int, int]] = {}
    weights: dict[str, int] = {}
    for answer in answers:
        spec = by_id[answer.question_id]
        kind = spec.kind
        if kind in (QuestionKind.RATING, QuestionKind.LIKERT):
            _add(out, (spec.id, spec.dimension, Column.VALUE, 0), answer.value)
            _add(out, (spec.id, spec.dimension, Column.VALUE, answer.value - spec.scale_min + 1),
                 answer.value)
        elif kind in CHOICE_KINDS:
            _add(out, (spec.id, "", Column.VALUE, 0), 0)
            for code in answer.choices or ():
                _add(out, (spec.id, "", Column.VALUE, spec.options.index(code) + 1), 0)
        elif kind == QuestionKind.TEXT:
            _add(out, (spec.id, "", Column.VALUE, 0), 0)
        elif kind == QuestionKind.SERVQUAL:
            _add(out, (spec.id, spec.dimension, answer.column, 0), answer.value)
            items.setdefault(spec.id, {})[answer.column] = answer.value
        elif kind == QuestionKind.WEIGHTS:
            dimension = DIMENSIONS[answer.column - 11].value
            _add(out, (spec.id, dimension, answer.column, 0), answer.value)
            weights[dimension] = answer.value
    per_dimension: dict[str, dict[int, list[float]]] = {}
    for question_id, columns in items.items():
        spec = by_id[question_id]
        values = dict(columns)
        perception = columns.get(Column.PERCEPTION)
        if perception is not None:
            for other, derived in ((Column.EXPECTATION, Column.GAP), (Column.ADEQUATE, Column.MSA),
                                   (Column.DESIRED, Column.MSS)):
                if other in columns:
                    values[derived] = perception - columns[other]
                    _add(out, (question_id, spec.dimension, derived, 0), values[derived])
        bucket = per_dimension.setdefault(spec.dimension, {})
        for column, value in values.items():
            bucket.setdefault(column, []).append(value)
    overall: dict[int, list[float]] = {}
    dimension_means: dict[int, dict[str, float]] = {}
    for dimension, columns in per_dimension.items():
        for column, values in columns.items():
            mean = _mean(values)
            _add(out, (0, dimension, column, 0), mean)
            overall.setdefault(column, []).append(mean)
            dimension_means.setdefault(column, {})[dimension] = mean
    for column, means in overall.items():
        _add(out, (0, OVERALL, column, 0), _mean(means))
    if weights:
        for column, target in ((Column.GAP, Column.WEIGHTED_GAP),
                               (Column.PERCEPTION, Column.WEIGHTED_PERCEPTION)):
            scores = dimension_means.get(column, {})
            used = [d for d in scores if weights.get(d, 0) > 0]
            total = sum(weights[d] for d in used)
            if total > 0:
                _add(out, (0, OVERALL, target, 0),
                     sum(weights[d] * scores[d] for d in used) / total)
    return out
