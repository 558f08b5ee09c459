"""Helpers shared by the ticket services: validation, event rows, locking, tags."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from kefu.accounts.models import Role, User
from kefu.core.errors import ApplicationError
from kefu.customers.models import Tag

from .. import rules
from ..models import Ticket, TicketEvent

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
                  "resolved_at", "closed_at", "merged_into_id", "priority", "type",
                  "first_response_due", "next_update_due", "resolution_due", "sla_due",
                  "sla_warn_at", "sla_next_check_at"):
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
