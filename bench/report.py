"""The plain-text table on stdout and the JSON file in bench/results/."""

from __future__ import annotations

import json
import statistics
from datetime import datetime
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def median_run(runs: list[dict]) -> dict:
    """Each metric's median over the runs (so p50 and req/s may come from different runs)."""
    keys = [k for k in runs[0] if isinstance(runs[0][k], int | float)
            and all(isinstance(r.get(k), int | float) for r in runs)]
    return {k: round(statistics.median(r[k] for r in runs), 3) for k in keys}


def _ms(value) -> str:
    return "" if value is None else f"{value:.1f} ms" if value >= 10 else f"{value:.2f} ms"


def table(result: dict) -> str:
    head = result["setup"]
    lines = [
        f"kefu bench — {head['database']} ({head['database_version']}), "
        f"{head['tickets']:,} tickets, {head['web_workers']} web workers, "
        f"wrk on the same {head['cpus']}-CPU machine, "
        f"median of {head['runs']} run(s) × {head['duration_s']:g} s",
        "",
        f"{'figure':<58} {'conns':>5} {'req/s':>8} {'p50':>9} {'p95':>9} {'p99':>9} "
        f"{'queries':>7} {'CPU ms/req':>11}  target",
        "-" * 136,
    ]
    for row in result["figures"]:
        m = row.get("median") or {}
        target = row.get("target") or ""
        verdict = ""
        if "target_met" in row and m:
            verdict = "  ok" if row["target_met"] else "  MISSED"
        if row.get("error"):
            verdict = f"  ERROR: {row['error']}"
        elif m.get("errors"):
            verdict += f"  ({int(m['errors'])} failed requests)"
        queries = row.get("queries")
        used = ("" if "cpu_app_ms" not in m else f"{m['cpu_app_ms']:.1f}" if head["database"] ==
                "sqlite" else f"{m['cpu_app_ms']:.1f}+{m['cpu_db_ms']:.1f}")
        lines.append(
            f"{row['label'][:58]:<58} {row.get('connections', ''):>5} "
            f"{m.get('rps', 0):>8.1f} {_ms(m.get('p50_ms')):>9} {_ms(m.get('p95_ms')):>9} "
            f"{_ms(m.get('p99_ms')):>9} {'' if queries is None else queries:>7} {used:>11}  "
            f"{target}{verdict}")
    lines.append("")
    lines.append("CPU ms/req: CPU time per request in the web server"
                 + (" (SQLite runs inside it)." if head["database"] == "sqlite" else
                    " (app) + the PostgreSQL backends serving it (db)."))
    lines += [f"note: {n}" for n in result.get("notes", [])]
    return "\n".join(lines)


def write_json(result: dict, db: str) -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{db}-{datetime.now().strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str) + "\n")
    return path
