"""The emotion panel on the console's ticket page, in Chinese and English, and the timeline
sentence of an escalation."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from kefu.core.testing.console import ticket_page
from kefu.insights import panel as insights_panel
from kefu.insights import services
from kefu.insights.panel import PHRASES, panel
from kefu.tickets.models import TicketEvent

pytestmark = pytest.mark.django_db

ANGRY = "你们这是什么破服务！气死我了！！！"


@pytest.fixture
def with_panel():
    """The insights panel is listed in kefu/workflow/panels.py (kept as a fixture name)."""


def page(user, ticket, language):
    user.language = language
    user.save(update_fields=["language"])
    client = Client()
    client.force_login(user)
    response = ticket_page(client, ticket.pk)
    assert response.status_code == 200
    return response.content.decode()


def angry_ticket(customer_ticket, customer_says):
    ticket = customer_ticket(description="订单号 123 到哪里了？")
    services.score_ticket_description(ticket.pk)
    services.score_message(customer_says(ticket, ANGRY).pk)
    return ticket


def test_no_panel_before_anything_is_scored(company, make_ticket, rf):
    ticket = make_ticket(company.agent_east, company.alice, channel="phone")
    assert panel(rf.get("/"), ticket) is None


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_an_angry_ticket_shows_phrases_in_the_agents_language(
        with_panel, company, customer_ticket, customer_says, language):
    ticket = angry_ticket(customer_ticket, customer_says)
    html = page(company.agent_east, ticket, language)
    assert 'id="sentiment-panel"' in html and 'data-upset="1"' in html
    assert 'data-anger="1"' in html and "破服务" in html  # the message, quoted
    mine, other = (PHRASES["zh"], PHRASES["en"]) if language == "zh-hans" else (
        PHRASES["en"], PHRASES["zh"])
    from django.utils.html import escape

    assert all(escape(p) in html for p in mine)
    assert not any(escape(p) in html for p in other)
    assert len(mine) >= 8
    # the escalation is on the timeline in words
    if language == "en":
        assert "raised the priority from Normal to High: the customer sounds angry" in html


def test_a_calm_ticket_shows_moods_but_no_phrases(with_panel, company, customer_ticket,
                                                  customer_says):
    ticket = customer_ticket()
    services.score_message(customer_says(ticket, "非常满意，谢谢！").pk)
    html = page(company.agent_east, ticket, "en")
    assert 'data-upset="0"' in html and 'data-label="positive"' in html
    assert 'id="deescalation"' not in html


def test_the_panel_context(company, customer_ticket, customer_says, rf):
    ticket = angry_ticket(customer_ticket, customer_says)
    with translation.override("en"):
        template, context = panel(rf.get("/"), ticket)
    assert template == "insights/panel.html"
    assert context["upset"] and context["angry"]
    assert [i["label"] for i in context["items"]] == ["negative", "neutral"]  # newest first
    assert context["items"][1]["excerpt"] == "Ticket description"
    assert context["phrases"] == PHRASES["en"]
    with translation.override("zh-hans"):
        assert panel(rf.get("/"), ticket)[1]["phrases"] == PHRASES["zh"]


def test_the_timeline_sentences(company):
    text = insights_panel.EVENT_TEXTS["sentiment_escalated"]
    with translation.override("en"):
        assert text({"old": "high", "new": "urgent", "anger": False}, {}) == (
            "raised the priority from High to Urgent: the customer sounds very unhappy")
        assert text({"old": "urgent", "new": "urgent", "anger": True}, {}) == (
            "noted an upset customer (priority already Urgent): the customer sounds angry")


def test_customers_never_see_the_escalation(company, customer_ticket, customer_says, api_as):
    ticket = angry_ticket(customer_ticket, customer_says)
    assert TicketEvent.objects.filter(ticket=ticket, kind="sentiment_escalated").exists()
    events = api_as(company.customer_user).get(f"/api/v1/tickets/{ticket.pk}/events").json()
    assert "sentiment_escalated" not in [e["kind"] for e in events["items"]]
