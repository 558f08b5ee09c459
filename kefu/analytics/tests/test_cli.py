"""``kefu stats cronbach`` and ``kefu servqual analyze`` through ``kefu.cli.main`` (and once
through the installed entry point), on files written here."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from kefu.cli import main

WIDE = "id,q1,q2,q3\na,1,2,2\nb,2,3,3\nc,3,3,4\nd,4,5,4\n"
ALPHA = round(129 / 136, 4)  # worked out in test_reliability.py
SERVQUAL = """respondent,item,dimension,expectation,perception
r1,T1,tangibles,6,5
r1,T2,tangibles,7,5
r1,R1,reliability,7,6
r1,R2,reliability,6,6
r1,R3,reliability,7,4
r2,T1,有形性,5,5
r2,T2,有形性,6,4
r2,R1,可靠性,7,5
r2,R2,可靠性,7,7
r2,R3,可靠性,6,5
r3,T1,Tangibles,6,6
r3,T2,Tangibles,5,5
r3,R1,Reliability,6,4
r3,R2,Reliability,7,5
r3,R3,Reliability,7,6
"""


def write(tmp_path, text, name="answers.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 else out), err


# ---------------------------------------------------------------------------------- cronbach

def test_cronbach_wide_with_an_id_column(tmp_path, capsys):
    code, out, err = run(["stats", "cronbach", write(tmp_path, WIDE), "--id", "id"], capsys)
    assert code == 0 and err == ""
    assert out["alpha"] == ALPHA and (out["n"], out["k"]) == (4, 3)
    assert out["ci95"] == pytest.approx([0.6604, 0.9965], abs=1e-4)
    assert out["missing"] == "listwise"


def test_cronbach_long_format_gives_the_same_answer(tmp_path, capsys):
    rows = ["who,question,score"] + [f"{r},q{j + 1},{v}"
                                     for r, line in zip("abcd", WIDE.splitlines()[1:], strict=True)
                                     for j, v in enumerate(line.split(",")[1:])]
    path = write(tmp_path, "\n".join([rows[0], *reversed(rows[1:])]) + "\n")  # any order
    code, out, _ = run(["stats", "cronbach", path, "--long", "who", "question", "score"], capsys)
    assert code == 0 and out["alpha"] == ALPHA and (out["n"], out["k"]) == (4, 3)


def test_cronbach_pairwise_and_listwise(tmp_path, capsys):
    path = write(tmp_path, WIDE + "e,5,,5\n")
    code, out, _ = run(["stats", "cronbach", path, "--id", "id"], capsys)
    assert (out["alpha"], out["n"]) == (ALPHA, 4)
    code, out, _ = run(["stats", "cronbach", path, "--id", "id", "--missing", "pairwise"],
                       capsys)
    assert code == 0 and out["alpha"] == round(750 / 823, 4)
    assert (out["n"], out["n_ci"]) == (5, 4)


def test_cronbach_ignores_the_empty_column_of_trailing_commas(tmp_path, capsys):
    text = "\n".join(line + "," for line in WIDE.splitlines()) + "\n"
    code, out, _ = run(["stats", "cronbach", write(tmp_path, text), "--id", "id"], capsys)
    assert code == 0 and out["alpha"] == ALPHA and out["k"] == 3


def test_cronbach_a_bom_and_a_gbk_file(tmp_path, capsys):
    text = WIDE.replace("id,q1,q2,q3", "编号,服务态度,响应速度,专业程度")
    code, out, _ = run(["stats", "cronbach", write(tmp_path, text, encoding="utf-8-sig"),
                        "--id", "编号"], capsys)
    assert code == 0 and out["alpha"] == ALPHA
    gbk = write(tmp_path, text, name="gbk.csv", encoding="gbk")
    code, out, _ = run(["stats", "cronbach", gbk, "--id", "编号", "--encoding", "gbk"], capsys)
    assert code == 0 and out["alpha"] == ALPHA


@pytest.mark.parametrize(("text", "args", "expected"), [
    (WIDE, [], ["row 2", "column 'id'", "'a' is not a number", "--id"]),
    (WIDE.replace("c,3,3,4", "c,3,8,4"), ["--id", "id"],
     ["row 4", "column 'q2'", "'8' is outside the scale 1–7"]),
    (WIDE, ["--id", "who"], ["row 1", "missing required column who"]),
    ("", [], ["the file is empty"]),
    ("id,q1,q2\n", ["--id", "id"], ["header but no answers"]),
    ("id,q1\na,1\nb,2\n", ["--id", "id"], ["at least 2 items"]),
    ("id,q1,q2\na,3,3\nb,3,3\n", ["--id", "id"], ["does not vary"]),
    ("id,q1,q2\na,1,2\na,2,3\n", ["--id", "id"], ["row 3", "'a' is also in row 2"]),
    ("id,q1,q2\na,1\n", ["--id", "id"], ["row 2", "2 fields where the header has 3"]),
])
def test_cronbach_bad_input(tmp_path, capsys, text, args, expected):
    code, out, err = run(["stats", "cronbach", write(tmp_path, text), *args], capsys)
    assert code == 2 and out == ""
    assert err.startswith("error: ") and all(e in err for e in expected), err


def test_cronbach_long_duplicate(tmp_path, capsys):
    path = write(tmp_path, "s,i,v\na,q1,3\na,q2,4\nb,q1,2\nb,q2,2\na,q1,5\n")
    code, out, err = run(["stats", "cronbach", path, "--long", "s", "i", "v"], capsys)
    assert code == 2 and out == ""
    assert "row 6" in err and "column 'i'" in err and "row 2" in err


# ---------------------------------------------------------------------------------- servqual

def test_servqual_figures_and_shape(tmp_path, capsys):
    code, out, err = run(["servqual", "analyze", write(tmp_path, SERVQUAL)], capsys)
    assert code == 0 and err == ""
    # the hand-worked example of test_servqual.py, with dimensions written three ways
    items = {i["item"]: i for i in out["items"]}
    assert list(items["T1"])[:5] == ["item", "dimension", "n", "expectation", "perception"]
    assert items["T2"]["gap"] == round(-4 / 3, 4) and items["R1"]["dimension"] == "reliability"
    dims = {d["dimension"]: d for d in out["dimensions"]}
    assert dims["tangibles"]["gap"] == round(-5 / 6, 4)
    assert dims["reliability"]["gap"] == round(-4 / 3, 4)
    assert dims["tangibles"]["alpha_perception"] == round(2 / 3, 4)
    assert dims["reliability"]["alpha_perception"] == -3
    assert {"gap_ci95", "alpha_expectation", "alpha_expectation_ci95"} <= dims["tangibles"].keys()
    assert out["overall"]["gap"] == round(-13 / 12, 4)
    assert out["overall"]["respondents"] == 3
    # no three-column or importance data: none of their fields
    for absent in ("msa", "mss", "zone", "importance", "gap_weighted"):
        assert absent not in dims["tangibles"] and absent not in out["overall"]


def test_servqual_three_columns_and_importance(tmp_path, capsys):
    text = ("respondent,item,dimension,expectation,perception,desired,adequate,importance\n"
            "r1,T1,tangibles,6,5,7,4,40\n"
            "r1,R1,reliability,7,3,7,5,60\n"
            "r2,T1,tangibles,5,7,6,3,50\n"
            "r2,R1,reliability,6,5,6,4,\n"  # blank: the same as its first row (none here)
            )
    code, out, _ = run(["servqual", "analyze", write(tmp_path, text)], capsys)
    assert code == 0
    t1 = out["items"][0]
    assert (t1["msa"], t1["mss"]) == (2.5, -0.5)
    assert t1["zone"]["position"] == "within" and t1["zone"]["above"] == 0.5
    overall = out["overall"]
    assert overall["zone"]["position"] == "within" and overall["msa"] == 1
    # r1 weighted gap .4 × (−1) + .6 × (−4) = −2.8; r2 has points for tangibles only: 2
    assert overall["gap_weighted"] == round((-2.8 + 2) / 2, 4)
    assert overall["n_weighted"] == 2


def test_servqual_gbk_file_with_chinese_dimensions(tmp_path, capsys):
    path = write(tmp_path, SERVQUAL.replace("tangibles", "有形性").replace("reliability", "可靠性")
                 .replace("Tangibles", "有形性").replace("Reliability", "可靠性"),
                 encoding="gbk")
    code, out, _ = run(["servqual", "analyze", path, "--encoding", "gbk"], capsys)
    assert code == 0 and out["overall"]["gap"] == round(-13 / 12, 4)
    assert [d["dimension"] for d in out["dimensions"]] == ["tangibles", "reliability"]
    # without --encoding the file is refused with a hint
    code, out, err = run(["servqual", "analyze", path], capsys)
    assert code == 2 and out == "" and "not valid UTF-8" in err and "--encoding gbk" in err


def test_servqual_utf8_with_bom(tmp_path, capsys):
    code, out, _ = run(["servqual", "analyze", write(tmp_path, SERVQUAL, encoding="utf-8-sig")],
                       capsys)
    assert code == 0 and out["overall"]["gap"] == round(-13 / 12, 4)


HEAD = "respondent,item,dimension,expectation,perception\n"


@pytest.mark.parametrize(("text", "expected"), [
    (HEAD + "r1,T1,tangibles,6,abc\n", ["row 2", "column 'perception'", "'abc' is not a number"]),
    (HEAD + "r1,T1,tangibles,6,5\nr1,T2,tangibles,8,5\n",
     ["row 3", "column 'expectation'", "'8' is outside the scale 1–7"]),
    (HEAD + "r1,T1,tangibles,0,5\n", ["row 2", "column 'expectation'", "outside the scale"]),
    (HEAD + "r1,T1,tangibles,nan,5\n", ["row 2", "column 'expectation'", "outside the scale"]),
    (HEAD + "r1,T1,tangibles,,5\n", ["row 2", "column 'expectation'", "missing"]),
    (HEAD.replace(",perception", "") + "r1,T1,tangibles,6\n",
     ["row 1", "missing required column perception"]),
    ("respondent,item\nr1,T1\n",
     ["row 1", "missing required columns dimension, expectation, perception"]),
    (HEAD + "r1,T1,tangibles,6,5\nr2,T1,tangibles,6,5\nr1,T1,tangibles,5,5\n",
     ["row 4", "column 'item'", "respondent 'r1' already answered item 'T1' in row 2"]),
    ("", ["the file is empty"]),
    ("\n\n", ["the file is empty"]),
    (HEAD, ["header but no answers"]),
    (HEAD + "r1,T1,quality,6,5\n", ["row 2", "column 'dimension'", "'quality' is not a SERVQUAL"]),
    (HEAD + "r1,T1,tangibles,6,5\nr2,T1,empathy,6,5\n",
     ["row 3", "column 'dimension'", "item 'T1' is in tangibles (row 2), not empathy"]),
    (HEAD + ",T1,tangibles,6,5\n", ["row 2", "column 'respondent'", "missing"]),
    (HEAD + "r1,T1,tangibles,6\n", ["row 2", "4 fields where the header has 5"]),
    (HEAD.replace("\n", ",importance\n") + "r1,T1,tangibles,6,5,40\nr1,T2,tangibles,6,5,30\n",
     ["row 3", "column 'importance'", "30 points, but row 2 gave this respondent's tangibles 40"]),
    (HEAD.replace("\n", ",importance\n") + "r1,T1,tangibles,6,5,140\n",
     ["row 2", "column 'importance'", "outside the scale 0–100"]),
    (HEAD.replace("\n", ",desired\n") + "r1,T1,tangibles,6,5,x\n",
     ["row 2", "column 'desired'", "'x' is not a number"]),
    ("respondent,item,item,dimension,expectation,perception\n", ["column 'item' twice"]),
])
def test_servqual_bad_input(tmp_path, capsys, text, expected):
    code, out, err = run(["servqual", "analyze", write(tmp_path, text)], capsys)
    assert code == 2 and out == ""
    assert err.startswith("error: ") and all(e in err for e in expected), err


def test_servqual_scale_option(tmp_path, capsys):
    path = write(tmp_path, HEAD + "r1,T1,tangibles,9,8\nr2,T1,tangibles,7,8\n")
    code, out, _ = run(["servqual", "analyze", path, "--scale", "1", "9"], capsys)
    assert code == 0 and out["overall"]["gap"] == 0
    code, _, err = run(["servqual", "analyze", path, "--scale", "5", "1"], capsys)
    assert code == 2 and "minimum must be below the maximum" in err


def test_unreadable_file_and_unknown_encoding(tmp_path, capsys):
    code, _, err = run(["servqual", "analyze", str(tmp_path / "nope.csv")], capsys)
    assert code == 2 and "cannot read" in err
    path = write(tmp_path, SERVQUAL)
    code, _, err = run(["servqual", "analyze", path, "--encoding", "klingon"], capsys)
    assert code == 2 and "unknown encoding" in err
    code, _, err = run(["servqual", "analyze", path, "--encoding", "utf-16"], capsys)
    assert code == 2 and "UTF-16" in err


def test_the_installed_command(tmp_path):
    path = write(tmp_path, SERVQUAL.replace("r3,T1,Tangibles,6,6", "r3,T1,Tangibles,6,六"),
                 encoding="gbk")
    done = subprocess.run([sys.executable, "-m", "kefu.cli", "servqual", "analyze", path,
                           "--encoding", "gbk"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    assert "row 12, column 'perception': '六' is not a number" in done.stderr
    good = write(tmp_path, WIDE, name="wide.csv")
    done = subprocess.run([sys.executable, "-m", "kefu.cli", "stats", "cronbach", good,
                           "--id", "id"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and json.loads(done.stdout)["alpha"] == ALPHA
