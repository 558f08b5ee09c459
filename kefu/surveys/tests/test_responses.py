"""Answering: a good answer is stored with its slice and rollups; every bad input is refused
with a message naming the question and nothing stored; a second answer, an expired or
closed survey and a bad link are refused; anonymous answers keep no link to the customer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from kefu.core.errors import ApplicationError
from kefu.customers.models import CustomerEvent
from kefu.surveys.models import Answer, Invitation, Response, Rollup
from kefu.surveys.services.responses import response_submit, response_submit_for
from kefu.surveys.services.waves import wave_close, wave_create

from .conftest import published, servqual_answers


def nothing_stored():
    return (Response.objects.count(), Answer.objects.count(), Rollup.objects.count(),
            CustomerEvent.objects.filter(kind="survey_response").count())


def refused(token, answers, **kw) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        response_submit(token=token, answers=answers, **kw)
    return caught.value


def test_a_csat_answer_is_stored_with_the_slice_of_the_invitation(company, shipped, invite_to,
                                                                  make_ticket):
    # given a ticket of alice's handled by agent_east, and its CSAT invitation
    ticket = make_ticket(company.agent_east, company.alice)
    invitation, token = invite_to(shipped["csat"], customer=company.alice, ticket=ticket,
                                  branch_id=company.east.pk, team_id=company.east_team.pk,
                                  agent_id=company.agent_east.pk, tier_id=company.vip.pk,
                                  contact_channel="phone")
    # when alice answers
    response = response_submit(token=token, answers={"rating": 2, "reasons": ["speed"],
                                                     "comment": "等了太久"})
    # then the response keeps who, what ticket and the slice; the invitation is answered
    assert (response.customer, response.ticket, response.branch, response.team, response.agent,
            response.tier, response.contact_channel) == (
        company.alice, ticket, company.east, company.east_team, company.agent_east,
        company.vip, "phone")
    assert response.version == published(shipped["csat"]) and response.source == "link"
    invitation.refresh_from_db()
    assert invitation.responded_at is not None and invitation.response == response
    answers = {(a.question.code, a.column): (a.value, a.choices, a.text)
               for a in Answer.objects.filter(response=response).select_related("question")}
    assert answers == {("rating", 0): (2, None, None), ("reasons", 0): (None, ["speed"], None),
                       ("comment", 0): (None, None, "等了太久")}
    # the rating's rollup row is per agent
    rating = invitation.version.questions.get(code="rating")
    row = Rollup.objects.get(question_id=rating.pk, option=0)
    assert (row.count, row.total, row.total_sq, row.agent_id, row.channel) == (
        1, 2.0, 4.0, company.agent_east.pk, "phone")
    event = CustomerEvent.objects.get(kind="survey_response")
    assert event.customer == company.alice and event.data["response"] == response.pk


BAD = [
    ({"rating": 9}, "out_of_scale", "rating"),
    ({"rating": "5"}, "invalid_answer", "rating"),
    ({"rating": 5, "stars": 5}, "unknown_question", "stars"),
    ({"reasons": ["speed"]}, "missing_answer", "rating"),
    ({"rating": 5, "reasons": ["price"]}, "unknown_option", "reasons"),
    ({"rating": 5, "comment": "\x00"}, "invalid_text", "comment"),
    ("5 stars", "invalid_answers", ""),
]


@pytest.mark.parametrize("answers, code, question", BAD)
def test_every_bad_csat_answer_is_refused_and_nothing_stored(company, shipped, invite_to,
                                                             answers, code, question):
    invitation, token = invite_to(shipped["csat"], customer=company.alice)
    error = refused(token, answers)
    assert (error.code, error.details["question"], error.status) == (code, question, 400)
    assert nothing_stored() == (0, 0, 0, 0)
    invitation.refresh_from_db()
    assert invitation.responded_at is None


SQ_BAD = [
    (lambda a: a["tan1"].update(expectation=8), "out_of_scale", "tan1", "expectation"),
    (lambda a: a["tan1"].update(expectation=0), "out_of_scale", "tan1", "expectation"),
    (lambda a: a.update(tan9={"perception": 3}), "unknown_question", "tan9", ""),
    (lambda a: a["rel2"].update(desired=6), "wrong_column", "rel2", "desired"),
    (lambda a: a["emp5"].pop("perception"), "missing_answer", "emp5", "perception"),
    (lambda a: a.pop("ass3"), "missing_answer", "ass3", ""),
    (lambda a: a["weights"].update(empathy=25), "weights_sum", "weights", ""),
    (lambda a: a["weights"].update(price=0), "wrong_column", "weights", "price"),
]


@pytest.mark.parametrize("spoil, code, question, column", SQ_BAD)
def test_every_bad_servqual_answer_is_refused_and_nothing_stored(company, shipped, invite_to,
                                                                 spoil, code, question, column):
    _invitation, token = invite_to(shipped["servqual"], customer=company.bob)
    answers = servqual_answers()
    spoil(answers)
    error = refused(token, answers)
    assert (error.code, error.details["question"], error.details["column"]) == (
        code, question, column)
    assert nothing_stored() == (0, 0, 0, 0)


def test_the_message_names_the_question_in_the_respondents_language(company, shipped,
                                                                    invite_to):
    _invitation, token = invite_to(shipped["servqual"], customer=company.bob)
    answers = servqual_answers()
    answers["tan3"]["perception"] = 11
    with translation.override("en"):
        error = refused(token, answers)
    assert error.message == ('The answer to tan3 ("Staff are tidy and professionally dressed.")'
                             ' · perception must be from 1 to 7 (it was 11).')
    with translation.override("zh-hans"):
        error = refused(token, answers)
    assert "tan3" in error.message and "员工仪容整洁" in error.message
    assert error.details["errors"][0]["question"] == "tan3"


def test_a_second_answer_is_refused_with_a_clear_message(company, shipped, invite_to):
    _invitation, token = invite_to(shipped["csat"], customer=company.alice)
    response_submit(token=token, answers={"rating": 5})
    with translation.override("en"):
        error = refused(token, {"rating": 1})
    assert error.code == "already_responded" and error.status == 409
    assert "already been answered" in error.message
    assert Response.objects.count() == 1 and Answer.objects.get().value == 5


def test_expired_closed_and_unknown_links_are_refused(company, shipped, invite_to):
    _inv, expired = invite_to(shipped["csat"], customer=company.alice, expires_days=-1)
    assert refused(expired, {"rating": 5}).code == "expired"
    for bad in ("nonsense-token-of-proper-length-xx", "", "x" * 500, "a/../b" * 5, None, 42):
        error = refused(bad, {"rating": 5})
        assert (error.code, error.status) == ("invalid_token", 404)
    # a wave's invitation after the wave is closed
    wave = wave_create(actor=company.admin, version=published(shipped["nps"]), name="NPS 春季")
    invitation, token = invite_to(shipped["nps"], customer=company.bob)
    Invitation.objects.filter(pk=invitation.pk).update(wave=wave)
    wave.status = "open"
    wave.save()
    wave_close(actor=company.admin, wave=wave)
    assert refused(token, {"score": 9}).code == "survey_closed"
    assert nothing_stored() == (0, 0, 0, 0)


def test_an_anonymous_answer_keeps_no_link_to_the_customer(company, shipped, invite_to,
                                                           make_ticket):
    # given SERVQUAL (anonymous answers allowed) sent to alice about a ticket
    ticket = make_ticket(company.agent_east, company.alice)
    invitation, token = invite_to(shipped["servqual"], customer=company.alice, ticket=ticket,
                                  branch_id=company.east.pk, tier_id=company.vip.pk)
    # when she answers anonymously
    response = response_submit(token=token, answers=servqual_answers(), anonymous=True)
    response.refresh_from_db()
    # then the response points at no invitation, customer, user or ticket, and keeps only the
    # day; the slice (branch, tier) is kept for the figures
    assert response.anonymous is True
    assert (response.invitation_id, response.customer_id, response.user_id,
            response.ticket_id) == (None, None, None, None)
    local = timezone.localtime(response.submitted_at)
    assert (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0)
    assert (response.branch, response.tier) == (company.east, company.vip)
    invitation.refresh_from_db()
    assert invitation.responded_at is not None and invitation.answered_anonymously
    assert not Response.objects.filter(invitation=invitation).exists()
    assert not CustomerEvent.objects.filter(kind="survey_response").exists()
    # and it still counts once: a second (anonymous or not) answer is refused
    assert refused(token, servqual_answers(), anonymous=True).code == "already_responded"
    assert refused(token, servqual_answers()).code == "already_responded"


def test_anonymous_is_refused_where_the_instrument_does_not_allow_it(company, shipped,
                                                                     invite_to):
    _inv, token = invite_to(shipped["csat"], customer=company.alice)
    assert refused(token, {"rating": 5}, anonymous=True).code == "anonymous_not_allowed"
    assert refused(token, {"rating": 5}, anonymous="yes").code == "invalid_anonymous"
    assert nothing_stored() == (0, 0, 0, 0)


def test_only_the_invited_person_answers_for_themselves(company, shipped, invite_to):
    invitation, _token = invite_to(shipped["csat"], customer=company.alice)
    with pytest.raises(ApplicationError) as caught:
        response_submit_for(invitation=invitation, actor=company.other_customer_user,
                            answers={"rating": 1}, source="portal")
    assert caught.value.status == 404
    staff_invitation, _token = invite_to(shipped["management"], user=company.supervisor_east,
                                         channel="console")
    with pytest.raises(ApplicationError) as caught:
        response_submit_for(invitation=staff_invitation, actor=company.admin,
                            answers={}, source="console")
    assert caught.value.status == 403
    assert nothing_stored() == (0, 0, 0, 0)
    response = response_submit_for(invitation=invitation, actor=company.customer_user,
                                   answers={"rating": 4}, source="portal")
    assert response.source == "portal" and response.customer == company.alice


def test_the_management_survey_is_answered_by_staff(company, shipped, invite_to):
    invitation, _token = invite_to(shipped["management"], user=company.supervisor_east,
                                   channel="console", branch_id=company.east.pk)
    answers = servqual_answers(columns=("expectation",), value=6)
    answers["weights"] = {"tangibles": 10, "reliability": 35, "responsiveness": 20,
                          "assurance": 15, "empathy": 20}
    response = response_submit_for(invitation=invitation, actor=company.supervisor_east,
                                   answers=answers, source="console")
    assert response.user == company.supervisor_east and response.customer is None
    assert Answer.objects.filter(response=response).count() == 22 + 5
    # customers' columns are not management's
    invitation2, _t = invite_to(shipped["management"], user=company.admin, channel="console")
    with pytest.raises(ApplicationError) as caught:
        response_submit_for(invitation=invitation2, actor=company.admin,
                            answers=servqual_answers(), source="console")
    assert caught.value.code == "wrong_column"


def test_expiry_is_checked_at_the_moment_of_answering(company, shipped, invite_to):
    invitation, token = invite_to(shipped["ces"], customer=company.alice)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now()
                                                       - timedelta(seconds=1))
    assert refused(token, {"effort": 6}).code == "expired"
