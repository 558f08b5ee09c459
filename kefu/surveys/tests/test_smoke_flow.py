"""End to end on the service layer: a CSAT answer and a SERVQUAL answer are stored with
their rollups."""

from kefu.surveys.models import Answer, Response, Rollup
from kefu.surveys.services.responses import response_submit


def test_csat_and_servqual_answers_are_stored(company, shipped, invite_to, sq_answers):
    _inv, token = invite_to(shipped["csat"], customer=company.alice)
    response = response_submit(token=token, answers={"rating": 4, "reasons": ["speed"],
                                                     "comment": "很好"})
    assert response.customer == company.alice
    assert Answer.objects.filter(response=response).count() == 3
    _inv, token = invite_to(shipped["servqual"], customer=company.bob)
    response = response_submit(token=token, answers=sq_answers())
    assert Answer.objects.filter(response=response).count() == 44 + 5
    assert Response.objects.count() == 2
    assert Rollup.objects.exists()
