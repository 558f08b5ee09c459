"""Re-indexing a whole kind in large batches (``kefu search reindex``): after an import of
many tickets or customers, after restoring a backup, after a dictionary change (to segment
old texts again), or to build a large test database.

The periodic indexer (``index.index_changed``) is made for the few rows that change every
few seconds: it pages by ``updated_at`` 500 rows at a time through the ORM. This path reads
the source table in primary-key order, ``batch`` rows at a time (the same documents:
``index.ticket_documents`` / ``customer_documents``), and writes each batch in one
transaction with raw inserts (``executemany`` on SQLite, ``COPY`` on PostgreSQL). Each batch
replaces the documents of its id range, so documents of rows deleted since are removed too,
and search keeps answering throughout (a reader sees each batch whole or not at all).

- Embeddings of documents whose source has not changed are kept; new or changed ones get
  none unless ``embed`` (about 15–40 ms a text: hours for a million tickets). "Similar past
  tickets" uses keyword relevance for tickets without an embedding.
- At the end, the periodic indexer's watermark moves to the newest ``updated_at`` read at
  the start (never backwards), so it does not read every row again; rows changed during the
  re-index are newer and it picks them up.
- Articles are few and indexed from their live version: ``reindex("article")`` runs them
  through ``index.index_article``, one transaction each.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from . import index

#: Rows read and written per transaction.
BATCH = 5000
COLUMNS = (
    "kind",
    "object_id",
    "language",
    "audience",
    "group_id",
    "title",
    "body",
    "title_tokens",
    "tokens",
    "source_updated_at",
    "indexed_at",
    "meta",
    "embedding",
)
SOURCES = {
    "ticket": ("kefu.tickets.models.Ticket", index.ticket_documents),
    "customer": ("kefu.customers.models.Customer", index.customer_documents),
}


def reindex(
    kind: str,
    *,
    batch: int = BATCH,
    embed: bool = False,
    progress: Callable[[int, float], None] | None = None,
) -> int:
    """Index every ``kind`` ("ticket", "customer" or "article") again; returns how many
    documents were written. ``progress(done, seconds)`` is called after each batch."""
    if kind == "article":
        return _reindex_articles()
    if kind not in SOURCES:
        raise ValueError(kind)
    from django.utils.module_loading import import_string

    from ..models import IndexWatermark

    path, documents = SOURCES[kind]
    model = import_string(path)
    newest = model.objects.aggregate(m=Max("updated_at"))["m"]
    started, done, last = time.perf_counter(), 0, 0
    while True:
        ids = list(
            model.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch]
        )
        upper = ids[-1] if len(ids) == batch else None  # None: to the end of the table
        docs = documents(ids)
        _write(kind, docs, after=last, upto=upper, embed=embed)
        done += len(docs)
        if progress:
            progress(done, time.perf_counter() - started)
        if upper is None:
            break
        last = upper
    if newest is not None:
        mark = IndexWatermark.objects.filter(pk=kind).first()
        if mark is None or mark.value < newest:
            IndexWatermark.objects.update_or_create(
                pk=kind, defaults={"value": newest, "updated_at": timezone.now()}
            )
    return done


def _reindex_articles() -> int:
    from .. import rules
    from ..models import Article, SearchDocument

    n = 0
    for article in (
        Article.objects.filter(status=rules.Status.PUBLISHED)
        .select_related("live_version")
        .iterator(chunk_size=200)
    ):
        with transaction.atomic():
            index.index_article(article)
        n += 1
    # articles no longer published
    with transaction.atomic():
        live = Article.objects.filter(status=rules.Status.PUBLISHED).values("pk")
        SearchDocument.objects.filter(kind="article").exclude(object_id__in=live).delete()
    return n


def _write(kind: str, docs: list, *, after: int, upto: int | None, embed: bool) -> None:
    """Replace the documents of ``kind`` with object ids in (after, upto] by ``docs``."""
    from ..models import SearchDocument

    table = SearchDocument._meta.db_table
    in_range = SearchDocument.objects.filter(kind=kind, object_id__gt=after)
    delete, params = f"DELETE FROM {table} WHERE kind = %s AND object_id > %s", [kind, after]
    if upto is not None:
        in_range = in_range.filter(object_id__lte=upto)
        delete, params = f"{delete} AND object_id <= %s", [*params, upto]
    kept = {
        oid: (at, vector)
        for oid, at, vector in in_range.filter(embedding__isnull=False).values_list(
            "object_id", "source_updated_at", "embedding"
        )
    }
    for doc in docs:
        old = kept.get(doc.object_id)
        if old is not None and old[0] == doc.source_updated_at:
            doc.embedding = bytes(old[1])
    if embed:
        index._embed_docs([d for d in docs if d.embedding is None])
    fields = [SearchDocument._meta.get_field(c) for c in COLUMNS]
    rows = [
        tuple(
            f.get_db_prep_value(getattr(d, f.attname), connection, prepared=False) for f in fields
        )
        for d in docs
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(delete, params)  # on SQLite, the triggers take them out of FTS too
        if not rows:
            return
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(COLUMNS)}) "
                f"VALUES ({', '.join(['%s'] * len(COLUMNS))})",
                rows,
            )
