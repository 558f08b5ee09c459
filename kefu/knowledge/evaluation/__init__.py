"""The search evaluation: queries people type over the demo knowledge base, with the
articles that answer them (``queries.tsv``), and MRR@10 / recall@5 for each ranking.

- **keyword**: ``search.search`` (FTS5 / PostgreSQL full text, the fallback, the ranking
  formula), public articles in both languages;
- **semantic**: ``similar.semantic_articles`` (the sentence encoder alone);
- **combined**: ``search.search(ranking="combined")`` (both, fused by reciprocal rank: the
  default);
- **suggestions**: ``similar.suggest_articles`` (the suggestion box and the ticket panel:
  both fused, one article per pair, in the reader's language).

Results are compared per translation group: a Chinese query answered by the English text of
the right article counts (the pair is one answer), and a group counts once, at its first
rank. ``python -m bench.search_quality`` prints the figures; docs/search.md records them.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

QUERIES_FILE = Path(__file__).with_name("queries.tsv")
MODES = ("keyword", "semantic", "combined", "suggestions")
READER_LANGUAGE = {"zh": "zh-hans", "en": "en", "mixed": "zh-hans"}


@dataclass(frozen=True)
class EvalQuery:
    language: str  # zh, en or mixed
    tags: frozenset[str]
    text: str
    expected: frozenset[str]  # demo article keys


def load(path: Path = QUERIES_FILE, *, tag: str | None = None) -> list[EvalQuery]:
    out = []
    with path.open(encoding="utf-8") as handle:
        rows = csv.reader((line for line in handle if line.strip() and not line.startswith("#")),
                          delimiter="\t")
        for language, tags, text, expected in rows:
            query = EvalQuery(language, frozenset(t for t in tags.split(",") if t), text,
                              frozenset(expected.split(",")))
            if tag is None or tag in query.tags:
                out.append(query)
    return out


# --- metrics (pure) ---------------------------------------------------------------------------

def reciprocal_rank(ranked: list[str], expected: frozenset[str], k: int = 10) -> float:
    """1 / the rank of the first expected answer within the top ``k`` (0 when none)."""
    for rank, key in enumerate(ranked[:k], start=1):
        if key in expected:
            return 1.0 / rank
    return 0.0


def recall(ranked: list[str], expected: frozenset[str], k: int = 5) -> float:
    """Share of the expected answers in the top ``k``, out of as many as fit in ``k``."""
    if not expected:
        return 0.0
    return len(set(ranked[:k]) & expected) / min(len(expected), k)


def first_per_group(keys: list[str | None]) -> list[str]:
    """Keys in order, each once, unknown ones dropped."""
    return list(dict.fromkeys(k for k in keys if k))


# --- rankings over the database -----------------------------------------------------------

def article_keys() -> dict[int, str]:
    """Article id → demo key (both languages of a pair share the key)."""
    from ..demo_articles import demo_articles
    from ..models import Article

    by_title = {}
    for spec in demo_articles():
        by_title[("zh-hans", spec["zh"]["t"])] = spec["key"]
        by_title[("en", spec["en"]["t"])] = spec["key"]
    return {pk: by_title.get((language, title)) for pk, language, title in
            Article.objects.values_list("pk", "language", "title")}


def ranked_keys(mode: str, query: EvalQuery, keys: dict[int, str], *, limit: int = 10) -> list[str]:
    from ..search import search
    from ..similar import semantic_articles, suggest_articles

    if mode in ("keyword", "combined"):
        ids = [r.id for r in search(q=query.text, kind="article", limit=limit * 2,
                                    ranking=mode).items]
    elif mode == "semantic":
        ids = [r["id"] for r in semantic_articles(query.text, limit=limit * 2)]
    elif mode == "suggestions":
        ids = [r["id"] for r in suggest_articles(
            query.text, language=READER_LANGUAGE[query.language], limit=limit * 2)]
    else:
        raise ValueError(mode)
    return first_per_group([keys.get(i) for i in ids])[:limit]


@dataclass
class Figures:
    mode: str
    queries: int
    mrr10: float
    recall5: float
    misses: list[str]  # queries with no expected answer in the top 10


def evaluate(queries: list[EvalQuery], modes=MODES) -> dict[str, Figures]:
    keys = article_keys()
    out = {}
    for mode in modes:
        rr, rc, misses = [], [], []
        for query in queries:
            ranked = ranked_keys(mode, query, keys)
            rr.append(reciprocal_rank(ranked, query.expected))
            rc.append(recall(ranked, query.expected))
            if rr[-1] == 0:
                misses.append(query.text)
        n = max(1, len(queries))
        out[mode] = Figures(mode, len(queries), sum(rr) / n, sum(rc) / n, misses)
    return out
