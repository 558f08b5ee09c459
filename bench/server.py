"""Start ``kefu serve`` on a free loopback port, wait until it answers, stop it again."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def kefu_server(*, env: dict[str, str], workers: int, log: Path):
    """Yields (base URL, pid) of a running ``kefu serve --no-worker`` (gunicorn sync workers)."""
    port = free_port()
    cmd = [sys.executable, "-m", "kefu.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
           "--workers", str(workers), "--no-worker"]
    with open(log, "ab") as out:
        proc = subprocess.Popen(cmd, env={**os.environ, **env}, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base, proc, log)
        yield base, proc.pid
    finally:
        _stop(proc)


def _wait_healthy(base: str, proc: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"kefu serve exited with {proc.returncode}; see {log}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"kefu serve did not answer /healthz within {timeout:.0f} s; see {log}")


def drain(pid: int, timeout: float = 120) -> None:
    """Wait until the server is idle again: wrk gives up on slow requests at the end of a
    run, but the workers still finish them, and that would slow the next figure down."""
    from . import cpu

    if not cpu.Meter(pid).enabled:
        time.sleep(2)
        return
    deadline = time.monotonic() + timeout
    pids = cpu.tree(pid)
    used = cpu.seconds(pids)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = cpu.seconds(pids)
        if now - used < 0.05:  # under 10 % of one core for half a second
            return
        used = now


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)  # kefu serve passes it on to gunicorn
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # our own session: the server and its workers
            proc.wait()
