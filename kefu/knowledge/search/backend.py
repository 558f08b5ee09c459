"""The database side of search: one ranked match query, written for SQLite FTS5 and for
PostgreSQL's full-text search, over the same token text.

Each kind of document has its own full-text index (migration 0003): an FTS5 table
``knowledge_search_fts_<kind>`` on SQLite, a partial GIN index ``WHERE kind = '<kind>'`` on
PostgreSQL. A search for articles therefore never reads the postings of tickets, whatever
their number.

Relevance: FTS5's bm25 (title tokens weigh 3, body tokens 1); PostgreSQL's ts_rank with the
title as weight A and the body as weight B, normalised by document length (option 1). Both
answer "higher is better" here, ties broken by id (newest first).

``scope``: an SQL condition (and its parameters) on ``h.object_id``, the matched document's
ticket or customer id, that keeps only what the user may see (``search._scope``). On SQLite
it is applied in the match query itself; on PostgreSQL, after the window has been found
(``epochs.newest``), to the ranked window best match first, a growing chunk at a time
(``epochs.best_visible``), until enough visible ones are found."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from . import query as q
from .epochs import KINDS as EPOCH_KINDS
from .epochs import best_visible as pg_best_visible
from .epochs import execute as pg_execute
from .epochs import indexed
from .epochs import newest as pg_newest

TABLE = "knowledge_searchdocument"
KINDS = ("article", "ticket", "customer")
FTS = {kind: f"knowledge_search_fts_{kind}" for kind in KINDS}
TITLE_WEIGHT = 3.0
#: The matched document's object id, for ``scope`` conditions.
OBJECT_ID = "h.object_id"


@dataclass(frozen=True)
class Hit:
    doc_id: int
    object_id: int
    relevance: float


def _filters(languages, audiences, alias: str) -> tuple[str, list]:
    # PostgreSQL: written so that no b-tree serves them (``|| ''``). With ``kb_doc_filter``
    # (kind, language, audience) usable, the planner read every public article and tested
    # each one's ``tsv`` (detoasted: 36 ms at 10,000 articles) instead of the word's postings
    # in the articles' GIN index (1–4 ms): it cannot see what reading a large tsvector costs.
    pad = " || ''" if connection.vendor == "postgresql" else ""
    sql, params = [], []
    if languages:
        sql.append(f"{alias}.language{pad} IN ({', '.join(['%s'] * len(languages))})")
        params.extend(languages)
    if audiences:
        sql.append(f"{alias}.audience{pad} IN ({', '.join(['%s'] * len(audiences))})")
        params.extend(audiences)
    return "".join(f" AND {s}" for s in sql), params


def match(
    query: q.Query,
    *,
    kind: str,
    languages=(),
    audiences=(),
    any_match: bool = False,
    limit: int = 200,
    offset: int = 0,
    window: int | None = None,
    scope: tuple[str, list] | None = None,
) -> list[Hit]:
    """The best ``limit`` documents of ``kind`` matching the query (all terms, or any token
    with ``any_match``), most relevant first. ``window``: rank only the newest ``window``
    matching documents (highest ids; on both databases alike), so a word found in a large
    share of a million tickets costs a bounded amount of ranking work; ``scope`` then keeps
    those the user may see."""
    if query.empty:
        return []
    if kind not in FTS:
        raise ValueError(kind)
    where, params = _filters(languages, audiences, "d")
    if connection.vendor == "postgresql":
        tsquery = q.tsquery(query, any_match=any_match)
        if window and kind in EPOCH_KINDS:
            rows = pg_newest(tsquery, kind=kind, table=TABLE, where=where, params=params,
                             window=window, all_terms=len(query.terms) > 1 and not any_match)
            rows.sort(key=lambda r: (-r[2], -r[0]))
            if scope:
                rows = pg_best_visible(rows, scope=scope, wanted=offset + limit)
            return [Hit(*row) for row in rows[offset:offset + limit]]
        # The kind is written into the SQL (one of KINDS, never user input) so that the
        # planner uses that kind's partial GIN index.
        ranked = (
            f"SELECT d.id, d.object_id, ts_rank(d.tsv, x.q, 1) AS rel "
            f"FROM CAST(%s AS tsquery) AS x(q), {TABLE} d "
            f"WHERE {indexed(kind)} @@ x.q AND d.kind = '{kind}'{where}"
        )
        if window:
            ranked += " ORDER BY d.id DESC LIMIT %s"
            params.append(window)
        params.insert(0, tsquery)
    elif connection.vendor == "sqlite":
        fts = FTS[kind]
        ranked = (
            f"SELECT d.id AS id, d.object_id AS object_id, "
            f"-bm25({fts}, {TITLE_WEIGHT}, 1.0) AS rel FROM {fts} "
            f"JOIN {TABLE} d ON d.id = {fts}.rowid WHERE {fts} MATCH %s{where}"
        )
        if window:
            ranked += f" ORDER BY {fts}.rowid DESC LIMIT %s"
            params.append(window)
        params.insert(0, q.fts5(query, any_match=any_match))
    else:  # pragma: no cover - kefu runs on SQLite and PostgreSQL
        raise NotImplementedError(connection.vendor)
    return _page(ranked, params, limit=limit, offset=offset, scope=scope)


def _page(ranked: str, params: list, *, limit: int, offset: int, scope) -> list[Hit]:
    """Rows ``offset`` to ``offset + limit`` of ``ranked`` (id, object_id, rel), best first,
    keeping those ``scope`` allows."""
    best_first = "ORDER BY h.rel DESC, h.id DESC"
    if not scope:
        sql = f"SELECT h.id, h.object_id, h.rel FROM ({ranked}) h {best_first} LIMIT %s OFFSET %s"
    else:
        # The scope is checked best match first and only until ``limit`` visible ones are
        # found (a ticket lookup each), not for the whole window: the ranked rows come out
        # of a sorted subquery (``OFFSET 0`` / ``LIMIT -1`` keep it from being merged into
        # the outer query). PostgreSQL keeps that order through the outer ORDER BY without
        # sorting again; SQLite would sort again after checking every row, so there the
        # outer query has no ORDER BY (rows leave the subquery in order; sorted below).
        fence, outer = (
            ("OFFSET 0", best_first) if connection.vendor == "postgresql" else ("LIMIT -1", "")
        )
        sql = (
            f"SELECT h.id, h.object_id, h.rel FROM (SELECT * FROM ({ranked}) r "
            f"ORDER BY r.rel DESC, r.id DESC {fence}) h WHERE {scope[0]} {outer} "
            f"LIMIT %s OFFSET %s"
        )
        params = [*params, *scope[1]]
    args = [*params, limit, offset]
    if connection.vendor == "postgresql":
        rows = pg_execute(sql, args)
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql, args)
            rows = cursor.fetchall()
    hits = [Hit(int(r[0]), int(r[1]), float(r[2])) for r in rows]
    return sorted(hits, key=lambda h: (-h.relevance, -h.doc_id))
