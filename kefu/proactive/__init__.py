"""Know the customer before they call: consumption, next-need prediction, churn risk and
value, segments and proactive care tasks. ``predict/`` is pure (numpy/scipy, no ORM)."""
