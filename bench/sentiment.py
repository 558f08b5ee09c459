"""``python -m bench.sentiment``: how many short customer messages the default sentiment
analyser scores per second on one core (target ≥ 500/s), per language, median of runs.

The messages are the held-out test sets in kefu/insights/evaluation/data (real-style
customer-service texts, a few dozen characters each). No database is needed."""

from __future__ import annotations

import argparse
import os
import statistics
import time

TARGET = 500


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sentiment")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")
    from kefu.insights.evaluation.dataset import load
    from kefu.insights.sentiment import analyse

    print(f"sentiment throughput, one process on one core, median of {args.runs} runs")
    worst = None
    for lang in ("zh", "en"):
        texts = [e.text for e in load("test", lang)]
        analyse(texts[0], lang="auto")  # load the lexicons and model once
        rates = []
        for _ in range(args.runs):
            started = time.perf_counter()
            for text in texts:
                analyse(text, lang="auto")
            rates.append(len(texts) / (time.perf_counter() - started))
        rate = statistics.median(rates)
        chars = statistics.mean(len(t) for t in texts)
        worst = rate if worst is None else min(worst, rate)
        print(f"  {lang}: {rate:,.0f} messages/s ({len(texts)} messages, mean {chars:.0f} "
              f"characters; spread {min(rates):,.0f}–{max(rates):,.0f})")
    print(f"  target ≥ {TARGET}/s: {'ok' if worst >= TARGET else 'MISSED'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
