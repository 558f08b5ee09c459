"""Fixed-window rate limits shared by every process: one upsert per attempt on
``RateCounter`` (``INSERT … ON CONFLICT DO UPDATE … RETURNING``, the same statement on
SQLite ≥ 3.35 and PostgreSQL), so a limit holds across gunicorn workers and hosts without
Redis, and a restart does not reset it."""

from __future__ import annotations

import hashlib
import random
import time

from django.db import connection

from .models import RateCounter

#: Expired counters are deleted on one attempt in this many.
SWEEP_EVERY = 500


def _key(scope: str, client: str) -> str:
    return hashlib.sha256(f"{scope}\x00{client}".encode("utf-8", "surrogatepass")).hexdigest()


def attempt(*, scope: str, client: str, window: int, now: float | None = None) -> int:
    """Count one attempt of ``client`` in ``scope``; return the attempts in its current
    window, this one included. The window starts at the first attempt and lasts ``window``
    seconds."""
    if window <= 0:
        raise ValueError("window must be positive")
    now = int(time.time() if now is None else now)
    key = _key(scope, client)
    table = RateCounter._meta.db_table
    sql = (f"INSERT INTO {table} (bucket, window_ends, count) VALUES (%s, %s, 1) "
           f"ON CONFLICT (bucket) DO UPDATE SET "
           f"count = CASE WHEN {table}.window_ends <= %s THEN 1 ELSE {table}.count + 1 END, "
           f"window_ends = CASE WHEN {table}.window_ends <= %s THEN %s "
           f"ELSE {table}.window_ends END RETURNING count")
    with connection.cursor() as cursor:
        cursor.execute(sql, [key, now + window, now, now, now + window])
        count = cursor.fetchone()[0]
        if random.randrange(SWEEP_EVERY) == 0:
            cursor.execute(f"DELETE FROM {table} WHERE window_ends <= %s", [now])
    return count


def over_limit(*, scope: str, client: str, limit: int, window: int = 3600) -> bool:
    """Count one attempt; True when it goes over ``limit`` in the window. ``limit`` <= 0: no
    limit (nothing is counted)."""
    if limit <= 0:
        return False
    return attempt(scope=scope, client=client, window=window) > limit
