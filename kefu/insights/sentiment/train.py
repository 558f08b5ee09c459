"""Train the naive Bayes weights on the dev sets: ``python -m kefu.insights.sentiment.train``.

Only the dev split is read (never the held-out test split). ``--alpha`` sets the smoothing;
the default was chosen by 5-fold cross-validation on dev (see kefu.insights.evaluation).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..evaluation import dataset
from . import bayes

DATA = Path(__file__).parent / "data"
ALPHA = 0.5


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alpha", type=float, default=ALPHA)
    args = parser.parse_args(argv)
    for lang in dataset.LANGS:
        examples = dataset.load("dev", lang)
        model = bayes.train([e.text for e in examples], [e.label for e in examples], args.alpha)
        path = DATA / f"bayes_{lang}.json"
        payload = {"lang": lang, "alpha": args.alpha, "trained_on": f"dev_{lang}.csv"}
        payload.update(model.to_json())
        path.write_text(json.dumps(payload, ensure_ascii=False, separators=(",", ":")) + "\n")
        print(f"{path.name}: {len(examples)} examples, {len(model.loglik)} features")


if __name__ == "__main__":
    main()
