"""Reading stored sentiment. A ticket's rows are its description row (``ticket``) plus the
rows of its messages (``message__ticket``); they are read as two index-friendly queries,
never as one OR across the join."""

from __future__ import annotations

from django.db.models import Q

from kefu.core.pagination import keyset_page_of_parts

from .models import Sentiment


def ticket_parts(ticket_id: int) -> list[Q]:
    return [Q(ticket_id=ticket_id), Q(message__ticket_id=ticket_id)]


def ticket_sentiment_page(ticket_id: int, *, cursor: str | None, limit: int
                          ) -> tuple[list[Sentiment], str | None]:
    """The ticket's rows in the order they were scored, one keyset page."""
    return keyset_page_of_parts(Sentiment.objects.all(), ticket_parts(ticket_id), field="id", descending=False,
                                cursor=cursor, limit=limit)


def recent_for_ticket(ticket_id: int, limit: int = 5) -> list[Sentiment]:
    """The latest ``limit`` rows of the ticket, newest first (two queries)."""
    rows = [*Sentiment.objects.filter(ticket_id=ticket_id),
            *Sentiment.objects.filter(message__ticket_id=ticket_id).select_related("message")
            .order_by("-id")[:limit]]
    return sorted(rows, key=lambda row: row.pk, reverse=True)[:limit]
