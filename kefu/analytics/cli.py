"""``kefu stats cronbach`` and ``kefu servqual analyze``: statistics on survey answers
collected elsewhere, read from CSV, printed as one JSON object.

``kefu stats cronbach FILE.csv [--id COL | --long SUBJECT_COL ITEM_COL SCORE_COL]
[--missing listwise|pairwise] [--encoding E] [--scale MIN MAX]`` prints
``{"alpha", "ci95": [lo, hi], "n", "k", "missing"}``.

``kefu servqual analyze FILE.csv [--encoding E] [--scale MIN MAX] [--missing …]`` prints
``{"items": […], "dimensions": […], "overall": {…}}``; see docs/servqual.md.

Figures are rounded to 4 decimals. Bad input (an unreadable or empty file, a missing column,
a value that is not a number or is off the scale, a repeated respondent and item) prints
``error: …`` naming the row and column on standard error, nothing on standard output, and
exits with 2. Nothing here needs the database.
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import asdict

ENCODING = "utf-8-sig"  # UTF-8 with or without a BOM


def add_parser(subparsers) -> None:
    """Register ``stats cronbach`` and ``servqual analyze`` on the ``kefu`` sub-parsers."""
    p = subparsers.add_parser("stats", help="statistics on survey answers in a CSV file")
    ssub = p.add_subparsers(dest="stats_command", required=True)
    c = ssub.add_parser("cronbach", help="Cronbach's alpha with its 95%% interval (Feldt)")
    c.add_argument("file", metavar="FILE.csv")
    c.add_argument("--long", nargs=3, metavar=("SUBJECT_COL", "ITEM_COL", "SCORE_COL"),
                   help="long format: one row per respondent × item")
    c.add_argument("--id", metavar="COL",
                   help="wide format: the respondent id column (not an item)")
    c.add_argument("--missing", choices=["listwise", "pairwise"], default="listwise",
                   help="unanswered items: drop the respondent (default) or use "
                        "pairwise-complete covariances")
    _common(c)
    c.set_defaults(func=cmd_cronbach)

    p = subparsers.add_parser("servqual", help="SERVQUAL gap scores from a CSV file")
    qsub = p.add_subparsers(dest="servqual_command", required=True)
    a = qsub.add_parser("analyze", help="gaps, MSA/MSS, zone of tolerance, weighted scores, alpha")
    a.add_argument("file", metavar="FILE.csv",
                   help="columns respondent,item,dimension,expectation,perception "
                        "[,desired,adequate,importance]")
    a.add_argument("--missing", choices=["listwise", "pairwise"], default="listwise",
                   help="how Cronbach's alpha treats unanswered items (default listwise)")
    _common(a)
    a.set_defaults(func=cmd_servqual)


def _common(p) -> None:
    p.add_argument("--encoding", default=ENCODING,
                   help="file encoding: utf-8 (default, BOM or not), gbk, gb18030, big5, …")
    p.add_argument("--scale", nargs=2, type=float, default=[1.0, 7.0], metavar=("MIN", "MAX"),
                   help="the answer scale (default 1 7)")


def cmd_cronbach(args) -> int:
    from .csvfiles import CsvError, read_long_scores, read_wide
    from .stats import StatsError
    from .stats.reliability import cronbach_alpha

    if args.long and args.id:
        return _fail("--id is for the wide format; --long already names the respondent column")
    try:
        scale = _scale(args.scale)
        if args.long:
            matrix, items = read_long_scores(args.file, *args.long, encoding=args.encoding,
                                             scale=scale)
        else:
            matrix, items = read_wide(args.file, encoding=args.encoding, id_column=args.id,
                                      scale=scale)
        result = cronbach_alpha(matrix, missing=args.missing, items=items)
    except (CsvError, StatsError) as exc:
        return _fail(f"{args.file}: {exc}")
    out = {"alpha": result.alpha, "ci95": result.ci95, "n": result.n, "k": result.k,
           "missing": result.missing}
    if result.missing == "pairwise":
        out["n_ci"] = result.n_ci
    return _print(out)


def cmd_servqual(args) -> int:
    from .csvfiles import CsvError, read_servqual
    from .stats import StatsError
    from .stats.servqual import analyze

    try:
        data = read_servqual(args.file, encoding=args.encoding, scale=_scale(args.scale))
        result = analyze(data, missing=args.missing)
    except (CsvError, StatsError) as exc:
        return _fail(f"{args.file}: {exc}")
    return _print(servqual_json(result))


# Fields that exist only when the file has the column(s).
_NEEDS = {
    "expectation": "expectation", "gap": "expectation", "gap_ci95": "expectation",
    "alpha_expectation": "expectation", "alpha_expectation_ci95": "expectation",
    "adequate": "adequate", "msa": "adequate", "msa_ci95": "adequate",
    "desired": "desired", "mss": "desired", "mss_ci95": "desired",
    "importance": "importance", "gap_weighted": "importance",
    "gap_weighted_ci95": "importance", "perception_weighted": "importance",
    "perception_weighted_ci95": "importance", "n_weighted": "importance",
}
_ORDER = ("item", "dimension", "respondents", "items", "rows", "dimensions", "n",
          "expectation", "perception", "gap", "gap_ci95", "perception_ci95",
          "alpha_expectation", "alpha_expectation_ci95", "alpha_perception",
          "alpha_perception_ci95", "importance", "gap_weighted", "gap_weighted_ci95",
          "perception_weighted", "perception_weighted_ci95", "n_weighted", "adequate", "msa",
          "msa_ci95", "desired", "mss", "mss_ci95", "zone")


def servqual_json(result) -> dict:
    """The result as the JSON the command prints (before rounding)."""
    columns = set(result.columns)
    if {"adequate", "desired"} <= columns:
        columns.add("zone")

    def shape(obj) -> dict:
        d = asdict(obj)
        for name in ("alpha_expectation", "alpha_perception"):
            if name in d:
                alpha = d[name]
                d[name] = alpha["alpha"] if alpha else None
                d[f"{name}_ci95"] = alpha["ci95"] if alpha else None
        d = {k: v for k, v in d.items()
             if (need := "zone" if k == "zone" else _NEEDS.get(k)) is None or need in columns}
        return {k: d[k] for k in (*_ORDER, *d) if k in d}

    return {"items": [shape(i) for i in result.items],
            "dimensions": [shape(d) for d in result.dimensions],
            "overall": shape(result.overall)}


def _scale(pair) -> tuple[float, float]:
    from .csvfiles import CsvError

    lo, hi = pair
    if not lo < hi:
        raise CsvError(f"--scale {lo:g} {hi:g}: the minimum must be below the maximum")
    return (lo, hi)


def _rounded(value):
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else round(value, 4)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_rounded(v) for v in value]
    return value


def _print(obj) -> int:
    sys.stdout.write(json.dumps(_rounded(obj), ensure_ascii=False) + "\n")
    return 0


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2
