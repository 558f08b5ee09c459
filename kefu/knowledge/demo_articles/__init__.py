"""The demo knowledge base of 鲜到家 FreshHome: about 150 help articles in Chinese and the
same in English (linked as translations), a category tree, internal articles for agents, a
user dictionary and synonyms.

``load_demo_articles(actor=…)`` creates what is missing (it can run again: an article whose
title already exists in its language is skipped), publishes every article through the
services (so the search index is filled in the same transactions) and then computes the
embeddings in one batch. The demo builder calls it with an administrator."""

from __future__ import annotations

from django.db import transaction

from .account import ACCOUNT, COUPONS, GIFT, INVOICES, MEMBERSHIP
from .aftersales import GREEN, INTERNAL, MORE_MEMBERSHIP, QUALITY, RETURNS
from .categories import CATEGORIES, DICTIONARY, SYNONYMS
from .families import family_articles
from .orders import DELIVERY, ORDERS, PAYMENT


def _from_rows(rows, audience="public") -> list[dict]:
    out = []
    for key, cat, zt, zs, zb, zk, et, es, eb, ek in rows:
        out.append({"key": key, "cat": cat, "audience": audience,
                    "zh": {"t": zt, "s": zs, "b": zb, "k": zk},
                    "en": {"t": et, "s": es, "b": eb, "k": ek}})
    return out


def demo_articles() -> list[dict]:
    """Every demo article: {"key", "cat", "audience", "zh": {t, s, b, k}, "en": {…}}."""
    out = family_articles()
    for rows in (ORDERS, DELIVERY, PAYMENT, ACCOUNT, MEMBERSHIP, MORE_MEMBERSHIP, COUPONS,
                 INVOICES, GIFT, QUALITY, RETURNS, GREEN):
        out += _from_rows(rows)
    out += _from_rows(INTERNAL, audience="internal")
    for article in out:
        article.setdefault("audience", "public")
    return out


def load_demo_articles(*, actor, embed: bool = True) -> dict:
    """Create and publish the demo knowledge base as ``actor`` (an administrator); returns
    counts. Safe to call again."""
    from .. import semantic, services
    from ..models import Article, DictionaryWord, KnowledgeCategory, Synonym

    categories = {}
    for slug, zh, en, parent, desc, desc_en in CATEGORIES:
        categories[slug], _created = KnowledgeCategory.objects.get_or_create(
            slug=slug, defaults={"name": zh, "name_en": en, "parent": categories.get(parent),
                                 "description": desc, "description_en": desc_en,
                                 "position": len(categories) * 10})
    existing_words = set(DictionaryWord.objects.values_list("word", flat=True))
    for word in DICTIONARY:
        if word not in existing_words:
            services.dictionary_word_save(actor=actor, word=word, note="demo")
    existing_synonyms = set(Synonym.objects.values_list("terms", flat=True))
    from ..search.lexicon import parse_terms

    for terms in SYNONYMS:
        if ", ".join(parse_terms(terms)) not in existing_synonyms:
            services.synonym_save(actor=actor, terms=terms, note="demo")
    titles = set(Article.objects.values_list("language", "title"))
    created = 0
    for spec in demo_articles():
        with transaction.atomic():
            zh = en = None
            if ("zh-hans", spec["zh"]["t"]) not in titles:
                zh = _publish(actor, spec, "zh-hans", categories[spec["cat"]], None)
                created += 1
            if ("en", spec["en"]["t"]) not in titles:
                source = zh or Article.objects.filter(language="zh-hans",
                                                      title=spec["zh"]["t"]).first()
                _publish(actor, spec, "en", categories[spec["cat"]], source)
                created += 1
    embedded = 0
    if embed and semantic.enabled():
        embedded = embed_missing()
    return {"articles": created, "embedded": embedded,
            "total": Article.objects.filter(status="published").count()}


def _publish(actor, spec, language, category, source):
    from .. import services

    text = spec["zh" if language == "zh-hans" else "en"]
    if source is not None and source.group.articles.filter(language=language).exists():
        source = None  # the pair already has this language: a separate article
    article = services.article_create(actor=actor, language=language, title=text["t"],
                                      body=text["b"], summary=text["s"], keywords=text["k"],
                                      category=category, audience=spec["audience"],
                                      translation_of=source)
    services.article_publish(actor=actor, article=article)
    return article


def embed_missing(batch: int = 64) -> int:
    """Embeddings for published articles that have none (in batches: fast)."""
    from django.utils import timezone

    from .. import rules, semantic
    from ..models import Article, SearchDocument

    todo = list(Article.objects.filter(status="published", embedding__isnull=True)
                .select_related("live_version"))
    for start in range(0, len(todo), batch):
        chunk = todo[start:start + batch]
        vectors = semantic.embed([f"{a.live_version.title}\n{a.live_version.summary}\n"
                                  f"{rules.plain_text(a.live_version.body)}" for a in chunk])
        for article, vector in zip(chunk, vectors, strict=True):
            raw = semantic.to_bytes(vector)
            Article.objects.filter(pk=article.pk).update(embedding=raw,
                                                         embedding_model=semantic.MODEL_NAME)
            SearchDocument.objects.filter(kind="article", object_id=article.pk).update(
                embedding=raw, indexed_at=timezone.now())
    return len(todo)
