"""``python -m bench.surveys [--answers N] [--runs R]``: build (once) and measure the survey
analytics benchmark; prints a table with targets and verdicts, writes
``bench/results/surveys-<db>-<time>.json``.

The database is DATABASE_URL, else a SQLite file under ./var/bench-surveys (BENCH_DATA_DIR).
The data is built once per database (``kefu migrate``, ``kefu demo``, then the generated
answers); later runs reuse it. ``--fresh`` starts the default SQLite file again.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import time
from datetime import date, datetime
from pathlib import Path

from bench.prepare import PROJECT_DIR, db_label, kefu, setup_django
from bench.report import RESULTS_DIR

DEFAULT_DATA_DIR = PROJECT_DIR / "var" / "bench-surveys"
DB_FILE = "kefu-bench-surveys.sqlite3"
DASHBOARD_TARGET_MS = 100
RESLICE_TARGET_MS = 2000


def bench_env() -> dict[str, str]:
    data_dir = Path(os.environ.get("BENCH_DATA_DIR") or DEFAULT_DATA_DIR).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{data_dir / DB_FILE}"
    return {"DATABASE_URL": url, "KEFU_DATA_DIR": str(data_dir),
            "DJANGO_SETTINGS_MODULE": "kefu.settings",
            "KEFU_HUEY_FILE": "huey-bench-surveys.sqlite3"}


def parse_args(argv):
    p = argparse.ArgumentParser(prog="python -m bench.surveys", description=__doc__.split("\n\n")[0])
    p.add_argument("--answers", type=int, default=10_000_000,
                   help="SERVQUAL answers to generate (default 10,000,000)")
    p.add_argument("--seed", type=int, default=20261204)
    p.add_argument("--runs", type=int, default=5, help="runs per figure (medians; default 5)")
    p.add_argument("--calls", type=int, default=10, help="dashboard calls per run (default 10)")
    p.add_argument("--fresh", action="store_true",
                   help="delete the default SQLite database first (not with DATABASE_URL)")
    p.add_argument("--skip-reslice", action="store_true", help="dashboards only")
    args = p.parse_args(argv)
    if args.answers < 100 or args.runs < 1 or args.calls < 1:
        p.error("--answers at least 100, --runs and --calls at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    env = bench_env()
    db = db_label(env["DATABASE_URL"])
    if args.fresh:
        if os.environ.get("DATABASE_URL"):
            print("bench.surveys: --fresh only deletes the default SQLite file; drop and create "
                  "the PostgreSQL database yourself", file=sys.stderr)
            return 2
        for suffix in ("", "-wal", "-shm"):
            (Path(env["KEFU_DATA_DIR"]) / f"{DB_FILE}{suffix}").unlink(missing_ok=True)
    print(f"bench.surveys: {db}; data dir {env['KEFU_DATA_DIR']}", flush=True)
    load_before = _loadavg()
    kefu("migrate", env=env, capture=True)
    started = time.monotonic()
    kefu("demo", env=env, capture=True)
    demo_s = time.monotonic() - started
    setup_django(env)
    from . import build

    plan = build.plan_for(args.answers, args.seed)
    have = build.loaded()
    result: dict = {"setup": _setup(db, env, args, load_before), "notes": []}
    if have is None:
        print(f"bench.surveys: generating {plan.servqual:,} SERVQUAL respondents "
              f"(≈{args.answers:,} answers), {plan.csat:,} CSAT, {plan.nps:,} NPS and "
              f"{plan.ces:,} CES responses…", flush=True)
        built = build.build(plan, say=lambda line: print(line, flush=True))
        built["demo_s"] = round(demo_s, 1)
        print(f"bench.surveys: built in {built['total_s']:.0f} s (load {built['load_s']:.0f} s, "
              f"rollups {built['rollups_s']:.0f} s, analyse {built['analyse_s']:.0f} s)",
              flush=True)
        result["build"] = built
    elif (have.get("answers"), have.get("seed")) != (plan.answers, plan.seed):
        print(f"bench.surveys: the database holds data generated with answers={have.get('answers')} "
              f"seed={have.get('seed')}; use another database (or --fresh)", file=sys.stderr)
        return 2
    else:
        print(f"bench.surveys: reusing the data built before ({have['answers']:,} answers asked, "
              f"{have.get('servqual_answers', 0):,} SERVQUAL answers written)", flush=True)
        result["build"] = {"reused": True, **have}
    result["setup"]["rss_after_build_mb"] = _rss_mb()
    from kefu.surveys.models import RollupTotal

    result["build"]["rollup_total_rows"] = RollupTotal.objects.count()
    build.analyse(RollupTotal._meta.db_table)  # filled by a migration when the data is older
    checks = build.check_sample(args.seed)
    result["sample_check"] = checks
    for c in checks:
        source = ("the sums of the stored Rollup rows" if c["instrument"] == "all"
                  else "a recompute from the raw answers")
        print(f"bench.surveys: rollups of {c['instrument']} {c['slice']} ({c['responses']} "
              f"responses, {c['rows']} rows) {'equal' if c['equal'] else 'DIFFER'} to "
              f"{source}", flush=True)
    result["figures"] = _dashboards(args)
    result["setup"]["rss_after_dashboards_mb"] = _rss_mb()
    result["http"] = _http(args)
    if not args.skip_reslice:
        result["figures"] += _reslices(args, Path(env["KEFU_DATA_DIR"]), result["notes"])
    result["setup"]["load_average_after"] = _loadavg()
    result["setup"]["peak_rss_mb"] = _rss_mb()
    print()
    print(table(result))
    path = _write(result, db)
    print(f"\nresults: {path}")
    return 0 if all(c["equal"] for c in checks) else 1


# --- dashboards -------------------------------------------------------------------------------

def _cases():
    from kefu.accounts.models import Branch, Team
    from kefu.customers.models import Tier

    from . import generate
    from .dashboard import Filter, scores_by_team, scores_page, servqual_overview, servqual_trend

    months = generate.read_layout().months
    first, last = months[0], months[-1]
    quarter, year = months[-3], months[-12]
    branch = Branch.objects.get(code="bj-chaoyang").pk
    team = Team.objects.get(code="hotline").pk
    vip = Tier.objects.get(code="vip").pk
    return [
        ("servqual_quarter", "SERVQUAL dimensions + items, last quarter, all",
         servqual_overview, Filter(quarter, last)),
        ("servqual_quarter_branch", "… last quarter, one branch", servqual_overview,
         Filter(quarter, last, branch=branch)),
        ("servqual_year_team", "… last 12 months, one team", servqual_overview,
         Filter(year, last, team=team)),
        ("servqual_year_branch_vip", "… last 12 months, one branch × VIP", servqual_overview,
         Filter(year, last, branch=branch, tier=vip)),
        ("servqual_all", "… all 24 months, everything", servqual_overview, Filter(first, last)),
        ("trend_all", "gap trend per month, 24 months, all", servqual_trend, Filter(first, last)),
        ("trend_branch", "gap trend per month, 24 months, one branch", servqual_trend,
         Filter(first, last, branch=branch)),
        ("teams_quarter", "CSAT / NPS / CES by team, last quarter", scores_by_team,
         Filter(quarter, last)),
        ("teams_year_branch", "CSAT / NPS / CES by team, 12 months, one branch",
         scores_by_team, Filter(year, last, branch=branch)),
        ("scores_page_year", "… by team, agent, branch and month, 12 months (scores page)",
         scores_page, Filter(year, last)),
        ("scores_page_year_vip", "… the same, 12 months, VIP (per-tier totals)",
         scores_page, Filter(year, last, tier=vip)),
        ("scores_page_year_phone", "… the same, 12 months, phone channel (reads Rollup)",
         scores_page, Filter(year, last, channel="phone")),
    ]


def _dashboards(args) -> list[dict]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from .pages import DbCpu, pct

    rows = []
    for name, label, view, flt in _cases():
        view(flt)  # warm-up: connection, prepared statements, caches
        with CaptureQueriesContext(connection) as captured:
            sample = view(flt)
        db_cpu = DbCpu()
        runs = []
        for _run in range(args.runs):
            walls, cpus = [], []
            for _call in range(args.calls):
                c0, d0, w0 = time.process_time(), db_cpu.seconds(), time.perf_counter()
                view(flt)
                walls.append((time.perf_counter() - w0) * 1000)
                cpus.append((time.process_time() - c0 + db_cpu.seconds() - d0) * 1000)
            runs.append({"p50_ms": statistics.median(walls),
                         "p95_ms": pct(walls, 95), "cpu_ms": statistics.mean(cpus)})
        median = {k: round(statistics.median(r[k] for r in runs), 2) for k in runs[0]}
        rows.append({"name": name, "label": label, "kind": "dashboard",
                     "target": f"p50 ≤ {DASHBOARD_TARGET_MS} ms", "queries": len(captured),
                     "median": median, "runs": runs, "spread_p50_ms": [
                         round(min(r["p50_ms"] for r in runs), 2),
                         round(max(r["p50_ms"] for r in runs), 2)],
                     "target_met": median["p50_ms"] <= DASHBOARD_TARGET_MS,
                     "respondents": sample.get("respondents")})
        print(f"bench.surveys: {label}: p50 {median['p50_ms']:.1f} ms", flush=True)
    return rows


def _http(args) -> dict:
    from .pages import measure

    return measure(runs=args.runs, calls=args.calls, target_ms=DASHBOARD_TARGET_MS)


# --- re-slices -----------------------------------------------------------------------------

def _reslices(args, data_dir: Path, notes: list[str]) -> list[dict]:
    from kefu.accounts.models import Branch
    from kefu.surveys.models import Instrument

    from . import reslice

    instrument = Instrument.objects.get(code="servqual").pk
    branch = Branch.objects.get(code="bj-chaoyang").pk
    rows = []
    answers: dict[str, list] = {}
    sql_runs = max(3, min(args.runs, 3))
    for rs in reslice.RESLICES:
        times = []
        for _ in range(sql_runs):
            t0 = time.perf_counter()
            answers[rs.name] = reslice.run_sql(rs, instrument, branch)
            times.append((time.perf_counter() - t0) * 1000)
        rows.append(_reslice_row(f"sql_{rs.name}", f"SQL GROUP BY: {rs.label}", times,
                                 len(answers[rs.name])))
    try:
        import duckdb  # noqa: F401
        import pyarrow  # noqa: F401
    except ImportError:
        notes.append("DuckDB re-slice skipped: pip install -e '.[bench]' (duckdb, pyarrow)")
        print(f"bench.surveys: {notes[-1]}", flush=True)
        return rows
    path = data_dir / "servqual-answers.parquet"
    exported = reslice.export_parquet(path, instrument)
    exported["rss_after_mb"] = _rss_mb()
    print(f"bench.surveys: exported {exported['rows']:,} answers to Parquet in "
          f"{exported['seconds']:.0f} s ({exported['bytes'] / 1e6:.0f} MB)", flush=True)
    rows.append({"name": "parquet_export", "label": "export to Parquet (once, before re-slicing)",
                 "kind": "export", **exported})
    for rs in reslice.RESLICES:
        times = []
        for _ in range(max(args.runs, 5)):
            t0 = time.perf_counter()
            got = reslice.run_duckdb(rs, path, branch)
            times.append((time.perf_counter() - t0) * 1000)
        row = _reslice_row(f"duckdb_{rs.name}", f"DuckDB over Parquet: {rs.label}", times,
                           len(got))
        row["same_as_sql"] = reslice.same(got, answers[rs.name])
        rows.append(row)
    return rows


def _reslice_row(name: str, label: str, times: list[float], groups: int) -> dict:
    median = statistics.median(times)
    print(f"bench.surveys: {label}: median {median:,.0f} ms ({groups} groups)", flush=True)
    return {"name": name, "label": label, "kind": "reslice", "target": f"≤ {RESLICE_TARGET_MS} ms",
            "median": {"p50_ms": round(median, 1)}, "runs_ms": [round(t, 1) for t in times],
            "groups": groups, "target_met": median <= RESLICE_TARGET_MS}


# --- report ------------------------------------------------------------------------------------

def table(result: dict) -> str:
    s, b = result["setup"], result.get("build", {})
    lines = [f"kefu bench.surveys — {s['database']} ({s['database_version']}), {s['cpus']} CPUs, "
             f"load average {s['load_average']:.2f} → {s['load_average_after']:.2f}, "
             f"peak RSS {s['peak_rss_mb']} MB (after building or loading the data: "
             f"{s['rss_after_build_mb']} MB)",
             f"data: {b.get('servqual_answers', 0):,} SERVQUAL answers, {b.get('answers_written', 0):,} "
             f"answers and {b.get('responses', 0):,} responses in all, {b.get('rollup_rows', 0):,} "
             f"rollup rows, {b.get('rollup_total_rows', 0):,} rollup total rows"
             + ("" if b.get("reused") else f"; built in {b.get('total_s', 0):.0f} s"), "",
             f"{'figure':<62} {'p50':>10} {'p95':>10} {'CPU/call':>9} {'SQL':>4}  target",
             "-" * 118]
    for row in result["figures"]:
        m = row.get("median", {})
        if row["kind"] == "export":
            lines.append(f"{row['label']:<62} {row['seconds'] * 1000:>8,.0f} ms"
                         f"{'':>25}  ({row['rows']:,} rows, {row['bytes'] / 1e6:.0f} MB)")
            continue
        verdict = "ok" if row.get("target_met") else "MISSED"
        extra = "" if row.get("same_as_sql", True) else "  (differs from SQL!)"
        p95 = f"{m['p95_ms']:>7.1f} ms" if "p95_ms" in m else " " * 10
        cpu_ms = f"{m['cpu_ms']:>6.1f} ms" if "cpu_ms" in m else " " * 9
        lines.append(f"{row['label'][:62]:<62} {m['p50_ms']:>7,.1f} ms {p95} {cpu_ms} "
                     f"{row.get('queries', ''):>4}  {row.get('target', '')} {verdict}{extra}")
    if result.get("http", {}).get("measured"):
        for path, h in result["http"]["paths"].items():
            verdict = "ok" if h.get("target_met") else "MISSED"
            lines.append(f"{'HTTP GET ' + path:<62} {h['p50_ms']:>7,.1f} ms {h['p95_ms']:>7.1f} ms"
                         f" {h.get('cpu_ms', 0):>6.1f} ms {h.get('queries', ''):>4}  "
                         f"status {h['status']}, first call {h.get('first_ms', 0):,.0f} ms, "
                         f"p50 ≤ {DASHBOARD_TARGET_MS} ms {verdict}")
    else:
        lines.append(f"HTTP: not measured — {result.get('http', {}).get('reason', '')}")
    lines += [f"note: {n}" for n in result.get("notes", [])]
    return "\n".join(lines)


def _setup(db: str, env: dict, args, load_before: float) -> dict:
    import django
    from django.db import connection

    from bench.run import _cpu_model, _git, _memory_gb, _safe_url

    with connection.cursor() as cur:
        cur.execute("SELECT version()" if connection.vendor == "postgresql"
                    else "SELECT 'SQLite ' || sqlite_version()")
        version = cur.fetchone()[0].split(" on ")[0]
    return {"database": db, "database_version": version,
            "database_url": _safe_url(env["DATABASE_URL"]), "cpus": os.cpu_count(),
            "cpu": _cpu_model(), "memory_gb": _memory_gb(), "python": platform.python_version(),
            "django": django.get_version(), "git": _git(), "answers": args.answers,
            "seed": args.seed, "runs": args.runs, "calls": args.calls,
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "load_average": load_before}


def _rss_mb() -> int:
    """This process's peak resident set so far (MB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def _loadavg() -> float:
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0.0


def _write(result: dict, db: str) -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"surveys-{db}-{datetime.now().strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2,
                               default=lambda o: o.isoformat() if isinstance(o, date) else str(o))
                    + "\n")
    return path


if __name__ == "__main__":
    raise SystemExit(main())
