"""Background jobs of the knowledge base (huey). Thin: they call services.

- ``index_tick`` (every minute) indexes the tickets and customers changed since the
  watermark, then schedules itself again every ``KNOWLEDGE_INDEX_EVERY_SECONDS`` within the
  minute (``index_again``): a new or changed ticket is searchable within seconds.
- ``article_embed`` computes a published article's embedding after the commit.
- ``deflection_tick`` settles finished suggestion sessions every five minutes.
"""

from __future__ import annotations

import logging

from django.db import transaction
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task
from huey.exceptions import TaskLockedException

from . import conf

log = logging.getLogger("kefu.tasks")


def _index_once() -> dict:
    from .search.index import index_changed

    try:
        with HUEY.lock_task("knowledge-index"):
            return index_changed()
    except TaskLockedException:
        return {}


@db_task()
def index_again() -> dict:
    return _index_once()


@db_periodic_task(crontab(minute="*"))
def index_tick() -> dict:
    every = max(conf.get("KNOWLEDGE_INDEX_EVERY_SECONDS"), 1)
    done = _index_once()
    if every < 60:
        for delay in range(every, 60, every):
            index_again.schedule(delay=delay)
    return done


@db_task(retries=2, retry_delay=5)
def article_embed(article_id: int) -> bool:
    from .services import article_store_embedding

    return article_store_embedding(article_id)


def queue_article_embedding(article_id: int) -> None:
    """After the commit; a queue that cannot take the job never fails the publication."""
    from . import semantic

    if semantic.enabled():
        transaction.on_commit(lambda: article_embed(article_id), robust=True)


@db_periodic_task(crontab(minute="*/5"))
def deflection_tick() -> dict:
    from .services import deflection_resolve

    return deflection_resolve()
