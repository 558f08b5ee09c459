"""The one error type of the prediction models."""

from __future__ import annotations

from kefu.core.errors import ApplicationError


class PredictError(ApplicationError):
    """Input a model cannot use. ``code`` is stable (``bad_value``, ``future_date``,
    ``too_few_customers``, ``no_convergence``, ``too_little_history``, ``bad_rule`` …).

    ``index`` is the position of the offending element in the arrays given (0-based; a
    file reader turns it into its row number) and ``column`` the argument it came from,
    when the error is about one element; both are also in ``details``.
    """

    def __init__(self, code: str, message: str, *, index: int | None = None,
                 column: str | None = None, details: dict | None = None):
        details = dict(details or {})
        if index is not None:
            details["index"] = int(index)
        if column is not None:
            details["column"] = column
        super().__init__(code, message, details=details)
        self.index = None if index is None else int(index)
        self.column = column


def first_bad(mask) -> int | None:
    """The first position where ``mask`` is true, else None."""
    import numpy as np

    hits = np.flatnonzero(np.asarray(mask))
    return int(hits[0]) if hits.size else None
