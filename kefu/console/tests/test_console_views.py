"""The agent console through Django's test client: sign-in, scoping, actions, language."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kefu.tickets.models import Message

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_sign_in_and_wrong_password(company):
    client = Client()
    bad = client.post("/login/", {"username": "agent-east", "password": "nope"})
    assert bad.status_code == 401
    good = client.post("/login/", {"username": "agent-east", "password": "pw-agent-east-123"})
    assert good.status_code == 302 and good["Location"] == "/inbox/"


def test_login_is_throttled_after_repeated_failures(company, settings):
    client = Client()
    for _ in range(settings.LOGIN_MAX_FAILURES):
        client.post("/login/", {"username": "agent-east", "password": "wrong"})
    # even the right password is refused while locked
    locked = client.post("/login/", {"username": "agent-east", "password": "pw-agent-east-123"})
    assert locked.status_code == 401 and "_auth_user_id" not in client.session


def test_open_redirect_is_refused(company):
    response = Client().post("/login/", {"username": "agent-east", "password": "pw-agent-east-123",
                                         "next": "https://evil.example/"})
    assert response["Location"] == "/inbox/"


def test_inbox_requires_sign_in_and_staff(company):
    assert Client().get("/inbox/").status_code == 302
    assert signed_in(company.customer_user).get("/inbox/").status_code == 403


def test_inbox_shows_only_visible_tickets_and_filters(company, make_ticket):
    east = make_ticket(company.agent_east, company.alice, subject="东区投诉", type="complaint")
    west = make_ticket(company.agent_west, company.bob, subject="西区咨询")
    client = signed_in(company.agent_east)
    page = client.get("/inbox/").content.decode()
    assert "东区投诉" in page and "西区咨询" not in page
    partial = client.get("/inbox/?type=inquiry", HTTP_HX_REQUEST="true",
                         HTTP_HX_TARGET="inbox-rows").content.decode()
    assert "<html" not in partial and "东区投诉" not in partial
    assert west.pk and east.pk


def test_inbox_query_count_does_not_grow_with_rows(company, make_ticket):
    client = signed_in(company.agent_hq)
    make_ticket(company.agent_hq, company.alice)
    with CaptureQueriesContext(connection) as one:
        client.get("/inbox/")
    for i in range(10):
        make_ticket(company.agent_hq, company.bob if i % 2 else company.alice)
    with CaptureQueriesContext(connection) as eleven:
        client.get("/inbox/")
    assert len(one) == len(eleven)


def test_ticket_page_shows_customer_360_with_preferences(company, make_ticket):
    from kefu.customers.services import preference_add

    preference_add(customer=company.alice, actor=company.agent_east, text="对花生过敏",
                   category="food", important=True)
    ticket = make_ticket(company.agent_east, company.alice)
    page = signed_in(company.agent_east).get(f"/tickets/{ticket.pk}/").content.decode()
    assert "customer-360" in page and "对花生过敏" in page and "爱丽丝" in page


def test_ticket_outside_scope_is_not_found(company, make_ticket):
    ticket = make_ticket(company.agent_east, company.alice)
    assert signed_in(company.agent_west).get(f"/tickets/{ticket.pk}/").status_code == 404


def test_reply_note_and_status_from_the_console(company, make_ticket):
    ticket = make_ticket(company.customer_user, company.alice)
    client = signed_in(company.agent_east)
    client.post(f"/tickets/{ticket.pk}/reply/", {"body": "您好，马上处理", "internal": "0"})
    client.post(f"/tickets/{ticket.pk}/reply/", {"body": "已联系仓库", "internal": "1"})
    client.post(f"/tickets/{ticket.pk}/status/", {"status": "resolved"})
    ticket.refresh_from_db()
    assert ticket.owner == company.agent_east and ticket.status == "resolved"
    assert list(Message.objects.filter(ticket=ticket).values_list("visibility", flat=True)) == [
        "public", "internal"]


def test_forbidden_transition_shows_a_message_and_changes_nothing(company, make_ticket):
    ticket = make_ticket(company.agent_east, company.alice)
    client = signed_in(company.agent_east)
    response = client.post(f"/tickets/{ticket.pk}/status/", {"status": "closed"}, follow=True)
    ticket.refresh_from_db()
    assert ticket.status == "open"
    assert any(m.level_tag == "error" for m in response.context["messages"])


def test_auditor_sees_but_cannot_act(company, make_ticket):
    ticket = make_ticket(company.agent_east, company.alice)
    client = signed_in(company.auditor)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "reply-form" not in page
    client.post(f"/tickets/{ticket.pk}/reply/", {"body": "x"})
    assert not Message.objects.filter(ticket=ticket).exists()


def test_language_switch_changes_user_setting_and_html_lang(company):
    client = signed_in(company.agent_east)
    assert 'lang="zh-hans"' in client.get("/inbox/").content.decode()
    client.post("/language/", {"language": "en", "next": "/inbox/"})
    company.agent_east.refresh_from_db()
    assert company.agent_east.language == "en"
    assert 'lang="en"' in client.get("/inbox/").content.decode()
    assert client.post("/language/", {"language": "xx"}).status_code == 400


def test_customer_pages_and_preference_form(company):
    client = signed_in(company.agent_east)
    assert "爱丽丝" in client.get("/customers/").content.decode()
    client.post(f"/customers/{company.alice.pk}/preferences/", {"text": "喜欢安静的房间",
                                                               "category": "room"})
    assert company.alice.preferences.filter(text="喜欢安静的房间").exists()
    # west customer is outside the east agent's branch
    assert client.get(f"/customers/{company.bob.pk}/").status_code == 404


def test_log_a_contact_creates_an_owned_ticket(company):
    client = signed_in(company.agent_east)
    response = client.post("/tickets/new/", {"customer": company.alice.pk, "subject": "来电咨询",
                                             "type": "inquiry", "priority": "normal",
                                             "channel": "phone"})
    assert response.status_code == 302
    ticket = company.alice.tickets.get(subject="来电咨询")
    assert ticket.owner == company.agent_east and ticket.channel == "phone"


def test_static_vendor_files_are_served(company):
    response = Client().get("/static/vendor/htmx.min.js")
    assert response.status_code == 200


def test_admin_screens_are_for_administrators_only(company):
    assert signed_in(company.admin).get("/admin/customers/tier/").status_code == 200
    assert signed_in(company.agent_east).get("/admin/customers/tier/").status_code == 302
    assert signed_in(company.supervisor_east).get("/admin/").status_code == 302


def test_handing_a_ticket_out_of_view_returns_to_the_inbox(company, make_ticket):
    ticket = make_ticket(company.agent_hq, company.bob)
    client = signed_in(company.supervisor_east)
    ticket.team = company.east_team
    ticket.owner = company.agent_east
    ticket.save()
    response = client.post(f"/tickets/{ticket.pk}/assign/", {"team": company.west_team.pk,
                                                             "assignee": company.agent_west.pk})
    assert response["Location"] == "/inbox/"
    ticket.refresh_from_db()
    assert ticket.team == company.west_team and ticket.owner == company.agent_east


def test_edit_merge_and_transfer_from_the_console(company, make_ticket):
    first = make_ticket(company.agent_east, company.alice, subject="大米没送到")
    dup = make_ticket(company.agent_east, company.alice, subject="重复")
    agent = signed_in(company.agent_east)
    agent.post(f"/tickets/{first.pk}/edit/", {"subject": "大米没送到（两袋）", "type": "complaint",
                                              "priority": "high", "tags": "配送， VIP"})
    first.refresh_from_db()
    assert (first.subject, first.type, first.priority) == ("大米没送到（两袋）", "complaint", "high")
    assert sorted(first.tags.values_list("name", flat=True)) == ["VIP", "配送"]
    agent.post(f"/tickets/{dup.pk}/merge/", {"into": f"#{first.pk}"})
    dup.refresh_from_db()
    assert dup.merged_into == first and dup.status == "closed"
    # agents cannot transfer ownership; supervisors can, with a reason
    agent.post(f"/tickets/{first.pk}/owner/", {"owner": company.agent_hq.pk, "reason": "休假"})
    first.refresh_from_db()
    assert first.owner == company.agent_east
    signed_in(company.supervisor_east).post(f"/tickets/{first.pk}/owner/",
                                            {"owner": company.agent_hq.pk, "reason": "休假"})
    first.refresh_from_db()
    assert first.owner == company.agent_hq


def test_customer_pages_list_only_tickets_the_viewer_may_open(company, make_ticket):
    # given Alice with a ticket on the east desk and one kept by the west agent
    visible = make_ticket(company.agent_east, company.alice, subject="东区可见")
    hidden = make_ticket(company.agent_west, company.alice, subject="西区内部跟进")
    client = signed_in(company.agent_east)
    profile = client.get(f"/customers/{company.alice.pk}/").content.decode()
    ticket_page = client.get(f"/tickets/{visible.pk}/").content.decode()
    assert "西区内部跟进" not in profile and "西区内部跟进" not in ticket_page
    assert hidden.pk and "东区可见" in profile


def test_assign_list_offers_colleagues_not_the_whole_company(company, make_ticket):
    ticket = make_ticket(company.agent_east, company.alice)
    page = signed_in(company.agent_east).get(f"/tickets/{ticket.pk}/").content.decode()
    assert f'value="{company.supervisor_east.pk}"' in page  # same team
    assert f'<option value="{company.agent_west.pk}"' not in page  # other branch's desk
