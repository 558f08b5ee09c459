"""Every write to tickets. Each runs in a transaction and writes its TicketEvent row(s) in it.

Ownership (首问负责制): the first agent who takes a contact becomes its owner; assignment to a
colleague or another team never changes the owner; only a supervisor's explicit transfer
with a reason does. A ticket outside ``new`` always has an owner (also a DB constraint).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.access import require_staff_writer, require_writer, user_teams
from kefu.accounts.models import Role, Team, User
from kefu.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied
from kefu.customers.models import Customer, Tag

from . import rules
from .models import Attachment, Category, IdempotencyKey, Message, Ticket, TicketEvent

AGENT_ROLES = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)
MAX_SUBJECT = 300
MAX_BODY = 100_000


def _event(ticket: Ticket, actor: User | None, kind: str, at, **data) -> TicketEvent:
    return TicketEvent(ticket=ticket, actor=actor, kind=kind, data=data, created_at=at)


def _check_choice(field: str, value: str, enum) -> str:
    try:
        return enum(value).value
    except ValueError:
        raise ApplicationError(
            f"invalid_{field}",
            _("%(field)s must be one of: %(allowed)s")
            % {"field": field, "allowed": ", ".join(e.value for e in enum)},
            details={"field": field, "allowed": [e.value for e in enum]},
        )


def _clean_text(field: str, value: str | None, *, required: bool, limit: int) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ApplicationError("required", _("%(field)s is required.") % {"field": field},
                               details={"field": field})
    if len(value) > limit:
        raise ApplicationError("too_long", _("%(field)s is longer than %(limit)d characters.")
                               % {"field": field, "limit": limit}, details={"field": field})
    if "\x00" in value:
        raise ApplicationError("invalid_text", _("%(field)s contains a NUL character.")
                               % {"field": field}, details={"field": field})
    return value


def route_team(*, customer: Customer, actor: User) -> Team:
    """Default queue: the actor's first team, else the customer's branch team, else any team."""
    if actor.role in AGENT_ROLES:
        teams = user_teams(actor)
        if teams:
            return teams[0]
    if customer.branch_id:
        team = Team.objects.filter(branch_id=customer.branch_id).order_by("code").first()
        if team:
            return team
    team = Team.objects.filter(branch__isnull=True).order_by("code").first() or Team.objects.order_by("code").first()
    if team is None:
        raise ApplicationError("no_team", _("No team exists to receive tickets."), status=409)
    return team


def request_fingerprint(payload: dict) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def ticket_create(*, actor: User, customer: Customer, subject: str, description: str = "",
                  type: str = "inquiry", priority: str = "normal", channel: str | None = None,
                  category: Category | None = None, team: Team | None = None,
                  tags: Iterable[str] = (), idempotency_key: str | None = None,
                  fingerprint: str | None = None) -> tuple[Ticket, bool]:
    """Create a ticket; returns (ticket, created). A repeated idempotency key returns the first."""
    require_writer(actor)
    if actor.role == Role.CUSTOMER and customer.user_id != actor.id:
        raise NotFound(_("Customer"), customer.pk)
    subject = _clean_text("subject", subject, required=True, limit=MAX_SUBJECT)
    description = _clean_text("description", description, required=False, limit=MAX_BODY)
    ticket_type = _check_choice("type", type, rules.Type)
    priority = rules.complaint_escalated_priority(ticket_type,
                                                  _check_choice("priority", priority, rules.Priority))
    if idempotency_key is not None:
        idempotency_key = idempotency_key.strip()
        if not idempotency_key or len(idempotency_key) > 200:
            raise ApplicationError("invalid_idempotency_key",
                                   _("Idempotency-Key must be 1 to 200 characters."))
        found = _idempotent_replay(actor, "ticket_create", idempotency_key, fingerprint)
        if found is not None:
            return found, False
    is_agent = actor.role in AGENT_ROLES
    if team is None:
        team = route_team(customer=customer, actor=actor)
    now = timezone.now()
    owner = actor if is_agent else None
    ticket = Ticket(subject=subject, description=description, customer=customer, type=ticket_type,
                    priority=priority, status="open" if owner else "new",
                    channel=channel or ("agent" if is_agent else "portal"),
                    category=category, team=team, branch_id=team.branch_id or customer.branch_id,
                    owner=owner, assignee=owner, created_by=actor, created_at=now, updated_at=now)
    try:
        with transaction.atomic():
            ticket.save(force_insert=True)
            _event(ticket, actor, "created", now, status=ticket.status,
                   owner=owner.pk if owner else None, channel=ticket.channel).save(force_insert=True)
            tag_list = _clean_tags(tags)
            if tag_list:
                ticket.tags.set(_tags(tag_list))
            ticket.tag_names = sorted(tag_list)  # spares the caller a query to answer
            if idempotency_key is not None:
                IdempotencyKey.objects.create(user=actor, scope="ticket_create", key=idempotency_key,
                                              request_hash=fingerprint or "", resource_id=ticket.pk,
                                              created_at=now)
    except IntegrityError:
        if idempotency_key is None:
            raise
        # A concurrent request with the same key won the race: answer with its ticket.
        found = _idempotent_replay(actor, "ticket_create", idempotency_key, fingerprint)
        if found is None:
            raise
        return found, False
    return ticket, True


def _idempotent_replay(actor, scope, key, fingerprint) -> Ticket | None:
    row = IdempotencyKey.objects.filter(user=actor, scope=scope, key=key).first()
    if row is None:
        return None
    if fingerprint and row.request_hash and row.request_hash != fingerprint:
        raise Conflict("idempotency_key_reused",
                       _("This Idempotency-Key was already used with a different request."))
    return Ticket.objects.get(pk=row.resource_id)


def _clean_tags(tags: Iterable[str]) -> list[str]:
    cleaned = []
    for tag in tags or ():
        if not isinstance(tag, str):
            raise ApplicationError("invalid_tag", _("Tags must be text."))
        tag = tag.strip()
        if not tag:
            continue
        if len(tag) > 60 or "\x00" in tag:
            raise ApplicationError("invalid_tag", _("A tag is at most 60 characters of text."))
        if tag not in cleaned:
            cleaned.append(tag)
    return cleaned


def _tags(names: list[str]) -> list[Tag]:
    existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    for name in names:
        if name not in existing:
            existing[name], _created = Tag.objects.get_or_create(name=name)
    return [existing[n] for n in names]


def _save(ticket: Ticket, now, *fields: str) -> None:
    ticket.updated_at = now
    ticket.save(update_fields=[*fields, "updated_at"])


def _lock(ticket: Ticket) -> Ticket:
    """Re-read the ticket row under a lock so concurrent changes serialise."""
    locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
    for field in ("status", "owner_id", "assignee_id", "team_id", "first_response_at",
                  "resolved_at", "closed_at", "merged_into_id", "priority", "type"):
        setattr(ticket, field, getattr(locked, field))
    return ticket


def _require_open_for_change(ticket: Ticket) -> None:
    if ticket.status == rules.Status.CLOSED:
        raise ApplicationError("ticket_closed", _("The ticket is closed."), status=409)


def _take_if_unowned(ticket: Ticket, actor: User, now, events: list) -> list[str]:
    owner_id = rules.owner_after_action(current_owner_id=ticket.owner_id, actor_id=actor.pk,
                                        actor_is_agent=actor.role in AGENT_ROLES)
    if owner_id == ticket.owner_id:
        return []
    ticket.owner = actor
    changed = ["owner"]
    if ticket.assignee_id is None:
        ticket.assignee = actor
        changed.append("assignee")
    events.append(_event(ticket, actor, "taken", now, owner=actor.pk))
    return changed


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
    if changed:
        _save(ticket, now, *set(changed))
        TicketEvent.objects.bulk_create(events)
    return ticket


@transaction.atomic
def ticket_reply(*, ticket: Ticket, actor: User, body: str, internal: bool = False,
                 channel: str | None = None) -> Message:
    """A public reply or an internal note. Customers can only reply publicly."""
    require_writer(actor)
    body = _clean_text("body", body, required=True, limit=MAX_BODY)
    _lock(ticket)
    _require_open_for_change(ticket)
    now = timezone.now()
    is_customer = actor.role == Role.CUSTOMER
    if is_customer and internal:
        raise PermissionDenied(_("Customers cannot write internal notes."))
    events: list[TicketEvent] = []
    changed: list[str] = []
    if not is_customer:
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
    _save(ticket, now, *set(changed))
    TicketEvent.objects.bulk_create(events)
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
    _save(ticket, now, *set(changed))
    TicketEvent.objects.bulk_create(events)
    return ticket


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
        _save(ticket, now, *model_fields)
        TicketEvent.objects.create(ticket=ticket, actor=actor, kind="updated",
                                   data={"changes": changes}, created_at=now)
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
    _save(source, now, *changed)
    events += [
        _event(source, actor, "merged", now, into=target.pk, old=old_status, messages=moved),
        _event(target, actor, "merged_from", now, source=source.pk, subject=source.subject,
               description=source.description, messages=moved),
    ]
    _save(target, now)
    TicketEvent.objects.bulk_create(events)
    return target


ALLOWED_CONTENT_TYPES = {
    "image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf",
    "text/plain", "text/csv", "application/zip",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/msword", "application/vnd.ms-excel", "audio/mpeg", "audio/x-wav",
}
OFFICE_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def sniff_content_type(head: bytes, declared: str) -> str | None:
    """The content type the bytes really are, or None when they are not an allowed type."""
    import filetype

    kind = filetype.guess(head)
    if kind is not None:
        mime = kind.mime
        if mime == "application/zip" and declared in OFFICE_TYPES:
            return declared  # .docx/.xlsx are zip containers
        if mime in {"application/x-ole-storage", "application/x-cfb"} and declared in {
                "application/msword", "application/vnd.ms-excel"}:
            return declared
        return mime if mime in ALLOWED_CONTENT_TYPES else None
    if declared in {"text/plain", "text/csv"} or not declared:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError:
            try:
                head[:-3].decode("utf-8")  # a multi-byte character cut at the sniff boundary
            except UnicodeDecodeError:
                return None
        return declared or "text/plain"
    return None


@transaction.atomic
def attachment_add(*, ticket: Ticket, actor: User, upload, internal: bool = False,
                   message: Message | None = None) -> Attachment:
    require_writer(actor)
    if actor.role == Role.CUSTOMER and internal:
        raise PermissionDenied()
    size = upload.size or 0
    if size > settings.MAX_ATTACHMENT_BYTES:
        raise ApplicationError("attachment_too_large",
                               _("The file is larger than %(mb).1f MB.")
                               % {"mb": settings.MAX_ATTACHMENT_BYTES / 1024 / 1024},
                               details={"max_bytes": settings.MAX_ATTACHMENT_BYTES, "size": size},
                               status=413)
    if size == 0:
        raise ApplicationError("attachment_empty", _("The file is empty."))
    name = (upload.name or "file").replace("\\", "/").rsplit("/", 1)[-1][:200] or "file"
    head = upload.read(8192)
    upload.seek(0)
    declared = (getattr(upload, "content_type", "") or "").split(";")[0].strip().lower()
    real = sniff_content_type(head, declared)
    if real is None:
        raise ApplicationError("attachment_type", _("This type of file is not accepted."),
                               details={"declared": declared, "allowed": sorted(ALLOWED_CONTENT_TYPES)},
                               status=415)
    _lock(ticket)
    _require_open_for_change(ticket)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    now = timezone.now()
    attachment = Attachment(ticket=ticket, message=message, filename=name, content_type=real,
                            size=size, sha256=digest.hexdigest(), internal=internal,
                            uploaded_by=actor)
    attachment.file.save(name, upload, save=False)
    try:
        with transaction.atomic():
            attachment.save()
            TicketEvent.objects.create(ticket=ticket, actor=actor, kind="attachment",
                                       created_at=now,
                                       data={"attachment": attachment.pk, "filename": name,
                                             "size": size})
            _save(ticket, now)
    except Exception:
        attachment.file.storage.delete(attachment.file.name)
        raise
    return attachment


@transaction.atomic
def close_resolved_older_than(*, days: int, actor: User | None = None) -> int:
    """Auto-close tickets resolved more than ``days`` ago (periodic job)."""
    cutoff = timezone.now() - timezone.timedelta(days=days)
    ids = list(Ticket.objects.filter(status="resolved", resolved_at__lt=cutoff)
               .values_list("pk", flat=True)[:5000])
    if not ids:
        return 0
    now = timezone.now()
    Ticket.objects.filter(pk__in=ids, status="resolved").update(status="closed", closed_at=now,
                                                                 updated_at=now)
    TicketEvent.objects.bulk_create([
        TicketEvent(ticket_id=pk, actor=actor, kind="status", created_at=now,
                    data={"old": "resolved", "new": "closed", "reason": "auto_close",
                          "days": days}) for pk in ids
    ])
    return len(ids)


def purge_expired_idempotency_keys(*, hours: int) -> int:
    cutoff = timezone.now() - timezone.timedelta(hours=hours)
    return IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()[0]
