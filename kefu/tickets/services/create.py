"""Creating tickets, with first-contact ownership and idempotency keys."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.access import require_writer, user_teams
from kefu.accounts.lookups import teams_by_id
from kefu.accounts.models import Role, Team, User
from kefu.core.errors import ApplicationError, Conflict, NotFound
from kefu.customers.models import Customer
from kefu.insights.tasks import queue_ticket_scoring
from kefu.workflow.services.automation import fire
from kefu.workflow.services.sla import sla_on_create

from .. import rules
from ..models import Category, IdempotencyKey, Ticket
from ._common import (
    AGENT_ROLES,
    MAX_BODY,
    MAX_SUBJECT,
    _check_choice,
    _clean_tags,
    _clean_text,
    _event,
    _tags,
)


def route_team(*, customer: Customer, actor: User | None) -> Team:
    """Default queue: the actor's first team, else the customer's branch team, else any team."""
    if actor is not None and actor.role in AGENT_ROLES:
        teams = user_teams(actor)
        if teams:
            return teams[0]
    teams = sorted(teams_by_id().values(), key=lambda t: t.code)  # the reference cache
    team = (next((t for t in teams if customer.branch_id and t.branch_id == customer.branch_id), None)
            or next((t for t in teams if t.branch_id is None), None)
            or next(iter(teams), None))
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
    sla_on_create(ticket, tier_id=customer.tier_id)
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
    fire("ticket_created", ticket)
    queue_ticket_scoring(ticket)
    return ticket, True


def _idempotent_replay(actor, scope, key, fingerprint) -> Ticket | None:
    row = IdempotencyKey.objects.filter(user=actor, scope=scope, key=key).first()
    if row is None:
        return None
    if fingerprint and row.request_hash and row.request_hash != fingerprint:
        raise Conflict("idempotency_key_reused",
                       _("This Idempotency-Key was already used with a different request."))
    return Ticket.objects.get(pk=row.resource_id)
