"""Scoring services against the database: rows, idempotency, escalation, alerts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from kefu.core.errors import ApplicationError
from kefu.insights import rules, services
from kefu.insights.models import Sentiment
from kefu.insights.sentiment import analyse
from kefu.tickets.models import Ticket, TicketEvent
from kefu.tickets.services import ticket_reply
from kefu.workflow.models import Alert

pytestmark = pytest.mark.django_db

ANGRY = "你们这是什么破服务！气死我了！！！"
STRONG = "网站老是打不开，很耽误事。"  # strongly negative, no anger words
MILD = "对处理结果不太满意。"
NEUTRAL = "请问几点下班？"
POSITIVE = "非常满意，谢谢！"


def escalations(ticket):
    return list(TicketEvent.objects.filter(ticket=ticket, kind=services.ESCALATED))


def priority(ticket):
    return Ticket.objects.values_list("priority", flat=True).get(pk=ticket.pk)


def test_the_sample_texts_sit_where_the_tests_need_them():
    assert analyse(ANGRY).anger
    assert analyse(STRONG).score <= rules.ESCALATE_SCORE and not analyse(STRONG).anger
    mild = analyse(MILD)
    assert mild.label == "negative" and not rules.should_escalate(mild.score, mild.anger)
    assert analyse(NEUTRAL).label == "neutral" and analyse(POSITIVE).label == "positive"


def test_angry_message_is_stored_and_escalates_once(company, customer_ticket, customer_says):
    # given a normal ticket Alice opened, when she sends an angry message and it is scored
    ticket = customer_ticket()
    message = customer_says(ticket, ANGRY)
    row = services.score_message(message.pk)
    # then the row is stored, the priority rose one step, the timeline and the east
    # supervisor know
    assert (row.message_id, row.ticket_id, row.label, row.anger, row.lang) == (
        message.pk, None, "negative", True, "zh")
    assert priority(ticket) == "high"
    [event] = escalations(ticket)
    assert event.actor_id is None
    assert event.data == {"old": "normal", "new": "high", "score": row.score, "anger": True,
                          "message": message.pk}
    [alert] = Alert.objects.filter(ticket=ticket)
    assert alert.user == company.supervisor_east and alert.kind == "negative"
    with translation.override("en"):
        assert alert.text == f"Angry customer on ticket #{ticket.pk}; its priority is now High."
    # when the same message is scored again, nothing changes
    again = services.score_message(message.pk)
    assert again.pk == row.pk
    assert Sentiment.objects.count() == 1 and priority(ticket) == "high"
    assert len(escalations(ticket)) == 1 and Alert.objects.filter(ticket=ticket).count() == 1


def test_more_upset_messages_the_same_day_do_not_raise_again(customer_ticket, customer_says):
    ticket = customer_ticket()
    services.score_message(customer_says(ticket, ANGRY).pk)
    services.score_message(customer_says(ticket, STRONG).pk)
    services.score_message(customer_says(ticket, "WHERE IS MY REFUND??? This is a scam!").pk)
    assert Sentiment.objects.count() == 3
    assert priority(ticket) == "high"
    assert len(escalations(ticket)) == 1 and Alert.objects.filter(ticket=ticket).count() == 1


def test_a_day_later_the_ticket_escalates_again(customer_ticket, customer_says):
    ticket = customer_ticket()
    services.score_message(customer_says(ticket, ANGRY).pk)
    TicketEvent.objects.filter(kind=services.ESCALATED).update(
        created_at=timezone.now() - rules.ESCALATION_WINDOW - timedelta(minutes=1))
    services.score_message(customer_says(ticket, STRONG).pk)
    assert priority(ticket) == "urgent"
    assert [e.data["new"] for e in escalations(ticket)] == ["high", "urgent"]
    assert Alert.objects.filter(ticket=ticket).count() == 2


def test_strongly_negative_without_anger_escalates(customer_ticket, customer_says):
    ticket = customer_ticket()
    services.score_message(customer_says(ticket, STRONG).pk)
    assert priority(ticket) == "high"
    [alert] = Alert.objects.filter(ticket=ticket)
    with translation.override("en"):
        assert alert.text.startswith("Very unhappy customer on ticket")
    assert escalations(ticket)[0].data["anger"] is False


def test_urgent_stays_urgent_but_supervisors_still_hear(company, customer_ticket, customer_says):
    ticket = customer_ticket(priority="urgent")
    services.score_message(customer_says(ticket, ANGRY).pk)
    assert priority(ticket) == "urgent"
    [event] = escalations(ticket)
    assert (event.data["old"], event.data["new"]) == ("urgent", "urgent")
    assert Alert.objects.filter(ticket=ticket, user=company.supervisor_east).count() == 1


def test_low_priority_goes_to_normal(customer_ticket, customer_says):
    ticket = customer_ticket(priority="low")
    services.score_message(customer_says(ticket, ANGRY).pk)
    assert priority(ticket) == "normal"


@pytest.mark.parametrize("text", [MILD, NEUTRAL, POSITIVE])
def test_mild_neutral_and_positive_messages_change_nothing(customer_ticket, customer_says, text):
    ticket = customer_ticket(priority="high")
    message = customer_says(ticket, text)
    before = Ticket.objects.get(pk=ticket.pk).updated_at
    row = services.score_message(message.pk)
    assert row is not None and not rules.should_escalate(row.score, row.anger)
    after = Ticket.objects.get(pk=ticket.pk)
    assert after.priority == "high"  # never lowered either
    assert after.updated_at == before
    assert not escalations(ticket) and not Alert.objects.filter(ticket=ticket).exists()


def test_negative_texts_fire_the_automation_event(monkeypatch, customer_ticket, customer_says):
    fired = []
    monkeypatch.setattr(services, "fire", lambda event, ticket, **ctx: fired.append(
        (event, ticket, ctx)))
    ticket = customer_ticket()
    services.score_message(customer_says(ticket, POSITIVE).pk)
    assert fired == []
    services.score_message(customer_says(ticket, MILD).pk)
    assert fired == [("negative_sentiment", ticket.pk,
                      {"sentiment": "negative", "anger": False, "text": MILD})]


def test_staff_replies_and_internal_notes_are_not_scored(company, customer_ticket):
    ticket = customer_ticket()
    reply = ticket_reply(ticket=ticket, actor=company.agent_east, body="太差了，垃圾！")
    note = ticket_reply(ticket=ticket, actor=company.agent_east, body="客户气死了！！！",
                        internal=True)
    assert services.score_message(reply.pk) is None
    assert services.score_message(note.pk) is None
    assert services.score_message(10**9) is None
    assert not Sentiment.objects.exists() and priority(ticket) == "normal"


def test_a_customers_own_ticket_description_is_scored_and_escalates(customer_ticket):
    ticket = customer_ticket(subject="退款", description=ANGRY)
    row = services.score_ticket_description(ticket.pk)
    assert (row.ticket_id, row.message_id, row.anger) == (ticket.pk, None, True)
    assert priority(ticket) == "high"
    assert escalations(ticket)[0].data["message"] is None
    assert services.score_ticket_description(ticket.pk).pk == row.pk
    assert len(escalations(ticket)) == 1


def test_descriptions_staff_wrote_are_not_scored_unless_from_a_customer_channel(
        company, make_ticket):
    phone = make_ticket(company.agent_east, company.alice, description=ANGRY, channel="phone")
    assert services.score_ticket_description(phone.pk) is None
    email = make_ticket(company.agent_east, company.alice, description=ANGRY, channel="email")
    assert services.score_ticket_description(email.pk) is not None
    assert services.score_ticket_description(10**9) is None
    assert list(Sentiment.objects.values_list("ticket_id", flat=True)) == [email.pk]


def test_a_closed_ticket_is_scored_but_not_escalated(company, customer_ticket, customer_says):
    ticket = customer_ticket()
    message = customer_says(ticket, ANGRY)
    Ticket.objects.filter(pk=ticket.pk).update(status="closed", owner=company.agent_east)
    assert services.score_message(message.pk).anger
    assert priority(ticket) == "normal" and not escalations(ticket)
    assert not Alert.objects.exists()


def test_without_a_branch_supervisor_head_office_hears(company, make_ticket):
    from kefu.accounts.services import user_create

    head = user_create(username="sup-hq", password="pw-sup-hq-123", role="supervisor")
    ticket = make_ticket(company.other_customer_user, company.bob)  # west: no supervisor
    message = ticket_reply(ticket=ticket, actor=company.other_customer_user, body=ANGRY)
    services.score_message(message.pk)
    assert list(Alert.objects.filter(ticket=ticket).values_list("user", flat=True)) == [head.pk]


def test_a_row_points_at_exactly_one_thing_once(customer_ticket, customer_says):
    ticket = customer_ticket()
    message = customer_says(ticket, NEUTRAL)
    fields = {"label": "neutral", "score": 0.0, "anger": False, "lang": "zh"}
    for bad in ({}, {"message": message, "ticket": ticket}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Sentiment.objects.create(**bad, **fields)
    Sentiment.objects.create(message=message, **fields)
    Sentiment.objects.create(ticket=ticket, **fields)
    for again in ({"message": message}, {"ticket": ticket}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Sentiment.objects.create(**again, **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Sentiment.objects.create(ticket=customer_ticket(), **{**fields, "score": 1.5})


def test_texts_sentiment_answers_in_order_and_checks_its_input():
    out = services.texts_sentiment([POSITIVE, "", "The courier was rude."], "auto")
    assert [o["label"] for o in out] == ["positive", "neutral", "negative"]
    assert out[2]["lang"] == "en" and out[1]["score"] == 0.0
    assert services.texts_sentiment(["hello"], "zh")[0]["lang"] == "zh"
    for texts, lang, code in [([], "auto", "invalid_texts"), ("text", "auto", "invalid_texts"),
                              ([1], "auto", "invalid_texts"), (["x"] * 1001, "auto", "invalid_texts"),
                              (["x" * 10_001], "auto", "text_too_long"), (["x"], "fr", "invalid_lang")]:
        with pytest.raises(ApplicationError) as err:
            services.texts_sentiment(texts, lang)
        assert err.value.code == code
