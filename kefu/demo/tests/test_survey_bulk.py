"""The demo's bulk path writes what the survey services write: the same answers, response,
invitation state and timeline rows as ``response_submit``, the same delivery and reminder
state as ``send`` + ``remind_due``, and rollups equal to ``rollups.recompute`` over the raw
answers."""

from __future__ import annotations

import random
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from kefu.core.errors import ApplicationError
from kefu.customers.models import Customer, CustomerEvent
from kefu.demo import survey_answers, survey_bulk
from kefu.demo.survey_bulk import Answered
from kefu.surveys import rollups, tokens
from kefu.surveys.defaults import ensure_defaults
from kefu.surveys.models import Answer, Instrument, Invitation, Response
from kefu.surveys.services import invitations
from kefu.surveys.services.responses import response_submit


@pytest.fixture
def shipped(db):
    ensure_defaults()
    return {i.code: i for i in Instrument.objects.all()}


def _lookups():
    rows = list(Instrument.objects.values_list("pk", "kind", "code"))
    return {pk: kind for pk, kind, _c in rows}, {pk: code for pk, _k, code in rows}


def _invite(instrument, customer, *, at, days=30, **snapshot) -> Invitation:
    invitation = invitations.build(version=instrument.versions.get(status="published"),
                                   channel="email", expires_at=at + timedelta(days=days), now=at,
                                   customer=customer, **snapshot)
    invitation.save()
    return invitation


def _response_fields(response: Response) -> dict:
    skip = {"id", "invitation", "invitation_digest", "submitted_at"}
    return {f.attname: getattr(response, f.attname) for f in Response._meta.concrete_fields
            if f.name not in skip}


def _answer_rows(response: Response) -> list[tuple]:
    return list(Answer.objects.filter(response=response).order_by("question_id", "column")
                .values_list("question_id", "column", "value", "choices", "text"))


def _assert_same_rollups():
    stored, expected = rollups.stored(), rollups.recompute()
    assert set(stored) == set(expected)
    for key, (count, total, squares) in expected.items():
        assert stored[key][0] == count, key
        assert stored[key][1] == pytest.approx(total, abs=1e-9), key
        assert stored[key][2] == pytest.approx(squares, abs=1e-9), key


@pytest.mark.parametrize("code, answers", [
    ("csat", {"rating": 2, "reasons": ["speed", "follow_up"], "comment": "等了二十分钟才接通。"}),
    ("servqual", survey_answers.servqual(random.Random(1), wave=1, branch="bj-chaoyang")),
    ("servqual3", survey_answers.servqual3(random.Random(2))),
])
def test_a_bulk_response_is_the_response_the_service_writes(company, shipped, code, answers):
    # given two invitations of the same person and slice, one hour ago
    at = timezone.now() - timedelta(hours=1)
    snapshot = dict(branch_id=company.east.pk, team_id=company.east_team.pk,
                    agent_id=company.agent_east.pk, tier_id=company.vip.pk,
                    contact_channel="phone")
    by_service = _invite(shipped[code], company.alice, at=at, **snapshot)
    by_bulk = _invite(shipped[code], company.alice, at=at, **snapshot)
    # when one is answered through the service and the other through the bulk path
    with mock.patch("django.utils.timezone.now", return_value=at + timedelta(minutes=5)):
        one = response_submit(token=tokens.token_for(by_service.token_salt), answers=answers)
    kinds, codes = _lookups()
    counts = survey_bulk.respond([Answered(by_bulk, answers, at + timedelta(minutes=5))],
                                 kinds=kinds, codes=codes)
    two = Response.objects.get(invitation=by_bulk)
    # then the rows are the same
    assert counts["responses"] == 1
    assert _response_fields(two) == _response_fields(one)
    assert two.submitted_at == one.submitted_at
    assert two.invitation_digest == tokens.invitation_digest(by_bulk.pk)
    assert _answer_rows(two) == _answer_rows(one)
    a, b = (Invitation.objects.get(pk=i.pk) for i in (by_service, by_bulk))
    assert (b.responded_at, b.next_reminder_at, b.answered_anonymously) == (
        a.responded_at, a.next_reminder_at, a.answered_anonymously)
    events = CustomerEvent.objects.filter(kind="survey_response").order_by("pk")
    assert [(e.customer_id, e.data["instrument"], e.created_at) for e in events] == [
        (company.alice.pk, code, a.responded_at)] * 2
    # and every rollup row counts both, as a recomputation from the raw answers does
    _assert_same_rollups()


def test_an_anonymous_bulk_response_keeps_no_link(company, shipped):
    at = timezone.now() - timedelta(days=2)
    invitation = _invite(shipped["servqual"], company.bob, at=at, branch_id=company.west.pk)
    kinds, codes = _lookups()
    survey_bulk.respond([Answered(invitation, survey_answers.servqual(random.Random(3), wave=2),
                                  at + timedelta(hours=3), anonymous=True)],
                        kinds=kinds, codes=codes)
    response = Response.objects.get()
    assert response.anonymous and response.invitation_id is None
    assert response.customer_id is None
    assert response.submitted_at.astimezone(rollups.business_tz()).hour == 0  # only the day
    assert Invitation.objects.get(pk=invitation.pk).answered_anonymously
    assert not CustomerEvent.objects.filter(kind="survey_response").exists()
    _assert_same_rollups()


def test_many_bulk_responses_give_the_rollups_a_recompute_gives(company, shipped):
    # given several hundred answers of every kind, across slices, some anonymous
    rng = random.Random(7)
    customers = [company.alice, company.bob] + [
        Customer.objects.create(name=f"客户{i}", tier=rng.choice([company.vip, company.regular]),
                                branch=rng.choice([company.east, company.west]),
                                email=f"c{i}@mail.example") for i in range(30)]
    at = timezone.now() - timedelta(days=40)
    items = []
    for i in range(240):
        customer = rng.choice(customers)
        code = rng.choice(["servqual", "servqual3", "csat", "nps", "ces"])
        moment = at + timedelta(days=rng.randint(0, 35), minutes=i)
        team = rng.choice([company.east_team, company.west_team, company.hq_team])
        invitation = _invite(shipped[code], customer, at=moment - timedelta(hours=1),
                             branch_id=customer.branch_id, tier_id=customer.tier_id,
                             team_id=team.pk, agent_id=company.agent_hq.pk,
                             contact_channel=rng.choice(["", "phone", "email"]))
        answers = {
            "servqual": lambda: survey_answers.servqual(rng, wave=rng.choice([1, 2]),
                                                        weights=rng.random() < 0.8),
            "servqual3": lambda: survey_answers.servqual3(rng),
            "csat": lambda: survey_answers.csat(rng, team="complaints", ticket_type="complaint",
                                                english=rng.random() < 0.3),
            "nps": lambda: survey_answers.nps(rng, after_complaint=True),
            "ces": lambda: survey_answers.ces(rng),
        }[code]()
        items.append(Answered(invitation, answers, moment,
                              anonymous=code.startswith("servqual") and rng.random() < 0.1))
    kinds, codes = _lookups()
    # when they are written in bulk
    counts = survey_bulk.respond(items, kinds=kinds, codes=codes)
    # then the rollups equal what the raw answers add up to
    assert counts["responses"] == 240 == Response.objects.count()
    assert Response.objects.values("period").distinct().count() >= 2
    _assert_same_rollups()


def test_a_refused_answer_is_not_written(company, shipped):
    invitation = _invite(shipped["csat"], company.alice, at=timezone.now() - timedelta(days=1))
    kinds, codes = _lookups()
    with pytest.raises(ApplicationError) as refused:
        survey_bulk.respond([Answered(invitation, {"rating": 9}, timezone.now())],
                            kinds=kinds, codes=codes)
    assert refused.value.code == "out_of_scale"
    expired = _invite(shipped["csat"], company.alice, at=timezone.now() - timedelta(days=40),
                      days=14)
    with pytest.raises(ValueError, match="cannot be answered"):
        survey_bulk.respond([Answered(expired, {"rating": 4}, timezone.now())],
                            kinds=kinds, codes=codes)
    assert not Response.objects.exists()


def test_delivery_and_reminders_match_send_and_remind_due(company, shipped, settings):
    # given two invitations sent at the same moment with a reminder after three days
    settings.PUBLIC_URL = "https://help.example.com"
    at = timezone.now() - timedelta(days=10)
    carol = Customer.objects.create(name="卡罗", email="carol@mail.example", consent_email=True,
                                    tier=company.regular)
    pair = [_invite(shipped["nps"], carol, at=at, days=14) for _ in range(2)]
    # when one goes through send() and the reminder job, the other through the bulk path
    with mock.patch.object(invitations, "_reminder_days", return_value=[3]):
        with mock.patch("django.utils.timezone.now", return_value=at):
            invitations.send(Invitation.objects.get(pk=pair[0].pk))
        invitations.remind_due(now=at + timedelta(days=3, minutes=1))
    survey_bulk.deliver([pair[1]], sent_at={pair[1].pk: at}, answered_at={},
                        reminder_days=[3])
    # then both carry the same delivery and reminder state
    fields = ("sent_at", "undeliverable", "reminder_count", "next_reminder_at")
    a, b = (Invitation.objects.get(pk=i.pk) for i in pair)
    assert [getattr(b, f) for f in fields] == [getattr(a, f) for f in fields]
    assert b.reminded_at == at + timedelta(days=3)
    assert b.reminder_count == 1 and b.next_reminder_at is None


def test_undeliverable_invitations_are_marked(company, shipped):
    invitation = _invite(shipped["csat"], company.alice, at=timezone.now() - timedelta(days=2))
    counts = survey_bulk.deliver([invitation], sent_at={}, answered_at={}, reminder_days=[3])
    invitation.refresh_from_db()
    assert counts == {"sent": 0, "undeliverable": 1, "reminded": 0}
    assert invitation.undeliverable and invitation.sent_at is None


def _recovery_rows(response: Response) -> dict:
    """The recovery ticket a response opened, its link, note and events, without ids."""
    from kefu.surveys.models import RecoveryLink
    from kefu.tickets.models import Ticket, TicketEvent

    link = RecoveryLink.objects.get(response=response)
    skip = {"id", "search_vector"}
    ticket = Ticket.objects.get(pk=link.ticket_id)
    fields = {f.attname: getattr(ticket, f.attname) for f in Ticket._meta.concrete_fields
              if f.name not in skip}
    note = ticket.messages.get()
    events = [(e.kind, {k: v for k, v in e.data.items() if k not in ("response", "ticket", "surveyed_ticket")},
               e.created_at)
              for e in TicketEvent.objects.filter(ticket=ticket).order_by("pk")]
    surveyed = [(e.kind, e.data["ticket"] == ticket.pk, e.created_at)
                for e in TicketEvent.objects.filter(ticket_id=response.ticket_id,
                                                    kind="survey_recovery_opened")]
    return {"ticket": fields, "link": (link.reason, link.score, link.threshold,
                                       link.dimension, link.created_at),
            "note": (note.visibility, note.body.replace(f"#{response.pk} ", "#N "),
                     note.created_at, note.author_id), "events": events,
            "surveyed": surveyed}


@pytest.mark.parametrize("code, answers, about_ticket", [
    ("csat", {"rating": 1, "comment": "师傅迟到了两个小时。"}, True),
    ("nps", {"score": 3}, False),
    ("servqual", survey_answers.servqual(random.Random(4), wave=1, branch="bj-chaoyang"), False),
])
def test_a_low_bulk_answer_opens_the_recovery_ticket_the_service_opens(
        company, shipped, make_ticket, code, answers, about_ticket):
    from kefu.surveys.models import RecoveryLink

    if code == "servqual":  # make sure this respondent's responsiveness gap is large
        answers = {**answers, **{k: {"expectation": 7, "perception": 2}
                                 for k in ("res1", "res2", "res3", "res4")}}
    # given two invitations of alice's, the same slice (a CSAT about a ticket agent_east
    # handled; an NPS or SERVQUAL wave), answered five minutes after they were sent
    at = timezone.now() - timedelta(days=3)
    surveyed = [make_ticket(company.agent_east, company.alice, team=company.east_team)
                if about_ticket else None for _ in range(2)]
    pair = [_invite(shipped[code], company.alice, at=at, ticket=t, branch_id=company.east.pk,
                    team_id=company.east_team.pk, agent_id=company.agent_east.pk,
                    tier_id=company.vip.pk, contact_channel="phone") for t in surveyed]
    # when one is answered through the service, the other through the bulk path
    moment = at + timedelta(minutes=5)
    with mock.patch("django.utils.timezone.now", return_value=moment):
        one = response_submit(token=tokens.token_for(pair[0].token_salt), answers=answers)
    kinds, codes = _lookups()
    counts = survey_bulk.respond([Answered(pair[1], answers, moment)], kinds=kinds, codes=codes)
    two = Response.objects.get(invitation=pair[1])
    # then each opened one recovery ticket, and the rows are the same — dated when the
    # customer answered, with the SLA due times counted from then
    assert counts["recovery_tickets"] == 1 and RecoveryLink.objects.count() == 2
    a, b = _recovery_rows(one), _recovery_rows(two)
    a["ticket"]["subject"] = a["ticket"]["subject"].replace(f"#{surveyed[0].pk}" if about_ticket
                                                            else "", "#T")
    b["ticket"]["subject"] = b["ticket"]["subject"].replace(f"#{surveyed[1].pk}" if about_ticket
                                                            else "", "#T")
    assert a == b
    assert b["ticket"]["created_at"] == moment and b["ticket"]["type"] == "complaint"
    if about_ticket:  # owned by the surveyed ticket's agent; its timeline says so
        assert (b["ticket"]["owner_id"], b["ticket"]["status"]) == (company.agent_east.pk, "open")
        assert b["surveyed"] == [("survey_recovery_opened", True, moment)]
    else:  # a wave: the customer's branch team, nobody's yet
        assert (b["ticket"]["owner_id"], b["ticket"]["status"]) == (None, "new")


def test_high_and_anonymous_bulk_answers_open_nothing(company, shipped):
    at = timezone.now() - timedelta(days=2)
    kinds, codes = _lookups()
    fine = _invite(shipped["csat"], company.alice, at=at)
    hidden = _invite(shipped["servqual"], company.bob, at=at)
    awful = {**survey_answers.servqual(random.Random(5), wave=1),
             **{k: {"expectation": 7, "perception": 1} for k in ("res1", "res2", "res3", "res4")}}
    # when a satisfied customer and an anonymous, very unhappy one answer
    counts = survey_bulk.respond([Answered(fine, {"rating": 5}, at + timedelta(hours=1)),
                                  Answered(hidden, awful, at + timedelta(hours=2),
                                           anonymous=True)], kinds=kinds, codes=codes)
    # then no recovery ticket: one is content, the other left no way to reach them
    assert counts["responses"] == 2 and counts["recovery_tickets"] == 0
