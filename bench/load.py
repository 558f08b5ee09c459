"""The load generator: wrk with a Lua script, one run per call, figures parsed from JSON."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

LUA_DIR = Path(__file__).resolve().parent / "lua"
WRK_MISSING = ("wrk is not installed, and the bench needs it as its load generator.\n"
               "  Debian/Ubuntu: sudo apt-get install wrk    macOS: brew install wrk\n"
               "  (https://github.com/wg/wrk)")


class LoadError(RuntimeError):
    pass


def wrk_path() -> str | None:
    return shutil.which("wrk")


@dataclass
class Run:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    errors: int  # socket errors plus answers outside 2xx/3xx

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def wrk(url: str, *, script: str, connections: int, seconds: float, headers: dict[str, str],
        env: dict[str, str]) -> Run:
    """One wrk run of ``seconds`` against ``url`` (base URL; the script chooses paths)."""
    threads = min(2, connections)
    cmd = [wrk_path() or "wrk", "-t", str(threads), "-c", str(connections),
           "-d", f"{max(1, round(seconds))}s", "--timeout", "30s",
           "-s", str(LUA_DIR / script)]
    for name, value in headers.items():
        cmd += ["-H", f"{name}: {value}"]
    cmd.append(url)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60,
                         env={**os.environ, **env, "BENCH_LUA_DIR": str(LUA_DIR)})
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if out.returncode != 0 or line is None:
        raise LoadError(f"wrk failed ({out.returncode}): {out.stderr.strip() or out.stdout.strip()}")
    raw = json.loads(line.removeprefix("BENCH_JSON "))
    secs = raw["duration_us"] / 1e6
    errors = sum(raw[k] for k in ("connect_errors", "read_errors", "write_errors",
                                  "status_errors", "timeouts"))
    return Run(requests=raw["requests"], seconds=round(secs, 2),
               rps=round(raw["requests"] / secs, 1) if secs else 0.0,
               p50_ms=raw["p50_us"] / 1000, p90_ms=raw["p90_us"] / 1000,
               p95_ms=raw["p95_us"] / 1000, p99_ms=raw["p99_us"] / 1000,
               max_ms=raw["max_us"] / 1000, errors=errors)
