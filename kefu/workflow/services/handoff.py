"""Hand-offs to a back-office team (转后台), with first-contact ownership (首问负责制).

The owner asks another team to take over the work; a member of that team (or a supervisor
of its branch, or an admin) accepts — the ticket moves to the team and the accepting agent
becomes the assignee — or rejects with a reason. The requester may cancel while it is open.
The owner never changes: they stay accountable, see the request on the ticket and are
reminded while it waits (``remind_open_handoffs``, run periodically).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kefu.accounts.access import require_staff_writer, require_writer, user_teams
from kefu.accounts.models import Role, Team, User
from kefu.core.errors import ApplicationError, Conflict, PermissionDenied
from kefu.tickets.models import Ticket, TicketEvent
from kefu.tickets.services._common import (
    AGENT_ROLES,
    _clean_text,
    _event,
    _lock,
    _require_open_for_change,
    _save,
    _take_if_unowned,
)

from ..models import Alert, Handoff
from .alerts import alert_create

MAX_NOTE = 2000


def remind_hours() -> float:
    return float(getattr(settings, "HANDOFF_REMIND_HOURS", 4))


def may_decide(user: User, team: Team) -> bool:
    """Members of the receiving team, a supervisor of its branch (a head-office supervisor:
    any team) and admins accept or reject a hand-off to that team."""
    if user.role == Role.ADMIN:
        return True
    if user.role not in (Role.AGENT, Role.SUPERVISOR) or not user.is_active:
        return False
    if any(t.pk == team.pk for t in user_teams(user)):
        return True
    return user.role == Role.SUPERVISOR and (user.branch_id is None
                                             or user.branch_id == team.branch_id)


def decidable_team_ids(user: User) -> list[int] | None:
    """The teams whose hand-offs the user may decide (None: every team)."""
    if user.role in (Role.ADMIN, Role.AUDITOR) or (user.role == Role.SUPERVISOR
                                                   and user.branch_id is None):
        return None
    if user.role not in (Role.AGENT, Role.SUPERVISOR):
        return []
    ids = {t.pk for t in user_teams(user)}
    if user.role == Role.SUPERVISOR:
        ids |= set(Team.objects.filter(branch_id=user.branch_id).values_list("pk", flat=True))
    return sorted(ids)


def _lock_handoff(handoff: Handoff) -> Handoff:
    locked = Handoff.objects.select_for_update().get(pk=handoff.pk)
    for field in ("status", "decided_by_id", "decided_at", "reason", "reminded_at"):
        setattr(handoff, field, getattr(locked, field))
    return handoff


def _require_open(handoff: Handoff) -> None:
    if handoff.status != Handoff.Status.OPEN:
        raise Conflict("handoff_not_open", _("This hand-off request is no longer open."),
                       details={"status": handoff.status})


def _notify(users: set[int], *, skip: int | None, message: str, on: Ticket, **args) -> None:
    """One hand-off alert per person (never to the one who acted)."""
    now = timezone.now()
    Alert.objects.bulk_create([Alert(user_id=pk, kind=Alert.Kind.HANDOFF, ticket=on, message=message,
                                     args=args, created_at=now)
                               for pk in sorted(users) if pk and pk != skip])


@transaction.atomic
def handoff_request(*, ticket: Ticket, actor: User, to_team: Team, note: str) -> Handoff:
    """Ask ``to_team`` to take over the work. One open request per ticket (409 otherwise)."""
    require_writer(actor)
    require_staff_writer(actor)
    note = _clean_text("note", note, required=True, limit=MAX_NOTE)
    _lock(ticket)
    _require_open_for_change(ticket)
    if to_team.pk == ticket.team_id:
        raise ApplicationError("same_team", _("The ticket is already with this team."),
                               details={"field": "to_team_id"})
    if Handoff.objects.filter(ticket=ticket, status=Handoff.Status.OPEN).exists():
        raise Conflict("handoff_already_open",
                       _("This ticket already has an open hand-off request; wait for the "
                         "decision or cancel it first."))
    now = timezone.now()
    events: list[TicketEvent] = []
    changed = _take_if_unowned(ticket, actor, now, events)  # whoever hands it off owns it
    if ticket.status == "new":
        events.append(_event(ticket, actor, "status", now, old="new", new="open"))
        ticket.status = "open"
        changed.append("status")
    if changed:
        _save(ticket, now, *changed)
    handoff = Handoff(ticket=ticket, from_team_id=ticket.team_id, to_team=to_team,
                      requested_by=actor, note=note, created_at=now)
    try:
        with transaction.atomic():
            handoff.save(force_insert=True)
    except IntegrityError:  # a concurrent request won the race for the one open slot
        raise Conflict("handoff_already_open",
                       _("This ticket already has an open hand-off request; wait for the "
                         "decision or cancel it first."))
    events.append(_event(ticket, actor, "handoff_requested", now, handoff=handoff.pk,
                         from_team=ticket.team_id, to_team=to_team.pk, note=note,
                         owner=ticket.owner_id))
    TicketEvent.objects.bulk_create(events)
    members = set(User.objects.filter(teams=to_team, is_active=True, role__in=AGENT_ROLES)
                  .values_list("pk", flat=True))
    _notify(members, skip=actor.pk, on=ticket, number=ticket.pk,
            message=gettext_noop("Ticket #%(number)s was handed to your team: accept or reject it."))
    _notify({ticket.owner_id}, skip=actor.pk, on=ticket, number=ticket.pk,
            message=gettext_noop("Ticket #%(number)s you own was handed to another team; "
                                 "you stay accountable."))
    return handoff


@transaction.atomic
def handoff_accept(*, handoff: Handoff, actor: User) -> Handoff:
    """The receiving team takes the work: the ticket moves to it and the accepting agent
    becomes the assignee. The owner stays the owner (首问负责制)."""
    require_writer(actor)
    require_staff_writer(actor)
    to_team = handoff.to_team
    if not may_decide(actor, to_team):
        raise PermissionDenied(_("Only the receiving team can accept or reject a hand-off."))
    ticket = handoff.ticket
    _lock(ticket)
    _lock_handoff(handoff)
    _require_open(handoff)
    _require_open_for_change(ticket)
    now = timezone.now()
    previous_team, previous_assignee = ticket.team_id, ticket.assignee_id
    ticket.team = to_team
    ticket.assignee = actor
    changed = ["team", "assignee"]
    if to_team.branch_id:
        ticket.branch_id = to_team.branch_id
        changed.append("branch")
    _save(ticket, now, *changed)
    handoff.status = Handoff.Status.ACCEPTED
    handoff.decided_by = actor
    handoff.decided_at = now
    handoff.save(update_fields=["status", "decided_by", "decided_at"])
    _event(ticket, actor, "handoff_accepted", now, handoff=handoff.pk, old_team=previous_team,
           to_team=to_team.pk, assignee=actor.pk, previous=previous_assignee,
           owner=ticket.owner_id).save()
    _notify({ticket.owner_id, handoff.requested_by_id}, skip=actor.pk, on=ticket,
            message=gettext_noop("%(name)s accepted the hand-off of ticket #%(number)s; "
                                 "you stay its owner."),
            name=actor.name, number=ticket.pk)
    return handoff


@transaction.atomic
def handoff_reject(*, handoff: Handoff, actor: User, reason: str) -> Handoff:
    """The receiving team declines, saying why; the ticket stays where it was."""
    require_writer(actor)
    require_staff_writer(actor)
    if not may_decide(actor, handoff.to_team):
        raise PermissionDenied(_("Only the receiving team can accept or reject a hand-off."))
    reason = _clean_text("reason", reason, required=True, limit=MAX_NOTE)
    ticket = handoff.ticket
    _lock_handoff(handoff)
    _require_open(handoff)
    now = timezone.now()
    handoff.status = Handoff.Status.REJECTED
    handoff.decided_by = actor
    handoff.decided_at = now
    handoff.reason = reason
    handoff.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    _event(ticket, actor, "handoff_rejected", now, handoff=handoff.pk,
           to_team=handoff.to_team_id, reason=reason).save()
    _notify({ticket.owner_id, handoff.requested_by_id}, skip=actor.pk, on=ticket,
            message=gettext_noop("The hand-off of ticket #%(number)s was rejected: %(reason)s"),
            number=ticket.pk, reason=reason[:120])
    return handoff


def may_cancel(user: User, handoff: Handoff) -> bool:
    return user.role in (Role.SUPERVISOR, Role.ADMIN) or user.pk in (
        handoff.requested_by_id, handoff.ticket.owner_id)


@transaction.atomic
def handoff_cancel(*, handoff: Handoff, actor: User, reason: str = "") -> Handoff:
    """The requester (or the owner, or a supervisor) withdraws an open request."""
    require_writer(actor)
    require_staff_writer(actor)
    if not may_cancel(actor, handoff):
        raise PermissionDenied(_("Only whoever asked for the hand-off can cancel it."))
    reason = _clean_text("reason", reason, required=False, limit=MAX_NOTE)
    _lock_handoff(handoff)
    _require_open(handoff)
    now = timezone.now()
    handoff.status = Handoff.Status.CANCELLED
    handoff.decided_by = actor
    handoff.decided_at = now
    handoff.reason = reason
    handoff.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    _event(handoff.ticket, actor, "handoff_cancelled", now, handoff=handoff.pk,
           to_team=handoff.to_team_id, reason=reason).save()
    return handoff


def remind_open_handoffs(now: datetime | None = None) -> int:
    """Alert the owner of every hand-off open longer than ``HANDOFF_REMIND_HOURS``, at most once
    per that interval (``Handoff.reminded_at``). Returns how many reminders were sent. Safe to
    run from several workers at once: each reminder is claimed by a conditional update."""
    now = now or timezone.now()
    hours = remind_hours()
    cutoff = now - timedelta(hours=hours)
    due = (Handoff.objects.filter(status=Handoff.Status.OPEN, created_at__lte=cutoff)
           .exclude(reminded_at__gt=cutoff)
           .select_related("ticket").order_by("created_at", "pk"))
    sent = 0
    for handoff in list(due):  # few rows: the open requests past the interval
        with transaction.atomic():
            claimed = Handoff.objects.filter(pk=handoff.pk, status=Handoff.Status.OPEN,
                                             reminded_at=handoff.reminded_at).update(reminded_at=now)
            if not claimed:
                continue
            ticket = handoff.ticket
            waited = int((now - handoff.created_at).total_seconds() // 3600)
            alert_create(user=ticket.owner or handoff.requested_by, kind=Alert.Kind.HANDOFF,
                         ticket=ticket,
                         message=gettext_noop("The hand-off of ticket #%(number)s has waited "
                                              "%(hours)s hours for the other team; you stay "
                                              "accountable — follow it up."),
                         number=ticket.pk, hours=waited)
            _event(ticket, None, "handoff_reminded", now, handoff=handoff.pk,
                   to_team=handoff.to_team_id, hours=waited,
                   owner=ticket.owner_id or handoff.requested_by_id).save()
            sent += 1
    return sent
