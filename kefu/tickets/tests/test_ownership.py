"""First-contact ownership (首问负责制) and the event log, through the services."""

import pytest
from django.db import IntegrityError, transaction

from kefu.core.errors import ApplicationError, PermissionDenied
from kefu.tickets import services
from kefu.tickets.models import Ticket, TicketEvent


def test_agent_who_logs_a_contact_owns_it(company, make_ticket):
    # given an agent taking a phone call / when they log it
    ticket = make_ticket(company.agent_east, company.alice, channel="phone")
    # then they own it, it is open, and a 'created' event names them
    assert ticket.owner == company.agent_east and ticket.status == "open"
    event = TicketEvent.objects.get(ticket=ticket)
    assert (event.kind, event.actor) == ("created", company.agent_east)


def test_customer_ticket_waits_unowned_until_the_first_agent_acts(company, make_ticket):
    # given a ticket a customer filed
    ticket = make_ticket(company.customer_user, company.alice)
    assert ticket.owner is None and ticket.status == "new"
    # when an agent replies first
    services.ticket_reply(ticket=ticket, actor=company.agent_east, body="您好，我们来处理")
    ticket.refresh_from_db()
    # then that agent owns it, and the first response time is recorded
    assert ticket.owner == company.agent_east
    assert ticket.status == "open" and ticket.first_response_at is not None
    assert list(ticket.events.values_list("kind", flat=True)) == ["created", "taken", "status",
                                                                  "message"]


def test_assignment_keeps_the_owner_accountable(company, make_ticket):
    ticket = make_ticket(company.agent_east, company.alice)
    services.ticket_assign(ticket=ticket, actor=company.agent_east, assignee=company.agent_hq,
                           team=company.hq_team)
    ticket.refresh_from_db()
    assert ticket.owner == company.agent_east
    assert ticket.assignee == company.agent_hq and ticket.team == company.hq_team
    assigned = ticket.events.get(kind="assigned")
    assert assigned.data["owner"] == company.agent_east.pk


def test_a_second_agent_acting_does_not_steal_ownership(company, make_ticket):
    ticket = make_ticket(company.agent_east, company.alice)
    services.ticket_take(ticket=ticket, actor=company.supervisor_east)
    ticket.refresh_from_db()
    assert ticket.owner == company.agent_east and ticket.assignee == company.supervisor_east


def test_only_a_supervisor_transfers_ownership_and_needs_a_reason(company, make_ticket):
    ticket = make_ticket(company.agent_east, company.alice)
    with pytest.raises(PermissionDenied):
        services.ticket_transfer_ownership(ticket=ticket, actor=company.agent_east,
                                           new_owner=company.agent_hq, reason="下班")
    with pytest.raises(ApplicationError):
        services.ticket_transfer_ownership(ticket=ticket, actor=company.supervisor_east,
                                           new_owner=company.agent_hq, reason="  ")
    services.ticket_transfer_ownership(ticket=ticket, actor=company.supervisor_east,
                                       new_owner=company.agent_hq, reason="员工休假")
    ticket.refresh_from_db()
    assert ticket.owner == company.agent_hq
    assert ticket.events.get(kind="owner_transferred").data["reason"] == "员工休假"


def test_database_refuses_an_owned_status_without_owner(company, make_ticket):
    ticket = make_ticket(company.customer_user, company.alice)
    with pytest.raises(IntegrityError), transaction.atomic():
        Ticket.objects.filter(pk=ticket.pk).update(status="open")


def test_a_customer_cannot_resolve_their_own_ticket_but_can_confirm(company, make_ticket):
    ticket = make_ticket(company.agent_east, company.alice)
    with pytest.raises(PermissionDenied):
        services.ticket_transition(ticket=ticket, actor=company.customer_user, status="resolved")
    services.ticket_transition(ticket=ticket, actor=company.agent_east, status="resolved")
    services.ticket_transition(ticket=ticket, actor=company.customer_user, status="closed")
    ticket.refresh_from_db()
    assert ticket.status == "closed" and ticket.closed_at is not None


def test_customer_reply_reopens_a_resolved_ticket(company, make_ticket):
    ticket = make_ticket(company.agent_east, company.alice)
    services.ticket_transition(ticket=ticket, actor=company.agent_east, status="resolved")
    services.ticket_reply(ticket=ticket, actor=company.customer_user, body="还是没收到")
    ticket.refresh_from_db()
    assert ticket.status == "open" and ticket.resolved_at is None
    assert ticket.events.filter(kind="status", data__reopened=True).exists()


def test_forbidden_transition_changes_nothing(company, make_ticket):
    ticket = make_ticket(company.agent_east, company.alice)
    before = TicketEvent.objects.count()
    with pytest.raises(ApplicationError) as err:
        services.ticket_transition(ticket=ticket, actor=company.agent_east, status="closed")
    assert err.value.code == "transition_not_allowed" and err.value.status == 409
    ticket.refresh_from_db()
    assert ticket.status == "open" and TicketEvent.objects.count() == before


def test_auditor_cannot_write(company, make_ticket):
    ticket = make_ticket(company.agent_east, company.alice)
    with pytest.raises(PermissionDenied):
        services.ticket_reply(ticket=ticket, actor=company.auditor, body="x")


def test_merge_moves_messages_and_closes_the_duplicate(company, make_ticket):
    first = make_ticket(company.agent_east, company.alice, subject="没收到大米")
    dup = make_ticket(company.customer_user, company.alice, subject="大米呢？")
    services.ticket_reply(ticket=dup, actor=company.customer_user, body="快点")
    services.ticket_merge(source=dup, target=first, actor=company.agent_east)
    dup.refresh_from_db()
    assert dup.status == "closed" and dup.merged_into == first
    assert dup.owner == company.agent_east  # closing needs an owner
    assert first.messages.filter(body="快点").exists()
    assert first.events.filter(kind="merged_from", data__source=dup.pk).exists()


def test_merge_refuses_other_customers_tickets(company, make_ticket):
    a = make_ticket(company.agent_hq, company.alice)
    b = make_ticket(company.agent_hq, company.bob)
    with pytest.raises(ApplicationError) as err:
        services.ticket_merge(source=a, target=b, actor=company.agent_hq)
    assert err.value.code == "merge_other_customer"


def test_auto_close_closes_only_old_resolved_tickets(company, make_ticket):
    from datetime import timedelta

    from django.utils import timezone

    old = make_ticket(company.agent_east, company.alice)
    fresh = make_ticket(company.agent_east, company.alice)
    for t in (old, fresh):
        services.ticket_transition(ticket=t, actor=company.agent_east, status="resolved")
    Ticket.objects.filter(pk=old.pk).update(resolved_at=timezone.now() - timedelta(days=10))
    assert services.close_resolved_older_than(days=7) == 1
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.status == "closed" and fresh.status == "resolved"
    assert old.events.filter(kind="status", data__reason="auto_close").exists()


def test_housekeeping_forgets_old_idempotency_keys(company, make_ticket):
    from datetime import timedelta

    from django.utils import timezone

    from kefu.tickets.models import IdempotencyKey

    make_ticket(company.agent_east, company.alice, idempotency_key="k-old")
    make_ticket(company.agent_east, company.alice, idempotency_key="k-new")
    IdempotencyKey.objects.filter(key="k-old").update(created_at=timezone.now() - timedelta(hours=30))
    assert services.purge_expired_idempotency_keys(hours=24) == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["k-new"]
