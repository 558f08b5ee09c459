"""When a survey answer calls for service recovery (pure, no ORM): ``recovery_trigger``.

One customer's response opens a recovery ticket when (thresholds from the admin's
``RecoveryPolicy``; None switches a rule off):

- CSAT: the satisfaction rating (the instrument's first rating question) is at most
  ``csat_at_most`` (default 2 on 1–5: "dissatisfied" or "very dissatisfied");
- NPS: the 0–10 score is at most ``nps_at_most`` (default 6: a detractor);
- SERVQUAL (expectation and perception): the respondent's gap P − E of some dimension (the
  mean of the dimension's answered items) is at most ``gap_at_most`` (default −1.5 on the
  7-point scales); the three-column form uses the measure of service adequacy P − adequate
  instead (service below the bottom of the zone of tolerance). The most negative dimension
  is named.

SERVPERF (perception only, no gap), CES, custom and staff surveys never trigger.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .rollup_rules import rollup_deltas
from .rules import DIMENSIONS, CleanAnswer, Column, InstrumentKind, QuestionKind, QuestionSpec

LOW_CSAT = "low_csat"
NPS_DETRACTOR = "nps_detractor"
SERVQUAL_GAP = "servqual_gap"
REASONS = (LOW_CSAT, NPS_DETRACTOR, SERVQUAL_GAP)

#: The gap threshold can be set from −6 (the widest gap on 7-point scales) to 0.
GAP_LIMITS = (-6.0, 0.0)


@dataclass(frozen=True)
class Thresholds:
    csat_at_most: int | None = 2
    nps_at_most: int | None = 6
    gap_at_most: float | None = -1.5


@dataclass(frozen=True)
class Trigger:
    reason: str  # one of REASONS
    score: float  # the rating, the NPS score, or the dimension's gap (MSA)
    threshold: float
    question: str = ""  # the rating question's code (CSAT, NPS)
    dimension: str = ""  # SERVQUAL: the most negative dimension
    column: str = ""  # SERVQUAL: "gap" (P − E) or "msa" (P − adequate)


def threshold_problems(t: Thresholds) -> list[tuple[str, str]]:
    """(field, code) for every threshold out of range (the admin form and service say why)."""
    problems = []
    for name, value, low, high in (("csat_at_most", t.csat_at_most, 1, 10),
                                   ("nps_at_most", t.nps_at_most, 0, 10)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or not low <= value <= high):
            problems.append((name, "out_of_range"))
    gap = t.gap_at_most
    if gap is not None and (isinstance(gap, bool) or not isinstance(gap, int | float)
                            or gap != gap or not GAP_LIMITS[0] <= gap <= GAP_LIMITS[1]):
        problems.append(("gap_at_most", "out_of_range"))
    return problems


def _first_rating(specs: Sequence[QuestionSpec], answers: Iterable[CleanAnswer]
                  ) -> tuple[QuestionSpec, int] | None:
    values = {a.question_id: a.value for a in answers if a.value is not None}
    for spec in specs:
        if spec.kind == QuestionKind.RATING:
            value = values.get(spec.id)
            return (spec, value) if value is not None else None
    return None


def recovery_trigger(kind: str, specs: Sequence[QuestionSpec], answers: Sequence[CleanAnswer],
                     thresholds: Thresholds) -> Trigger | None:
    """The reason one response calls for recovery, or None."""
    if kind == InstrumentKind.CSAT and thresholds.csat_at_most is not None:
        found = _first_rating(specs, answers)
        if found and found[1] <= thresholds.csat_at_most:
            return Trigger(LOW_CSAT, float(found[1]), float(thresholds.csat_at_most),
                           question=found[0].code)
    elif kind == InstrumentKind.NPS and thresholds.nps_at_most is not None:
        found = _first_rating(specs, answers)
        if found and found[1] <= thresholds.nps_at_most:
            return Trigger(NPS_DETRACTOR, float(found[1]), float(thresholds.nps_at_most),
                           question=found[0].code)
    elif (kind in (InstrumentKind.SERVQUAL, InstrumentKind.SERVQUAL3)
          and thresholds.gap_at_most is not None):
        column, name = ((Column.GAP, "gap") if kind == InstrumentKind.SERVQUAL
                        else (Column.MSA, "msa"))
        gaps = {dimension: total for (question, dimension, col, option), (_n, total, _sq)
                in rollup_deltas(specs, answers).items()
                if question == 0 and col == column and dimension in DIMENSIONS}
        if gaps:
            order = {d.value: i for i, d in enumerate(DIMENSIONS)}
            worst = min(gaps, key=lambda d: (gaps[d], order[d]))
            if gaps[worst] <= thresholds.gap_at_most + 1e-9:
                return Trigger(SERVQUAL_GAP, round(gaps[worst], 4),
                               float(thresholds.gap_at_most), dimension=worst, column=name)
    return None
