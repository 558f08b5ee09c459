"""``kefu proactive fit`` and ``kefu proactive predict`` through ``kefu.cli.main`` on files
written here: the JSON printed, and bad input reported by row and column with exit 2."""

from __future__ import annotations

import json

import numpy as np
import pytest

from kefu.cli import main
from kefu.proactive.predict import bgnbd, gamma_gamma

TRUE = bgnbd.BgNbdParams(0.8, 30.0, 0.7, 4.0)


def summary_csv(n=400, seed=1, monetary=True):
    rng = np.random.default_rng(seed)
    T = rng.integers(20, 300, n).astype(float)
    x, tx = bgnbd.simulate(TRUE, T, rng)
    m = np.where(x > 0, rng.gamma(6, 5, n), 0.0)
    head = "customer,frequency,recency,T" + (",monetary_value" if monetary else "")
    lines = [head] + [f"客户{i},{int(x[i])},{tx[i]:.3f},{T[i]:g}"
                      + (f",{m[i]:.2f}" if monetary else "") for i in range(n)]
    return "\n".join(lines) + "\n", x, np.round(tx, 3), T, np.round(m, 2)


TRANSACTIONS = """customer,date,amount
wang,2026-01-01,120
li,2026-01-03,50
wang,2026-01-20,130
wang,2026-02-11,125
zhao,2026-01-10,80
li,2026-02-01,60
li,2026-02-20,55
chen,2026-02-25,90
"""


def write(tmp_path, text, name="data.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_fit_prints_the_bgnbd_and_gamma_gamma_parameters(tmp_path, capsys):
    text, x, tx, T, m = summary_csv()
    code, out, err = run(["proactive", "fit", write(tmp_path, text, encoding="gbk"),
                          "--encoding", "gbk", "--gamma-gamma"], capsys)
    assert code == 0 and err == ""
    obj = json.loads(out)
    assert obj["model"] == "bgnbd" and obj["n"] == 400
    assert set(obj["params"]) == {"r", "alpha", "a", "b"}
    direct = bgnbd.fit(x, tx, T)
    assert obj["params"]["r"] == pytest.approx(direct.r, rel=1e-5)
    assert obj["loglik"] == pytest.approx(direct.loglik, rel=1e-6)
    gg = gamma_gamma.fit(x, m)
    assert obj["gamma_gamma"]["p"] == pytest.approx(gg.p, rel=1e-5)
    assert obj["gamma_gamma"]["n"] == int((x > 0).sum())


def test_predict_prints_one_json_line_per_customer(tmp_path, capsys):
    text, x, tx, T, m = summary_csv()
    path = write(tmp_path, text)
    code, out, err = run(["proactive", "fit", path, "--gamma-gamma"], capsys)
    params = write(tmp_path, out, name="fit.json")
    code, out, err = run(["proactive", "predict", path, "--horizon", "30", "--params", params],
                         capsys)
    assert code == 0 and err == ""
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == 400 and lines[0]["customer"] == "客户0"
    fitted = json.loads(open(params).read())["params"]
    p = bgnbd.BgNbdParams(**fitted)
    assert lines[5]["expected_purchases"] == pytest.approx(
        bgnbd.expected_purchases(p, 30, x[5:6], tx[5:6], T[5:6])[0], abs=1e-4)
    assert lines[5]["prob_alive"] == pytest.approx(
        bgnbd.prob_alive(p, x[5:6], tx[5:6], T[5:6])[0], abs=1e-4)
    assert all(0 <= line["prob_alive"] <= 1 and line["expected_value"] >= 0 for line in lines)


def test_transactions_are_summarised_before_fitting(tmp_path, capsys):
    path = write(tmp_path, TRANSACTIONS)
    code, out, err = run(["proactive", "predict", path, "--transactions", "--horizon", "4",
                          "--period", "week", "--today", "2026-03-01"], capsys)
    assert code == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["customer"] for line in lines] == ["chen", "li", "wang", "zhao"]
    assert all(line["expected_spend"] > 0 for line in lines)


@pytest.mark.parametrize("text, args, message", [
    (TRANSACTIONS.replace("2026-02-25", "2026-03-25"), ["--transactions", "--today",
     "2026-03-01"], "row 9, column 'date': date 2026-03-25 is after today (2026-03-01)"),
    (TRANSACTIONS.replace("li,2026-02-01,60", "li,2026-02-01,-60"), ["--transactions"],
     "row 7, column 'amount': '-60' is not a number ≥ 0"),
    (TRANSACTIONS.replace("2026-01-10", "10/01/2026"), ["--transactions"],
     "row 6, column 'date': '10/01/2026' is not a date (YYYY-MM-DD)"),
    ("customer,frequency,recency,T\na,1,2,5\nb,2,9,7\n", [],
     "row 3, column 'recency': recency 9 is after T 7"),
    ("customer,frequency,recency,T\na,1,2,5\nb,x,1,7\n", [],
     "row 3, column 'frequency': 'x' is not a number ≥ 0"),
    ("customer,frequency,recency,T\na,1,2,5\na,2,1,7\n", [],
     "row 3, column 'customer': customer 'a' is already on row 2"),
    ("customer,frequency,T\na,1,5\n", [], "row 1: missing required column recency"),
    ("customer,frequency,recency,T\na,1,2,5\nb,2,1,7\n", ["--gamma-gamma"],
     "--gamma-gamma needs a monetary_value column"),
])
def test_bad_input_names_the_row_and_column_and_prints_nothing(tmp_path, capsys, text, args,
                                                               message):
    code, out, err = run(["proactive", "fit", write(tmp_path, text), *args], capsys)
    assert code == 2 and out == ""
    assert err.startswith("error: ") and message in err


def test_a_gbk_file_read_as_utf8_gets_the_encoding_hint(tmp_path, capsys):
    text, *_ = summary_csv(n=20)
    code, out, err = run(["proactive", "fit", write(tmp_path, text, encoding="gbk")], capsys)
    assert code == 2 and out == "" and "--encoding gbk" in err


@pytest.mark.parametrize("args, message", [
    (["--params", "{missing}"], "cannot read"),
    (["--params", "{bad}"], "not the output of `kefu proactive fit`"),
    (["--today", "2026-01-01"], "--today is for --transactions"),
    (["--horizon", "0"], "--horizon must be above 0"),
])
def test_predict_refuses_bad_options(tmp_path, capsys, args, message):
    path = write(tmp_path, "customer,frequency,recency,T\na,1,2,5\nb,0,0,7\n")
    bad = write(tmp_path, '{"params": {"r": 1}}', name="bad.json")
    args = [a.format(missing=str(tmp_path / "nope.json"), bad=bad) for a in args]
    horizon = [] if "--horizon" in args else ["--horizon", "10"]
    code, out, err = run(["proactive", "predict", path, *horizon, *args], capsys)
    assert code == 2 and out == "" and message in err
