"""``kefu insights sentiment``: files, standard input, encodings, errors."""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from kefu.insights import cli
from kefu.insights.sentiment import analyse, to_json

LINES = ["非常满意，谢谢！", "", "WHERE IS MY REFUND???", "   ", "請問幾點下班？"]


def run(argv, capsys):
    parser = argparse.ArgumentParser(prog="kefu")
    cli.add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["insights", "sentiment", *argv])
    code = args.func(args)
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines()], err


def test_one_json_object_per_line_in_order(tmp_path, capsys):
    source = tmp_path / "texts.txt"
    source.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    code, objects, err = run([str(source)], capsys)
    assert code == 0 and err == ""
    assert objects == [to_json(analyse(text)) for text in LINES]
    assert objects[1] == {"label": "neutral", "score": 0.0, "anger": False, "lang": "en"}
    assert objects[2]["anger"] is True
    assert all(list(o) == ["label", "score", "anger", "lang"] for o in objects)


def test_windows_line_ends_and_a_bom_are_ignored(tmp_path, capsys):
    source = tmp_path / "texts.txt"
    source.write_bytes("\ufeff很失望\r\n谢谢\r\n".encode())
    code, objects, _err = run([str(source)], capsys)
    assert code == 0 and objects == [to_json(analyse("很失望")), to_json(analyse("谢谢"))]


def test_gbk_needs_its_encoding(tmp_path, capsys):
    source = tmp_path / "gbk.txt"
    source.write_bytes("好的\n物流太慢了，很失望\n".encode("gbk"))
    code, objects, err = run(["--encoding", "gbk", str(source)], capsys)
    assert code == 0
    assert [o["label"] for o in objects] == [analyse("好的").label, "negative"]
    assert all(o["lang"] == "zh" for o in objects)
    code, objects, err = run([str(source)], capsys)
    assert code == 1 and "line 1" in err and "--encoding gbk" in err


def test_standard_input_and_a_forced_language(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"ok\nterrible!!!\n")))
    code, objects, _err = run(["--lang", "zh", "-"], capsys)
    assert code == 0 and [o["lang"] for o in objects] == ["zh", "zh"]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO("太差了".encode())))
    code, objects, _err = run([], capsys)  # no FILE: standard input; no final newline
    assert code == 0 and objects == [to_json(analyse("太差了"))]


def test_errors_have_exit_codes(tmp_path, capsys):
    code, objects, err = run([str(tmp_path / "missing.txt")], capsys)
    assert code == 1 and objects == [] and "cannot read" in err
    code, _objects, err = run(["--encoding", "klingon", str(tmp_path)], capsys)
    assert code == 2 and "unknown encoding" in err
    code, _objects, err = run(["--encoding", "utf-16", str(tmp_path)], capsys)
    assert code == 2
    with pytest.raises(SystemExit) as exit_:
        run(["--lang", "fr"], capsys)
    assert exit_.value.code == 2


def test_the_module_runs_as_a_command(tmp_path):
    source = tmp_path / "texts.txt"
    source.write_text("物流太慢了\nthanks, great service\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "kefu.insights.cli", "sentiment", str(source)],
                          capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parents[3])
    assert done.returncode == 0, done.stderr
    assert [json.loads(line)["label"] for line in done.stdout.splitlines()] == [
        "negative", "positive"]
    piped = subprocess.run([sys.executable, "-m", "kefu.insights.cli", "sentiment", "-"],
                           input="气死我了！！！\n".encode(), capture_output=True, timeout=60,
                           cwd=Path(__file__).resolve().parents[3])
    assert piped.returncode == 0 and json.loads(piped.stdout)["anger"] is True
