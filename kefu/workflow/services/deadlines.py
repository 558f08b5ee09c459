"""Deadlines besides the SLA targets, checked by the periodic job: the deadlines promised to
customers (承诺时限, complaint step 5) and follow-ups that have come due (step 7)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from kefu.tickets.models import TicketEvent

from ..models import Alert, Commitment, FollowUp
from .alerts import alert_create
from .sla import supervisors_for

#: A promise is flagged to its owner this long before it falls due.
COMMITMENT_WARN_BEFORE = timedelta(hours=1)

COMMITMENT_SOON = gettext_noop("#%(number)s: the deadline promised to the customer is %(due)s.")
COMMITMENT_BROKEN = gettext_noop(
    "#%(number)s: the deadline promised to the customer (%(due)s) has passed: %(text)s")
FOLLOW_UP_DUE = gettext_noop("Follow-up due for %(customer)s: %(purpose)s")


def _when(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def commitments_check(now: datetime | None = None) -> dict:
    """Warn the promiser an hour before; when the time passes unkept, mark the commitment
    broken (an event on the ticket) and tell the promiser and the branch's supervisors."""
    now = now or timezone.now()
    counts = {"warned": 0, "broken": 0}
    soon = Commitment.objects.filter(status=Commitment.Status.OPEN, warned_at__isnull=True,
                                     due_at__lte=now + COMMITMENT_WARN_BEFORE, due_at__gt=now)
    for commitment in soon.select_related("ticket"):
        with transaction.atomic():
            if Commitment.objects.filter(pk=commitment.pk, warned_at__isnull=True).update(warned_at=now):
                alert_create(user=commitment.promised_by, kind=Alert.Kind.COMMITMENT,
                             ticket=commitment.ticket, message=COMMITMENT_SOON,
                             number=commitment.ticket_id, due=_when(commitment.due_at))
                counts["warned"] += 1
    overdue = Commitment.objects.filter(status=Commitment.Status.OPEN, due_at__lte=now)
    for commitment in overdue.select_related("ticket", "promised_by"):
        with transaction.atomic():
            if not Commitment.objects.filter(pk=commitment.pk, status=Commitment.Status.OPEN).update(
                    status=Commitment.Status.BROKEN):
                continue
            TicketEvent.objects.create(ticket=commitment.ticket, actor=None, kind="commitment_broken",
                                       data={"commitment": commitment.pk,
                                             "due": commitment.due_at.isoformat()},
                                       created_at=now)
            people = {commitment.promised_by, *supervisors_for(commitment.ticket)}
            for person in people:
                alert_create(user=person, kind=Alert.Kind.COMMITMENT, ticket=commitment.ticket,
                             message=COMMITMENT_BROKEN, number=commitment.ticket_id,
                             due=_when(commitment.due_at), text=commitment.text[:200])
            counts["broken"] += 1
    return counts


def follow_ups_check(now: datetime | None = None) -> int:
    """Alert the assignee once when a follow-up comes due."""
    now = now or timezone.now()
    sent = 0
    due = FollowUp.objects.filter(done_at__isnull=True, reminded_at__isnull=True, due_at__lte=now)
    for follow_up in due.select_related("customer", "assigned_to", "ticket"):
        if not FollowUp.objects.filter(pk=follow_up.pk, reminded_at__isnull=True).update(reminded_at=now):
            continue
        if not follow_up.assigned_to.is_active:
            continue
        alert_create(user=follow_up.assigned_to, kind=Alert.Kind.FOLLOW_UP, ticket=follow_up.ticket,
                     message=FOLLOW_UP_DUE, customer=follow_up.customer.name,
                     purpose=follow_up.purpose[:200])
        sent += 1
    return sent



