"""The seven-step complaint flow (投诉处理七步法), committed deadlines, follow-ups, the recorded
resolution and its confirmation, and the close guard.

- Steps are recorded in order, each done or skipped (skipping needs a reason), with who and
  when. Step 3 names the apology used, step 4 and 6 store the answers to the playbook's
  questions, step 5 creates a ``Commitment`` (the promised deadline, tracked by the SLA job).
- Step 7 is the follow-up: ``follow_up_schedule`` plans it (the owner by default),
  ``follow_up_complete`` records the outcome; reaching the customer completes step 7 when
  steps 1–6 are recorded.
- ``resolution_record`` says how the ticket was resolved; ``resolution_confirm`` records that
  the customer confirmed it or the owner verified it by a call-back (回访核实). Until then
  the owner stays accountable.
- ``complaint_close_problems(ticket)``: why a complaint may not be closed yet ("a ticket can
  never be closed by passing the ball").
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kefu.accounts.access import require_staff_writer, require_writer
from kefu.accounts.models import Role, User
from kefu.core.errors import ApplicationError, Conflict, PermissionDenied
from kefu.tickets import rules
from kefu.tickets.models import Ticket, TicketEvent
from kefu.tickets.services._common import (
    AGENT_ROLES,
    _clean_text,
    _event,
    _lock,
    _require_open_for_change,
)

from ..models import Alert, Commitment, ComplaintStep, FollowUp, Resolution
from ..models.complaint import Step
from ..playbook import APOLOGY_CODES, CLOSED_ANSWERS
from .alerts import alert_create

STEPS = tuple(s.value for s in Step)
MAX_NOTE = 4000
MAX_REASON = 2000
MAX_ANSWERS = 20
#: A promised deadline or a follow-up further ahead than this is a typing mistake.
MAX_AHEAD = timedelta(days=5 * 366)


def _require_complaint(ticket: Ticket) -> None:
    if ticket.type != rules.Type.COMPLAINT:
        raise Conflict("not_a_complaint", _("The seven-step flow applies to complaints only."),
                       details={"type": ticket.type})


def _require_staff(actor: User) -> None:
    require_writer(actor)  # auditors: read only
    require_staff_writer(actor)  # customers never see the internal flow


def clean_moment(field: str, value) -> datetime:
    """A time zone-aware moment the database can store, in UTC."""
    if not isinstance(value, datetime):
        raise ApplicationError("invalid_datetime", _("%(field)s must be a date and time.")
                               % {"field": field}, details={"field": field})
    if timezone.is_naive(value):
        raise ApplicationError("invalid_datetime",
                               _("%(field)s needs a time zone (for example +08:00).")
                               % {"field": field}, details={"field": field})
    try:
        return value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise ApplicationError("invalid_datetime", _("%(field)s is out of range.")
                               % {"field": field}, details={"field": field})


def clean_future(field: str, value, *, now: datetime | None = None) -> datetime:
    """A time zone-aware moment after now (and not absurdly far ahead)."""
    value = clean_moment(field, value)
    now = now or timezone.now()
    if value <= now:
        raise ApplicationError("in_the_past", _("%(field)s must be in the future.")
                               % {"field": field}, details={"field": field})
    if value - now > MAX_AHEAD:
        raise ApplicationError("too_far_ahead", _("%(field)s is too far in the future.")
                               % {"field": field}, details={"field": field})
    return value


def _clean_answers(answers, *, required: bool) -> list[dict]:
    """``[{"question", "answer", "kind"}]``: the playbook question asked and what was said;
    a closed question's answer is yes / partly / no."""
    if answers is None:
        answers = []
    if not isinstance(answers, list) or len(answers) > MAX_ANSWERS:
        raise ApplicationError("invalid_answers", _("Give at most %(max)d answers.")
                               % {"max": MAX_ANSWERS}, details={"field": "answers"})
    closed = {code for code, _label in CLOSED_ANSWERS}
    out = []
    for item in answers:
        if not isinstance(item, dict):
            raise ApplicationError("invalid_answers", _("Each answer needs a question and an answer."),
                                   details={"field": "answers"})
        kind = item.get("kind") or "open"
        if kind not in ("open", "closed"):
            raise ApplicationError("invalid_answers", _("A question is open or closed."),
                                   details={"field": "answers"})
        question = _clean_text("question", item.get("question"), required=True, limit=500)
        answer = _clean_text("answer", item.get("answer"), required=False, limit=MAX_REASON)
        if kind == "closed" and answer and answer not in closed:
            raise ApplicationError(
                "invalid_answers", _("A closed question is answered %(allowed)s.")
                % {"allowed": " / ".join(sorted(closed))},
                details={"field": "answers", "allowed": sorted(closed)})
        if answer:
            out.append({"question": question, "answer": answer, "kind": kind})
    if required and not out:
        raise ApplicationError("answers_required", _("Record at least one answer."),
                               details={"field": "answers"})
    return out


def _step_data(step: int, *, apology, answers, solution, due_at, now) -> dict:
    """Validate what a step's form captured (done steps only); nothing is written here."""
    if step == Step.APOLOGISE:
        if apology not in APOLOGY_CODES:
            raise ApplicationError(
                "apology_required", _("Choose which of the four apology expressions was used."),
                details={"field": "apology", "allowed": list(APOLOGY_CODES)})
        return {"apology": apology}
    if step in (Step.GATHER, Step.OPINION):
        return {"answers": _clean_answers(answers, required=True)}
    if step == Step.PROPOSE:
        solution = _clean_text("solution", solution, required=True, limit=MAX_REASON)
        if due_at is None:
            raise ApplicationError("required", _("%(field)s is required.") % {"field": "due_at"},
                                   details={"field": "due_at"})
        return {"solution": solution, "due_at": clean_future("due_at", due_at, now=now)}
    return {}


@transaction.atomic
def complaint_step_record(*, ticket: Ticket, actor: User, step: int, outcome: str = "done",
                          note: str = "", reason: str = "", skip_earlier_reason: str = "",
                          apology: str | None = None, answers: list | None = None,
                          solution: str = "", due_at: datetime | None = None) -> ComplaintStep:
    """Record one step of a complaint as done (with what its form captured) or skipped (with a
    reason). Steps go in order: the earlier steps must be recorded first, unless
    ``skip_earlier_reason`` is given — then the missing ones are recorded skipped with it."""
    _require_staff(actor)
    if isinstance(step, bool) or step not in STEPS:
        raise ApplicationError("invalid_step", _("The step must be 1 to 7."),
                               details={"field": "step"})
    step = int(step)
    if outcome not in ComplaintStep.Outcome.values:
        raise ApplicationError("invalid_outcome", _("A step is done or skipped."),
                               details={"field": "outcome",
                                        "allowed": list(ComplaintStep.Outcome.values)})
    note = _clean_text("note", note, required=False, limit=MAX_NOTE)
    reason = _clean_text("reason", reason, required=outcome == "skipped", limit=MAX_REASON)
    skip_earlier_reason = _clean_text("skip_earlier_reason", skip_earlier_reason,
                                      required=False, limit=MAX_REASON)
    _lock(ticket)
    _require_complaint(ticket)
    _require_open_for_change(ticket)
    recorded = set(ComplaintStep.objects.filter(ticket=ticket).values_list("step", flat=True))
    if step in recorded:
        raise Conflict("step_already_recorded", _("Step %(step)d is already recorded.")
                       % {"step": step}, details={"step": step})
    missing = [s for s in STEPS if s < step and s not in recorded]
    if missing and not skip_earlier_reason:
        raise Conflict("steps_out_of_order",
                       _("Record the earlier steps first (%(steps)s), or give a reason to skip them.")
                       % {"steps": ", ".join(str(s) for s in missing)},
                       details={"missing": missing, "field": "skip_earlier_reason"})
    now = timezone.now()
    data = {}
    if outcome == ComplaintStep.Outcome.DONE:
        data = _step_data(step, apology=apology, answers=answers, solution=solution,
                          due_at=due_at, now=now)
    rows, events = [], []
    for earlier in missing:
        rows.append(ComplaintStep(ticket=ticket, step=earlier, outcome="skipped",
                                  reason=skip_earlier_reason, actor=actor, created_at=now))
        events.append(_event(ticket, actor, "complaint_step", now, step=earlier,
                             outcome="skipped", reason=skip_earlier_reason))
    event_data = {"step": step, "outcome": outcome}
    if outcome == "skipped":
        event_data["reason"] = reason
    if "due_at" in data:
        commitment = Commitment.objects.create(ticket=ticket, text=data["solution"],
                                               due_at=data["due_at"], promised_by=actor,
                                               created_at=now)
        data = {**data, "due_at": data["due_at"].isoformat(), "commitment": commitment.pk}
        event_data.update(commitment=commitment.pk, due_at=data["due_at"])
    if "apology" in data:
        event_data["apology"] = data["apology"]
    record = ComplaintStep(ticket=ticket, step=step, outcome=outcome, note=note,
                           reason=reason if outcome == "skipped" else "", data=data,
                           actor=actor, created_at=now)
    rows.append(record)
    events.append(_event(ticket, actor, "complaint_step", now, **event_data))
    try:
        with transaction.atomic():
            ComplaintStep.objects.bulk_create(rows)
    except IntegrityError:  # recorded concurrently
        raise Conflict("step_already_recorded", _("Step %(step)d is already recorded.")
                       % {"step": step}, details={"step": step})
    TicketEvent.objects.bulk_create(events)
    _touch(ticket, now)
    return record


def _touch(ticket: Ticket, now) -> None:
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=now)
    ticket.updated_at = now


@transaction.atomic
def commitment_keep(*, commitment: Commitment, actor: User) -> Commitment:
    """Mark a promised deadline kept. A broken promise stays broken (it is on record)."""
    _require_staff(actor)
    locked = Commitment.objects.select_for_update().get(pk=commitment.pk)
    if locked.status != Commitment.Status.OPEN:
        raise Conflict("commitment_not_open", _("Only an open commitment can be marked kept."),
                       details={"status": locked.status})
    now = timezone.now()
    commitment.status = Commitment.Status.KEPT
    commitment.kept_at = now
    commitment.save(update_fields=["status", "kept_at"])
    _event(commitment.ticket, actor, "commitment_kept", now, commitment=commitment.pk,
           due_at=commitment.due_at.isoformat(), late=now > commitment.due_at).save()
    _touch(commitment.ticket, now)
    return commitment


def _assignable(user: User) -> bool:
    return user.is_active and user.role in AGENT_ROLES


@transaction.atomic
def follow_up_schedule(*, ticket: Ticket, actor: User, due_at: datetime,
                       assigned_to: User | None = None, purpose: str = "") -> FollowUp:
    """Plan a follow-up call or visit for the ticket (step 7); the owner by default."""
    _require_staff(actor)
    purpose = _clean_text("purpose", purpose, required=False, limit=2000)
    _lock(ticket)
    _require_open_for_change(ticket)
    now = timezone.now()
    due_at = clean_future("due_at", due_at, now=now)
    if assigned_to is None:
        assigned_to = User.objects.get(pk=ticket.owner_id) if ticket.owner_id else actor
    if not _assignable(assigned_to):
        raise ApplicationError("invalid_assignee", _("Follow-ups can only be given to agents."),
                               details={"field": "assigned_to_id"})
    follow_up = FollowUp.objects.create(ticket=ticket, customer_id=ticket.customer_id,
                                        assigned_to=assigned_to, due_at=due_at, purpose=purpose,
                                        created_by=actor, created_at=now)
    _event(ticket, actor, "follow_up_scheduled", now, follow_up=follow_up.pk,
           due_at=due_at.isoformat(), assignee=assigned_to.pk).save()
    if assigned_to.pk != actor.pk:
        alert_create(user=assigned_to, kind=Alert.Kind.FOLLOW_UP, ticket=ticket,
                     message=gettext_noop("A follow-up of ticket #%(number)s was scheduled for you."),
                     number=ticket.pk)
    _touch(ticket, now)
    return follow_up


@transaction.atomic
def follow_up_complete(*, follow_up: FollowUp, actor: User, outcome: str,
                       note: str = "") -> FollowUp:
    """Record how a follow-up went: satisfied, not satisfied or unreachable, with a note."""
    _require_staff(actor)
    if outcome not in FollowUp.Outcome.values:
        raise ApplicationError("invalid_outcome", _("The outcome must be one of: %(allowed)s")
                               % {"allowed": ", ".join(FollowUp.Outcome.values)},
                               details={"field": "outcome", "allowed": list(FollowUp.Outcome.values)})
    note = _clean_text("note", note, required=outcome == FollowUp.Outcome.NOT_SATISFIED,
                       limit=MAX_NOTE)
    locked = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    if locked.done_at is not None:
        raise Conflict("follow_up_done", _("This follow-up is already recorded."))
    now = timezone.now()
    follow_up.done_at = now
    follow_up.outcome = outcome
    follow_up.note = note
    follow_up.save(update_fields=["done_at", "outcome", "note"])
    ticket = follow_up.ticket
    if ticket is not None:
        _event(ticket, actor, "follow_up_done", now, follow_up=follow_up.pk, outcome=outcome,
               note=note).save()
        if outcome != FollowUp.Outcome.UNREACHABLE:
            _follow_up_completes_step_7(ticket, follow_up, actor, now)
        owner_id = ticket.owner_id
        if outcome == FollowUp.Outcome.NOT_SATISFIED and owner_id and owner_id != actor.pk:
            alert_create(user=User.objects.get(pk=owner_id), kind=Alert.Kind.FOLLOW_UP,
                         ticket=ticket,
                         message=gettext_noop("At the follow-up of ticket #%(number)s the "
                                              "customer was not satisfied."),
                         number=ticket.pk)
        _touch(ticket, now)
    return follow_up


def _follow_up_completes_step_7(ticket: Ticket, follow_up: FollowUp, actor: User, now) -> None:
    """Reaching the customer at a follow-up is step 7 done, when the complaint's steps 1–6
    are recorded and step 7 is not yet (otherwise the agent records it themselves)."""
    if ticket.type != rules.Type.COMPLAINT:
        return
    recorded = set(ComplaintStep.objects.filter(ticket=ticket).values_list("step", flat=True))
    if Step.FOLLOW_UP in recorded or not all(s in recorded for s in STEPS[:-1]):
        return
    data = {"follow_up": follow_up.pk, "outcome": follow_up.outcome}
    try:
        with transaction.atomic():
            ComplaintStep.objects.create(ticket=ticket, step=Step.FOLLOW_UP, outcome="done",
                                         note=follow_up.note, data=data, actor=actor,
                                         created_at=now)
    except IntegrityError:  # recorded concurrently: fine
        return
    _event(ticket, actor, "complaint_step", now, step=Step.FOLLOW_UP.value, outcome="done",
           follow_up=follow_up.pk).save()


@transaction.atomic
def resolution_record(*, ticket: Ticket, actor: User, summary: str) -> Resolution:
    """Say how the ticket was resolved. Recording it again replaces the summary and asks for
    a new confirmation (the old one confirmed something else)."""
    _require_staff(actor)
    summary = _clean_text("summary", summary, required=True, limit=MAX_NOTE)
    _lock(ticket)
    _require_open_for_change(ticket)
    now = timezone.now()
    existing = Resolution.objects.select_for_update().filter(ticket=ticket).first()
    replaced = existing is not None
    resolution = existing or Resolution(ticket=ticket)
    resolution.summary = summary
    resolution.recorded_by = actor
    resolution.recorded_at = now
    resolution.confirmation = ""
    resolution.confirmed_by = None
    resolution.confirmed_at = None
    resolution.confirmation_note = ""
    resolution.save()
    _event(ticket, actor, "resolution_recorded", now, summary=summary, replaced=replaced).save()
    _touch(ticket, now)
    return resolution


@transaction.atomic
def resolution_confirm(*, ticket: Ticket, actor: User, note: str = "") -> Resolution:
    """The customer confirms the resolution of their own ticket, or the owner (or a
    supervisor) records a verification call-back (回访核实) with a note."""
    require_writer(actor)
    is_customer = actor.role == Role.CUSTOMER
    if not is_customer:
        require_staff_writer(actor)
        if actor.pk != ticket.owner_id and actor.role not in (Role.SUPERVISOR, Role.ADMIN):
            raise PermissionDenied(_("Only the owner verifies the resolution by a call-back."))
    elif ticket.customer.user_id != actor.pk:
        raise PermissionDenied()
    note = _clean_text("note", note, required=not is_customer, limit=MAX_REASON)
    resolution = Resolution.objects.select_for_update().filter(ticket=ticket).first()
    if resolution is None:
        raise Conflict("no_resolution", _("No resolution has been recorded yet."))
    if resolution.confirmation:
        raise Conflict("already_confirmed", _("The resolution is already confirmed."),
                       details={"confirmation": resolution.confirmation})
    now = timezone.now()
    resolution.confirmation = (Resolution.Confirmation.CUSTOMER if is_customer
                               else Resolution.Confirmation.CALLBACK)
    resolution.confirmed_by = actor
    resolution.confirmed_at = now
    resolution.confirmation_note = note
    resolution.save(update_fields=["confirmation", "confirmed_by", "confirmed_at",
                                   "confirmation_note"])
    _event(ticket, actor, "resolution_confirmed", now, by=resolution.confirmation,
           note=note).save()
    _touch(ticket, now)
    return resolution


def complaint_close_problems(ticket: Ticket) -> list[str]:
    """Why this ticket may not be closed yet (translated sentences); empty: it may close.
    A complaint needs its resolution recorded and step 7 (follow-up) done or a follow-up
    scheduled — closing must never be a way of passing the ball."""
    if ticket.type != rules.Type.COMPLAINT:
        return []
    problems = []
    if not Resolution.objects.filter(ticket_id=ticket.pk).exists():
        problems.append(_("Record how the complaint was resolved before closing it."))
    followed = (ComplaintStep.objects.filter(ticket_id=ticket.pk, step=Step.FOLLOW_UP,
                                             outcome=ComplaintStep.Outcome.DONE).exists()
                or FollowUp.objects.filter(ticket_id=ticket.pk).exists())
    if not followed:
        problems.append(_("Step 7 (follow-up) is missing: record it done or schedule a "
                          "follow-up before closing the complaint."))
    return problems
