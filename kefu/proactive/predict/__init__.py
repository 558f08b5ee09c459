"""Pure prediction models for proactive service: numpy/scipy only, no Django, no ORM.

- ``summary`` — purchases to the per-customer (frequency, recency, T, monetary value) summary;
- ``bgnbd`` — the BG/NBD model (Fader, Hardie & Lee 2005): fit, probability alive,
  expected purchases over a horizon;
- ``gamma_gamma`` — expected spend per purchase (the Gamma-Gamma model);
- ``value`` — customer lifetime value over a horizon, discounted;
- ``depletion`` — when a household runs out (rice bin, water, gas …), with a band;
- ``rfm`` — RFM scores, recency against each customer's own rhythm, editable segments.

Arrays in, arrays out (one element per customer). Input a model cannot use raises
:class:`PredictError` with a stable ``code``. Formulas and derivations:
docs/proactive-models.md.
"""

from .errors import PredictError

__all__ = ["PredictError"]
