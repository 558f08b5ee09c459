"""The knowledge app's settings: a Django setting of the same name wins, else the
environment variable, else the default (see docs/search.md)."""

from __future__ import annotations

import os

from django.conf import settings

DEFAULTS = {
    #: How often a process checks whether the lexicon (dictionary, synonyms) changed.
    "KNOWLEDGE_LEXICON_CHECK_SECONDS": 10,
    #: The periodic indexer of tickets and customers runs this often within each minute.
    "KNOWLEDGE_INDEX_EVERY_SECONDS": 5,
    #: A suggestion session ends this long after its last activity.
    "KNOWLEDGE_DEFLECTION_WINDOW_MINUTES": 30,
    #: How often a process checks whether the set of article embeddings changed.
    "KNOWLEDGE_EMBEDDINGS_CHECK_SECONDS": 10,
    #: 1: sentence embeddings (semantic similarity) on; 0: keyword search only.
    "KNOWLEDGE_SEMANTIC": 1,
}


def get(name: str) -> int:
    if hasattr(settings, name):
        return int(getattr(settings, name))
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else DEFAULTS[name]
