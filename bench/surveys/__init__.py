"""``python -m bench.surveys`` (part of ``make bench``): survey analytics at 10,000,000
SERVQUAL answers — the dashboards over the incremental rollups (target p50 ≤ 100 ms) and an
ad-hoc re-slice over the raw answers (target ≤ 2 s), by plain SQL and by DuckDB over a
Parquet export. See docs/performance.md, "Surveys and dashboards".

- ``generate``: the deterministic data (numpy) and the bulk writes;
- ``build``: loading it in one transaction with its rollups (``rollups.upsert``: ``Rollup``
  and ``RollupTotal``); checking a sample of slices against
  ``kefu.surveys.rollups.recompute``, and every ``RollupTotal`` row against the ``Rollup``
  rows it sums;
- ``dashboard``: the dashboard reads measured (the selectors);
- ``pages``: the dashboard pages measured over Django's test client;
- ``reslice``: the raw-answer re-slices, SQL and DuckDB;
- ``__main__``: the command: build or reuse, measure, print the table, write the JSON.
"""
