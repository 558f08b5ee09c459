"""Hand-offs to a back-office team (转后台) through the services: the owner never changes,
only the receiving team decides, one open request per ticket, reminders once per interval."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction

from kefu.core.errors import ApplicationError, Conflict, PermissionDenied
from kefu.tickets.models import Ticket, TicketEvent
from kefu.workflow.models import Alert, Handoff
from kefu.workflow.services.handoff import (
    handoff_accept,
    handoff_cancel,
    handoff_reject,
    handoff_request,
    remind_open_handoffs,
)


@pytest.fixture
def ticket(company, make_ticket):
    """Alice's complaint, taken by the east desk agent (its owner)."""
    return make_ticket(company.agent_east, company.alice, subject="冰箱不制冷", type="complaint")


def _request(company, ticket, **kw):
    kw.setdefault("note", "请后台核实保修记录")
    return handoff_request(ticket=ticket, actor=company.agent_east, to_team=company.hq_team, **kw)


def test_a_request_is_open_written_to_the_timeline_and_alerts_the_team(company, ticket):
    # given Alice's ticket with the east desk / when its owner hands it to the hq team
    handoff = _request(company, ticket)
    # then the request is open, from the east desk, and the owner is unchanged
    assert handoff.status == "open" and handoff.from_team == company.east_team
    ticket.refresh_from_db()
    assert ticket.owner == company.agent_east and ticket.team == company.east_team
    event = TicketEvent.objects.get(ticket=ticket, kind="handoff_requested")
    assert event.actor == company.agent_east
    assert event.data["to_team"] == company.hq_team.pk and event.data["handoff"] == handoff.pk
    # and the receiving team's members are alerted (not the one who asked)
    alerted = set(Alert.objects.filter(kind="handoff").values_list("user__username", flat=True))
    assert alerted == {"agent-hq"}


def test_accepting_moves_the_team_and_assignee_but_never_the_owner(company, ticket):
    # given an open hand-off to the hq team
    handoff = _request(company, ticket)
    # when an hq agent accepts it
    handoff_accept(handoff=handoff, actor=company.agent_hq)
    # then the ticket is with hq, the hq agent works it, and the owner stays accountable
    ticket.refresh_from_db()
    handoff.refresh_from_db()
    assert ticket.team == company.hq_team and ticket.assignee == company.agent_hq
    assert ticket.owner == company.agent_east
    assert (handoff.status, handoff.decided_by, handoff.decided_at is not None) == (
        "accepted", company.agent_hq, True)
    event = TicketEvent.objects.get(ticket=ticket, kind="handoff_accepted")
    assert event.data["owner"] == company.agent_east.pk
    assert event.data["assignee"] == company.agent_hq.pk
    # and the owner hears about it
    assert Alert.objects.filter(user=company.agent_east, kind="handoff").exists()


def test_only_the_receiving_team_a_branch_supervisor_or_an_admin_decides(company, make_ticket):
    # given an hq ticket handed to the east desk
    ticket = make_ticket(company.agent_hq, company.alice)
    handoff = handoff_request(ticket=ticket, actor=company.agent_hq, to_team=company.east_team,
                              note="东区上门处理")
    # then the west agent and the requester may not decide it; nothing changes
    for outsider in (company.agent_west, company.agent_hq):
        with pytest.raises(PermissionDenied):
            handoff_accept(handoff=handoff, actor=outsider)
        with pytest.raises(PermissionDenied):
            handoff_reject(handoff=handoff, actor=outsider, reason="不归我们")
    assert Handoff.objects.get(pk=handoff.pk).status == "open"
    # but the east supervisor (the team's branch) may
    handoff_accept(handoff=handoff, actor=company.supervisor_east)
    ticket.refresh_from_db()
    assert ticket.team == company.east_team and ticket.assignee == company.supervisor_east
    assert ticket.owner == company.agent_hq


def test_an_admin_may_decide_any_hand_off(company, ticket):
    handoff = _request(company, ticket)
    handoff_reject(handoff=handoff, actor=company.admin, reason="请先补充订单号")
    assert Handoff.objects.get(pk=handoff.pk).status == "rejected"


def test_rejecting_needs_a_reason_and_leaves_the_ticket_with_its_owner(company, ticket):
    # given an open hand-off
    handoff = _request(company, ticket)
    # when rejected without a reason / then refused and nothing changes
    with pytest.raises(ApplicationError) as error:
        handoff_reject(handoff=handoff, actor=company.agent_hq, reason="  ")
    assert error.value.code == "required"
    assert Handoff.objects.get(pk=handoff.pk).status == "open"
    # when rejected with one
    handoff_reject(handoff=handoff, actor=company.agent_hq, reason="不属于后台业务范围")
    # then the ticket stays where it was and the owner is told why
    ticket.refresh_from_db()
    assert ticket.team == company.east_team and ticket.assignee == company.agent_east
    handoff.refresh_from_db()
    assert (handoff.status, handoff.reason) == ("rejected", "不属于后台业务范围")
    assert TicketEvent.objects.get(ticket=ticket, kind="handoff_rejected").data["reason"] == \
        "不属于后台业务范围"
    alert = Alert.objects.get(user=company.agent_east, kind="handoff")
    assert "不属于后台业务范围" in alert.text
    # and a new request can be made
    _request(company, ticket, note="补充了订单号，请再看一下")


def test_a_second_open_request_is_a_conflict_and_writes_nothing(company, ticket):
    # given an open hand-off
    _request(company, ticket)
    events = TicketEvent.objects.filter(ticket=ticket).count()
    # when another is asked for (even to another team) / then 409, nothing written
    with pytest.raises(Conflict) as error:
        handoff_request(ticket=ticket, actor=company.agent_east, to_team=company.west_team,
                        note="再转一次")
    assert error.value.status == 409 and error.value.code == "handoff_already_open"
    assert Handoff.objects.filter(ticket=ticket).count() == 1
    assert TicketEvent.objects.filter(ticket=ticket).count() == events


def test_the_database_refuses_two_open_requests_whatever_the_code_path(company, ticket):
    handoff = _request(company, ticket)
    with pytest.raises(IntegrityError), transaction.atomic():
        Handoff.objects.create(ticket=ticket, from_team=company.east_team,
                               to_team=company.west_team, requested_by=company.agent_east,
                               note="x", created_at=handoff.created_at)


def test_a_request_needs_a_note_another_team_and_a_writer(company, ticket):
    with pytest.raises(ApplicationError) as error:
        _request(company, ticket, note="")
    assert error.value.code == "required"
    with pytest.raises(ApplicationError) as error:
        handoff_request(ticket=ticket, actor=company.agent_east, to_team=company.east_team,
                        note="自己转给自己")
    assert error.value.code == "same_team"
    for reader in (company.auditor, company.customer_user):
        with pytest.raises(PermissionDenied):
            handoff_request(ticket=ticket, actor=reader, to_team=company.hq_team, note="x")
    assert not Handoff.objects.exists()


def test_an_unowned_ticket_is_taken_by_whoever_hands_it_off(company, make_ticket):
    # given a ticket Alice filed that nobody has taken
    ticket = make_ticket(company.customer_user, company.alice)
    assert ticket.owner is None
    # when an agent hands it off / then they own it (首问负责制): it is never left ownerless
    handoff_request(ticket=ticket, actor=company.agent_east, to_team=company.hq_team, note="转后台")
    ticket.refresh_from_db()
    assert ticket.owner == company.agent_east and ticket.status == "open"


def test_the_requester_cancels_others_may_not_and_a_decided_request_stays_decided(company, ticket):
    handoff = _request(company, ticket)
    with pytest.raises(PermissionDenied):
        handoff_cancel(handoff=handoff, actor=company.agent_hq)
    handoff_cancel(handoff=handoff, actor=company.agent_east, reason="客户已自行解决")
    handoff.refresh_from_db()
    assert handoff.status == "cancelled"
    assert TicketEvent.objects.filter(ticket=ticket, kind="handoff_cancelled").count() == 1
    # a cancelled request can be neither accepted nor cancelled again
    with pytest.raises(Conflict):
        handoff_accept(handoff=handoff, actor=company.agent_hq)
    with pytest.raises(Conflict):
        handoff_cancel(handoff=handoff, actor=company.agent_east)


def test_a_closed_ticket_cannot_be_handed_off(company, ticket):
    Ticket.objects.filter(pk=ticket.pk).update(status="closed")
    with pytest.raises(ApplicationError) as error:
        _request(company, ticket)
    assert (error.value.code, error.value.status) == ("ticket_closed", 409)


def test_reminders_go_to_the_owner_once_per_interval_while_open(company, ticket, settings):
    # given a reminder interval of 4 hours and an open hand-off
    settings.HANDOFF_REMIND_HOURS = 4
    handoff = _request(company, ticket)
    start = handoff.created_at
    Alert.objects.all().delete()

    def reminders():
        return Alert.objects.filter(user=company.agent_east, kind="handoff").count()

    # when the job runs before 4 hours / then nothing
    assert remind_open_handoffs(start + timedelta(hours=3)) == 0
    # after 4 hours: one reminder to the owner, remembered on the hand-off
    assert remind_open_handoffs(start + timedelta(hours=4, minutes=1)) == 1
    assert reminders() == 1
    assert Handoff.objects.get(pk=handoff.pk).reminded_at == start + timedelta(hours=4, minutes=1)
    # run again within the interval: no second reminder
    assert remind_open_handoffs(start + timedelta(hours=6)) == 0
    assert remind_open_handoffs(start + timedelta(hours=8)) == 0
    # once the interval has passed again: the next one
    assert remind_open_handoffs(start + timedelta(hours=8, minutes=2)) == 1
    assert reminders() == 2
    assert TicketEvent.objects.filter(ticket=ticket, kind="handoff_reminded").count() == 2
    # once decided: no more reminders
    handoff_accept(handoff=handoff, actor=company.agent_hq)
    assert remind_open_handoffs(start + timedelta(hours=30)) == 0


def test_the_reminder_interval_comes_from_the_setting(company, ticket, settings):
    settings.HANDOFF_REMIND_HOURS = 1
    handoff = _request(company, ticket)
    assert remind_open_handoffs(handoff.created_at + timedelta(minutes=61)) == 1
