"""Periodic clean-up: auto-close resolved tickets, forget old idempotency keys."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from kefu.accounts.models import User

from ..models import IdempotencyKey, Ticket, TicketEvent


@transaction.atomic
def close_resolved_older_than(*, days: int, actor: User | None = None) -> int:
    """Auto-close tickets resolved more than ``days`` ago (periodic job). A complaint is left
    open while it may not close (no resolution recorded, no follow-up): the owner still owes
    the customer, and the complaint keeps showing up until they act."""
    from kefu.workflow.services.complaint import complaint_close_problems

    cutoff = timezone.now() - timezone.timedelta(days=days)
    found = list(Ticket.objects.filter(status="resolved", resolved_at__lt=cutoff)
                 .values_list("pk", "type")[:5000])
    ids = [pk for pk, ticket_type in found if ticket_type != "complaint"]
    complaints = [pk for pk, ticket_type in found if ticket_type == "complaint"]
    ids += [t.pk for t in Ticket.objects.filter(pk__in=complaints)
            if not complaint_close_problems(t)]
    if not ids:
        return 0
    now = timezone.now()
    Ticket.objects.filter(pk__in=ids, status="resolved").update(
        status="closed", closed_at=now, updated_at=now, first_response_due=None,
        next_update_due=None, resolution_due=None, sla_due=None, sla_warn_at=None,
        sla_next_check_at=None)
    TicketEvent.objects.bulk_create([
        TicketEvent(ticket_id=pk, actor=actor, kind="status", created_at=now,
                    data={"old": "resolved", "new": "closed", "reason": "auto_close",
                          "days": days}) for pk in ids
    ])
    return len(ids)


def purge_expired_idempotency_keys(*, hours: int) -> int:
    cutoff = timezone.now() - timezone.timedelta(hours=hours)
    return IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()[0]
