"""The portal's ticket pages: filing with attachments, answering, confirming or reopening,
the profile and consents, both languages."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kefu.accounts.models import LoginFailure
from kefu.customers.models import CustomerEvent
from kefu.tickets import services as tickets
from kefu.tickets.models import Attachment, Message, Ticket

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def signed_in(user, **cookies) -> Client:
    client = Client()
    client.force_login(user)
    for name, value in cookies.items():
        client.cookies[name] = value
    return client


def png(name="photo.png"):
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def resolved(ticket, agent):
    tickets.ticket_transition(ticket=ticket, actor=agent, status="resolved")
    ticket.refresh_from_db()
    return ticket


def test_filing_a_request_with_attachments(company):
    client = signed_in(company.customer_user)
    assert client.get("/portal/tickets/new/").status_code == 200
    response = client.post("/portal/tickets/new/", {
        "type": "complaint", "subject": "冰箱送来时是坏的", "description": "门关不上",
        "files": [png(), SimpleUploadedFile("note.txt", "收据号 123".encode(), "text/plain")]})
    assert response.status_code == 302
    ticket = Ticket.objects.get(subject="冰箱送来时是坏的")
    assert response["Location"] == f"/portal/tickets/{ticket.pk}/"
    assert ticket.customer == company.alice and ticket.channel == "portal"
    assert ticket.created_by == company.customer_user and ticket.type == "complaint"
    assert ticket.status == "new" and ticket.owner_id is None
    files = {a.filename: a for a in Attachment.objects.filter(ticket=ticket)}
    assert set(files) == {"photo.png", "note.txt"}
    assert not any(a.internal for a in files.values())
    page = client.get(response["Location"]).content.decode()
    assert "门关不上" in page and "photo.png" in page
    download = client.get(f"/portal/tickets/{ticket.pk}/attachments/{files['photo.png'].pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PNG
    assert download["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("data", [
    {"subject": "x" * 301},
    {"subject": ""},
    {"subject": "ok", "type": "internal"},
    {"subject": "ok", "description": "y" * 20_001},
    {"subject": "bad\x00byte"},
    {"subject": "ok", "files": [SimpleUploadedFile("tool.exe", b"MZ\x90\x00" + b"\x00" * 60,
                                                   "application/x-msdownload")]},
    {"subject": "ok", "files": [png(), SimpleUploadedFile("empty.txt", b"", "text/plain")]},
])
def test_bad_requests_are_form_errors_and_write_nothing(company, data):
    client = signed_in(company.customer_user)
    before = (Ticket.objects.count(), Attachment.objects.count())
    response = client.post("/portal/tickets/new/", {"type": "inquiry", "description": "", **data})
    assert response.status_code == 400
    assert (Ticket.objects.count(), Attachment.objects.count()) == before


def test_too_large_attachment_is_refused(company, settings):
    settings.MAX_ATTACHMENT_BYTES = 50
    client = signed_in(company.customer_user)
    response = client.post("/portal/tickets/new/", {"type": "inquiry", "subject": "big file",
                                                    "files": [png()]})
    assert response.status_code == 400 and not Ticket.objects.filter(subject="big file").exists()


def test_the_customer_answers_with_an_attachment(company, make_ticket):
    ticket = make_ticket(company.customer_user, company.alice, subject="发票问题")
    tickets.ticket_reply(ticket=ticket, actor=company.agent_east, body="请提供订单号")
    tickets.ticket_transition(ticket=ticket, actor=company.agent_east, status="pending_customer")
    client = signed_in(company.customer_user)
    page = client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert "请提供订单号" in page
    response = client.post(f"/portal/tickets/{ticket.pk}/reply/",
                           {"body": "订单号 A-778", "files": [png("order.png")]})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "open"  # the ball is back with us
    reply = Message.objects.get(ticket=ticket, body="订单号 A-778")
    assert reply.from_customer and reply.author == company.customer_user
    assert reply.visibility == "public" and reply.channel == "portal"
    assert Attachment.objects.get(ticket=ticket, filename="order.png").message == reply
    assert "order.png" in client.get(f"/portal/tickets/{ticket.pk}/").content.decode()


def test_an_empty_reply_or_a_reply_to_a_closed_ticket_is_refused(company, make_ticket):
    ticket = make_ticket(company.agent_east, company.alice)
    client = signed_in(company.customer_user)
    assert client.post(f"/portal/tickets/{ticket.pk}/reply/", {"body": "  "}).status_code == 400
    resolved(ticket, company.agent_east)
    tickets.ticket_transition(ticket=ticket, actor=company.agent_east, status="closed")
    page = client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert 'id="reply-form"' not in page and 'id="closed-note"' in page
    refused = client.post(f"/portal/tickets/{ticket.pk}/reply/", {"body": "还在吗"})
    assert refused.status_code == 400
    assert not Message.objects.filter(ticket=ticket, body="还在吗").exists()


def test_confirming_a_resolution_closes_the_ticket(company, make_ticket):
    ticket = resolved(make_ticket(company.agent_east, company.alice), company.agent_east)
    client = signed_in(company.customer_user)
    page = client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert 'id="resolution"' in page
    client.post(f"/portal/tickets/{ticket.pk}/confirm/")
    ticket.refresh_from_db()
    assert ticket.status == "closed" and ticket.closed_at is not None
    event = ticket.events.filter(kind="status").last()
    assert event.actor == company.customer_user and event.data["new"] == "closed"


def test_reopening_with_or_without_words(company, make_ticket):
    quiet = resolved(make_ticket(company.agent_east, company.alice), company.agent_east)
    client = signed_in(company.customer_user)
    client.post(f"/portal/tickets/{quiet.pk}/reopen/", {"reason": ""})
    quiet.refresh_from_db()
    assert quiet.status == "open" and quiet.events.filter(kind="status",
                                                          data__reopened=True).exists()
    said = resolved(make_ticket(company.agent_east, company.alice), company.agent_east)
    client.post(f"/portal/tickets/{said.pk}/reopen/", {"reason": "还是漏水"})
    said.refresh_from_db()
    assert said.status == "open"
    assert Message.objects.filter(ticket=said, body="还是漏水", from_customer=True).exists()


def test_confirm_and_reopen_only_when_resolved(company, make_ticket):
    ticket = make_ticket(company.agent_east, company.alice)
    client = signed_in(company.customer_user)
    client.post(f"/portal/tickets/{ticket.pk}/confirm/")
    client.post(f"/portal/tickets/{ticket.pk}/reopen/")
    ticket.refresh_from_db()
    assert ticket.status == "open" and not ticket.events.filter(kind="status").exists()


def test_a_complaint_records_the_customers_confirmation(company, make_ticket):
    from kefu.workflow.models import Resolution
    from kefu.workflow.services.complaint import resolution_record

    ticket = make_ticket(company.agent_east, company.alice, type="complaint")
    resolution_record(ticket=ticket, actor=company.agent_east, summary="换新冰箱")
    resolved(ticket, company.agent_east)
    client = signed_in(company.customer_user)
    client.post(f"/portal/tickets/{ticket.pk}/confirm/")
    resolution = Resolution.objects.get(ticket=ticket)
    assert resolution.confirmation == "customer" and resolution.confirmed_by == company.customer_user
    ticket.refresh_from_db()
    # without the follow-up (step 7) a complaint stays resolved: staff close it
    assert ticket.status == "resolved"


def test_ticket_list_shows_own_tickets_in_a_fixed_number_of_queries(company, make_ticket):
    make_ticket(company.customer_user, company.alice, subject="第一个")
    client = signed_in(company.customer_user)
    client.get("/portal/tickets/")  # warm the session and caches
    with CaptureQueriesContext(connection) as one:
        page = client.get("/portal/tickets/").content.decode()
    assert "第一个" in page
    for i in range(8):
        make_ticket(company.customer_user, company.alice, subject=f"更多 {i}")
    with CaptureQueriesContext(connection) as nine:
        client.get("/portal/tickets/")
    assert len(one) == len(nine)


def test_ticket_list_pages(company, make_ticket):
    for i in range(23):
        make_ticket(company.customer_user, company.alice, subject=f"请求 {i:02d}")
    client = signed_in(company.customer_user)
    first = client.get("/portal/tickets/").content.decode()
    assert first.count('class="ticket-row"') == 20 and 'id="more"' in first
    cursor = first.split('href="?cursor=')[1].split('"')[0]
    second = client.get(f"/portal/tickets/?cursor={cursor}").content.decode()
    assert second.count('class="ticket-row"') == 3
    assert client.get("/portal/tickets/?cursor=garbage").status_code == 302


# --- profile and consents -----------------------------------------------------------------

def test_profile_and_consents_are_saved_with_a_customer_event(company):
    client = signed_in(company.customer_user)
    assert client.get("/portal/profile/").status_code == 200
    response = client.post("/portal/profile/", {
        "name": "爱丽丝·王", "phone": "+86 138 0013 8000", "language": "en",
        "consent_email": "on", "consent_sms": "on", "email": "evil@example.com"})
    assert response.status_code == 302
    alice = company.alice
    alice.refresh_from_db()
    assert alice.name == "爱丽丝·王" and alice.phone == "+86 138 0013 8000"
    assert alice.language == "en" and alice.consent_email and alice.consent_sms
    assert not alice.consent_phone and not alice.consent_marketing
    assert alice.email == "alice@example.com"  # the address is not changed here
    event = CustomerEvent.objects.get(customer=alice, kind="profile_updated")
    assert event.actor == company.customer_user
    assert event.data["changes"]["consent_email"] == [False, True]
    assert set(event.data["changes"]) == {"name", "phone", "language", "consent_email",
                                          "consent_sms"}
    company.customer_user.refresh_from_db()
    assert company.customer_user.language == "en"
    # saving again without changes writes no event
    client.post("/portal/profile/", {"name": "爱丽丝·王", "phone": "+86 138 0013 8000",
                                     "language": "en", "consent_email": "on",
                                     "consent_sms": "on"})
    assert CustomerEvent.objects.filter(customer=alice, kind="profile_updated").count() == 1
    # withdrawing a consent is recorded too
    client.post("/portal/profile/", {"name": "爱丽丝·王", "phone": "+86 138 0013 8000",
                                     "language": "en", "consent_sms": "on"})
    last = CustomerEvent.objects.filter(customer=alice, kind="profile_updated").last()
    assert last.data["changes"] == {"consent_email": [True, False]}


@pytest.mark.parametrize("data", [
    {"phone": "call me maybe"},
    {"phone": "1" * 41},
    {"name": ""},
    {"name": "x" * 121},
    {"language": "de"},
])
def test_bad_profile_input_writes_nothing(company, data):
    client = signed_in(company.customer_user)
    response = client.post("/portal/profile/", {"name": "Alice", "phone": "", "language": "en",
                                                **data})
    assert response.status_code == 400
    assert not CustomerEvent.objects.filter(kind="profile_updated").exists()
    company.alice.refresh_from_db()
    assert company.alice.name == "爱丽丝"


# --- both languages -----------------------------------------------------------------------

def test_pages_in_both_languages(company):
    english = Client()
    english.cookies["kefu_lang"] = "en"
    page = english.get("/portal/login/").content.decode()
    assert '<html lang="en">' in page and "Sign in" in page
    chinese = Client(HTTP_ACCEPT_LANGUAGE="zh-CN")
    page = chinese.get("/portal/login/").content.decode()
    assert '<html lang="zh-hans">' in page and "登录" in page


def test_the_language_switch_remembers_the_choice(company):
    client = signed_in(company.customer_user)
    response = client.post("/portal/language/", {"language": "en", "next": "/portal/tickets/"})
    assert response.status_code == 302 and response["Location"] == "/portal/tickets/"
    assert response.cookies["kefu_lang"].value == "en"
    company.customer_user.refresh_from_db()
    assert company.customer_user.language == "en"
    assert '<html lang="en">' in client.get("/portal/tickets/").content.decode()
    back = client.post("/portal/language/", {"language": "zh-hans", "next": "https://evil.example/"})
    assert back["Location"] == "/portal/"
    anonymous = Client()
    switched = anonymous.post("/portal/language/", {"language": "en", "next": "/portal/login/"})
    assert switched.cookies["kefu_lang"].value == "en"
    assert not LoginFailure.objects.exists()
