"""The dashboard pages through HTTP (``measure``), and the pieces the selector figures share:
the CPU time of this process's PostgreSQL backend (``DbCpu``), a percentile (``pct``)."""

from __future__ import annotations

import statistics
import time

from bench import cpu


class DbCpu:
    """CPU seconds of this process's PostgreSQL backend (0 on SQLite: it runs in-process)."""

    def __init__(self):
        from django.db import connection

        self.pid = None
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self.pid = cursor.fetchone()[0]

    def seconds(self) -> float:
        return cpu.seconds([self.pid]) if self.pid else 0.0


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def measure(*, runs: int, calls: int, target_ms: float) -> dict:
    """The dashboards through HTTP, when the product has them (``kefu.analytics`` views
    routed in ``kefu.urls``): Django's test client signed in as the demo manager (head
    office: everything in scope), default filters. Per page: the first call on a fresh
    database connection ("cold": nothing is cached between calls anyway), then wall p50 /
    p95 and CPU per call (this process, plus its PostgreSQL backend) and the queries."""
    from django.db import connection
    from django.urls import URLPattern, URLResolver, get_resolver

    found = []

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern) and p.callback.__module__.startswith(
                    "kefu.analytics") and not p.pattern.regex.groupindex:
                found.append("/" + prefix + str(p.pattern).lstrip("^").rstrip("$"))

    walk(get_resolver().url_patterns)
    if not found:
        return {"measured": False, "reason": "no kefu.analytics views are routed yet"}
    from django.test import Client

    from kefu.accounts.models import User

    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.get(username="manager"))
    out = {"measured": True, "paths": {}}
    for path in found:
        connection.close()  # cold: a new connection, as after a restart
        t0 = time.perf_counter()
        client.get(path)
        first = (time.perf_counter() - t0) * 1000
        captured = []  # the request resets connection.queries: count with a wrapper

        def count(execute, sql, params, many, context, captured=captured):
            captured.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            client.get(path)
        db_cpu = DbCpu()
        walls, cpus = [], []
        status = None
        for _ in range(runs * calls):
            c0, d0, t0 = time.process_time(), db_cpu.seconds(), time.perf_counter()
            status = client.get(path).status_code
            walls.append((time.perf_counter() - t0) * 1000)
            cpus.append((time.process_time() - c0 + db_cpu.seconds() - d0) * 1000)
        out["paths"][path] = {"status": status, "p50_ms": round(statistics.median(walls), 2),
                              "p95_ms": round(pct(walls, 95), 2),
                              "cpu_ms": round(statistics.mean(cpus), 2),
                              "first_ms": round(first, 2), "queries": len(captured),
                              "target_met": statistics.median(walls) <= target_ms}
        print(f"bench.surveys: GET {path} → {status}, p50 {statistics.median(walls):.1f} ms, "
              f"CPU {statistics.mean(cpus):.1f} ms, first {first:.1f} ms, "
              f"{len(captured)} queries", flush=True)
    return out
