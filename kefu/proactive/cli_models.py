"""``kefu proactive fit`` and ``kefu proactive predict``: the BG/NBD and Gamma-Gamma models
on a CSV file from elsewhere (no database).

``kefu proactive fit FILE.csv [--transactions [--period day|week] [--today DATE]]
[--gamma-gamma] [--encoding E]`` prints one JSON object
``{"model": "bgnbd", "params": {"r", "alpha", "a", "b"}, "loglik", "n"}``, with
``"gamma_gamma": {"p", "q", "v", "loglik", "n"}`` added by ``--gamma-gamma``.

``kefu proactive predict FILE.csv --horizon N [same input options] [--params FIT.json]
[--discount D]`` prints one JSON line per customer: ``{"customer", "expected_purchases",
"prob_alive", "expected_spend", "expected_value"}`` (the last two null without amounts).

The file is a summary, ``customer,frequency,recency,T[,monetary_value]``, or with
``--transactions`` one row per purchase, ``customer,date[,amount]``. Bad input prints
``error: …`` naming the row (the header is row 1) and column on standard error, nothing
on standard output, and exits with 2. See docs/proactive-models.md.
"""

from __future__ import annotations

import datetime as dt
import json
import sys

import numpy as np

ENCODING = "utf-8-sig"


def add_model_commands(psub) -> None:
    f = psub.add_parser("fit", help="fit BG/NBD (and Gamma-Gamma) on a CSV file")
    _input(f)
    f.add_argument("--gamma-gamma", action="store_true",
                   help="also fit Gamma-Gamma (needs monetary_value, or amounts)")
    f.set_defaults(func=cmd_fit)

    p = psub.add_parser("predict", help="per customer: expected purchases, probability "
                                        "alive, expected value (JSON lines)")
    _input(p)
    p.add_argument("--horizon", type=float, required=True, metavar="N",
                   help="periods ahead (days or weeks, as the file)")
    p.add_argument("--params", metavar="FIT.json",
                   help="parameters printed by `kefu proactive fit` (default: fit on FILE)")
    p.add_argument("--discount", type=float, default=0.0, metavar="D",
                   help="discount rate per period for the expected value (default 0)")
    p.set_defaults(func=cmd_predict)


def _input(p) -> None:
    p.add_argument("file", metavar="FILE.csv",
                   help="customer,frequency,recency,T[,monetary_value]; with --transactions "
                        "customer,date[,amount]")
    p.add_argument("--transactions", action="store_true",
                   help="one row per purchase: customer,date[,amount]")
    p.add_argument("--period", choices=["day", "week"], default="day",
                   help="with --transactions: count time in days (default) or weeks")
    p.add_argument("--today", metavar="YYYY-MM-DD",
                   help="with --transactions: the end of observation (default: the latest date)")
    p.add_argument("--encoding", default=ENCODING,
                   help="file encoding: utf-8 (default, BOM or not), gbk, gb18030, big5, …")


class _Input:
    """A file as the models read it, with each customer's row number for messages."""

    def __init__(self, customers, x, tx, T, m, rows):
        self.customers, self.x, self.tx, self.T, self.m, self.rows = customers, x, tx, T, m, rows


def cmd_fit(args) -> int:
    from .predict import PredictError, bgnbd, gamma_gamma

    data = None
    try:
        data = _load(args)
        if args.gamma_gamma and data.m is None:
            raise _Error("--gamma-gamma needs a monetary_value column (or amounts with "
                         "--transactions)")
        params = bgnbd.fit(data.x, data.tx, data.T)
        out = {"model": "bgnbd", "params": params.as_dict(), "loglik": params.loglik,
               "n": params.n}
        if args.gamma_gamma:
            gg = gamma_gamma.fit(data.x, data.m)
            out["gamma_gamma"] = {**gg.as_dict(), "loglik": gg.loglik, "n": gg.n}
    except _Error as exc:
        return _fail(f"{args.file}: {exc}")
    except PredictError as exc:
        return _fail(f"{args.file}: {_where(exc, data)}")
    return _print(out)


def cmd_predict(args) -> int:
    from .predict import PredictError, bgnbd, gamma_gamma, value

    if not args.horizon > 0 or not args.discount >= 0:
        return _fail("--horizon must be above 0 and --discount at least 0")
    data = None
    try:
        data = _load(args)
        if args.params:
            params, gg = _read_params(args.params)
        else:
            params = bgnbd.fit(data.x, data.tx, data.T)
            gg = gamma_gamma.fit(data.x, data.m) if data.m is not None else None
        expected = bgnbd.expected_purchases(params, args.horizon, data.x, data.tx, data.T)
        alive = bgnbd.prob_alive(params, data.x, data.tx, data.T)
        spend = worth = None
        if gg is not None and data.m is not None:
            spend = gamma_gamma.expected_spend(gg, data.x, data.m)
            worth = value.clv(params, gg, data.x, data.tx, data.T, data.m,
                              horizon=args.horizon, discount_rate_per_period=args.discount)
    except _Error as exc:
        return _fail(f"{args.file}: {exc}")
    except PredictError as exc:
        return _fail(f"{args.file}: {_where(exc, data)}")
    lines = []
    for i, customer in enumerate(data.customers):
        lines.append(json.dumps({
            "customer": str(customer), "expected_purchases": round(float(expected[i]), 4),
            "prob_alive": round(float(alive[i]), 4),
            "expected_spend": None if spend is None else round(float(spend[i]), 2),
            "expected_value": None if worth is None else round(float(worth[i]), 2),
        }, ensure_ascii=False))
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


class _Error(Exception):
    pass


def _load(args) -> _Input:
    from kefu.analytics.csvfiles import CsvError

    try:
        if args.transactions:
            return _load_transactions(args)
        if args.today:
            raise _Error("--today is for --transactions")
        return _load_summary(args)
    except CsvError as exc:
        raise _Error(str(exc))


def _load_summary(args) -> _Input:
    from .predict import PredictError

    cols, rows = _read(args.file, args.encoding, ("customer", "frequency", "recency", "T"),
                       ("monetary_value",))
    x, tx, T = (_numbers(cols[c], rows, c) for c in ("frequency", "recency", "T"))
    m = _numbers(cols["monetary_value"], rows, "monetary_value") if "monetary_value" in cols \
        else None
    _unique(cols["customer"], rows)
    data = _Input(np.array(cols["customer"], dtype=object), x, tx, T, m, rows)
    from .predict.bgnbd import check_summary

    try:
        check_summary(x, tx, T)
    except PredictError as exc:
        raise _Error(_where(exc, data))
    return data


def _load_transactions(args) -> _Input:
    from .predict import PredictError
    from .predict.summary import from_transactions

    cols, rows = _read(args.file, args.encoding, ("customer", "date"), ("amount",))
    dates = []
    for cell, row in zip(cols["date"], rows, strict=True):
        try:
            dates.append(dt.date.fromisoformat(cell.strip()))
        except ValueError:
            raise _Error(f"row {row}, column 'date': {cell!r} is not a date (YYYY-MM-DD)")
    amounts = _numbers(cols["amount"], rows, "amount") if "amount" in cols else None
    try:
        today = dt.date.fromisoformat(args.today) if args.today else max(dates)
    except ValueError:
        raise _Error(f"--today {args.today!r} is not a date (YYYY-MM-DD)")
    ids = np.array([c.strip() for c in cols["customer"]], dtype=object)
    try:
        s = from_transactions(ids.astype(str), np.array(dates, dtype="datetime64[D]"), amounts,
                              period=args.period, today=today)
    except PredictError as exc:
        raise _Error(_where(exc, _Input(ids, None, None, None, None, rows)))
    first_row = {}
    for c, row in zip(ids, rows, strict=True):
        first_row.setdefault(c, row)
    customer_rows = np.array([first_row[c] for c in s.customer_ids])
    return _Input(s.customer_ids, s.frequency, s.recency, s.T, s.monetary_value, customer_rows)


def _read(path, encoding, required, optional):
    """{column: [cells]} and the row numbers, blank lines skipped."""
    from kefu.analytics.csvfiles import CsvError, _columns, _fit, _rows

    with _rows(path, encoding) as (header, reader):
        pos = _columns(header, required + optional, required)
        cols = {c: [] for c in pos}
        rows = []
        number = 1
        for row in reader:
            number += 1
            if not row or not any(c.strip() for c in row):
                continue
            if len(row) != len(header):
                row = _fit(row, len(header), number)
            for c, i in pos.items():
                cols[c].append(row[i])
            if not row[pos[required[0]]].strip():
                raise CsvError(f"the {required[0]} is missing", row=number,
                               column=required[0])
            rows.append(number)
    if not rows:
        raise _Error("no data rows")
    return cols, np.array(rows)


def _numbers(cells, rows, column) -> np.ndarray:
    try:
        values = np.array(cells, dtype=np.float64)
    except ValueError:
        values = None
    if values is None or not np.all(np.isfinite(values) & (values >= 0)):
        for cell, row in zip(cells, rows, strict=True):
            try:
                v = float(cell)
            except ValueError:
                v = None
            if v is None or not np.isfinite(v) or v < 0:
                what = "the value is missing" if not cell.strip() else \
                    f"{cell.strip()!r} is not a number ≥ 0"
                raise _Error(f"row {row}, column {column!r}: {what}")
    return values


def _unique(customers, rows) -> None:
    seen = {}
    for c, row in zip(customers, rows, strict=True):
        c = c.strip()
        if c in seen:
            raise _Error(f"row {row}, column 'customer': customer {c!r} is already on row "
                         f"{seen[c]} (a summary file has one row per customer; use "
                         "--transactions for one row per purchase)")
        seen[c] = row


def _where(exc, data) -> str:
    """The error with the row number of the element it names."""
    index = getattr(exc, "index", None)
    if data is None or index is None or data.rows is None or index >= len(data.rows):
        return exc.message
    column = f", column {exc.column!r}" if exc.column else ""
    return f"row {int(data.rows[index])}{column}: {exc.message}"


def _read_params(path):
    from .predict.bgnbd import BgNbdParams
    from .predict.gamma_gamma import GammaGammaParams

    try:
        with open(path, encoding="utf-8") as fh:
            obj = json.load(fh)
        p = obj["params"]
        params = BgNbdParams(float(p["r"]), float(p["alpha"]), float(p["a"]), float(p["b"]))
        g = obj.get("gamma_gamma")
        gg = GammaGammaParams(float(g["p"]), float(g["q"]), float(g["v"])) if g else None
    except OSError as exc:
        raise _Error(f"--params: cannot read {path}: {exc.strerror or exc}")
    except (ValueError, KeyError, TypeError):
        raise _Error(f"--params {path}: not the output of `kefu proactive fit`")
    if min(params.r, params.alpha, params.a, params.b) <= 0:
        raise _Error(f"--params {path}: parameters must be above 0")
    return params, gg


def _print(obj) -> int:
    def rounded(v):
        if isinstance(v, float):
            return round(v, 6) if np.isfinite(v) else None
        if isinstance(v, dict):
            return {k: rounded(w) for k, w in v.items()}
        return v

    sys.stdout.write(json.dumps(rounded(obj), ensure_ascii=False) + "\n")
    return 0


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2
