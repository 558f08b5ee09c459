"""Console pages and ticket-page panels of the workflow features (see panels.py)."""
