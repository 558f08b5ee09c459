"""The knowledge panel on the console's ticket page: suggested articles (keyword and
semantic, any language) with "insert link" and "insert text" into the reply box, a search
box for any other article (the same buttons), and similar past tickets. Loaded by htmx after
the page (kefu/workflow/panels.py)."""

from __future__ import annotations

from django.conf import settings

from .similar import similar_tickets, suggest_articles

ARTICLES = 4
TICKETS = 5


def public_base(request) -> str:
    """The site's public address, for help-centre links inserted into replies."""
    return (settings.PUBLIC_URL or request.build_absolute_uri("/")).rstrip("/")


def panel(request, ticket):
    text = f"{ticket.subject}\n{(ticket.description or '')[:400]}"
    language = getattr(getattr(ticket, "customer", None), "language", None) or "zh-hans"
    articles = suggest_articles(text, user=request.user, language=language, limit=ARTICLES)
    tickets = similar_tickets(ticket, user=request.user, limit=TICKETS)
    return "knowledge/panel.html", {"articles": articles, "tickets": tickets,
                                   "base": public_base(request)}, "side"
