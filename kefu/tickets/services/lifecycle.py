"""Working a ticket: take, reply, transition, assign, transfer ownership, edit, merge."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.access import require_staff_writer, require_writer
from kefu.accounts.models import Role, Team, User
from kefu.conversations.outbound import queue_reply_email
from kefu.conversations.webhooks import queue_chat_reply
from kefu.core.errors import ApplicationError, PermissionDenied
from kefu.insights.tasks import queue_message_scoring
from kefu.workflow.services.automation import fire
from kefu.workflow.services.sla import sla_on_change

from .. import rules
from ..models import Attachment, Message, Ticket, TicketEvent
from ._common import (
    AGENT_ROLES,
    MAX_BODY,
    MAX_SUBJECT,
    _check_choice,
    _clean_tags,
    _clean_text,
    _event,
    _lock,
    _require_open_for_change,
    _save,
    _tags,
    _take_if_unowned,
)


@transaction.atomic
def ticket_take(*, ticket: Ticket, actor: User) -> Ticket:
    """Take a contact: become its owner (if unowned) and its assignee."""
    require_staff_writer(actor)
    _lock(ticket)
    _require_open_for_change(ticket)
    now = timezone.now()
    events: list[TicketEvent] = []
    changed = _take_if_unowned(ticket, actor, now, events)
    if ticket.assignee_id != actor.pk:
        events.append(_event(ticket, actor, "assigned", now, assignee=actor.pk,
                             previous=ticket.assignee_id))
        ticket.assignee = actor
        changed.append("assignee")
    if ticket.status == rules.Status.NEW:
        events.append(_event(ticket, actor, "status", now, old="new", new="open"))
        ticket.status = "open"
        changed.append("status")
        changed += sla_on_change(ticket, now, old_status=rules.Status.NEW)
    if changed:
        _save(ticket, now, *set(changed))
        TicketEvent.objects.bulk_create(events)
    return ticket


@transaction.atomic
def ticket_reply(*, ticket: Ticket, actor: User, body: str, internal: bool = False,
                 channel: str | None = None, automated: bool = False) -> Message:
    """A public reply or an internal note. Customers can only reply publicly. ``automated``
    (an automation's acknowledgement or note): nobody takes the ticket, and it is no one's
    first response — the SLA keeps running until a person answers."""
    require_writer(actor)
    body = _clean_text("body", body, required=True, limit=MAX_BODY)
    _lock(ticket)
    _require_open_for_change(ticket)
    now = timezone.now()
    is_customer = actor.role == Role.CUSTOMER
    if is_customer and internal:
        raise PermissionDenied(_("Customers cannot write internal notes."))
    old_status = ticket.status
    events: list[TicketEvent] = []
    changed: list[str] = []
    if automated:
        pass
    elif not is_customer:
        changed += _take_if_unowned(ticket, actor, now, events)
        if not internal and ticket.first_response_at is None:
            ticket.first_response_at = now
            changed.append("first_response_at")
        if ticket.status == rules.Status.NEW:
            events.append(_event(ticket, actor, "status", now, old="new", new="open"))
            ticket.status = "open"
            changed.append("status")
    else:
        # The customer answered: the ball is back in our court.
        if ticket.status in (rules.Status.PENDING_CUSTOMER, rules.Status.RESOLVED):
            events.append(_event(ticket, actor, "status", now, old=ticket.status, new="open",
                                 reopened=ticket.status == rules.Status.RESOLVED))
            if ticket.status == rules.Status.RESOLVED:
                ticket.resolved_at = None
                changed.append("resolved_at")
            ticket.status = "open"
            changed.append("status")
    message = Message.objects.create(
        ticket=ticket, visibility="internal" if internal else "public", body=body, author=actor,
        from_customer=is_customer, channel=channel or ("portal" if is_customer else "agent"))
    events.append(_event(ticket, actor, "note" if internal else "message", now, message=message.pk))
    queue_message_scoring(message)
    if not internal and not is_customer:  # the answer goes back the way the customer came
        queue_chat_reply(message)
        queue_reply_email(message)
    changed += sla_on_change(ticket, now, old_status=old_status,
                             public_staff_reply=not internal and not is_customer and not automated)
    _save(ticket, now, *set(changed))
    TicketEvent.objects.bulk_create(events)
    if is_customer:
        fire("message_in", ticket, text=body)
    return message


CUSTOMER_TRANSITIONS = {(rules.Status.RESOLVED, rules.Status.OPEN),
                        (rules.Status.RESOLVED, rules.Status.CLOSED)}


@transaction.atomic
def ticket_transition(*, ticket: Ticket, actor: User, status: str, reason: str = "") -> Ticket:
    require_writer(actor)
    target = _check_choice("status", status, rules.Status)
    reason = _clean_text("reason", reason, required=False, limit=1000)
    _lock(ticket)
    current = ticket.status
    if current == target:
        return ticket
    if not rules.can_transition(current, target):
        raise ApplicationError(
            "transition_not_allowed",
            _("A ticket cannot go from %(old)s to %(new)s.") % {"old": current, "new": target},
            details={"from": current, "to": target, "allowed": rules.allowed_targets(current)},
            status=409)
    if actor.role == Role.CUSTOMER and (rules.Status(current), rules.Status(target)) not in CUSTOMER_TRANSITIONS:
        raise PermissionDenied(_("Customers can only confirm or reopen a resolved ticket."))
    if target == rules.Status.CLOSED:
        _require_closable(ticket)
    now = timezone.now()
    events: list[TicketEvent] = []
    changed = ["status"]
    if rules.transition_needs_owner(target) and ticket.owner_id is None:
        changed += _take_if_unowned(ticket, actor, now, events)
        if ticket.owner_id is None:
            raise ApplicationError("owner_required", _("Someone must take the ticket first."),
                                   status=409)
    ticket.status = target
    if target == rules.Status.RESOLVED:
        ticket.resolved_at = now
        changed.append("resolved_at")
    elif target == rules.Status.CLOSED:
        ticket.closed_at = now
        changed.append("closed_at")
        if ticket.resolved_at is None:
            ticket.resolved_at = now
            changed.append("resolved_at")
    elif rules.is_reopen(current, target):
        ticket.resolved_at = None
        changed.append("resolved_at")
    events.append(_event(ticket, actor, "status", now, old=current, new=target,
                         reason=reason, reopened=rules.is_reopen(current, target)))
    changed += sla_on_change(ticket, now, old_status=current)
    _save(ticket, now, *set(changed))
    TicketEvent.objects.bulk_create(events)
    fire("ticket_updated", ticket)
    return ticket


def _require_closable(ticket: Ticket) -> None:
    """No closing by passing the ball (不踢皮球): a complaint closes only with its resolution
    recorded and its follow-up (step 7) done or scheduled."""
    from kefu.workflow.services.complaint import complaint_close_problems

    problems = complaint_close_problems(ticket)
    if problems:
        raise ApplicationError("complaint_not_ready", " ".join(problems),
                               details={"problems": problems}, status=409)


def _assignable(user: User) -> bool:
    return user.is_active and user.role in AGENT_ROLES


@transaction.atomic
def ticket_assign(*, ticket: Ticket, actor: User, assignee: User | None = None,
                  team: Team | None = None) -> Ticket:
    """Hand the work to a colleague and/or a team. The owner stays owner (and accountable)."""
    require_staff_writer(actor)
    if assignee is None and team is None:
        raise ApplicationError("nothing_to_assign", _("Give an assignee or a team."))
    if assignee is not None and not _assignable(assignee):
        raise ApplicationError("invalid_assignee", _("Tickets can only be assigned to agents."),
                               details={"assignee_id": assignee.pk})
    _lock(ticket)
    _require_open_for_change(ticket)
    now = timezone.now()
    events: list[TicketEvent] = []
    changed: list[str] = []
    if team is not None and team.pk != ticket.team_id:
        events.append(_event(ticket, actor, "team", now, old=ticket.team_id, new=team.pk))
        ticket.team = team
        changed.append("team")
        if team.branch_id:
            ticket.branch_id = team.branch_id
            changed.append("branch")
    if assignee is not None and assignee.pk != ticket.assignee_id:
        if ticket.owner_id is None:
            # Dispatching an untaken contact: the colleague who gets it takes it.
            ticket.owner = assignee
            changed.append("owner")
            events.append(_event(ticket, actor, "taken", now, owner=assignee.pk))
        events.append(_event(ticket, actor, "assigned", now, assignee=assignee.pk,
                             previous=ticket.assignee_id, owner=ticket.owner_id))
        ticket.assignee = assignee
        changed.append("assignee")
    if changed:
        _save(ticket, now, *set(changed))
        TicketEvent.objects.bulk_create(events)
        fire("ticket_updated", ticket)
    return ticket


@transaction.atomic
def ticket_transfer_ownership(*, ticket: Ticket, actor: User, new_owner: User,
                              reason: str) -> Ticket:
    """Only a supervisor or admin moves accountability, and only with a reason."""
    if actor.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise PermissionDenied(_("Only a supervisor can transfer ownership."))
    reason = _clean_text("reason", reason, required=True, limit=1000)
    if not _assignable(new_owner):
        raise ApplicationError("invalid_owner", _("Only an agent can own a ticket."))
    _lock(ticket)
    _require_open_for_change(ticket)
    now = timezone.now()
    event = _event(ticket, actor, "owner_transferred", now, old=ticket.owner_id,
                   new=new_owner.pk, reason=reason)
    ticket.owner = new_owner
    _save(ticket, now, "owner")
    event.save()
    return ticket


@transaction.atomic
def ticket_update(*, ticket: Ticket, actor: User, **fields) -> Ticket:
    """Edit subject, type, priority, category or tags; each change is one event."""
    require_staff_writer(actor)
    _lock(ticket)
    _require_open_for_change(ticket)
    now = timezone.now()
    changes: dict[str, list] = {}
    if "subject" in fields:
        value = _clean_text("subject", fields["subject"], required=True, limit=MAX_SUBJECT)
        if value != ticket.subject:
            changes["subject"] = [ticket.subject, value]
            ticket.subject = value
    if "type" in fields:
        value = _check_choice("type", fields["type"], rules.Type)
        if value != ticket.type:
            changes["type"] = [ticket.type, value]
            ticket.type = value
    if "priority" in fields:
        value = _check_choice("priority", fields["priority"], rules.Priority)
        value = rules.complaint_escalated_priority(ticket.type, value)
        if value != ticket.priority:
            changes["priority"] = [ticket.priority, value]
            ticket.priority = value
    if "category" in fields:
        category = fields["category"]
        if (category.pk if category else None) != ticket.category_id:
            changes["category"] = [ticket.category_id, category.pk if category else None]
            ticket.category = category
    model_fields = [f for f in changes]
    if "tags" in fields:
        names = _clean_tags(fields["tags"])
        old = sorted(ticket.tags.values_list("name", flat=True))
        if sorted(names) != old:
            ticket.tags.set(_tags(names))
            changes["tags"] = [old, sorted(names)]
    if changes:
        if "type" in changes or "priority" in changes:  # another SLA policy may apply
            model_fields += sla_on_change(ticket, now, old_status=ticket.status, terms_changed=True)
        _save(ticket, now, *model_fields)
        TicketEvent.objects.create(ticket=ticket, actor=actor, kind="updated",
                                   data={"changes": changes}, created_at=now)
        fire("ticket_updated", ticket)
    return ticket


@transaction.atomic
def ticket_merge(*, source: Ticket, target: Ticket, actor: User) -> Ticket:
    """Merge a duplicate into another ticket of the same customer: messages and attachments
    move, the source is closed and points to the target."""
    require_staff_writer(actor)
    if source.pk == target.pk:
        raise ApplicationError("merge_into_self", _("A ticket cannot be merged into itself."))
    first, second = sorted([source, target], key=lambda t: t.pk)
    _lock(first)
    _lock(second)
    for ticket in (source, target):
        _require_open_for_change(ticket)
    if source.customer_id != target.customer_id:
        raise ApplicationError("merge_other_customer",
                               _("Only tickets of the same customer can be merged."), status=409)
    now = timezone.now()
    events: list[TicketEvent] = []
    changed = ["status", "closed_at", "merged_into"]
    if source.owner_id is None:
        changed += _take_if_unowned(source, actor, now, events)
    moved = Message.objects.filter(ticket=source).update(ticket=target)
    Attachment.objects.filter(ticket=source).update(ticket=target)
    old_status = source.status
    source.status = "closed"
    source.closed_at = now
    source.merged_into = target
    changed += sla_on_change(source, now, old_status=old_status)
    _save(source, now, *changed)
    events += [
        _event(source, actor, "merged", now, into=target.pk, old=old_status, messages=moved),
        _event(target, actor, "merged_from", now, source=source.pk, subject=source.subject,
               description=source.description, messages=moved),
    ]
    _save(target, now)
    TicketEvent.objects.bulk_create(events)
    return target
