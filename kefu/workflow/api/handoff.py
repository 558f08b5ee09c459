"""Hand-off endpoints (转后台): /api/v1/tickets/{id}/handoffs, /api/v1/handoffs…"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from kefu.accounts.models import Role, Team
from kefu.api.schemas import ErrorOut, StrictIn, user_ref
from kefu.core.errors import NotFound, PermissionDenied
from kefu.core.pagination import keyset_page, valid_id
from kefu.tickets.access import ticket_get_for

from ..models import Handoff
from ..selectors_complaint import handoff_get_for, handoff_queue, handoffs_of_ticket
from ..services import handoff as services

router = Router(tags=["handoffs"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut,
          422: ErrorOut}
HandoffStatus = Literal["open", "accepted", "rejected", "cancelled"]


class HandoffIn(StrictIn):
    to_team_id: int
    note: str = Field(min_length=1, max_length=2000)


class RejectIn(StrictIn):
    reason: str = Field(min_length=1, max_length=2000)


class CancelIn(StrictIn):
    reason: str = Field(default="", max_length=2000)


class HandoffOut(Schema):
    id: int
    ticket: dict
    from_team: dict
    to_team: dict
    requested_by: dict | None
    note: str
    status: str
    decided_by: dict | None
    decided_at: datetime | None
    reason: str
    reminded_at: datetime | None
    created_at: datetime


class HandoffPage(Schema):
    items: list[HandoffOut]
    next: str | None


def _team_ref(team) -> dict:
    return {"id": team.pk, "code": team.code, "name": team.label}


def handoff_out(h: Handoff) -> dict:
    return {
        "id": h.pk, "ticket": {"id": h.ticket_id, "subject": h.ticket.subject,
                               "owner_id": h.ticket.owner_id},
        "from_team": _team_ref(h.from_team), "to_team": _team_ref(h.to_team),
        "requested_by": user_ref(h.requested_by), "note": h.note, "status": h.status,
        "decided_by": user_ref(h.decided_by), "decided_at": h.decided_at, "reason": h.reason,
        "reminded_at": h.reminded_at, "created_at": h.created_at,
    }


def _staff_reader(user) -> None:
    if user.role == Role.CUSTOMER:
        raise PermissionDenied(_("Hand-offs are internal."))


def _reload(handoff_id: int) -> Handoff:
    return Handoff.objects.select_related("ticket", "from_team", "to_team", "requested_by",
                                          "decided_by").get(pk=handoff_id)


@router.post("/tickets/{ticket_id}/handoffs", response={201: HandoffOut, **ERRORS})
def request_handoff(request, ticket_id: int, payload: HandoffIn):
    """Hand the ticket to a back-office team (转后台). The owner stays accountable; one open
    request per ticket (a second answers 409)."""
    actor = request.auth
    ticket = ticket_get_for(actor, ticket_id)
    team = Team.objects.filter(pk=payload.to_team_id).first() if valid_id(payload.to_team_id) else None
    if team is None:
        raise NotFound(_("Team"), payload.to_team_id)
    handoff = services.handoff_request(ticket=ticket, actor=actor, to_team=team,
                                       note=payload.note)
    return Status(201, handoff_out(_reload(handoff.pk)))


@router.get("/tickets/{ticket_id}/handoffs", response={200: HandoffPage, **ERRORS})
def list_ticket_handoffs(request, ticket_id: int, cursor: str | None = None, limit: int = 25):
    """The ticket's hand-off requests, newest first (staff only)."""
    ticket = ticket_get_for(request.auth, ticket_id)
    _staff_reader(request.auth)
    rows, nxt = keyset_page(handoffs_of_ticket(ticket), field="created_at", descending=True,
                            cursor=cursor, limit=limit)
    return {"items": [handoff_out(h) for h in rows], "next": nxt}


class QueueFilters(Schema):
    status: HandoffStatus | None = "open"
    cursor: str | None = Field(default=None, max_length=500)
    limit: int = 25


@router.get("/handoffs", response={200: HandoffPage, **ERRORS})
def list_handoffs(request, filters: Query[QueueFilters]):
    """Hand-off requests to the teams you may decide for (``status=open`` by default: the
    ones waiting for you); admins and auditors see every team's."""
    rows, nxt = handoff_queue(request.auth, status=filters.status, cursor=filters.cursor,
                              limit=filters.limit)
    return {"items": [handoff_out(h) for h in rows], "next": nxt}


@router.get("/handoffs/{handoff_id}", response={200: HandoffOut, **ERRORS})
def get_handoff(request, handoff_id: int):
    return handoff_out(handoff_get_for(request.auth, handoff_id))


@router.post("/handoffs/{handoff_id}/accept", response={200: HandoffOut, **ERRORS})
def accept_handoff(request, handoff_id: int):
    """Receiving team: take the work. The ticket moves to your team, you become its assignee;
    the owner does not change."""
    handoff = handoff_get_for(request.auth, handoff_id)
    services.handoff_accept(handoff=handoff, actor=request.auth)
    return handoff_out(_reload(handoff.pk))


@router.post("/handoffs/{handoff_id}/reject", response={200: HandoffOut, **ERRORS})
def reject_handoff(request, handoff_id: int, payload: RejectIn):
    """Receiving team: decline, with a reason. The ticket stays with its owner."""
    handoff = handoff_get_for(request.auth, handoff_id)
    services.handoff_reject(handoff=handoff, actor=request.auth, reason=payload.reason)
    return handoff_out(_reload(handoff.pk))


@router.post("/handoffs/{handoff_id}/cancel", response={200: HandoffOut, **ERRORS})
def cancel_handoff(request, handoff_id: int, payload: CancelIn | None = None):
    """The requester (or the owner, or a supervisor) withdraws an open request."""
    handoff = handoff_get_for(request.auth, handoff_id)
    services.handoff_cancel(handoff=handoff, actor=request.auth,
                            reason=payload.reason if payload else "")
    return handoff_out(_reload(handoff.pk))
