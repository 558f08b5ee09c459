"""Running calls at the same moment, for race tests."""

from __future__ import annotations

import threading

from django.db import connection


def at_once(*calls) -> list:
    """Run the calls in threads released together; their results (or the exceptions they
    raised), in order. Each thread closes its own database connection."""
    start = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            start.wait(timeout=10)
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 - reported to the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results
