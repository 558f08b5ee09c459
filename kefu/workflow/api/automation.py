"""Automation rules through the API: admins edit them, auditors read them and their runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.db import transaction
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from kefu.accounts.access import require_role
from kefu.accounts.models import Role
from kefu.api.schemas import ErrorOut, StrictIn
from kefu.core.errors import ApplicationError, NotFound
from kefu.core.pagination import MAX_ID, keyset_page

from ..automation_rules import RuleError, validate_actions, validate_conditions
from ..models import AutomationRule, AutomationRun
from ..models.automation import AutomationEvent

router = Router(tags=["automation"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
EventName = Literal[tuple(e.value for e in AutomationEvent)]  # type: ignore[valid-type]


class RuleIn(StrictIn):
    name: str = Field(min_length=1, max_length=120)
    event: EventName
    conditions: list[Any] = Field(default_factory=list, max_length=20)
    actions: list[Any] = Field(min_length=1, max_length=20)
    order: int = Field(default=100, ge=0, le=1_000_000)
    active: bool = True
    stop_processing: bool = False


class RuleOut(Schema):
    id: int
    name: str
    event: str
    conditions: list
    actions: list
    order: int
    active: bool
    stop_processing: bool


class RulePage(Schema):
    items: list[RuleOut]
    next: str | None


class RunOut(Schema):
    id: int
    rule_id: int
    ticket_id: int
    event: str
    outcome: str
    detail: dict
    created_at: datetime


class RunPage(Schema):
    items: list[RunOut]
    next: str | None


def _out(rule: AutomationRule) -> dict:
    return {"id": rule.pk, "name": rule.name, "event": rule.event, "conditions": rule.conditions,
            "actions": rule.actions, "order": rule.order, "active": rule.active,
            "stop_processing": rule.stop_processing}


def _validated(payload: RuleIn) -> dict:
    data = payload.dict()
    try:
        data["conditions"] = validate_conditions(data["conditions"])
        data["actions"] = validate_actions(data["actions"])
    except RuleError as exc:
        raise ApplicationError("invalid_rule", str(exc), details={"field": "rule"}) from exc
    return data


def _rule(rule_id: int) -> AutomationRule:
    rule = AutomationRule.objects.filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(_("Automation rule"), rule_id)
    return rule


@router.get("/automation/rules", response={200: RulePage, **ERRORS})
def list_rules(request):
    require_role(request.auth, Role.ADMIN, Role.AUDITOR)
    return {"items": [_out(r) for r in AutomationRule.objects.order_by("order", "id")], "next": None}


@router.post("/automation/rules", response={201: RuleOut, **ERRORS})
def create_rule(request, payload: RuleIn):
    """Admins: a rule runs on its event, in ``order``, when all conditions hold."""
    require_role(request.auth, Role.ADMIN)
    with transaction.atomic():
        rule = AutomationRule.objects.create(**_validated(payload))
    return Status(201, _out(rule))


@router.put("/automation/rules/{rule_id}", response={200: RuleOut, **ERRORS})
def replace_rule(request, rule_id: int, payload: RuleIn):
    require_role(request.auth, Role.ADMIN)
    rule = _rule(rule_id)
    for key, value in _validated(payload).items():
        setattr(rule, key, value)
    rule.save()
    return _out(rule)


@router.delete("/automation/rules/{rule_id}", response={204: None, **ERRORS})
def delete_rule(request, rule_id: int):
    require_role(request.auth, Role.ADMIN)
    _rule(rule_id).delete()
    return Status(204, None)


@router.get("/automation/runs", response={200: RunPage, **ERRORS})
def list_runs(request, rule: int | None = Query(None, ge=1, le=MAX_ID),
              ticket: int | None = Query(None, ge=1, le=MAX_ID),
              cursor: str | None = None, limit: int = 50):
    """The audit trail: every rule that applied or failed, newest first."""
    require_role(request.auth, Role.ADMIN, Role.AUDITOR)
    qs = AutomationRun.objects.all()
    if rule is not None:
        qs = qs.filter(rule_id=rule)
    if ticket is not None:
        qs = qs.filter(ticket_id=ticket)
    rows, nxt = keyset_page(qs, field="created_at", descending=True, cursor=cursor, limit=limit)
    return {"items": [{"id": r.pk, "rule_id": r.rule_id, "ticket_id": r.ticket_id,
                       "event": r.event, "outcome": r.outcome, "detail": r.detail,
                       "created_at": r.created_at} for r in rows], "next": nxt}
