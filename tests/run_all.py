"""``make test``: the whole suite on SQLite and, when KEFU_TEST_DATABASE_URL is set, again on
PostgreSQL. The two halves run at the same time, each a pytest process of its own whose output
goes to a file and is printed whole, under its header, when it ends; ``KEFU_TEST_SERIAL=1``
runs them one after the other with live output instead. Exits non-zero when either half
fails, and says plainly what it skipped."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import IO
from urllib.parse import urlsplit, urlunsplit

HEARTBEAT_SECONDS = 300  # a line now and then, so a quiet CI log is not mistaken for a hang


@dataclass
class Half:
    label: str
    env: dict[str, str]
    args: list[str]
    started: float = 0.0
    proc: subprocess.Popen | None = None
    log: IO[bytes] | None = field(default=None, repr=False)

    def header(self) -> str:
        return f"\n=== kefu tests on {self.label} ==="


def other_redis_db(url: str) -> str:
    """The same Redis server, another database number (the next one; 14 for 15, so it never
    wraps round to the default 0): the PostgreSQL half's huey queues and cache keys stay apart
    from the SQLite half's."""
    parts = urlsplit(url)
    path = parts.path.strip("/")
    db = int(path) if path.isdigit() else 0
    return urlunsplit(parts._replace(path=f"/{db + 1 if db < 15 else db - 1}"))


def halves(args: list[str]) -> tuple[list[Half], list[str]]:
    skipped = []
    data_dir = os.environ.get("KEFU_DATA_DIR")

    def env(name: str, **extra: str) -> dict[str, str]:
        # each half makes its own temporary data directory (kefu/core/testing/env.py); one
        # given by the caller is split in two so the halves never share files
        if data_dir:
            extra["KEFU_DATA_DIR"] = os.path.join(data_dir, name)
        return dict(os.environ, **extra)

    out = [Half("SQLite", env("sqlite", KEFU_TEST_USE_DATABASE_URL=""), args)]
    pg = os.environ.get("KEFU_TEST_DATABASE_URL")
    redis = os.environ.get("KEFU_TEST_REDIS_URL")
    if pg:
        extra = {"KEFU_TEST_USE_DATABASE_URL": "1"}
        if redis:
            extra["KEFU_TEST_REDIS_URL"] = other_redis_db(redis)
        # Browser tests drive the same views; they run once, on SQLite.
        out.append(Half(f"PostgreSQL ({pg.split('@')[-1]})", env("postgresql", **extra),
                        [*args, "-m", "not browser"]))
    else:
        skipped.append("PostgreSQL: set KEFU_TEST_DATABASE_URL=postgres://… to run the "
                       "database tests there too")
    if not redis:
        skipped.append("Redis: set KEFU_TEST_REDIS_URL=redis://… to run the huey tests on "
                       "RedisHuey too")
    return out, skipped


def command(half: Half) -> list[str]:
    return [sys.executable, "-m", "pytest", *half.args]


def took(half: Half) -> str:
    seconds = round(time.monotonic() - half.started)
    return f"{seconds // 60} min {seconds % 60:02d} s"


def run_serially(todo: list[Half]) -> list[tuple[Half, int, str]]:
    results = []
    for half in todo:
        print(half.header(), flush=True)
        half.started = time.monotonic()
        code = subprocess.call(command(half), env=half.env)
        results.append((half, code, took(half)))
    return results


def run_concurrently(todo: list[Half]) -> list[tuple[Half, int, str]]:
    color = [] if not sys.stdout.isatty() or any(a.startswith("--color") for a in todo[0].args) \
        else ["--color=yes"]  # the log goes to a file first; keep the colours for a terminal
    for half in todo:
        half.log = tempfile.TemporaryFile(prefix="kefu-tests-")
        half.started = time.monotonic()
        half.proc = subprocess.Popen([*command(half), *color], env=half.env, stdout=half.log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    print("kefu tests: running " + " and ".join(h.label for h in todo) + " at the same time; "
          "each one's output follows when it ends (KEFU_TEST_SERIAL=1 runs them one by one)",
          flush=True)
    results, running, beat = [], list(todo), time.monotonic()
    try:
        while running:
            for half in list(running):
                code = half.proc.poll()
                if code is None:
                    continue
                running.remove(half)
                results.append((half, code, took(half)))
                show(half, f"({'passed' if code == 0 else f'failed, exit {code}'}, "
                           f"{results[-1][2]})")
            if running and time.monotonic() - beat >= HEARTBEAT_SECONDS:
                beat = time.monotonic()
                print("… still running: " + ", ".join(f"{h.label} ({took(h)})" for h in running),
                      flush=True)
            time.sleep(0.5)
    except KeyboardInterrupt:
        for half in running:
            half.proc.terminate()
        for half in running:
            try:
                half.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                half.proc.kill()
                half.proc.wait()
            show(half, "(interrupted)")
        raise
    return results


def show(half: Half, status: str) -> None:
    print(f"{half.header()} {status}", flush=True)
    half.log.seek(0)
    sys.stdout.buffer.write(half.log.read())
    sys.stdout.buffer.flush()
    half.log.close()


def main() -> int:
    todo, skipped = halves(sys.argv[1:])
    serial = len(todo) == 1 or os.environ.get("KEFU_TEST_SERIAL", "") not in ("", "0")
    results = run_serially(todo) if serial else run_concurrently(todo)
    print()
    for half, code, elapsed in sorted(results, key=lambda r: todo.index(r[0])):
        print(f"{half.label}: {'passed' if code == 0 else f'FAILED (exit {code})'} in {elapsed}")
    for line in skipped:
        print(f"skipped — {line}")
    return next((code for _half, code, _elapsed in results if code), 0)


if __name__ == "__main__":
    sys.exit(main())
