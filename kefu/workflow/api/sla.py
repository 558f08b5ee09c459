"""SLA and alerts endpoints: a ticket's targets with their state, the caller's alerts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from ninja import Router, Schema
from pydantic import Field

from kefu.api.schemas import ErrorOut, StrictIn
from kefu.core.errors import PermissionDenied
from kefu.core.pagination import keyset_page
from kefu.tickets.access import ticket_get_for

from ..services.alerts import alert_mark_read, alerts_for
from ..services.sla import ticket_sla

router = Router(tags=["sla"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class TargetOut(Schema):
    target: str
    minutes: int | None
    due: datetime | None
    warn_at: datetime | None
    met_at: datetime | None
    state: str


class TicketSlaOut(Schema):
    policy: dict | None
    targets: list[TargetOut]
    first_response_minutes: float | None = None
    resolution_minutes: float | None = None
    breached: bool


@router.get("/tickets/{ticket_id}/sla", response={200: TicketSlaOut, **ERRORS})
def get_ticket_sla(request, ticket_id: int):
    """Every SLA target of the ticket: due time (business calendar), warning time, when it
    was met, and its state (running, warning, breached, paused, met, met_late)."""
    ticket = ticket_get_for(request.auth, ticket_id)
    if request.auth.role == "customer":  # targets and policies are internal
        raise PermissionDenied()
    return ticket_sla(ticket)


class AlertOut(Schema):
    id: int
    kind: str
    text: str
    ticket_id: int | None
    created_at: datetime
    read_at: datetime | None


class AlertPage(Schema):
    items: list[AlertOut]
    next: str | None


class ReadIn(StrictIn):
    ids: list[Annotated[int, Field(ge=1, le=2**63 - 1)]] | None = Field(default=None, max_length=500)


@router.get("/alerts", response={200: AlertPage, **ERRORS})
def list_alerts(request, unread: bool = False, cursor: str | None = None, limit: int = 50):
    """Your alerts, newest first: SLA warnings and breaches, promised deadlines, hand-offs,
    approvals waiting, upset customers."""
    rows, nxt = keyset_page(alerts_for(request.auth, unread_only=unread), field="created_at",
                            descending=True, cursor=cursor, limit=limit)
    return {"items": [{"id": a.pk, "kind": a.kind, "text": a.text, "ticket_id": a.ticket_id,
                       "created_at": a.created_at, "read_at": a.read_at} for a in rows],
            "next": nxt}


@router.post("/alerts/read", response={200: dict, **ERRORS})
def read_alerts(request, payload: ReadIn):
    """Mark alerts read: the ids given, or all of yours."""
    return {"marked": alert_mark_read(user=request.auth, alert_ids=payload.ids)}
