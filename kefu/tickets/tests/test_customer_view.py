"""What a customer sees of their own tickets: never internal work, never staff reasons."""

from kefu.tickets import services


def test_internal_tickets_about_a_customer_are_hidden_from_them(company, api_as, make_ticket):
    internal = make_ticket(company.agent_east, company.alice, type="internal", subject="冷链记录缺失")
    own = make_ticket(company.agent_east, company.alice, subject="配送问题")
    api = api_as(company.customer_user)
    ids = {t["id"] for t in api.get("/api/v1/tickets").json()["items"]}
    assert ids == {own.pk}
    assert api.get(f"/api/v1/tickets/{internal.pk}").status_code == 404
    timeline = api.get(f"/api/v1/customers/{company.alice.pk}/timeline").content.decode()
    assert "冷链记录缺失" not in timeline


def test_customers_see_status_changes_without_staff_reasons(company, api_as, make_ticket):
    ticket = make_ticket(company.agent_east, company.alice)
    services.ticket_transition(ticket=ticket, actor=company.agent_east, status="pending_internal",
                               reason="仓库经理说这个客户很难缠")
    api = api_as(company.customer_user)
    events = api.get(f"/api/v1/tickets/{ticket.pk}/events").json()["items"]
    status = [e for e in events if e["kind"] == "status"]
    assert status and status[0]["data"] == {"old": "open", "new": "pending_internal",
                                            "reopened": False}
    timeline = api.get(f"/api/v1/customers/{company.alice.pk}/timeline").content.decode()
    assert "难缠" not in timeline and "agent-east" not in timeline
