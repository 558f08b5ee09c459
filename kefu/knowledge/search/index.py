"""Keeping the search documents in step with their sources.

- Articles are indexed by the article services in the same transaction as the publication
  (``index_article``): a published article is searchable the moment it commits, an archived
  one disappears with it.
- Tickets and customers belong to other apps, whose services do not call us. The periodic
  job (``tasks.index_tick``: every minute, and again every ``KNOWLEDGE_INDEX_EVERY_SECONDS``
  within it) reads the rows whose ``updated_at`` moved past a watermark (ticket replies,
  edits and status changes all move it) and re-indexes them: a new or changed ticket is
  searchable within seconds. The watermark is read back ``OVERLAP`` seconds, so a
  transaction that committed late with an earlier timestamp is not missed; documents whose
  source has not changed are skipped.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from .. import rules
from . import lexicon, tokens

#: Characters of a document kept for search and snippets.
MAX_DOC_CHARS = 20_000
OVERLAP = timedelta(seconds=120)
BATCH = 500


def _tokens(text: str) -> str:
    return tokens.token_text(text, lexicon.current().segmenter)


def _doc(kind: str, object_id: int, *, title: str, body: str, extra: str = "",
         updated_at, language: str = "", audience: str = "", group_id=None, meta=None,
         now=None):
    from ..models import SearchDocument

    body = body[:MAX_DOC_CHARS]
    return SearchDocument(kind=kind, object_id=object_id, language=language, audience=audience,
                          group_id=group_id, title=title[:300], body=body,
                          title_tokens=_tokens(title), tokens=_tokens(f"{extra}\n{body}"),
                          source_updated_at=updated_at, indexed_at=now or timezone.now(),
                          meta=meta or {})


def _replace(kind: str, docs: list, ids) -> None:
    from ..models import SearchDocument

    with transaction.atomic():
        SearchDocument.objects.filter(kind=kind, object_id__in=list(ids)).delete()
        SearchDocument.objects.bulk_create(docs)


# --- articles ---------------------------------------------------------------------------------

def article_document(article, version):
    body = rules.plain_text(version.body)
    return _doc("article", article.pk, title=version.title,
                body=f"{version.summary}\n{body}".strip(), extra=version.keywords,
                updated_at=version.published_at or version.updated_at,
                language=article.language, audience=article.audience,
                group_id=article.group_id,
                meta={"category_id": article.category_id, "summary": version.summary})


def index_article(article, *, embedding: bytes | None = None) -> None:
    """Index (or remove) one article as it now is, in the caller's transaction."""
    from ..models import SearchDocument

    live = article.live_version if article.live_version_id else None
    if article.status != rules.Status.PUBLISHED or live is None:
        SearchDocument.objects.filter(kind="article", object_id=article.pk).delete()
        return
    doc = article_document(article, live)
    doc.embedding = embedding if embedding is not None else article.embedding
    _replace("article", [doc], [article.pk])


# --- tickets and customers ---------------------------------------------------------------------

def ticket_documents(ids) -> list:
    """The documents of these tickets (unsaved): subject, description and every message
    (internal notes too: ticket search is for staff only, scoped by kefu.tickets.access)."""
    from kefu.tickets.models import Message, Ticket

    ids = list(ids)
    if not ids:
        return []
    tickets = list(Ticket.objects.filter(pk__in=ids).values(
        "id", "subject", "description", "status", "updated_at", "customer_id", "type"))
    texts: dict[int, list[str]] = {t["id"]: [t["description"] or ""] for t in tickets}
    sizes = {t["id"]: len(t["description"] or "") for t in tickets}
    for ticket_id, body in (Message.objects.filter(ticket_id__in=ids)
                            .order_by("ticket_id", "created_at", "id")
                            .values_list("ticket_id", "body").iterator(chunk_size=2000)):
        if sizes.get(ticket_id, MAX_DOC_CHARS) < MAX_DOC_CHARS:
            texts[ticket_id].append(body)
            sizes[ticket_id] += len(body) + 1
    now = timezone.now()
    return [_doc("ticket", t["id"], title=t["subject"], body="\n".join(texts[t["id"]]),
                 extra=f"{t['id']}", updated_at=t["updated_at"], now=now,
                 meta={"status": t["status"], "customer_id": t["customer_id"], "type": t["type"]})
            for t in tickets]


def index_tickets(ids) -> int:
    """(Re)index these tickets, with their embeddings when semantic search is on."""
    ids = list(ids)
    docs = ticket_documents(ids)
    _embed_docs(docs)
    if ids:
        _replace("ticket", docs, ids)
    return len(docs)


def customer_documents(ids) -> list:
    """The documents of these customers (unsaved): names, e-mail, phone, WeChat id and
    external reference."""
    from kefu.customers.models import Customer

    ids = list(ids)
    if not ids:
        return []
    now = timezone.now()
    docs = []
    for c in Customer.objects.filter(pk__in=ids).values(
            "id", "name", "name_en", "email", "phone", "wechat_id", "external_ref", "updated_at"):
        names = " ".join(filter(None, [c["name"], c["name_en"]]))
        contact = " ".join(filter(None, [c["email"], c["phone"], c["wechat_id"],
                                         c["external_ref"]]))
        docs.append(_doc("customer", c["id"], title=names or contact, body=contact,
                         updated_at=c["updated_at"], now=now,
                         meta={"email": c["email"], "phone": c["phone"]}))
    return docs


def index_customers(ids) -> int:
    ids = list(ids)
    docs = customer_documents(ids)
    if ids:
        _replace("customer", docs, ids)
    return len(docs)


def _embed_docs(docs) -> None:
    from .. import semantic

    if not docs or not semantic.enabled():
        return
    vectors = semantic.embed([f"{d.title}\n{d.body[:semantic.MAX_CHARS]}" for d in docs])
    for doc, vector in zip(docs, vectors, strict=True):
        doc.embedding = semantic.to_bytes(vector)


SOURCES = {
    "ticket": ("kefu.tickets.models.Ticket", index_tickets),
    "customer": ("kefu.customers.models.Customer", index_customers),
}


def index_changed(*, batch: int = BATCH, max_batches: int = 20) -> dict:
    """Index the tickets and customers changed since the watermark; returns counts."""
    from django.utils.module_loading import import_string

    from ..models import IndexWatermark, SearchDocument

    counts = {}
    for name, (path, indexer) in SOURCES.items():
        model = import_string(path)
        mark = IndexWatermark.objects.filter(pk=name).first()
        since = mark.value - OVERLAP if mark else None
        last = None  # (id, updated_at) of the last row read this run
        done = 0
        newest = mark.value if mark else None
        for _round in range(max_batches):
            qs = model.objects.all()
            if last is not None:
                qs = qs.filter(updated_at__gte=last[1]).exclude(updated_at=last[1], pk__lte=last[0])
            elif since is not None:
                qs = qs.filter(updated_at__gte=since)
            rows = list(qs.order_by("updated_at", "pk").values_list("pk", "updated_at")[:batch])
            if not rows:
                break
            stamps = dict(SearchDocument.objects.filter(
                kind=name, object_id__in=[r[0] for r in rows]).values_list(
                    "object_id", "source_updated_at"))
            changed = [pk for pk, at in rows if stamps.get(pk) != at]
            done += indexer(changed)
            last = rows[-1]
            newest = max(newest, last[1]) if newest else last[1]
            if len(rows) < batch:
                break
        if newest is not None:
            IndexWatermark.objects.update_or_create(
                pk=name, defaults={"value": newest, "updated_at": timezone.now()})
        counts[name] = done
    return counts


def rebuild(kind: str) -> int:
    """Re-index everything of one kind (after a dictionary change, or a restore), in large
    batches (``bulk.reindex``; ``kefu search reindex`` on the command line)."""
    from .bulk import reindex

    return reindex(kind, embed=True)
