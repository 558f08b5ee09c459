"""Per-process caches of small reference rows that every list page needs (teams, the
category tree, the people a page names).

A page of 25 tickets names a handful of teams, categories and agents; reading them from
the database on every request costs more than the page's own query. Each web process keeps
them for ``KEFU_REFERENCE_CACHE_SECONDS`` (``REFERENCE_CACHE_SECONDS``; 0 turns caching
off). A save or delete through Django clears the cache of the process that made it at once
(``watch``); other processes see the change within that many seconds. Nothing here decides
who may see what: the cached rows are only labels for rows already scoped.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save


def _ttl() -> float:
    return settings.REFERENCE_CACHE_SECONDS


class TableCache:
    """Every row of a small table, by primary key, reloaded when older than the TTL."""

    def __init__(self, load: Callable[[], dict]):
        self._load = load
        self._rows: dict | None = None
        self._expires = 0.0
        self._lock = threading.Lock()

    def all(self) -> dict:
        ttl = _ttl()
        if not ttl:
            return self._load()
        now = time.monotonic()
        rows = self._rows
        if rows is None or now >= self._expires:
            rows = self._load()
            with self._lock:
                self._rows, self._expires = rows, now + ttl
        return rows

    def covering(self, ids: Iterable) -> dict:
        """``all()``, reloaded first if a wanted id is missing (a row another process added
        since this one filled the cache)."""
        rows = self.all()
        if any(i is not None and i not in rows for i in ids):
            self.clear()
            rows = self.all()
        return rows

    def clear(self) -> None:
        with self._lock:
            self._rows = None


class RowCache:
    """Rows of a larger table by primary key, each kept for the TTL; loads only the misses."""

    def __init__(self, load_many: Callable[[set], dict], max_size: int = 20_000):
        self._load_many = load_many
        self._rows: dict = {}
        self._max_size = max_size
        self._lock = threading.Lock()

    def get_many(self, ids: Iterable) -> dict:
        wanted = {i for i in ids if i is not None}
        if not wanted:
            return {}
        ttl = _ttl()
        if not ttl:
            return self._load_many(wanted)
        now = time.monotonic()
        found, missing = {}, set()
        for key in wanted:
            hit = self._rows.get(key)
            if hit is not None and hit[0] > now:
                found[key] = hit[1]
            else:
                missing.add(key)
        if missing:
            loaded = self._load_many(missing)
            with self._lock:
                if len(self._rows) + len(loaded) > self._max_size:
                    self._rows.clear()
                for key, row in loaded.items():
                    self._rows[key] = (now + ttl, row)
            found.update(loaded)
        return found

    def clear(self) -> None:
        with self._lock:
            self._rows.clear()


def watch(model, *caches) -> None:
    """Clear ``caches`` whenever a ``model`` row is saved or deleted in this process (now,
    and again when the transaction commits, so a reader in between cannot keep old rows)."""

    def clear(**_kwargs):
        for cache in caches:
            cache.clear()
        transaction.on_commit(lambda: [cache.clear() for cache in caches])

    post_save.connect(clear, sender=model, weak=False, dispatch_uid=f"refcache-save-{model}-{id(caches)}")
    post_delete.connect(clear, sender=model, weak=False,
                        dispatch_uid=f"refcache-delete-{model}-{id(caches)}")
