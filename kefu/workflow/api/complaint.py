"""Complaint endpoints: the seven-step checklist, commitments, follow-ups, the resolution and
its confirmation, and the skipped-steps report."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import BeforeValidator, Field

from kefu.accounts.models import Role, User
from kefu.api.schemas import ErrorOut, StrictIn, user_ref
from kefu.core.errors import NotFound, PermissionDenied
from kefu.core.pagination import valid_id
from kefu.tickets.access import ticket_get_for

from ..models import Commitment, ComplaintStep, FollowUp, Resolution
from ..selectors_complaint import (
    commitment_get_for,
    complaint_overview,
    follow_up_get_for,
    skipped_steps_report,
)
from ..services import complaint as services

router = Router(tags=["complaints"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut,
          422: ErrorOut}


def _iso_text(value):
    if not isinstance(value, str):
        raise ValueError("expected an ISO 8601 date and time with a time zone")
    return value


#: ISO 8601 text with an offset ("2030-05-01T18:00:00+08:00"); numbers are refused.
DateTimeIn = Annotated[datetime, BeforeValidator(_iso_text), Field(strict=False)]


class AnswerIn(StrictIn):
    question: str = Field(min_length=1, max_length=500)
    answer: str = Field(default="", max_length=2000)
    kind: Literal["open", "closed"] = "open"


class StepIn(StrictIn):
    step: int = Field(ge=1, le=7)
    outcome: Literal["done", "skipped"] = "done"
    note: str = Field(default="", max_length=4000)
    reason: str = Field(default="", max_length=2000)
    skip_earlier_reason: str = Field(default="", max_length=2000)
    apology: Literal["buhaoyisi", "baoqian", "duibuqi", "qingyuanliang"] | None = None
    answers: list[AnswerIn] = Field(default_factory=list, max_length=20)
    solution: str = Field(default="", max_length=2000)
    due_at: DateTimeIn | None = None


class StepOut(Schema):
    step: int
    label: str
    outcome: str
    note: str
    reason: str
    data: dict
    actor: dict | None
    created_at: datetime


class CommitmentOut(Schema):
    id: int
    ticket_id: int
    text: str
    due_at: datetime
    status: str
    promised_by: dict | None
    kept_at: datetime | None
    created_at: datetime


class FollowUpIn(StrictIn):
    due_at: DateTimeIn
    assigned_to_id: int | None = None
    purpose: str = Field(default="", max_length=2000)


class FollowUpDoneIn(StrictIn):
    outcome: Literal["satisfied", "not_satisfied", "unreachable"]
    note: str = Field(default="", max_length=4000)


class FollowUpOut(Schema):
    id: int
    ticket_id: int | None
    assigned_to: dict | None
    due_at: datetime
    purpose: str
    done_at: datetime | None
    outcome: str
    note: str
    created_by: dict | None
    created_at: datetime


class ResolutionIn(StrictIn):
    summary: str = Field(min_length=1, max_length=4000)


class ConfirmIn(StrictIn):
    note: str = Field(default="", max_length=2000)


class ResolutionOut(Schema):
    ticket_id: int
    summary: str
    recorded_by: dict | None = None
    recorded_at: datetime
    confirmed: bool
    confirmation: str
    confirmed_by: dict | None = None
    confirmed_at: datetime | None
    confirmation_note: str | None = None


class PlaybookOut(Schema):
    help: str
    phrases: list[str]
    questions: list[dict]


class ChecklistStepOut(Schema):
    step: int
    label: str
    record: StepOut | None
    playbook: PlaybookOut


class ComplaintOut(Schema):
    ticket_id: int
    is_complaint: bool
    next_step: int | None
    steps: list[ChecklistStepOut]
    apologies: list[dict]
    commitments: list[CommitmentOut]
    follow_ups: list[FollowUpOut]
    resolution: ResolutionOut | None
    close_problems: list[str]
    owner_accountable: bool


class ReportRowOut(Schema):
    step: int
    label: str
    done: int
    skipped: int
    skip_rate: float | None
    reasons: list[dict]


class ReportOut(Schema):
    items: list[ReportRowOut]
    next: str | None


def step_out(r: ComplaintStep) -> dict:
    from ..models.complaint import Step

    return {"step": r.step, "label": str(Step(r.step).label), "outcome": r.outcome,
            "note": r.note, "reason": r.reason, "data": r.data or {}, "actor": user_ref(r.actor),
            "created_at": r.created_at}


def commitment_out(c: Commitment) -> dict:
    return {"id": c.pk, "ticket_id": c.ticket_id, "text": c.text, "due_at": c.due_at,
            "status": c.status, "promised_by": user_ref(c.promised_by), "kept_at": c.kept_at,
            "created_at": c.created_at}


def follow_up_out(f: FollowUp) -> dict:
    return {"id": f.pk, "ticket_id": f.ticket_id, "assigned_to": user_ref(f.assigned_to),
            "due_at": f.due_at, "purpose": f.purpose, "done_at": f.done_at, "outcome": f.outcome,
            "note": f.note, "created_by": user_ref(f.created_by), "created_at": f.created_at}


def resolution_out(r: Resolution, *, for_customer: bool = False) -> dict:
    """Customers see what was done and whether it is confirmed, not who did what or notes."""
    out = {"ticket_id": r.ticket_id, "summary": r.summary, "recorded_at": r.recorded_at,
           "confirmed": bool(r.confirmation), "confirmation": r.confirmation,
           "confirmed_at": r.confirmed_at}
    if not for_customer:
        out.update(recorded_by=user_ref(r.recorded_by), confirmed_by=user_ref(r.confirmed_by),
                   confirmation_note=r.confirmation_note)
    return out


def _staff_reader(user) -> None:
    if user.role == Role.CUSTOMER:
        raise PermissionDenied(_("The complaint checklist is internal."))


@router.get("/tickets/{ticket_id}/complaint", response={200: ComplaintOut, **ERRORS})
def get_complaint(request, ticket_id: int):
    """The seven-step checklist (each step's record and playbook in your language), the four
    apologies, commitments, follow-ups, the resolution and what still stops closing."""
    ticket = ticket_get_for(request.auth, ticket_id)
    _staff_reader(request.auth)
    o = complaint_overview(ticket)
    resolution = o["resolution"]
    return {
        "ticket_id": ticket.pk, "is_complaint": o["is_complaint"], "next_step": o["next_step"],
        "steps": [{"step": s["step"], "label": s["label"],
                   "record": step_out(s["record"]) if s["record"] else None,
                   "playbook": s["playbook"]} for s in o["steps"]],
        "apologies": o["apologies"],
        "commitments": [commitment_out(c) for c in o["commitments"]],
        "follow_ups": [follow_up_out(f) for f in o["follow_ups"]],
        "resolution": resolution_out(resolution) if resolution else None,
        "close_problems": o["close_problems"],
        "owner_accountable": not (resolution and resolution.confirmation),
    }


@router.post("/tickets/{ticket_id}/complaint/steps", response={201: StepOut, **ERRORS})
def record_step(request, ticket_id: int, payload: StepIn):
    """Record one step, ``done`` (with what its form asks: ``apology`` for step 3, ``answers``
    for 4 and 6, ``solution`` + ``due_at`` for 5, which creates a commitment) or ``skipped``
    (with a ``reason``). Steps go in order; ``skip_earlier_reason`` skips the missing earlier
    ones."""
    ticket = ticket_get_for(request.auth, ticket_id)
    record = services.complaint_step_record(
        ticket=ticket, actor=request.auth, step=payload.step, outcome=payload.outcome,
        note=payload.note, reason=payload.reason, skip_earlier_reason=payload.skip_earlier_reason,
        apology=payload.apology, answers=[a.dict() for a in payload.answers],
        solution=payload.solution, due_at=payload.due_at)
    return Status(201, step_out(record))


@router.post("/commitments/{commitment_id}/keep", response={200: CommitmentOut, **ERRORS})
def keep_commitment(request, commitment_id: int):
    """Mark a promised deadline (承诺时限) kept."""
    commitment = commitment_get_for(request.auth, commitment_id)
    services.commitment_keep(commitment=commitment, actor=request.auth)
    return commitment_out(Commitment.objects.select_related("promised_by").get(pk=commitment.pk))


def _agent(user_id: int | None) -> User | None:
    if user_id is None:
        return None
    user = User.objects.filter(pk=user_id).first() if valid_id(user_id) else None
    if user is None:
        raise NotFound(_("User"), user_id)
    return user


@router.post("/tickets/{ticket_id}/follow-ups", response={201: FollowUpOut, **ERRORS})
def schedule_follow_up(request, ticket_id: int, payload: FollowUpIn):
    """Schedule a follow-up (step 7, 跟踪服务); ``assigned_to_id`` defaults to the owner."""
    ticket = ticket_get_for(request.auth, ticket_id)
    follow_up = services.follow_up_schedule(ticket=ticket, actor=request.auth,
                                            due_at=payload.due_at,
                                            assigned_to=_agent(payload.assigned_to_id),
                                            purpose=payload.purpose)
    return Status(201, follow_up_out(follow_up))


@router.post("/follow-ups/{follow_up_id}/complete", response={200: FollowUpOut, **ERRORS})
def complete_follow_up(request, follow_up_id: int, payload: FollowUpDoneIn):
    """Record how the follow-up went (a note is required when the customer is not satisfied)."""
    follow_up = follow_up_get_for(request.auth, follow_up_id)
    services.follow_up_complete(follow_up=follow_up, actor=request.auth,
                                outcome=payload.outcome, note=payload.note)
    return follow_up_out(FollowUp.objects.select_related("assigned_to", "created_by")
                         .get(pk=follow_up.pk))


def _resolution(ticket_id: int) -> Resolution:
    return Resolution.objects.select_related("recorded_by", "confirmed_by").get(ticket_id=ticket_id)


@router.get("/tickets/{ticket_id}/resolution", response={200: ResolutionOut, **ERRORS})
def get_resolution(request, ticket_id: int):
    """How the ticket was resolved and whether it is confirmed (customers: their own tickets)."""
    ticket = ticket_get_for(request.auth, ticket_id)
    resolution = Resolution.objects.select_related("recorded_by", "confirmed_by").filter(
        ticket=ticket).first()
    if resolution is None:
        raise NotFound(_("Resolution"), ticket_id)
    return resolution_out(resolution, for_customer=request.auth.role == Role.CUSTOMER)


@router.post("/tickets/{ticket_id}/resolution", response={201: ResolutionOut, **ERRORS})
def record_resolution(request, ticket_id: int, payload: ResolutionIn):
    """Record (or replace) how the ticket was resolved; it then waits for confirmation."""
    ticket = ticket_get_for(request.auth, ticket_id)
    services.resolution_record(ticket=ticket, actor=request.auth, summary=payload.summary)
    return Status(201, resolution_out(_resolution(ticket.pk)))


@router.post("/tickets/{ticket_id}/resolution/confirm", response={200: ResolutionOut, **ERRORS})
def confirm_resolution(request, ticket_id: int, payload: ConfirmIn):
    """The customer confirms the resolution of their own ticket; or the owner records a
    verification call-back (回访核实) — staff must give a ``note``."""
    ticket = ticket_get_for(request.auth, ticket_id)
    services.resolution_confirm(ticket=ticket, actor=request.auth, note=payload.note)
    return resolution_out(_resolution(ticket.pk), for_customer=request.auth.role == Role.CUSTOMER)


class ReportFilters(Schema):
    since: DateTimeIn | None = None


@router.get("/reports/complaint-steps", response={200: ReportOut, **ERRORS})
def complaint_steps_report(request, filters: Query[ReportFilters]):
    """Per step of the seven: how many complaints recorded it done or skipped, and the most
    common skip reasons (supervisors, administrators and auditors; over the tickets they see)."""
    since = services.clean_moment("since", filters.since) if filters.since else None
    return {"items": skipped_steps_report(request.auth, since=since), "next": None}
