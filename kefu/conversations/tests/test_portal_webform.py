"""The embeddable web form: no sign-in, framing allowed, a cross-site POST works without a
CSRF token; a honeypot and a rate limit per client address; bad input writes nothing."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from kefu.customers.models import ContactPoint, Customer, CustomerEvent
from kefu.tickets.models import Ticket

pytestmark = pytest.mark.django_db

GOOD = {"name": "Wang Wei", "email": "wang.wei@example.com", "phone": "", "type": "inquiry",
        "subject": "How do I change my delivery slot?", "description": "Tuesday would suit me."}


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def cross_site() -> Client:
    """A browser posting from another site: it has none of our cookies, so no CSRF token."""
    return Client(enforce_csrf_checks=True)


def counts():
    return Ticket.objects.count(), Customer.objects.count(), CustomerEvent.objects.count()


def test_the_form_may_be_framed_the_portal_may_not(company):
    client = Client()
    form = client.get("/portal/form/")
    assert form.status_code == 200 and "X-Frame-Options" not in form
    assert 'name="website"' in form.content.decode()  # the honeypot is there
    assert "X-Frame-Options" not in client.get("/portal/form/thanks/")
    assert client.get("/portal/login/")["X-Frame-Options"] == "DENY"
    signed = Client()
    signed.force_login(company.customer_user)
    assert signed.get("/portal/tickets/")["X-Frame-Options"] == "DENY"


def test_a_cross_site_post_files_a_ticket_for_a_new_customer(company):
    response = cross_site().post("/portal/form/", {**GOOD, "lang": "en"})
    assert response.status_code == 302 and response["Location"] == "/portal/form/thanks/?lang=en"
    ticket = Ticket.objects.get(subject=GOOD["subject"])
    customer = ticket.customer
    assert ticket.channel == "web" and ticket.status == "new" and ticket.owner_id is None
    assert ticket.description == GOOD["description"] and ticket.created_by_id is None
    assert customer.email == "wang.wei@example.com" and customer.name == "Wang Wei"
    assert customer.user_id is None and customer.language == "en"
    assert customer.tier == company.regular  # the most ordinary tier: highest rank number
    assert not (customer.consent_email or customer.consent_marketing)
    thanks = Client().get(response["Location"])
    assert thanks.status_code == 200 and '<html lang="en">' in thanks.content.decode()


def test_an_existing_customer_is_found_by_address_and_never_changed(company):
    cross_site().post("/portal/form/", {**GOOD, "email": "ALICE@example.com",
                                        "name": "Somebody Else", "phone": "+86 139 0000 0000"})
    ticket = Ticket.objects.get(subject=GOOD["subject"])
    assert ticket.customer == company.alice
    company.alice.refresh_from_db()
    assert company.alice.name == "爱丽丝" and company.alice.phone == ""
    note = CustomerEvent.objects.get(customer=company.alice, kind="web_form_contact")
    assert note.data == {"name": "Somebody Else", "phone": "+86 139 0000 0000",
                         "ticket": ticket.pk}


def test_an_email_contact_point_finds_the_customer_too(company):
    ContactPoint.objects.create(customer=company.bob, kind="email", value="Bob@Work.example")
    cross_site().post("/portal/form/", {**GOOD, "email": "bob@work.example", "name": "鲍勃"})
    assert Ticket.objects.get(subject=GOOD["subject"]).customer == company.bob


def test_a_filled_honeypot_pretends_success_and_writes_nothing(company):
    before = counts()
    response = cross_site().post("/portal/form/", {**GOOD, "website": "http://spam.example"})
    assert response.status_code == 302 and response["Location"].startswith("/portal/form/thanks/")
    assert counts() == before


def test_the_rate_limit_is_per_client_address(company, settings):
    settings.WEB_FORM_LIMIT_PER_HOUR = 2
    client = cross_site()
    for i in range(2):
        ok = client.post("/portal/form/", {**GOOD, "subject": f"request {i}"},
                         REMOTE_ADDR="203.0.113.7")
        assert ok.status_code == 302
    before = counts()
    limited = client.post("/portal/form/", {**GOOD, "subject": "one too many"},
                          REMOTE_ADDR="203.0.113.7")
    assert limited.status_code == 429 and limited["Retry-After"] == "3600"
    assert "X-Frame-Options" not in limited  # the refusal shows inside the frame too
    assert counts() == before
    other = client.post("/portal/form/", {**GOOD, "subject": "from elsewhere"},
                        REMOTE_ADDR="198.51.100.9")
    assert other.status_code == 302


def test_bots_filling_the_honeypot_count_against_the_limit(company, settings):
    settings.WEB_FORM_LIMIT_PER_HOUR = 1
    client = cross_site()
    client.post("/portal/form/", {**GOOD, "website": "x"})
    assert client.post("/portal/form/", GOOD).status_code == 429


@pytest.mark.parametrize("change", [
    {"email": "not-an-address"},
    {"email": ""},
    {"email": "a" * 250 + "@example.com"},
    {"name": ""},
    {"name": "名" * 121},
    {"subject": ""},
    {"subject": "s" * 301},
    {"description": "d" * 20_001},
    {"phone": "call me"},
    {"phone": "1" * 41},
    {"type": "internal"},
    {"subject": "nul\x00byte"},
])
def test_bad_input_is_a_form_error_and_writes_nothing(company, change):
    before = counts()
    response = cross_site().post("/portal/form/", {**GOOD, **change})
    assert response.status_code == 400
    assert 'class="error-text"' in response.content.decode()
    assert counts() == before


def test_the_form_speaks_both_languages(company):
    client = Client()
    english = client.get("/portal/form/?lang=en").content.decode()
    assert '<html lang="en">' in english and 'name="lang" value="en"' in english
    chinese = client.get("/portal/form/?lang=zh-hans").content.decode()
    assert '<html lang="zh-hans">' in chinese and "主题" in chinese  # "Subject"
    errors = cross_site().post("/portal/form/", {**GOOD, "subject": "", "lang": "en"})
    assert '<html lang="en">' in errors.content.decode()
    assert client.get("/portal/form/?lang=xx").status_code == 200


def test_portal_pages_still_require_csrf(company, make_ticket):
    ticket = make_ticket(company.agent_east, company.alice)
    client = Client(enforce_csrf_checks=True)
    client.force_login(company.customer_user)
    assert client.post(f"/portal/tickets/{ticket.pk}/reply/", {"body": "hi"}).status_code == 403
    assert Client(enforce_csrf_checks=True).post(
        "/portal/signup/", {"email": "x@example.com"}).status_code == 403
