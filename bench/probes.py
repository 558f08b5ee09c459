"""In-process measurements: SQL queries per request (Django test client) and the database's
own single-row committed-insert rate, the physical floor under every write."""

from __future__ import annotations

import json
import sqlite3
import statistics
import time

from .prepare import BENCH_SUBJECT

CREATE_BODY = {"subject": f"{BENCH_SUBJECT} (query count)", "description": "配送迟到。",
               "type": "inquiry", "priority": "normal"}


def query_count(method: str, path: str, *, token: str | None = None, body: dict | None = None,
                console: bool = False) -> dict:
    """Queries for one request, after one warm-up request to the same path."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from kefu.accounts.models import User

    client = Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    if console:
        client.force_login(User.objects.get(username="agent"))

    def call():
        if method == "POST":
            return client.post(path, data=json.dumps(body), content_type="application/json",
                               **headers)
        return client.get(path, **headers)

    call()
    with CaptureQueriesContext(connection) as ctx:
        response = call()
    return {"queries": len(ctx.captured_queries), "status": response.status_code,
            "sql": [q["sql"][:300] for q in ctx.captured_queries]}


def commit_rate(seconds: float) -> list[dict]:
    """A tight loop of INSERT one row + COMMIT on one connection to the bench database.

    PostgreSQL as configured (synchronous_commit, fsync shown). SQLite twice: synchronous=FULL
    (durable; the reference) and synchronous=NORMAL in WAL mode (what kefu configures: a
    commit is safe from a crash of kefu but not from a power cut)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        raw = connection.get_new_connection(connection.get_connection_params())
        raw.autocommit = False
        try:
            cur = raw.cursor()
            cur.execute("SHOW synchronous_commit")
            sync = cur.fetchone()[0]
            cur.execute("SHOW fsync")
            fsync = cur.fetchone()[0]
            cur.execute("DROP TABLE IF EXISTS bench_commit")
            cur.execute("CREATE TABLE bench_commit (id bigserial PRIMARY KEY, "
                        "at timestamptz NOT NULL DEFAULT now(), note text NOT NULL)")
            raw.commit()
            result = _loop(lambda: cur.execute("INSERT INTO bench_commit (note) VALUES (%s)",
                                               ["x"]), raw.commit, seconds)
            cur.execute("DROP TABLE bench_commit")
            raw.commit()
        finally:
            raw.close()
        return [{"mode": f"synchronous_commit={sync}, fsync={fsync}", "durable": sync != "off"
                 and fsync == "on", **result}]
    name = connection.settings_dict["NAME"]
    return [_sqlite_commit_rate(name, sync, seconds) for sync in ("FULL", "NORMAL")]


def _sqlite_commit_rate(name: str, sync: str, seconds: float) -> dict:
    raw = sqlite3.connect(name, isolation_level=None, timeout=20)
    try:
        raw.execute("PRAGMA journal_mode=WAL")
        raw.execute(f"PRAGMA synchronous={sync}")
        raw.execute("DROP TABLE IF EXISTS bench_commit")
        raw.execute("CREATE TABLE bench_commit (id INTEGER PRIMARY KEY AUTOINCREMENT, "
                    "at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP, note TEXT NOT NULL)")

        def insert():
            raw.execute("BEGIN IMMEDIATE")
            raw.execute("INSERT INTO bench_commit (note) VALUES (?)", ["x"])

        result = _loop(insert, lambda: raw.execute("COMMIT"), seconds)
        raw.execute("DROP TABLE bench_commit")
    finally:
        raw.close()
    return {"mode": f"WAL, synchronous={sync}", "durable": sync == "FULL", **result}


def _loop(insert, commit, seconds: float) -> dict:
    latencies = []
    end = time.perf_counter() + seconds
    while (start := time.perf_counter()) < end:
        insert()
        commit()
        latencies.append(time.perf_counter() - start)
    total = sum(latencies)
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else latencies * 99
    return {"commits": len(latencies), "rps": round(len(latencies) / total, 1),
            "p50_ms": round(q[49] * 1000, 3), "p99_ms": round(q[98] * 1000, 3)}
