"""``python -m bench.search_quality``: MRR@10 and recall@5 of the article search on the demo
knowledge base, for keyword, semantic and combined ranking (and the suggestion box), over
the evaluation set in kefu/knowledge/evaluation/queries.tsv; per language and per kind of
query too. The database is DATABASE_URL, else a SQLite file under ./var/bench-search
(BENCH_DATA_DIR); it is migrated and given the demo articles once."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from bench.prepare import PROJECT_DIR, db_label, kefu, setup_django

DEFAULT_DATA_DIR = PROJECT_DIR / "var" / "bench-search"


def bench_env() -> dict[str, str]:
    data_dir = Path(os.environ.get("BENCH_DATA_DIR") or DEFAULT_DATA_DIR).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{data_dir / 'kefu-bench-search.sqlite3'}"
    return {"DATABASE_URL": url, "KEFU_DATA_DIR": str(data_dir),
            "DJANGO_SETTINGS_MODULE": "kefu.settings",
            "KEFU_HUEY_FILE": "huey-bench-search.sqlite3", "KNOWLEDGE_SEMANTIC": "1"}


def evaluator(actor_name: str = "search-eval"):
    from kefu.accounts.models import User

    user, _created = User.objects.get_or_create(
        username=actor_name, defaults={"display_name": "Search evaluation", "role": "admin",
                                       "is_staff": True, "is_superuser": True})
    return user


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.search_quality",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--tag", help="only the queries with this tag (two, typo, mixed, core)")
    parser.add_argument("--misses", action="store_true", help="list the queries missed")
    args = parser.parse_args(argv)
    env = bench_env()
    kefu("migrate", env=env)
    setup_django(env)
    from kefu.knowledge import evaluation
    from kefu.knowledge.demo_articles import load_demo_articles
    from kefu.knowledge.search import DEFAULT_RANKING

    loaded = load_demo_articles(actor=evaluator())
    queries = evaluation.load(tag=args.tag)
    print(f"search quality on {db_label(env['DATABASE_URL'])}: {loaded['total']} published "
          f"articles, {len(queries)} queries (default ranking: {DEFAULT_RANKING})")
    started = time.perf_counter()
    groups = {"all": queries}
    for language in ("zh", "en", "mixed"):
        groups[language] = [q for q in queries if q.language == language]
    for tag in ("two", "typo"):
        groups[tag] = [q for q in queries if tag in q.tags]
    print(f"{'queries':<10}{'n':>5}  " + "  ".join(f"{m + ' MRR@10':>18}{'R@5':>6}"
                                                   for m in evaluation.MODES))
    overall = None
    for name, subset in groups.items():
        if not subset:
            continue
        figures = evaluation.evaluate(subset)
        overall = overall or figures
        print(f"{name:<10}{len(subset):>5}  " + "  ".join(
            f"{figures[m].mrr10:>18.3f}{figures[m].recall5:>6.3f}" for m in evaluation.MODES))
    if args.misses and overall:
        for mode, figures in overall.items():
            print(f"missed ({mode}): {', '.join(figures.misses) or '-'}")
    print(f"({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
