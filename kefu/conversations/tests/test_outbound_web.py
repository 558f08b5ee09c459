"""The delivery state where people see it: the API (a ticket's e-mail, requeue) and the
ticket-page panel with the admin's "send again"."""

import pytest
from django.test import RequestFactory
from django.urls import NoReverseMatch, include, path, reverse
from ninja import NinjaAPI

import kefu.urls
from kefu.api import errors
from kefu.api.app import UnicodeJSONRenderer, api
from kefu.api.auth import BearerToken
from kefu.conversations import api_email, views
from kefu.conversations.models import OutboundEmail
from kefu.conversations.outbound import queue_reply_email
from kefu.core.testing.console import signed_in
from kefu.tickets import services


def _urlpatterns():
    """kefu's URLs, plus this feature's where they are not mounted yet."""
    extra = []
    if not any(router is api_email.router for _prefix, router in api._routers):
        test_api = NinjaAPI(renderer=UnicodeJSONRenderer(), auth=BearerToken(),
                            urls_namespace="email-test-api")
        errors.install(test_api)
        test_api.add_router("", api_email.router)
        extra.append(path("api/v1/", test_api.urls))
    try:
        reverse("conversations:email_requeue", args=[1])
    except NoReverseMatch:
        extra.append(path("", include((views.urlpatterns, "conversations"))))
    return [*extra, *kefu.urls.urlpatterns]


urlpatterns = _urlpatterns()
pytestmark = pytest.mark.urls(__name__)


@pytest.fixture
def emailed(company, make_ticket):
    """An east-branch ticket with one reply e-mailed to Alice, now failed."""
    company.alice.consent_email = True
    company.alice.save()
    ticket = make_ticket(company.agent_east, company.alice, subject="退款没到账", channel="phone")
    message = services.ticket_reply(ticket=ticket, actor=company.agent_east, body="已加急处理。")
    row = queue_reply_email(message)
    OutboundEmail.objects.filter(pk=row.pk).update(state="failed", attempts=5,
                                                   last_error="451 try again later")
    row.refresh_from_db()
    return ticket, row


def test_staff_list_a_tickets_emails_with_their_state(company, api_as, emailed,
                                                      django_assert_max_num_queries):
    ticket, row = emailed
    client = api_as(company.agent_east)
    with django_assert_max_num_queries(8):
        response = client.get(f"/api/v1/tickets/{ticket.pk}/emails")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["next"] is None and len(body["items"]) == 1
    item = body["items"][0]
    assert (item["id"], item["kind"], item["state"], item["attempts"]) == (row.pk, "reply",
                                                                          "failed", 5)
    assert item["message_id"] == row.message_id and item["to_address"] == "alice@example.com"
    assert item["last_error"] == "451 try again later" and item["can_requeue"] is False
    # an admin is offered the requeue
    assert api_as(company.admin).get(
        f"/api/v1/tickets/{ticket.pk}/emails").json()["items"][0]["can_requeue"] is True


def test_the_list_is_404_for_tickets_the_caller_cannot_see(company, api_as, emailed):
    ticket, _row = emailed
    assert api_as(company.agent_west).get(f"/api/v1/tickets/{ticket.pk}/emails").status_code == 404
    assert api_as(company.other_customer_user).get(
        f"/api/v1/tickets/{ticket.pk}/emails").status_code == 404
    # the ticket's own customer sees the ticket, not the delivery log
    assert api_as(company.customer_user).get(
        f"/api/v1/tickets/{ticket.pk}/emails").status_code == 403
    assert api_as(None).get(f"/api/v1/tickets/{ticket.pk}/emails").status_code == 401


def test_requeue_is_for_admins(company, api_as, emailed):
    _ticket, row = emailed
    # staff who see the ticket but are not admins: 403, nothing changes
    for user in (company.agent_east, company.supervisor_east, company.auditor):
        response = api_as(user).post(f"/api/v1/emails/{row.pk}/requeue")
        assert response.status_code == 403, (user.role, response.content)
        assert response.json()["code"] == "forbidden"
    # staff who cannot see the ticket, and customers: 404
    assert api_as(company.agent_west).post(f"/api/v1/emails/{row.pk}/requeue").status_code == 404
    assert api_as(company.customer_user).post(f"/api/v1/emails/{row.pk}/requeue").status_code == 404
    assert api_as(company.admin).post("/api/v1/emails/999999/requeue").status_code == 404
    row.refresh_from_db()
    assert row.state == "failed"
    # the admin requeues it; a second requeue is a conflict
    response = api_as(company.admin).post(f"/api/v1/emails/{row.pk}/requeue")
    assert response.status_code == 200 and response.json()["state"] == "queued"
    again = api_as(company.admin).post(f"/api/v1/emails/{row.pk}/requeue")
    assert again.status_code == 409 and again.json()["code"] == "email_not_requeueable"


def _panel_html(user, ticket):
    from django.template.loader import render_to_string

    request = RequestFactory().get("/")
    request.user = user
    found = views.panel(request, ticket)
    if found is None:
        return None
    template, context = found
    return render_to_string(template, {"panel": context, "ticket": ticket}, request=request)


def test_the_panel_shows_states_and_offers_admins_a_resend(company, emailed, make_ticket):
    ticket, row = emailed
    html = _panel_html(company.agent_east, ticket)
    assert f'id="email-{row.pk}"' in html and 'data-state="failed"' in html
    assert "451 try again later" in html and "email-requeue-form" not in html
    admin_html = _panel_html(company.admin, ticket)
    assert f'action="/emails/{row.pk}/requeue/"' in admin_html
    # a ticket with no e-mail that did not come by e-mail: no panel
    quiet = make_ticket(company.agent_east, company.bob, channel="phone")
    assert _panel_html(company.agent_east, quiet) is None
    assert _panel_html(company.customer_user, ticket) is None


def test_the_resend_button_requeues_and_goes_back_to_the_ticket(company, emailed):
    ticket, row = emailed
    response = signed_in(company.agent_east).post(f"/emails/{row.pk}/requeue/")
    assert response.status_code == 403
    response = signed_in(company.agent_west).post(f"/emails/{row.pk}/requeue/")
    assert response.status_code == 404
    row.refresh_from_db()
    assert row.state == "failed"
    response = signed_in(company.admin).post(f"/emails/{row.pk}/requeue/")
    assert response.status_code == 302 and response["Location"] == f"/tickets/{ticket.pk}/"
    row.refresh_from_db()
    assert row.state == "queued"
