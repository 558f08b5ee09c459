"""Pure statistics for service quality: no ORM, no Django, numpy/scipy only.

- ``reliability`` — Cronbach's alpha with Feldt's confidence interval;
- ``servqual`` — SERVQUAL gaps, MSA/MSS, zone of tolerance, weighted scores, SERVPERF;
- ``scores`` — means with t intervals, NPS, CSAT (Wilson), CES;
- ``compare`` — comparisons across groups, small samples flagged instead of ranked.

Every function raises :class:`StatsError` (an ``ApplicationError`` with a stable ``code``)
for input it cannot answer, never returns NaN silently. Formulas: docs/servqual.md.
"""

from .base import StatsError

__all__ = ["StatsError"]
