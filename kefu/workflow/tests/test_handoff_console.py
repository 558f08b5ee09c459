"""The hand-off panel, queue and forms in the agent console."""

import pytest

from kefu.core.testing.console import signed_in, ticket_page
from kefu.tickets.models import TicketEvent
from kefu.workflow.models import Handoff
from kefu.workflow.services.handoff import handoff_request


@pytest.fixture
def ticket(company, make_ticket):
    return make_ticket(company.agent_east, company.alice, subject="发票开错了")


@pytest.mark.parametrize("language, words", [("zh-hans", "转后台"), ("en", "Hand-off")])
def test_the_panel_offers_a_hand_off_in_both_languages(company, ticket, language, words):
    page = ticket_page(signed_in(company.agent_east, language), ticket.pk)
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="handoff-panel"' in html and 'id="handoff-request-form"' in html and words in html


def test_requesting_through_the_form_then_the_panel_shows_it_waiting(company, ticket):
    # given the owner on the ticket page / when they post the hand-off form
    client = signed_in(company.agent_east)
    response = client.post(f"/tickets/{ticket.pk}/handoffs/",
                           {"to_team": company.hq_team.pk, "note": "请财务重开发票"})
    # then back to the ticket, the request is open and the panel shows it (no new form)
    assert response.status_code == 302 and response["Location"] == f"/tickets/{ticket.pk}/"
    handoff = Handoff.objects.get(ticket=ticket)
    assert (handoff.status, handoff.to_team, handoff.note) == ("open", company.hq_team, "请财务重开发票")
    html = ticket_page(client, ticket.pk).content.decode()
    assert 'id="handoff-open"' in html and 'id="handoff-request-form"' not in html
    assert 'id="handoff-cancel-form"' in html and 'id="handoff-accept-form"' not in html
    # and the timeline tells it
    assert "请财务重开发票" in html


def test_a_refused_request_comes_back_as_a_message_and_writes_nothing(company, ticket):
    client = signed_in(company.agent_east)
    response = client.post(f"/tickets/{ticket.pk}/handoffs/",
                           {"to_team": company.hq_team.pk, "note": ""}, follow=True)
    assert response.status_code == 200 and not Handoff.objects.exists()
    assert b'class="error"' in response.content


def test_the_receiving_team_accepts_from_its_queue(company, ticket):
    # given an open hand-off to hq
    handoff = handoff_request(ticket=ticket, actor=company.agent_east, to_team=company.hq_team,
                              note="请总部处理")
    client = signed_in(company.agent_hq)
    # when the hq agent opens the queue / then the request is there with the decision forms
    queue = client.get("/handoffs/").content.decode()
    assert f'id="handoff-{handoff.pk}"' in queue and "发票开错了" in queue
    assert f"/handoffs/{handoff.pk}/accept/" in queue
    # when they accept / then they land on the ticket, now theirs to work; the owner unchanged
    response = client.post(f"/handoffs/{handoff.pk}/accept/")
    assert response.status_code == 302 and response["Location"] == f"/tickets/{ticket.pk}/"
    ticket.refresh_from_db()
    assert (ticket.team, ticket.assignee, ticket.owner) == (
        company.hq_team, company.agent_hq, company.agent_east)
    assert ticket_page(client, ticket.pk).status_code == 200


def test_rejecting_from_the_queue_returns_to_the_queue(company, ticket):
    handoff = handoff_request(ticket=ticket, actor=company.agent_east, to_team=company.hq_team,
                              note="x")
    client = signed_in(company.agent_hq)
    response = client.post(f"/handoffs/{handoff.pk}/reject/",
                           {"reason": "不是我们的业务", "next": "/handoffs/"})
    assert response.status_code == 302 and response["Location"] == "/handoffs/"
    assert Handoff.objects.get(pk=handoff.pk).status == "rejected"
    assert TicketEvent.objects.filter(kind="handoff_rejected").count() == 1


def test_outsiders_get_404_and_the_queue_shows_only_their_teams(company, ticket):
    handoff = handoff_request(ticket=ticket, actor=company.agent_east, to_team=company.hq_team,
                              note="x")
    west = signed_in(company.agent_west)
    assert west.post(f"/handoffs/{handoff.pk}/accept/").status_code == 404
    assert west.post(f"/tickets/{ticket.pk}/handoffs/",
                     {"to_team": company.hq_team.pk, "note": "x"}).status_code == 404
    assert f'id="handoff-{handoff.pk}"' not in west.get("/handoffs/").content.decode()
    assert Handoff.objects.get(pk=handoff.pk).status == "open"


def test_the_owner_sees_their_open_requests_on_the_queue_page(company, ticket):
    handoff_request(ticket=ticket, actor=company.agent_east, to_team=company.hq_team, note="x")
    html = signed_in(company.agent_east, "en").get("/handoffs/").content.decode()
    assert 'id="handoff-mine"' in html and f"/tickets/{ticket.pk}/" in html
    assert 'id="nav-handoffs"' in html


def test_auditors_see_the_panel_without_forms(company, ticket):
    handoff_request(ticket=ticket, actor=company.agent_east, to_team=company.hq_team, note="x")
    html = ticket_page(signed_in(company.auditor), ticket.pk).content.decode()
    assert 'id="handoff-open"' in html
    for form in ("handoff-request-form", "handoff-accept-form", "handoff-reject-form",
                 "handoff-cancel-form"):
        assert f'id="{form}"' not in html
