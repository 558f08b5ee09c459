"""Answers at the same moment (real threads, real transactions): two submissions of one
invitation — exactly one is stored, the other refused; answers to different invitations in
the same slice all add to the same rollup rows (PostgreSQL's INSERT … ON CONFLICT, SQLite's
single writer)."""

from __future__ import annotations

import pytest
from django.db import connection

from kefu.core.errors import ApplicationError
from kefu.core.testing.concurrency import at_once
from kefu.surveys import rollups
from kefu.surveys.models import Answer, Response
from kefu.surveys.services.responses import response_submit

from .conftest import servqual_answers


def _submit(token, answers, **kw):
    def call():
        return response_submit(token=token, answers=answers, **kw)
    return call


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("anonymous", [False, True])
def test_two_answers_to_one_invitation_at_once_one_wins(company, shipped, invite_to, anonymous):
    # given one SERVQUAL invitation
    _invitation, token = invite_to(shipped["servqual"], customer=company.alice)
    # when it is submitted twice at the same moment
    results = at_once(_submit(token, servqual_answers(value=6), anonymous=anonymous),
                      _submit(token, servqual_answers(value=2), anonymous=anonymous))
    # then one response is stored and the other is refused as already answered
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1, results
    assert isinstance(errors[0], ApplicationError) and errors[0].code == "already_responded"
    assert Response.objects.count() == 1
    assert Answer.objects.count() == 22 * 2 + 5
    assert rollups.stored() == rollups.recompute()


@pytest.mark.django_db(transaction=True)
def test_answers_in_the_same_slice_at_once_all_count(company, shipped, invite_to):
    # given six customers of the same branch and tier invited to CSAT
    tokens = [invite_to(shipped["csat"], customer=company.alice, branch_id=company.east.pk,
                        tier_id=company.vip.pk, agent_id=company.agent_east.pk)[1]
              for _ in range(6)]
    # when all answer at the same moment
    results = at_once(*[_submit(token, {"rating": 1 + i % 5}) for i, token in
                        enumerate(tokens)])
    # then every answer counts, in the same rollup rows
    assert not [r for r in results if isinstance(r, Exception)], results
    rating = shipped["csat"].versions.get().questions.get(code="rating")
    from kefu.surveys.models import Rollup

    row = Rollup.objects.get(question_id=rating.pk, option=0)
    assert (row.count, row.total, row.total_sq) == (6, 1 + 2 + 3 + 4 + 5 + 1.0,
                                                    1 + 4 + 9 + 16 + 25 + 1.0)
    assert rollups.stored() == rollups.recompute()
    connection.close()
