"""A customer can never reach another customer's data, nor internal work about themselves:
customer A tries every portal URL of customer B's tickets and attachments (404, nothing
changes); internal tickets, internal notes and internal attachments never show."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kefu.tickets import services as tickets
from kefu.tickets.models import Attachment, Message, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def upload(name, body=b"plain text file"):
    return SimpleUploadedFile(name, body, content_type="text/plain")


@pytest.fixture
def world(company, make_ticket):
    """Alice's own ticket (with a public file, an internal note and an internal file), an
    internal ticket about Alice, and Bob's ticket (resolved, with a file)."""
    own = make_ticket(company.customer_user, company.alice, subject="爱丽丝的请求")
    own_file = tickets.attachment_add(ticket=own, actor=company.customer_user,
                                      upload=upload("alice.txt"))
    tickets.ticket_reply(ticket=own, actor=company.agent_east, body="内部备注：客户很难缠",
                         internal=True)
    note = Message.objects.get(ticket=own, visibility="internal")
    secret_file = tickets.attachment_add(ticket=own, actor=company.agent_east,
                                         upload=upload("internal.txt"), internal=True)
    # a file filed as public but hanging on an internal note: still never shown
    note_file = tickets.attachment_add(ticket=own, actor=company.agent_east,
                                       upload=upload("on-note.txt"), message=note)
    internal = make_ticket(company.agent_east, company.alice, type="internal",
                           subject="冷链记录缺失")
    internal_file = tickets.attachment_add(ticket=internal, actor=company.agent_east,
                                           upload=upload("cold-chain.txt"))
    bobs = make_ticket(company.other_customer_user, company.bob, subject="鲍勃的隐私")
    bobs_file = tickets.attachment_add(ticket=bobs, actor=company.other_customer_user,
                                       upload=upload("bob.txt"))
    tickets.ticket_transition(ticket=bobs, actor=company.agent_west, status="resolved")
    return {"own": own, "own_file": own_file, "secret_file": secret_file, "note_file": note_file,
            "internal": internal, "internal_file": internal_file, "bobs": bobs,
            "bobs_file": bobs_file}


def alice(company) -> Client:
    client = Client()
    client.force_login(company.customer_user)
    return client


def snapshot(ticket: Ticket):
    ticket.refresh_from_db()
    return (ticket.status, ticket.updated_at, Message.objects.filter(ticket=ticket).count(),
            TicketEvent.objects.filter(ticket=ticket).count(),
            Attachment.objects.filter(ticket=ticket).count())


def other_urls(ticket_id: int, attachment_id: int):
    return [
        ("get", f"/portal/tickets/{ticket_id}/", {}),
        ("post", f"/portal/tickets/{ticket_id}/reply/", {"body": "我来看看"}),
        ("post", f"/portal/tickets/{ticket_id}/reply/",
         {"body": "带文件", "files": [upload("x.txt")]}),
        ("post", f"/portal/tickets/{ticket_id}/confirm/", {}),
        ("post", f"/portal/tickets/{ticket_id}/reopen/", {"reason": ""}),
        ("post", f"/portal/tickets/{ticket_id}/reopen/", {"reason": "重开"}),
        ("get", f"/portal/tickets/{ticket_id}/attachments/{attachment_id}/", {}),
    ]


def test_another_customers_tickets_and_files_answer_404(company, world):
    client = alice(company)
    bobs, bobs_file = world["bobs"], world["bobs_file"]
    before = snapshot(bobs)
    for method, url, data in other_urls(bobs.pk, bobs_file.pk):
        response = getattr(client, method)(url, data)
        assert response.status_code == 404, (method, url, response.status_code)
        assert "鲍勃" not in response.content.decode()
    assert snapshot(bobs) == before
    # Bob's file through Alice's own ticket: still 404
    response = client.get(f"/portal/tickets/{world['own'].pk}/attachments/{bobs_file.pk}/")
    assert response.status_code == 404
    # a ticket that does not exist looks the same
    assert client.get("/portal/tickets/999999999/").status_code == 404
    assert "鲍勃的隐私" not in client.get("/portal/tickets/").content.decode()


def test_internal_tickets_about_the_customer_are_never_reachable(company, world):
    client = alice(company)
    internal = world["internal"]
    before = snapshot(internal)
    for method, url, data in other_urls(internal.pk, world["internal_file"].pk):
        assert getattr(client, method)(url, data).status_code == 404, (method, url)
    assert snapshot(internal) == before
    assert "冷链记录缺失" not in client.get("/portal/tickets/").content.decode()


def test_internal_notes_and_files_never_show_on_the_customers_own_ticket(company, world):
    client = alice(company)
    own = world["own"]
    page = client.get(f"/portal/tickets/{own.pk}/").content.decode()
    assert "alice.txt" in page
    for hidden in ("内部备注", "难缠", "internal.txt", "on-note.txt", "agent-east"):
        assert hidden not in page, hidden
    ok = client.get(f"/portal/tickets/{own.pk}/attachments/{world['own_file'].pk}/")
    assert ok.status_code == 200
    for name in ("secret_file", "note_file"):
        url = f"/portal/tickets/{own.pk}/attachments/{world[name].pk}/"
        assert client.get(url).status_code == 404, name


def test_bob_sees_only_his_own_too(company, world):
    client = Client()
    client.force_login(company.other_customer_user)
    listing = client.get("/portal/tickets/").content.decode()
    assert "鲍勃的隐私" in listing and "爱丽丝的请求" not in listing
    assert client.get(f"/portal/tickets/{world['own'].pk}/").status_code == 404
    url = f"/portal/tickets/{world['own'].pk}/attachments/{world['own_file'].pk}/"
    assert client.get(url).status_code == 404


def test_the_services_refuse_a_foreign_ticket_even_if_a_view_forgot_to_scope(company, world):
    from kefu.conversations.portal import services_tickets as services
    from kefu.core.errors import NotFound

    bobs = world["bobs"]
    user = company.customer_user
    for call in (lambda: services.portal_ticket_reply(user=user, ticket=bobs, body="hi"),
                 lambda: services.portal_resolution_confirm(user=user, ticket=bobs),
                 lambda: services.portal_ticket_reopen(user=user, ticket=bobs),
                 lambda: services.portal_ticket_reply(user=user, ticket=world["internal"],
                                                      body="hi")):
        with pytest.raises(NotFound):
            call()
    bobs.refresh_from_db()
    assert bobs.status == "resolved"


def test_staff_sessions_never_act_through_the_portal(company, world):
    agent = Client()
    agent.force_login(company.agent_east)
    before = snapshot(world["own"])
    for method, url, data in other_urls(world["own"].pk, world["own_file"].pk):
        response = getattr(agent, method)(url, data)
        assert response.status_code == 302 and response["Location"] == "/", url
    assert snapshot(world["own"]) == before


def test_signed_out_visitors_reach_nothing(company, world):
    client = Client()
    for method, url, data in other_urls(world["own"].pk, world["own_file"].pk):
        response = getattr(client, method)(url, data)
        assert response.status_code == 302 and response["Location"].startswith("/portal/login/")
