"""SLA and alerts endpoints: a ticket's targets with their state, the caller's alerts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from kefu.accounts.access import require_role
from kefu.accounts.models import Role
from kefu.api.schemas import ErrorOut, StrictIn
from kefu.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied
from kefu.core.pagination import keyset_page
from kefu.customers.models import Tier
from kefu.tickets.access import ticket_get_for

from ..calendar import calendar_from_dict, next_open
from ..models import Calendar, SlaPolicy
from ..services.alerts import alert_mark_read, alerts_for
from ..services.sla import MAX_TARGET_MINUTES, ticket_sla

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


# --- policies and calendars (admins edit; staff read) ----------------------------------------

PriorityName = Literal["", "low", "normal", "high", "urgent"]
TypeName = Literal["", "inquiry", "request", "complaint", "praise", "internal"]
Minutes = Annotated[int, Field(ge=1, le=MAX_TARGET_MINUTES)]


class PolicyIn(StrictIn):
    name: str = Field(min_length=1, max_length=120)
    name_en: str = Field(default="", max_length=120)
    order: int = Field(default=100, ge=0, le=1_000_000)
    active: bool = True
    tier: str | None = Field(default=None, max_length=40, description="tier code; null: any")
    priority: PriorityName = ""
    type: TypeName = ""
    calendar: str = Field(min_length=1, max_length=40, description="calendar code")
    first_response_minutes: Minutes | None = None
    next_update_minutes: Minutes | None = None
    resolution_minutes: Minutes | None = None
    sunset_rule: bool = False
    pause_when_pending_customer: bool = True
    warn_at_percent: int = Field(default=75, ge=1, le=100)


class PolicyOut(Schema):
    id: int
    name: str
    name_en: str
    order: int
    active: bool
    is_default: bool
    tier: str | None
    priority: str
    type: str
    calendar: str
    first_response_minutes: int | None
    next_update_minutes: int | None
    resolution_minutes: int | None
    sunset_rule: bool
    pause_when_pending_customer: bool
    warn_at_percent: int


class PolicyPage(Schema):
    items: list[PolicyOut]
    next: str | None


def _policy_out(p: SlaPolicy) -> dict:
    return {"id": p.pk, "name": p.name, "name_en": p.name_en, "order": p.order,
            "active": p.active, "is_default": p.is_default,
            "tier": p.tier.code if p.tier_id else None, "priority": p.priority, "type": p.type,
            "calendar": p.calendar.code, "first_response_minutes": p.first_response_minutes,
            "next_update_minutes": p.next_update_minutes,
            "resolution_minutes": p.resolution_minutes, "sunset_rule": p.sunset_rule,
            "pause_when_pending_customer": p.pause_when_pending_customer,
            "warn_at_percent": p.warn_at_percent}


def _staff(user) -> None:
    if user.role == "customer":
        raise PermissionDenied()


def _policy(policy_id: int) -> SlaPolicy:
    policy = SlaPolicy.objects.select_related("tier", "calendar").filter(pk=policy_id).first()
    if policy is None:
        raise NotFound(_("SLA policy"), policy_id)
    return policy


def _policy_fields(payload: PolicyIn) -> dict:
    data = payload.dict()
    calendar = Calendar.objects.filter(code=data.pop("calendar")).first()
    if calendar is None:
        raise NotFound(_("Business calendar"), payload.calendar)
    tier_code = data.pop("tier")
    tier = Tier.objects.filter(code=tier_code).first() if tier_code else None
    if tier_code and tier is None:
        raise NotFound(_("Customer tier"), tier_code)
    if not any(data[k] for k in ("first_response_minutes", "next_update_minutes",
                                 "resolution_minutes")) and not data["sunset_rule"]:
        raise ApplicationError("empty_policy", _("A policy needs at least one target."),
                               details={"field": "first_response_minutes"})
    return {**data, "calendar": calendar, "tier": tier}


@router.get("/sla/policies", response={200: PolicyPage, **ERRORS})
def list_policies(request):
    """SLA policies in the order they are tried (the default one last)."""
    _staff(request.auth)
    rows = SlaPolicy.objects.select_related("tier", "calendar").order_by("is_default", "order", "id")
    return {"items": [_policy_out(p) for p in rows], "next": None}


@router.get("/sla/policies/{policy_id}", response={200: PolicyOut, **ERRORS})
def get_policy(request, policy_id: int):
    _staff(request.auth)
    return _policy_out(_policy(policy_id))


@router.post("/sla/policies", response={201: PolicyOut, **ERRORS})
def create_policy(request, payload: PolicyIn):
    """Admins: a policy for tickets of a tier, priority and/or type (blank: any)."""
    require_role(request.auth, Role.ADMIN)
    policy = SlaPolicy.objects.create(**_policy_fields(payload))
    return Status(201, _policy_out(_policy(policy.pk)))


@router.put("/sla/policies/{policy_id}", response={200: PolicyOut, **ERRORS})
def replace_policy(request, policy_id: int, payload: PolicyIn):
    """Admins: change a policy; open tickets follow it from their next change."""
    require_role(request.auth, Role.ADMIN)
    policy = _policy(policy_id)
    for key, value in _policy_fields(payload).items():
        setattr(policy, key, value)
    policy.save()
    return _policy_out(_policy(policy_id))


@router.delete("/sla/policies/{policy_id}", response={204: None, 409: ErrorOut, **ERRORS})
def delete_policy(request, policy_id: int):
    require_role(request.auth, Role.ADMIN)
    policy = _policy(policy_id)
    if policy.is_default:
        raise Conflict("default_policy", _("The default policy cannot be deleted; edit it instead."))
    policy.delete()
    return Status(204, None)


class CalendarOut(Schema):
    code: str
    name: str
    name_en: str
    data: dict


class CalendarIn(StrictIn):
    data: dict


@router.get("/sla/calendars", response={200: dict, **ERRORS})
def list_calendars(request):
    """Business calendars: hours per weekday, time zone, holidays (see docs/sla-calendar.md)."""
    _staff(request.auth)
    return {"items": [{"code": c.code, "name": c.name, "name_en": c.name_en, "data": c.data}
                      for c in Calendar.objects.order_by("code")], "next": None}


@router.put("/sla/calendars/{code}", response={200: CalendarOut, **ERRORS})
def replace_calendar_hours(request, code: str, payload: CalendarIn):
    """Admins: new hours and holidays for a calendar; checked before anything is saved."""
    require_role(request.auth, Role.ADMIN)
    calendar = Calendar.objects.filter(code=code).first()
    if calendar is None:
        raise NotFound(_("Business calendar"), code)
    try:
        next_open(calendar_from_dict(payload.data), timezone.now())
    except ValueError as exc:
        raise ApplicationError("invalid_calendar", str(exc), details={"field": "data"}) from exc
    calendar.data = payload.data
    calendar.save(update_fields=["data"])
    return {"code": calendar.code, "name": calendar.name, "name_en": calendar.name_en,
            "data": calendar.data}
