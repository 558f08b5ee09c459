"""Two approvers deciding the same request at the same moment: exactly one wins, the other
gets a 409 conflict (the action row is locked while it is decided)."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from kefu.core.errors import Conflict
from kefu.workflow.models import EmpowermentLimit, RecoveryAction
from kefu.workflow.selectors_recovery import recovery_get_for
from kefu.workflow.services import recovery as services


@pytest.mark.django_db(transaction=True)
def test_two_approvers_at_once_one_wins(company, make_ticket):
    # given 800 CNY waiting; the east supervisor and the admin may both approve it
    EmpowermentLimit.objects.create(role="supervisor", max_amount=Decimal("2000"))
    EmpowermentLimit.objects.create(role="admin", max_amount=Decimal("10000"))
    ticket = make_ticket(company.agent_east, company.alice, type="complaint")
    action = services.recovery_request(ticket=ticket, actor=company.agent_east, kind="refund",
                                       amount="800")
    start = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def decide(user, verb):
        try:
            loaded = recovery_get_for(user, action.pk)  # both read it while it is pending
            start.wait(timeout=10)
            if verb == "approve":
                services.recovery_approve(action=loaded, actor=user)
            else:
                services.recovery_reject(action=loaded, actor=user, reason="太多了")
            outcomes[user.username] = "decided"
        except Conflict:
            outcomes[user.username] = "conflict"
        finally:
            connection.close()

    # when both decide at the same moment (one approves, one rejects)
    threads = [threading.Thread(target=decide, args=(company.supervisor_east, "approve")),
               threading.Thread(target=decide, args=(company.admin, "reject"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # then one decision stands and the other was refused
    assert sorted(outcomes.values()) == ["conflict", "decided"], outcomes
    action.refresh_from_db()
    winner = next(name for name, result in outcomes.items() if result == "decided")
    assert action.decided_by.username == winner
    assert action.status == ("approved" if winner == "sup-east" else "rejected")
    assert action.ticket.events.filter(kind__in=["recovery_approved",
                                                 "recovery_rejected"]).count() == 1
    assert RecoveryAction.objects.count() == 1
