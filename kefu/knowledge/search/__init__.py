"""One search service for the help centre, the console and the API.

``search(q=…, kind="article" | "ticket" | "customer", user=…)`` parses the query with the
process's lexicon (jieba + user dictionary + synonyms), asks the database for the best
matches of all terms (FTS5 bm25 on SQLite, ts_rank on PostgreSQL), falls back to matching
any token when that finds too little (marked ``approximate``), keeps only what the user may
see (articles: public ones unless staff; tickets and customers: staff only, through
kefu.tickets.access / kefu.customers.access), ranks by relevance combined with recency and,
for articles, helpfulness and popularity, and builds escaped, highlighted snippets.
See docs/search.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from kefu.core.errors import ApplicationError, PermissionDenied

from .. import rules
from . import backend, lexicon, snippets, spelling
from . import query as query_module

KINDS = ("article", "ticket", "customer")
#: Candidates fetched from the database (the best by text relevance).
CANDIDATES = 200
MAX_LIMIT = 50
#: A fallback (any-token) match must cover at least this share of the query's terms.
MIN_COVERAGE = 0.5
#: The any-token fallback runs when all-terms matching found fewer than this: articles
#: (help centre, suggestions) like a few close matches; staff looking for a ticket or a
#: customer want exact ones, and close ones only when nothing matched.
FALLBACK_BELOW = {"article": 3, "ticket": 1, "customer": 1}
HALF_LIFE_DAYS = {"article": 365.0, "ticket": 30.0, "customer": 365.0}
#: Tickets and customers: only the newest this many matching documents are ranked (a word
#: in a tenth of a million tickets would otherwise rank 100,000 rows per search); of those,
#: the ones the user may see. (With the 30-day recency half-life, the top 25 of the bench's
#: 20 ticket queries at a million tickets were the same with 2,000, 3,000 and 5,000, on both
#: databases; 2,000 reads 2.5 times fewer rows than 5,000.)
WINDOW = 2000
#: Article ranking: "keyword" (full text alone) or "combined" (full text and the sentence
#: encoder fused by reciprocal rank). The default is the best of the evaluation
#: (kefu/knowledge/evaluation, docs/search.md); combined needs KNOWLEDGE_SEMANTIC.
RANKINGS = ("keyword", "combined")
DEFAULT_RANKING = "combined"
RRF_K = 20


@dataclass
class Result:
    kind: str
    id: int
    title: str
    title_html: SafeString
    snippet_html: SafeString
    score: float
    approximate: bool
    language: str = ""
    audience: str = ""
    meta: dict = field(default_factory=dict)
    updated_at: object = None


@dataclass
class Results:
    query: query_module.Query
    items: list[Result]

    @property
    def approximate(self) -> bool:
        return bool(self.items) and all(r.approximate for r in self.items)


def parse(q: str) -> query_module.Query:
    return query_module.parse(q, lexicon.current())


def _is_staff(user) -> bool:
    return user is not None and getattr(user, "role", None) in rules.STAFF_ROLES


def _scope(kind: str, user) -> tuple[str, list] | None:
    """What the user may see of tickets or customers, as an SQL condition on the matched
    document's object id (``backend.OBJECT_ID``), compiled from kefu.tickets.access /
    kefu.customers.access so that the rule stays theirs; None when the user sees all."""
    from django.db.models import BigIntegerField
    from django.db.models.expressions import RawSQL

    if kind == "ticket":
        from kefu.tickets.access import tickets_for as allowed
    else:
        from kefu.customers.access import customers_for as allowed
    qs = allowed(user)
    if not qs.query.has_filters():
        return None
    matched = RawSQL(backend.OBJECT_ID, (), output_field=BigIntegerField())
    sql, params = qs.filter(pk=matched).values("pk").query.sql_with_params()
    return f"EXISTS ({sql})", list(params)


def _hits(query, *, kind, user, languages, audiences, limit, any_match, exclude=()):
    """Up to ``limit`` hits the user may see, best first (the scope of tickets and customers
    is applied by the database, best match first: ``backend.match``)."""
    if kind == "article":
        found = backend.match(query, kind=kind, languages=languages, audiences=audiences,
                              any_match=any_match, limit=max(CANDIDATES, limit))
    else:
        found = backend.match(query, kind=kind, any_match=any_match,
                              limit=max(CANDIDATES, limit), window=WINDOW,
                              scope=_scope(kind, user))
    return [h for h in found if h.doc_id not in exclude]


def _coverage(query, title_tokens: str, body_tokens: str) -> float:
    """How much of the query a document has (for any-token matches): per term, the best
    share of an alternative's tokens present; averaged over the terms."""
    present = set(title_tokens.split()) | set(body_tokens.split())

    def has(token):
        if token.prefix:
            return any(p.startswith(token.text) for p in present)
        return token.text in present

    if not query.terms:
        return 0.0
    total = 0.0
    for term in query.terms:
        total += max((sum(1 for t in alt if has(t)) / len(alt) for alt in term.alternatives if alt),
                     default=0.0)
    return total / len(query.terms)


def search(*, q: str, kind: str = "article", user=None, language: str | None = None,
           limit: int = 10, include_internal: bool | None = None, scope: str = "",
           log: bool = False, ranking: str | None = None) -> Results:
    """The best ``limit`` results for ``q``. ``language``: only articles in it. Staff see
    internal articles unless ``include_internal=False``. ``ranking``: for articles,
    "keyword" or "combined" (default ``DEFAULT_RANKING``)."""
    from ..models import SearchLog

    if kind not in KINDS:
        raise ApplicationError("invalid_type", _("type must be one of: %(allowed)s")
                               % {"allowed": ", ".join(KINDS)}, details={"field": "type"})
    if kind != "article" and not _is_staff(user):
        raise PermissionDenied(_("Only staff search tickets and customers."))
    limit = max(1, min(int(limit), MAX_LIMIT))
    query = parse(q)
    items: list[Result] = []
    if not query.empty:
        staff = _is_staff(user)
        audiences = (("public", "internal") if staff and include_internal is not False
                     else ("public",)) if kind == "article" else ()
        languages = (language,) if (kind == "article" and language) else ()
        strict = _hits(query, kind=kind, user=user, languages=languages, audiences=audiences,
                       limit=limit, any_match=False)
        too_few = min(limit, FALLBACK_BELOW.get(kind, 1))
        loose = []
        if len(strict) < too_few:
            # "refnud": the fallback also looks for the words it may have meant
            query = spelling.corrected(query) or query
            loose = _hits(query, kind=kind, user=user, languages=languages,
                          audiences=audiences, limit=limit * 3, any_match=True,
                          exclude={h.doc_id for h in strict})
        items = _rank(query, kind, strict, loose, limit)
        if kind == "article" and (ranking or DEFAULT_RANKING) == "combined":
            items = _with_semantic(query, items, languages=languages, limit=limit,
                                   user=user if "internal" in audiences else None)
    if log:
        SearchLog.objects.create(query=query.raw[:200], normalised=query.normalised[:200],
                                 scope=scope[:10], language=language or "",
                                 results=len(items),
                                 approximate=bool(items) and all(i.approximate for i in items),
                                 user=user if user is not None and user.is_authenticated else None,
                                 created_at=timezone.now())
    return Results(query=query, items=items)


def _with_semantic(query, items: list[Result], *, languages, user, limit) -> list[Result]:
    """The keyword results and the articles closest in meaning (any wording, any language
    unless ``languages``), fused by reciprocal rank. Meaning-only results are ``approximate``
    (no typed word needs to be in them)."""
    from ..models import SearchDocument
    from ..similar import semantic_articles

    found = [s for s in semantic_articles(query.raw, user=user, limit=limit)
             if not languages or s["language"] in languages]
    if not found:
        return items
    fused: dict[int, float] = {}
    for rank, result in enumerate(items):
        fused[result.id] = 1.0 / (RRF_K + rank)
    for rank, hit in enumerate(found):
        fused[hit["id"]] = fused.get(hit["id"], 0.0) + 1.0 / (RRF_K + rank)
    by_id = {r.id: r for r in items}
    chosen = sorted(fused, key=lambda i: (-fused[i], i not in by_id, -i))[:limit]
    extra_ids = [i for i in chosen if i not in by_id]
    words = query.highlight_words()
    for doc in SearchDocument.objects.filter(kind="article", object_id__in=extra_ids).only(
            "object_id", "title", "body", "language", "audience", "meta", "source_updated_at"):
        by_id[doc.object_id] = Result(
            kind="article", id=doc.object_id, title=doc.title,
            title_html=snippets.highlight(doc.title, words),
            snippet_html=snippets.snippet(doc.body, words), score=0.0, approximate=True,
            language=doc.language, audience=doc.audience, meta=doc.meta,
            updated_at=doc.source_updated_at)
    merged = [by_id[i] for i in chosen if i in by_id]
    for result in merged:
        result.score = round(fused[result.id], 6)
    return merged


def _rank(query, kind, strict, loose, limit) -> list[Result]:
    from ..models import Article, SearchDocument

    loose = loose[:limit * 3]
    hits = strict[:CANDIDATES] + loose
    if not hits:
        return []
    stamps = dict(SearchDocument.objects.filter(pk__in=[h.doc_id for h in hits]).values_list(
        "id", "source_updated_at"))
    token_rows = {}
    if loose:
        token_rows = {row[0]: row[1:] for row in SearchDocument.objects.filter(
            pk__in=[h.doc_id for h in loose]).values_list("id", "title_tokens", "tokens")}
    stats = {}
    if kind == "article":
        stats = {a["id"]: a for a in Article.objects.filter(
            pk__in=[h.object_id for h in hits]).values("id", "view_count", "helpful_yes",
                                                       "helpful_no")}
    now = timezone.now()
    most_views = max((s["view_count"] for s in stats.values()), default=0)
    chosen: list[tuple[float, bool, object]] = []
    for group, approximate in ((strict, False), (loose, True)):
        best = max((h.relevance for h in group), default=0.0)
        scored = []
        for hit in group:
            if hit.doc_id not in stamps:
                continue
            coverage = 1.0
            if approximate and hit.doc_id in token_rows:
                coverage = _coverage(query, *token_rows[hit.doc_id])
                if coverage < MIN_COVERAGE:
                    continue
            age = (now - stamps[hit.doc_id]).total_seconds() / 86400
            stat = stats.get(hit.object_id, {})
            score = rules.combined_score(
                relevance=max(hit.relevance, 1e-9), best_relevance=best or 1.0,
                coverage=coverage, recency_value=rules.recency(age, HALF_LIFE_DAYS[kind]),
                helpful=rules.helpful_ratio(stat.get("helpful_yes", 0), stat.get("helpful_no", 0)),
                popular=rules.popularity(stat.get("view_count", 0), most_views))
            scored.append((0.0 if math.isnan(score) else score, hit))
        scored.sort(key=lambda pair: (-pair[0], -pair[1].object_id))
        chosen.extend((score, approximate, hit) for score, hit in scored)
    chosen = chosen[:limit]
    docs = SearchDocument.objects.only(
        "id", "object_id", "title", "body", "language", "audience", "meta",
        "source_updated_at").in_bulk([hit.doc_id for _s, _a, hit in chosen])
    words = query.highlight_words()
    out = []
    for score, approximate, hit in chosen:
        doc = docs.get(hit.doc_id)
        if doc is None:
            continue
        out.append(Result(
            kind=kind, id=doc.object_id, title=doc.title,
            title_html=snippets.highlight(doc.title, words),
            snippet_html=snippets.snippet(doc.body, words), score=round(score, 6),
            approximate=approximate, language=doc.language, audience=doc.audience,
            meta=doc.meta, updated_at=doc.source_updated_at))
    return out
