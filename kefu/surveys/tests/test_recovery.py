"""Closed loop: a low CSAT opens a complaint owned by the surveyed ticket's agent; an NPS
detractor or a large SERVQUAL gap from a wave one in the customer's branch team; once per
response, in the response's transaction; shown on the response (API) and on both tickets'
timelines and panels; thresholds edited by administrators only, bad values refused."""

from __future__ import annotations

import pytest
from django.utils import translation

from kefu.core.errors import ApplicationError, PermissionDenied
from kefu.core.testing.console import signed_in, ticket_page
from kefu.surveys.instruments_data import SERVQUAL_ITEMS
from kefu.surveys.models import RecoveryLink, RecoveryPolicy, Response, SurveyEvent
from kefu.surveys.services import recovery
from kefu.surveys.services.responses import response_submit
from kefu.tickets.models import Ticket, TicketEvent
from kefu.workflow.defaults import ensure_defaults as workflow_defaults
from kefu.workflow.models import Calendar, SlaPolicy
from kefu.workflow.services.sla import policy_for


@pytest.fixture
def recovery_sla(db):
    """An SLA policy of its own for recovery tickets: complaint × high."""
    workflow_defaults()
    return SlaPolicy.objects.create(name="满意度回访", name_en="Survey recovery", order=5,
                                    type="complaint", priority="high",
                                    calendar=Calendar.objects.get(code="standard"),
                                    first_response_minutes=60, resolution_minutes=480)


@pytest.fixture
def csat_answered(company, shipped, invite_to, make_ticket):
    """Answer alice's CSAT about a ticket agent_east handled (a new ticket each time after
    the first); returns (the first ticket, answer)."""
    first = make_ticket(company.agent_east, company.alice, subject="冰箱不制冷")
    used = []

    def answer(rating, comment=""):
        ticket = make_ticket(company.agent_east, company.alice) if used else first
        used.append(ticket)
        _invitation, token = invite_to(shipped["csat"], customer=company.alice, ticket=ticket,
                                       branch_id=company.east.pk, team_id=company.east_team.pk,
                                       agent_id=company.agent_east.pk)
        answers = {"rating": rating, **({"comment": comment} if comment else {})}
        return response_submit(token=token, answers=answers, language="en")
    return first, answer


def test_a_low_csat_opens_a_complaint_owned_by_the_agent_of_the_surveyed_ticket(
        company, recovery_sla, csat_answered):
    surveyed, answer = csat_answered
    # when alice rates the service 2 of 5 and says why
    response = answer(2, comment="师傅迟到了两个小时")
    # then one recovery ticket is linked to the response
    link = RecoveryLink.objects.get(response=response)
    ticket = link.ticket
    assert (link.reason, link.score, link.threshold) == ("low_csat", 2.0, 2.0)
    # a complaint of alice's, owned by agent_east in the surveyed ticket's team, open
    assert (ticket.type, ticket.customer, ticket.owner, ticket.assignee, ticket.team,
            ticket.status, ticket.priority, ticket.channel) == (
        "complaint", company.alice, company.agent_east, company.agent_east, company.east_team,
        "open", "high", "api")
    # written in the respondent's language, with the customer's words
    assert ticket.subject == (f"Follow up a low satisfaction rating (2) on ticket "
                              f"#{surveyed.pk}")
    assert "师傅迟到了两个小时" in ticket.description
    # the customer reads no internals; staff get them in an internal note
    assert "policy" not in ticket.description and "apologise" not in ticket.description
    note = ticket.messages.get()  # the only message
    assert note.visibility == "internal" and f"#{response.pk}" in note.body
    # its own SLA: the complaint × high policy's due times
    assert policy_for(ticket, company.alice.tier_id).policy_id == recovery_sla.pk
    assert ticket.first_response_due is not None and ticket.resolution_due is not None
    # both timelines say what happened
    kinds = list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert kinds == ["created", "survey_recovery"]
    opened = TicketEvent.objects.get(ticket=surveyed, kind="survey_recovery_opened")
    assert opened.data["ticket"] == ticket.pk and opened.data["response"] == response.pk


def test_a_satisfied_customer_opens_nothing(company, recovery_sla, csat_answered):
    _surveyed, answer = csat_answered
    answer(3)
    answer(5)
    assert not Ticket.objects.filter(type="complaint").exists()
    assert not RecoveryLink.objects.exists()


def test_an_nps_detractor_from_a_wave_goes_to_the_branch_team_unowned(company, shipped,
                                                                      invite_to):
    # given alice (east branch) invited by a wave, no ticket behind it
    _invitation, token = invite_to(shipped["nps"], customer=company.alice,
                                   branch_id=company.east.pk)
    # when she answers 6 of 10
    response = response_submit(token=token, answers={"score": 6, "why": "太慢"})
    # then the east desk gets an unowned complaint (the first to take it owns it)
    ticket = response.recovery.ticket
    assert (ticket.team, ticket.owner, ticket.status, ticket.branch) == (
        company.east_team, None, "new", company.east)
    assert "NPS" in ticket.subject and "6" in ticket.subject


def test_a_large_servqual_gap_opens_a_ticket_naming_the_weakest_dimension(company, shipped,
                                                                          invite_to):
    # given answers meeting expectations everywhere but in responsiveness: E 7, P 4 (gap −3)
    answers = {code: {"expectation": 6, "perception": 6} for code, *_rest in SERVQUAL_ITEMS}
    for code, dimension, *_rest in SERVQUAL_ITEMS:
        if dimension == "responsiveness":
            answers[code] = {"expectation": 7, "perception": 4}
    answers["weights"] = {"tangibles": 20, "reliability": 20, "responsiveness": 20,
                          "assurance": 20, "empathy": 20}
    _invitation, token = invite_to(shipped["servqual"], customer=company.bob,
                                   branch_id=company.west.pk)
    # when bob answers
    response = response_submit(token=token, answers=answers, language="en")
    # then a ticket opens for the west desk about responsiveness, gap −3
    link = response.recovery
    assert (link.reason, link.dimension, link.score) == ("servqual_gap", "responsiveness", -3.0)
    assert link.ticket.team == company.west_team and link.ticket.owner is None
    assert "Responsiveness -3.00" in link.ticket.subject


def test_an_anonymous_answer_never_opens_a_ticket(company, shipped, invite_to, sq_answers):
    _invitation, token = invite_to(shipped["servqual"], customer=company.bob)
    response_submit(token=token, answers=sq_answers(value=1) | {
        code: {"expectation": 7, "perception": 1} for code, *_r in SERVQUAL_ITEMS},
        anonymous=True)
    assert not RecoveryLink.objects.exists()
    assert not Ticket.objects.filter(type="complaint").exists()


def test_it_is_once_per_response(company, recovery_sla, csat_answered, shipped):
    _surveyed, answer = csat_answered
    response = answer(1)
    first = response.recovery
    # when the hook runs again for the same response (a retried job, a second call)
    from kefu.surveys.services.responses import version_questions
    specs = [q.spec() for q in version_questions(response.version_id)]
    from kefu.surveys.rules import CleanAnswer
    again = recovery.recovery_open(response, instrument=shipped["csat"], specs=specs,
                                   answers=[CleanAnswer(specs[0].id, 0, value=1)])
    # then it returns the same link and opens nothing more
    assert again.pk == first.pk
    assert RecoveryLink.objects.count() == 1 and Ticket.objects.filter(type="complaint").count() == 1


def test_a_failure_while_opening_the_ticket_stores_nothing(company, recovery_sla,
                                                           csat_answered, monkeypatch):
    # given the ticket insert fails inside the response's transaction
    _surveyed, answer = csat_answered

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")
    monkeypatch.setattr(recovery, "sla_on_create", broken)
    before = (Response.objects.count(), Ticket.objects.count())
    with pytest.raises(RuntimeError):
        answer(1)
    # then neither the response nor a ticket is stored (one transaction)
    assert (Response.objects.count(), Ticket.objects.count()) == before


def test_an_administrator_edits_the_thresholds_and_they_apply(company, recovery_sla,
                                                              csat_answered):
    _surveyed, answer = csat_answered
    policy = recovery.current_policy()
    policy.csat_at_most = 3
    recovery.recovery_policy_save(actor=company.admin, policy=policy)
    assert SurveyEvent.objects.filter(kind="recovery_policy_changed").count() == 1
    response = answer(3)
    assert response.recovery.ticket.type == "complaint"
    # switched off: nothing opens
    policy.active = False
    recovery.recovery_policy_save(actor=company.admin, policy=policy)
    response = answer(1)
    assert not RecoveryLink.objects.filter(response=response).exists()


@pytest.mark.parametrize("field, value, code", [
    ("csat_at_most", 0, "invalid_csat_at_most"), ("nps_at_most", 11, "invalid_nps_at_most"),
    ("gap_at_most", 1.0, "invalid_gap_at_most"), ("gap_at_most", -9.0, "invalid_gap_at_most"),
    ("priority", "low", "invalid_priority")])
def test_bad_thresholds_are_refused_and_nothing_changes(company, field, value, code):
    policy = recovery.current_policy()
    setattr(policy, field, value)
    with pytest.raises(ApplicationError) as caught:
        recovery.recovery_policy_save(actor=company.admin, policy=policy)
    assert caught.value.code == code and caught.value.details["field"] == field
    stored = RecoveryPolicy.objects.get(pk=1)
    assert (stored.csat_at_most, stored.nps_at_most, stored.gap_at_most, stored.priority) == (
        2, 6, -1.5, "high")


@pytest.mark.parametrize("who", ["supervisor_east", "agent_east", "auditor"])
def test_only_administrators_change_the_policy(company, who):
    policy = recovery.current_policy()
    policy.csat_at_most = 4
    with pytest.raises(PermissionDenied):
        recovery.recovery_policy_save(actor=getattr(company, who), policy=policy)
    assert RecoveryPolicy.objects.get(pk=1).csat_at_most == 2


def test_the_admin_screen_edits_the_policy_and_refuses_a_bad_gap(client, company):
    client.force_login(company.admin)
    recovery.current_policy()
    url = "/admin/surveys/recoverypolicy/1/change/"
    assert client.get(url).status_code == 200
    bad = client.post(url, {"active": "on", "csat_at_most": "2", "nps_at_most": "6",
                            "gap_at_most": "2", "priority": "high"})
    assert bad.status_code == 200 and "−6" in bad.content.decode()
    assert RecoveryPolicy.objects.get(pk=1).gap_at_most == -1.5
    good = client.post(url, {"active": "on", "csat_at_most": "1", "nps_at_most": "5",
                             "gap_at_most": "-2", "priority": "urgent"})
    assert good.status_code == 302
    stored = RecoveryPolicy.objects.get(pk=1)
    assert (stored.csat_at_most, stored.nps_at_most, stored.gap_at_most, stored.priority,
            stored.updated_by) == (1, 5, -2.0, "urgent", company.admin)
    assert client.get("/admin/surveys/recoverylink/").status_code == 200


def test_the_response_shows_its_recovery_ticket_in_the_api(company, recovery_sla,
                                                           csat_answered, api_as):
    _surveyed, answer = csat_answered
    low = answer(1)
    high = answer(5)
    api = api_as(company.admin)
    body = api.get(f"/api/v1/surveys/responses/{low.pk}").json()
    assert body["recovery_ticket_id"] == low.recovery.ticket_id
    items = {r["id"]: r for r in api.get("/api/v1/surveys/responses").json()["items"]}
    assert items[low.pk]["recovery_ticket_id"] == low.recovery.ticket_id
    assert items[high.pk]["recovery_ticket_id"] is None


def test_both_ticket_pages_show_the_link_in_both_languages(company, recovery_sla,
                                                           csat_answered):
    surveyed, answer = csat_answered
    response = answer(2)
    ticket = response.recovery.ticket
    client = signed_in(company.agent_east, "en")
    page = ticket_page(client, ticket.pk).content.decode()
    assert f"Opened by survey response #{response.pk}" in page
    assert f"opened from survey response #{response.pk}" in page  # the timeline
    page = ticket_page(client, surveyed.pk).content.decode()
    assert f"opened recovery ticket <a href=\"/tickets/{ticket.pk}/\">#{ticket.pk}</a>" in page
    zh = signed_in(company.supervisor_east, "zh-hans")
    with translation.override("zh-hans"):
        assert ticket_page(zh, ticket.pk).status_code == 200


def test_an_agent_of_another_branch_sees_neither_ticket(company, recovery_sla, csat_answered):
    _surveyed, answer = csat_answered
    ticket = answer(1).recovery.ticket
    client = signed_in(company.agent_west, "en")
    assert client.get(f"/tickets/{ticket.pk}/").status_code == 404
    assert client.get(f"/tickets/{ticket.pk}/panels/survey/").status_code == 404


def test_with_the_policy_cached_an_edit_applies_at_once(company, recovery_sla, csat_answered,
                                                        settings, django_assert_num_queries):
    # given the per-process cache switched on and warm
    settings.REFERENCE_CACHE_SECONDS = 60
    recovery.POLICY.clear()
    _surveyed, answer = csat_answered
    assert not RecoveryLink.objects.filter(response=answer(3)).exists()
    recovery.cached_policy()  # the first answer created the row, which cleared the cache
    with django_assert_num_queries(0):
        assert recovery.cached_policy().csat_at_most == 2
    # when an administrator raises the threshold to 3
    policy = recovery.current_policy()
    policy.csat_at_most = 3
    recovery.recovery_policy_save(actor=company.admin, policy=policy)
    # then the next 3 opens a ticket (the save cleared the cache)
    assert RecoveryLink.objects.filter(response=answer(3)).exists()
    recovery.POLICY.clear()


def test_the_customer_sees_the_follow_up_in_the_portal_without_the_internal_note(
        company, recovery_sla, csat_answered):
    _surveyed, answer = csat_answered
    ticket = answer(1, comment="太慢了").recovery.ticket
    client = signed_in(company.customer_user, "en")
    html = client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert "We are following up the survey you answered" in html and "太慢了" in html
    assert "the policy opens a ticket" not in html and "apologise where due" not in html
