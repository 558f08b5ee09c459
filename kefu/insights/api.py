"""Insights endpoints: score texts (``POST /insights/sentiment``) and read a ticket's stored
sentiment (``GET /tickets/{id}/sentiment``). Staff only: customers never see how their
words were scored."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from ninja import Router, Schema
from pydantic import Field

from kefu.api.schemas import ErrorOut, StrictIn
from kefu.core.errors import PermissionDenied
from kefu.tickets.access import ticket_get_for

from . import selectors, services

router = Router(tags=["insights"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 413: ErrorOut,
          422: ErrorOut}

Label = Literal["positive", "neutral", "negative"]
Lang = Literal["zh", "en"]


class SentimentIn(StrictIn):
    texts: list[Annotated[str, Field(max_length=services.MAX_TEXT_CHARS)]] = Field(
        min_length=1, max_length=services.MAX_TEXTS)
    lang: Literal["auto", "zh", "en"] = "auto"


class SentimentOut(Schema):
    label: Label
    score: float = Field(ge=-1, le=1)
    anger: bool
    lang: Lang


class SentimentList(Schema):
    items: list[SentimentOut]


class ScoredOut(Schema):
    id: int
    source: Literal["description", "message"]
    message_id: int | None
    label: Label
    score: float
    anger: bool
    lang: Lang
    created_at: datetime


class ScoredPage(Schema):
    items: list[ScoredOut]
    next: str | None


def _require_staff(user) -> None:
    if not user.is_staff_member:
        raise PermissionDenied()


@router.post("/insights/sentiment", response={200: SentimentList, **ERRORS})
def score_texts(request, payload: SentimentIn):
    """Sentiment of each text, in order: ``label`` (positive, neutral, negative), ``score``
    (−1..1), ``anger`` (angry or abusive language) and ``lang`` (zh or en). 1 to 1,000
    texts of at most 10,000 characters; only the first 2,000 characters of each are read.
    Nothing is stored."""
    _require_staff(request.auth)
    return {"items": services.texts_sentiment(payload.texts, payload.lang)}


@router.get("/tickets/{ticket_id}/sentiment", response={200: ScoredPage, **ERRORS})
def ticket_sentiment(request, ticket_id: int, cursor: str | None = None, limit: int = 50):
    """The sentiment stored for the ticket's customer texts (its description when the
    customer wrote it, and the customer's messages), in the order they were scored."""
    _require_staff(request.auth)
    ticket = ticket_get_for(request.auth, ticket_id)
    rows, nxt = selectors.ticket_sentiment_page(ticket.pk, cursor=cursor, limit=limit)
    return {"items": [{"id": r.pk, "source": "message" if r.message_id else "description",
                       "message_id": r.message_id, "label": r.label, "score": r.score,
                       "anger": r.anger, "lang": r.lang, "created_at": r.created_at}
                      for r in rows], "next": nxt}
