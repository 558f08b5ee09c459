"""Service recovery endpoints (服务补救 / 员工授权): /api/v1/tickets/{id}/recovery,
/api/v1/recovery/…, /api/v1/reports/recovery-outcomes. Staff only; customers get 403."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from kefu.accounts.models import Role
from kefu.api.schemas import ErrorOut, StrictIn, user_ref
from kefu.core.errors import ApplicationError, PermissionDenied
from kefu.tickets.access import ticket_get_for

from .. import selectors_recovery as selectors
from ..models import RecoveryAction
from ..services import recovery as services

router = Router(tags=["recovery"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut,
          422: ErrorOut}

KindName = Literal["refund", "voucher", "gift", "free_service", "apology_visit"]


class RecoveryIn(StrictIn):
    kind: KindName
    amount: str | int | float = Field(
        description="0 to 1,000,000 with at most two decimals; a decimal string such as "
        '"99.50" keeps the exact value.')
    currency: str = Field(default="CNY", max_length=3,
                          description="ISO 4217 code of three capital letters.")
    note: str = Field(default="", max_length=2000)


class DecisionIn(StrictIn):
    reason: str = Field(default="", max_length=2000)


class RejectIn(StrictIn):
    reason: str = Field(min_length=1, max_length=2000)


class RecoveryOut(Schema):
    id: int
    ticket: dict
    customer: dict
    kind: str
    amount: str
    currency: str
    note: str
    status: str
    requested_by: dict | None
    decided_by: dict | None
    decided_at: datetime | None
    decision_reason: str
    created_at: datetime
    can_decide: bool
    can_cancel: bool


class RecoveryPage(Schema):
    items: list[RecoveryOut]
    next: str | None


class LimitOut(Schema):
    kind: str | None
    tier: str | None
    currency: str
    max_amount: str


class LimitPage(Schema):
    items: list[LimitOut]
    next: str | None


class OutcomeGroupOut(Schema):
    customers: int
    later_tickets: int
    later_tickets_per_customer: float | None
    still_active: int
    still_active_share: float | None


class OutcomesOut(Schema):
    since: datetime | None
    as_of: datetime
    active_days: int
    recovered: OutcomeGroupOut
    not_recovered: OutcomeGroupOut


def _staff(request):
    user = request.auth
    if not user.is_staff_member:
        raise PermissionDenied(_("Recovery actions are internal to staff."))
    return user


def action_out(action: RecoveryAction, viewer, rows) -> dict:
    return {
        "id": action.pk,
        "ticket": {"id": action.ticket_id, "subject": action.ticket.subject},
        "customer": {"id": action.customer_id, "name": action.customer.name},
        "kind": action.kind, "amount": str(action.amount), "currency": action.currency,
        "note": action.note, "status": action.status,
        "requested_by": user_ref(action.requested_by), "decided_by": user_ref(action.decided_by),
        "decided_at": action.decided_at, "decision_reason": action.decision_reason,
        "created_at": action.created_at,
        "can_decide": selectors.can_decide(viewer, action, rows),
        "can_cancel": selectors.can_cancel(viewer, action),
    }


def _answer(request, action_id: int) -> dict:
    viewer = request.auth
    action = selectors.recovery_get_for(viewer, action_id)
    return action_out(action, viewer, selectors.limit_rows(viewer.role))


@router.post("/tickets/{ticket_id}/recovery", response={201: RecoveryOut, **ERRORS})
def request_recovery(request, ticket_id: int, payload: RecoveryIn):
    """Ask for a recovery gesture. Within your own limit it is ``granted`` at once; above it
    it is ``pending`` until an approver whose limit covers it decides."""
    actor = _staff(request)
    ticket = ticket_get_for(actor, ticket_id)
    action = services.recovery_request(ticket=ticket, actor=actor, kind=payload.kind,
                                       amount=payload.amount, currency=payload.currency,
                                       note=payload.note)
    return Status(201, _answer(request, action.pk))


@router.get("/tickets/{ticket_id}/recovery", response={200: RecoveryPage, **ERRORS})
def list_ticket_recovery(request, ticket_id: int, cursor: str | None = None, limit: int = 50):
    """The ticket's recovery actions, newest first."""
    viewer = _staff(request)
    ticket = ticket_get_for(viewer, ticket_id)
    rows, nxt = selectors.ticket_actions(ticket, cursor=cursor, limit=limit)
    limits = selectors.limit_rows(viewer.role)
    return {"items": [action_out(a, viewer, limits) for a in rows], "next": nxt}


@router.get("/recovery/approvals", response={200: RecoveryPage, **ERRORS})
def approval_queue(request, cursor: str | None = None, limit: int = 25):
    """Requests waiting for you: on tickets you see, within your own limit, not your own;
    oldest first."""
    viewer = _staff(request)
    limits = selectors.limit_rows(viewer.role)
    rows, nxt = selectors.approval_queue(viewer, cursor=cursor, limit=limit, rows=limits)
    return {"items": [action_out(a, viewer, limits) for a in rows], "next": nxt}


@router.post("/recovery/{action_id}/approve", response={200: RecoveryOut, **ERRORS})
def approve(request, action_id: int, payload: DecisionIn | None = None):
    actor = _staff(request)
    action = selectors.recovery_get_for(actor, action_id)
    services.recovery_approve(action=action, actor=actor,
                              reason=payload.reason if payload else "")
    return _answer(request, action_id)


@router.post("/recovery/{action_id}/reject", response={200: RecoveryOut, **ERRORS})
def reject(request, action_id: int, payload: RejectIn):
    """Reject a waiting request; ``reason`` is required and is shown to the requester."""
    actor = _staff(request)
    action = selectors.recovery_get_for(actor, action_id)
    services.recovery_reject(action=action, actor=actor, reason=payload.reason)
    return _answer(request, action_id)


@router.post("/recovery/{action_id}/cancel", response={200: RecoveryOut, **ERRORS})
def cancel(request, action_id: int):
    """The requester withdraws a request that is still waiting."""
    actor = _staff(request)
    action = selectors.recovery_get_for(actor, action_id)
    services.recovery_cancel(action=action, actor=actor)
    return _answer(request, action_id)


@router.get("/recovery/limits", response={200: LimitPage, **ERRORS})
def my_limits(request):
    """Your own empowerment limits (``kind``/``tier`` null: every kind/tier). Where no row
    matches, your limit is 0: anything above 0 needs approval."""
    viewer = _staff(request)
    return {"items": [{"kind": row.kind or None, "tier": row.tier.code if row.tier_id else None,
                       "currency": row.currency, "max_amount": str(row.max_amount)}
                      for row in selectors.own_limits(viewer)], "next": None}


@router.get("/reports/recovery-outcomes", response={200: OutcomesOut, **ERRORS})
def recovery_outcomes(request, since: datetime | None = None):
    """Complainers who received recovery against those who did not: how many, their later
    tickets, and the share still active (a later ticket in the last 90 days). Supervisors,
    admins and auditors; each sees their own scope."""
    viewer = request.auth
    if viewer.role not in (Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR):
        raise PermissionDenied()
    if since is not None:
        try:
            if timezone.is_naive(since):
                since = timezone.make_aware(since)
            since = since.astimezone(UTC)
        except (OverflowError, ValueError):
            raise ApplicationError("invalid_since", _("since is not a valid date and time."),
                                   details={"field": "since"})
    data = selectors.recovery_outcomes(viewer, since)
    return {**data, "recovered": data["recovered"].as_dict(),
            "not_recovered": data["not_recovered"].as_dict()}

