"""Semantic reads: articles and past tickets similar to a text or a ticket, with the
multilingual sentence encoder (``semantic``). A Chinese question finds an English article
(and the other way round) when no article in its own language says it.

- Articles: every published article's embedding is held in memory per process (512 float32
  each: 10,000 articles are 20 MB), reloaded when the set changes (a query checks the count
  and the last indexing time, at most every ``KNOWLEDGE_EMBEDDINGS_CHECK_SECONDS``: it
  reads every article document); the cosine is one matrix product.
- Past tickets: the ticket's words find up to ``TICKET_CANDIDATES`` candidates in the
  keyword index (any word; among the newest ``search.WINDOW`` tickets that share one, as
  ticket search ranks: without it a ticket's dozen words matched most of a million tickets,
  all ranked, 0.7–1.7 s; with it 10–48 ms p50 at a million tickets), which the embeddings re-rank; only tickets the
  user may see (kefu.tickets.access), the ticket itself and tickets merged into it left out.
- ``suggest_articles`` blends the keyword and the semantic ranking (reciprocal rank fusion),
  keeping one article per translation group, in the reader's language when it exists.
"""

from __future__ import annotations

import threading
import time

import numpy as np
from django.db.models import Count, Max

from . import conf, rules, semantic
from .models import SearchDocument
from .search import WINDOW, backend, parse
from .search import search as keyword_search

#: A semantic match below this cosine is not shown (unrelated texts score about 0.1).
MIN_SIMILARITY = 0.3
TICKET_CANDIDATES = 300
RRF_K = 20
_lock = threading.Lock()
_cache: dict = {}


def _article_matrix():
    now = time.monotonic()
    if _cache and now - _cache["checked"] < conf.get("KNOWLEDGE_EMBEDDINGS_CHECK_SECONDS"):
        return _cache["meta"], _cache["matrix"]
    key = tuple(SearchDocument.objects.filter(kind="article", embedding__isnull=False)
                .aggregate(n=Count("id"), last=Max("indexed_at")).values())
    _cache["checked"] = now
    if _cache.get("key") != key:
        with _lock:
            rows = list(SearchDocument.objects.filter(kind="article", embedding__isnull=False)
                        .values_list("object_id", "group_id", "language", "audience", "title",
                                     "embedding"))
            vectors = [semantic.from_bytes(r[5]) for r in rows]
            kept = [(r, v) for r, v in zip(rows, vectors, strict=True) if v is not None]
            _cache.update(
                key=key, meta=[r[:5] for r, _v in kept],
                matrix=(np.vstack([v for _r, v in kept]) if kept
                        else np.zeros((0, semantic.DIMENSIONS), dtype=np.float32)))
    return _cache["meta"], _cache["matrix"]


def _audiences(user) -> set[str]:
    staff = user is not None and getattr(user, "role", None) in rules.STAFF_ROLES
    return {"public", "internal"} if staff else {"public"}


def semantic_articles(text: str, *, user=None, limit: int = 5) -> list[dict]:
    """Articles closest in meaning to ``text`` (any language), best first, with their
    cosine similarity."""
    if not semantic.enabled() or not (text or "").strip():
        return []
    meta, matrix = _article_matrix()
    if not meta:
        return []
    scores = matrix @ semantic.embed_query(text)
    allowed = _audiences(user)
    out = []
    for index in np.argsort(-scores):
        object_id, group_id, language, audience, title = meta[index]
        if scores[index] < MIN_SIMILARITY:
            break
        if audience in allowed:
            out.append({"id": object_id, "group_id": group_id, "language": language,
                        "audience": audience, "title": title,
                        "similarity": float(scores[index])})
        if len(out) >= limit * 4:
            break
    return out


def suggest_articles(text: str, *, user=None, language: str | None = None,
                     limit: int = 5) -> list[dict]:
    """Keyword and semantic rankings fused; one article per translation group (the one in
    ``language`` when the group has it)."""
    fused: dict[int, float] = {}
    info: dict[int, dict] = {}
    keyword = keyword_search(q=text, kind="article", user=user, limit=limit * 2,
                             ranking="keyword")
    for rank, result in enumerate(keyword.items):
        fused[result.id] = fused.get(result.id, 0.0) + 1.0 / (RRF_K + rank)
        info[result.id] = {"id": result.id, "title": result.title, "language": result.language,
                           "audience": result.audience, "group_id": None, "keyword": True}
    for rank, found in enumerate(semantic_articles(text, user=user, limit=limit * 2)):
        fused[found["id"]] = fused.get(found["id"], 0.0) + 1.0 / (RRF_K + rank)
        info.setdefault(found["id"], {**found, "keyword": False})
        info[found["id"]]["group_id"] = found["group_id"]
        info[found["id"]]["similarity"] = found["similarity"]
    if not fused:
        return []
    groups = dict(SearchDocument.objects.filter(kind="article", object_id__in=list(fused))
                  .values_list("object_id", "group_id"))
    by_group: dict = {}
    for article_id in sorted(fused, key=lambda i: -fused[i]):
        group = groups.get(article_id, ("solo", article_id))
        item = {**info[article_id], "group_id": group, "score": fused[article_id]}
        chosen = by_group.get(group)
        if chosen is None:
            by_group[group] = item
        elif language and chosen["language"] != language and item["language"] == language:
            by_group[group] = {**item, "score": chosen["score"]}
    # a group's other language: swap in the reader's language version if it is published
    wanted = [g for g, item in by_group.items() if language and item["language"] != language
              and not isinstance(g, tuple)]
    if wanted:
        swaps = {g: (oid, title, audience) for oid, g, title, audience in
                 SearchDocument.objects.filter(
                     kind="article", group_id__in=wanted, language=language,
                     audience__in=_audiences(user)).values_list("object_id", "group_id",
                                                                "title", "audience")}
        for group, (object_id, title, audience) in swaps.items():
            by_group[group] = {**by_group[group], "id": object_id, "title": title,
                               "language": language, "audience": audience}
    ranked = sorted(by_group.values(), key=lambda i: -i["score"])
    return ranked[:limit]


def similar_tickets(ticket, *, user, limit: int = 5) -> list[dict]:
    """Past tickets like this one that the user may see, most similar first."""
    from kefu.tickets.access import tickets_for
    from kefu.tickets.models import Ticket

    text = f"{ticket.subject}\n{ticket.description or ''}"
    query = parse(text[:200])
    hits = backend.match(query, kind="ticket", any_match=True, limit=TICKET_CANDIDATES,
                         window=WINDOW)
    hits = [h for h in hits if h.object_id != ticket.pk]
    if not hits:
        return []
    visible = set(tickets_for(user).filter(pk__in=[h.object_id for h in hits])
                  .exclude(merged_into_id=ticket.pk).values_list("pk", flat=True))
    hits = [h for h in hits if h.object_id in visible]
    if not hits:
        return []
    docs = {d[0]: d for d in SearchDocument.objects.filter(pk__in=[h.doc_id for h in hits])
            .values_list("id", "object_id", "title", "embedding", "meta")}
    scored = []
    if semantic.enabled():
        target = semantic.embed([text])[0]
        for hit in hits:
            vector = semantic.from_bytes(docs[hit.doc_id][3]) if hit.doc_id in docs else None
            if vector is not None:
                scored.append((float(vector @ target), hit))
    if not scored:  # no embeddings yet: keyword relevance alone
        best = max(h.relevance for h in hits) or 1.0
        scored = [(h.relevance / best, h) for h in hits]
    scored.sort(key=lambda pair: (-pair[0], -pair[1].object_id))
    top = scored[:limit]
    statuses = dict(Ticket.objects.filter(pk__in=[h.object_id for _s, h in top])
                    .values_list("pk", "status"))
    return [{"id": h.object_id, "title": docs[h.doc_id][2], "similarity": round(s, 3),
             "status": statuses.get(h.object_id, "")} for s, h in top if h.doc_id in docs]
