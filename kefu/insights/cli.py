"""``kefu insights sentiment [--lang auto|zh|en] [--encoding ENC] [FILE|-]``

Reads one text per line (a file, or standard input for ``-`` or no argument) and writes one
JSON object per line, in order: ``{"label": "positive"|"neutral"|"negative", "score":
-1..1, "anger": true|false, "lang": "zh"|"en"}``. A blank line gives a neutral object, so
output line N always answers input line N. Input is UTF-8 (a BOM is ignored); GBK, GB18030
or Big5 exports need ``--encoding``. Exit codes: 0 done, 1 unreadable input, 2 bad usage.

Nothing here needs the database; ``python -m kefu.insights.cli sentiment …`` works too.
"""

from __future__ import annotations

import argparse
import codecs
import json
import os
import sys


def add_parser(subparsers) -> None:
    """Register ``insights sentiment`` on the ``kefu`` command's sub-parsers."""
    p = subparsers.add_parser("insights", help="sentiment of customer texts")
    isub = p.add_subparsers(dest="insights_command", required=True)
    s = isub.add_parser("sentiment", help="score texts, one per line; one JSON object per line out")
    s.add_argument("file", nargs="?", default="-", metavar="FILE",
                   help="a text file with one text per line; - or nothing for standard input")
    s.add_argument("--lang", choices=["auto", "zh", "en"], default="auto",
                   help="language of the texts (default: detect per line)")
    s.add_argument("--encoding", default="utf-8-sig",
                   help="input encoding: utf-8 (default), gbk, gb18030, big5, …")
    s.set_defaults(func=cmd_sentiment)


def cmd_sentiment(args) -> int:
    from .sentiment import analyse, to_json

    try:
        encoding = codecs.lookup(args.encoding).name
    except LookupError:
        print(f"error: unknown encoding {args.encoding!r}", file=sys.stderr)
        return 2
    if encoding.startswith(("utf-16", "utf-32")):
        print("error: UTF-16/32 input is not supported; convert it to UTF-8", file=sys.stderr)
        return 2
    try:
        source = sys.stdin.buffer if args.file == "-" else open(args.file, "rb")  # noqa: SIM115
    except OSError as exc:
        print(f"error: cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    out = sys.stdout
    try:
        # Lines are split as bytes and decoded one by one, so a bad line is reported by its
        # number; a newline byte never occurs inside a character in UTF-8, GBK or Big5.
        for number, raw in enumerate(source, 1):
            try:
                text = raw.decode(encoding).rstrip("\r\n")
            except UnicodeDecodeError:
                print(f"error: line {number} is not valid {args.encoding}"
                      " (a GBK file needs --encoding gbk)", file=sys.stderr)
                return 1
            out.write(json.dumps(to_json(analyse(text, args.lang)), ensure_ascii=False) + "\n")
            out.flush()  # a pipe reader sees each answer as soon as its line is read
    except BrokenPipeError:  # the reader went away (`| head`): stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, out.fileno())
        return 0
    finally:
        if source is not sys.stdin.buffer:
            source.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kefu", description="kefu insights")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["insights", *(sys.argv[1:] if argv is None else argv)])
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
