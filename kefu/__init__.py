"""kefu (客服): customer service."""

import os

# numpy's OpenBLAS starts a thread per core for every matrix product; in a web or worker
# process (several of them per machine) those threads spin against each other: a query
# embedding took 8 ms at p50 and 120 ms at p95 with them, 1.5 / 2 ms with one (docs/
# performance.md, Search). Set OPENBLAS_NUM_THREADS in the environment to override.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
