"""The background jobs: queued on commit and run inline (huey immediate mode), and the
periodic safety net for jobs the queue lost."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from kefu.insights import services, tasks
from kefu.insights.models import Sentiment
from kefu.tickets.models import Message, Ticket
from kefu.tickets.services import ticket_reply

pytestmark = pytest.mark.django_db

ANGRY = "你们这是什么破服务！气死我了！！！"


def test_a_customer_message_is_scored_by_the_job_after_commit(
        huey_immediate, django_capture_on_commit_callbacks, customer_ticket, customer_says):
    ticket = customer_ticket()
    message = customer_says(ticket, ANGRY)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        tasks.queue_message_scoring(message)
    assert not Sentiment.objects.exists()  # nothing runs before the commit
    assert len(queued) == 1
    queued[0]()  # the commit
    row = Sentiment.objects.get(message=message)
    assert row.anger and Ticket.objects.get(pk=ticket.pk).priority == "high"


def test_a_customers_ticket_is_scored_by_the_job(
        huey_immediate, django_capture_on_commit_callbacks, customer_ticket):
    ticket = customer_ticket(description="快递三天还没到，太慢了")
    with django_capture_on_commit_callbacks(execute=True) as queued:
        tasks.queue_ticket_scoring(ticket)
    assert len(queued) == 1
    assert Sentiment.objects.get(ticket=ticket).label == "negative"


def test_staff_words_are_not_queued(company, make_ticket, django_capture_on_commit_callbacks):
    ticket = make_ticket(company.agent_east, company.alice, description=ANGRY, channel="phone")
    reply = ticket_reply(ticket=ticket, actor=company.agent_east, body="您好，已为您处理。")
    with django_capture_on_commit_callbacks(execute=True) as queued:
        tasks.queue_ticket_scoring(ticket)
        tasks.queue_message_scoring(reply)
    assert queued == [] and not Sentiment.objects.exists()


def test_a_queue_that_fails_does_not_fail_the_caller(
        monkeypatch, django_capture_on_commit_callbacks, customer_ticket, customer_says, caplog):
    def broken(message_id):
        raise OSError("queue unavailable")

    monkeypatch.setattr(tasks, "score_message_task", broken)
    message = customer_says(customer_ticket(), ANGRY)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.queue_message_scoring(message)  # logged, not raised
    assert "queue unavailable" in caplog.text
    # and the safety net scores it later
    assert services.score_missed(now=timezone.now() + timedelta(minutes=5)) == 2
    assert Sentiment.objects.filter(message=message).exists()


def test_the_tasks_call_the_services(huey_immediate, customer_ticket, customer_says):
    ticket = customer_ticket(description="非常满意，谢谢！")
    message = customer_says(ticket, ANGRY)
    tasks.score_ticket_task(ticket.pk)
    tasks.score_message_task(message.pk)
    tasks.score_message_task(message.pk)  # a duplicated job changes nothing
    assert Sentiment.objects.count() == 2
    assert Sentiment.objects.get(ticket=ticket).label == "positive"


def test_the_safety_net_scores_what_the_queue_lost_once(company, customer_ticket, customer_says,
                                                         make_ticket):
    # given customer texts nobody scored, a staff-written ticket and an old message
    mine = customer_ticket(description="订单号 123 的快递在哪里？")
    angry = customer_says(mine, ANGRY)
    staff = make_ticket(company.agent_east, company.alice, description=ANGRY, channel="phone")
    ticket_reply(ticket=staff, actor=company.agent_east, body="已回电。")
    old = customer_says(customer_ticket(), "很失望")
    Message.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=2))
    later = timezone.now() + timedelta(minutes=5)
    # when the net runs, then it scores the customer's texts of the last day only
    scored = services.score_missed(now=later)
    assert scored == 3  # both tickets Alice opened, and her angry message
    assert Sentiment.objects.filter(message=angry).exists()
    assert not Sentiment.objects.filter(message=old).exists()
    assert not Sentiment.objects.filter(ticket=staff).exists()
    assert Ticket.objects.get(pk=mine.pk).priority == "high"
    # and a second run finds nothing
    assert services.score_missed(now=later) == 0


def test_the_safety_net_leaves_texts_younger_than_its_grace_to_their_job(
        huey_immediate, customer_ticket, customer_says):
    customer_says(customer_ticket(), ANGRY)
    assert services.score_missed() == 0
    assert tasks.score_missed.call_local() == 0
    assert not Sentiment.objects.exists()


def test_the_safety_net_runs_every_five_minutes():
    task = tasks.score_missed.s()
    assert task.validate_datetime(datetime(2026, 11, 23, 10, 5))
    assert task.validate_datetime(datetime(2026, 11, 23, 10, 0))
    assert not task.validate_datetime(datetime(2026, 11, 23, 10, 3))
