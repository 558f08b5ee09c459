"""The database side of search: one ranked match query, written for SQLite FTS5 and for
PostgreSQL's full-text search, over the same token text (see migration 0002).

Relevance: FTS5's bm25 (title tokens weigh 3, body tokens 1); PostgreSQL's ts_rank with the
title as weight A and the body as weight B, normalised by document length (option 1). Both
answer "higher is better" here, ties broken by id (newest first)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from . import query as q

TABLE = "knowledge_searchdocument"
FTS = "knowledge_search_fts"
TITLE_WEIGHT = 3.0


@dataclass(frozen=True)
class Hit:
    doc_id: int
    object_id: int
    relevance: float


def _filters(kind: str, languages, audiences, alias: str) -> tuple[str, list]:
    sql, params = [f"{alias}.kind = %s"], [kind]
    if languages:
        sql.append(f"{alias}.language IN ({', '.join(['%s'] * len(languages))})")
        params.extend(languages)
    if audiences:
        sql.append(f"{alias}.audience IN ({', '.join(['%s'] * len(audiences))})")
        params.extend(audiences)
    return " AND ".join(sql), params


def match(query: q.Query, *, kind: str, languages=(), audiences=(), any_match: bool = False,
          limit: int = 200, offset: int = 0, window: int | None = None) -> list[Hit]:
    """The best ``limit`` documents of ``kind`` matching the query (all terms, or any token
    with ``any_match``), most relevant first. ``window``: rank only the newest ``window``
    matching documents (highest ids; on both databases alike), so a word found in a large
    share of a million tickets costs a bounded amount of ranking work."""
    if query.empty:
        return []
    where, params = _filters(kind, languages, audiences, "d")
    if connection.vendor == "postgresql":
        tsquery = q.tsquery(query, any_match=any_match)
        if window:
            sql = (f"SELECT s.id, s.object_id, ts_rank(s.tsv, x.q, 1) AS rel "
                   f"FROM CAST(%s AS tsquery) AS x(q), LATERAL (SELECT d.id, d.object_id, d.tsv "
                   f"FROM {TABLE} d WHERE d.tsv @@ x.q AND {where} ORDER BY d.id DESC LIMIT %s) s "
                   f"ORDER BY rel DESC, s.id DESC LIMIT %s OFFSET %s")
            args = [tsquery, *params, window, limit, offset]
        else:
            sql = (f"SELECT d.id, d.object_id, ts_rank(d.tsv, x.q, 1) AS rel "
                   f"FROM {TABLE} d, CAST(%s AS tsquery) AS x(q) "
                   f"WHERE d.tsv @@ x.q AND {where} ORDER BY rel DESC, d.id DESC LIMIT %s OFFSET %s")
            args = [tsquery, *params, limit, offset]
    elif connection.vendor == "sqlite":
        rank = f"bm25({FTS}, {TITLE_WEIGHT}, 1.0)"
        inner = (f"SELECT d.id AS id, d.object_id AS object_id, -{rank} AS rel FROM {FTS} "
                 f"JOIN {TABLE} d ON d.id = {FTS}.rowid WHERE {FTS} MATCH %s AND {where}")
        if window:
            sql = (f"SELECT id, object_id, rel FROM ({inner} ORDER BY {FTS}.rowid DESC LIMIT %s) "
                   f"ORDER BY rel DESC, id DESC LIMIT %s OFFSET %s")
            args = [q.fts5(query, any_match=any_match), *params, window, limit, offset]
        else:
            sql = f"{inner} ORDER BY rel DESC, d.id DESC LIMIT %s OFFSET %s"
            args = [q.fts5(query, any_match=any_match), *params, limit, offset]
    else:  # pragma: no cover - kefu runs on SQLite and PostgreSQL
        raise NotImplementedError(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        return [Hit(int(r[0]), int(r[1]), float(r[2])) for r in cursor.fetchall()]
