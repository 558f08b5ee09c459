"""PostgreSQL: the newest documents of a kind that match a query, found epoch by epoch.

A ticket search ranks only the newest ``WINDOW`` matching tickets (``search.WINDOW``). On
SQLite, FTS5 reads a word's postings newest first and stops there. PostgreSQL's GIN index
cannot give its matches in id order: walking the documents newest first and testing each
one read ~100,000 rows to fill a 5,000-document window with a word found in one ticket in
twenty (40–50 ms at a million tickets, more as updates scatter the rows), and the bitmap of
all its matches read 60,000.

So the document ids are cut into epochs of ``2**EPOCH_BITS`` ids, and the GIN index of
tickets and customers (migration 0004) is over the document's ``tsv`` plus one marker lexeme
naming its epoch. ``word & (epoch 121 | epoch 120)`` is then answered inside the index, which skips
through both posting lists, and only the matching rows of those epochs are read.

How a query is answered depends on how many documents the planner expects it to match
(its statistics of the indexed lexemes; one ``EXPLAIN``, well under a millisecond):

- a few (up to ``RARE`` windows' worth), or several words that must all be there (the
  planner takes them as independent; the index intersects their postings): every match
  through the index, the newest kept;
- a large share (``WALK_FROM`` or more): the ids walked newest first, each document tested
  (~0.4 µs a row; the window fills within a few windows' worth of rows);
- in between: rounds over epochs, newest first. Each round asks for as many epochs as the
  expected rate says the rest of the window needs (15% more) — the rate seen so far once
  there is one, but never more than twice as many ids as were read before (words are not
  spread evenly over time); when that is more than are left, one last round reads every
  older match through the plain index.

The result is the same set of documents as a walk by id would give, so SQLite and
PostgreSQL agree. A marker starts with a space, which no token holds (tokens are
space-separated), so no word of a query can match one, nor be the start of one (a last word
is looked for as a prefix: "e" would otherwise have found every ticket); ``ts_rank`` reads ``tsv`` alone, so markers never change
a relevance. The indexes are built without GIN's pending list (``fastupdate = off``): a
list of recent entries that every search would have to read through.
"""

from __future__ import annotations

import json
import math

from django.db import connection

EPOCH_BITS = 13
EPOCH = 1 << EPOCH_BITS
#: The expression the per-kind GIN indexes are built on (the same text as migration 0004,
#: with the document table aliased ``d``).
INDEXED_TSV = (
    f"(d.tsv || array_to_tsvector(ARRAY[' epoch ' || (d.id >> {EPOCH_BITS})::text]))"
)
#: The kinds whose index is over INDEXED_TSV (migration 0004); articles, a few thousand and
#: never searched through a window, keep theirs on ``tsv``, whose statistics the planner
#: reads (those of the expression told it a common word matched one article, and it chose
#: to test every article of the language instead: 25 ms).
KINDS = ("ticket", "customer")
#: Expected to match at most this many windows' worth: read every match.
RARE = 2
#: From this share of documents matching on, walking the ids newest first and testing each
#: (~0.4 µs a row) is cheaper than fetching the matches the index names (~2–4 µs a row).
WALK_FROM = 0.10
#: Ask for this much more than the rate says is needed.
MARGIN = 1.15
#: A round reads at most this many times as many ids as all rounds before it.
GROWTH = 2


def indexed(kind: str) -> str:
    """The expression a search of ``kind`` matches, for the planner to use its index."""
    return INDEXED_TSV if kind in KINDS else "d.tsv"


def marker(epoch: int) -> str:
    return f" epoch {epoch}"


def _markers(low: int, high: int) -> str:
    return " | ".join(f"'{marker(e)}'" for e in range(high, low - 1, -1))


def execute(sql: str, args) -> list[tuple]:
    with connection.cursor() as cursor:
        # Never as a prepared statement (kefu.settings lets psycopg prepare a query after its
        # 5th run): a generic plan cannot see how common the words are.
        cursor.cursor.execute(sql, args, prepare=False)
        return cursor.fetchall()


def estimate(sql: str, args) -> float:
    """The planner's estimate of the rows ``sql`` returns."""
    plan = execute("EXPLAIN (FORMAT JSON) " + sql, args)[0][0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return float(plan[0]["Plan"]["Plan Rows"])


def newest(tsquery: str, *, kind: str, table: str, where: str, params: list, window: int,
           all_terms: bool = False) -> list[tuple[int, int, float]]:
    """(document id, object id, relevance) of the newest ``window`` documents of ``kind``
    matching ``tsquery`` (and ``where``, on alias ``d``), newest first. ``all_terms``: the
    query needs several words together, which the planner takes as independent: unless it
    expects them in a tenth of the documents or more, every match is read (the index
    intersects the words' postings; 10–20 ms for 退款 配送 at a million tickets)."""
    if kind not in KINDS:  # written into the SQL below
        raise ValueError(kind)
    top = execute(f"SELECT max(id) FROM {table}", [])[0][0]
    if top is None:
        return []
    select = (
        f"SELECT d.id, d.object_id, ts_rank(d.tsv, x.q, 1) FROM CAST(%s AS tsquery) AS x(q), "
        f"{table} d WHERE d.kind = '{kind}'{where} AND "
    )
    matching = select + f"{INDEXED_TSV} @@ x.q"
    # (estimated on ``tsv``, whose statistics know each lexeme's frequency; those of the
    # indexed expression do not)
    expected = estimate(select + "d.tsv @@ x.q", [tsquery, *params])
    rate = 0.0
    if expected > RARE * window:
        documents = estimate(f"SELECT 1 FROM {table} d WHERE d.kind = '{kind}'{where}", params)
        rate = min(1.0, expected / max(documents, 1.0))
    if expected <= RARE * window or (all_terms and rate < WALK_FROM):
        rows = execute(matching, [tsquery, *params])
    elif rate >= WALK_FROM:
        # ``d.tsv`` itself has no index: the planner can only walk the ids
        rows = execute(select + "d.tsv @@ x.q ORDER BY d.id DESC LIMIT %s",
                       [tsquery, *params, window])
    else:
        # (the first round takes ids to be as dense as documents: where other kinds or
        # deleted documents left gaps it reads too few, and the next round knows better;
        # reading too many would cost more)
        rows = _rounds(select, [tsquery, *params], top=top, rate=rate, window=window)
    rows.sort(key=lambda r: -r[0])
    return [(int(i), int(o), float(r)) for i, o, r in rows[:window]]


def _rounds(select: str, args: list, *, top: int, rate: float, window: int) -> list[tuple]:
    rows: list[tuple] = []
    high, ids_read = top >> EPOCH_BITS, 0
    while high >= 0:
        needed = window - len(rows)
        if ids_read and rows:
            rate = len(rows) / ids_read
        span = math.ceil(needed / rate * MARGIN / EPOCH)
        if ids_read:
            span = min(span, math.ceil(ids_read * GROWTH / EPOCH))
        low = high - span + 1
        if low <= 0:
            return rows + _rest(select, args, below=(high + 1) << EPOCH_BITS)
        rows += execute(select + f"{INDEXED_TSV} @@ (x.q && CAST(%s AS tsquery))",
                        [*args, _markers(low, high)])
        if len(rows) >= window:
            break
        ids_read = top + 1 - (low << EPOCH_BITS)
        high = low - 1
    return rows


def _rest(select: str, args: list, *, below: int) -> list[tuple]:
    """Every match older than ``below``, through the index without markers."""
    return execute(select + f"{INDEXED_TSV} @@ x.q AND d.id < %s", [*args, below])


def best_visible(rows, *, scope: tuple[str, list], wanted: int) -> list[tuple]:
    """The first ``wanted`` of ``rows`` (best first) whose object ``scope`` allows, checked a
    growing chunk at a time (the planner sees a small list and looks each one up)."""
    visible: list[tuple] = []
    start, chunk = 0, max(2 * wanted, 100)
    while start < len(rows) and len(visible) < wanted:
        part = rows[start:start + chunk]
        allowed = {oid for (oid,) in execute(
            f"SELECT h.object_id FROM unnest(CAST(%s AS bigint[])) AS h(object_id) "
            f"WHERE {scope[0]}", [[r[1] for r in part], *scope[1]])}
        visible += [r for r in part if r[1] in allowed]
        start += chunk
        chunk *= 4
    return visible[:wanted]
