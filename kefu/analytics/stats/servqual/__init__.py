"""SERVQUAL and SERVPERF scores (Parasuraman, Zeithaml & Berry 1988, 1991, 1994).

One row per respondent × item: perception ``P`` and, for SERVQUAL, expectation ``E``; in the
three-column form also ``desired`` and ``adequate`` service; optionally the 100 points of
importance the respondent gave the item's dimension. Missing answers are absent rows.

- **gap** ``P − E`` per row; an item's gap is the mean over its rows; a dimension's gap is
  the mean of its items' gaps; the overall gap is the mean of the dimension gaps (each
  dimension counts once, however many items it has). The same three levels give the mean
  expectation and perception, MSA and MSS.
- **MSA** (measure of service adequacy) ``P − adequate``; **MSS** (measure of service
  superiority) ``P − desired`` (1994). Each over the rows that have the column.
- **zone of tolerance** ``adequate … desired``: perception is ``below`` it (P < adequate),
  ``above`` it (P > desired) or ``within``; per item, dimension and overall from the means,
  plus the share of rows in each position.
- **weighted** scores follow Zeithaml, Parasuraman & Berry (1990): per respondent, the sum
  over dimensions of (their dimension score × their importance weight), then the mean over
  respondents. Weights are normalised **per respondent** — points / the respondent's own
  total over the dimensions they scored — so allocations that do not add up to exactly 100,
  or a dimension left unanswered, still give weights that sum to 1 and each respondent's
  own priorities weight their own gaps. (Averaging the weights first and applying them to
  the dimension means gives the same figure only when weights and gaps are uncorrelated.)
- **SERVPERF** (Cronin & Taylor 1992) is the perception score alone: the ``perception``
  figures at every level, ``perception_weighted`` overall; ``expectation=None`` analyses a
  perception-only instrument.

Confidence intervals: an item's is the t interval of its rows. A dimension's is centred on
its score with the standard error of the respondents' own dimension scores (the mean of
their items in the dimension); the overall one likewise with the respondents' overall
scores. With complete data the centre equals the respondents' mean, so these are ordinary
t intervals.
"""

from __future__ import annotations

from .analysis import analyze
from .data import (
    DIMENSION_NAMES_ZH,
    DIMENSIONS,
    ServqualData,
    first_duplicate,
    first_importance_conflict,
    normalise_dimension,
    zone_position,
)
from .results import DimensionResult, ItemResult, OverallResult, ServqualResult, Zone

__all__ = ["DIMENSIONS", "DIMENSION_NAMES_ZH", "DimensionResult", "ItemResult",
           "OverallResult", "ServqualData", "ServqualResult", "Zone", "analyze",
           "first_duplicate", "first_importance_conflict", "normalise_dimension",
           "zone_position"]
