"""Fixtures of the knowledge tests: a fresh lexicon for every test, articles published in
one call, and a helper that asks the search service for ids."""

from __future__ import annotations

import pytest

from kefu.knowledge import services
from kefu.knowledge.search import lexicon


@pytest.fixture(autouse=True)
def fresh_lexicon(settings):
    settings.KNOWLEDGE_LEXICON_CHECK_SECONDS = 0
    settings.KNOWLEDGE_EMBEDDINGS_CHECK_SECONDS = 0
    settings.KNOWLEDGE_SEMANTIC = 0  # the semantic tests turn it on
    lexicon.reset()
    yield
    lexicon.reset()


def publish(actor, *, title, body, language="zh-hans", summary="", keywords="",
            audience="public", category=None, translation_of=None):
    article = services.article_create(actor=actor, language=language, title=title, body=body,
                                      summary=summary, keywords=keywords, audience=audience,
                                      category=category, translation_of=translation_of)
    services.article_publish(actor=actor, article=article)
    article.refresh_from_db()
    return article


@pytest.fixture
def published():
    return publish


def ids(results) -> list[int]:
    return [r.id for r in results.items]
