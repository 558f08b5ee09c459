"""CPU time per request, read from /proc: the web server's processes, the PostgreSQL backends
serving them, and wrk itself. Unlike req/s, CPU per request barely moves when other work
shares the machine, so it says what the code costs. Linux only; elsewhere it reports None."""

from __future__ import annotations

import os
import resource
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds) of a process, or None if it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2:].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK


def tree(root: int) -> list[int]:
    """``root`` and all its descendants."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (st := _stat(int(entry.name))):
            parents.setdefault(st[0], []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += parents.get(pid, [])
    return out


def seconds(pids: list[int]) -> float:
    return sum(st[1] for pid in pids if (st := _stat(pid)))


def postgres_backends() -> list[int]:
    """Backends connected to the bench database, except this process's own connection."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cur:
        cur.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid()")
        pids = [row[0] for row in cur.fetchall()]
    connection.close()
    return pids


def children_seconds() -> float:
    """CPU of this process's finished children (so: the wrk run just waited for)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class Meter:
    """Brackets one load run: ``start()``, then ``stop(requests)`` gives ms of CPU per request."""

    def __init__(self, server_pid: int | None):
        self.server_pid = server_pid
        self.enabled = server_pid is not None and Path("/proc/self/stat").exists()

    def start(self) -> None:
        if not self.enabled:
            return
        self.app_pids = tree(self.server_pid)
        self.db_pids = postgres_backends()
        self.before = (seconds(self.app_pids), seconds(self.db_pids), children_seconds())

    def stop(self, requests: int) -> dict:
        if not self.enabled or not requests:
            return {}
        app, db, wrk = (seconds(self.app_pids), seconds(self.db_pids), children_seconds())
        # backends opened during the run (new connections) are missed: count them next time
        per = 1000 / requests
        return {"cpu_app_ms": round((app - self.before[0]) * per, 2),
                # SQLite runs inside the web workers: its CPU is part of cpu_app_ms
                "cpu_db_ms": round((db - self.before[1]) * per, 2) if self.db_pids else 0.0,
                "cpu_wrk_ms": round((wrk - self.before[2]) * per, 3)}
