"""``python -m bench.search [--tickets N] [--articles N]``: search latency over a large
database — p50/p95 of keyword search over tickets (as an agent, scoped, and as an
administrator), of keyword and combined (keyword + sentence encoder) search over articles and
of "similar past tickets" (the ticket page's panel); also how fast the index keeps up with new
tickets.

The database is DATABASE_URL, else a SQLite file under ./var/bench-search-scale
(BENCH_DATA_DIR). It is built once and grown on later runs: ``kefu migrate`` and ``kefu demo``
(the company, 3,000 tickets and the 300 demo articles), then ``kefu.demo.build.grow_tickets``
(bulk inserts: COPY on PostgreSQL) up to ``--tickets``, then generated articles published
through the article services (indexed in their transaction, as in production) up to
``--articles`` and embedded, then the tickets indexed: by the bulk re-index (``kefu search
reindex``, ``search.bulk.reindex``) when more than ``BULK_FROM`` are missing, as an operator
would after an import, then by the production indexer (``search.index.index_changed``, the
periodic job's body) until it has caught up. The periodic indexer's own rate is measured on
a sample (the newest ``RATE_SAMPLE`` tickets indexed again), and so are ticket embeddings
(used only by "similar past tickets"), which are not computed for every grown ticket.
Prints a table; writes bench/results/search-<db>-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

from bench.prepare import PROJECT_DIR, db_label, kefu, setup_django
from bench.report import RESULTS_DIR

DEFAULT_DATA_DIR = PROJECT_DIR / "var" / "bench-search-scale"
TARGETS_MS = {"keyword": 50, "combined": 150}
#: More unindexed tickets than this are indexed by the bulk re-index.
BULK_FROM = 50_000
#: The subject of the tickets written to time how soon a new ticket is searchable.
PROBE_SUBJECT = "基准测试新工单"
RATE_SAMPLE = 5000
TICKET_QUERIES = ["退款", "配送", "发票", "冰箱", "投诉", "漏水", "会员", "送错", "坏了", "安装",
                  "退款 配送", "冰箱 安装", "没有收到", "质量问题", "优惠券", "积分",
                  "refund", "delivery", "FH100", "配送时问"]
SEARCH_SUFFIXES = [("华东", "East China"), ("华南", "South China"), ("华北", "North China"),
                   ("西南", "South-west"), ("企业客户", "business customers"),
                   ("大促期间", "during big sales"), ("新用户", "new customers"),
                   ("会员", "members"), ("小程序", "the mini-program"), ("App", "the app")]


def bench_env() -> dict[str, str]:
    data_dir = Path(os.environ.get("BENCH_DATA_DIR") or DEFAULT_DATA_DIR).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{data_dir / 'kefu-bench-search.sqlite3'}"
    return {"DATABASE_URL": url, "KEFU_DATA_DIR": str(data_dir),
            "DJANGO_SETTINGS_MODULE": "kefu.settings",
            "KEFU_HUEY_FILE": "huey-bench-search.sqlite3", "KNOWLEDGE_SEMANTIC": "1"}


def parse_args(argv):
    p = argparse.ArgumentParser(prog="python -m bench.search", description=__doc__.split("\n\n")[0])
    p.add_argument("--tickets", type=int, default=1_000_000, help="tickets (default 1,000,000)")
    p.add_argument("--articles", type=int, default=10_000,
                   help="published articles (default 10,000)")
    p.add_argument("--runs", type=int, default=3, help="rounds over the queries (default 3)")
    p.add_argument("--seed", type=int, default=20261207)
    return p.parse_args(argv)


# --- building ---------------------------------------------------------------------------------

def grow_articles(target: int, rng: random.Random) -> int:
    """Publish generated articles (variants of the demo ones, in both languages, linked as
    translations) through the services until ``target`` are published; then embed them."""
    from django.db import transaction

    from kefu.accounts.models import User
    from kefu.knowledge import services
    from kefu.knowledge.demo_articles import demo_articles, embed_missing
    from kefu.knowledge.models import Article, KnowledgeCategory

    have = Article.objects.filter(status="published").count()
    if have >= target:
        return 0
    actor = User.objects.filter(role="admin").order_by("pk").first()
    categories = {c.slug: c for c in KnowledgeCategory.objects.all()}
    specs = [s for s in demo_articles() if s["audience"] == "public"]
    made = 0
    n = have
    while n < target:
        with transaction.atomic():
            for _i in range(min(100, (target - n + 1) // 2)):
                spec = rng.choice(specs)
                zh_tag, en_tag = rng.choice(SEARCH_SUFFIXES)
                serial = have + made
                zh = services.article_create(
                    actor=actor, language="zh-hans", title=f"{spec['zh']['t']}（{zh_tag}·{serial}）",
                    body=f"{spec['zh']['b']}\n\n适用于{zh_tag}。", summary=spec["zh"]["s"],
                    keywords=spec["zh"]["k"], category=categories.get(spec["cat"]))
                services.article_publish(actor=actor, article=zh)
                en = services.article_create(
                    actor=actor, language="en", title=f"{spec['en']['t']} ({en_tag} {serial})",
                    body=f"{spec['en']['b']}\n\nFor {en_tag}.", summary=spec["en"]["s"],
                    keywords=spec["en"]["k"], category=categories.get(spec["cat"]),
                    translation_of=zh)
                services.article_publish(actor=actor, article=en)
                made += 2
        n = have + made
        print(f"\r  articles: {n}/{target}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    embed_missing()
    return made


def bulk_index_if_far_behind() -> dict | None:
    """``kefu search reindex --kind ticket`` (in this process) when many tickets have no
    document yet; returns tickets indexed and the rate."""
    from kefu.knowledge.models import SearchDocument
    from kefu.knowledge.search import bulk
    from kefu.tickets.models import Ticket

    missing = Ticket.objects.count() - SearchDocument.objects.filter(kind="ticket").count()
    if missing <= BULK_FROM:
        return None

    def progress(done, seconds):
        print(f"\r  bulk re-index: {done} tickets ({done / seconds:.0f}/s)", end="",
              file=sys.stderr, flush=True)

    started = time.perf_counter()
    done = bulk.reindex("ticket", progress=progress)
    seconds = time.perf_counter() - started
    print(file=sys.stderr)
    return {"tickets": done, "seconds": round(seconds, 1), "per_second": round(done / seconds)}


def index_tickets_until_caught_up(settings) -> dict:
    """The production indexer (the periodic job's body), without ticket embeddings, until it
    has nothing left; returns tickets indexed and the rate."""
    from kefu.knowledge.search import index

    settings.KNOWLEDGE_SEMANTIC = 0
    try:
        done, started = 0, time.perf_counter()
        while True:
            counts = index.index_changed(batch=index.BATCH, max_batches=40)
            done += counts.get("ticket", 0)
            print(f"\r  indexed tickets: {done}", end="", file=sys.stderr, flush=True)
            if counts.get("ticket", 0) == 0:
                break
        seconds = time.perf_counter() - started
    finally:
        del settings.KNOWLEDGE_SEMANTIC
    print(file=sys.stderr)
    return {"tickets": done, "seconds": round(seconds, 1),
            "per_second": round(done / seconds) if done else None}


def periodic_indexer_rate(settings, sample: int = RATE_SAMPLE) -> dict:
    """Tickets a second of the periodic indexer's indexing step (``index.index_tickets``, in
    its batches of 500, without embeddings) on the newest ``sample`` tickets."""
    from kefu.knowledge.search import index
    from kefu.tickets.models import Ticket

    ids = list(Ticket.objects.order_by("-pk").values_list("pk", flat=True)[:sample])
    settings.KNOWLEDGE_SEMANTIC = 0
    try:
        started = time.perf_counter()
        for start in range(0, len(ids), index.BATCH):
            index.index_tickets(ids[start:start + index.BATCH])
        seconds = time.perf_counter() - started
    finally:
        del settings.KNOWLEDGE_SEMANTIC
    return {"tickets": len(ids), "seconds": round(seconds, 1),
            "per_second": round(len(ids) / seconds) if ids else None}


def embedding_cost(sample: int = 200) -> float:
    """Milliseconds per ticket for the production indexer with embeddings (a sample)."""
    from kefu.knowledge.search import index
    from kefu.tickets.models import Ticket

    ids = list(Ticket.objects.order_by("-pk").values_list("pk", flat=True)[:sample])
    started = time.perf_counter()
    index.index_tickets(ids)
    return round((time.perf_counter() - started) * 1000 / max(1, len(ids)), 1)


def new_ticket_delay() -> float:
    """Seconds from a ticket's creation to its first search hit with one indexer run (what
    the job does every KNOWLEDGE_INDEX_EVERY_SECONDS)."""
    from kefu.knowledge.search import index, search
    from kefu.tickets.models import Ticket

    template = Ticket.objects.exclude(status="new").order_by("-pk").first()
    from django.utils import timezone

    now = timezone.now()
    word = f"zqxbench{int(time.time())}"
    fresh = Ticket.objects.create(
        subject=f"{PROBE_SUBJECT} {word}", description="索引延迟测量", customer_id=template.customer_id,
        type="inquiry", priority="normal", status="new", channel="phone",
        team_id=template.team_id, branch_id=template.branch_id, created_at=now, updated_at=now)
    started = time.perf_counter()
    index.index_changed()
    admin = _user("admin")
    assert [r.id for r in search(q=word, kind="ticket", user=admin).items] == [fresh.pk]
    return round(time.perf_counter() - started, 3)


# --- measuring --------------------------------------------------------------------------------

def _user(role):
    from kefu.accounts.models import User

    return User.objects.filter(role=role, is_active=True).order_by("pk").first()


def measure(fn, queries, runs) -> dict:
    fn(queries[0])  # warm-up: jieba, the encoder, the article matrix, the page cache
    wall, cpu = [], []
    for _r in range(runs):
        for q in queries:
            c0, t0 = time.process_time(), time.perf_counter()
            fn(q)
            wall.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
    wall.sort()
    cpu.sort()
    return {"n": len(wall), "p50_ms": round(statistics.median(wall), 1),
            "p95_ms": round(wall[int(0.95 * (len(wall) - 1))], 1),
            "cpu_p50_ms": round(statistics.median(cpu), 1),
            "cpu_p95_ms": round(cpu[int(0.95 * (len(cpu) - 1))], 1)}


def main(argv=None) -> int:
    args = parse_args(argv)
    env = bench_env()
    rng = random.Random(args.seed)
    kefu("migrate", env=env)
    setup_django(env)
    from django.conf import settings

    from kefu.demo.build import _analyse, grow_tickets
    from kefu.knowledge import evaluation, semantic
    from kefu.knowledge.models import Article
    from kefu.knowledge.search import search
    from kefu.knowledge.similar import similar_tickets
    from kefu.tickets.models import Ticket

    if not Ticket.objects.exists():
        kefu("demo", env=env)
    build = {}
    t0 = time.perf_counter()
    build["tickets_added"] = grow_tickets(args.tickets, rng) if args.tickets > Ticket.objects.count() else 0
    build["tickets_seconds"] = round(time.perf_counter() - t0, 1)
    t0 = time.perf_counter()
    build["articles_added"] = grow_articles(args.articles, rng)
    build["articles_seconds"] = round(time.perf_counter() - t0, 1)
    build["bulk_indexing"] = bulk_index_if_far_behind()
    build["indexing"] = index_tickets_until_caught_up(settings)
    _analyse("knowledge_searchdocument")  # what autovacuum does after a bulk change
    build["periodic_indexer"] = periodic_indexer_rate(settings)
    build["embedding_ms_per_ticket"] = embedding_cost()
    build["new_ticket_searchable_after_s"] = new_ticket_delay()
    tickets = Ticket.objects.count()
    articles = Article.objects.filter(status="published").count()

    agent, admin = _user("agent"), _user("admin")
    article_queries = [q.text for q in evaluation.load()]

    def combined(q):
        semantic.embed_query.cache_clear()  # every query embedded afresh: the honest figure
        search(q=q, kind="article", ranking="combined")

    load_before = os.getloadavg()
    figures = {
        "ticket keyword (agent, scoped)": (measure(lambda q: search(q=q, kind="ticket", user=agent, limit=25),
                                                   TICKET_QUERIES, args.runs), "keyword"),
        "ticket keyword (administrator)": (measure(lambda q: search(q=q, kind="ticket", user=admin, limit=25),
                                                   TICKET_QUERIES, args.runs), "keyword"),
        "article keyword": (measure(lambda q: search(q=q, kind="article", ranking="keyword"),
                                    article_queries, args.runs), "keyword"),
        "article combined": (measure(combined, article_queries, args.runs), "combined"),
        # the ticket page's panel: 20 recent tickets (not the probes new_ticket_delay wrote)
        "similar past tickets": (measure(lambda t: similar_tickets(t, user=agent), list(
            Ticket.objects.exclude(subject__startswith=PROBE_SUBJECT).order_by("-pk")[:20]),
            args.runs), None),
    }
    load = os.getloadavg()
    label = db_label(env["DATABASE_URL"])
    print(f"\nsearch on {label}: {tickets:,} tickets, {articles:,} articles "
          f"(load average {load_before[0]:.1f} before, {load[0]:.1f} after, "
          f"on {os.cpu_count()} CPUs)")
    print(f"{'':<34}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'CPU p50':>9}{'CPU p95':>9}  target p95")
    for name, (fig, kind) in figures.items():
        if kind:
            verdict = "ok" if fig["p95_ms"] <= TARGETS_MS[kind] else "MISSED"
            target = f"≤ {TARGETS_MS[kind]} {verdict}"
        else:
            target = "(none set)"
        print(f"{name:<34}{fig['n']:>6}{fig['p50_ms']:>9}{fig['p95_ms']:>9}{fig['cpu_p50_ms']:>9}"
              f"{fig['cpu_p95_ms']:>9}  {target}")
    for key, what in (("bulk_indexing", "bulk re-index"), ("indexing", "periodic indexer, catching up"),
                      ("periodic_indexer", "periodic indexer, sample")):
        ix = build[key]
        if ix and ix["tickets"]:
            print(f"{what}: {ix['tickets']:,} tickets in {ix['seconds']} s ({ix['per_second']}/s, "
                  f"without embeddings)")
    print(f"embeddings {build['embedding_ms_per_ticket']} ms per ticket; a new ticket is "
          f"searchable after one indexer run: {build['new_ticket_searchable_after_s']} s")
    RESULTS_DIR.mkdir(exist_ok=True)
    out = RESULTS_DIR / f"search-{label}-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps({
        "database": label, "tickets": tickets, "articles": articles, "build": build,
        "figures": {k: v[0] for k, v in figures.items()}, "targets_ms": TARGETS_MS,
        "load_average_before": load_before, "load_average": load, "cpus": os.cpu_count(), "python": platform.python_version()},
        indent=2, ensure_ascii=False))
    print(f"written: {out.relative_to(PROJECT_DIR)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
