"""Sessions, CSRF and session users serve the browser pages only: the console still
refuses a forged form post, and the API neither needs nor hands out session cookies."""

from django.test import Client

from kefu.tickets.models import Message


def test_console_form_post_without_csrf_token_is_refused(company, make_ticket):
    # given an agent signed in to the console with a client that enforces CSRF
    ticket = make_ticket(company.agent_east, company.alice)
    client = Client(enforce_csrf_checks=True)
    client.force_login(company.agent_east)
    # when a form is posted without the CSRF token (a forged cross-site post)
    response = client.post(f"/tickets/{ticket.pk}/reply/", {"body": "forged", "internal": "0"})
    # then it is refused and nothing is written
    assert response.status_code == 403
    assert not Message.objects.filter(ticket=ticket, body="forged").exists()


def test_console_form_post_with_csrf_token_is_accepted(company, make_ticket):
    ticket = make_ticket(company.agent_east, company.alice)
    client = Client(enforce_csrf_checks=True)
    client.force_login(company.agent_east)
    page = client.get(f"/tickets/{ticket.pk}/")
    token = page.context["csrf_token"]
    response = client.post(f"/tickets/{ticket.pk}/reply/",
                           {"body": "genuine", "internal": "0", "csrfmiddlewaretoken": str(token)})
    assert response.status_code in (200, 302)
    assert Message.objects.filter(ticket=ticket, body="genuine").exists()


def test_api_post_needs_no_csrf_token_and_sets_no_session_cookie(company, api_as):
    # given a bearer-token client whose Django client enforces CSRF
    api = api_as(company.agent_east)
    api.client = Client(enforce_csrf_checks=True)
    # when it creates a ticket
    response = api.post("/api/v1/tickets", {"subject": "电话咨询", "customer_id": company.alice.pk})
    # then it works and no browser session or CSRF cookie is handed out
    assert response.status_code == 201, response.content
    assert "sessionid" not in response.cookies
    assert "csrftoken" not in response.cookies


def test_a_session_cookie_does_not_authenticate_the_api(company):
    # given a signed-in console user (a session cookie) but no bearer token
    client = Client()
    client.force_login(company.agent_east)
    # then the API does not accept the session: only bearer tokens open it
    assert client.get("/api/v1/tickets").status_code == 401
    assert client.get("/inbox/").status_code == 200


def test_html_pages_load_images_only_from_us(client, db):
    # the sign-in page is HTML: remote images are refused by policy; the API is left alone
    page = client.get("/login/")
    assert page["Content-Security-Policy"] == "img-src 'self' data: blob:"
    assert "Content-Security-Policy" not in client.get("/api/v1/openapi.json")
