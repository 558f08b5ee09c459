"""The survey API: answering by token (public, limited, nothing stored on bad input), waves
for supervisors and administrators, invitations and responses scoped to who asks, and lists
whose query count does not grow with the page."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kefu.surveys.models import Answer, Invitation, Response, Wave
from kefu.surveys.services.responses import response_submit

from .conftest import published, servqual_answers


def post_answer(api_as, token, answers, **more):
    return api_as(None).post("/api/v1/surveys/responses", {"token": token, "answers": answers,
                                                           **more})


def test_answering_by_token_needs_no_api_token(company, shipped, invite_to, api_as):
    _inv, token = invite_to(shipped["servqual"], customer=company.bob)
    form = api_as(None).get(f"/api/v1/surveys/form/{token}")
    assert form.status_code == 200
    assert form.json()["kind"] == "servqual" and len(form.json()["questions"]) == 23
    response = post_answer(api_as, token, servqual_answers(), anonymous=True)
    assert response.status_code == 201, response.content
    assert response.json() == {"received": True, "anonymous": True}
    stored = Response.objects.get()
    assert stored.source == "api" and stored.anonymous and stored.customer_id is None
    again = post_answer(api_as, token, servqual_answers())
    assert again.status_code == 409 and again.json()["code"] == "already_responded"
    assert api_as(None).get(f"/api/v1/surveys/form/{token}").status_code == 409


@pytest.mark.parametrize("answers, code, question", [
    ({"rating": 6}, "out_of_scale", "rating"),
    ({"rating": 4, "why": "x"}, "unknown_question", "why"),
    ({"comment": "ok"}, "missing_answer", "rating"),
    ({"rating": 4, "reasons": ["speed", "price"]}, "unknown_option", "reasons"),
])
def test_bad_answers_by_api_name_the_question_and_store_nothing(company, shipped, invite_to,
                                                                api_as, answers, code,
                                                                question):
    _inv, token = invite_to(shipped["csat"], customer=company.alice)
    response = post_answer(api_as, token, answers)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == code and body["details"]["question"] == question
    assert body["details"]["errors"][0]["message"] == body["message"]
    assert not Response.objects.exists() and not Answer.objects.exists()


@pytest.mark.parametrize("body, status", [
    ({"token": "x" * 43, "answers": {"rating": 5}}, 404),
    ({"token": "", "answers": {"rating": 5}}, 422),
    ({"answers": {"rating": 5}}, 422),
    ({"token": "abc", "answers": [5]}, 422),
    ({"token": "abc", "answers": {}, "anonymous": "no"}, 422),
    ({"token": "abc", "answers": {}, "language": "fr"}, 422),
    ({"token": "abc", "answers": {}, "extra": 1}, 422),
])
def test_malformed_submissions_are_refused(company, shipped, api_as, body, status):
    response = api_as(None).post("/api/v1/surveys/responses", body)
    assert response.status_code == status, response.content
    assert not Response.objects.exists()


def test_answering_by_token_is_rate_limited(company, shipped, invite_to, api_as, settings):
    settings.SURVEY_SUBMIT_LIMIT_PER_HOUR = 3
    _inv, token = invite_to(shipped["nps"], customer=company.alice)
    for _ in range(3):
        assert post_answer(api_as, token, {"score": 11}).status_code == 400
    limited = post_answer(api_as, token, {"score": 9})
    assert limited.status_code == 429 and limited.json()["code"] == "rate_limited"
    assert not Response.objects.exists()


def test_a_signed_in_customer_answers_only_their_own_invitation(company, shipped, invite_to,
                                                                api_as):
    mine, _t = invite_to(shipped["csat"], customer=company.alice)
    theirs, _t = invite_to(shipped["csat"], customer=company.bob)
    alice = api_as(company.customer_user)
    listed = alice.get("/api/v1/surveys/invitations").json()["items"]
    assert [i["id"] for i in listed] == [mine.pk] and listed[0]["state"] == "open"
    assert alice.get(f"/api/v1/surveys/invitations/{theirs.pk}").status_code == 404
    refused = alice.post(f"/api/v1/surveys/invitations/{theirs.pk}/response",
                         {"answers": {"rating": 1}})
    assert refused.status_code == 404 and not Response.objects.exists()
    done = alice.post(f"/api/v1/surveys/invitations/{mine.pk}/response",
                      {"answers": {"rating": 5}})
    assert done.status_code == 201
    assert alice.get(f"/api/v1/surveys/invitations/{mine.pk}").json()["state"] == "answered"
    # customers never read response records, their own or anyone's
    assert alice.get("/api/v1/surveys/responses").status_code == 403
    own = Response.objects.get().pk
    assert alice.get(f"/api/v1/surveys/responses/{own}").status_code == 403


# --- waves ----------------------------------------------------------------------------------------

def test_waves_through_the_api(company, shipped, api_as):
    sup = api_as(company.supervisor_east)
    created = sup.post("/api/v1/surveys/waves", {
        "version_id": published(shipped["nps"]).pk, "name": "东区 NPS", "channel": "portal",
        "sample_fraction": 1.0, "seed": 7, "reminder_days": [3]})
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["status"], body["branch"], body["seed"], body["rates"]) == (
        "draft", "east", 7, None)
    launched = sup.post(f"/api/v1/surveys/waves/{body['id']}/launch")
    assert launched.status_code == 200, launched.content
    assert launched.json()["invited"] == 1  # alice: the east branch's customer with a login
    detail = sup.get(f"/api/v1/surveys/waves/{body['id']}", {"by": "branch"}).json()
    assert detail["rates"]["invited"] == 1
    assert detail["rates_by"][0]["branch"] == company.east.pk
    assert sup.post(f"/api/v1/surveys/waves/{body['id']}/launch").status_code == 409
    closed = sup.post(f"/api/v1/surveys/waves/{body['id']}/close").json()
    assert closed["status"] == "closed"
    # the west has its own; the auditor reads all; agents and customers none
    admin_wave = api_as(company.admin).post("/api/v1/surveys/waves", {
        "version_id": published(shipped["csat"]).pk, "name": "全体 CSAT"}).json()
    assert [w["id"] for w in sup.get("/api/v1/surveys/waves").json()["items"]] == [body["id"]]
    assert sup.get(f"/api/v1/surveys/waves/{admin_wave['id']}").status_code == 404
    assert {w["id"] for w in api_as(company.auditor).get("/api/v1/surveys/waves")
            .json()["items"]} == {body["id"], admin_wave["id"]}
    for user in (company.agent_east, company.customer_user):
        assert api_as(user).get("/api/v1/surveys/waves").status_code == 403
        assert api_as(user).post("/api/v1/surveys/waves", {
            "version_id": published(shipped["nps"]).pk, "name": "x"}).status_code == 403
    assert api_as(company.auditor).post("/api/v1/surveys/waves", {
        "version_id": published(shipped["nps"]).pk, "name": "x"}).status_code == 403
    assert Wave.objects.count() == 2


def test_bad_waves_are_refused_by_the_api(company, shipped, api_as):
    admin = api_as(company.admin)
    version = published(shipped["servqual"]).pk
    for body, status in (({"version_id": version, "name": "x", "sample_fraction": 0}, 422),
                         ({"version_id": version, "name": "x", "filters": {"colour": []}}, 422),
                         ({"version_id": version, "name": "x",
                           "filters": {"tiers": ["gold"]}}, 400),
                         ({"version_id": version, "name": "x", "channel": "console"}, 400),
                         ({"version_id": 999999, "name": "x"}, 404)):
        response = admin.post("/api/v1/surveys/waves", body)
        assert response.status_code == status, (body, response.content)
    assert not Wave.objects.exists()


# --- responses and invitations lists ------------------------------------------------------------

@pytest.fixture
def answered(company, shipped, invite_to, make_ticket):
    """30 CSAT answers about east-desk tickets (agent_east), 30 about the west (agent_west),
    and 10 anonymous SERVQUAL answers in the east."""
    for i in range(30):
        for agent, team, branch, customer in (
                (company.agent_east, company.east_team, company.east, company.alice),
                (company.agent_west, company.west_team, company.west, company.bob)):
            ticket = make_ticket(agent, customer)
            _inv, token = invite_to(shipped["csat"], customer=customer, ticket=ticket,
                                    agent_id=agent.pk, team_id=team.pk, branch_id=branch.pk,
                                    tier_id=customer.tier_id)
            response_submit(token=token, answers={"rating": 1 + i % 5})
    for _ in range(10):
        _inv, token = invite_to(shipped["servqual"], customer=company.alice,
                                branch_id=company.east.pk)
        response_submit(token=token, answers=servqual_answers(), anonymous=True)


def _queries(api, path, limit, **params):
    api.get(path, {"limit": limit, **params})
    with CaptureQueriesContext(connection) as ctx:
        response = api.get(path, {"limit": limit, **params})
    assert response.status_code == 200, response.content
    assert len(response.json()["items"]) == limit
    return len(ctx.captured_queries)


@pytest.mark.parametrize("role", ["admin", "supervisor_east", "agent_east"])
def test_the_responses_list_costs_the_same_queries_for_5_and_25_rows(company, answered, api_as,
                                                                    role):
    api = api_as(getattr(company, role))
    assert _queries(api, "/api/v1/surveys/responses", 5) == \
        _queries(api, "/api/v1/surveys/responses", 25)


def test_the_invitations_list_costs_the_same_queries_for_5_and_25_rows(company, answered,
                                                                      api_as):
    api = api_as(company.admin)
    assert _queries(api, "/api/v1/surveys/invitations", 5) == \
        _queries(api, "/api/v1/surveys/invitations", 25)


def test_responses_are_scoped_and_paged(company, answered, api_as):
    def all_ids(user, **params):
        api, ids, cursor = api_as(user), [], None
        while True:
            page = api.get("/api/v1/surveys/responses",
                           {"limit": 7, **params, **({"cursor": cursor} if cursor else {})})
            assert page.status_code == 200, page.content
            ids += [r["id"] for r in page.json()["items"]]
            cursor = page.json()["next"]
            if cursor is None:
                return ids

    everything = all_ids(company.admin)
    assert len(everything) == len(set(everything)) == 70
    east = set(all_ids(company.supervisor_east))
    assert east == set(Response.objects.filter(branch=company.east).values_list("pk", flat=True))
    agent = set(all_ids(company.agent_west))
    assert agent == set(Response.objects.filter(agent=company.agent_west)
                        .values_list("pk", flat=True))
    assert len(all_ids(company.admin, instrument="servqual")) == 10
    assert all_ids(company.admin, instrument="nope") == []
    # anonymous responses name nobody, even to an administrator
    anonymous = api_as(company.admin).get("/api/v1/surveys/responses",
                                          {"instrument": "servqual", "limit": 1}).json()
    item = anonymous["items"][0]
    assert item["anonymous"] and item["customer"] is None and item["ticket_id"] is None
    detail = api_as(company.admin).get(f"/api/v1/surveys/responses/{item['id']}").json()
    assert detail["answers"][0] == {"question": "tan1", "kind": "servqual",
                                    "dimension": "tangibles",
                                    "answer": {"expectation": 5, "perception": 5}}
    assert detail["answers"][-1]["answer"]["reliability"] == 30
    # another branch's response: 404
    west = Response.objects.filter(branch=company.west).first()
    assert api_as(company.supervisor_east).get(
        f"/api/v1/surveys/responses/{west.pk}").status_code == 404
    bad = api_as(company.admin).get("/api/v1/surveys/responses", {"cursor": "%%%"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_cursor"


def test_invitations_are_scoped(company, answered, api_as):
    east = api_as(company.supervisor_east).get("/api/v1/surveys/invitations",
                                               {"limit": 100}).json()["items"]
    assert {i["id"] for i in east} == set(Invitation.objects.filter(branch=company.east)
                                          .values_list("pk", flat=True))
    assert api_as(company.agent_east).get("/api/v1/surveys/invitations").json()["items"] == []


def test_the_waves_list_costs_the_same_queries_for_5_and_25_rows(company, shipped, api_as):
    from kefu.surveys.services.waves import wave_create

    for i in range(30):
        wave_create(actor=company.supervisor_east if i % 2 else company.admin,
                    version=published(shipped["nps"]), name=f"NPS {i}")
    api = api_as(company.admin)
    assert _queries(api, "/api/v1/surveys/waves", 5) == _queries(api, "/api/v1/surveys/waves", 25)
