"""``python -m bench``: prepare the 1M-ticket database, serve it, load it with wrk, report."""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

from . import cpu, load, prepare, probes, report
from .figures import FIGURES, NAMES, Figure
from .server import drain, kefu_server


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="kefu benchmarks on a 1,000,000-ticket demo. "
        "DATABASE_URL picks the database (default: SQLite under ./var/bench).")
    parser.add_argument("--duration", type=float, default=10, help="seconds per run (default 10)")
    parser.add_argument("--runs", type=int, default=3,
                        help="runs per figure; the table shows medians (default 3)")
    parser.add_argument("--skip-build", action="store_true",
                        help="do not build the large demo (use the database as it is)")
    parser.add_argument("--only", action="append", default=[], metavar="NAME",
                        help=f"run only these figures (repeat or comma-separate): {', '.join(NAMES)}")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    args = parser.parse_args(argv)
    args.only = [n.strip() for item in args.only for n in item.split(",") if n.strip()]
    unknown = sorted(set(args.only) - set(NAMES))
    if unknown:
        parser.error(f"unknown figure(s) {', '.join(unknown)}; choose from {', '.join(NAMES)}")
    if args.duration <= 0 or args.runs < 1:
        parser.error("--duration must be positive and --runs at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    selected = args.only or NAMES
    figures = [f for f in FIGURES if f.name in selected]
    if figures and load.wrk_path() is None:
        print(load.WRK_MISSING, file=sys.stderr)
        return 2
    env = prepare.bench_env()
    db = prepare.db_label(env["DATABASE_URL"])
    print(f"bench: {db} at {_safe_url(env['DATABASE_URL'])}; data dir {env['KEFU_DATA_DIR']}",
          flush=True)
    prepare.kefu("migrate", env=env)
    prepare.setup_django(env)
    if not args.skip_build:
        have = prepare.ticket_count()
        if have >= prepare.TARGET_TICKETS:
            print(f"bench: the database already has {have:,} tickets; build skipped", flush=True)
        else:
            print(f"bench: building the large demo ({have:,} → {prepare.TARGET_TICKETS:,} "
                  "tickets)…", flush=True)
            started = time.monotonic()
            prepare.kefu("demo", "--size", "large", env=env)
            print(f"bench: large demo built in {time.monotonic() - started:.0f} s", flush=True)
    removed = prepare.remove_bench_tickets()
    if removed:
        print(f"bench: removed {removed:,} tickets left by earlier create runs", flush=True)
    result = {"setup": _setup(args, db, env), "figures": [], "notes": []}
    if result["setup"]["load_average"] > 0.5:
        note = (f"the machine was busy before the bench started (load average "
                f"{result['setup']['load_average']:.2f}); other work lowers every figure.")
        print(f"bench: warning: {note}", flush=True)
        result["notes"].append(note)
    if "commit" in selected:
        result["figures"] += _commit_rows(args)
    if figures:
        fx = prepare.fixtures(env)
        from django.db import connection

        connection.close()  # no idle connection of ours while the server is under load
        log = Path(env["KEFU_DATA_DIR"]) / "bench-server.log"
        print(f"bench: starting kefu serve --workers {args.workers} --no-worker (log: {log})",
              flush=True)
        with kefu_server(env=env, workers=args.workers, log=log) as (base, pid):
            meter = cpu.Meter(pid)
            cookie = (prepare.console_login(base) if any(f.auth == "session" for f in figures)
                      else "")
            for fig in figures:
                result["figures"].append(_measure(fig, base, fx, cookie, args, meter,
                                                  result["notes"]))
                drain(pid)
                if fig.name == "create":
                    removed = prepare.remove_bench_tickets()
                    print(f"  removed the {removed:,} tickets it created", flush=True)
                connection.close()
    path = report.write_json(result, db)
    print()
    print(report.table(result))
    print(f"\nresults written to {path}")
    return 0


def _measure(fig: Figure, base: str, fx: prepare.Fixtures, cookie: str, args,
             meter: cpu.Meter, notes: list[str]) -> dict:
    row: dict = {"name": fig.name, "label": fig.label, "connections": fig.connections,
                 "target": str(fig.target) if fig.target else "reference" if fig.reference
                 else None}
    paths = fig.paths(fx.ticket_ids)
    wrk_env = {"BENCH_PATHS": " ".join(paths),
               "BENCH_CUSTOMERS": " ".join(map(str, fx.customer_ids))}
    headers = ({"Authorization": f"Bearer {fx.token}"} if fig.auth == "token"
               else {"Cookie": cookie} if fig.auth == "session" else {})
    row["load_before"] = _loadavg()
    print(f"bench: {fig.name}: {fig.label} ({fig.connections} connections; "
          f"load average {row['load_before']:.2f})", flush=True)
    try:
        row.update(_queries(fig, paths, fx, notes))
        warm = min(3.0, args.duration)
        load.wrk(base, script=fig.script, connections=fig.connections, seconds=warm,
                 headers=headers, env=wrk_env)
        runs = []
        for i in range(args.runs):
            meter.start()
            run = load.wrk(base, script=fig.script, connections=fig.connections,
                           seconds=args.duration, headers=headers, env=wrk_env)
            used = meter.stop(run.requests)
            print(f"  run {i + 1}: {run.rps:.1f} req/s, p50 {run.p50_ms:.2f} ms, "
                  f"p95 {run.p95_ms:.2f} ms, p99 {run.p99_ms:.2f} ms"
                  + (f", CPU/request {used['cpu_app_ms']:.1f} ms app + "
                     f"{used['cpu_db_ms']:.1f} ms db" if used else "")
                  + (f", {run.errors} failed" if run.errors else ""), flush=True)
            runs.append({**run.as_dict(), **used})
    except (load.LoadError, RuntimeError, subprocess.TimeoutExpired) as exc:
        row["error"] = str(exc)[:300]
        print(f"  error: {exc}", file=sys.stderr, flush=True)
        return row
    row["runs"] = runs
    finished = [r for r in runs if r["requests"]]
    if not finished:
        row["error"] = (f"no request finished within {args.duration:g} s "
                        "(each takes longer than a run)")
        return row
    if len(finished) < len(runs):
        notes.append(f"{fig.name}: {len(runs) - len(finished)} of {len(runs)} runs finished no "
                     "request; the median is over the others.")
    row["median"] = report.median_run(finished)
    row["load_after"] = _loadavg()
    m = row["median"]
    if m.get("cpu_app_ms"):
        spent = m["cpu_app_ms"] + m["cpu_db_ms"] + m["cpu_wrk_ms"]
        m["cpu_bound_rps"] = round((os.cpu_count() or 1) * 1000 / spent, 1)
        if fig.name in ("create", "floor"):
            notes.append(f"{fig.name}: {spent:.1f} ms of CPU per request (app "
                         f"{m['cpu_app_ms']:.1f}, db {m['cpu_db_ms']:.1f}, wrk "
                         f"{m['cpu_wrk_ms']:.2f}): {os.cpu_count()} idle cores could serve at "
                         f"most ~{m['cpu_bound_rps']:.0f} req/s.")
    if fig.target:
        row["target_met"] = (fig.target.met(row["median"][fig.target.metric])
                             and not any(r["errors"] for r in runs))
    return row


def _loadavg() -> float:
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0.0


def _queries(fig: Figure, paths: list[str], fx: prepare.Fixtures, notes: list[str]) -> dict:
    """SQL queries for one request of this figure (Django test client, in this process)."""
    token = fx.token if fig.auth == "token" else None
    console = fig.auth == "session"
    if fig.name == "create":
        body = {**probes.CREATE_BODY, "customer_id": fx.customer_ids[0]}
        got = probes.query_count("POST", paths[0], token=token, body=body)
    else:
        got = probes.query_count("GET", paths[0], token=token, console=console)
    out = {"queries": got["queries"], "queries_sql": got["sql"], "probe_status": got["status"]}
    if fig.name == "inbox":
        small = probes.query_count("GET", paths[0].replace("limit=25", "limit=5"), token=token)
        out["queries_limit5"] = small["queries"]
        fixed = "fixed" if small["queries"] == got["queries"] else "NOT fixed"
        notes.append(f"inbox list: {got['queries']} SQL queries at limit=25 and "
                     f"{small['queries']} at limit=5 ({fixed}).")
    if got["status"] >= 400:
        notes.append(f"{fig.name}: the query-count probe answered HTTP {got['status']}.")
    return out


def _commit_rows(args) -> list[dict]:
    print(f"bench: commit: single-row INSERT+COMMIT loop, {args.runs} × {args.duration:g} s",
          flush=True)
    by_mode: dict[str, list[dict]] = {}
    for _i in range(args.runs):
        for r in probes.commit_rate(args.duration):
            by_mode.setdefault(r["mode"], []).append(r)
    rows = []
    for mode, runs in by_mode.items():
        durable = runs[0]["durable"]
        rows.append({"name": "commit" if durable else "commit_app",
                     "label": f"DB single-row commit, 1 conn ({mode})", "connections": 1,
                     "target": "reference" if durable else "reference (not durable)",
                     "runs": runs, "median": report.median_run(runs)})
    return rows


def _setup(args, db: str, env: dict[str, str]) -> dict:
    import django
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT version()" if connection.vendor == "postgresql"
                    else "SELECT 'SQLite ' || sqlite_version()")
        version = cur.fetchone()[0].split(" on ")[0]
    return {
        "database": db, "database_version": version, "database_url": _safe_url(env["DATABASE_URL"]),
        "tickets": prepare.ticket_count(), "web_workers": args.workers, "runs": args.runs,
        "duration_s": args.duration, "cpus": os.cpu_count(), "cpu": _cpu_model(),
        "memory_gb": _memory_gb(), "python": platform.python_version(),
        "django": django.get_version(), "wrk": _wrk_version(), "git": _git(),
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "load_average": _loadavg(),
        "load_generator": "wrk on the same machine, loopback",
    }


def _safe_url(url: str) -> str:
    password = urllib.parse.urlsplit(url).password
    return url.replace(f":{password}@", ":***@", 1) if password else url


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gb() -> float | None:
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        return round(kb / 1024 / 1024, 1)
    except (OSError, ValueError, IndexError):
        return None


def _wrk_version() -> str:
    try:
        out = subprocess.run([load.wrk_path() or "wrk", "--version"], capture_output=True,
                             text=True, timeout=10)
        return (out.stdout or out.stderr).splitlines()[0].strip()
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return ""


def _git() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, cwd=prepare.PROJECT_DIR, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, cwd=prepare.PROJECT_DIR,
                               timeout=10).stdout.strip()
        return f"{head}{' (uncommitted changes)' if dirty else ''}"
    except OSError:
        return ""
