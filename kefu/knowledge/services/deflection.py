"""Deflection: suggestions shown while a customer writes a new request, suggested articles
opened, and each session's outcome once it is over.

A session starts with the first suggestions on the new-request page and ends
``KNOWLEDGE_DEFLECTION_WINDOW_MINUTES`` after its last activity. It then counts as
**filed** when the customer filed a request in the portal or the web form between its start
and its end (an anonymous web-form visitor: a web request whose subject is how their last
suggestions' text began),
else as **deflected** when they opened a suggested article, else as **abandoned**. The
ticket services are not involved: the outcome is read from the tickets afterwards
(``deflection_resolve``, every five minutes and before each report)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from .. import conf, rules
from ..models import Article, DeflectionEvent, DeflectionSession


def new_key() -> str:
    return secrets.token_urlsafe(24)


def _session(key: str, user) -> DeflectionSession | None:
    if not key or len(key) > 43:
        return None
    session = DeflectionSession.objects.select_for_update().filter(key=key).first()
    if session is None or session.outcome != "open":
        return None
    if session.user_id != (user.pk if user is not None and user.is_authenticated else None):
        return None
    return session


@transaction.atomic
def suggestions_shown(*, key: str, user, query: str, article_ids: list[int],
                      language: str = "") -> DeflectionSession:
    """Record suggestions shown to this browser's session (created on first use)."""
    now = timezone.now()
    query = (query or "").replace("\x00", " ")[:200]
    session = _session(key, user)
    if session is None:
        customer = getattr(user, "customer", None) if user is not None and user.is_authenticated else None
        session = DeflectionSession.objects.create(
            key=key, user=user if user is not None and user.is_authenticated else None,
            customer=customer, language=language, started_at=now, last_seen_at=now)
    session.last_seen_at = now
    session.last_query = query
    session.shown_count += len(article_ids)
    session.save(update_fields=["last_seen_at", "last_query", "shown_count"])
    DeflectionEvent.objects.create(session=session, kind="shown", created_at=now,
                                   data={"query": query, "articles": article_ids})
    return session


@transaction.atomic
def suggestion_opened(*, key: str, user, article: Article) -> DeflectionSession | None:
    """The customer opened a suggested article (None when the session is not theirs)."""
    session = _session(key, user)
    if session is None:
        return None
    now = timezone.now()
    session.last_seen_at = now
    if session.opened_article_id is None:
        session.opened_article = article
        session.opened_at = now
    session.save(update_fields=["last_seen_at", "opened_article", "opened_at"])
    DeflectionEvent.objects.create(session=session, kind="opened", article=article,
                                   created_at=now)
    return session


def deflection_resolve(*, now=None) -> dict:
    """Settle the sessions that are over; returns how many ended each way."""
    from kefu.tickets.models import Ticket

    now = now or timezone.now()
    window = timedelta(minutes=conf.get("KNOWLEDGE_DEFLECTION_WINDOW_MINUTES"))
    counts = {"deflected": 0, "filed": 0, "abandoned": 0}
    ids = list(DeflectionSession.objects.filter(outcome="open", last_seen_at__lt=now - window)
               .order_by("last_seen_at").values_list("pk", flat=True)[:5000])
    for pk in ids:
        with transaction.atomic():
            session = DeflectionSession.objects.select_for_update().filter(
                pk=pk, outcome="open").first()
            if session is None:
                continue
            ticket = None
            filed = Ticket.objects.filter(channel__in=("portal", "web"),
                                          created_at__gte=session.started_at,
                                          created_at__lte=session.last_seen_at + window)
            if session.customer_id:
                ticket = (filed.filter(customer_id=session.customer_id)
                          .order_by("created_at").only("pk").first())
            elif session.last_query:  # an anonymous web-form visitor: known by what they typed
                ticket = next((t for t in filed.filter(channel="web").order_by("created_at")
                               .only("pk", "subject")[:200]
                               if rules.same_request(session.last_query, t.subject)), None)
            outcome = rules.deflection_outcome(opened_article=session.opened_article_id is not None,
                                               filed=ticket is not None)
            session.outcome = outcome
            session.ticket = ticket
            session.resolved_at = now
            session.save(update_fields=["outcome", "ticket", "resolved_at"])
            DeflectionEvent.objects.create(session=session, kind=outcome,
                                           article_id=session.opened_article_id, created_at=now,
                                           data={"ticket": ticket.pk if ticket else None})
            counts[outcome] += 1
    return counts
